"""The ``cbench`` task-suite commands (tasks, show, generate, score, --help, --version) and every
bad-input case of the task-suite issue.

Commands run in-process through typer's CliRunner (stdout and stderr are captured apart);
a few run as real subprocesses through the ``cbench`` console script. Every bad input must
give exit code 2, exactly one line on stderr starting with ``error:``, nothing on stdout, no
traceback, and no file written or changed.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from creativity_bench import __version__
from creativity_bench.cli import app

TASK_NAMES = ("sibling", "triangle", "circle", "line")
INSTANCE_FILES = ("eval.jsonl", "task.json", "train.jsonl")

# A wide terminal so that rich tables do not wrap the names tests look for.
runner = CliRunner(env={"COLUMNS": "200", "NO_COLOR": "1"})


def invoke(*args):
    return runner.invoke(app, [str(a) for a in args])


def describe(result) -> str:
    return f"exit {result.exit_code}\nstdout:\n{result.stdout}\nstderr:\n{result.stderr}\n{result.exception!r}"


def assert_ok(result):
    assert result.exit_code == 0, describe(result)
    assert "Traceback" not in result.output


def assert_clean_error(result, *fragments):
    """Exit 2, one `error:` line on stderr holding every fragment, nothing else, no traceback."""
    context = describe(result)
    # An uncaught exception would surface here as exit code 1 and result.exception set to it.
    assert result.exit_code == 2, context
    assert result.exception is None or isinstance(result.exception, SystemExit), context
    assert "Traceback" not in result.output, context
    assert result.stdout == "", context
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error:"), context
    for fragment in fragments:
        assert fragment in lines[0], context


def snapshot(directory: Path) -> dict[str, bytes]:
    """Every file under ``directory`` (relative path -> bytes), hidden files included."""
    return {str(p.relative_to(directory)): p.read_bytes() for p in sorted(directory.rglob("*")) if p.is_file()}


def write_samples(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(x) for x in path.read_text().splitlines()]


def cbench_executable() -> str:
    """The installed console script (beside this interpreter, else on PATH)."""
    beside = Path(sys.executable).parent / "cbench"
    found = str(beside) if beside.is_file() else shutil.which("cbench")
    assert found, "the cbench console script is not installed (pip install -e .)"
    return found


@pytest.fixture(scope="module")
def pristine(tmp_path_factory):
    """One smoke circle instance, generated once; tests copy it before touching it."""
    out = tmp_path_factory.mktemp("pristine") / "inst"
    assert_ok(invoke("generate", "circle", "--preset", "smoke", "--out", out))
    return out


@pytest.fixture()
def instance_dir(pristine, tmp_path):
    out = tmp_path / "inst"
    shutil.copytree(pristine, out)
    return out


# --- --help, --version, the console script -------------------------------------------------


def test_help_lists_every_command():
    r = invoke("--help")
    assert_ok(r)
    for command in ("tasks", "show", "generate", "score"):
        assert command in r.stdout


def test_no_arguments_shows_help():
    r = invoke()
    assert "generate" in r.output and "Traceback" not in r.output


def test_version():
    r = invoke("--version")
    assert_ok(r)
    assert r.stdout.strip() == f"creativity-bench {__version__}"


@pytest.mark.parametrize("command", ["tasks", "show", "generate", "score"])
def test_command_help(command):
    r = invoke(command, "--help")
    assert_ok(r)
    assert "Usage" in r.stdout


def test_console_script_help():
    proc = subprocess.run([cbench_executable(), "--help"], check=False, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert "cbench" in proc.stdout and "generate" in proc.stdout and "score" in proc.stdout
    assert proc.stderr == ""


def test_console_script_bad_input_is_one_clean_line(tmp_path):
    proc = subprocess.run(
        [cbench_executable(), "generate", "circel", "--out", str(tmp_path / "o")],
        check=False, capture_output=True, text=True, timeout=60,
    )
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert proc.stderr == "error: unknown task 'circel' (did you mean 'circle'?)\n"
    assert not (tmp_path / "o").exists()


def test_task_commands_do_not_import_torch(tmp_path):
    """`cbench tasks/show/generate/score` and the core packages run without importing torch."""
    inst, samples = tmp_path / "inst", tmp_path / "s.jsonl"
    write_samples(samples, [{"prompt_id": 0, "answer": "V0 V1 | V1 V0"}])
    script = f"""
import sys
import creativity_bench.cli, creativity_bench.tasks, creativity_bench.scoring
from creativity_bench.cli import app
for args in (["tasks"], ["show", "line"], ["generate", "circle", "--out", {str(inst)!r}],
             ["score", {str(inst)!r}, {str(samples)!r}]):
    try:
        app(args)
    except SystemExit as exc:
        assert exc.code in (0, None), (args, exc.code)
print("torch imported:", "torch" in sys.modules)
"""
    proc = subprocess.run([sys.executable, "-c", script], check=False, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip().splitlines()[-1] == "torch imported: False"


# --- tasks and show ----------------------------------------------------------------------------


def test_tasks_lists_all_four():
    r = invoke("tasks")
    assert_ok(r)
    from creativity_bench.tasks import get_task

    assert "smoke, cpu, paper" in r.stdout
    for name in TASK_NAMES:  # every task's row shows its version
        row = next(line for line in r.stdout.splitlines() if f"│ {name} " in line)
        assert f"│ {get_task(name).version} " in row


@pytest.mark.parametrize("task", TASK_NAMES)
def test_show_prints_samples_and_statistics(task):
    r = invoke("show", task, "--preset", "smoke", "-n", "3")
    assert_ok(r)
    stats = ("fingerprint", "train_samples", "eval_prompts", "coherent_canonical_forms", "train_unique_canonical")
    for stat in (*stats, "train_coverage"):
        assert stat in r.stdout, stat
    assert "param train_size" in r.stdout


def test_show_triangle_statistics():
    r = invoke("show", "triangle", "--preset", "smoke", "-n", "3", "--seed", "2")
    assert_ok(r)
    for stat in ("edges", "mean_degree", "triangles", "novel_triangles", "triangle_samples", "edge_facts"):
        assert f"│ {stat} " in r.stdout, stat
    assert "tri:" in r.stdout or "edge:" in r.stdout


def test_show_respects_set_and_seed_length():
    r = invoke("show", "circle", "--set", "vertices=6", "--set", "cycle_length=5", "--seed-length", "0", "-n", "2")
    assert_ok(r)
    assert "24" in r.stdout  # (5-1)! canonical cycles
    assert "param seed_length" in r.stdout


# --- generate ------------------------------------------------------------------------------------


@pytest.mark.parametrize("task", TASK_NAMES)
def test_generate_same_seed_gives_identical_bytes(task, tmp_path):
    for d in ("a", "b"):
        assert_ok(invoke("generate", task, "--preset", "smoke", "--seed", 3, "--out", tmp_path / d))
    a, b = snapshot(tmp_path / "a"), snapshot(tmp_path / "b")
    assert sorted(a) == list(INSTANCE_FILES)  # nothing else (no temporary files left over)
    assert a == b
    doc = json.loads(a["task.json"])
    assert doc["name"] == task and doc["seed"] == 3 and set(doc) >= {"version", "params", "fingerprint", "structure"}
    assert_ok(invoke("generate", task, "--preset", "smoke", "--seed", 4, "--out", tmp_path / "c"))
    assert json.loads((tmp_path / "c" / "task.json").read_text())["fingerprint"] != doc["fingerprint"]


def test_generate_file_contents(tmp_path):
    out = tmp_path / "a"
    r = invoke("generate", "sibling", "--seed", 3, "--set", "order=parent_first", "--seed-length", 6, "-o", out)
    assert_ok(r)
    assert r.stdout.startswith("wrote ")
    doc = json.loads((tmp_path / "a" / "task.json").read_text())
    assert doc["params"]["order"] == "parent_first" and doc["params"]["seed_length"] == 6
    assert set(doc["structure"]["parents"]["A0"]) == {"first", "second"}
    train = read_jsonl(tmp_path / "a" / "train.jsonl")
    evals = read_jsonl(tmp_path / "a" / "eval.jsonl")
    assert len(train) == doc["params"]["train_size"] and len(evals) == doc["params"]["eval_size"]
    assert all(set(t) == {"seed", "prompt", "answer"} and len(t["seed"]) == 6 and t["prompt"] == "<q>" for t in train)
    assert all(t["answer"].split()[0].startswith("A") for t in train)  # parent first
    assert [e["prompt_id"] for e in evals] == list(range(len(evals)))
    assert not {e["seed"] for e in evals} & {t["seed"] for t in train}


def test_regenerating_the_same_instance_is_a_no_op(tmp_path):
    out = tmp_path / "a"
    args = ("generate", "sibling", "--seed", 3, "--set", "order=parent_first", "--out", out)
    assert_ok(invoke(*args))
    before = snapshot(out)
    r = invoke(*args)
    assert_ok(r)
    assert "already present" in r.stdout
    assert snapshot(out) == before


@pytest.mark.parametrize(
    "other",
    [
        ["circle", "--seed", "1"],
        ["circle", "--preset", "cpu"],
        ["circle", "--seed-length", "0"],
        ["circle", "--set", "train_size=49"],
        ["line"],
    ],
)
def test_generate_refuses_a_different_instance(pristine, tmp_path, other):
    out = tmp_path / "x"
    shutil.copytree(pristine, out)
    before = snapshot(out)
    assert_clean_error(invoke("generate", *other, "--out", out), str(out), "different instance")
    assert snapshot(out) == before


def test_generate_refuses_a_directory_with_a_corrupt_task_file(pristine, tmp_path):
    out = tmp_path / "x"
    shutil.copytree(pristine, out)
    (out / "task.json").write_text("{oops")
    before = snapshot(out)
    assert_clean_error(invoke("generate", "circle", "--out", out), "different instance")
    assert snapshot(out) == before


# --- score ----------------------------------------------------------------------------------------


def memorizable_training_answers(instance: Path) -> list[str]:
    """Training answers with the evaluation prompt marker (triangle edge facts are not)."""
    marker = read_jsonl(instance / "eval.jsonl")[0]["prompt"]
    return [t["answer"] for t in read_jsonl(instance / "train.jsonl") if t["prompt"] == marker]


@pytest.mark.parametrize("task", TASK_NAMES)
def test_score_training_answers_are_all_memorized(task, tmp_path):
    inst = tmp_path / "inst"
    assert_ok(invoke("generate", task, "--preset", "smoke", "--out", inst))
    n = 24
    answers = memorizable_training_answers(inst)[:n]
    assert len(answers) == n
    samples = write_samples(tmp_path / "s.jsonl", [{"prompt_id": i, "answer": a} for i, a in enumerate(answers)])
    r = invoke("score", inst, samples, "--out", tmp_path / "m.json")
    assert_ok(r)
    assert "creativity" in r.stdout and "memorization" in r.stdout and "wrote" in r.stdout
    assert "note: 8 of 32 evaluation prompts have no sample" in r.stderr

    doc = json.loads((tmp_path / "m.json").read_text())
    m = doc["metrics"]
    assert set(m) == {"n", "creativity", "memorization", "validity", "diversity", "compat", "reasons"}
    assert set(m["compat"]) == {"creativity", "memorization", "validity", "diversity", "unseen"}
    assert m["n"] == n and m["memorization"] == 1.0 and m["creativity"] == 0.0 and m["validity"] == 1.0
    assert m["compat"]["memorization"] == 1.0 and m["compat"]["creativity"] == 0.0
    assert m["reasons"] == {"ok": n}
    task_doc = json.loads((inst / "task.json").read_text())
    assert doc["instance"]["fingerprint"] == task_doc["fingerprint"] and doc["instance"]["name"] == task
    assert doc["n_prompts"] == 32

    verdicts = read_jsonl(tmp_path / "m.verdicts.jsonl")
    assert len(verdicts) == n
    seeds = {e["prompt_id"]: e["seed"] for e in read_jsonl(inst / "eval.jsonl")}
    for i, (v, a) in enumerate(zip(verdicts, answers, strict=True)):
        assert {"prompt_id", "answer", "valid", "reason", "canonical", "memorized"} <= set(v)
        assert v["prompt_id"] == i and v["answer"] == a and v["seed"] == seeds[i]
        assert v["valid"] is True and v["reason"] == "ok" and v["memorized"] is True
        assert isinstance(v["canonical"], str) and v["canonical"]
        assert v["novel"] is False and v["counted"] is False
    assert m["diversity"] == len({v["canonical"] for v in verdicts}) / n


def test_score_novel_coherent_sample_counts_as_creative(tmp_path):
    inst = tmp_path / "inst"
    assert_ok(invoke("generate", "sibling", "--preset", "smoke", "--out", inst))
    parents = json.loads((inst / "task.json").read_text())["structure"]["parents"]
    train = set(memorizable_training_answers(inst))
    coherent = [f"{b} {c} {a}" for a, p in parents.items() for b in p["first"] for c in p["second"]]
    novel = [x for x in coherent if x not in train]
    p0 = parents["A0"]
    a1 = "A1"
    rows = [
        {"prompt_id": 0, "answer": novel[0]},
        {"prompt_id": 1, "answer": novel[0]},  # repeated: valid, but counts once
        {"prompt_id": 2, "answer": min(train)},  # memorized
        {"prompt_id": 3, "answer": f"{p0['first'][0]} {p0['second'][0]} {a1}"},  # wrong parent
    ]
    samples = write_samples(tmp_path / "s.jsonl", rows)
    assert_ok(invoke("score", inst, samples, "--out", tmp_path / "m.json"))
    m = json.loads((tmp_path / "m.json").read_text())["metrics"]
    assert (m["creativity"], m["memorization"], m["validity"], m["diversity"]) == (0.25, 0.25, 0.75, 0.5)
    verdicts = read_jsonl(tmp_path / "m.verdicts.jsonl")
    assert [v["reason"] for v in verdicts] == ["ok", "ok", "ok", "wrong_parent"]
    assert [v["counted"] for v in verdicts] == [True, False, False, False]


def test_score_out_path_is_respected(instance_dir, tmp_path):
    samples = write_samples(tmp_path / "s.jsonl", [{"prompt_id": 0, "answer": "V0 V1"}])
    out = tmp_path / "nested" / "dir" / "metrics.json"
    r = invoke("score", instance_dir, samples, "--out", out)
    assert_ok(r)
    assert out.is_file() and (out.parent / "metrics.verdicts.jsonl").is_file()
    assert sorted(p.name for p in out.parent.iterdir()) == ["metrics.json", "metrics.verdicts.jsonl"]
    assert not (tmp_path / "s.scores.json").exists()
    assert f"wrote {out}" in r.stdout


def test_score_default_output_beside_samples(instance_dir, tmp_path):
    samples = write_samples(tmp_path / "s.jsonl", [{"prompt_id": 0, "answer": "V0 V1"}])
    assert_ok(invoke("score", instance_dir, samples))
    assert (tmp_path / "s.scores.json").is_file() and (tmp_path / "s.scores.verdicts.jsonl").is_file()
    assert json.loads((tmp_path / "s.scores.json").read_text())["samples_file"] == str(samples)


def test_garbage_answers_are_scored_not_raised(instance_dir, tmp_path):
    """Any string is a model's answer, judged (invalid here); a non-string is malformed input (below)."""
    rows = [
        {"prompt_id": 2, "answer": "|||| V99 ünïcode"},
        {"prompt_id": 3, "answer": ""},
        {"prompt_id": 5, "answer": "V0 V1 | V1 V0 | " * 1000},
        {"prompt_id": 6, "answer": "null"},
    ]
    samples = write_samples(tmp_path / "s.jsonl", rows)
    assert_ok(invoke("score", instance_dir, samples, "--out", tmp_path / "m.json"))
    m = json.loads((tmp_path / "m.json").read_text())["metrics"]
    assert m["n"] == 4 and m["validity"] == 0.0 and m["creativity"] == 0.0
    assert all(v["valid"] is False for v in read_jsonl(tmp_path / "m.verdicts.jsonl"))


# --- bad input: task, preset, parameters ----------------------------------------------------------


@pytest.mark.parametrize(
    "args,fragments",
    [
        (["circel"], ["unknown task 'circel'", "did you mean 'circle'"]),
        (["trangle"], ["did you mean 'triangle'"]),
        (["circle", "--preset", "papr"], ["unknown preset 'papr'", "did you mean 'paper'"]),
        (["sibling", "--preset", "smok"], ["did you mean 'smoke'"]),
        (["circle", "--set", "cycle_length=9"], ["cycle_length=9", "longer than the 5 vertices"]),
        (["circle", "--set", "vertices=3"], ["longer than the 3 vertices"]),
        (["line", "--set", "path_length=5"], ["path_length=5", "needs 6 vertices"]),
        (["sibling", "--set", "train_size=100"], ["train_size=100", "exceeds the 72 coherent"]),
        (["sibling", "--preset", "paper", "--set", "children=10"], ["exceeds the 500 coherent"]),
        (["circle", "--set", "train_size=-3"], ["train_size", "non-negative"]),
        (["circle", "--set", "eval_size=-1"], ["eval_size", "non-negative"]),
        (["line", "--set", "vertices=-2"], ["vertices", "non-negative"]),
        (["sibling", "--set", "children=-1"], ["children", "non-negative"]),
        (["triangle", "--set", "triangles_per_vertex=-1"], ["triangles_per_vertex", "non-negative"]),
        (["circle", "--seed-length", "-1"], ["seed_length", "non-negative"]),
        (["circle", "--set", "train_size=0"], ["train_size must be at least 1"]),
        (["circle", "--seed-length", "1"], ["seed_length=1", "too few"]),
        (["sibling", "--preset", "paper", "--seed-length", "3"], ["seed_length=3", "too few"]),
        (["circle", "--seed-length", "65"], ["at most 64"]),
        (["circle", "--set", "cycle_lenght=3"], ["unknown parameter 'cycle_lenght'", "did you mean 'cycle_length'"]),
        (["triangle", "--set", "vertice=30"], ["did you mean 'vertices'"]),
        (["circle", "--set", "cycle_length"], ["--set expects key=value", "'cycle_length'"]),
        (["circle", "--set", "=5"], ["--set expects key=value"]),
        (["circle", "--set", "train_size=abc"], ["parameter 'train_size' must be int", "'abc'"]),
        (["circle", "--set", "train_size=1.5"], ["must be int"]),
        (["triangle", "--set", "alpha=abc"], ["parameter 'alpha' must be float"]),
        (["triangle", "--set", "alpha=nan"], ["alpha must be at least 1"]),
        (["triangle", "--set", "triangle_fraction=0"], ["triangle_fraction"]),
        (["triangle", "--set", "degree=30"], ["degree must be between"]),
        (["sibling", "--set", "order=sideways"], ["order must be one of"]),
        (["circle", "--seed", "-1"], ["instance seed must be a non-negative integer"]),
    ],
)
@pytest.mark.parametrize("command", ["generate", "show"])
def test_bad_task_input(command, args, fragments, tmp_path):
    extra = ["--out", tmp_path / "o"] if command == "generate" else []
    assert_clean_error(invoke(command, *args, *extra), *fragments)
    assert list(tmp_path.iterdir()) == []


def test_generate_out_is_a_file(tmp_path):
    f = tmp_path / "f"
    f.write_text("keep")
    assert_clean_error(invoke("generate", "circle", "--out", f), "exists and is not a directory")
    assert_clean_error(invoke("generate", "circle", "--out", f / "sub"), "cannot write")
    assert f.read_text() == "keep" and sorted(p.name for p in tmp_path.iterdir()) == ["f"]


# --- bad input: instance files ----------------------------------------------------------------------


@pytest.fixture()
def one_sample(tmp_path):
    return write_samples(tmp_path / "one.jsonl", [{"prompt_id": 0, "answer": "V0 V1"}])


def assert_nothing_scored(tmp_path):
    left = [p.name for p in tmp_path.rglob("*") if p.name.endswith((".scores.json", ".verdicts.jsonl", ".tmp"))]
    assert left == [], left


def test_missing_instance_dir(tmp_path, one_sample):
    assert_clean_error(invoke("score", tmp_path / "missing", one_sample), "missing", "instance directory not found")
    assert_clean_error(invoke("score", one_sample, one_sample), "instance directory not found")
    assert_nothing_scored(tmp_path)


@pytest.mark.parametrize("name", INSTANCE_FILES)
def test_missing_instance_file(instance_dir, tmp_path, one_sample, name):
    (instance_dir / name).unlink()
    assert_clean_error(invoke("score", instance_dir, one_sample), name, "not found")
    assert_nothing_scored(tmp_path)


def test_truncated_train_file_mid_line(instance_dir, tmp_path, one_sample):
    train = instance_dir / "train.jsonl"
    data = train.read_bytes()
    middle = data.index(b"\n", len(data) // 2) + 1
    cut = data[: middle + 20]  # 20 bytes into a line
    train.write_bytes(cut)
    line = cut.count(b"\n") + 1
    assert_clean_error(invoke("score", instance_dir, one_sample), f"train.jsonl:{line}:", "not valid JSON", "truncated")
    assert_nothing_scored(tmp_path)


def test_truncated_files_at_a_line_boundary(instance_dir, tmp_path, one_sample):
    for name, what in (("train.jsonl", "samples"), ("eval.jsonl", "prompts")):
        path = instance_dir / name
        data = path.read_bytes()
        lines = data.splitlines(keepends=True)
        path.write_bytes(b"".join(lines[:-3]))
        assert_clean_error(invoke("score", instance_dir, one_sample), name, f"{len(lines) - 3} {what}", "truncated")
        path.write_bytes(data)
    assert_nothing_scored(tmp_path)


def test_non_json_line_in_instance_files(instance_dir, tmp_path, one_sample):
    for name in ("train.jsonl", "eval.jsonl"):
        path = instance_dir / name
        data = path.read_bytes()
        lines = data.splitlines(keepends=True)
        lines[4] = b"this is not json\n"
        path.write_bytes(b"".join(lines))
        assert_clean_error(invoke("score", instance_dir, one_sample), f"{name}:5:", "not valid JSON")
        path.write_bytes(data)
    assert_nothing_scored(tmp_path)


def test_edited_instance_files_break_the_fingerprint(instance_dir, tmp_path, one_sample):
    train = instance_dir / "train.jsonl"
    train.write_bytes(train.read_bytes().replace(b"V1", b"V2", 1))
    assert_clean_error(invoke("score", instance_dir, one_sample), "do not match the fingerprint")
    assert_nothing_scored(tmp_path)


def edit_task_json(instance_dir: Path, change) -> None:
    path = instance_dir / "task.json"
    doc = json.loads(path.read_text())
    change(doc)
    path.write_text(json.dumps(doc))


@pytest.mark.parametrize(
    "change,fragments",
    [
        (lambda d: d.update(name="circel"), ["unknown task 'circel'", "did you mean 'circle'"]),
        (lambda d: d.update(name=["circle"]), ["task.json", "'name' must be a string"]),
        (lambda d: d.pop("fingerprint"), ["task.json", "missing field 'fingerprint'"]),
        (lambda d: d.update(version=99), ["task.json", "version 99"]),
        (lambda d: d.update(params=[1]), ["task.json", "must be objects"]),
        (lambda d: d["params"].update(bogus=1), ["task.json", "unknown parameter 'bogus'"]),
        (lambda d: d["params"].update(cycle_length=9), ["task.json", "longer than"]),
        (lambda d: d["params"].update(vertices="five"), ["task.json", "must be int"]),
        (lambda d: d.update(seed=1), ["do not match the fingerprint"]),
    ],
)
def test_bad_task_json(instance_dir, tmp_path, one_sample, change, fragments):
    edit_task_json(instance_dir, change)
    assert_clean_error(invoke("score", instance_dir, one_sample), *fragments)
    assert_nothing_scored(tmp_path)


@pytest.mark.parametrize(
    "content,fragments",
    [
        (b"{not json", ["task.json:1:", "not valid JSON"]),
        (b"[1, 2]", ["task.json", "expected a JSON object"]),
        (b"", ["task.json:1:", "not valid JSON"]),
        (b"\xff\xfe", ["task.json", "not UTF-8"]),
    ],
)
def test_unreadable_task_json(instance_dir, tmp_path, one_sample, content, fragments):
    (instance_dir / "task.json").write_bytes(content)
    assert_clean_error(invoke("score", instance_dir, one_sample), *fragments)
    assert_nothing_scored(tmp_path)


# --- bad input: samples files -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "content,fragments",
    [
        ('{"prompt_id": 0, "answer": "V0 V1"}\nnot json\n', ["s.jsonl:2:", "not valid JSON"]),
        ('{"prompt_id": 0, "answer": "V0 V1"}\n\n{"prompt_id": 1, "answer": "x"}\n{oops}\n',
         ["s.jsonl:4:", "not valid JSON"]),
        ('{"prompt_id": 0, "answer": "V0 V1"}\n{"prompt_id": 1, "ans', ["s.jsonl:2:", "truncated"]),
        ('{"prompt_id": 9999, "answer": "V0 V1"}\n',
         ["s.jsonl:1:", "prompt_id 9999 is not an evaluation prompt", "0..31"]),
        ('{"prompt_id": -1, "answer": "V0 V1"}\n', ["s.jsonl:1:", "not an evaluation prompt"]),
        ('{"prompt_id": 0, "answer": "V0 V1"}\n{"prompt_id": 0, "answer": "V2 V1"}\n',
         ["s.jsonl:2:", "prompt_id 0 repeats line 1"]),
        ('{"answer": "V0 V1"}\n', ["s.jsonl:1:", "'prompt_id' missing"]),
        ('{"prompt_id": "0", "answer": "V0 V1"}\n', ["s.jsonl:1:", "prompt_id", "not an integer"]),
        ('{"prompt_id": 1.5, "answer": "V0 V1"}\n', ["s.jsonl:1:", "not an integer"]),
        ('{"prompt_id": true, "answer": "V0 V1"}\n', ["s.jsonl:1:", "not an integer"]),
        ('{"prompt_id": 1}\n', ["s.jsonl:1:", "'answer' missing"]),
        ('{"prompt_id": 0, "answer": 42}\n', ["s.jsonl:1:", "'answer' must be a string, got a number"]),
        ('{"prompt_id": 0, "answer": "V0 V1"}\n{"prompt_id": 1, "answer": null}\n', ["s.jsonl:2:", "must be a string, got null"]),
        ('{"prompt_id": 0, "answer": ["V0", "V1"]}\n', ["s.jsonl:1:", "got an array"]),
        ('{"prompt_id": 0, "answer": true}\n', ["s.jsonl:1:", "got a boolean"]),
        ('{"prompt_id": 0, "answer": {"text": "V0 V1"}}\n', ["s.jsonl:1:", "got an object"]),
        ('["V0 V1"]\n', ["s.jsonl:1:", "expected a JSON object"]),
        ("", ["s.jsonl", "no samples"]),
        ("\n  \n\n", ["s.jsonl", "no samples"]),
        ('{"prompt_id": 0, "answer": ' + "[" * 100_000 + "]" * 100_000 + "}\n", ["s.jsonl:1:", "not valid JSON"]),
    ],
)
def test_bad_samples_files(instance_dir, tmp_path, content, fragments):
    samples = tmp_path / "s.jsonl"
    samples.write_text(content)
    assert_clean_error(invoke("score", instance_dir, samples), *fragments)
    assert_nothing_scored(tmp_path)


def test_samples_not_utf8(instance_dir, tmp_path):
    samples = tmp_path / "s.jsonl"
    samples.write_bytes(b'{"prompt_id": 0, "answer": "\xff"}\n')
    assert_clean_error(invoke("score", instance_dir, samples), "s.jsonl", "not UTF-8")
    assert_nothing_scored(tmp_path)


def test_missing_samples_file(instance_dir, tmp_path):
    assert_clean_error(invoke("score", instance_dir, tmp_path / "nope.jsonl"), "nope.jsonl", "not found")
    assert_clean_error(invoke("score", instance_dir, tmp_path), "not found")  # a directory is not a samples file
    assert_nothing_scored(tmp_path)


def test_score_out_is_a_directory(instance_dir, tmp_path, one_sample):
    (tmp_path / "metrics").mkdir()
    assert_clean_error(invoke("score", instance_dir, one_sample, "--out", tmp_path / "metrics"), "is a directory")
    assert_nothing_scored(tmp_path)
    assert list((tmp_path / "metrics").iterdir()) == []


# --- usage errors, flags, signals and missing extras (one line each) -------------------------


@pytest.mark.parametrize(
    "args, fragments",
    [
        (["run", "circle", "--bogus"], ["No such option: --bogus", "cbench run --help"]),
        (["run", "circle", "--quiet", "true"], ["unexpected extra argument", "(true)"]),
        (["generate", "circle"], ["Missing option", "--out"]),
        (["leaderboard", "verify"], ["Missing argument", "cbench leaderboard verify --help"]),
        (["nosuchcommand"], ["No such command"]),
    ],
)
def test_usage_errors_are_one_line(args, fragments):
    assert_clean_error(invoke(*args), *fragments)


@pytest.mark.parametrize("command, flags", [("run", ["--resume", "--overwrite", "--quiet", "--no-cache"]),
                                            ("suite", ["--dry-run", "--quiet"]), ("report", ["--no-sweeps", "--quiet"])])
def test_boolean_options_are_flags_in_help(command, flags):
    r = invoke(command, "--help")
    assert_ok(r)
    rows = [line for line in r.stdout.splitlines() if any(f" {flag} " in line for flag in flags)]
    assert len(rows) >= len(flags), r.stdout
    assert not [row for row in rows if "<bool>" in row], rows


def test_sigterm_in_a_command_is_one_line_and_143():
    """Outside training (where the run checkpoints first), SIGTERM stops a command at once."""
    import os
    import signal
    import time

    import typer

    from creativity_bench.console import OneLineUsageErrors, user_errors

    toy = typer.Typer(cls=OneLineUsageErrors)

    @toy.command("wait")
    @user_errors
    def wait_command() -> None:
        os.kill(os.getpid(), signal.SIGTERM)
        time.sleep(30)

    @toy.command("other")
    def other_command() -> None:
        pass

    before = signal.getsignal(signal.SIGTERM)
    r = runner.invoke(toy, ["wait"])
    assert r.exit_code == 143, describe(r)
    assert len(r.stderr.splitlines()) == 1 and "stopped by SIGTERM" in r.stderr, describe(r)
    assert signal.getsignal(signal.SIGTERM) == before, "the command's handler is removed after it"


TORCH_FREE = """
import sys
for name in ("torch", "lightning", "safetensors"):
    sys.modules[name] = None  # an environment without the train extra
from creativity_bench.cli import app
try:
    app(sys.argv[1:])
except SystemExit as exc:
    sys.exit(exc.code)
"""


@pytest.mark.parametrize(
    "args",
    [["run", "circle"], ["train", "circle"], ["objectives"], ["sample", "ckpt", "--out", "s.jsonl"],
     ["suite", "results"], ["submit", "--objective", "ntp", "--out", "sub"]],
)
def test_without_torch_model_commands_name_the_extra(tmp_path, args):
    proc = subprocess.run([sys.executable, "-c", TORCH_FREE, *args], cwd=tmp_path, check=False, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.count("\n") == 1 and "Traceback" not in proc.stderr, proc.stderr
    assert "pip install 'creativity-bench[train]'" in proc.stderr, proc.stderr
    assert list(tmp_path.iterdir()) == [], "nothing written"
