"""cbench leaderboard verify --reproduce / --resample: re-made runs must give the claimed samples."""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from creativity_bench.cli import app
from creativity_bench.errors import CBenchError
from creativity_bench.leaderboard.reproduce import (
    DRIFT,
    Z,
    choose_runs,
    drift_problems,
    environment_difference,
    objective_problem,
    parse_choice,
    read_audits,
    run_machine,
    standing,
    torch_threads,
)
from creativity_bench.leaderboard.verify import verify
from tests.leaderboard.helpers import different_answers, one_thread, rehash, swap_two_answers

runner = CliRunner(env={"COLUMNS": "200", "NO_COLOR": "1"})


def invoke(*args):
    with one_thread():  # the audit sets the recorded count (1) anyway; this keeps the test's own count
        return runner.invoke(app, [str(a) for a in args])


def copy_of(submission: Path, tmp_path: Path, name: str = "sub") -> Path:
    copy = tmp_path / name
    shutil.copytree(submission, copy)
    return copy


def first_run_with_different_answers(folder: Path) -> tuple[str, str]:
    """(TASK/sSEED, samples file name) of the first run whose answers differ, headline regime first."""
    for name in ("samples.jsonl", "samples_secondary.jsonl"):
        for run in sorted((folder / "runs").glob("*/s*")):
            if different_answers(run / name):
                return f"{run.parent.name}/{run.name}", name
    raise AssertionError("no samples file with two different answers")


def test_swapped_answers_pass_the_rescoring_but_not_the_reproduction(smoke_submission, tmp_path):
    copy = copy_of(smoke_submission, tmp_path)
    run, name = first_run_with_different_answers(copy)
    prompt_id, before, after = swap_two_answers(copy / "runs" / run / name)
    caught = invoke("leaderboard", "verify", copy)
    assert caught.exit_code == 1 and f"rejected: manifest: runs/{run}/{name}: sha256 differs" in caught.stderr
    rehash(copy)
    assert invoke("leaderboard", "verify", copy).exit_code == 0  # metrics unchanged: the re-scoring accepts it
    result = invoke("leaderboard", "verify", copy, "--reproduce", run)
    assert result.exit_code == 1, result.output
    what = "samples" if name == "samples.jsonl" else "secondary samples"
    expected = (f"rejected: {run}: {what} differ from the re-trained run's (same environment, so they must be byte-identical), "
                f"first at prompt_id {prompt_id}: claimed {after!r}, reproduced {before!r}")
    assert expected in result.stderr.splitlines(), result.stderr
    [record] = read_audits(copy)
    assert (record["verdict"], record["runs"], record["checks"]) == ("rejected", [run], {run: "byte-identical"})


def test_a_smoke_submission_reproduces_end_to_end(smoke_submission, tmp_path):
    copy = copy_of(smoke_submission, tmp_path)
    started = time.perf_counter()
    result = invoke("leaderboard", "verify", copy, "--reproduce", "all")
    took = time.perf_counter() - started
    assert result.exit_code == 0, result.output
    assert "reproduced 12 runs: byte-identical" in result.stdout
    [record] = read_audits(copy)
    assert record["verdict"] == "passed" and record["kind"] == "reproduce" and record["asked"] == "all" and record["salt"] is None
    assert len(record["runs"]) == 12 and set(record["checks"].values()) == {"byte-identical"}
    assert record["environment"]["threads"] == 1 and record["utc_date"] == record["utc_time"][:10]
    assert standing(copy)["runs"] == sorted(record["runs"])
    assert took < 120, f"reproducing the smoke grid took {took:.0f} s"


def test_the_draw_is_seeded_by_the_content_and_the_salt(smoke_submission, tmp_path):
    runs = [(t, s) for t in ("sibling", "triangle", "circle", "line") for s in range(3)]
    first = choose_runs(3, runs, "a" * 64, "salt")
    assert first == choose_runs(3, runs, "a" * 64, "salt") and len(set(first)) == 3 and first == sorted(first, key=runs.index)
    draws = {tuple(choose_runs(3, runs, digest, salt)) for digest in ("a" * 64, "b" * 64) for salt in ("x", "y", "z")}
    assert len(draws) > 1
    copy = copy_of(smoke_submission, tmp_path)
    result = invoke("leaderboard", "verify", copy, "--reproduce", "2", "--salt", "fixed")
    assert result.exit_code == 0, result.output
    [record] = read_audits(copy)
    assert record["salt"] == "fixed" and len(record["runs"]) == 2
    from creativity_bench.leaderboard.manifest import submission_digest

    assert record["runs"] == [f"{t}/s{s}" for t, s in choose_runs(2, runs, submission_digest(copy), "fixed")]
    invoke("leaderboard", "verify", copy, "--reproduce", "1")
    assert read_audits(copy)[1]["salt"] not in (None, "", "fixed")  # a fresh random salt, recorded


def test_a_rejected_audit_never_removes_a_passed_one(smoke_submission, tmp_path):
    copy = copy_of(smoke_submission, tmp_path)
    run, name = first_run_with_different_answers(copy)
    assert invoke("leaderboard", "verify", copy, "--reproduce", run).exit_code == 0
    passed = read_audits(copy)
    assert standing(copy)["runs"] == [run] and standing(copy)["rejected"] is None
    swap_two_answers(copy / "runs" / run / name)
    rehash(copy)
    assert standing(copy)["runs"] == []  # audits of the content before the edit do not count for it
    assert invoke("leaderboard", "verify", copy, "--reproduce", run).exit_code == 1
    audits = read_audits(copy)
    assert audits[:1] == passed and audits[1]["verdict"] == "rejected"
    assert standing(copy)["rejected"][0].startswith(f"{run}: ")


def test_source_hash_must_be_the_installed_one(smoke_submission, tmp_path):
    copy = copy_of(smoke_submission, tmp_path)
    doc = json.loads((copy / "submission.json").read_text())
    real = doc["objective"]["source"]["sha256"]
    doc["objective"]["source"]["sha256"] = "0" * 64
    (copy / "submission.json").write_text(json.dumps(doc))
    result = invoke("leaderboard", "verify", copy, "--reproduce", "1")
    assert result.exit_code == 1
    assert f"rejected: objective 'ntp': source sha256 {'0' * 64} in the submission, {real} installed" in result.stderr
    assert read_audits(copy)[0]["runs"] == []  # nothing was re-trained


def test_an_objective_not_installed_says_what_to_install(smoke_submission):
    sub = json.loads((smoke_submission / "submission.json").read_text())
    sub["objective"] = {"name": "ntp-smooth", "source": {"module": "my_objective", "distribution": "cbench-my-objective", "version": "0.1.0",
                                                         "sha256": "1" * 64}}
    with pytest.raises(CBenchError, match=r"^objective 'ntp-smooth' is not installed here: pip install cbench-my-objective==0\.1\.0$"):
        objective_problem(sub, "ntp-smooth")
    builtin = json.loads((smoke_submission / "submission.json").read_text())
    assert builtin["objective"]["source"]["distribution"] == "creativity-bench"
    assert objective_problem(builtin, "ntp") is None
    builtin["objective"]["source"]["version"] = "0.0.1"
    with pytest.raises(CBenchError, match=r"was run from creativity-bench 0\.0\.1, .*: pip install creativity-bench==0\.0\.1$"):
        objective_problem(builtin, "ntp")


def test_resample_passes_untouched_and_fails_edited(checkpointed_submission, tmp_path):
    good = copy_of(checkpointed_submission, tmp_path, "good")
    result = invoke("leaderboard", "verify", good, "--resample")
    assert result.exit_code == 0, result.output
    assert "re-sampled 12 runs: byte-identical" in result.stdout and read_audits(good)[0]["kind"] == "resample"
    assert standing(good)["resampled"] and standing(good)["runs"] == []  # re-sampling is not re-training

    weights = copy_of(checkpointed_submission, tmp_path, "weights")
    zero_weights(weights / "runs/circle/s1/checkpoint/weights.safetensors")
    result = invoke("leaderboard", "verify", weights, "--resample")
    assert result.exit_code == 1 and "rejected: manifest: runs/circle/s1/checkpoint/weights.safetensors: sha256 differs" in result.stderr
    rehash(weights)
    result = invoke("leaderboard", "verify", weights, "--resample")
    assert result.exit_code == 1 and "rejected: circle/s1: secondary samples differ from the re-sampled run's" in result.stderr

    samples = copy_of(checkpointed_submission, tmp_path, "samples")
    prompt_id, before, after = swap_two_answers(samples / "runs/line/s2/samples_secondary.jsonl")
    rehash(samples)
    result = invoke("leaderboard", "verify", samples, "--resample")
    assert result.exit_code == 1
    assert f"first at prompt_id {prompt_id}: claimed {after!r}, reproduced {before!r}" in result.stderr


def zero_weights(path: Path) -> None:
    """Overwrite a checkpoint's tensors with zeros (a well-formed file, another model)."""
    import torch
    from safetensors.torch import load, save

    tensors = {k: torch.zeros_like(v) for k, v in load(path.read_bytes()).items()}
    path.write_bytes(save(tensors, metadata={"schema": "creativity-bench/checkpoint/1"}))


def test_resample_without_checkpoints_is_a_clean_error(smoke_submission):
    result = invoke("leaderboard", "verify", smoke_submission, "--resample")
    assert_clean_error(result, "carries no checkpoints to re-sample")


def assert_clean_error(result, fragment: str) -> None:
    """Exit 2, one `error:` line on stderr holding the fragment, nothing on stdout, no traceback."""
    assert result.exit_code == 2, result.output
    assert result.stdout == "" and "Traceback" not in result.output
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error:") and fragment in lines[0], lines


@pytest.mark.parametrize("args, fragment", [
    (["--reproduce", "some"], "--reproduce expects a number of runs, TASK/sSEED or all, got 'some'"),
    (["--reproduce", "circle/s7"], "--reproduce circle/s7: not a run of this submission"),
    (["--reproduce", "cricle/s0"], "--reproduce cricle/s0: not a run of this submission"),
    (["--reproduce", "13"], "--reproduce 13: the submission has 12 runs"),
    (["--reproduce", "0"], "--reproduce 0: the submission has 12 runs"),
    (["--reproduce", "all", "--salt", "x"], "--salt only seeds the draw of --reproduce K"),
])
def test_bad_reproduce_values_are_one_line_errors(smoke_submission, args, fragment):
    assert_clean_error(invoke("leaderboard", "verify", smoke_submission, *args), fragment)
    assert not (smoke_submission / "reproductions.json").exists()


def test_parse_choice():
    assert parse_choice("all") == "all" and parse_choice(" 3 ") == 3 and parse_choice("line/s2") == ("line", 2)
    with pytest.raises(CBenchError):
        parse_choice("line/2")


def test_environment_decides_the_check(smoke_submission):
    sub = json.loads((smoke_submission / "submission.json").read_text())
    doc = json.loads((smoke_submission / "runs/circle/s0/results.json").read_text())
    machine = sub["environment"]["machine"]
    here = {**machine, "device": "cpu"}
    assert environment_difference(sub, doc, here) is None
    assert environment_difference(sub, doc, {**here, "torch": "9.9.9"}) == f"torch {doc['environment']['packages']['torch']!r} recorded, '9.9.9' here"
    assert environment_difference(sub, doc, {**here, "cpu": "Other CPU"}) == f"cpu {machine['cpu']!r} recorded, 'Other CPU' here"
    assert environment_difference(sub, doc, {**here, "device": "cuda"}) == "re-made on cuda"
    doc["training"]["device"] = "cuda"
    assert environment_difference(sub, doc, here) == "made on cuda, where training is not deterministic"


def test_each_run_is_judged_on_its_own_machine(smoke_submission):
    sub = json.loads((smoke_submission / "submission.json").read_text())
    doc = json.loads((smoke_submission / "runs/circle/s0/results.json").read_text())
    here = {**sub["environment"]["machine"], "device": "cpu"}
    assert run_machine(sub, doc) == doc["environment"]["machine"]
    sub["environment"]["machine"] = {**sub["environment"]["machine"], "cpu": "the packing machine's CPU"}
    assert environment_difference(sub, doc, here) is None  # the run's own record decides, not the packer's
    doc["environment"]["machine"]["cpu"] = "a CPU of another shard"
    assert environment_difference(sub, doc, here) == "cpu 'a CPU of another shard' recorded, " f"{here['cpu']!r} here"
    del doc["environment"]["machine"]  # made before results.json recorded its machine
    assert run_machine(sub, doc) == sub["environment"]["machine"]  # same platform: the submission's machine
    doc["environment"]["platform"] = "Linux-another-kernel"
    assert run_machine(sub, doc) is None
    assert environment_difference(sub, doc, here) == "the run records no machine, and its platform 'Linux-another-kernel' is not the submission's"


def test_another_environment_gets_the_statistical_check(smoke_submission, tmp_path):
    copy = copy_of(smoke_submission, tmp_path)
    path = copy / "runs/line/s1/results.json"
    doc = json.loads(path.read_text())
    doc["environment"]["machine"]["cpu"] = "a CPU this machine is not"
    path.write_text(json.dumps(doc))
    rehash(copy)
    result = invoke("leaderboard", "verify", copy, "--reproduce", "line/s1")
    assert result.exit_code == 0, result.output
    assert "statistical check (cpu 'a CPU this machine is not' recorded" in result.stderr
    assert read_audits(copy)[0]["checks"] == {"line/s1": "statistical"}


def metrics(creativity: float) -> dict:
    values = {"creativity": creativity, "memorization": 0.0, "validity": 0.5, "diversity": 0.5}
    return {"metrics": values, "secondary": dict(values)}


def test_drift_tolerance_is_z_times_the_scale_over_root_n():
    claimed = {("circle", s): metrics(c) for s, c in enumerate((0.20, 0.21, 0.22))}  # sd 0.01: the floor DRIFT rules
    one = Z * DRIFT
    assert drift_problems(claimed, {("circle", 0): metrics(0.20 + one - 0.001)}) == []
    problem, secondary = drift_problems(claimed, {("circle", 0): metrics(0.20 + one + 0.001)})  # both regimes
    assert secondary.startswith("circle (s0): reproduced secondary creativity")
    assert problem == f"circle (s0): reproduced creativity {0.20 + one + 0.001:.3f} against the claimed 0.200, off by {one + 0.001:.3f}, more than the tolerance {one:.3f}"
    three = {("circle", s): metrics(c + one / 3 ** 0.5 - 0.001) for s, c in enumerate((0.20, 0.21, 0.22))}
    assert drift_problems(claimed, three) == []
    three = {("circle", s): metrics(c + one / 3 ** 0.5 + 0.001) for s, c in enumerate((0.20, 0.21, 0.22))}
    assert len(drift_problems(claimed, three)) == 2  # both regimes' creativity


def test_drift_scale_follows_the_seed_spread():
    spread = {("line", s): metrics(c) for s, c in enumerate((0.1, 0.2, 0.3))}  # sd 0.1: scale sqrt(2) * 0.1 > DRIFT
    tol = Z * 2 ** 0.5 * 0.1
    assert drift_problems(spread, {("line", 1): metrics(0.2 + tol - 0.001)}) == []
    assert drift_problems(spread, {("line", 1): metrics(0.2 + tol + 0.001)}) != []
    assert drift_problems(spread, {("line", 1): metrics(0.2 - tol - 0.001)}) != []  # either way


def test_torch_threads_is_restored():
    import torch

    before = torch.get_num_threads()
    with torch_threads(1):
        assert torch.get_num_threads() == 1
    assert torch.get_num_threads() == before


def test_more_seeds_are_accepted_fewer_refused(smoke_runs, tmp_path):
    from creativity_bench.leaderboard.submission import submit

    with one_thread():
        submit("ntp", "smoke", tmp_path / "four", smoke_runs, "cbench submit --seeds 4", seeds=4)
    verdict = verify(tmp_path / "four")
    assert verdict.ok, verdict.problems
    assert verdict.seeds == (0, 1, 2, 3) and len(verdict.runs) == 16
    assert_clean_error(invoke("submit", "--objective", "ntp", "--preset", "smoke", "--seeds", "2", "--out", tmp_path / "two", "--runs", smoke_runs),
                       "the protocol needs at least 3 training seeds, got 2")
    assert not (tmp_path / "two").exists()


def test_a_plugin_objective_reproduces_and_says_what_to_install(plugin_path, tmp_path):
    """The example plugin (pip-installed into a private folder): its submission names its
    distribution; with it on the path a run reproduces, without it verify says what to install."""
    env = {"OMP_NUM_THREADS": "1"}
    made = cbench(["submit", "--objective", "ntp-smooth", "--preset", "smoke", "--out", "sub", "--runs", "runs", "--quiet"], plugin_path, tmp_path, env)
    assert made.returncode == 0, made.stderr[-3000:]
    source = json.loads((tmp_path / "sub" / "submission.json").read_text())["objective"]["source"]
    assert (source["distribution"], source["version"], source["module"]) == ("cbench-my-objective", "0.1.0", "my_objective")
    ok = cbench(["leaderboard", "verify", "sub", "--reproduce", "line/s0"], plugin_path, tmp_path, env)
    assert ok.returncode == 0 and "reproduced 1 runs (line/s0): byte-identical" in ok.stdout, ok.stderr[-3000:]
    if __import__("importlib.util").util.find_spec("my_objective") is not None:
        return  # the example is installed here: it cannot be missing
    missing = cbench(["leaderboard", "verify", "sub", "--reproduce", "1"], None, tmp_path, env)
    assert missing.returncode == 2 and missing.stdout == ""
    assert missing.stderr.strip() == "error: objective 'ntp-smooth' is not installed here: pip install cbench-my-objective==0.1.0"


def cbench(args: list[str], plugin: Path | None, cwd: Path, env: dict[str, str]):
    import os
    import subprocess
    import sys

    path = os.pathsep.join(p for p in (str(plugin) if plugin else "", os.environ.get("PYTHONPATH", "")) if p)
    return subprocess.run([sys.executable, "-m", "creativity_bench.cli", *args], capture_output=True, text=True, cwd=cwd, timeout=600,
                          env={**os.environ, **env, "PYTHONPATH": path})
