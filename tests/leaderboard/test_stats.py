"""The page's interval (Student t over training seeds) and its tie rule."""

from __future__ import annotations

import math

import pytest

from creativity_bench.leaderboard.stats import mean_interval, rank_label, t_quantile, tied_ranks


@pytest.mark.parametrize("df, exact", [(1, 12.7062), (2, 4.3027), (5, 2.5706), (30, 2.0423), (31, 2.0395), (40, 2.0211),
                                       (60, 2.0003), (120, 1.9799), (10_000, 1.9602)])
def test_t_quantile_matches_the_tables(df, exact):
    assert t_quantile(df) == pytest.approx(exact, abs=6e-4)


def test_t_quantile_refuses_no_degrees_of_freedom():
    with pytest.raises(ValueError):
        t_quantile(0)


def test_interval_over_three_seeds():
    mean, low, high = mean_interval([0.1, 0.2, 0.3])
    half = 4.303 * 0.1 / math.sqrt(3)
    assert (mean, low, high) == pytest.approx((0.2, 0.2 - half, 0.2 + half))
    assert mean_interval([0.25, 0.25, 0.25]) == (0.25, 0.25, 0.25)


def entry(low: float, high: float) -> dict:
    return {"ci_low": low, "ci_high": high}


def test_overlapping_intervals_tie_and_separate_ones_rank():
    a, b, c, d = entry(0.50, 0.60), entry(0.42, 0.52), entry(0.30, 0.45), entry(0.10, 0.20)
    # c: only a lies wholly above it (b overlaps); d: all three lie above
    assert tied_ranks([a, b, c, d]) == [(1, True), (1, True), (2, False), (4, False)]
    assert [rank_label(*r) for r in tied_ranks([a, b, c, d])] == ["=1", "=1", "2", "4"]


def test_touching_intervals_tie():
    assert tied_ranks([entry(0.5, 0.6), entry(0.4, 0.5)]) == [(1, True), (1, True)]
    assert tied_ranks([entry(0.5, 0.6), entry(0.4, 0.4999)]) == [(1, False), (2, False)]
