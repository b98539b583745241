"""Is a difference between two classifiers larger than chance? The exact McNemar test.

For paired predictions on the same images, the exact McNemar test is a two-sided binomial test,
p = 1/2, on the images exactly one classifier gets right (the discordant pairs). In exact rational
arithmetic, rounded once: scipy's ``binomtest`` (the tests' oracle) sums its tails in floating point
and misses the correctly rounded value by up to 2.7e-14 relative (docs/layout.md).
"""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np


def discordant(correct_a: np.ndarray, correct_b: np.ndarray) -> tuple[int, int]:
    """Images only ``a`` gets right, and images only ``b`` gets right (the same images, in the same order)."""
    a = np.asarray(correct_a, dtype=bool)
    b = np.asarray(correct_b, dtype=bool)
    if a.shape != b.shape:
        raise ValueError(f"paired predictions differ in length: {a.shape} vs {b.shape}")
    return int(np.count_nonzero(a & ~b)), int(np.count_nonzero(~a & b))


def exact_p_value(only_a: int, only_b: int) -> float:
    """Two-sided exact McNemar p-value: P(a split at least this uneven) under Binomial(only_a + only_b, 1/2),
    capped at 1 (the two tails overlap when the split is even). No discordant images: p = 1."""
    if only_a < 0 or only_b < 0:
        raise ValueError(f"discordant counts must be >= 0, got {only_a}, {only_b}")
    n = only_a + only_b
    if n == 0:
        return 1.0
    tail = Fraction(sum(math.comb(n, i) for i in range(min(only_a, only_b) + 1)), 2**n)
    return float(min(Fraction(1), 2 * tail))


def reading(p_value: float, a: str, b: str, alpha: float = 0.05) -> str:
    """One line for the report: is the difference between ``a`` and ``b`` larger than chance?"""
    verdict = "is" if p_value < alpha else "is not"
    return (
        f"The difference between {a} and {b} {verdict} larger than chance at "
        f"{alpha:.0%} (exact McNemar p = {p_value:.3g})."
    )
