"""The fused kernel as a shared library for this CPU: made once per machine, loaded by ``ctypes`` without numba.

Why: importing numba and loading its cached kernel costs about 0.5 s per
process, more than the arithmetic of most trial jobs. The job that compiles a
kernel also wraps it as a C-callable function (``numba.cfunc``), turns the
optimised LLVM IR into machine code for this CPU (llvmlite) and links it with
the system's C compiler into ``<kernel>.<cpu>-<digest>.so``; later jobs load
that file in about a millisecond.

The IR carries numba's error paths (raising an exception, freeing an owned
array). The kernel never takes them: ``error_model="numpy"``, no bounds
checks, and the arrays belong to the caller. Their helper functions exist
only inside a process that imported numba, so they are linked weak.

Every job of a machine runs the library's code, the compiling job included.
Where no C compiler is found, and on Windows (whose object format has no weak
undefined symbols), ``kernel_cache`` uses numba's own cache instead (0.5 s
more per job) and says so; its numbers are the same bytes, since the kernel
fixes its order of arithmetic (``numerics``).
"""

from __future__ import annotations

import ctypes
import functools
import hashlib
import os
import platform
import shutil
import subprocess
import sys
import sysconfig
from collections.abc import Callable
from pathlib import Path

import numpy as np

from netlab.toy.trainer import vectors
from netlab.toy.trainer.loop import Descend

ENTRY = "netlab_descend"  # the library's one exported function
# numba's runtime helpers, defined only in a process that imported numba (see the module's docstring)
WEAK_PREFIXES = ("NRT_", "numba_")
_P = ctypes.c_void_p
_I, _F = ctypes.c_int64, ctypes.c_double
# buf, n_blocks, n, flat, grad, lr, tol, check_every, max_iter, check_t, check_loss, n_checks, state, prev_loss
ARGTYPES = (_P, _I, _I, _P, _P, _F, _F, _I, _I, _P, _P, _I, _P, _P)


def target_cpu() -> tuple[str, str]:
    """The CPU name and features machine code is made for: this machine's, with the vector width
    ``vectors`` chooses from its flags, or ``NUMBA_CPU_NAME`` and ``NUMBA_CPU_FEATURES`` where set."""
    import llvmlite.binding as llvm  # 35 ms

    name, features = os.environ.get("NUMBA_CPU_NAME"), os.environ.get("NUMBA_CPU_FEATURES")
    if name:  # as numba reads them: a named CPU has that CPU's own features unless told others
        return name, features or ""
    host = llvm.get_host_cpu_features().flatten()
    return llvm.get_host_cpu_name(), features or vectors.llvm_features(
        host, vectors.chosen_bits(cpu_flags())
    )


def cpu_flags() -> frozenset[str]:
    """The CPU's flags as Linux names them (``avx512f``), from ``/proc/cpuinfo``, or from LLVM elsewhere."""
    info = _linux_cpu() or ""
    for line in info.splitlines():
        if line.split(":")[0].strip() in ("flags", "Features"):
            return frozenset(line.split(":", 1)[1].split())
    import llvmlite.binding as llvm

    return frozenset(
        f[1:] for f in llvm.get_host_cpu_features().flatten().split(",") if f[:1] == "+"
    )


def machine_tag() -> str:
    """Which CPU a library is for, in its file name: never loaded on another CPU or under other settings.

    A digest of the CPU's model and flags as Linux reports them (a millisecond;
    ``target_cpu`` needs llvmlite's import, 35 ms a job, and is the fallback
    elsewhere), of numba's CPU settings and of the vector width chosen (``vectors``).
    """
    settings = [os.environ.get(name, "") for name in ("NUMBA_CPU_NAME", "NUMBA_CPU_FEATURES")]
    identity = _linux_cpu() or "|".join(target_cpu())
    bits = f"vector={vectors.chosen_bits(cpu_flags())}"
    digest = hashlib.sha256("|".join([*settings, identity, bits]).encode()).hexdigest()[:12]
    return f"{platform.machine()}-{digest}"


@functools.cache
def _linux_cpu() -> str | None:
    """The first CPU's model and flags from ``/proc/cpuinfo`` (x86 and Arm names), or None."""
    try:
        first = Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="replace").split("\n\n")[0]
    except OSError:
        return None
    keys = {"vendor_id", "cpu family", "model", "model name", "flags", "CPU implementer",
            "CPU architecture", "CPU variant", "CPU part", "Features"}  # fmt: skip
    fields = [line for line in first.splitlines() if line.split(":")[0].strip() in keys]
    return "\n".join(fields) or None


def library_name(kernel_source: Path) -> str:
    """The file name of the library of the kernel module ``kernel_source`` for this CPU and OS."""
    suffix = ".dylib" if sys.platform == "darwin" else ".so"
    return f"{kernel_source.stem}.{machine_tag()}{suffix}"


def c_compiler() -> str | None:
    """The C compiler that links libraries: ``$CC``, Python's own, or ``cc``; None if there is none,
    and on Windows, where a library cannot leave numba's helpers undefined (see the module)."""
    if sys.platform == "win32":
        return None
    candidates = (os.environ.get("CC"), sysconfig.get_config_var("CC"), "cc")
    for command in filter(None, candidates):
        found = shutil.which(command.split()[0])
        if found:
            return found
    return None


def export(descend: Callable[..., object], sizes: tuple[int, ...], target: Path, cc: str) -> None:
    """Write the shared library of ``descend`` (a kernel for layer ``sizes``) to ``target``, atomically."""
    import llvmlite.binding as llvm
    from numba import carray, cfunc, types

    from netlab.toy.trainer import codegen

    layout = codegen.Layout(sizes)
    row_floats, n_params = len(layout.row) * codegen.STRIDE, len(layout.offset)
    f32, i64, f64 = (types.CPointer(t) for t in (types.float32, types.int64, types.float64))
    signature = types.void(f32, types.int64, types.int64, f32, f32, types.float64, types.float64,
                           types.int64, types.int64, i64, f64, types.int64, i64, f64)  # fmt: skip

    @cfunc(signature, error_model="numpy", boundscheck=False)
    def entry(buf, n_blocks, n, flat, grad, lr, tol, check_every, max_iter, check_t, check_loss,
              n_checks, state, prev_loss):  # fmt: skip  # pragma: no cover - compiled
        t, loss, recorded, status = descend(
            carray(buf, (n_blocks, row_floats)), n, carray(flat, (n_params,)),
            carray(grad, (n_params,)), lr, tol, check_every, max_iter, state[0], prev_loss[0],
            carray(check_t, (n_checks,)), carray(check_loss, (n_checks,)),
        )  # fmt: skip
        state[0], state[1], state[2], prev_loss[0] = t, recorded, status, loss

    module = llvm.parse_assembly(entry.inspect_llvm())
    module.get_function(entry.native_name).name = ENTRY
    for function in module.functions:
        if function.is_declaration and function.name.startswith(WEAK_PREFIXES):
            function.linkage = "external_weak"
    name, features = target_cpu()
    machine = llvm.Target.from_default_triple().create_target_machine(
        cpu=name, features=features, opt=3, reloc="pic", codemodel="default"
    )
    target_obj = target.with_name(f".{target.name}.{os.getpid()}.o")
    target_tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    try:
        target_obj.write_bytes(machine.emit_object(module))
        flags = ["-undefined", "dynamic_lookup"] if sys.platform == "darwin" else []
        linked = subprocess.run(
            [cc, "-shared", *flags, "-o", str(target_tmp), str(target_obj)],
            capture_output=True,
            text=True,
        )
        if linked.returncode != 0:
            raise RuntimeError(
                f"linking the trainer's library {target.name} with {cc} failed "
                f"(exit {linked.returncode}): {linked.stderr.strip()[-2000:]}"
            )
        os.replace(target_tmp, target)
    finally:
        target_obj.unlink(missing_ok=True)
        target_tmp.unlink(missing_ok=True)


def load(path: Path, sizes: tuple[int, ...]) -> Descend:
    """The library's kernel for layer ``sizes`` as a function with the numba kernel's arguments and result.

    Its arrays are checked before the call: the machine code trusts their
    types and shapes, as numba's dispatcher would have checked them.
    """
    from netlab.toy.trainer import codegen

    layout = codegen.Layout(sizes)
    row_floats, n_params = len(layout.row) * codegen.STRIDE, len(layout.offset)
    function = getattr(ctypes.CDLL(str(path)), ENTRY)
    function.argtypes, function.restype = ARGTYPES, None

    def descend(
        buf, n, flat, grad, lr, tol, check_every, max_iter, t, prev_loss, check_t, check_loss
    ):
        """``codegen``'s ``descend`` through the library: ``(t, prev_loss, checks recorded, status)``."""
        for array, dtype in ((buf, np.float32), (flat, np.float32), (grad, np.float32),
                             (check_t, np.int64), (check_loss, np.float64)):  # fmt: skip
            if array.dtype != dtype or not array.flags.c_contiguous or not array.flags.writeable:
                raise TypeError(f"the kernel takes writable C-contiguous {dtype.__name__} arrays")
        if (
            buf.ndim != 2
            or buf.shape[1] != row_floats
            or not 0 < n <= buf.shape[0] * codegen.BLOCK
            or flat.shape != (n_params,)
            or grad.shape != (n_params,)
            or check_t.shape != check_loss.shape
        ):
            raise ValueError(f"arrays of the wrong shapes for the {sizes} kernel")
        state, loss = np.array([t, 0, 0], np.int64), np.array([prev_loss], np.float64)
        function(
            buf.ctypes.data, buf.shape[0], n, flat.ctypes.data, grad.ctypes.data, lr, tol,
            check_every, max_iter, check_t.ctypes.data, check_loss.ctypes.data, check_t.shape[0],
            state.ctypes.data, loss.ctypes.data,
        )  # fmt: skip
        return int(state[0]), float(loss[0]), int(state[1]), int(state[2])

    return descend
