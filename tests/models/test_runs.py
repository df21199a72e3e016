"""End-to-end runs on the smoke preset: files, re-scoring, resume, interruption."""

from __future__ import annotations

import dataclasses
import json

import pytest
from safetensors.torch import load_file

from creativity_bench.models.objectives import from_scratch_objectives
from creativity_bench.models.train import TrainingInterrupted
from creativity_bench.runs import run
from creativity_bench.scoring import score_file
from creativity_bench.tasks import TASKS, load_instance
from tests.models.helpers import STANDARD, InterruptAt, smoke_config


@pytest.mark.parametrize("task", list(TASKS))
@pytest.mark.parametrize("objective", from_scratch_objectives())  # the fine-tuners: test_finetune.py
def test_every_task_runs_end_to_end(task, objective, tmp_path):
    out = tmp_path / "run"
    doc = run(smoke_config(task, objective), out, STANDARD, progress=False)
    assert (out / "results.json").is_file() and (out / "checkpoint" / "weights.safetensors").is_file()
    saved = json.loads((out / "results.json").read_text())
    assert saved["task"]["fingerprint"] == load_instance(out / "instance").fingerprint
    assert saved["objective"]["name"] == objective
    for key in ("creativity", "memorization", "validity", "diversity", "train_fit", "n", "compat"):
        assert key in saved["metrics"]
    for key in ("steps", "tokens", "seed", "wall_time_s", "device", "dtype", "tokens_per_s", "flops_per_step", "flops"):
        assert key in saved["training"]
    for key in ("git_commit", "packages", "utc_time", "command"):
        assert key in saved["environment"]
    # The objective's standard sampler, resolved, then the other regime on the same prompts.
    diffusion = objective.startswith("diffusion")
    span = saved["sampling"]["max_new_tokens"]
    standard = {"mode": "temperature", "temperature": 1.0, "steps": span} if diffusion else {"mode": "greedy", "steps": 0}
    other = {"mode": "greedy", "steps": span} if diffusion else {"mode": "temperature", "temperature": 1.0, "steps": 0}
    assert saved["sampling"] == saved["sampling"] | standard | {"top_k": 0, "top_p": 1.0, "seed": 0, "standard": True}
    assert saved["secondary"]["sampling"] == saved["sampling"] | other | {"standard": False}
    assert [r["step"] for r in saved["curve"]] == [15, 30]
    # samples.jsonl (and samples_secondary.jsonl) are what `cbench score` reads, and re-scoring
    # each gives the metrics recorded for its regime
    lines = [json.loads(x) for x in (out / "samples.jsonl").read_text().splitlines()]
    assert len(lines) == saved["metrics"]["n"] and {"prompt_id", "answer", "valid", "reason", "canonical", "memorized"} <= set(lines[0])
    instance = load_instance(out / "instance")
    for name, metrics in (("samples.jsonl", saved["metrics"]), ("samples_secondary.jsonl", saved["secondary"]["metrics"])):
        scores, _ = score_file(out / name, instance)
        assert scores.to_dict() == {k: metrics[k] for k in scores.to_dict()}, name
    assert doc["metrics"]["creativity"] == saved["metrics"]["creativity"]


@pytest.mark.parametrize("objective,dropout", [("ntp", 0.0), ("teacherless", 0.2)])
def test_interrupted_run_resumes_to_the_same_result(tmp_path, objective, dropout):
    cfg = smoke_config("circle", objective, steps=40, dropout=dropout)
    straight = run(cfg, tmp_path / "a", STANDARD, progress=False)

    with pytest.raises(TrainingInterrupted):
        run(cfg, tmp_path / "b", STANDARD, progress=False, extra_callbacks=[InterruptAt(17)])
    assert (tmp_path / "b" / "checkpoint" / "resume.ckpt").is_file()
    assert not (tmp_path / "b" / "results.json").exists(), "no half-written results"
    resumed = run(cfg, tmp_path / "b", STANDARD, resume=True, progress=False)
    # The stop is honoured at the end of the step after the signal.
    assert 17 <= resumed["training"]["resumed_from"] <= 18

    wa = load_file(tmp_path / "a" / "checkpoint" / "weights.safetensors")
    wb = load_file(tmp_path / "b" / "checkpoint" / "weights.safetensors")
    assert wa.keys() == wb.keys()
    for k in wa:
        assert (wa[k] == wb[k]).all(), k
    assert straight["metrics"] == resumed["metrics"] and straight["secondary"] == resumed["secondary"]
    for name in ("samples.jsonl", "samples_secondary.jsonl"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()
    assert [r["step"] for r in resumed["curve"]] == [r["step"] for r in straight["curve"]]


def test_same_seed_same_weights(tmp_path):
    cfg = smoke_config("sibling", "teacherless")
    run(cfg, tmp_path / "a", STANDARD, progress=False)
    run(cfg, tmp_path / "b", STANDARD, progress=False)
    assert (tmp_path / "a" / "checkpoint" / "weights.safetensors").read_bytes() == (tmp_path / "b" / "checkpoint" / "weights.safetensors").read_bytes()


def test_every_config_field_reaches_its_user(tmp_path):
    """Non-default settings show up where they act: model shape, optimizer, data, schedule."""
    import torch

    from creativity_bench.models.checkpoint import load_for_sampling
    from creativity_bench.models.lightning_module import lr_factor

    cfg = smoke_config("line", "ntp", depth=2, aspect=16, head_dim=8, steps=12, batch_size=7, lr=0.01, warmup=4,
                       eval_every=6, ckpt_every=5, schedule="cosine", weight_decay=0.1, seed=5,
                       task_overrides={"seed_length": 3}, instance_seed=2)
    doc = run(cfg, tmp_path / "r", dataclasses.replace(STANDARD, mode="temperature", temperature=0.5), progress=False)
    _, model, _, instance, _, side = load_for_sampling(tmp_path / "r" / "checkpoint")
    # An explicit mode is the headline, not the standard sampler; the other regime is recorded
    # relative to it (greedy, which is ntp's standard, and says so).
    assert doc["sampling"]["mode"] == "temperature" and doc["sampling"]["temperature"] == 0.5 and not doc["sampling"]["standard"]
    assert doc["secondary"]["sampling"]["mode"] == "greedy" and doc["secondary"]["sampling"]["temperature"] == 1.0
    assert doc["secondary"]["sampling"]["standard"]
    assert model.cfg.n_layer == 2 and model.cfg.n_embd == 32 and model.cfg.n_head == 4
    assert instance.seed == 2 and instance.task.params.seed_length == 3
    assert side["step"] == 12 and [r["step"] for r in doc["curve"]] == [6, 12]
    assert doc["training"]["tokens"] == 12 * 7 * (instance.task.params.seed_length + 1 + 11 + 1 - 1)
    resolved = doc["training"]["config"]
    assert resolved["lr"] == 0.01 and resolved["weight_decay"] == 0.1 and resolved["seed"] == 5
    factor = lr_factor(cfg.resolve())
    assert factor(0) == pytest.approx(0.25) and factor(3) == 1.0 and factor(11) < 0.2
    ckpt = torch.load(tmp_path / "r" / "checkpoint" / "resume.ckpt", weights_only=True)
    groups = ckpt["optimizer_states"][0]["param_groups"]
    assert groups[0]["weight_decay"] == 0.1 and groups[0]["initial_lr"] == 0.01


def test_resume_refuses_a_checkpoint_of_another_task_version(tmp_path):
    from creativity_bench.errors import CBenchError

    cfg = smoke_config("circle", "ntp", steps=40)
    with pytest.raises(TrainingInterrupted):
        run(cfg, tmp_path / "b", STANDARD, progress=False, extra_callbacks=[InterruptAt(17)])
    side = tmp_path / "b" / "checkpoint" / "config.json"
    doc = json.loads(side.read_text())
    doc["instance"].update(version=0, fingerprint="0" * 64)  # as if made before a version bump
    side.write_text(json.dumps(doc))
    with pytest.raises(CBenchError, match="cannot resume.*circle version 0, this release has version 1"):
        run(cfg, tmp_path / "b", STANDARD, resume=True, progress=False)
