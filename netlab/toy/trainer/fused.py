"""The fused path: the notebooks' loop as one generated numba kernel per layer sizes (``codegen``).

Fastest by far for the notebooks' nets over many iterations; it costs loading
this machine's library of the kernel (about 0.05 s, ``native``) per process,
and a compile once per machine that grows quickly with the net (see ``choice``).
"""

from __future__ import annotations

import numpy as np

from netlab.toy.trainer import codegen


def arrays(x: np.ndarray, y: np.ndarray, flat: np.ndarray, sizes: tuple[int, ...]) -> tuple:
    """The kernel's arguments before the settings (``loop.drive``): the blocks of ``x`` and ``y``,
    the number of points, ``flat`` (trained in place) and room for the gradient."""
    buf = codegen.blocks(x, y, codegen.Layout(sizes))
    return buf, x.shape[0], flat, np.empty_like(flat)
