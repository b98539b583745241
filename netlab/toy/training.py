"""Training the notebooks' nets: ReLU hidden layers, sigmoid output, BCE, plain gradient descent.

``train`` runs the notebooks' loop on the best path for the net and the run
(``netlab.toy.trainer``: a generated numba kernel for small nets over many
iterations, one compiled loop for any sizes otherwise; ``choice`` says why).
Both fix their order of arithmetic in the code, so the same run gives the
same bytes on every CPU (``netlab.toy.trainer.numerics``).
Every path follows ``netlab.toy.reference.train_reference`` (the notebooks'
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

import logging
import math
import time
from dataclasses import dataclass

import numpy as np

from netlab.toy.nets import Params, bce_loss, error_count, flatten, predict, unflatten

PATHS = ("fused", "general")  # how ``train`` can run the loop (``netlab.toy.trainer``)
log = logging.getLogger("netlab.toy.trainer")


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
    ``PATHS`` (the tests run each); None lets ``netlab.toy.trainer.choice`` pick.
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
        from netlab.toy.trainer.choice import choose_path

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
    from netlab.toy.trainer import fused, general, kernel_cache, loop

    kernel = kernel_cache.fused_kernel(sizes) if path == "fused" else kernel_cache.general_kernel()
    wait = kernel.wait_s
    ready = time.perf_counter()
    arrays = (fused if path == "fused" else general).arrays(x32, y32, flat, sizes)
    t, checkpoints, converged = loop.drive(kernel.descend, arrays, progress=progress, **settings)
    final = unflatten(flat, sizes)
    done = time.perf_counter()
    p = predict(final, x32)
    return TrainResult(
        iterations=int(t),
        final_loss=bce_loss(p, y32),
        errors=error_count(p, y32),
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
