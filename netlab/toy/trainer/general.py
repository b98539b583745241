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
    """Train ``flat`` (``nets.flatten``'s order) in place with ``layers.descend``; ``(t at the end,
    checks, converged)``. ``max_iter`` 0 means no cap."""
    n = x.shape[0]
    padded = -(-n // codegen.LANES) * codegen.LANES
    acts = np.zeros((sum(sizes), padded), np.float32)  # every layer's units by points
    acts[: sizes[0], :n] = x.T
    targets = np.zeros(padded, np.float32)
    targets[:n] = y
    deltas = np.zeros((sum(sizes[1:]), padded), np.float32)
    arrays = (acts, targets, n, np.array(sizes, np.int64), flat, np.empty_like(flat), deltas)
    return loop.drive(
        descend, arrays, lr=lr, tol=tol, check_every=check_every, max_iter=max_iter,
        progress=progress,
    )  # fmt: skip
