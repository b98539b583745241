"""float32 exp and log in numpy whose bits the code fixes, for the forward pass and the BCE of ``nets``.

numpy's own ``np.exp`` and ``np.log`` on float32 pick an implementation by CPU (AVX-512, AVX2 or
plain code, with or without fused multiply-adds), and each may round the last bit differently, so a
trial's record (its final loss and errors) would depend on the machine. These are Cephes' ``expf``
and ``logf`` in numpy's elementwise operations, each correctly rounded on every CPU, in an order
written here: the same bits everywhere, within an ulp or two of the true value.
"""

from __future__ import annotations

import numpy as np

_F = np.float32
_EXP_POLY = tuple(
    map(_F, (1.9875691500e-4, 1.3981999507e-3, 8.3334519073e-3, 4.1665795894e-2, 1.6666665459e-1, 5.0000001201e-1))
)  # fmt: skip
_LOG_POLY = tuple(
    map(_F, (7.0376836292e-2, -1.1514610310e-1, 1.1676998740e-1, -1.2420140846e-1, 1.4249322787e-1,
             -1.6668057665e-1, 2.0000714765e-1, -2.4999993993e-1, 3.3333331174e-1))
)  # fmt: skip
_LN2_HIGH, _LN2_LOW = (
    _F(0.693359375),
    _F(-2.12194440e-4),
)  # ln 2 = high + low, high exact in few bits


def _horner(coefficients: tuple[np.float32, ...], x: np.ndarray) -> np.ndarray:
    poly = np.full_like(x, coefficients[0])
    for c in coefficients[1:]:
        poly = poly * x + c
    return poly


def exp(x: np.ndarray) -> np.ndarray:
    """exp of a float32 array: inf past 88.7, subnormals and 0 below -87.3, as float32 exp does."""
    x = np.clip(np.asarray(x, _F), _F(-104.0), _F(89.0))
    k = np.floor(x * _F(1.44269504088896341) + _F(0.5))
    r = (x - k * _LN2_HIGH) - k * _LN2_LOW
    e = _horner(_EXP_POLY, r) * (r * r) + r + _F(1.0)
    with np.errstate(over="ignore"):
        return np.ldexp(e, k.astype(np.int32)).astype(_F)


def log(x: np.ndarray) -> np.ndarray:
    """Natural log of a float32 array: -inf at 0, nan below 0, inf at inf."""
    x = np.asarray(x, _F)
    mantissa, exponent = np.frexp(x)  # x = mantissa 2**exponent, mantissa in [0.5, 1)
    low = mantissa < _F(0.70710678118654752)
    m = np.where(low, mantissa + mantissa, mantissa)  # in [sqrt(1/2), sqrt(2))
    e = (exponent - low).astype(_F)
    f = m - _F(1.0)
    z = f * f
    y = _horner(_LOG_POLY, f) * f * z + e * _LN2_LOW - _F(0.5) * z
    result = (f + y) + e * _LN2_HIGH
    with np.errstate(invalid="ignore"):
        return np.where(
            x > 0, np.where(np.isinf(x), x, result), np.where(x == 0, -np.inf, np.nan)
        ).astype(_F)
