"""How sure is an accuracy, and is a difference between two classifiers larger than chance?

Plain arithmetic, no statistics package: the Wilson score interval for a
binomial proportion (it stays inside [0, 1] and behaves at 0 and n, unlike
the normal approximation) and the exact McNemar test, which for paired
predictions on the same images is a two-sided binomial test on the images
exactly one classifier gets right.
"""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np

Z_95 = 1.959963984540054  # the standard normal's 97.5% quantile: a two-sided 95% interval


def wilson(correct: int, n: int, z: float = Z_95) -> tuple[float, float]:
    """Wilson score interval for ``correct`` successes out of ``n`` (95% by default)."""
    if n <= 0 or not 0 <= correct <= n:
        raise ValueError(f"Wilson interval needs 0 <= correct <= n and n > 0, got {correct}/{n}")
    p = correct / n
    z2 = z * z
    centre = (p + z2 / (2 * n)) / (1 + z2 / n)
    half = z / (1 + z2 / n) * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n))
    return max(0.0, centre - half), min(1.0, centre + half)


def discordant(correct_a: np.ndarray, correct_b: np.ndarray) -> tuple[int, int]:
    """Images only ``a`` gets right, and images only ``b`` gets right (the same images, in the same order)."""
    a = np.asarray(correct_a, dtype=bool)
    b = np.asarray(correct_b, dtype=bool)
    if a.shape != b.shape:
        raise ValueError(f"paired predictions differ in length: {a.shape} vs {b.shape}")
    return int(np.count_nonzero(a & ~b)), int(np.count_nonzero(~a & b))


def mcnemar_exact(only_a: int, only_b: int) -> float:
    """Two-sided exact McNemar p-value: P(a split at least this uneven) under Binomial(only_a + only_b, 1/2).

    Computed in exact rational arithmetic, then capped at 1 (the two tails
    overlap when the split is even). No discordant images: p = 1.
    """
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
