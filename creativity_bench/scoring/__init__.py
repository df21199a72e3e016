"""Scorers: creativity, memorization, validity, diversity. Needs no torch."""

from creativity_bench.scoring.metrics import SampleVerdict, Scores, compat_scores, judge, score_answers
from creativity_bench.scoring.samples import read_samples, score_file

__all__ = ["SampleVerdict", "Scores", "compat_scores", "judge", "score_answers", "read_samples", "score_file"]
