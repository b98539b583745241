"""The general path: the notebooks' loop in numpy, matrix products (BLAS) on buffers allocated once.

No numba, nothing to compile or load: it starts in the time of ``import
numpy``, so it wins for short runs of small nets (whose whole arithmetic costs
less than loading a kernel) and for big nets, where the fused kernel's compile
explodes and the work is matrix products anyway.

Layout, chosen by measurement: activations are stored units x points (each
unit's row contiguous) with a row of ones under them, and each layer's weights
as one matrix ``[W | b]``; so ``z = [W | b] @ [a; 1]`` and ``[dW | db] = delta @
[a; 1]^T`` are single BLAS calls, with no broadcast bias additions or column
sums (each cost as much as a product here). Every operation writes into a
preallocated array (``out=``): an iteration allocates nothing sizeable. The
maths is the autograd loop's, in the same order: forward, ``t += 1``, the
check's loss on that forward pass, backward through BCE (gradient through
``max(p (1 - p), 1e-12)``), sigmoid and ReLU, then
``param -= float32(lr / sqrt(t)) * grad``.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from netlab.toy.nets import Params, bce_loss

PROGRESS_CHECKS = 10  # report progress every this many checks


class _Net:
    """Weights ``[W | b]`` per layer and every array one iteration writes, for ``n`` points."""

    def __init__(self, x: np.ndarray, params: Params) -> None:
        n = x.shape[0]
        self.wb = [np.concatenate([w, b[:, None]], axis=1) for w, b in params]
        self.grad = [np.empty_like(wb) for wb in self.wb]
        # [a; 1] for the input and every hidden layer (units x points), then the output p (1 x points)
        self.a = [np.ones((w.shape[1] + 1, n), np.float32) for w, _ in params]
        self.a[0][:-1] = x.T
        self.p = np.empty((1, n), np.float32)
        self.on = [np.empty((w.shape[0], n), np.float32) for w, _ in params[:-1]]  # 1 where z > 0
        self.delta = [np.empty((w.shape[0], n), np.float32) for w, _ in params]  # dLoss/dz
        self.pq = np.empty((1, n), np.float32)

    def params(self) -> Params:
        """The current weights as ``(W, b)`` per layer (copies)."""
        return [(wb[:, :-1].copy(), wb[:, -1].copy()) for wb in self.wb]


def run(
    x: np.ndarray,
    y: np.ndarray,
    params: Params,
    *,
    lr: float,
    tol: float,
    check_every: int,
    max_iter: int,
    progress: Callable[[int, float], None],
) -> tuple[int, list[tuple[int, float]], bool, Params]:
    """Train from ``params`` (not modified); ``(t at the end, checks, converged, final params)``."""
    net = _Net(x, params)
    y_row = y.reshape(1, -1)
    inv_n, one, zero, eps = (
        np.float32(1.0 / x.shape[0]),
        np.float32(1),
        np.float32(0),
        np.float32(1e-12),
    )
    t, prev_loss = 1, 1.0
    checkpoints: list[tuple[int, float]] = []
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
        while True:
            _forward(net, one, zero)
            t += 1
            done = False
            if t % check_every == 0:
                loss = bce_loss(net.p, y_row)
                checkpoints.append((t, loss))
                done = prev_loss - loss < tol
                prev_loss = loss
                if len(checkpoints) % PROGRESS_CHECKS == 0:
                    progress(t, loss)
            _backward(net, y_row, inv_n, one, eps)
            eta = np.float32(lr * (1.0 / math.sqrt(t)))
            for wb, grad in zip(net.wb, net.grad, strict=True):
                np.multiply(grad, eta, out=grad)
                np.subtract(wb, grad, out=wb)
            if done or (max_iter and t >= max_iter):
                return t, checkpoints, done, net.params()


def _forward(net: _Net, one: np.float32, zero: np.float32) -> None:
    """Forward pass: hidden activations into ``net.a``, ReLU masks into ``net.on``, probabilities into ``net.p``."""
    last = len(net.wb) - 1
    for k, wb in enumerate(net.wb):
        if k < last:
            z = net.a[k + 1][:-1]
            np.matmul(wb, net.a[k], out=z)
            np.greater(z, zero, out=net.on[k])
            np.multiply(
                z, net.on[k], out=z
            )  # ReLU (a mask product measures faster than np.maximum)
        else:  # sigmoid as 1 / (1 + exp(-z)): exp overflows to inf and p to 0, as in torch
            p = net.p
            np.matmul(wb, net.a[k], out=p)
            np.negative(p, out=p)
            np.exp(p, out=p)
            np.add(p, one, out=p)
            np.divide(one, p, out=p)


def _backward(
    net: _Net, y: np.ndarray, inv_n: np.float32, one: np.float32, eps: np.float32
) -> None:
    """Gradients of the mean BCE into ``net.grad``, each step in torch's formula."""
    last = len(net.wb) - 1
    p, d, pq = net.p, net.delta[last], net.pq
    np.subtract(one, p, out=pq)
    np.multiply(pq, p, out=pq)  # (1 - p) p
    np.subtract(p, y, out=d)
    np.multiply(d, inv_n, out=d)  # BCE backward: (p - y) / n / max(p (1 - p), eps) ...
    np.divide(d, np.maximum(pq, eps), out=d)
    np.multiply(d, pq, out=d)  # ... then sigmoid backward
    for k in range(last, -1, -1):
        np.matmul(net.delta[k], net.a[k].T, out=net.grad[k])
        if k > 0:
            w, below = net.wb[k][:, :-1], net.delta[k - 1]
            if (
                w.shape[0] == 1
            ):  # one unit above: an outer product, which BLAS-less matmul does slowly
                np.multiply(w.T, net.delta[k], out=below)
            else:
                np.matmul(w.T, net.delta[k], out=below)
            np.multiply(
                below, net.on[k - 1], out=below
            )  # ReLU backward: zero where the unit was off
