"""The fused path: the notebooks' loop as one generated numba kernel per layer sizes (``codegen``).

Fastest by far for the notebooks' nets over many iterations; it costs loading
this machine's library of the kernel (about 0.05 s, ``native``) per process,
and a compile once per machine that grows quickly with the net (see ``choice``).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from netlab.toy.trainer import codegen

PROGRESS_CHECKS = 10  # the kernel returns after this many checks, so progress can be reported


def run(
    descend: Callable[..., tuple[int, float, int, int]],
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
    grad = np.empty_like(flat)
    check_t, check_loss = np.empty(PROGRESS_CHECKS, np.int64), np.empty(PROGRESS_CHECKS, np.float64)
    t, prev_loss, status = 1, 1.0, codegen.CHECKS_FULL
    checkpoints: list[tuple[int, float]] = []
    while status == codegen.CHECKS_FULL:
        t, prev_loss, count, status = descend(
            buf, x.shape[0], flat, grad, float(lr), float(tol), int(check_every), int(max_iter),
            t, prev_loss, check_t, check_loss,
        )  # fmt: skip
        checkpoints += zip(check_t[:count].tolist(), check_loss[:count].tolist(), strict=True)
        if status == codegen.CHECKS_FULL:
            progress(t, prev_loss)
    return int(t), checkpoints, status == codegen.CONVERGED
