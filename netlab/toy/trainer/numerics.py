"""Compiled arithmetic of both trainer paths, written so that its result is fixed by the code, not the CPU.

Same config, same numbers on every CPU: nothing here lets LLVM choose an order or an instruction that
rounds differently. No fastmath flags at all (no ``reassoc``, so sums run in the order written; no
``contract``, so a multiply and an add stay two roundings unless the code asks for ``fma32``, which is
one rounding everywhere: a CPU instruction where there is one, libm's correctly rounded ``fmaf``
elsewhere); the exp and log are the code's own polynomials, not the platform's libm; a sum over data
points runs in ``LANES`` partial sums (point j into lane j mod ``LANES``) added up in one fixed tree
(``lane_total``), so a CPU with 128-, 256- or 512-bit vectors keeps exactly the same partial sums, only
in fewer or more registers. IEEE float32 operations are correctly rounded on x86-64 and Arm alike, so
the vector width and the instruction set decide the speed only.

They live apart from the generator because their source is part of every kernel's digest (an edit
here recompiles the kernels, see ``kernel_cache``).
"""

from __future__ import annotations

import math

import numpy as np
from llvmlite import ir
from numba import njit, types
from numba.core import cgutils
from numba.extending import intrinsic

from netlab.toy.trainer.codegen import BLOCK, LANES

# The compile options of every kernel function (the generated ones too): no fastmath flag, see above.
OPTIONS = {"error_model": "numpy", "boundscheck": False}


@intrinsic
def fma32(typingctx, a, b, c):  # pragma: no cover - compiled
    """``a * b + c`` in float32 with one rounding (LLVM's ``llvm.fma``, never split or merged)."""
    if not all(isinstance(t, types.Float) for t in (a, b, c)):
        return None

    def codegen(context, builder, signature, args):
        f32 = ir.FloatType()
        fma = builder.module.declare_intrinsic("llvm.fma", [f32], ir.FunctionType(f32, [f32] * 3))
        values = [
            context.cast(builder, v, t, types.float32)
            for v, t in zip(args, signature.args, strict=True)
        ]
        return builder.call(fma, values)

    return types.float32(a, b, c), codegen


@intrinsic
def stack_floats(typingctx, count):  # pragma: no cover - compiled
    """A pointer to ``count`` (a literal) float32 in the calling function's stack frame, where LLVM
    keeps them in registers: the partial sums of a gradient pass (``carray`` makes it an array)."""
    if not isinstance(count, types.IntegerLiteral):
        return None
    size = count.literal_value

    def codegen(context, builder, signature, args):
        return cgutils.alloca_once(builder, ir.FloatType(), size=size)

    return types.CPointer(types.float32)(count), codegen


@njit(**OPTIONS)
def lane_total(sums, first):  # pragma: no cover - compiled
    """The total of the ``LANES`` partial sums from ``sums[first]``, always in the same tree:
    lanes l and l + 8, then l and l + 4, l + 2, l + 1 (so ``sums`` is overwritten)."""
    width = LANES // 2
    while width >= 1:
        for lane in range(width):
            sums[first + lane] = sums[first + lane] + sums[first + lane + width]
        width //= 2
    return sums[first]


@intrinsic
def _float32_bits(typingctx, bits):  # pragma: no cover - compiled
    """Reinterpret the low 32 bits of an integer as a float32 (how 2**k is built without a libm call)."""
    if not isinstance(bits, types.Integer):
        return None

    def codegen(context, builder, signature, args):
        word = args[0] if bits.bitwidth == 32 else builder.trunc(args[0], ir.IntType(32))
        return builder.bitcast(word, ir.FloatType())

    return types.float32(bits), codegen


@intrinsic
def _bits_of_float32(typingctx, value):  # pragma: no cover - compiled
    """The bits of a float32 as an int32 (exponent and mantissa for ``log32``)."""
    if not isinstance(value, types.Float):
        return None

    def codegen(context, builder, signature, args):
        return builder.bitcast(args[0], ir.IntType(32))

    return types.int32(value), codegen


@njit(**OPTIONS)
def exp32(x):  # pragma: no cover - compiled
    """float32 exp within 1 ulp, the same bits on every CPU, and vectorisable (numba has no vector libm).

    Cephes' expf: x = k ln2 + r (ln2 in two parts, so k ln2 is exact), a degree-6 polynomial for
    exp(r) by Horner's rule in ``fma32``, then 2**k applied as two halves so that k = 128 overflows to
    inf and k < -126 gives the subnormals, as float32 exp does.
    """
    x = min(max(x, np.float32(-104.0)), np.float32(89.0))
    k = np.floor(x * np.float32(1.44269504088896341) + np.float32(0.5))
    r = x - k * np.float32(0.693359375)
    r = r + k * np.float32(2.12194440e-4)
    poly = np.float32(1.9875691500e-4)
    for c in (1.3981999507e-3, 8.3334519073e-3, 4.1665795894e-2, 1.6666665459e-1, 5.0000001201e-1):
        poly = fma32(poly, r, np.float32(c))
    e = fma32(poly, r * r, r) + np.float32(1.0)
    ki = np.int32(k)
    low = ki >> np.int32(1)
    return (e * _float32_bits((low + np.int32(127)) << np.int32(23))) * _float32_bits(
        (ki - low + np.int32(127)) << np.int32(23)
    )


@njit(**OPTIONS)
def log32(x):  # pragma: no cover - compiled
    """float32 natural log within 1 ulp, the same bits on every CPU: -inf at 0, nan below, inf at inf.

    Cephes' logf: x = m 2**e with m in [sqrt(1/2), sqrt(2)), a degree-8 polynomial in f = m - 1 by
    Horner's rule in ``fma32``, and e ln2 added in two parts. Subnormals are scaled up first.
    """
    if not x > np.float32(0.0):
        return np.float32(-np.inf) if x == np.float32(0.0) else np.float32(np.nan)
    if x == np.float32(np.inf):
        return x
    shift = np.int32(0)
    if x < np.float32(1.1754943508222875e-38):  # a subnormal: scale by 2**25
        x = x * np.float32(33554432.0)
        shift = np.int32(25)
    bits = _bits_of_float32(x)
    e = ((bits >> np.int32(23)) & np.int32(0xFF)) - np.int32(127) - shift
    m = _float32_bits((bits & np.int32(0x7FFFFF)) | np.int32(0x3F800000))
    if m > np.float32(1.41421356237):
        m = m * np.float32(0.5)
        e += np.int32(1)
    f = m - np.float32(1.0)
    z = f * f
    poly = np.float32(7.0376836292e-2)
    for c in (
        -1.1514610310e-1, 1.1676998740e-1, -1.2420140846e-1, 1.4249322787e-1, -1.6668057665e-1,
        2.0000714765e-1, -2.4999993993e-1, 3.3333331174e-1,
    ):  # fmt: skip
        poly = fma32(poly, f, np.float32(c))
    ef = np.float32(e)
    y = poly * f * z
    y = fma32(ef, np.float32(-2.12194440e-4), y)
    y = fma32(np.float32(-0.5), z, y)
    return fma32(ef, np.float32(0.693359375), f + y)


@njit(**OPTIONS)
def bce_term(p, target):  # pragma: no cover - compiled
    """One point's BCE as torch's ``BCELoss`` computes it: each log clamped at -100."""
    one = np.float32(1.0)
    log_p = max(log32(p), np.float32(-100.0))
    log_q = max(log32(one - p), np.float32(-100.0))
    return -(target * log_p + (one - target) * log_q)


@njit(**OPTIONS)
def mean_bce(buf, n, p_at, y_at):  # pragma: no cover - compiled
    """BCE of the probabilities in row offset ``p_at`` against the targets at ``y_at`` (as ``nets.bce_loss``),
    summed in float64 point by point, in order."""
    total = 0.0
    for c in range(buf.shape[0]):
        block = buf[c]
        for j in range(min(BLOCK, n - c * BLOCK)):
            total += bce_term(block[p_at + j], block[y_at + j])
    return float(np.float32(total / n))


@njit(**OPTIONS)
def step(flat, grad, lr, t):  # pragma: no cover - compiled
    """The notebooks' update at iteration ``t``: ``param -= float32(lr / sqrt(t)) * grad`` for every
    parameter (two roundings, as torch's loop); the one definition of the step size for both paths."""
    eta = np.float32(lr * (1.0 / math.sqrt(t)))
    for k in range(flat.shape[0]):
        flat[k] -= eta * grad[k]
