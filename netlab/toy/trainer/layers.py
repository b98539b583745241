"""The general path's compiled loop: the notebooks' loop over layers of any size, in loops, not BLAS.

Why not BLAS: a matrix product's order of additions is the library's, chosen by CPU (OpenBLAS's
kernels for Haswell, SkylakeX, Zen or Arm each sum differently), so the same run would give other
bits on another machine. These loops fix every order in the code (``numerics``): a unit's input is
summed from its bias over the inputs in order, a delta over the units above in order, a gradient
over the points in ``LANES`` partial sums and one tree. The loop over points is innermost and
vectorises on any CPU without changing a sum. Compiled once per machine (numba's cache), whatever
the net: sizes are arguments, not code, unlike the fused kernel's.
"""

from __future__ import annotations

import numpy as np
from numba import carray, njit, types, uint64

from netlab.toy.trainer.codegen import CAPPED, CHECKS_FULL, CONVERGED, LANES
from netlab.toy.trainer.numerics import (
    OPTIONS,
    bce_term,
    exp32,
    fma32,
    lane_total,
    stack_floats,
    step,
)

STEP = 4  # units, inputs or gradients computed together: each row they share is read once
SUMS = STEP * LANES  # a gradient step's partial sums (a literal for ``stack_floats``)
_F2, _F1, _I, _D = types.float32[:, ::1], types.float32[::1], types.int64, types.float64
SIGNATURE = (
    _F2, _F1, _I, types.int64[::1], _F1, _F1, _F2, _D, _D, _I, _I, _I, _D, types.int64[::1],
    types.float64[::1],
)  # fmt: skip  # descend's arguments: acts, y, n, sizes, flat, grad, deltas, lr, tol, check_every, ...


@njit(**OPTIONS)
def _add_scaled(r0, r1, r2, r3, s0, s1, s2, s3, x):  # pragma: no cover - compiled
    """``rk += sk x`` for four rows at once (one ``fma32`` each), so ``x`` is read once for the four."""
    for j in range(x.shape[0]):
        r0[j] = fma32(s0, x[j], r0[j])
        r1[j] = fma32(s1, x[j], r1[j])
        r2[j] = fma32(s2, x[j], r2[j])
        r3[j] = fma32(s3, x[j], r3[j])


@njit(cache=True, **OPTIONS)
def forward(w, b, a, z):  # pragma: no cover - compiled
    """``z = w a + b`` (units x points): each unit from its bias, adding ``w[o, i] a[i]`` in ``i``'s
    order; ``STEP`` units at a time, so each input row is read once for all of them."""
    fan_out, fan_in = w.shape
    blocked = fan_out - fan_out % STEP
    for o0 in range(0, blocked, STEP):
        z0, z1, z2, z3 = z[o0], z[o0 + 1], z[o0 + 2], z[o0 + 3]
        z0[:], z1[:], z2[:], z3[:] = b[o0], b[o0 + 1], b[o0 + 2], b[o0 + 3]
        for i in range(fan_in):
            _add_scaled(z0, z1, z2, z3, w[o0, i], w[o0 + 1, i], w[o0 + 2, i], w[o0 + 3, i], a[i])
    for o in range(blocked, fan_out):
        row = z[o]
        row[:] = b[o]
        for i in range(fan_in):
            x, weight = a[i], w[o, i]
            for j in range(x.shape[0]):
                row[j] = fma32(weight, x[j], row[j])


@njit(cache=True, **OPTIONS)
def output_delta(p, y, n, inv_n, delta):  # pragma: no cover - compiled
    """dLoss/dz of the output: BCE backward then sigmoid backward, each in torch's formula; 0 past ``n``."""
    one, zero, eps = np.float32(1.0), np.float32(0.0), np.float32(1e-12)
    for j in range(delta.shape[1]):
        pj = p[0, j]
        pq = (one - pj) * pj
        delta[0, j] = inv_n * (pj - y[j]) / max(pq, eps) * pq if j < n else zero


@njit(cache=True, **OPTIONS)
def backward(w, delta, a, below):  # pragma: no cover - compiled
    """``below = (w^T delta) * (a > 0)``: each input's delta over the units above in order (the first
    product rounded alone), then ReLU's; ``STEP`` inputs at a time, each delta row read once for all."""
    fan_out, fan_in = w.shape
    zero = np.float32(0.0)
    blocked = fan_in - fan_in % STEP
    for i0 in range(0, blocked, STEP):
        d0, d1, d2, d3 = below[i0], below[i0 + 1], below[i0 + 2], below[i0 + 3]
        e = delta[0]
        w0, w1, w2, w3 = w[0, i0], w[0, i0 + 1], w[0, i0 + 2], w[0, i0 + 3]
        for j in range(e.shape[0]):
            d0[j], d1[j], d2[j], d3[j] = w0 * e[j], w1 * e[j], w2 * e[j], w3 * e[j]
        for o in range(1, fan_out):
            _add_scaled(
                d0, d1, d2, d3, w[o, i0], w[o, i0 + 1], w[o, i0 + 2], w[o, i0 + 3], delta[o]
            )
    for i in range(blocked, fan_in):
        row = below[i]
        e, weight = delta[0], w[0, i]
        for j in range(e.shape[0]):
            row[j] = weight * e[j]
        for o in range(1, fan_out):
            e, weight = delta[o], w[o, i]
            for j in range(e.shape[0]):
                row[j] = fma32(weight, e[j], row[j])
    for i in range(fan_in):
        row, on = below[i], a[i]
        for j in range(row.shape[0]):
            if not on[j] > zero:
                row[j] = zero


@njit(cache=True, **OPTIONS)
def gradient(delta, a, gw, gb):  # pragma: no cover - compiled
    """``gw = delta a^T`` and ``gb`` = the sum of ``delta`` over points, each in ``LANES`` partial sums
    added up by ``lane_total``; ``STEP`` (= 4) inputs at a time. Points: a multiple of ``LANES``."""
    sums = carray(stack_floats(SUMS), (SUMS,))
    quads = delta.shape[1] // LANES
    fan_in = a.shape[0]
    blocked = fan_in - fan_in % STEP
    for o in range(delta.shape[0]):
        e_row = delta[o]
        for i0 in range(0, blocked, STEP):
            r0, r1, r2, r3 = a[i0], a[i0 + 1], a[i0 + 2], a[i0 + 3]
            for k in range(SUMS):
                sums[k] = np.float32(0.0)
            for q in range(quads):
                for lane in range(LANES):
                    j = uint64(q * LANES + lane)
                    e = e_row[j]
                    sums[lane] = fma32(e, r0[j], sums[lane])
                    sums[LANES + lane] = fma32(e, r1[j], sums[LANES + lane])
                    sums[2 * LANES + lane] = fma32(e, r2[j], sums[2 * LANES + lane])
                    sums[3 * LANES + lane] = fma32(e, r3[j], sums[3 * LANES + lane])
            for k in range(STEP):
                gw[o, i0 + k] = lane_total(sums, k * LANES)
        for i in range(blocked, fan_in):
            row = a[i]
            for k in range(LANES):
                sums[k] = np.float32(0.0)
            for q in range(quads):
                for lane in range(LANES):
                    j = uint64(q * LANES + lane)
                    sums[lane] = fma32(e_row[j], row[j], sums[lane])
            gw[o, i] = lane_total(sums, 0)
        for k in range(LANES):
            sums[k] = np.float32(0.0)
        for q in range(quads):
            for lane in range(LANES):
                sums[lane] = sums[lane] + e_row[uint64(q * LANES + lane)]
        gb[o] = lane_total(sums, 0)


@njit(cache=True, **OPTIONS)
def descend(acts, y, n, sizes, flat, grad, deltas, lr, tol, check_every, max_iter, t, prev_loss,
            check_t, check_loss):  # fmt: skip  # pragma: no cover - compiled
    """The notebooks' loop from iteration ``t``, updating ``flat`` (``nets.flatten``'s order) in place.

    ``acts`` holds every layer's units (inputs first, filled in) by points, ``deltas`` every layer
    but the input's; points padded to a multiple of ``LANES``, ``y`` a row. Returns ``(t, prev_loss,
    checks recorded, status)`` as the fused kernel's ``descend`` does.
    """
    inv_n = np.float32(1.0 / n)
    one, zero = np.float32(1.0), np.float32(0.0)
    depth = sizes.shape[0] - 1
    n_checks = 0
    while True:
        row, at = 0, 0
        for layer in range(depth):  # forward
            fan_in, fan_out = sizes[layer], sizes[layer + 1]
            w = flat[at : at + fan_out * fan_in].reshape((fan_out, fan_in))
            b = flat[at + fan_out * fan_in : at + fan_out * (fan_in + 1)]
            a, z = acts[row : row + fan_in], acts[row + fan_in : row + fan_in + fan_out]
            forward(w, b, a, z)
            for o in range(
                fan_out
            ):  # ReLU, or the output's sigmoid (exp = inf gives p = 0, as torch)
                for j in range(z.shape[1]):
                    hidden = layer < depth - 1
                    z[o, j] = max(z[o, j], zero) if hidden else one / (one + exp32(-z[o, j]))
            row, at = row + fan_in, at + fan_out * (fan_in + 1)
        p = acts[row : row + 1]
        t += 1
        done = False
        if t % check_every == 0:
            total = 0.0
            for j in range(n):
                total += bce_term(p[0, j], y[j])
            loss = float(np.float32(total / n))
            check_t[n_checks] = t
            check_loss[n_checks] = loss
            n_checks += 1
            done = prev_loss - loss < tol
            prev_loss = loss
        drow = deltas.shape[0] - 1
        output_delta(p, y, n, inv_n, deltas[drow : drow + 1])
        for layer in range(depth - 1, -1, -1):  # backward
            fan_in, fan_out = sizes[layer], sizes[layer + 1]
            row -= fan_in
            at -= fan_out * (fan_in + 1)
            w = flat[at : at + fan_out * fan_in].reshape((fan_out, fan_in))
            delta, a = deltas[drow : drow + fan_out], acts[row : row + fan_in]
            gw = grad[at : at + fan_out * fan_in].reshape((fan_out, fan_in))
            gradient(delta, a, gw, grad[at + fan_out * fan_in : at + fan_out * (fan_in + 1)])
            if layer > 0:
                drow -= fan_in
                backward(w, delta, a, deltas[drow : drow + fan_in])
        step(flat, grad, lr, t)
        if done:
            return t, prev_loss, n_checks, CONVERGED
        if max_iter > 0 and t >= max_iter:
            return t, prev_loss, n_checks, CAPPED
        if n_checks == check_t.shape[0]:
            return t, prev_loss, n_checks, CHECKS_FULL
