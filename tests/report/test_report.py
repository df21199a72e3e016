"""cbench report: tables equal means computed directly from the results files; figures exist."""

from __future__ import annotations

import json
import re
import statistics
from pathlib import Path

import pytest

from creativity_bench.errors import CBenchError
from creativity_bench.report import make_report
from creativity_bench.report.aggregate import mean_std
from creativity_bench.runs import RUN_METRICS
from creativity_bench.scoring.metrics import METRICS
from tests.conftest import SUITE_OBJECTIVES, SUITE_SEEDS, SUITE_TASKS


@pytest.fixture(scope="module")
def report(smoke_suite, tmp_path_factory):
    out = tmp_path_factory.mktemp("report")
    return make_report(smoke_suite, out, sweep_objectives=["ntp"]), out


def direct_means(root: Path, secondary: bool = False) -> dict[tuple[str, str], dict[str, tuple[float, float]]]:
    """Mean and sample std of each metric (of the other regime: ``secondary``), read straight from every results.json."""
    values: dict[tuple[str, str], dict[str, list[float]]] = {}
    names = METRICS if secondary else RUN_METRICS
    for path in root.glob("*/*/s*/results.json"):
        doc = json.loads(path.read_text())
        group = values.setdefault((doc["task"]["name"], doc["objective"]["name"]), {m: [] for m in names})
        for m in names:
            group[m].append((doc["secondary"] if secondary else doc)["metrics"][m])
    return {k: {m: (statistics.mean(v), statistics.stdev(v)) for m, v in g.items()} for k, g in values.items()}


def test_mean_std_matches_statistics():
    data = [0.1, 0.5, 0.25]
    assert mean_std(data) == pytest.approx((statistics.mean(data), statistics.stdev(data)), abs=1e-15)
    assert mean_std([0.3]) == (0.3, 0.0)


def test_report_rows_equal_direct_means(report, smoke_suite):
    doc, _ = report
    expected, other = direct_means(smoke_suite), direct_means(smoke_suite, secondary=True)
    assert {(r["task"], r["objective"]) for r in doc["rows"]} == set(expected) == {(t, o) for t in SUITE_TASKS for o in SUITE_OBJECTIVES}
    for row in doc["rows"]:
        assert row["seeds"] == list(SUITE_SEEDS)
        for m in RUN_METRICS:
            mean, std = expected[(row["task"], row["objective"])][m]
            assert row[m] == pytest.approx(mean, abs=1e-12)
            assert row[f"{m}_std"] == pytest.approx(std, abs=1e-12)
        for m in METRICS:
            mean, std = other[(row["task"], row["objective"])][m]
            assert row["secondary"][m] == pytest.approx(mean, abs=1e-12)
            assert row["secondary"][f"{m}_std"] == pytest.approx(std, abs=1e-12)
        # The headline is each family's standard sampler, the other regime beside it.
        assert row["standard"] and not row["secondary"]["standard"]
        if row["objective"] == "diffusion":  # one denoising step per answer token
            assert re.fullmatch(r"T=1, (\d+) steps", row["sampling"]) and row["secondary"]["sampling"] == row["sampling"].replace("T=1", "greedy")
        else:
            assert (row["sampling"], row["secondary"]["sampling"]) == ("greedy", "T=1")


def test_markdown_table_shows_the_same_numbers(report, smoke_suite):
    doc, out = report
    text = (out / "report.md").read_text()
    expected, other = direct_means(smoke_suite), direct_means(smoke_suite, secondary=True)
    for (task, objective), metrics in expected.items():
        headline, regimes = [[c.strip() for c in x.strip("|").split("|")] for x in text.splitlines() if x.startswith(f"| {task} | {objective} |")][:2]
        assert headline[3] == regimes[2] and headline[3].endswith("(standard)")
        for m, cell in zip(RUN_METRICS, headline[4:], strict=True):
            mean, std = metrics[m]
            assert cell == f"{mean:.3f} ± {std:.3f}"
        # both regimes side by side: sampling, creativity, validity; then the other regime's
        shown = [regimes[i] for i in (3, 4, 6, 7)]
        assert shown == [f"{mean:.3f} ± {std:.3f}" for mean, std in (metrics["creativity"], metrics["validity"],
                                                                     other[(task, objective)]["creativity"], other[(task, objective)]["validity"])]


def test_figures_and_sweeps_are_written(report):
    doc, out = report
    for name in doc["figures"].values():
        data = (out / name).read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 2000
    assert set(doc["figures"]) >= {"creativity_memorization", "training_curves", "seed_vs_temperature_ntp", "seed_length"}
    points = {(r["seed_length"], r["decoding"]) for r in doc["sweeps"]}
    assert points == {(length, d) for length in (10, 0) for d in ("greedy", "T=0.5", "T=1", "T=2")} | {(2, "greedy"), (4, "greedy")}
    assert all(r["objective"] == "ntp" and r["runs"] == len(SUITE_SEEDS) for r in doc["sweeps"])


def test_sweeps_reuse_cached_points(report, smoke_suite, tmp_path):
    calls = []
    make_report(smoke_suite, tmp_path, sweep_objectives=["ntp"], on_sweep_point=lambda: calls.append(1))
    cached = list((smoke_suite / "sweeps").rglob("*.json"))
    assert len(cached) == len(SUITE_TASKS) * len(SUITE_SEEDS) * 10
    before = {p: p.stat().st_mtime_ns for p in cached}
    make_report(smoke_suite, tmp_path, sweep_objectives=["ntp"])
    assert {p: p.stat().st_mtime_ns for p in cached} == before


def test_greedy_sweep_point_equals_the_run_itself(report, smoke_suite):
    """Seed length 10 with greedy decoding is the run's own setting: same scores as results.json."""
    doc, _ = report
    direct = direct_means(smoke_suite)
    for r in doc["sweeps"]:
        if r["seed_length"] == 10 and r["decoding"] == "greedy":
            assert r["creativity"] == pytest.approx(direct[(r["task"], "ntp")]["creativity"][0], abs=1e-12)
            assert r["validity"] == pytest.approx(direct[(r["task"], "ntp")]["validity"][0], abs=1e-12)


def test_temperature_1_sweep_point_equals_the_runs_other_regime(report, smoke_suite):
    """ntp's secondary regime is temperature 1 on the same prompts with the same sampling seed."""
    doc, _ = report
    other = direct_means(smoke_suite, secondary=True)
    points = [r for r in doc["sweeps"] if r["seed_length"] == 10 and r["decoding"] == "T=1"]
    assert len(points) == len(SUITE_TASKS)
    for r in points:
        for m in METRICS:
            assert r[m] == pytest.approx(other[(r["task"], "ntp")][m][0], abs=1e-12)


def test_report_errors(tmp_path, smoke_suite):
    with pytest.raises(CBenchError, match="no such results directory"):
        make_report(tmp_path / "missing")
    (tmp_path / "empty").mkdir()
    with pytest.raises(CBenchError, match="no finished runs"):
        make_report(tmp_path / "empty")
    with pytest.raises(CBenchError, match="no runs of it"):
        make_report(smoke_suite, tmp_path / "r", sweep_objectives=["teacherless"])


def test_sweep_without_checkpoint_is_a_clear_error(smoke_suite, tmp_path):
    import shutil

    root = tmp_path / "copy"
    shutil.copytree(smoke_suite, root, ignore=shutil.ignore_patterns("checkpoint", "sweeps"))
    with pytest.raises(CBenchError, match="no checkpoint to sample"):
        make_report(root, tmp_path / "r", sweep_objectives=["ntp"])
    doc = make_report(root, tmp_path / "r2", sweeps=False)
    assert doc["sweeps"] == [] and doc["runs"] == 8


def test_report_refuses_runs_of_another_task_version(smoke_suite, tmp_path):
    import shutil

    root = tmp_path / "copy"
    shutil.copytree(smoke_suite, root, ignore=shutil.ignore_patterns("checkpoint", "sweeps"))
    path = next(root.glob("circle/*/s0/results.json"))
    doc = json.loads(path.read_text())
    doc["task"]["version"] = 0
    path.write_text(json.dumps(doc))
    with pytest.raises(CBenchError, match="circle version 0, this release has version 1"):
        make_report(root, tmp_path / "r", sweeps=False)
    doc["task"]["version"] = 1
    del doc["secondary"]  # as written before both sampling regimes were recorded
    path.write_text(json.dumps(doc))
    with pytest.raises(CBenchError, match="older release, without the second sampling regime"):
        make_report(root, tmp_path / "r", sweeps=False)


def test_curve_rows_record_training_flops(report, smoke_suite):
    """Every periodic evaluation records the FLOPs spent so far: step x the run's FLOPs per step."""
    doc, _ = report
    for path in smoke_suite.glob("*/*/s*/results.json"):
        run = json.loads(path.read_text())
        per_step = run["training"]["flops_per_step"]
        assert per_step > 0 and [r["flops"] for r in run["curve"]] == [r["step"] * per_step for r in run["curve"]]
        lines = [json.loads(line) for line in (path.parent / "curve.jsonl").read_text().splitlines()]
        assert [r["flops"] for r in lines] == [r["flops"] for r in run["curve"]]
    assert doc["curves_axis"] == "flops"


def test_study_section(report):
    doc, out = report
    text = (out / "report.md").read_text()
    assert "\n## The study, side by side\n" in text
    # Findings 1, 2, 4, 5, 6 on both tasks; 3 on both (the study has a claim on sibling and circle).
    assert sorted((r["number"], r["task"]) for r in doc["study"]) == sorted((k, t) for k in range(1, 7) for t in SUITE_TASKS)
    for r in doc["study"]:
        assert f"| {r['task']} | {r['study']} | {r['ours']} | {r['verdict']} |" in text
        assert not r["verdict"].startswith("not measured (report run without sweeps)")
    teacherless = [r["verdict"] for r in doc["study"] if r["number"] == 4]
    assert teacherless == [f"not measured here (no teacherless runs on {t})" for t in SUITE_TASKS]
    assert json.loads((out / "report.json").read_text())["study"] == doc["study"]
