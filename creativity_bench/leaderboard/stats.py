"""The page's uncertainty: a t-interval over training seeds, and ranks counted from the entries wholly above.

An entry's interval is the two-sided 95% Student t-interval of the mean over its n training
seeds of each seed's creativity averaged over the four tasks: mean +- t(0.975, n-1) * s / sqrt(n),
s the sample standard deviation (n-1 in the denominator). Its rank is one plus the number of
entries (of the same preset) whose interval lies wholly above its own; entries that share a
rank are tied and shown as ``=k``. An entry whose interval overlaps another's never counts
against its rank, but two overlapping entries can still differ in rank through a third entry
that lies wholly above one of them only.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

CONFIDENCE = 0.95
# t(0.975, df) for df = 1..30 (standard tables, 3 decimals); beyond 30 the Cornish-Fisher series.
T_975 = (12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
         2.201, 2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086,
         2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042)
Z_975 = 1.959963984540054


def t_quantile(df: int) -> float:
    """The 0.975 quantile of Student's t with ``df`` degrees of freedom (df >= 1)."""
    if df < 1:
        raise ValueError(f"degrees of freedom must be at least 1, got {df}")
    if df <= len(T_975):
        return T_975[df - 1]
    z = Z_975  # Cornish-Fisher expansion in 1/df: within 1e-4 of the exact value from df 31 on
    return (z + (z**3 + z) / (4 * df) + (5 * z**5 + 16 * z**3 + 3 * z) / (96 * df**2)
            + (3 * z**7 + 19 * z**5 + 17 * z**3 - 15 * z) / (384 * df**3))


def mean_interval(values: Sequence[float]) -> tuple[float, float, float]:
    """(mean, low, high): the 95% t-interval of the mean of ``values`` (one value: no width)."""
    n = len(values)
    if n == 0:
        raise ValueError("no values")
    mean = sum(values) / n
    if n == 1:
        return mean, mean, mean
    sd = math.sqrt(sum((v - mean) ** 2 for v in values) / (n - 1))
    half = t_quantile(n - 1) * sd / math.sqrt(n)
    return mean, mean - half, mean + half


def sample_sd(values: Sequence[float]) -> float:
    """The sample standard deviation (n-1 in the denominator; 0 for fewer than two values)."""
    n = len(values)
    if n < 2:
        return 0.0
    mean = sum(values) / n
    return math.sqrt(sum((v - mean) ** 2 for v in values) / (n - 1))


def tied_ranks(entries: Sequence[dict[str, Any]]) -> list[tuple[int, bool]]:
    """(rank, tied) for each entry (each with ``ci_low`` and ``ci_high``): rank is one plus the
    number of entries whose interval lies wholly above the entry's; tied when another shares it."""
    ranks = [1 + sum(other["ci_low"] > e["ci_high"] for other in entries) for e in entries]
    return [(rank, ranks.count(rank) > 1) for rank in ranks]


def rank_label(rank: int, tied: bool) -> str:
    return f"={rank}" if tied else str(rank)
