"""Training curves against training FLOPs, on a hand-made results tree (no training)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from creativity_bench.report import figures, make_report
from creativity_bench.report.aggregate import aggregate_curves, collect_runs
from creativity_bench.runs import RESULTS_SCHEMA, RUN_METRICS
from creativity_bench.scoring.metrics import METRICS
from creativity_bench.tasks import get_task

SEEDS = (0, 1, 2)


def fake_run(root: Path, objective: str, seed: int, steps: list[int], flops_per_step: float | None, row_flops: bool,
             task: str = "circle") -> None:
    """A finished run's results.json: a curve at ``steps`` whose rows record ``flops`` if ``row_flops``
    (else only step, as curves did before), and ``training.flops_per_step`` unless None."""
    training = {"seed": seed, "steps": steps[-1], "config": {"steps": steps[-1]}}
    if flops_per_step is not None:
        training |= {"flops_per_step": flops_per_step, "flops": steps[-1] * flops_per_step}
    curve = []
    for k, step in enumerate(steps):
        r = {"step": step, "loss": 1.0, "n": 8, **{m: (k + 1 + seed) / 10 for m in METRICS}}
        if row_flops:
            r["flops"] = step * flops_per_step
        curve.append(r)
    doc = {"schema": RESULTS_SCHEMA, "task": {"name": task, "version": get_task(task).version, "fingerprint": "f" * 16},
           "objective": {"name": objective}, "model": {"preset": "cpu"}, "training": training,
           "sampling": {"mode": "greedy", "standard": True}, "metrics": {**{m: 0.5 for m in RUN_METRICS}, "n": 8},
           "secondary": {"sampling": {"mode": "temperature", "temperature": 1.0}, "metrics": {m: 0.25 for m in METRICS}},
           "curve": curve}
    path = root / task / objective / f"s{seed}" / "results.json"
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps(doc))


@pytest.fixture
def tree(tmp_path) -> Path:
    """circle: ntp, 3e9 FLOPs a step, evaluated at 400 and 800 with FLOPs in its rows; mtp, 6e9 a
    step (same 2.4e12 budget, half the steps), evaluated at 200 and 400, rows without FLOPs."""
    root = tmp_path / "results"
    for seed in SEEDS:
        fake_run(root, "ntp", seed, [400, 800], 3e9, row_flops=True)
        fake_run(root, "mtp", seed, [200, 400], 6e9, row_flops=False)
    return root


def test_curves_carry_training_flops(tree):
    curves = aggregate_curves(collect_runs(tree))
    assert curves[("circle", "ntp")]["step"] == [400.0, 800.0]
    assert curves[("circle", "ntp")]["flops"] == [1.2e12, 2.4e12]
    # Derived from results.json's flops_per_step for rows that do not record it.
    assert curves[("circle", "mtp")]["step"] == [200.0, 400.0]
    assert curves[("circle", "mtp")]["flops"] == [1.2e12, 2.4e12]
    assert curves[("circle", "mtp")]["creativity"] == pytest.approx([0.2, 0.3])  # mean over seeds 0, 1, 2
    assert figures.curves_axis(curves) == "flops"


def test_figure_is_plotted_against_flops(tree, tmp_path, monkeypatch):
    from matplotlib.axes import Axes

    plotted, plot = [], Axes.plot

    def spy(ax, x, *args, **kwargs):
        plotted.append((ax, kwargs.get("label"), list(x)))
        return plot(ax, x, *args, **kwargs)

    monkeypatch.setattr(Axes, "plot", spy)
    doc = make_report(tree, tmp_path / "report", sweeps=False)
    data = (tmp_path / "report" / doc["figures"]["training_curves"]).read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 2000
    # (panel, objective, x), titled and labelled once the lines are drawn
    lines = {(ax.get_title(), ax.get_xlabel(), label, tuple(x)) for ax, label, x in plotted}
    assert lines == {(f"circle: {m}", "training FLOPs", o, (1.2e12, 2.4e12)) for m in ("creativity", "validity") for o in ("ntp", "mtp")}
    assert doc["curves_axis"] == "flops"
    text = (tmp_path / "report" / "report.md").read_text()
    assert "plotted against the\ntraining FLOPs each objective had spent, so objectives compare at any budget." in text


def test_curves_without_flops_fall_back_to_steps(tree, tmp_path):
    for seed in SEEDS:
        fake_run(tree, "diffusion", seed, [300, 600], None, row_flops=False)
    curves = aggregate_curves(collect_runs(tree))
    assert "flops" not in curves[("circle", "diffusion")] and curves[("circle", "diffusion")]["step"] == [300.0, 600.0]
    assert curves[("circle", "ntp")]["flops"] == [1.2e12, 2.4e12]
    doc = make_report(tree, tmp_path / "report", sweeps=False)
    assert doc["curves_axis"] == "step" and (tmp_path / "report" / doc["figures"]["training_curves"]).is_file()
    assert "plotted against the\ntraining step" in (tmp_path / "report" / "report.md").read_text()
