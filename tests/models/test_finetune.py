"""Verifier-reward fine-tuning (rft, grpo) from a trained checkpoint (--init-from): rewards,
fresh prompts, compute, end-to-end runs, reproducibility, zero-advantage steps, resume, refusals;
and from scratch after a next-token phase (pretrain): the switch, its FLOPs, reproducibility and
resume across it, the suite."""

from __future__ import annotations

import hashlib
import itertools
import json
import shutil

import lightning as L
import pytest
import torch
from safetensors.torch import load_file
from typer.testing import CliRunner

from creativity_bench.errors import CBenchError
from creativity_bench.models.noise import RowNoise
from creativity_bench.models.objectives import get_objective, make_objective
from creativity_bench.models.objectives.finetune import FINETUNE, SEED_IDS, fresh_prompts
from creativity_bench.models.objectives.grpo import group_advantages
from creativity_bench.models.rewards import Verifier, group_rewards
from creativity_bench.models.tokenizer import Vocabulary, encode_samples, sequence_width
from creativity_bench.models.train import TrainingInterrupted
from creativity_bench.runs import run
from creativity_bench.seeding import SEED_ALPHABET
from creativity_bench.tasks import make_task
from tests.models.helpers import STANDARD, InterruptAt, noise_for, smoke_config

TASK = "sibling"  # on smoke, a 60-step ntp model writes coherent answers at temperature 1 most of the time


@pytest.fixture(scope="module")
def instance():
    return make_task(TASK, "smoke").generate(0)


def novel_forms(instance) -> list[str]:
    """Coherent sibling answers that are not training forms, by brute force over the tokens."""
    tokens = instance.task.entity_tokens()
    by_kind = {k: [t for t in tokens if t.startswith(k)] for k in "BCA"}
    out = []
    for b, c, a in itertools.product(by_kind["B"], by_kind["C"], by_kind["A"]):
        verdict = instance.checker.check(f"{b} {c} {a}")
        if verdict.valid and verdict.canonical not in instance.train_canonical:
            out.append(f"{b} {c} {a}")
    return out


def test_rewards_per_kind(instance):
    trained = instance.train[0].answer
    novel, other = novel_forms(instance)[:2]
    b, c, a = novel.split()
    wrong_parent = f"{b} {c} {'A1' if a == 'A0' else 'A0'}"  # two siblings under the other parent
    assert not instance.checker.check(wrong_parent).valid
    answers = [trained, novel, wrong_parent, "B0 C0", "", novel]
    checker, forms = instance.checker, instance.train_canonical
    assert group_rewards("valid", answers, 6, checker, forms) == [1, 1, 0, 0, 0, 1]
    assert group_rewards("novel", answers, 6, checker, forms) == [0, 1, 0, 0, 0, 1]
    # creative: the second draw of a novel form in the same group earns nothing ...
    assert group_rewards("creative", answers, 6, checker, forms) == [0, 1, 0, 0, 0, 0]
    # ... but the same form in another group does; and a new form in the group does.
    assert group_rewards("creative", answers, 3, checker, forms) == [0, 1, 0, 0, 0, 1]
    assert group_rewards("creative", [novel, other, novel, other], 4, checker, forms) == [1, 1, 0, 0]
    assert Verifier.for_instance(instance).rewards("novel", answers, 2) == [0, 1, 0, 0, 0, 1]
    with pytest.raises(CBenchError, match="reward must be one of"):
        group_rewards("pretty", answers, 6, checker, forms)


def test_group_advantages():
    rewards = torch.tensor([[1.0, 1.0, 1.0, 1.0], [0.0, 0.0, 0.0, 0.0], [1.0, 0.0, 0.0, 0.0]])
    centred = group_advantages(rewards)
    assert torch.equal(centred[:2], torch.zeros(2, 4)), "a group of equal rewards has no advantage"
    assert torch.allclose(centred[2], torch.tensor([0.75, -0.25, -0.25, -0.25]))
    scaled = group_advantages(rewards, std=True)
    assert torch.equal(scaled[:2], torch.zeros(2, 4))
    assert torch.allclose(scaled[2], centred[2] / centred[2].pow(2).mean().sqrt())


def rows_of(instance, name="grpo", **params):
    vocab = Vocabulary.for_instance(instance)
    obj = make_objective(name, instance.name, params)
    rows = obj.build_rows(encode_samples(vocab, instance.train, sequence_width(instance)), instance, vocab)
    return obj, vocab, rows


def test_fresh_prompts_are_keyed_to_the_row_and_never_training_or_evaluation_seeds(instance):
    obj, vocab, rows = rows_of(instance)
    setup, seed_ids = rows.context[FINETUNE], rows.context[SEED_IDS]
    length = setup.seed_length
    markers = torch.from_numpy(rows.arrays["inputs"][:16, length])
    prompts = fresh_prompts(noise_for(16, step=3), markers, setup, seed_ids)
    seeds = ["".join(vocab.tokens[i] for i in row[:length]) for row in prompts.tolist()]
    assert all(len(s) == length and set(s) <= set(SEED_ALPHABET) for s in seeds)
    assert len(set(seeds)) == 16 and not set(seeds) & setup.forbidden
    assert setup.forbidden >= {e.seed for e in instance.eval} | {s.seed for s in instance.train}
    assert (prompts[:, length] == vocab.ids[instance.task.eval_marker]).all()
    half = fresh_prompts(RowNoise.for_rows(0, torch.arange(56, 64), 16), markers[8:], setup, seed_ids)
    assert torch.equal(half, prompts[8:]), "a row's prompt does not depend on the rest of its batch"
    assert not torch.equal(fresh_prompts(noise_for(16, step=4), markers, setup, seed_ids), prompts), "fresh seeds at every visit"
    # A seed that is a training or evaluation seed is redrawn, for that row only.
    taken = type(setup)(setup.vocab, setup.verifier, length, setup.max_new, setup.forbidden | {seeds[5]})
    redrawn = fresh_prompts(noise_for(16, step=3), markers, taken, seed_ids)
    assert not torch.equal(redrawn[5], prompts[5])
    assert torch.equal(redrawn[:5], prompts[:5]) and torch.equal(redrawn[6:], prompts[6:])


@pytest.mark.parametrize("name,params", [("rft", {}), ("grpo", {"kl": 0.1})])
def test_training_flops_match_torchs_count(instance, name, params):
    from torch.utils.flop_counter import FlopCounterMode

    from creativity_bench.models.backbone import GPT, ModelConfig

    obj, vocab, rows = rows_of(instance, name, **params)
    cfg = ModelConfig.from_depth(2, len(vocab), sequence_width(instance), aspect=32, head_dim=16)
    torch.manual_seed(0)
    model, extra = GPT(cfg), obj.extra_module(cfg)
    batch = {"inputs": torch.from_numpy(rows.arrays["inputs"][:8])}
    with FlopCounterMode(display=False) as counter:
        obj.loss(model, extra, batch, noise_for(8), dict(rows.context)).backward()
    width = batch["inputs"].shape[1]
    # An upper bound (the output layer charged at every decoded position, attention over the full
    # width; a draw that stops early still charged): within a few percent of torch's count here.
    assert obj.training_flops(cfg, width) * 8 == pytest.approx(counter.get_total_flops(), rel=0.1)
    ntp = make_objective("ntp", TASK).training_flops(cfg, width)
    forwards = 2 if params.get("kl") else 1
    assert obj.training_flops(cfg, width) == pytest.approx(obj.params.draws * ntp * (1 + forwards / 3))


@pytest.fixture(scope="module")
def start(tmp_path_factory):
    """A smoke ntp run of the task to fine-tune from."""
    out = tmp_path_factory.mktemp("start") / "ntp"
    run(smoke_config(TASK, "ntp", steps=60), out, STANDARD, progress=False)
    return out / "checkpoint"


def weights(ckpt) -> dict[str, torch.Tensor]:
    return {k: v for k, v in load_file(ckpt / "weights.safetensors").items() if k.startswith("model.")}


def finetune(name: str, start, steps: int = 12, **params):
    return smoke_config(TASK, name, steps=steps, eval_every=steps // 2, init_from=str(start), objective_params=params)


def logged_rewards(run_dir) -> list[float]:
    import csv

    with open(run_dir / "logs" / "metrics.csv") as fh:
        return [float(r["train/reward"]) for r in csv.DictReader(fh) if r.get("train/reward")]


@pytest.mark.parametrize("name,params", [("rft", {"reward": "creative"}), ("grpo", {"reward": "novel", "std": True})])
def test_finetune_runs_records_its_start_and_reproduces(start, tmp_path, name, params):
    cfg = finetune(name, start, steps=30, **params)
    doc = run(cfg, tmp_path / "a", STANDARD, progress=False)
    saved = json.loads((tmp_path / "a" / "results.json").read_text())["training"]["config"]
    assert saved["init_from"] == str(start)
    assert saved["init_sha256"] == hashlib.sha256((start / "weights.safetensors").read_bytes()).hexdigest()
    # A run from --init-from fine-tunes throughout: pretrain 0, filled in and recorded.
    assert saved["objective_params"] == {**params, "pretrain": 0.0}
    assert doc["objective"] == {"name": name, "version": 1, "params": {**make_objective(name, TASK).params.to_dict(), **params, "pretrain": 0.0}}
    assert "pretrain_steps" not in doc["training"]
    assert doc["sampling"]["mode"] == "greedy" and doc["sampling"]["standard"], "left-to-right: greedy is the standard sampler"
    assert doc["training"]["flops_per_step"] == 16 * make_objective(name, TASK, params).training_flops(
        *model_and_width(start))
    after = weights(tmp_path / "a" / "checkpoint")
    assert any(not torch.equal(after[k], v) for k, v in weights(start).items()), "fine-tuning changed the model"
    rewards = logged_rewards(tmp_path / "a")  # the mean reward of each step's draws
    assert len(rewards) == 30 and sum(rewards[-10:]) / 10 > sum(rewards[:10]) / 10 + 0.1, "the reward rises"
    run(cfg, tmp_path / "b", STANDARD, progress=False)
    assert (tmp_path / "a" / "checkpoint" / "weights.safetensors").read_bytes() == (tmp_path / "b" / "checkpoint" / "weights.safetensors").read_bytes()
    assert (tmp_path / "a" / "samples.jsonl").read_bytes() == (tmp_path / "b" / "samples.jsonl").read_bytes()


def model_and_width(start):
    from creativity_bench.models.backbone import ModelConfig

    side = json.loads((start / "config.json").read_text())
    instance = make_task(TASK, "smoke").generate(0)
    _, _, rows = rows_of(instance)
    return ModelConfig(**side["model_config"]), rows.arrays["inputs"].shape[1]


@pytest.mark.parametrize("name,params", [("rft", {"reward": "valid"}), ("grpo", {"reward": "creative", "kl": 0.1})])
def test_the_loss_is_keyed_to_the_row(start, instance, name, params):
    # test_every_objective's invariant, on a trained start (where draws earn rewards): a batch
    # split in two gives the loss of the whole batch, so prompts, draws and rewards depend on
    # the row alone; another step draws other prompts.
    from creativity_bench.models.checkpoint import load_for_sampling

    _, model, *_ = load_for_sampling(start)
    obj, vocab, rows = rows_of(instance, name, **params)
    extra = obj.extra_module(model.cfg)
    obj.on_init_from(model, extra)
    model.train()
    batch = {"inputs": torch.from_numpy(rows.arrays["inputs"][:16])}
    positions = torch.arange(48, 64)
    whole = obj.loss(model, extra, batch, RowNoise.for_rows(5, positions, 16), dict(rows.context))
    assert 0 < whole.log_values["reward"] < 1
    halves = [obj.loss(model, extra, {"inputs": batch["inputs"][part]}, RowNoise.for_rows(5, positions[part], 16), dict(rows.context))
              for part in (slice(0, 8), slice(8, 16))]
    torch.testing.assert_close(whole, (halves[0] + halves[1]) / 2, rtol=1e-5, atol=1e-6)
    assert not torch.equal(whole, obj.loss(model, extra, batch, RowNoise.for_rows(5, positions + 16, 16), dict(rows.context)))


@pytest.mark.parametrize("name,params,reward", [("rft", {}, 0.0), ("grpo", {}, 1.0), ("grpo", {"kl": 0.1}, 1.0)])
def test_no_signal_leaves_the_weights_unchanged(start, tmp_path, monkeypatch, name, params, reward):
    # rft with no rewarded draw, grpo with equal rewards in every group (zero advantage): no
    # gradient. With a KL penalty the start is its own reference, so KL's gradient is zero too
    # (it would not be, were the reference not filled from --init-from).
    monkeypatch.setattr(Verifier, "rewards", lambda self, kind, answers, group: [reward] * len(answers))
    run(finetune(name, start, **params), tmp_path / "r", STANDARD, progress=False)
    after, before = weights(tmp_path / "r" / "checkpoint"), weights(start)
    assert after.keys() == before.keys()
    assert all(torch.equal(after[k], before[k]) for k in before)


def test_interrupted_finetune_resumes_to_the_same_weights(start, tmp_path):
    cfg = finetune("grpo", start, kl=0.05)
    run(cfg, tmp_path / "a", STANDARD, progress=False)
    with pytest.raises(TrainingInterrupted):
        run(cfg, tmp_path / "b", STANDARD, progress=False, extra_callbacks=[InterruptAt(5)])
    resumed = run(cfg, tmp_path / "b", STANDARD, resume=True, progress=False)
    assert resumed["training"]["resumed_from"] >= 5
    assert (tmp_path / "a" / "checkpoint" / "weights.safetensors").read_bytes() == (tmp_path / "b" / "checkpoint" / "weights.safetensors").read_bytes()
    # The reference travels in the checkpoint, so `cbench sample` rebuilds the model.
    from creativity_bench.models.checkpoint import load_for_sampling

    objective, _, extra, *_ = load_for_sampling(tmp_path / "b" / "checkpoint")
    assert objective.name == "grpo" and extra is not None


def one_line(excinfo) -> str:
    message = str(excinfo.value)
    assert "\n" not in message
    return message


@pytest.mark.parametrize("name", ["rft", "grpo"])
def test_finetuning_without_a_start_is_refused(tmp_path, name):
    # A fine-tuner (the class says so) needs --init-from exactly when it does not pretrain.
    assert get_objective(name).requires_init
    assert not make_objective(name, TASK).needs_init(), "the defaults train from scratch first"
    assert make_objective(name, TASK, {"pretrain": 0}).needs_init()
    assert not make_objective(name, TASK, {"pretrain": "0.25"}).needs_init()
    with pytest.raises(CBenchError) as excinfo:
        run(smoke_config(TASK, name, objective_params={"pretrain": 0}), tmp_path / "r", STANDARD, progress=False)
    assert "--init-from" in one_line(excinfo) and "pretrain > 0" in one_line(excinfo)
    assert not (tmp_path / "r").exists(), "refused before anything is written"


def test_pretraining_from_a_start_is_refused(start, tmp_path):
    # pretrain > 0 trains from scratch, --init-from starts from a trained model: not both.
    with pytest.raises(CBenchError) as excinfo:
        run(finetune("rft", start, pretrain=0.5), tmp_path / "r", STANDARD, progress=False)
    assert "pretrain=0.5 trains from scratch first, --init-from starts from a trained model" in one_line(excinfo)
    assert not (tmp_path / "r").exists(), "refused before anything is written"
    assert finetune("grpo", start, pretrain=0).resolve().objective_params == {"pretrain": 0}, "pretrain 0 may be given"


def small_run(tmp_path, label, task=TASK, objective="ntp", **kw):
    out = tmp_path / label
    run(smoke_config(task, objective, steps=1, eval_every=0, **kw), out, STANDARD, progress=False)
    return out / "checkpoint"


def test_another_instance_model_or_a_diffusion_is_refused(start, tmp_path):
    cases = [
        (small_run(tmp_path, "circle", task="circle"), "another instance"),
        (small_run(tmp_path, "seed1", instance_seed=1), "another instance"),
        (small_run(tmp_path, "deep", depth=2), "n_layer=2"),
        (small_run(tmp_path, "diffusion", objective="diffusion"), "bidirectional"),
    ]
    for ckpt, message in cases:
        with pytest.raises(CBenchError) as excinfo:
            run(finetune("grpo", ckpt), tmp_path / "r", STANDARD, progress=False)
        assert message in one_line(excinfo), ckpt
        assert not (tmp_path / "r").exists()
    with pytest.raises(CBenchError) as excinfo:  # a diffusion run cannot start from a left-to-right model
        run(smoke_config(TASK, "diffusion", init_from=str(start)), tmp_path / "r", STANDARD, progress=False)
    assert "bidirectional" in one_line(excinfo)
    with pytest.raises(CBenchError) as excinfo:
        run(finetune("grpo", tmp_path / "nowhere"), tmp_path / "r", STANDARD, progress=False)
    assert "not found" in one_line(excinfo)


def test_the_instance_fingerprint_is_checked_when_training_starts(start, tmp_path):
    # The sidecar's header says this instance, its fingerprint says another (a changed generator).
    forged = tmp_path / "forged"
    shutil.copytree(start, forged)
    side = json.loads((forged / "config.json").read_text())
    side["instance"]["fingerprint"] = "0" * 64
    (forged / "config.json").write_text(json.dumps(side))
    with pytest.raises(CBenchError) as excinfo:
        run(finetune("rft", forged), tmp_path / "r", STANDARD, progress=False)
    assert "another instance (fingerprint 000000000000" in one_line(excinfo)


@pytest.mark.parametrize("params,message", [({"draws": 1}, "at least 2 draws"), ({"reward": "pretty"}, "reward must be one of"),
                                            ({"kl": -1}, "kl must be non-negative"), ({"temperature": 0}, "temperature must be positive")])
def test_bad_parameters_are_refused(params, message):
    with pytest.raises(CBenchError, match=message):
        make_objective("grpo", TASK, params)


def test_cli_finetunes_from_a_checkpoint(start, tmp_path):
    from creativity_bench.cli import app

    out = tmp_path / "cli"
    args = ["run", TASK, "--objective", "grpo", "--preset", "smoke", "--out", str(out), "-q", "--steps", "6",
            "--objective-set", "reward=valid"]
    refused = CliRunner().invoke(app, [*args, "--objective-set", "pretrain=0"])
    assert refused.exit_code == 2 and "--init-from" in refused.output and len(refused.output.strip().splitlines()) == 1
    assert not out.exists()
    both = CliRunner().invoke(app, [*args, "--objective-set", "pretrain=0.5", "--init-from", str(start)])
    assert both.exit_code == 2 and "pretrain=0.5" in both.output and len(both.output.strip().splitlines()) == 1
    assert not out.exists()
    result = CliRunner().invoke(app, [*args, "--init-from", str(start.parent)])  # a run directory names its checkpoint
    assert result.exit_code == 0, result.output
    saved = json.loads((out / "results.json").read_text())
    assert saved["training"]["config"]["init_from"] == str(start)
    assert saved["objective"]["params"]["reward"] == "valid"


# --- from scratch: a next-token phase, then fine-tuning (pretrain > 0) ---------------------------


def test_the_switch_step_and_the_budget_arithmetic():
    from creativity_bench.models.config import phased_flops, phased_steps_for_budget, pretrain_steps

    # The most n with n x ntp <= share x (n x ntp + (steps - n) x own): floor(share x steps x own / ((1 - share) x ntp + share x own)).
    assert pretrain_steps(12, 0.5, 3.0, 16.0) == 10  # floor(96 / 9.5)
    assert pretrain_steps(30, 0.75, 3.0, 16.0) == 28  # floor(360 / 12.75)
    assert pretrain_steps(12, 0.0, 3.0, 16.0) == 0 and pretrain_steps(1, 0.9, 3.0, 16.0) == 0
    for steps in range(1, 200):
        n = pretrain_steps(steps, 0.75, 3.0, 16.0)
        assert n * 3 <= 0.75 * phased_flops(steps, 0.75, 3.0, 16.0) and n < steps
        assert (n + 1) * 3 > 0.75 * ((n + 1) * 3 + (steps - n - 1) * 16), "the longest such phase"
    for budget in range(16, 3000, 7):  # the most steps that fit, never more FLOPs than the budget
        steps = phased_steps_for_budget(float(budget), 0.75, 3.0, 16.0)
        assert phased_flops(steps, 0.75, 3.0, 16.0) <= budget < phased_flops(steps + 1, 0.75, 3.0, 16.0)
    assert phased_steps_for_budget(5.0, 0.75, 3.0, 16.0) == 1, "at least one step, as for every objective"


@pytest.mark.parametrize("name", ["rft", "grpo"])
def test_a_budget_buys_both_phases_and_never_more(name):
    from creativity_bench.models.budget import flops_per_step
    from creativity_bench.models.config import phase_flops_per_step, pretrain_steps

    cfg = smoke_config(TASK, name, steps=None, flops_budget=2e10).resolve()
    ntp, own = phase_flops_per_step(cfg)
    assert ntp == flops_per_step(smoke_config(TASK, "ntp", steps=None, flops_budget=2e10).resolve())
    assert own == pytest.approx(16 / 3 * ntp), "widths are equal on sibling: a fine-tuning step is 16/3 ntp steps at G = 4"
    n = pretrain_steps(cfg.steps, 0.75, ntp, own)
    spent, more = n * ntp + (cfg.steps - n) * own, pretrain_steps(cfg.steps + 1, 0.75, ntp, own)
    assert spent <= 2e10 < more * ntp + (cfg.steps + 1 - more) * own
    assert 0.7 < n * ntp / spent <= 0.75


class Watch(L.Callback):
    """Records each step's phase (whether its batch has next-token targets) and the weights at ``at``."""

    def __init__(self, at: int) -> None:
        self.at, self.phases, self.weights = at, [], None

    def on_train_batch_start(self, trainer, pl_module, batch, batch_idx) -> None:
        self.phases.append("ntp" if "targets" in batch else "finetune")

    def on_train_batch_end(self, trainer, pl_module, outputs, batch, batch_idx) -> None:
        if trainer.global_step == self.at:
            self.weights = {k: v.detach().clone() for k, v in pl_module.model.state_dict().items()}


def scratch(name: str, steps: int = 12, **params):
    return smoke_config(TASK, name, steps=steps, eval_every=steps // 2, objective_params={"pretrain": 0.5, **params})


SWITCH = 10  # pretrain_steps(12, 0.5, ntp, 16/3 ntp): floor(0.5 x 12 x 16/3 / (0.5 + 0.5 x 16/3))


def test_the_run_switches_at_the_documented_step_and_charges_each_phase(tmp_path):
    from creativity_bench.models.budget import flops_per_step

    cfg = scratch("grpo", kl=0.05)
    watch = Watch(SWITCH)
    doc = run(cfg, tmp_path / "g", STANDARD, progress=False, extra_callbacks=[watch])
    assert watch.phases == ["ntp"] * SWITCH + ["finetune"] * 2
    assert len(logged_rewards(tmp_path / "g")) == 2, "a reward is logged for the fine-tuning steps only"
    # The next-token phase is the ntp objective: its weights at the switch are a 10-step ntp run's.
    ntp_run = tmp_path / "ntp"
    run(smoke_config(TASK, "ntp", steps=SWITCH, eval_every=0), ntp_run, STANDARD, progress=False)
    assert all(torch.equal(weights(ntp_run / "checkpoint")[f"model.{k}"], v) for k, v in watch.weights.items())
    # grpo's KL reference is the model at the switch.
    saved = load_file(tmp_path / "g" / "checkpoint" / "weights.safetensors")
    assert all(torch.equal(saved[f"extra.model.{k}"], v) for k, v in watch.weights.items())
    # FLOPs: the ntp steps at ntp's FLOPs per step, the fine-tuning steps at the objective's.
    ntp, own = flops_per_step(smoke_config(TASK, "ntp").resolve()), flops_per_step(cfg.resolve())
    training = doc["training"]
    assert (training["pretrain_steps"], training["pretrain_flops_per_step"], training["flops_per_step"]) == (SWITCH, ntp, own)
    assert training["flops"] == SWITCH * ntp + 2 * own
    assert [(r["step"], r["flops"]) for r in doc["curve"]] == [(6, 6 * ntp), (12, SWITCH * ntp + 2 * own)]
    assert json.loads((tmp_path / "g" / "curve.jsonl").read_text().splitlines()[-1])["flops"] == training["flops"]
    # That many FLOPs as a budget buys those 12 steps, and no more.
    assert scratch("grpo", kl=0.05).replace(steps=None, flops_budget=training["flops"]).resolve().steps == 12


@pytest.mark.parametrize("interrupt", [4, SWITCH - 1])  # resumed before the switch, and at it
def test_a_from_scratch_run_reproduces_and_resumes_across_the_switch(tmp_path, interrupt):
    cfg = scratch("grpo", kl=0.05)
    run(cfg, tmp_path / "a", STANDARD, progress=False)
    if interrupt == 4:  # the same command twice: byte-identical
        run(cfg, tmp_path / "again", STANDARD, progress=False)
        for name in ("checkpoint/weights.safetensors", "samples.jsonl", "samples_secondary.jsonl"):
            assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "again" / name).read_bytes()
    with pytest.raises(TrainingInterrupted):
        run(cfg, tmp_path / "b", STANDARD, progress=False, extra_callbacks=[InterruptAt(interrupt)])
    resumed = run(cfg, tmp_path / "b", STANDARD, resume=True, progress=False)
    assert resumed["training"]["resumed_from"] == interrupt + 1 and resumed["training"]["pretrain_steps"] == SWITCH
    for name in ("checkpoint/weights.safetensors", "samples.jsonl", "samples_secondary.jsonl"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name


def test_the_suite_takes_a_fine_tuner_that_trains_from_scratch():
    from creativity_bench.suite import check_cells, grid

    check_cells(grid([TASK], ["rft", "grpo"], [0]), "smoke", STANDARD)  # the defaults pretrain: accepted
