"""Wilson intervals (scipy's) on hand-checked tables, and how far they are from the formula netlab used to write out."""

from __future__ import annotations

import math

import pytest
from scipy.special import ndtri

from netlab.images import intervals

Z_95 = 1.959963984540054  # the standard normal's 97.5% quantile, the hand formula's constant


def wilson_by_hand(correct: int, n: int, z: float = Z_95) -> tuple[float, float]:
    """The Wilson interval as netlab computed it before scipy (same interval, other algebra)."""
    p = correct / n
    z2 = z * z
    centre = (p + z2 / (2 * n)) / (1 + z2 / n)
    half = z / (1 + z2 / n) * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n))
    return max(0.0, centre - half), min(1.0, centre + half)


def test_wilson_eight_of_ten_by_hand():
    # p = 0.8, z^2 = 3.8415: centre (0.8 + 0.19207) / 1.38415 = 0.71673,
    # half 1.95996 / 1.38415 * sqrt(0.016 + 0.0096037) = 0.22658.
    low, high = intervals.wilson(8, 10)
    assert low == pytest.approx(0.49016, abs=1e-5)
    assert high == pytest.approx(0.94331, abs=1e-5)


def test_wilson_at_the_edges_stays_in_range():
    z2 = Z_95**2
    low, high = intervals.wilson(0, 10)
    assert low == 0.0 and high == pytest.approx(z2 / (10 + z2))  # 0.27753
    low, high = intervals.wilson(10, 10)
    assert high == 1.0 and low == pytest.approx(10 / (10 + z2))


def test_wilson_is_symmetric_and_contains_the_estimate():
    for correct, n in [(123, 153), (1, 7), (50, 100)]:
        low, high = intervals.wilson(correct, n)
        assert low < correct / n < high
        mirror_low, mirror_high = intervals.wilson(n - correct, n)
        assert (mirror_low, mirror_high) == pytest.approx((1 - high, 1 - low))


def test_wilson_refuses_impossible_counts():
    with pytest.raises(ValueError, match="0 <= correct <= n"):
        intervals.wilson(11, 10)
    with pytest.raises(ValueError, match="n > 0"):
        intervals.wilson(0, 0)


def test_wilson_returns_plain_floats_for_the_csvs():
    low, high = intervals.wilson(5, 6)
    assert type(low) is float and type(high) is float
    assert repr(low) == "0.43649717781352976"  # not np.float64(...)


def test_scipys_wilson_is_the_hand_formula_to_three_units_in_the_last_place():
    # Same z (scipy's ndtri(0.975) is the constant, bit for bit), no continuity correction, other
    # algebra: in about half the cases the two differ in the last bits, never by more than 3.4e-16
    # (measured to n = 400: 3.3e-16), which changes the 16th-17th significant digit of a repr().
    assert float(ndtri(0.975)) == Z_95
    differ = 0
    for n in [*range(1, 101), 153, 400]:  # 153: the ants and bees val split
        for correct in range(n + 1):
            got = intervals.wilson(correct, n)
            hand = wilson_by_hand(correct, n)
            assert got == pytest.approx(hand, rel=0, abs=3.4e-16), (correct, n)
            differ += got != hand
    assert 0 < differ < 5050 + 154 + 401
