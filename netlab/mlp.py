"""Feed-forward nets of the notebooks: ReLU hidden layers, sigmoid output, BCE, plain gradient descent.

``train`` runs the notebooks' loop as one compiled, fused numba kernel over
preallocated float32 buffers (feature-major, so the inner loops run over the
data points and vectorise). It follows ``netlab.reference.train_reference``
(the notebooks' PyTorch autograd loop) from the same initial weights; the
notebook's semantics kept exactly:

* ``t`` starts at 1 and is incremented after the forward pass, before the
  loss; the step is ``lr / sqrt(t)``;
* every ``check_every`` values of ``t`` the loss is compared with the previous
  check (starting from 1.0) and training stops once it fell by less than
  ``tol`` -- after taking that iteration's step;
* BCE as ``torch.nn.BCELoss`` computes it (logs clamped at -100, gradient
  through ``max(p (1 - p), 1e-12)``), so saturated outputs behave the same.

No torch import here: a trial job pays only for numpy and the cached kernel.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numba import njit

Params = list[tuple[np.ndarray, np.ndarray]]

# fastmath without 'nnan'/'ninf': the loss relies on log(0) = -inf being clamped.
_FASTMATH = {"nsz", "arcp", "contract", "reassoc"}


@dataclass(frozen=True)
class TrainResult:
    """What one training run gives: iteration count ``t`` at the end, final fit, loss at each check."""

    iterations: int
    final_loss: float
    errors: int
    params: Params
    checkpoints: list[tuple[int, float]]
    converged: bool


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
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
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
    return one / (one + np.exp(-z))


def bce_loss(p: np.ndarray, y: np.ndarray) -> float:
    """``torch.nn.BCELoss`` (mean, logs clamped at -100), rounded to float32 like ``loss.item()``."""
    p64 = np.asarray(p, dtype=np.float32)
    log_p = np.maximum(np.log(p64), np.float32(-100))
    log_q = np.maximum(np.log(np.float32(1) - p64), np.float32(-100))
    terms = -(y * log_p + (np.float32(1) - y) * log_q)
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
    for (w, b), fan_in, fan_out in zip(params, sizes[:-1], sizes[1:]):
        if w.shape != (fan_out, fan_in) or b.shape != (fan_out,):
            raise ValueError(f"layer shapes do not chain: W {w.shape}, b {b.shape} after {fan_in} inputs")
    flat = np.concatenate([np.concatenate([w.ravel(), b]) for w, b in params]).astype(np.float32)
    return flat, np.array(sizes, dtype=np.int64)


def unflatten(flat: np.ndarray, sizes: Sequence[int]) -> Params:
    """Inverse of ``flatten``."""
    params: Params = []
    pos = 0
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
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
) -> TrainResult:
    """Train from ``params`` (not modified) with the notebooks' loop; see the module docstring.

    ``x`` float32 (n, 2), ``y`` float32 (n,) in {0, 1}; ``max_iter`` caps ``t``
    (the run then reports ``converged=False``).
    """
    if check_every < 1:
        raise ValueError(f"check_every must be at least 1, got {check_every}")
    x32 = np.ascontiguousarray(np.asarray(x, dtype=np.float32))
    y32 = np.ascontiguousarray(np.asarray(y, dtype=np.float32).reshape(-1))
    if x32.ndim != 2 or x32.shape[0] != y32.shape[0]:
        raise ValueError(f"x must be (n, d) with n = len(y); got x {x32.shape}, y {y32.shape}")
    flat, sizes = flatten(params)
    if sizes[0] != x32.shape[1] or sizes[-1] != 1:
        raise ValueError(f"layer sizes {sizes.tolist()} do not fit {x32.shape[1]} inputs and 1 output")
    t, check_t, check_loss, converged = _descend(
        np.ascontiguousarray(x32.T), y32, flat, sizes, float(lr), float(tol), int(check_every), int(max_iter or 0)
    )
    final = unflatten(flat, sizes.tolist())
    p = predict(final, x32)
    return TrainResult(
        iterations=int(t),
        final_loss=bce_loss(p, y32),
        errors=error_rate(p, y32),
        params=final,
        checkpoints=[(int(a), float(b)) for a, b in zip(check_t, check_loss)],
        converged=bool(converged),
    )


@njit(cache=True, fastmath=_FASTMATH)
def _descend(xt, y, flat, sizes, lr, tol, check_every, max_iter):  # pragma: no cover - compiled
    """The fused loop: forward, loss at checks, backward and update in place on ``flat``."""
    n_layers = sizes.shape[0] - 1
    n = xt.shape[1]
    one = np.float32(1.0)
    zero = np.float32(0.0)
    inv_n = np.float32(1.0 / n)
    eps = np.float32(1e-12)
    # offsets of each layer's W and b in flat, and of its units in the activation buffers
    w_off = np.empty(n_layers, np.int64)
    unit_off = np.empty(n_layers + 1, np.int64)
    pos = 0
    units = 0
    for layer in range(n_layers):
        w_off[layer] = pos
        pos += sizes[layer] * sizes[layer + 1] + sizes[layer + 1]
        unit_off[layer] = units
        units += sizes[layer + 1]
    unit_off[n_layers] = units
    act = np.empty((units, n), np.float32)  # post-activation of every layer (output layer: p)
    delta = np.empty((units, n), np.float32)  # dLoss/dz of every layer
    cap = 64
    check_t = np.empty(cap, np.int64)
    check_loss = np.empty(cap, np.float64)
    n_checks = 0
    prev_loss = 1.0
    t = 1
    while True:
        # forward
        for layer in range(n_layers):
            fan_in = sizes[layer]
            fan_out = sizes[layer + 1]
            w0 = w_off[layer]
            b0 = w0 + fan_in * fan_out
            u0 = unit_off[layer]
            for o in range(fan_out):
                bias = flat[b0 + o]
                for j in range(n):
                    act[u0 + o, j] = bias
                for i in range(fan_in):
                    w = flat[w0 + o * fan_in + i]
                    if layer == 0:
                        for j in range(n):
                            act[u0 + o, j] += w * xt[i, j]
                    else:
                        p0 = unit_off[layer - 1]
                        for j in range(n):
                            act[u0 + o, j] += w * act[p0 + i, j]
                if layer < n_layers - 1:
                    for j in range(n):
                        if act[u0 + o, j] < zero:
                            act[u0 + o, j] = zero
                else:
                    for j in range(n):
                        act[u0 + o, j] = one / (one + np.exp(-act[u0 + o, j]))
        out = unit_off[n_layers - 1]
        t += 1
        done = False
        if t % check_every == 0:
            total = 0.0
            for j in range(n):
                p = act[out, j]
                log_p = max(np.log(p), np.float32(-100.0))
                log_q = max(np.log(one - p), np.float32(-100.0))
                total += -(y[j] * log_p + (one - y[j]) * log_q)
            loss = float(np.float32(total / n))
            if n_checks == cap:
                cap *= 2
                grown_t = np.empty(cap, np.int64)
                grown_l = np.empty(cap, np.float64)
                grown_t[:n_checks] = check_t[:n_checks]
                grown_l[:n_checks] = check_loss[:n_checks]
                check_t = grown_t
                check_loss = grown_l
            check_t[n_checks] = t
            check_loss[n_checks] = loss
            n_checks += 1
            done = prev_loss - loss < tol
            prev_loss = loss
        # backward: BCE through the sigmoid, as torch differentiates it
        for j in range(n):
            p = act[out, j]
            grad_p = (p - y[j]) / max((one - p) * p, eps) * inv_n
            delta[out, j] = grad_p * (one - p) * p
        eta = np.float32(lr * (1.0 / math.sqrt(t)))
        for layer in range(n_layers - 1, -1, -1):
            fan_in = sizes[layer]
            fan_out = sizes[layer + 1]
            w0 = w_off[layer]
            b0 = w0 + fan_in * fan_out
            u0 = unit_off[layer]
            if layer > 0:
                # propagate with the weights before this step's update
                p0 = unit_off[layer - 1]
                for i in range(fan_in):
                    for j in range(n):
                        delta[p0 + i, j] = zero
                    for o in range(fan_out):
                        w = flat[w0 + o * fan_in + i]
                        for j in range(n):
                            delta[p0 + i, j] += w * delta[u0 + o, j]
                    for j in range(n):
                        if act[p0 + i, j] <= zero:
                            delta[p0 + i, j] = zero
            for o in range(fan_out):
                g_b = zero
                for j in range(n):
                    g_b += delta[u0 + o, j]
                for i in range(fan_in):
                    g_w = zero
                    if layer == 0:
                        for j in range(n):
                            g_w += delta[u0 + o, j] * xt[i, j]
                    else:
                        p0 = unit_off[layer - 1]
                        for j in range(n):
                            g_w += delta[u0 + o, j] * act[p0 + i, j]
                    flat[w0 + o * fan_in + i] -= eta * g_w
                flat[b0 + o] -= eta * g_b
        if done:
            return t, check_t[:n_checks].copy(), check_loss[:n_checks].copy(), True
        if max_iter > 0 and t >= max_iter:
            return t, check_t[:n_checks].copy(), check_loss[:n_checks].copy(), False
