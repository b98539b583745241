"""The notebooks' feed-forward nets as arrays: layer sizes, seeded initial weights, the forward pass,
BCE, the error count, and the weights file a trial writes (``npz``, arrays only, no pickles).

Shared by training, evaluation and the plots; no torch, no numba, nothing that trains.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from netlab import atomic
from netlab.toy import elementary

Params = list[tuple[np.ndarray, np.ndarray]]


def layer_sizes(hidden_layers: int, hidden: int, inputs: int = 2) -> list[int]:
    """Units per layer, input to output, for ``hidden_layers`` layers of ``hidden`` units."""
    return [inputs, *([hidden] * hidden_layers), 1]


def init_params(sizes: Sequence[int], seed: int) -> Params:
    """PyTorch's default ``nn.Linear`` initialisation, drawn from numpy.

    ``kaiming_uniform_(a=sqrt(5))`` and the bias rule both give
    U(-1/sqrt(fan_in), 1/sqrt(fan_in)); drawing them with numpy keeps torch out
    of trial jobs. Weights are in PyTorch layout (out x in).
    """
    rng = np.random.default_rng(seed)
    params: Params = []
    for fan_in, fan_out in itertools.pairwise(sizes):
        bound = 1.0 / math.sqrt(fan_in)
        w = rng.uniform(-bound, bound, size=(fan_out, fan_in)).astype(np.float32)
        b = rng.uniform(-bound, bound, size=fan_out).astype(np.float32)
        params.append((w, b))
    return params


def predict(params: Params, x: np.ndarray) -> np.ndarray:
    """Output probabilities for points ``x`` (m, 2), all at once (float32, as the nets compute).

    Each unit's input is its bias plus ``w[:, i] x[:, i]`` added in ``i``'s order, one rounding per
    operation, and the sigmoid's exp is ``elementary.exp``: the same bits on every CPU (a BLAS
    product's order of additions is the library's, chosen by CPU).
    """
    a = np.asarray(x, dtype=np.float32)
    for layer, (w, b) in enumerate(params):
        z = np.broadcast_to(b, (a.shape[0], b.shape[0])).copy()
        for i in range(w.shape[1]):
            z += a[:, i, None] * w[None, :, i]
        a = np.maximum(z, np.float32(0)) if layer < len(params) - 1 else _sigmoid(z)
    return a.reshape(-1)


def _sigmoid(z: np.ndarray) -> np.ndarray:
    one = np.float32(1)
    return one / (one + elementary.exp(-z))  # exp(-z) = inf gives p = 0, as in torch


def bce_loss(p: np.ndarray, y: np.ndarray) -> float:
    """``torch.nn.BCELoss`` (mean, logs clamped at -100), rounded to float32 like ``loss.item()``;
    logs from ``elementary.log`` and the sum exactly rounded (``math.fsum``), so the same on every CPU."""
    p32 = np.asarray(p, dtype=np.float32)
    y32 = np.asarray(y, dtype=np.float32).reshape(p32.shape)
    log_p = np.maximum(elementary.log(p32), np.float32(-100))
    log_q = np.maximum(elementary.log(np.float32(1) - p32), np.float32(-100))
    terms = -(y32 * log_p + (np.float32(1) - y32) * log_q)
    return float(np.float32(math.fsum(terms.astype(np.float64).ravel()) / terms.size))


def error_count(pred: np.ndarray, y: np.ndarray) -> int:
    """The notebooks' error count: a point is wrong when (pred - 0.5)(y - 0.5) <= 0 (0.5 itself is wrong)."""
    half = np.float32(0.5)
    p = np.asarray(pred, dtype=np.float32).reshape(-1)
    t = np.asarray(y, dtype=np.float32).reshape(-1)
    return int(np.count_nonzero((p - half) * (t - half) <= 0))


def flatten(params: Params) -> tuple[np.ndarray, np.ndarray]:
    """Concatenate ``(W, b)`` per layer into one float32 vector, plus the layer sizes."""
    sizes = [params[0][0].shape[1]] + [w.shape[0] for w, _ in params]
    for (w, b), fan_in, fan_out in zip(params, sizes[:-1], sizes[1:], strict=True):
        if w.shape != (fan_out, fan_in) or b.shape != (fan_out,):
            raise ValueError(
                f"layer shapes do not chain: W {w.shape}, b {b.shape} after {fan_in} inputs"
            )
    flat = np.concatenate([np.concatenate([w.ravel(), b]) for w, b in params]).astype(np.float32)
    return flat, np.array(sizes, dtype=np.int64)


def unflatten(flat: np.ndarray, sizes: Sequence[int]) -> Params:
    """Inverse of ``flatten``."""
    params: Params = []
    pos = 0
    for fan_in, fan_out in itertools.pairwise(sizes):
        w = flat[pos : pos + fan_in * fan_out].reshape(fan_out, fan_in).copy()
        pos += fan_in * fan_out
        b = flat[pos : pos + fan_out].copy()
        pos += fan_out
        params.append((w, b))
    return params


def save_params(params: Params, path: str | Path) -> None:
    """Write ``(W, b)`` per layer as ``W0, b0, W1, ...`` to an ``.npz``, atomically."""
    arrays = {
        f"{kind}{i}": a for i, (w, b) in enumerate(params) for kind, a in (("W", w), ("b", b))
    }
    with atomic.replacing(path) as tmp, open(tmp, "wb") as fh:
        np.savez(fh, **arrays)


def load_params(path: str | Path) -> Params:
    """The ``(W, b)`` list ``save_params`` wrote."""
    with np.load(path, allow_pickle=False) as npz:
        n = len(npz.files) // 2
        return [(npz[f"W{i}"], npz[f"b{i}"]) for i in range(n)]
