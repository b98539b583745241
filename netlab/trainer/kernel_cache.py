"""Generated kernels on disk: written once per layer sizes, compiled once per machine, loaded by later jobs.

A kernel's source goes to a kernel directory (``kernel_dirs``) under a name
carrying a digest of the source and of the helpers compiled into it, and is
compiled with numba's ``cache=True``: later jobs load the machine code. To read
the machine code, compile afresh in this process (numba cannot show cached
code): set ``NETLAB_KERNEL_DIR`` to an empty directory, then
``fused_kernel(sizes).inspect_asm()``.

Jobs starting together take a lock per kernel (the ``filelock`` package, so it
works on every OS): one compiles, the others wait and load its cache. How long
a job waited is reported apart from its own set-up.
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
from numba import types

from netlab.trainer import codegen, numerics

KERNEL_DIR_ENV = "NETLAB_KERNEL_DIR"
# the kernel's argument types: buf, n, flat, grad, lr, tol, check_every, max_iter, t, prev_loss, check_t, check_loss
SIGNATURE = (
    types.float32[:, ::1], types.int64, types.float32[::1], types.float32[::1], types.float64, types.float64,
    types.int64, types.int64, types.int64, types.float64, types.int64[::1], types.float64[::1],
)  # fmt: skip
log = logging.getLogger("netlab.trainer")


@dataclass(frozen=True)
class Kernel:
    """A ready kernel and what getting it cost this process: waiting for another job's compile, and the rest."""

    descend: Callable[..., tuple[int, float, int, int]]
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
    first = _load.cache_info().currsize
    kernel = _load(sizes)
    return kernel if _load.cache_info().currsize > first else Kernel(kernel.descend, 0.0, False)


def kernel_file(sizes: tuple[int, ...]) -> Path:
    """The generated module for ``sizes``, written now if no kernel directory has it.

    The file name carries a digest of the generated source and of the helpers
    (``numerics``, ``codegen``), so an edit to either gives a new file and a
    fresh compile, never a stale cache. Files are created by a hard link from
    a finished temporary file: jobs starting together see no file or the whole
    one, and an existing file is never rewritten.
    """
    source = codegen.kernel_source(sizes)
    helpers = b"".join(Path(m.__file__).read_bytes() for m in (numerics, codegen))
    digest = hashlib.sha256(source.encode() + helpers).hexdigest()[:16]
    name = "fused_" + "_".join(map(str, sizes)) + "_" + digest + ".py"
    dirs = kernel_dirs()
    found = next((d / name for d in dirs if (d / name).is_file()), None)
    return found or _write_new(dirs, name, source)


@functools.cache
def _load(sizes: tuple[int, ...]) -> Kernel:
    """Import the kernel's module and compile it, which numba does by loading its cached machine code."""
    path = kernel_file(sizes)
    descend = _import_file(path, f"netlab_{path.stem}").descend
    asked = time.perf_counter()
    with _exclusive(path.with_suffix(".lock")):
        wait = time.perf_counter() - asked
        compiled = not any((path.parent / "__pycache__").glob(f"{path.stem}.*.nbi"))
        if compiled:
            message = f"compiling the trainer for {sizes_label(sizes)} (once per machine)"
            log.info(message)
            print(f"netlab: {message}", file=sys.stderr, flush=True)  # Snakemake's console too
        start = time.perf_counter()
        descend.compile(SIGNATURE)
        if compiled:
            message = f"compiled the trainer for {sizes_label(sizes)} in {time.perf_counter() - start:.1f} s"
            log.info(message)
            print(f"netlab: {message}", file=sys.stderr, flush=True)
    descend.disable_compile()  # a call with other types is a bug here, not a reason to compile again
    return Kernel(descend, wait, compiled)


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
