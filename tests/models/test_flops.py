"""An objective's training FLOPs, as a compute budget charges them, against torch's own count."""

from __future__ import annotations

import pytest
from torch.utils.flop_counter import FlopCounterMode

from creativity_bench.models.backbone import GPT, ModelConfig
from creativity_bench.models.objectives import make_objective
from creativity_bench.models.tokenizer import Vocabulary, encode_samples, sequence_width
from creativity_bench.tasks import make_task
from tests.models.helpers import noise_for, tensors


@pytest.mark.parametrize("objective,params", [("ntp", {}), ("teacherless", {}), ("mtp", {"heads": 3}), ("diffusion", {}), ("diffusion-uniform", {})])
def test_training_flops_match_torchs_count(objective, params):
    inst = make_task("circle", "smoke").generate(0)
    vocab = Vocabulary.for_instance(inst)
    obj = make_objective(objective, "circle", params)
    rows = obj.build_rows(encode_samples(vocab, inst.train, sequence_width(inst)), inst, vocab)
    cfg = ModelConfig.from_depth(2, len(vocab), sequence_width(inst), aspect=32, head_dim=16, causal=obj.causal)
    model, extra = GPT(cfg), obj.extra_module(cfg)
    batch = {k: v[:8] for k, v in tensors(rows).items()}
    width = next(iter(batch.values())).shape[1]
    with FlopCounterMode(display=False) as counter:
        obj.loss(model, extra, batch, noise_for(8), dict(rows.context)).backward()
    counted = counter.get_total_flops()
    # Ours leaves out elementwise work and counts attention by formula: within a few percent.
    assert obj.training_flops(cfg, width) * 8 == pytest.approx(counted, rel=0.08)


def test_mtp_heads_are_charged():
    cfg = ModelConfig(vocab_size=50, block_size=32, n_layer=2, n_embd=64, n_head=2)
    one, four = make_objective("mtp", "circle", {"heads": 1}), make_objective("mtp", "circle", {"heads": 4})
    assert one.training_flops(cfg, 30) == make_objective("ntp", "circle").training_flops(cfg, 30)
    assert four.training_flops(cfg, 30) > 2 * one.training_flops(cfg, 30)


def test_cpu_preset_spends_one_budget_per_task_on_every_objective():
    from creativity_bench.models.budget import flops_per_step
    from creativity_bench.models.config import TrainConfig
    from creativity_bench.models.presets import CPU_FLOPS_BUDGET

    steps = {}
    for objective in ("ntp", "mtp", "diffusion"):
        cfg = TrainConfig(task="sibling", preset="cpu", objective=objective).resolve()
        per_step = flops_per_step(cfg)
        assert cfg.flops_budget == CPU_FLOPS_BUDGET
        assert cfg.steps * per_step <= CPU_FLOPS_BUDGET < (cfg.steps + 1) * per_step
        steps[objective] = cfg.steps
    assert steps["mtp"] < steps["diffusion"] < steps["ntp"]  # costlier steps, fewer of them
    assert cfg.resolve() == cfg  # resolving again changes nothing


def test_given_steps_replace_the_budget():
    from creativity_bench.errors import CBenchError
    from creativity_bench.models.config import TrainConfig

    cfg = TrainConfig(task="circle", preset="cpu", objective="ntp", steps=50).resolve()
    assert cfg.steps == 50 and cfg.flops_budget is None
    assert TrainConfig(task="circle", preset="smoke").resolve().flops_budget is None
    with pytest.raises(CBenchError, match="flops-budget"):
        TrainConfig(task="circle", preset="cpu", flops_budget=-1.0).resolve()
