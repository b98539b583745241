"""The exact McNemar test (scipy's binomial test) on hand-checked tables, and how far it is from exact arithmetic."""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest

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


def exact_by_hand(only_a: int, only_b: int) -> float:
    """The p-value as netlab computed it before scipy: exact rational arithmetic, rounded once."""
    n = only_a + only_b
    if n == 0:
        return 1.0
    tail = Fraction(sum(math.comb(n, i) for i in range(min(only_a, only_b) + 1)), 2**n)
    return float(min(Fraction(1), 2 * tail))


def test_scipys_p_value_is_exact_arithmetic_to_three_parts_in_ten_to_the_fourteen():
    # scipy sums the binomial tails in floating point: in most tables the p-value differs from the
    # correctly rounded exact one in the last bits (relative 2.7e-14 at most, measured to 300
    # discordant images), which changes the last digits of a repr() but never the report's reading
    # (3 significant digits) nor the verdict at 5%. Even splits are exactly 1.
    differ = 0
    for n in [*range(101), 153, 300]:
        for only_a in range(n + 1):
            got, exact = (
                mcnemar.exact_p_value(only_a, n - only_a),
                exact_by_hand(only_a, n - only_a),
            )
            assert type(got) is float
            assert got == pytest.approx(exact, rel=3e-14, abs=0), (only_a, n - only_a)
            assert mcnemar.reading(got, "A", "B") == mcnemar.reading(exact, "A", "B")
            differ += got != exact
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
    assert big == pytest.approx(exact_by_hand(1000, 900), rel=3e-14, abs=0)
