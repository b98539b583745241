"""How sure is an accuracy: the Wilson score interval for a binomial proportion.

The Wilson interval stays inside [0, 1] and behaves at 0 and n, unlike the normal approximation.
Written out rather than taken from scipy (``binomtest(...).proportion_ci(method="wilson")``, the
tests' oracle): scipy's algebra differs in the last bit in about half the cases (at most 3.4e-16),
which would change the bytes of every published interval; docs/layout.md.
"""

from __future__ import annotations

import math

Z_95 = 1.959963984540054  # the standard normal's 97.5% quantile (scipy's ndtri(0.975), bit for bit)


def wilson(correct: int, n: int, z: float = Z_95) -> tuple[float, float]:
    """Wilson score interval for ``correct`` successes out of ``n`` (95% by default)."""
    if n <= 0 or not 0 <= correct <= n:
        raise ValueError(f"Wilson interval needs 0 <= correct <= n and n > 0, got {correct}/{n}")
    p = correct / n
    z2 = z * z
    centre = (p + z2 / (2 * n)) / (1 + z2 / n)
    half = z / (1 + z2 / n) * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n))
    return max(0.0, centre - half), min(1.0, centre + half)
