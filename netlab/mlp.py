"""Feed-forward nets of the notebooks: ReLU hidden layers, sigmoid output, BCE, plain gradient descent.

``train`` runs the notebooks' loop on the best path for the net and the run
(``netlab.trainer``: a generated numba kernel for small nets over many
iterations, numpy/BLAS on preallocated buffers otherwise; ``choice`` says why).
Every path follows ``netlab.reference.train_reference`` (the notebooks'
PyTorch autograd loop) from the same initial weights; the notebook's
semantics kept exactly:

* ``t`` starts at 1 and is incremented after the forward pass, before the
  loss; the step is ``lr / sqrt(t)``;
* every ``check_every`` values of ``t`` the loss is compared with the previous
  check (starting from 1.0) and training stops once it fell by less than
  ``tol`` -- after taking that iteration's step;
* BCE as ``torch.nn.BCELoss`` computes it (logs clamped at -100, gradient
  through ``max(p (1 - p), 1e-12)``), so saturated outputs behave the same.

No torch and no numba import here: a trial job pays only for the path it runs.
"""

from __future__ import annotations

import itertools
import logging
import math
import time
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

Params = list[tuple[np.ndarray, np.ndarray]]

PATHS = ("fused", "general")  # how ``train`` can run the loop (``netlab.trainer``)
log = logging.getLogger("netlab.trainer")


@dataclass(frozen=True)
class TrainResult:
    """What one training run gives: iteration count ``t`` at the end, final fit, loss at each check."""

    iterations: int
    final_loss: float
    errors: int
    params: Params
    checkpoints: list[tuple[int, float]]
    converged: bool
    path: str = "reference"  # which path ran (one of ``PATHS``)
    setup_s: float = 0.0  # importing and compiling or loading the path's code, waits excluded
    wait_s: float = 0.0  # waiting for another job's compile of the same kernel
    train_s: float = 0.0  # the training loop alone


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
    """Output probabilities for points ``x`` (m, 2), all at once (float32, as the nets compute)."""
    a = np.asarray(x, dtype=np.float32)
    for i, (w, b) in enumerate(params):
        z = a @ w.T + b
        a = np.maximum(z, np.float32(0)) if i < len(params) - 1 else _sigmoid(z)
    return a.reshape(-1)


def _sigmoid(z: np.ndarray) -> np.ndarray:
    one = np.float32(1)
    with np.errstate(over="ignore"):  # exp(-z) = inf gives p = 0, as in torch
        return one / (one + np.exp(-z))


def bce_loss(p: np.ndarray, y: np.ndarray) -> float:
    """``torch.nn.BCELoss`` (mean, logs clamped at -100), rounded to float32 like ``loss.item()``."""
    p32 = np.asarray(p, dtype=np.float32)
    y32 = np.asarray(y, dtype=np.float32).reshape(p32.shape)
    with np.errstate(divide="ignore"):  # log(0) = -inf, clamped below
        log_p = np.maximum(np.log(p32), np.float32(-100))
        log_q = np.maximum(np.log(np.float32(1) - p32), np.float32(-100))
    terms = -(y32 * log_p + (np.float32(1) - y32) * log_q)
    return float(np.float32(terms.astype(np.float64).mean()))


def error_rate(pred: np.ndarray, y: np.ndarray) -> int:
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


def train(
    x: np.ndarray,
    y: np.ndarray,
    params: Params,
    *,
    lr: float = 0.25,
    tol: float = 1e-4,
    check_every: int = 1000,
    max_iter: int | None = None,
    path: str | None = None,
) -> TrainResult:
    """Train from ``params`` (not modified) with the notebooks' loop; see the module docstring.

    ``x`` float32 (n, d), ``y`` float32 (n,) in {0, 1}; ``max_iter`` caps ``t``
    (the run then reports ``converged=False``). ``path`` forces one of
    ``PATHS`` (the tests run each); None lets ``netlab.trainer.choice`` pick.
    """
    x32, y32 = _checked_data(x, y)
    if not (check_every >= 1 and float(check_every).is_integer()):
        raise ValueError(f"check_every must be a whole number >= 1, got {check_every!r}")
    if max_iter is not None and not (max_iter >= 2 and float(max_iter).is_integer()):
        raise ValueError(
            f"max_iter must be None or a whole number >= 2 (t starts at 2), got {max_iter!r}"
        )
    if not (math.isfinite(lr) and lr > 0) or not (math.isfinite(tol) and tol >= 0):
        raise ValueError(
            f"lr must be finite and > 0 and tol finite and >= 0, got lr={lr!r}, tol={tol!r}"
        )
    flat, sizes_array = flatten(params)
    sizes = tuple(int(s) for s in sizes_array)
    if sizes[0] != x32.shape[1] or sizes[-1] != 1:
        raise ValueError(f"layer sizes {list(sizes)} do not fit {x32.shape[1]} inputs and 1 output")
    if not np.all(np.isfinite(flat)):
        raise ValueError("initial parameters contain NaN or infinite values")
    if path is None:
        from netlab.trainer.choice import choose_path

        path = choose_path(sizes, x32.shape[0], max_iter)
    elif path not in PATHS:
        raise ValueError(f"path must be one of {PATHS} or None (chosen by cost), got {path!r}")
    settings = {"lr": float(lr), "tol": float(tol), "check_every": int(check_every)}
    settings["max_iter"] = int(max_iter or 0)
    label = "-".join(map(str, sizes))

    def progress(t: int, loss: float) -> None:
        log.info(
            "training %s: t=%d loss=%.6f (%.1f s)", label, t, loss, time.perf_counter() - start
        )

    start = time.perf_counter()
    wait = 0.0
    if path == "fused":
        from netlab.trainer import fused, kernel_cache

        kernel = kernel_cache.fused_kernel(sizes)
        wait = kernel.wait_s
        ready = time.perf_counter()
        t, checkpoints, converged = fused.run(
            kernel.descend, x32, y32, flat, sizes, progress=progress, **settings
        )
        final = unflatten(flat, sizes)
    else:
        from netlab.trainer import general

        ready = time.perf_counter()
        t, checkpoints, converged, final = general.run(
            x32, y32, unflatten(flat, sizes), progress=progress, **settings
        )
    done = time.perf_counter()
    p = predict(final, x32)
    return TrainResult(
        iterations=int(t),
        final_loss=bce_loss(p, y32),
        errors=error_rate(p, y32),
        params=final,
        checkpoints=checkpoints,
        converged=converged,
        path=path,
        setup_s=ready - start - wait,
        wait_s=wait,
        train_s=done - ready,
    )


def _checked_data(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``x`` as float32 (n, d) and ``y`` as float32 (n,), refusing shapes, values and labels the loop cannot use."""
    x32 = np.asarray(x, dtype=np.float32)
    y32 = np.asarray(y, dtype=np.float32).reshape(-1)
    if x32.ndim != 2 or x32.shape[0] != y32.shape[0] or x32.shape[0] == 0:
        raise ValueError(
            f"x must be (n, d) with n = len(y) >= 1; got x {x32.shape}, y {np.shape(y)}"
        )
    if not np.all(np.isfinite(x32)):
        raise ValueError("x contains NaN or infinite values")
    if not np.all((y32 == 0) | (y32 == 1)):
        raise ValueError(
            f"y must hold 0/1 targets, found {sorted(set(np.unique(y32).tolist()) - {0.0, 1.0})[:5]}"
        )
    return x32, y32
