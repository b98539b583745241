"""The exact McNemar test on hand-checked tables, and against scipy's binomial test (the oracle)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import binomtest

from netlab.images import mcnemar


def test_mcnemar_two_against_eight_by_hand():
    # n = 10 discordant: 2 * (C(10,0) + C(10,1) + C(10,2)) / 2^10 = 2 * 56 / 1024
    assert mcnemar.exact_p_value(2, 8) == 0.109375
    assert mcnemar.exact_p_value(8, 2) == 0.109375


@pytest.mark.parametrize(
    ("only_a", "only_b", "p"),
    [(0, 0, 1.0), (5, 5, 1.0), (0, 6, 2 / 64), (1, 9, 2 * 11 / 1024), (0, 1, 1.0)],
)
def test_mcnemar_small_tables_by_hand(only_a, only_b, p):
    assert mcnemar.exact_p_value(only_a, only_b) == pytest.approx(p, rel=1e-15)


def test_the_p_value_is_scipys_binomial_test_to_three_parts_in_ten_to_the_fourteen():
    # scipy sums the binomial tails in floating point: in most tables its p-value differs from the
    # correctly rounded exact one in the last bits (relative 2.7e-14 at most, measured to 300
    # discordant images), never in the report's reading (3 significant digits) nor the verdict at 5%.
    differ = 0
    for n in [*range(1, 101), 153, 300]:
        for only_a in range(n + 1):
            got = mcnemar.exact_p_value(only_a, n - only_a)
            oracle = float(binomtest(only_a, n, 0.5).pvalue)
            assert type(got) is float
            assert got == pytest.approx(oracle, rel=3e-14, abs=0), (only_a, n - only_a)
            assert mcnemar.reading(got, "A", "B") == mcnemar.reading(oracle, "A", "B")
            differ += got != oracle
            if 2 * only_a == n:
                assert got == 1.0
    assert differ > 0


def test_discordant_counts_of_a_hand_table():
    # image:      1  2  3  4  5  6  7
    a = np.array([1, 1, 1, 0, 0, 1, 0], bool)
    b = np.array([1, 0, 0, 1, 0, 1, 0], bool)
    assert mcnemar.discordant(a, b) == (2, 1)
    with pytest.raises(ValueError, match="differ in length"):
        mcnemar.discordant(a, b[:-1])


def test_reading_says_whether_the_difference_is_beyond_chance():
    assert " is larger than chance at 5%" in mcnemar.reading(0.01, "A", "B")
    assert "is not larger than chance at 5%" in mcnemar.reading(0.2, "A", "B")
    big = mcnemar.exact_p_value(1000, 900)  # large n: no overflow
    assert big == pytest.approx(float(binomtest(1000, 1900, 0.5).pvalue), rel=1e-12, abs=0)
