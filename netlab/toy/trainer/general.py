"""The general path: the notebooks' loop over layers of any size, each step a compiled loop (``layers``).

For big nets, where the fused kernel's compile explodes, and for short runs of nets whose kernel is
not compiled yet. Every array is allocated once (units x points, points padded to a multiple of
``LANES`` with zeros whose deltas are zero); each step's order of arithmetic is fixed by ``layers``,
so the numbers do not depend on the CPU. The maths is the autograd loop's, in the same order:
forward, ``t += 1``, the check's loss on that forward pass, backward through BCE (gradient through
``max(p (1 - p), 1e-12)``), sigmoid and ReLU, then ``param -= float32(lr / sqrt(t)) * grad``.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from netlab.toy.trainer import codegen, layers

PROGRESS_CHECKS = 10  # the loop returns after this many checks, so progress can be reported


def run(
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
    """Train ``flat`` (``nets.flatten``'s order) in place; ``(t at the end, checks, converged)``.
    ``max_iter`` 0 means no cap."""
    n = x.shape[0]
    padded = -(-n // codegen.LANES) * codegen.LANES
    acts = np.zeros((sum(sizes), padded), np.float32)
    acts[: sizes[0], :n] = x.T
    targets = np.zeros(padded, np.float32)
    targets[:n] = y
    deltas = np.zeros((sum(sizes[1:]), padded), np.float32)
    grad = np.empty_like(flat)
    sizes_array = np.array(sizes, np.int64)
    check_t, check_loss = np.empty(PROGRESS_CHECKS, np.int64), np.empty(PROGRESS_CHECKS, np.float64)
    t, prev_loss, status = 1, 1.0, codegen.CHECKS_FULL
    checkpoints: list[tuple[int, float]] = []
    while status == codegen.CHECKS_FULL:
        t, prev_loss, count, status = layers.descend(
            acts, targets, n, sizes_array, flat, grad, deltas, float(lr), float(tol),
            int(check_every), int(max_iter), t, prev_loss, check_t, check_loss,
        )  # fmt: skip
        checkpoints += zip(check_t[:count].tolist(), check_loss[:count].tolist(), strict=True)
        if status == codegen.CHECKS_FULL:
            progress(t, prev_loss)
    return int(t), checkpoints, status == codegen.CONVERGED
