"""The report says why a column is empty (a task whose creativity is 0 everywhere, sweeps left
out) and what its error bars are; the reason is judged on the instance the runs used."""

from __future__ import annotations

import json

import pytest

from creativity_bench.report.aggregate import UNKNOWN_FORMS, zero_reason
from creativity_bench.tasks import make_task


@pytest.fixture(scope="module")
def circle_tree(tmp_path_factory):
    """One smoke circle run: its training set covers every coherent form, so creativity is 0."""
    from creativity_bench.models.sampling import SamplingSettings
    from creativity_bench.suite import grid, run_suite

    root = tmp_path_factory.mktemp("empty") / "results"
    run_suite(root, grid(["circle"], ["ntp"], [0]), "smoke", SamplingSettings())
    return root


def test_report_explains_a_zero_column_and_its_error_bars(circle_tree, tmp_path):
    from creativity_bench.report import make_report

    doc = make_report(circle_tree, tmp_path / "report", sweeps=False)
    md = (tmp_path / "report" / "report.md").read_text()
    table, rest = md.split("\n\n## Both sampling regimes")
    assert "Empty columns:" in table
    assert "- `circle`: every creativity is 0: the training set covers every coherent form of the `smoke` instance" in table
    assert "their error bars are ± one sample standard deviation, clipped to\n[0, 1]" in rest
    assert "made with `--no-sweeps`" in rest
    results = json.loads(next(circle_tree.glob("circle/ntp/s0/results.json")).read_text())
    assert doc["instances"] == {"circle": {k: results["task"][k] for k in ("params", "seed", "fingerprint")}}


def header(task: str, preset: str, seed: int = 0, **params) -> dict:
    made = make_task(task, preset, **params).generate(seed)
    return {**made.header(), "fingerprint": made.fingerprint}


def test_the_reason_is_the_runs_instances():
    """Runs on another instance than the preset's seed-0 one (here: a circle whose training set is
    one sample, so novel forms exist) are judged on theirs; an instance that cannot be rebuilt
    (its fingerprint differs) gets no claim about the forms that exist."""
    assert "so no novel form exists" in zero_reason("circle", "smoke")
    assert "so no novel form exists" in zero_reason("circle", "smoke", header("circle", "smoke"))
    small = header("circle", "smoke", train_size=1)
    assert zero_reason("circle", "smoke", small) == ("no run produced a novel coherent answer, although 5 novel forms exist "
                                                     "(creativity could reach 0.156)")
    assert zero_reason("circle", "smoke", {**small, "fingerprint": "0" * 64}) == UNKNOWN_FORMS
    assert zero_reason("circle", "smoke", {**small, "params": {"no_such_param": 1}}) == UNKNOWN_FORMS


def test_report_notes_use_the_recorded_instances():
    from creativity_bench.report.build import empty_notes

    rows = [{"task": "circle", "creativity": 0.0}, {"task": "circle", "creativity": 0.0}]
    small = header("circle", "smoke", train_size=1)
    notes = empty_notes({"preset": "smoke", "rows": rows, "instances": {"circle": small}})
    assert notes[3] == ("- `circle`: every creativity is 0: no run produced a novel coherent answer, although 5 novel forms exist "
                        "(creativity could reach 0.156).")
