"""How sure is an accuracy: the Wilson score interval for a binomial proportion, from scipy.

The Wilson interval stays inside [0, 1] and behaves at 0 and n, unlike the
normal approximation; scipy's has no continuity correction, as the
interval reported here never had. At 0 (n) correct its lower (upper) end
is exactly 0 (1).
"""

from __future__ import annotations

from scipy.stats import binomtest


def wilson(correct: int, n: int, confidence: float = 0.95) -> tuple[float, float]:
    """Wilson score interval for ``correct`` successes out of ``n`` (95% by default)."""
    if n <= 0 or not 0 <= correct <= n:
        raise ValueError(f"Wilson interval needs 0 <= correct <= n and n > 0, got {correct}/{n}")
    ci = binomtest(correct, n).proportion_ci(confidence_level=confidence, method="wilson")
    return float(ci.low), float(ci.high)  # plain floats: the CSVs write repr()
