"""The general path: the notebooks' loop over layers of any size, each step a compiled loop (``layers``).

For big nets, where the fused kernel's compile explodes, and for short runs of nets whose kernel is
not compiled yet. Every array is allocated once (units x points, points padded to a multiple of
``LANES`` with zeros whose deltas are zero); each step's order of arithmetic is fixed by ``layers``,
so the numbers do not depend on the CPU. The maths is the autograd loop's, in the same order:
forward, ``t += 1``, the check's loss on that forward pass, backward through BCE (gradient through
``max(p (1 - p), 1e-12)``), sigmoid and ReLU, then ``param -= float32(lr / sqrt(t)) * grad`` (``numerics.step``).
"""

from __future__ import annotations

import numpy as np

from netlab.toy.trainer import codegen


def arrays(x: np.ndarray, y: np.ndarray, flat: np.ndarray, sizes: tuple[int, ...]) -> tuple:
    """``layers.descend``'s arguments before the settings (``loop.drive``): every layer's units by
    points (the inputs filled in), the targets, the number of points, the sizes, ``flat``
    (``nets.flatten``'s order, trained in place), room for the gradient and every layer's deltas."""
    n = x.shape[0]
    padded = -(-n // codegen.LANES) * codegen.LANES
    acts = codegen.aligned_zeros((sum(sizes), padded))  # rows of whole cache lines, each on one
    acts[: sizes[0], :n] = x.T
    targets = codegen.aligned_zeros((padded,))
    targets[:n] = y
    deltas = codegen.aligned_zeros((sum(sizes[1:]), padded))
    return acts, targets, n, np.array(sizes, np.int64), flat, np.empty_like(flat), deltas
