"""`cbench tasks / show / generate / score`, and every bad-input case of the task suite."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from creativity_bench.cli import app

runner = CliRunner()


def invoke(*args):
    return runner.invoke(app, [str(a) for a in args])


def assert_clean_error(result, fragment):
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    lines = [x for x in result.output.splitlines() if x.strip()]
    assert any(x.startswith("error:") and fragment in x for x in lines), result.output


@pytest.fixture()
def instance_dir(tmp_path):
    out = tmp_path / "inst"
    assert invoke("generate", "circle", "--out", out).exit_code == 0
    return out


def write_samples(path, rows):
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


def test_help_and_version():
    r = invoke("--help")
    assert r.exit_code == 0 and "generate" in r.output and "score" in r.output
    r = invoke("--version")
    assert r.exit_code == 0 and "creativity-bench" in r.output


def test_console_script_help_is_fast_and_torch_free():
    proc = subprocess.run([sys.executable, "-c", "import sys; from creativity_bench.cli import app; "
                           "import creativity_bench.tasks, creativity_bench.scoring; print('torch' in sys.modules)"],
                          capture_output=True, text=True)
    assert proc.stdout.strip() == "False"
    proc = subprocess.run(["cbench", "--help"], capture_output=True, text=True)
    assert proc.returncode == 0 and "cbench" in proc.stdout


def test_tasks_lists_all_four():
    r = invoke("tasks")
    assert r.exit_code == 0
    for name in ("sibling", "triangle", "circle", "line"):
        assert name in r.output


def test_show_prints_samples_and_statistics():
    r = invoke("show", "triangle", "--preset", "smoke", "-n", "3")
    assert r.exit_code == 0
    assert "novel_triangles" in r.output and "fingerprint" in r.output and "tri:" in r.output


def test_generate_is_byte_identical_and_idempotent(tmp_path):
    for d in ("a", "b"):
        assert invoke("generate", "sibling", "--seed", 3, "--set", "order=parent_first", "--out", tmp_path / d).exit_code == 0
    for f in ("task.json", "train.jsonl", "eval.jsonl"):
        assert (tmp_path / "a" / f).read_bytes() == (tmp_path / "b" / f).read_bytes()
    before = (tmp_path / "a" / "train.jsonl").read_bytes()
    r = invoke("generate", "sibling", "--seed", 3, "--set", "order=parent_first", "--out", tmp_path / "a")
    assert r.exit_code == 0 and "already present" in r.output
    assert (tmp_path / "a" / "train.jsonl").read_bytes() == before
    doc = json.loads((tmp_path / "a" / "task.json").read_text())
    assert doc["params"]["order"] == "parent_first" and doc["seed"] == 3 and "parents" in doc["structure"]


def test_generate_refuses_a_different_instance(tmp_path):
    out = tmp_path / "x"
    assert invoke("generate", "circle", "--out", out).exit_code == 0
    snapshot = {f.name: f.read_bytes() for f in out.iterdir()}
    assert_clean_error(invoke("generate", "circle", "--seed", 1, "--out", out), "different instance")
    assert {f.name: f.read_bytes() for f in out.iterdir()} == snapshot


def test_score_training_answers_are_memorized(instance_dir, tmp_path):
    train = [json.loads(x) for x in (instance_dir / "train.jsonl").read_text().splitlines()]
    samples = write_samples(tmp_path / "s.jsonl", [{"prompt_id": i, "answer": t["answer"]} for i, t in enumerate(train[:32])])
    r = invoke("score", instance_dir, samples, "--out", tmp_path / "m.json")
    assert r.exit_code == 0, r.output
    doc = json.loads((tmp_path / "m.json").read_text())
    assert doc["metrics"]["memorization"] == 1.0 and doc["metrics"]["creativity"] == 0.0 and doc["metrics"]["n"] == 32
    assert doc["instance"]["fingerprint"] == json.loads((instance_dir / "task.json").read_text())["fingerprint"]
    verdicts = [json.loads(x) for x in (tmp_path / "m.verdicts.jsonl").read_text().splitlines()]
    assert len(verdicts) == 32
    assert {"prompt_id", "answer", "valid", "reason", "canonical", "memorized"} <= set(verdicts[0])


def test_score_default_output_and_partial_note(instance_dir, tmp_path):
    samples = write_samples(tmp_path / "s.jsonl", [{"prompt_id": 0, "answer": "V0 V1"}])
    r = runner.invoke(app, ["score", str(instance_dir), str(samples)])
    assert r.exit_code == 0
    assert (tmp_path / "s.scores.json").is_file() and (tmp_path / "s.scores.verdicts.jsonl").is_file()


@pytest.mark.parametrize(
    "args,fragment",
    [
        (["generate", "circel"], "did you mean 'circle'"),
        (["generate", "circle", "--preset", "papr"], "did you mean 'paper'"),
        (["generate", "circle", "--set", "cycle_length=9"], "longer than"),
        (["generate", "line", "--set", "path_length=5"], "needs 6 vertices"),
        (["generate", "sibling", "--set", "train_size=100"], "exceeds"),
        (["generate", "circle", "--set", "train_size=-3"], "non-negative"),
        (["generate", "circle", "--seed-length", "1"], "too few"),
        (["generate", "circle", "--set", "cycle_lenght=3"], "did you mean 'cycle_length'"),
        (["generate", "circle", "--set", "cycle_length"], "key=value"),
        (["generate", "circle", "--set", "train_size=abc"], "must be int"),
        (["generate", "sibling", "--set", "order=sideways"], "order must be"),
        (["show", "trangle"], "did you mean 'triangle'"),
    ],
)
def test_bad_task_input(args, fragment, tmp_path):
    assert_clean_error(invoke(*args, "--out", tmp_path / "o") if args[0] == "generate" else invoke(*args), fragment)
    assert not (tmp_path / "o").exists()


def test_bad_instance_files(instance_dir, tmp_path):
    samples = write_samples(tmp_path / "s.jsonl", [{"prompt_id": 0, "answer": "x"}])
    assert_clean_error(invoke("score", tmp_path / "missing", samples), "not found")
    train = instance_dir / "train.jsonl"
    data = train.read_bytes()
    train.write_bytes(data[: len(data) // 2])  # cut mid-line
    assert_clean_error(invoke("score", instance_dir, samples), "train.jsonl")
    train.write_bytes(data.replace(b"V1", b"V2", 1))  # edited content
    assert_clean_error(invoke("score", instance_dir, samples), "fingerprint")
    train.write_bytes(data)
    (instance_dir / "eval.jsonl").unlink()
    assert_clean_error(invoke("score", instance_dir, samples), "eval.jsonl")
    (instance_dir / "task.json").write_text("{not json")
    assert_clean_error(invoke("score", instance_dir, samples), "task.json:1")


@pytest.mark.parametrize(
    "content,fragment",
    [
        ('{"prompt_id": 0, "answer": "V0 V1"}\nnot json\n', "s.jsonl:2"),
        ('{"prompt_id": 0, "answer": "V0 V1"}\n{"prompt_id": 0, "answer": "V2 V1"}\n', "repeats line 1"),
        ('{"prompt_id": 9999, "answer": "V0 V1"}\n', "not an evaluation prompt"),
        ('{"answer": "V0 V1"}\n', "prompt_id"),
        ('{"prompt_id": 1}\n', "answer"),
        ("", "no samples"),
        ('{"prompt_id": 0, "answer": "V0 V1"}\n{"prompt_id": 1, "ans', "truncated"),
    ],
)
def test_bad_samples_files(instance_dir, tmp_path, content, fragment):
    samples = tmp_path / "s.jsonl"
    samples.write_text(content)
    assert_clean_error(invoke("score", instance_dir, samples), fragment)
    assert not (tmp_path / "s.scores.json").exists(), "nothing half-written"


def test_missing_samples_file(instance_dir, tmp_path):
    assert_clean_error(invoke("score", instance_dir, tmp_path / "nope.jsonl"), "not found")


def test_garbage_answers_are_scored_not_raised(instance_dir, tmp_path):
    rows = [{"prompt_id": 0, "answer": None}, {"prompt_id": 1, "answer": 42}, {"prompt_id": 2, "answer": "|||| V99 ünïcode"}]
    samples = write_samples(tmp_path / "s.jsonl", rows)
    r = invoke("score", instance_dir, samples, "--out", tmp_path / "m.json")
    assert r.exit_code == 0, r.output
    assert json.loads((tmp_path / "m.json").read_text())["metrics"]["validity"] == 0.0
