"""Wilson intervals on hand-checked tables, and against scipy's (the oracle) to the last bits."""

from __future__ import annotations

import pytest
from scipy.special import ndtri
from scipy.stats import binomtest

from netlab.images import intervals

Z_95 = intervals.Z_95


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
    assert high == pytest.approx(1.0, abs=1e-15) and high <= 1.0
    assert low == pytest.approx(10 / (10 + z2))


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
    assert "np." not in repr(low)  # not np.float64(...)


def test_the_wilson_interval_is_scipys_to_three_units_in_the_last_place():
    # Same z (scipy's ndtri(0.975) is the constant, bit for bit), no continuity correction, other
    # algebra: in about half the cases the two differ in the last bits, never by more than 3.4e-16
    # (measured to n = 400: 3.3e-16). Not more: a wrong z or a continuity correction moves 1e-3.
    assert float(ndtri(0.975)) == Z_95
    differ = 0
    for n in [*range(1, 101), 153, 400]:  # 153: the ants and bees val split
        for correct in range(n + 1):
            got = intervals.wilson(correct, n)
            ci = binomtest(correct, n).proportion_ci(method="wilson")
            assert got == pytest.approx((ci.low, ci.high), rel=0, abs=3.4e-16), (correct, n)
            differ += got != (ci.low, ci.high)
    assert 0 < differ < 5050 + 154 + 401
