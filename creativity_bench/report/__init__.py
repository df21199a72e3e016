"""Reports over a results tree: aggregation, sampling sweeps on checkpoints, figures, markdown."""

from creativity_bench.report.aggregate import aggregate, collect_runs, mean_std
from creativity_bench.report.build import make_report

__all__ = ["aggregate", "collect_runs", "make_report", "mean_std"]
