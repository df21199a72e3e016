"""`cbench train / sample / run` from the command line, plugins, and every bad-input case."""

from __future__ import annotations

import json
import textwrap

import pytest
from typer.testing import CliRunner

from creativity_bench.cli import app

runner = CliRunner()
SMOKE = ["--preset", "smoke", "--quiet"]


def invoke(*args):
    return runner.invoke(app, [str(a) for a in args])


def assert_clean_error(result, fragment):
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert fragment in result.output


@pytest.fixture(scope="module")
def finished_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("runs") / "circle"
    result = invoke("run", "circle", *SMOKE, "--out", out)
    assert result.exit_code == 0, result.output
    return out


def test_run_writes_results(finished_run):
    doc = json.loads((finished_run / "results.json").read_text())
    assert doc["task"]["name"] == "circle" and doc["objective"]["name"] == "ntp"


def test_rerun_refuses_then_overwrite_works(finished_run, tmp_path):
    assert_clean_error(invoke("run", "circle", *SMOKE, "--out", finished_run), "finished run")
    before = (finished_run / "results.json").read_bytes()
    assert (finished_run / "results.json").read_bytes() == before
    other = tmp_path / "copy"
    result = invoke("run", "circle", *SMOKE, "--out", other)
    assert result.exit_code == 0
    # both regimes printed: ntp's standard sampler (greedy), then temperature 1
    lines = [line for line in result.output.splitlines() if "0." in line]
    assert "greedy" in lines[0] and "(standard)" in result.output and "T=1" in lines[1] and "samples_secondary.jsonl" in result.output
    assert invoke("run", "circle", *SMOKE, "--out", other, "--overwrite").exit_code == 0


def test_sample_and_score_from_checkpoint(finished_run, tmp_path):
    out = tmp_path / "s.jsonl"
    r = invoke("sample", finished_run / "checkpoint", "--out", out, "--mode", "temperature", "--temperature", "2.0", "--sample-seed-length", "0")
    assert r.exit_code == 0, r.output
    lines = [json.loads(x) for x in out.read_text().splitlines()]
    assert len(lines) == 32 and len({x["seed"] for x in lines}) == 1 and set(lines[0]["seed"]) == {"0"}  # null: one fixed seed
    meta = json.loads((tmp_path / "s.scores.json").read_text())
    assert meta["sampling"]["temperature"] == 2.0 and meta["sampling"]["seed_length"] == 0
    assert meta["sampling"]["device"] in ("cpu", "cuda")
    r = invoke("score", finished_run / "instance", out, "--out", tmp_path / "re.json")
    assert r.exit_code == 0, r.output
    rescored = json.loads((tmp_path / "re.json").read_text())["metrics"]
    assert rescored["creativity"] == meta["metrics"]["creativity"]


def test_train_command(tmp_path):
    r = invoke("train", "sibling", *SMOKE, "--objective", "teacherless", "--out", tmp_path / "t", "--steps", "10")
    assert r.exit_code == 0, r.output
    assert (tmp_path / "t" / "checkpoint" / "weights.safetensors").is_file()
    cfg = json.loads((tmp_path / "t" / "checkpoint" / "config.json").read_text())
    assert cfg["train_config"]["steps"] == 10 and cfg["objective"]["params"] == {"mix": "1,2"}


def test_bad_inputs(finished_run, tmp_path):
    assert_clean_error(invoke("run", "circle", *SMOKE, "--objective", "teacherles", "--out", tmp_path / "x"), "did you mean 'teacherless'")
    assert_clean_error(invoke("run", "circle", *SMOKE, "--diffusion-steps", "8", "--out", tmp_path / "x"), "does not apply")
    assert_clean_error(invoke("run", "circle", *SMOKE, "--top-k", "5", "--out", tmp_path / "x"), "--mode temperature")
    assert_clean_error(invoke("run", "circle", *SMOKE, "--objective-set", "mixx=1", "--out", tmp_path / "x"), "unknown parameter")
    assert_clean_error(invoke("run", "circle", *SMOKE, "--train-set", "warmpu=3", "--out", tmp_path / "x"), "did you mean 'warmup'")
    assert_clean_error(invoke("run", "circle", *SMOKE, "--steps", "0", "--out", tmp_path / "x"), "steps must be at least 1")
    assert_clean_error(invoke("run", "circle", "--preset", "huge", "--out", tmp_path / "x"), "unknown preset")
    assert_clean_error(invoke("sample", tmp_path / "nope", "--out", tmp_path / "s.jsonl"), "not found")
    assert_clean_error(invoke("sample", finished_run / "checkpoint", "--device", "tpu", "--out", tmp_path / "s.jsonl"), "auto, cpu or cuda")
    assert_clean_error(invoke("run", "circle", *SMOKE, "--resume", "--out", tmp_path / "fresh"), "nothing to resume")
    assert_clean_error(invoke("run", "circle", *SMOKE, "--mode", "beam", "--out", tmp_path / "x"), "sampling mode")
    assert not (tmp_path / "x").exists(), "bad input leaves nothing behind"


def test_corrupt_and_foreign_checkpoints(finished_run, tmp_path):
    import shutil

    ckpt = tmp_path / "ckpt"
    shutil.copytree(finished_run / "checkpoint", ckpt)
    (ckpt / "weights.safetensors").write_bytes(b"not a safetensors file at all")
    assert_clean_error(invoke("sample", ckpt, "--out", tmp_path / "s.jsonl"), "corrupt weights")
    (ckpt / "config.json").write_text("{ truncated")
    assert_clean_error(invoke("sample", ckpt, "--out", tmp_path / "s.jsonl"), "not valid JSON")
    other = tmp_path / "line"
    assert invoke("generate", "line", "--out", other).exit_code == 0
    assert_clean_error(invoke("sample", finished_run / "checkpoint", "--instance", other, "--out", tmp_path / "s.jsonl"), "another instance")
    assert not (tmp_path / "s.jsonl").exists()


def test_resume_with_changed_settings_is_refused(tmp_path):
    from creativity_bench.models.train import TrainingInterrupted
    from creativity_bench.runs import run
    from tests.models.helpers import STANDARD, InterruptAt, smoke_config

    out = tmp_path / "r"
    with pytest.raises(TrainingInterrupted):
        run(smoke_config("circle"), out, STANDARD, progress=False, extra_callbacks=[InterruptAt(10)])
    assert_clean_error(invoke("run", "circle", *SMOKE, "--out", out, "--resume", "--lr", "0.1"), "--resume with changed settings: lr")
    assert_clean_error(invoke("run", "circle", *SMOKE, "--out", out), "unfinished run")
    assert invoke("run", "circle", *SMOKE, "--out", out, "--resume").exit_code == 0


PLUGIN = textwrap.dedent(
    '''
    from creativity_bench.models.objectives.base import Objective, masked_cross_entropy

    class DoubledLoss(Objective):
        """A toy third-party objective: next-token loss, scaled."""
        name = "doubled-ntp"

        def loss(self, model, extra, batch, noise, context):
            return 2.0 * masked_cross_entropy(model(batch["inputs"]), batch["targets"])
    '''
)


def test_plugin_objective_by_module_path(tmp_path, monkeypatch):
    (tmp_path / "my_plugin_objective.py").write_text(PLUGIN)
    monkeypatch.syspath_prepend(str(tmp_path))
    r = invoke("run", "circle", *SMOKE, "--objective", "my_plugin_objective:DoubledLoss", "--out", tmp_path / "p")
    assert r.exit_code == 0, r.output
    assert json.loads((tmp_path / "p" / "results.json").read_text())["objective"]["name"] == "doubled-ntp"


def test_plugin_objective_by_entry_point(tmp_path, monkeypatch):
    import creativity_bench.models.objectives as objectives

    (tmp_path / "ep_plugin_objective.py").write_text(PLUGIN.replace("doubled-ntp", "ep-doubled"))
    dist = tmp_path / "ep_plugin-0.1.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: ep-plugin\nVersion: 0.1\n")
    (dist / "entry_points.txt").write_text("[creativity_bench.objectives]\nep-doubled = ep_plugin_objective:DoubledLoss\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(objectives, "_plugins_loaded", False)
    r = invoke("train", "circle", *SMOKE, "--objective", "ep-doubled", "--out", tmp_path / "e", "--steps", "5")
    assert r.exit_code == 0, r.output


def test_run_shows_training_bar_and_one_line_per_phase(tmp_path):
    r = invoke("run", "line", "--preset", "smoke", "--out", tmp_path / "r")
    assert r.exit_code == 0, r.output
    err = r.stderr
    bar = [line for line in err.splitlines() if line.startswith("training ") and "steps" in line and "ETA" in line]
    assert bar and "30/30" in bar[-1] and "tokens/s" in bar[-1] and "loss" in bar[-1], err
    assert "Epoch" not in err and "v_num" not in err
    for phase in ("instance:", "training ntp:", "sampling 32 prompts, greedy (standard):", "scoring:", "train fit", "sampling 32 prompts, T=1:"):
        assert sum(line.startswith(phase) for line in err.splitlines()) >= 1, (phase, err)
    assert all(line.split(":")[1].strip().split()[1] == "s" for line in err.splitlines() if line.startswith(("instance:", "scoring:")))
    quiet = invoke("run", "line", *SMOKE, "--out", tmp_path / "q")
    assert quiet.exit_code == 0 and quiet.stderr == "", quiet.stderr


def test_results_record_the_machine(finished_run):
    machine = json.loads((finished_run / "results.json").read_text())["environment"]["machine"]
    assert machine["cpu"] and machine["torch"] and machine["threads"] >= 1 and "gpu" in machine


@pytest.mark.parametrize("args, fragment", [(["--steps", str(10**23)], "steps=100,000,000,000,000,000,000,000 is beyond"),
                                            (["--batch-size", str(10**9)], "batch-size=1,000,000,000 is beyond"),
                                            (["--set", "vertices=100000000"], "GiB of memory")])
def test_absurd_sizes_are_refused(tmp_path, args, fragment):
    assert_clean_error(invoke("run", "circle", *SMOKE, *args, "--out", tmp_path / "r"), fragment)
    assert not (tmp_path / "r").exists()


def test_run_with_samples_per_prompt_writes_the_discovery_curve(tmp_path):
    out = tmp_path / "r"
    r = invoke("run", "sibling", *SMOKE, "-k", "4", "--out", out)
    assert r.exit_code == 0, r.output
    doc = json.loads((out / "results.json").read_text())
    disc = doc["discovery"]
    assert disc["draws_per_prompt"] == 4 and len(disc["at_k"]) == 4 and disc["file"] == "discovery.jsonl"
    n = doc["metrics"]["n"]
    assert disc["at_k"][0]["novel_forms"] == round(doc["metrics"]["creativity"] * n), "k=1 is the headline"
    found = [p["novel_forms"] for p in disc["at_k"]]
    assert found == sorted(found)
    points = [json.loads(x) for x in (out / "discovery.jsonl").read_text().splitlines()]
    assert points[-1]["draws"] == 4 * n and "discovery:" in r.stdout
    assert_clean_error(invoke("run", "sibling", *SMOKE, "-k", "0", "--out", tmp_path / "bad"), "samples per prompt")
    assert not (tmp_path / "bad").exists()


def test_sample_with_samples_per_prompt(finished_run, tmp_path):
    out = tmp_path / "k.jsonl"
    r = invoke("sample", finished_run / "checkpoint", "--out", out, "-k", "3", "--mode", "temperature", "--quiet")
    assert r.exit_code == 0, r.output
    meta = json.loads((tmp_path / "k.scores.json").read_text())
    assert meta["discovery"]["draws_per_prompt"] == 3 and (tmp_path / "k.discovery.jsonl").is_file()
