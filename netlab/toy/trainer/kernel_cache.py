"""Generated kernels on disk: written once per layer sizes, compiled once per machine, loaded by later jobs.

A kernel's source goes to a kernel directory (``kernel_dirs``) under a name
carrying a digest of the source and of the helpers compiled into it. The
first job to need it compiles it with numba and keeps the machine code as a
shared library beside it (``native``); later jobs load that without importing
numba. To read the machine code: ``objdump -d`` the ``.so``.

Jobs starting together take a lock per kernel (the ``filelock`` package, so it
works on every OS): one compiles, the others wait and load its library. How
long a job waited is reported apart from its own set-up.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import importlib.util
import logging
import os
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

import filelock

from netlab.toy.trainer import codegen, native
from netlab.toy.trainer.loop import Descend

KERNEL_DIR_ENV = "NETLAB_KERNEL_DIR"
log = logging.getLogger("netlab.toy.trainer")


@dataclass(frozen=True)
class Kernel:
    """A ready kernel and what getting it cost this process: waiting for another job's compile, and the rest."""

    descend: Descend
    wait_s: float
    compiled: bool


def kernel_dirs() -> list[Path]:
    """Where generated kernels are looked for, and written to the first writable one.

    ``$NETLAB_KERNEL_DIR`` if set; otherwise the package's ``__pycache__`` (shared
    by every job of an install) then the user's cache directory.
    """
    configured = os.environ.get(KERNEL_DIR_ENV)
    if configured:
        return [Path(configured)]
    user_cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return [
        Path(__file__).resolve().parents[1] / "__pycache__" / "fused",
        user_cache / "netlab" / "fused",
    ]


def sizes_label(sizes: tuple[int, ...]) -> str:
    """``(2, 64, 64, 1)`` -> ``2-64-64-1``, as the messages name a net."""
    return "-".join(map(str, sizes))


def fused_kernel(sizes: tuple[int, ...]) -> Kernel:
    """The kernel for ``sizes``, loaded once per process (a second call costs and waits nothing)."""
    return _first_time(_load, sizes)


def general_kernel() -> Kernel:
    """The general path's loop, loaded once per process (a second call costs and waits nothing)."""
    return _first_time(_load_general)


def _first_time(load: Callable[..., Kernel], *args: object) -> Kernel:
    """``load(*args)`` (a ``functools.cache`` function) as this call found it: what it cost if it
    loaded now, nothing if it was loaded already."""
    first = load.cache_info().currsize
    kernel = load(*args)
    return kernel if load.cache_info().currsize > first else Kernel(kernel.descend, 0.0, False)


def kernel_file(sizes: tuple[int, ...]) -> Path:
    """The generated module for ``sizes``, written now if no kernel directory has it.

    The file name carries a digest of the generated source, of the helpers
    (``codegen.HELPERS`` and ``codegen``) and of the code that compiles and exports it
    (this module and ``native``), so an edit to any gives a new file and a fresh
    compile, never a stale cache or a library made the old way. Files are created by a hard link from
    a finished temporary file: jobs starting together see no file or the whole
    one, and an existing file is never rewritten.
    """
    source = codegen.kernel_source(sizes)
    helpers = b"".join(  # the helpers by their files: importing them would import numba
        Path(importlib.util.find_spec(name).origin).read_bytes()
        for name in (codegen.HELPERS, codegen.__name__, __name__, native.__name__)
    )
    digest = hashlib.sha256(source.encode() + helpers).hexdigest()[:16]
    name = "fused_" + "_".join(map(str, sizes)) + "_" + digest + ".py"
    dirs = kernel_dirs()
    found = next((d / name for d in dirs if (d / name).is_file()), None)
    return found or _write_new(dirs, name, source)


@functools.cache
def _load(sizes: tuple[int, ...]) -> Kernel:
    """This machine's library of the kernel (``native``), made first if no job has made it yet."""
    path = kernel_file(sizes)
    libraries = [d / native.library_name(path) for d in kernel_dirs()]
    found = next((p for p in libraries if p.is_file()), None)
    if found:
        return Kernel(native.load(found, sizes), 0.0, False)
    asked = time.perf_counter()
    with _exclusive(path.with_suffix(".lock")):
        wait = time.perf_counter() - asked
        found = next((p for p in libraries if p.is_file()), None)
        if found:  # made by the job this one waited for
            return Kernel(native.load(found, sizes), wait, False)
        descend, compiled = _compile(path, sizes, libraries)
    return Kernel(descend, wait, compiled)


@functools.cache
def _load_general() -> Kernel:
    """The general path's loop (``layers.descend``), from numba's cache in the kernel directory, or
    compiled there first (once per machine and CPU target, whatever the net's sizes)."""
    import numba.core.config

    numba.core.config.CPU_NAME, numba.core.config.CPU_FEATURES = native.target_cpu()
    directory = next((d for d in kernel_dirs() if _writable(d)), None)
    if directory is not None:  # numba reads it when the module's functions are defined
        numba.core.config.CACHE_DIR = str(directory / "numba")
    from netlab.toy.trainer import layers

    asked = time.perf_counter()
    with _exclusive((directory or Path(numba.core.config.CACHE_DIR or ".")) / "general.lock"):
        wait = time.perf_counter() - asked
        if directory is None or not any((directory / "numba").rglob("layers.descend-*.nbi")):
            _say("compiling the general trainer (once per machine)")
        start = time.perf_counter()
        layers.descend.compile(layers.SIGNATURE)
        compiled = sum(layers.descend.stats.cache_misses.values()) > 0
    if compiled:
        _say(
            f"compiled the general trainer in {time.perf_counter() - start:.1f} s (once per machine)"
        )
    layers.descend.disable_compile()
    return Kernel(layers.descend, wait, compiled)


def _writable(directory: Path) -> bool:
    """Whether ``directory`` exists or can be made, and files can be created in it."""
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError:
        return False
    return os.access(directory, os.W_OK)


def _compile(path: Path, sizes: tuple[int, ...], libraries: list[Path]) -> tuple[Descend, bool]:
    """Compile the kernel with numba and keep it as the first of ``libraries`` that can be written.

    Without a C compiler, or with nowhere to write, the kernel runs as numba
    compiled (or loaded from numba's cache) in this process, and the job says
    so. Returns the kernel and whether this call compiled it.
    """
    import numba.core.config
    from numba import types

    # numba's code for the vector width native.target_cpu chose: set before anything builds numba's CPU
    # target, which then keeps the host's defaults (importing the helpers does; 256-bit code on Intel)
    numba.core.config.CPU_NAME, numba.core.config.CPU_FEATURES = native.target_cpu()
    # what the kernel's source imports (codegen.HELPERS), named so that the import graph has the edge
    from netlab.toy.trainer import numerics  # noqa: F401

    descend = _import_file(path, f"netlab_{path.stem}").descend
    signature = (
        types.float32[:, ::1], types.int64, types.float32[::1], types.float32[::1], types.float64,
        types.float64, types.int64, types.int64, types.int64, types.float64, types.int64[::1],
        types.float64[::1],
    )  # fmt: skip  # descend's arguments, as codegen names them
    cc = native.c_compiler()
    label = sizes_label(sizes)
    if cc is None:
        _say(
            f"no C compiler ($CC or cc) to keep the trainer for {label} as a library: "
            "it loads through numba (about 0.5 s a job, the same numbers)"
            + ("" if sys.platform == "win32" else "; install one to save that")
        )
        if any((path.parent / "__pycache__").glob(f"{path.stem}.*.nbi")):
            descend.compile(signature)
            descend.disable_compile()
            return descend, False
    _say(f"compiling the trainer for {label} (once per machine)")
    start = time.perf_counter()
    descend.compile(signature)
    descend.disable_compile()  # a call with other types is a bug here, not a reason to compile again
    problems = []
    for library in libraries if cc is not None else []:
        try:
            library.parent.mkdir(parents=True, exist_ok=True)
            native.export(descend, sizes, library, cc)
        except OSError as exc:
            problems.append(f"{library.parent}: {exc.strerror or exc}")
            continue
        descend = native.load(library, sizes)
        break
    else:
        if problems:
            _say(
                f"cannot keep the trainer's library ({'; '.join(problems)}): numba's code runs in this job"
            )
    _say(f"compiled the trainer for {label} in {time.perf_counter() - start:.1f} s")
    return descend, True


def _say(message: str) -> None:
    """Log ``message`` and show it on Snakemake's console, which prints a job's stderr."""
    log.info(message)
    print(f"netlab: {message}", file=sys.stderr, flush=True)


@contextlib.contextmanager
def _exclusive(lock_path: Path) -> Iterator[None]:
    """Hold an exclusive lock on ``lock_path`` (none where it cannot be created, e.g. a read-only directory)."""
    lock = filelock.FileLock(lock_path)
    try:
        lock.acquire()
    except OSError:
        yield
        return
    try:
        yield
    finally:
        lock.release()


def _write_new(dirs: list[Path], name: str, source: str) -> Path:
    """Create ``name`` holding ``source`` in the first writable directory of ``dirs``."""
    problems = []
    for directory in dirs:
        target = directory / name
        tmp = directory / f".{name}.{os.getpid()}.tmp"
        try:
            directory.mkdir(parents=True, exist_ok=True)
            tmp.write_text(source, encoding="utf-8")
        except OSError as exc:
            problems.append(f"{directory}: {exc.strerror or exc}")
            with contextlib.suppress(OSError):
                tmp.unlink()  # a partial temporary file, if any
            continue
        try:
            os.link(tmp, target)
        except FileExistsError:
            pass  # another job made the same file (same digest, same text)
        except OSError:
            os.replace(tmp, target)  # a file system without hard links: still atomic
        finally:
            tmp.unlink(missing_ok=True)
        return target
    raise OSError(
        f"cannot write the compiled trainer's source anywhere ({'; '.join(problems)}); set {KERNEL_DIR_ENV}"
    )


def _import_file(path: Path, name: str) -> ModuleType:
    """Import ``path`` as module ``name``, registered so numba can find it again when it loads the cache."""
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module
