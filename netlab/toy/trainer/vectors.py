"""The vector width the trainer's kernels are compiled for: chosen from the CPU's flags, never from timings.

LLVM tunes Intel's AVX-512 CPUs (and some AMD ones) to prefer 256-bit vectors even where the CPU has
512-bit registers. For the trainer's kernels, loops over blocks of points in float32, 512 bits measured
faster on both families the project has seen (docs/performance.md has the table), so:

* a CPU with AVX-512 (``avx512f`` among its flags, Intel and AMD alike) gets 512-bit vectors;
* any other CPU gets what LLVM chooses for it;
* ``NETLAB_VECTOR_BITS=256`` or ``512`` overrides the rule (512 only where the CPU has AVX-512);
  ``NUMBA_CPU_FEATURES``, when set, is taken as it is (numba's own override).

The choice is static (same machine, same settings, same code, same numbers) and part of the name of
the kernel's library (``native.machine_tag``), so a kernel compiled for one width is never loaded
under another.
"""

from __future__ import annotations

import os
from collections.abc import Collection

VECTOR_BITS_ENV = "NETLAB_VECTOR_BITS"
WIDE = "avx512f"  # the flag that says the CPU has 512-bit vector registers
PREFER_256 = "prefer-256-bit"  # LLVM's tuning flag that keeps such CPUs at 256 bits


def vector_bits(flags: Collection[str], override: str | None = None) -> int | None:
    """512 for a CPU whose ``flags`` (``/proc/cpuinfo`` names) include AVX-512, else None (LLVM's own
    choice); ``override`` ("256" or "512", from ``NETLAB_VECTOR_BITS``) wins where the CPU allows it."""
    if override:
        if override not in ("256", "512"):
            raise ValueError(f"{VECTOR_BITS_ENV} must be 256 or 512, not {override!r}")
        if override == "512" and WIDE not in flags:
            raise ValueError(
                f"{VECTOR_BITS_ENV}=512: this CPU has no AVX-512 ({WIDE} is not among its flags)"
            )
        return int(override)
    return 512 if WIDE in flags else None


def llvm_features(host_features: str, bits: int | None) -> str:
    """LLVM's feature string for ``bits``: the host's features, told to use (or not) 512-bit vectors."""
    parts = [f for f in host_features.split(",") if f and f.lstrip("+-") != PREFER_256]
    if bits == 512:
        parts.append(f"-{PREFER_256}")
    elif bits == 256:
        parts.append(f"+{PREFER_256}")
    return ",".join(parts)


def chosen_bits(flags: Collection[str]) -> int | None:
    """``vector_bits`` for this process's settings (``NETLAB_VECTOR_BITS``)."""
    return vector_bits(flags, os.environ.get(VECTOR_BITS_ENV) or None)
