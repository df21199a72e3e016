"""cbench leaderboard verify: accepts an honest submission, rejects each kind of tampering."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from creativity_bench.leaderboard.verify import verify
from tests.leaderboard.helpers import cli_without_torch, one_thread, rehash


def edit_json(path: Path, change: Callable[[dict], None]) -> None:
    doc = json.loads(path.read_text())
    change(doc)
    path.write_text(json.dumps(doc))


def edit_lines(path: Path, change: Callable[[list[str]], list[str]]) -> None:
    path.write_text("".join(line + "\n" for line in change(path.read_text().splitlines())))


def set_answer(lines: list[str], index: int, answer: object) -> list[str]:
    row = json.loads(lines[index])
    row["answer"] = answer
    return lines[:index] + [json.dumps(row)] + lines[index + 1 :]


def training_answer() -> str:
    from creativity_bench.tasks import make_task

    return make_task("circle", "smoke").generate(0).train[0].answer


def other_instance_seed(lines: list[str]) -> list[str]:
    row = json.loads(lines[0])
    row["seed"] = "zzzzzzzzzz"
    return [json.dumps(row)] + lines[1:]


def test_honest_submission_is_accepted(smoke_submission):
    verdict = verify(smoke_submission)
    assert verdict.ok, verdict.problems
    claimed = json.loads((smoke_submission / "submission.json").read_text())["claimed"]
    for regime, mine in ((claimed, verdict.recomputed), (claimed["secondary"], verdict.recomputed["secondary"])):
        assert mine["mean"] == pytest.approx(regime["mean"], abs=1e-12)
        for task, values in regime["tasks"].items():
            assert mine["tasks"][task] == pytest.approx(values, abs=1e-12)


def test_protocol_2_samples_with_the_standard_sampler_and_records_the_other_regime(smoke_submission):
    from creativity_bench.leaderboard.protocol import PROTOCOL_VERSION, protocol

    sub = json.loads((smoke_submission / "submission.json").read_text())
    assert PROTOCOL_VERSION == 2 and sub["protocol"] == protocol() and sub["protocol"]["sampling"]["mode"] == "standard"
    doc = json.loads((smoke_submission / RUN / "results.json").read_text())
    assert (doc["sampling"]["mode"], doc["sampling"]["standard"]) == ("greedy", True)  # ntp's standard sampler
    assert (doc["secondary"]["sampling"]["mode"], doc["secondary"]["sampling"]["temperature"]) == ("temperature", 1.0)
    first = json.loads((smoke_submission / RUN / "samples_secondary.jsonl").read_text().splitlines()[0])
    assert set(first) == {"prompt_id", "seed", "answer"}


def test_verifier_expects_what_runs_record(smoke_suite):
    """What the verifier requires of a protocol run's sampling is what runs of each family record
    (diffusion: temperature 1 with one step per answer token; greedy beside it)."""
    from creativity_bench.leaderboard.protocol import RECORDED_SAMPLING_KEYS, expected_sampling
    from creativity_bench.models.objectives import make_objective
    from creativity_bench.models.tokenizer import answer_width
    from creativity_bench.tasks import load_instance

    for path in sorted(smoke_suite.glob("*/*/s0/results.json")):
        doc = json.loads(path.read_text())
        instance = load_instance(path.parent / "instance")
        standard, other = expected_sampling(make_objective(doc["objective"]["name"], instance.name), answer_width(instance))
        assert standard == {k: doc["sampling"][k] for k in RECORDED_SAMPLING_KEYS}, path
        assert other == {k: doc["secondary"]["sampling"][k] for k in RECORDED_SAMPLING_KEYS}, path
        if doc["objective"]["name"] == "diffusion":
            assert (standard["mode"], standard["steps"], other["mode"]) == ("temperature", answer_width(instance), "greedy")


def test_protocol_1_submission_is_refused_by_version(smoke_submission, tmp_path):
    """A submission of the old protocol gets one problem naming both versions, nothing else."""
    copy = tmp_path / "sub"
    shutil.copytree(smoke_submission, copy)
    edit_json(copy / "submission.json", lambda s: s["protocol"].update(version=1))
    verdict = verify(copy)
    assert verdict.problems == ["protocol version 1: this release verifies protocol version 2 (each objective's standard sampler, "
                                "both sampling regimes recorded); re-run the submission with `cbench submit`"]


RUN = Path("runs/circle/s1")

TAMPERING = {
    "claimed run metric": (lambda d: edit_json(d / RUN / "results.json", lambda r: r["metrics"].update(validity=r["metrics"]["validity"] + 0.01)), "claimed validity"),
    "claimed summary": (lambda d: edit_json(d / "submission.json", lambda s: s["claimed"]["mean"].update(creativity=0.9)), "claimed overall mean creativity"),
    "claimed task mean": (lambda d: edit_json(d / "submission.json", lambda s: s["claimed"]["tasks"]["line"].update(memorization=0.5)), "claimed line mean memorization"),
    "changed answer": (lambda d: edit_lines(d / RUN / "samples.jsonl", lambda ls: set_answer(ls, 0, training_answer())), "the samples give"),
    "samples missing": (lambda d: (d / RUN / "samples.jsonl").unlink(), "samples are missing"),
    "one sample missing": (lambda d: edit_lines(d / RUN / "samples.jsonl", lambda ls: ls[:-1]), "have no sample"),
    "duplicated sample": (lambda d: edit_lines(d / RUN / "samples.jsonl", lambda ls: ls + [ls[0]]), "prompt_id 0 repeats line 1"),
    "malformed line": (lambda d: edit_lines(d / RUN / "samples.jsonl", lambda ls: ls[:1] + ["{not json"] + ls[1:]), "not valid JSON"),
    "non-string answer": (lambda d: edit_lines(d / RUN / "samples.jsonl", lambda ls: set_answer(ls, 0, 42)), "samples.jsonl:1: field 'answer' must be a string, got a number"),
    "null secondary answer": (lambda d: edit_lines(d / RUN / "samples_secondary.jsonl", lambda ls: set_answer(ls, 2, None)),
                              "samples_secondary.jsonl:3: field 'answer' must be a string, got null"),
    "malformed field": (lambda d: edit_lines(d / RUN / "samples.jsonl", lambda ls: [json.dumps({"prompt_id": "0", "seed": "x", "answer": ""})] + ls[1:]), "not an integer"),
    "another instance's samples": (lambda d: edit_lines(d / RUN / "samples.jsonl", other_instance_seed), "from another instance"),
    "unknown prompt": (lambda d: edit_lines(d / RUN / "samples.jsonl", lambda ls: ls + [json.dumps({"prompt_id": 99999, "seed": "a", "answer": ""})]), "not an evaluation prompt"),
    "fingerprint": (lambda d: edit_json(d / RUN / "results.json", lambda r: r["task"].update(fingerprint="0" * 64)), "fingerprint differs"),
    "stale task version": (lambda d: edit_json(d / RUN / "results.json", lambda r: r["task"].update(version=0)), "circle version 0, this release has version 1"),
    "protocol seeds": (lambda d: edit_json(d / "submission.json", lambda s: s["protocol"].update(training_seeds=[0, 1])), "protocol.training_seeds"),
    "protocol sampling": (lambda d: edit_json(d / "submission.json", lambda s: s["protocol"]["sampling"].update(mode="temperature")), "protocol.sampling.mode"),
    "run sampling": (lambda d: edit_json(d / RUN / "results.json", lambda r: r["sampling"].update(temperature=0.7)), "sampling.temperature"),
    "run training seed": (lambda d: edit_json(d / RUN / "results.json", lambda r: r["training"].update(seed=7)), "training seed"),
    "run objective": (lambda d: edit_json(d / RUN / "results.json", lambda r: r["objective"].update(name="teacherless")), "trained objective"),
    "run missing": (lambda d: shutil.rmtree(d / RUN), "run is missing"),
    "extra run": (lambda d: shutil.copytree(d / RUN, d / "runs/circle/s3"), "not a run of the protocol"),
    "results missing": (lambda d: (d / RUN / "results.json").unlink(), "results.json is missing"),
    "NaN claim": (lambda d: edit_json(d / RUN / "results.json", lambda r: r["metrics"].update(creativity=float("nan"))), "claimed creativity"),
    "NaN summary": (lambda d: edit_json(d / "submission.json", lambda s: s["claimed"]["mean"].update(validity=float("nan"))), "claimed overall mean validity"),
    "more training steps": (lambda d: edit_json(d / RUN / "results.json", lambda r: r["training"]["config"].update(steps=300)), "training setting steps"),
    "other learning rate": (lambda d: edit_json(d / RUN / "results.json", lambda r: r["training"]["config"].update(lr=0.1)), "training setting lr"),
    "objective params set": (lambda d: edit_json(d / RUN / "results.json", lambda r: r["training"]["config"].update(objective_params={"x": "1"})), "objective parameters were set"),
    "metrics not an object": (lambda d: edit_json(d / RUN / "results.json", lambda r: r.update(metrics=[1, 2])), "not an object"),
    "sampling not an object": (lambda d: edit_json(d / RUN / "results.json", lambda r: r.update(sampling="greedy")), "not an object"),
    "name injection": (lambda d: edit_json(d / "submission.json", lambda s: s["objective"].update(name="ntp | 1.0 |\n| x")), "not a plain name"),
    "multi-line command": (lambda d: edit_json(d / "submission.json", lambda s: s.update(command="cbench submit\n| 1 | fake |")), "not one line"),
    "no source hash": (lambda d: edit_json(d / "submission.json", lambda s: s["objective"].pop("source")), "source sha256"),
    "claimed secondary metric": (lambda d: edit_json(d / RUN / "results.json", lambda r: r["secondary"]["metrics"].update(creativity=r["secondary"]["metrics"]["creativity"] + 0.01)),
                                 "claimed secondary creativity"),
    "changed secondary answer": (lambda d: edit_lines(d / RUN / "samples_secondary.jsonl", lambda ls: set_answer(ls, 0, training_answer())), "the secondary samples give"),
    "secondary samples missing": (lambda d: (d / RUN / "samples_secondary.jsonl").unlink(), "secondary samples are missing"),
    "secondary regime missing": (lambda d: edit_json(d / RUN / "results.json", lambda r: r.pop("secondary")), "lacks the secondary sampling regime"),
    "secondary sampling": (lambda d: edit_json(d / RUN / "results.json", lambda r: r["secondary"]["sampling"].update(mode="greedy")), "secondary.sampling.mode"),
    "headline not the standard sampler": (lambda d: edit_json(d / RUN / "results.json", lambda r: r["sampling"].update(mode="temperature", standard=False)), "sampling.mode"),
    "claimed secondary summary": (lambda d: edit_json(d / "submission.json", lambda s: s["claimed"]["secondary"]["mean"].update(validity=0.9)),
                                  "claimed secondary overall mean validity"),
    "protocol version 1": (lambda d: edit_json(d / "submission.json", lambda s: s["protocol"].update(version=1)),
                           "protocol version 1: this release verifies protocol version 2"),
}


@pytest.mark.parametrize("kind", list(TAMPERING))
def test_tampered_submission_is_rejected_with_the_reason(smoke_submission, tmp_path, kind):
    """Each kind of tampering, with the manifest recomputed to match (test_manifest.py shows that
    the manifest alone catches every edited file), is rejected for its own reason."""
    tamper, reason = TAMPERING[kind]
    copy = tmp_path / "sub"
    shutil.copytree(smoke_submission, copy)
    tamper(copy)
    if (copy / "submission.json").exists():
        rehash(copy)
    verdict = verify(copy)
    assert not verdict.ok
    assert any(reason in p for p in verdict.problems), verdict.problems


def test_verify_cli_exit_codes(smoke_submission, tmp_path):
    from typer.testing import CliRunner

    from creativity_bench.cli import app

    ok = CliRunner().invoke(app, ["leaderboard", "verify", str(smoke_submission)])
    assert ok.exit_code == 0 and "verified" in ok.output
    copy = tmp_path / "sub"
    shutil.copytree(smoke_submission, copy)
    (copy / RUN / "samples.jsonl").unlink()
    bad = CliRunner().invoke(app, ["leaderboard", "verify", str(copy)])
    assert bad.exit_code == 1 and "rejected: manifest: runs/circle/s1/samples.jsonl: listed in the manifest but missing" in bad.output
    rehash(copy)
    bad = CliRunner().invoke(app, ["leaderboard", "verify", str(copy)])
    assert bad.exit_code == 1 and "rejected: circle/s1: samples are missing" in bad.output
    assert "Traceback" not in bad.output


def test_teacherless_submission_is_accepted(tmp_path_factory):
    """Objectives whose parameters resolve per task (teacherless's mix) verify too."""
    from creativity_bench.leaderboard.submission import submit

    base = tmp_path_factory.mktemp("tl")
    with one_thread():
        submit("teacherless", "smoke", base / "sub", base / "runs", "cbench submit --objective teacherless --preset smoke --out sub")
    verdict = verify(base / "sub")
    assert verdict.ok, verdict.problems



@pytest.mark.parametrize("make", [lambda tmp: tmp / "empty", lambda tmp: tmp / "absent", lambda tmp: tmp / "file.json"])
def test_verify_of_something_that_is_not_a_submission_is_bad_input(tmp_path, make):
    """A folder without submission.json (or no folder) is a usage error, exit 2, not a rejection (exit 1)."""
    from typer.testing import CliRunner

    from creativity_bench.cli import app

    (tmp_path / "empty").mkdir()
    (tmp_path / "file.json").write_text("{}")
    r = CliRunner().invoke(app, ["leaderboard", "verify", str(make(tmp_path))])
    assert r.exit_code == 2, r.output
    assert len(r.stderr.splitlines()) == 1 and r.stderr.startswith("error:") and "rejected" not in r.output



def test_verify_needs_no_torch(smoke_submission, tmp_path):
    """Re-scoring a submission needs no torch: verify runs where torch cannot be imported, says what
    it could not check there, and --reproduce names the extra it needs."""
    import subprocess
    import sys

    board = tmp_path / "board"
    shutil.copytree(smoke_submission, board / "ntp-smoke")
    script = f"""
import sys
for name in ("torch", "lightning", "safetensors"):
    sys.modules[name] = None
from creativity_bench.cli import app
for args, code in ((["leaderboard", "verify", {str(board / "ntp-smoke")!r}], 0),
                   (["leaderboard", "verify", {str(board / "ntp-smoke")!r}, "--reproduce", "1"], 2)):
    try:
        app(args)
    except SystemExit as exc:
        assert (exc.code or 0) == code, (args, exc.code)
print("torch imported:", sys.modules.get("torch") is not None)
"""
    proc = subprocess.run([sys.executable, "-c", script], check=False, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "verified" in proc.stdout and proc.stdout.strip().endswith("torch imported: False")
    assert "note: verified without torch" in proc.stderr and "pip install 'creativity-bench[train]'" in proc.stderr


def test_a_non_string_answer_is_a_rejection_not_a_score(smoke_submission, tmp_path):
    """A submitted sample whose answer is a number is malformed: one `rejected:` line naming the
    file and line, exit 1 (it used to be scored as an empty answer and the claim re-checked)."""
    from typer.testing import CliRunner

    from creativity_bench.cli import app

    copy = tmp_path / "sub"
    shutil.copytree(smoke_submission, copy)
    edit_lines(copy / RUN / "samples.jsonl", lambda ls: set_answer(ls, 0, 42))
    rehash(copy)
    r = CliRunner().invoke(app, ["leaderboard", "verify", str(copy)])
    assert r.exit_code == 1, r.output
    assert r.stderr.splitlines() == [f"rejected: circle/s1: {copy / RUN / 'samples.jsonl'}:1: field 'answer' must be a string, got a number"]


@pytest.mark.parametrize("kind", ["directory", "unreadable"])
def test_a_submission_file_that_cannot_be_read_is_bad_input(smoke_submission, tmp_path, monkeypatch, kind):
    """submission.json that is a folder, or that the OS refuses to read, is bad input (exit 2, one
    line), not a rejected submission (exit 1); a readable but malformed one is a rejection."""
    from typer.testing import CliRunner

    from creativity_bench.cli import app

    copy = tmp_path / "sub"
    shutil.copytree(smoke_submission, copy)
    target = copy / "submission.json"
    if kind == "directory":
        target.unlink()
        target.mkdir()
    else:
        read_bytes = Path.read_bytes

        def refuse(self):
            if self == target:
                raise PermissionError(13, "Permission denied", str(self))
            return read_bytes(self)

        monkeypatch.setattr(Path, "read_bytes", refuse)
    r = CliRunner().invoke(app, ["leaderboard", "verify", str(copy)])
    assert r.exit_code == 2, r.output
    assert len(r.stderr.splitlines()) == 1 and r.stderr.startswith(f"error: {copy}") and "rejected" not in r.output
    assert ("not a submission" if kind == "directory" else "cannot read (Permission denied)") in r.stderr


def test_a_malformed_submission_file_is_a_rejection(smoke_submission, tmp_path):
    from typer.testing import CliRunner

    from creativity_bench.cli import app

    copy = tmp_path / "sub"
    shutil.copytree(smoke_submission, copy)
    (copy / "submission.json").write_text("{not json")
    r = CliRunner().invoke(app, ["leaderboard", "verify", str(copy)])
    assert r.exit_code == 1 and r.stderr.startswith("rejected: ") and "not valid JSON" in r.stderr


def test_without_torch_bad_input_and_rejections_keep_their_exit_codes(smoke_submission, checkpointed_submission, tmp_path):
    """Without torch: a folder that is not a submission is bad input (2), a tampered submission is
    rejected (1), a non-string answer is rejected (1), a checkpointed one verifies (0) and
    --resample, which samples the checkpoints, names the extra it needs (2)."""
    tampered = tmp_path / "tampered"
    shutil.copytree(smoke_submission, tampered)
    edit_lines(tampered / RUN / "samples.jsonl", lambda ls: set_answer(ls, 0, 42))
    rehash(tampered)
    (tmp_path / "empty").mkdir()
    codes, out, err = cli_without_torch(["leaderboard", "verify", tmp_path / "empty"], ["leaderboard", "verify", tampered],
                                        ["leaderboard", "verify", checkpointed_submission],
                                        ["leaderboard", "verify", checkpointed_submission, "--resample"])
    assert codes == [2, 1, 0, 2], out + err
    assert f"error: {tmp_path / 'empty'}: not a submission" in err
    assert "field 'answer' must be a string, got a number" in err
    assert "pip install 'creativity-bench[train]'" in err and "Traceback" not in err
