"""Compiled helpers the generated kernels call: a vectorisable float32 exp, the BCE of a block, the step.

They live apart from the generator because their source is part of every
kernel's digest (an edit here recompiles the kernels, see ``kernel_cache``).
"""

from __future__ import annotations

import numpy as np
from llvmlite import ir
from numba import njit, types
from numba.extending import intrinsic

from netlab.toy.trainer.codegen import BLOCK

# fastmath without 'nnan'/'ninf': the loss relies on log(0) = -inf being clamped.
FASTMATH = {"nsz", "arcp", "contract", "reassoc"}


@intrinsic
def _bits_to_float32(typingctx, bits):  # pragma: no cover - compiled
    """Reinterpret the low 32 bits of an integer as a float32 (how 2**k is built without a libm call)."""
    if not isinstance(bits, types.Integer):
        return None

    def codegen(context, builder, signature, args):
        word = args[0] if bits.bitwidth == 32 else builder.trunc(args[0], ir.IntType(32))
        return builder.bitcast(word, ir.FloatType())

    return types.float32(bits), codegen


@njit(fastmath={"nsz", "arcp", "contract"}, error_model="numpy", boundscheck=False)
def exp32(x):  # pragma: no cover - compiled
    """float32 exp within 1 ulp that LLVM can vectorise (numba has no vector libm here).

    Cephes' expf: x = k ln2 + r, a degree-6 polynomial for exp(r), then 2**k
    applied as two halves so that k = 128 overflows to inf and k < -126 gives
    the subnormals, as float32 exp does. No 'reassoc' here: it would merge the
    two halves into an infinite 2**128.
    """
    x = min(max(x, np.float32(-104.0)), np.float32(89.0))
    k = np.floor(x * np.float32(1.44269504088896341) + np.float32(0.5))
    r = x - k * np.float32(0.693359375)
    r = r + k * np.float32(2.12194440e-4)
    poly = np.float32(1.9875691500e-4)
    poly = poly * r + np.float32(1.3981999507e-3)
    poly = poly * r + np.float32(8.3334519073e-3)
    poly = poly * r + np.float32(4.1665795894e-2)
    poly = poly * r + np.float32(1.6666665459e-1)
    poly = poly * r + np.float32(5.0000001201e-1)
    e = poly * (r * r) + r + np.float32(1.0)
    ki = np.int32(k)
    low = ki >> np.int32(1)
    return (e * _bits_to_float32((low + np.int32(127)) << np.int32(23))) * _bits_to_float32(
        (ki - low + np.int32(127)) << np.int32(23)
    )


@njit(fastmath=FASTMATH, error_model="numpy", boundscheck=False)
def mean_bce(buf, n, p_at, y_at):  # pragma: no cover - compiled
    """BCE of the probabilities in row offset ``p_at`` against the targets at ``y_at`` (as ``nets.bce_loss``)."""
    one = np.float32(1.0)
    total = 0.0
    for c in range(buf.shape[0]):
        block = buf[c]
        for j in range(min(BLOCK, n - c * BLOCK)):
            p = block[p_at + j]
            target = block[y_at + j]
            log_p = max(np.log(p), np.float32(-100.0))
            log_q = max(np.log(one - p), np.float32(-100.0))
            total += -(target * log_p + (one - target) * log_q)
    return float(np.float32(total / n))


@njit(fastmath=FASTMATH, error_model="numpy", boundscheck=False)
def step(flat, grad, eta):  # pragma: no cover - compiled
    """The update ``param -= eta * grad`` of every parameter."""
    for k in range(flat.shape[0]):
        flat[k] -= eta * grad[k]
