"""Scorers: creativity, memorization, validity, diversity. Needs no torch."""

from creativity_bench.scoring.metrics import METRICS, SampleVerdict, Scores, compat_scores, judge, score_answers
from creativity_bench.scoring.samples import Samples, read_samples, score_file

__all__ = ["METRICS", "SampleVerdict", "Samples", "Scores", "compat_scores", "judge", "score_answers", "read_samples", "score_file"]
