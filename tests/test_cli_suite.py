"""The suite, report, submit and leaderboard commands: bad input is one line and exit code 2."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from creativity_bench.cli import app


def invoke(args):
    return CliRunner().invoke(app, args)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["suite", "R", "--shard", "3/2"], "shard"),
        (["suite", "R", "--objectives", "ntpp"], "did you mean 'ntp'"),
        (["suite", "R", "--tasks", "circles"], "did you mean 'circle'"),
        (["suite", "R", "--seeds", "a"], "--seeds must be integers"),
        (["suite", "R", "--preset", "huge"], "unknown preset"),
        (["suite", "R", "--temperature", "0.5"], "need --mode temperature"),
        (["report", "does-not-exist"], "no such results directory"),
        (["leaderboard", "build", "--dir", "does-not-exist"], "no submissions"),
        (["submit", "--objective", "ntp", "--preset", "huge", "--out", "S"], "unknown preset"),
    ],
)
def test_bad_input_is_one_line(args, message, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = invoke(args)
    assert result.exit_code == 2, result.output
    assert message in result.output
    assert "Traceback" not in result.output
    assert not (tmp_path / "R").exists()  # nothing written before the error


def test_suite_dry_run_lists_the_shard(tmp_path):
    result = invoke(["suite", str(tmp_path / "R"), "--tasks", "sibling,circle", "--objectives", "ntp", "--seeds", "0,1", "--shard", "2/2", "--dry-run"])
    assert result.exit_code == 0, result.output
    assert result.output.split() == ["sibling/ntp/s1", "new", "circle/ntp/s1", "new"]


def test_submit_refuses_a_non_empty_folder(tmp_path):
    (tmp_path / "S").mkdir()
    (tmp_path / "S" / "x").write_text("keep me")
    result = invoke(["submit", "--objective", "ntp", "--preset", "smoke", "--out", str(tmp_path / "S"), "--runs", str(tmp_path / "R")])
    assert result.exit_code == 2 and "not empty" in result.output
    assert (tmp_path / "S" / "x").read_text() == "keep me"


def test_suite_and_report_commands(smoke_suite, tmp_path):
    again = invoke(["suite", str(smoke_suite), "--tasks", "sibling,circle", "--objectives", "ntp,diffusion", "--seeds", "0,1", "--preset", "smoke", "-q"])
    assert again.exit_code == 0, again.output
    assert "0 run, 0 resumed, 0 restarted, 8 already complete" in again.output
    report = invoke(["report", str(smoke_suite), "--out", str(tmp_path / "rep"), "--no-sweeps", "-q"])
    assert report.exit_code == 0, report.output
    assert (tmp_path / "rep" / "report.md").exists() and (tmp_path / "rep" / "creativity_memorization.png").exists()
