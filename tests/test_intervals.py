"""Wilson intervals and the exact McNemar test on hand-checked tables (and scipy as a second oracle)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.stats import binomtest

from netlab.images import intervals


def test_wilson_eight_of_ten_by_hand():
    # p = 0.8, z^2 = 3.8415: centre (0.8 + 0.19207) / 1.38415 = 0.71673,
    # half 1.95996 / 1.38415 * sqrt(0.016 + 0.0096037) = 0.22658.
    low, high = intervals.wilson(8, 10)
    assert low == pytest.approx(0.49016, abs=1e-5)
    assert high == pytest.approx(0.94331, abs=1e-5)


def test_wilson_at_the_edges_stays_in_range():
    z2 = intervals.Z_95**2
    low, high = intervals.wilson(0, 10)
    assert low == 0.0 and high == pytest.approx(z2 / (10 + z2))  # 0.27753
    low, high = intervals.wilson(10, 10)
    assert high == pytest.approx(1.0) and low == pytest.approx(10 / (10 + z2))


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


def test_mcnemar_two_against_eight_by_hand():
    # n = 10 discordant: 2 * (C(10,0) + C(10,1) + C(10,2)) / 2^10 = 2 * 56 / 1024
    assert intervals.mcnemar_exact(2, 8) == 0.109375
    assert intervals.mcnemar_exact(8, 2) == 0.109375


@pytest.mark.parametrize(
    ("only_a", "only_b", "p"),
    [(0, 0, 1.0), (5, 5, 1.0), (0, 6, 2 / 64), (1, 9, 2 * 11 / 1024), (0, 1, 1.0)],
)
def test_mcnemar_small_tables_by_hand(only_a, only_b, p):
    assert intervals.mcnemar_exact(only_a, only_b) == pytest.approx(p, rel=1e-15)


@pytest.mark.parametrize(("only_a", "only_b"), [(3, 17), (20, 9), (40, 40), (0, 30), (150, 100)])
def test_mcnemar_agrees_with_scipys_binomial_test(only_a, only_b):
    expected = binomtest(only_a, only_a + only_b, 0.5).pvalue
    assert intervals.mcnemar_exact(only_a, only_b) == pytest.approx(expected, rel=1e-9)


def test_discordant_counts_of_a_hand_table():
    # image:      1  2  3  4  5  6  7
    a = np.array([1, 1, 1, 0, 0, 1, 0], bool)
    b = np.array([1, 0, 0, 1, 0, 1, 0], bool)
    assert intervals.discordant(a, b) == (2, 1)
    with pytest.raises(ValueError, match="differ in length"):
        intervals.discordant(a, b[:-1])


def test_reading_says_whether_the_difference_is_beyond_chance():
    assert " is larger than chance at 5%" in intervals.reading(0.01, "A", "B")
    assert "is not larger than chance at 5%" in intervals.reading(0.2, "A", "B")
    assert not math.isnan(intervals.mcnemar_exact(1000, 900))  # large n stays exact, no overflow
