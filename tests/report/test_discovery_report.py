"""The report's discovery curves: a suite run with K draws per prompt, averaged over seeds."""

from __future__ import annotations

import pytest

from creativity_bench.models.sampling import SamplingSettings
from creativity_bench.report.aggregate import collect_runs
from creativity_bench.report.discovery import aggregate_discovery, discovery_figure, discovery_markdown
from creativity_bench.suite import grid, run_suite


@pytest.fixture(scope="module")
def tree(tmp_path_factory):
    root = tmp_path_factory.mktemp("disc") / "results"
    run_suite(root, grid(["sibling"], ["ntp"], [0, 1]), "smoke", SamplingSettings(), samples_per_prompt=3)
    return root


def test_suite_records_discovery_and_refuses_mixing(tree):
    import json

    from creativity_bench.errors import CBenchError

    assert json.loads((tree / "suite.json").read_text())["samples_per_prompt"] == 3
    with pytest.raises(CBenchError, match="samples_per_prompt"):
        run_suite(tree, grid(["sibling"], ["ntp"], [0, 1]), "smoke", SamplingSettings())


def test_discovery_is_averaged_over_seeds(tree, tmp_path):
    records = collect_runs(tree)
    rows = aggregate_discovery(records)
    assert len(rows) == 1 and rows[0]["seeds"] == 2 and rows[0]["draws_per_prompt"] == 3
    n = rows[0]["prompts"]
    at = {p["draws"]: p for p in rows[0]["points"]}
    per_seed = [r.results["discovery"]["at_k"][2]["novel_forms"] for r in records]
    assert at[3 * n]["novel_forms"] == pytest.approx(sum(per_seed) / 2)
    lines = discovery_markdown(rows)
    assert lines[2].startswith("| sibling | ntp | 2 |")
    path = discovery_figure(rows, ["sibling"], ["ntp"], tmp_path / "discovery.png")
    assert path.is_file() and path.stat().st_size > 1000


def test_report_shows_the_discovery_curves(tree, tmp_path):
    from creativity_bench.report import make_report

    doc = make_report(tree, tmp_path / "report", sweeps=False)
    assert doc["figures"]["discovery"] == "discovery.png" and (tmp_path / "report" / "discovery.png").is_file()
    md = (tmp_path / "report" / "report.md").read_text()
    assert "## Discovery curves (creativity@k)" in md and "| sibling | ntp | 2 |" in md
    assert "made with `--no-sweeps`" in md
