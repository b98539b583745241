"""Which CPU and instruction sets computed the features: recorded because float32 features depend on them.

oneDNN (the convolutions; for batches under 16 images not the stride-1 1x1 ones), MKL
(those, as matrix products) and ATen (BatchNorm, pooling) pick their kernels by the
CPU's instruction set; kernels of another family sum in another order, so the same
images and weights can give features that differ in their last digits from one CPU
to the next (measured in docs/performance.md). This is information for the
features' provenance, never part of a fingerprint.
"""

from __future__ import annotations

import contextlib
import functools
import os
import platform
import re
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

import torch

CPUINFO = Path("/proc/cpuinfo")
#: The settings that cap or fix the kernels' instruction set: oneDNN's (and its former name), ATen's, MKL's.
SETTINGS = ("ONEDNN_MAX_CPU_ISA", "DNNL_MAX_CPU_ISA", "ATEN_CPU_CAPABILITY", "MKL_ENABLE_INSTRUCTIONS",
            "MKL_CBWR")  # fmt: skip
# the verbose headers' instruction set: "...,cpu,isa:Intel AVX2" and "MKL_VERBOSE oneMKL ... for Intel(R) 64
# architecture Intel(R) Advanced Vector Extensions 2 (Intel(R) AVX2) enabled processors, Lnx 2.60GHz lp64 ..."
ONEDNN_HEADER = re.compile(r"^onednn_verbose,.*?\bcpu,isa:(.+)$", re.MULTILINE)
MKL_HEADER = re.compile(r"^MKL_VERBOSE .*? architecture (.+?)(?:, \w+ [\d.]+GHz.*)?$", re.MULTILINE)


def cpu_model() -> str:
    """The CPU's name: ``/proc/cpuinfo``'s model name (Linux on x86), the brand string (macOS),
    else what Python's ``platform`` knows (Windows names family and model; Arm Linux only the machine)."""
    try:
        for line in CPUINFO.read_text(encoding="utf-8", errors="replace").splitlines():
            key, _, value = line.partition(":")
            if key.strip() == "model name":
                return value.strip()
    except OSError:
        pass
    if sys.platform == "darwin":
        brand = subprocess.run(
            ["sysctl", "-n", "machdep.cpu.brand_string"], capture_output=True, text=True
        ).stdout.strip()
        if brand:
            return brand
    return platform.processor() or platform.machine()


def _printed(verbose: contextlib.AbstractContextManager, call: Callable[[], object]) -> str:
    """What ``call`` writes to file descriptor 1 under ``verbose``: oneDNN and MKL print (and flush) there."""
    sys.stdout.flush()
    with tempfile.TemporaryFile() as out:
        saved = os.dup(1)
        os.dup2(out.fileno(), 1)
        try:
            with verbose, torch.no_grad():
                call()
        finally:
            os.dup2(saved, 1)
            os.close(saved)
        out.seek(0)
        return out.read().decode("utf-8", errors="replace")


def verbose_isa(header: re.Pattern[str], text: str) -> str | None:
    """The instruction set a library's verbose ``header`` (``ONEDNN_HEADER``, ``MKL_HEADER``) names in ``text``."""
    found = header.search(text)
    return found.group(1).strip() if found else None


# No torch API reports what oneDNN or MKL dispatch to, so one tiny call of each runs with verbose output on and
# the header's instruction set is read back. Each library prints its header once per process and fixes its
# kernels at first use, hence the caches. None: torch lacks the library, or its header was printed before.


@functools.cache
def onednn_isa() -> str | None:
    """The instruction set oneDNN dispatches to in this process, as its verbose header states it."""
    if not torch.backends.mkldnn.is_available():
        return None
    zero = torch.zeros(1, 1, 1, 1)
    text = _printed(
        torch.backends.mkldnn.verbose(torch.backends.mkldnn.VERBOSE_ON),
        lambda: torch.mkldnn_convolution(zero, zero, None, [0, 0], [1, 1], [1, 1], 1),
    )
    return verbose_isa(ONEDNN_HEADER, text)


@functools.cache
def mkl_isa() -> str | None:
    """The instruction set MKL's matrix products dispatch to in this process, as its verbose header states it."""
    if not torch.backends.mkl.is_available():
        return None
    one = torch.ones(1, 1)
    text = _printed(torch.backends.mkl.verbose(torch.backends.mkl.VERBOSE_ON), lambda: one @ one)
    return verbose_isa(MKL_HEADER, text)


def instruction_set() -> dict[str, str | None]:
    """What ATen, oneDNN and MKL dispatch to here, with the settings that capped them (only those set)."""
    chosen = {
        "ATen": torch.backends.cpu.get_cpu_capability(),
        "oneDNN": onednn_isa(),
        "MKL": mkl_isa(),
    }
    return {**chosen, **{name: os.environ[name] for name in SETTINGS if name in os.environ}}
