"""The fused path: the notebooks' loop as one generated numba kernel per layer sizes (``codegen``).

Fastest by far for the notebooks' nets over many iterations; it costs loading
this machine's library of the kernel (about 0.05 s, ``native``) per process,
and a compile once per machine that grows quickly with the net (see ``choice``).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from netlab.toy.trainer import codegen, loop


def run(
    descend: loop.Descend,
    x: np.ndarray,
    y: np.ndarray,
    flat: np.ndarray,
    sizes: tuple[int, ...],
    *,
    lr: float,
    tol: float,
    check_every: int,
    max_iter: int,
    progress: Callable[[int, float], None],
) -> tuple[int, list[tuple[int, float]], bool]:
    """Train ``flat`` in place; ``(t at the end, checks, converged)``. ``max_iter`` 0 means no cap."""
    buf = codegen.blocks(x, y, codegen.Layout(sizes))
    return loop.drive(
        descend, (buf, x.shape[0], flat, np.empty_like(flat)), lr=lr, tol=tol,
        check_every=check_every, max_iter=max_iter, progress=progress,
    )  # fmt: skip
