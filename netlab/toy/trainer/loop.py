"""Driving a compiled loop (the fused kernel's or the general one's ``descend``) to its end.

Both return after ``PROGRESS_CHECKS`` checks at most, so a long run reports progress between calls.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from netlab.toy.trainer import codegen

PROGRESS_CHECKS = 10  # a compiled loop returns after this many checks, so progress can be reported
Descend = Callable[..., tuple[int, float, int, int]]


def drive(
    descend: Descend,
    arrays: tuple[object, ...],
    *,
    lr: float,
    tol: float,
    check_every: int,
    max_iter: int,
    progress: Callable[[int, float], None],
) -> tuple[int, list[tuple[int, float]], bool]:
    """Call ``descend(*arrays, lr, tol, check_every, max_iter, t, prev_loss, check_t, check_loss)``
    until it converges or reaches ``max_iter`` (0: no cap); ``(t at the end, checks, converged)``."""
    check_t, check_loss = np.empty(PROGRESS_CHECKS, np.int64), np.empty(PROGRESS_CHECKS, np.float64)
    t, prev_loss, status = 1, 1.0, codegen.CHECKS_FULL
    checkpoints: list[tuple[int, float]] = []
    while status == codegen.CHECKS_FULL:
        t, prev_loss, count, status = descend(
            *arrays, float(lr), float(tol), int(check_every), int(max_iter), t, prev_loss,
            check_t, check_loss,
        )  # fmt: skip
        checkpoints += zip(check_t[:count].tolist(), check_loss[:count].tolist(), strict=True)
        if status == codegen.CHECKS_FULL:
            progress(t, prev_loss)
    return int(t), checkpoints, status == codegen.CONVERGED
