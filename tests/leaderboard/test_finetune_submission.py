"""A fine-tuner as a leaderboard entry: `cbench submit --objective grpo` trains from scratch with
its default parameters (a next-token phase first, pretrain), verifies, and reproduces byte-identically."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from creativity_bench.cli import app
from creativity_bench.leaderboard.verify import verify
from creativity_bench.models.objectives.finetune import DEFAULT_PRETRAIN
from tests.leaderboard.helpers import one_thread

runner = CliRunner(env={"COLUMNS": "200", "NO_COLOR": "1"})


def invoke(*args):
    with one_thread():
        return runner.invoke(app, [str(a) for a in args])


def test_a_grpo_submission_trains_from_scratch_verifies_and_reproduces(tmp_path):
    out = tmp_path / "grpo-smoke"
    made = invoke("submit", "--objective", "grpo", "--preset", "smoke", "--out", out, "--runs", tmp_path / "runs", "--quiet")
    assert made.exit_code == 0, made.output
    sub = json.loads((out / "submission.json").read_text())
    assert sub["objective"]["name"] == "grpo" and sub["objective"]["params"]["pretrain"] == DEFAULT_PRETRAIN
    doc = json.loads((out / "runs" / "circle" / "s0" / "results.json").read_text())
    assert doc["training"]["config"]["objective_params"] == {} and doc["training"]["config"]["init_from"] is None
    assert (doc["training"]["steps"], doc["training"]["pretrain_steps"]) == (30, 28), "smoke: 30 steps, 28 of them next-token"
    verdict = verify(out)
    assert verdict.ok, verdict.problems
    result = invoke("leaderboard", "verify", out, "--reproduce", "1")
    assert result.exit_code == 0, result.output
    assert "reproduced 1 runs" in result.stdout and "byte-identical" in result.stdout
