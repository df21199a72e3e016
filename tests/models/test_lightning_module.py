"""The LightningModule: gradient clipping with a fused optimizer, clean checkpoint keys."""

from __future__ import annotations

import lightning as L
import pytest
import torch

from creativity_bench.models.backbone import ModelConfig
from creativity_bench.models.lightning_module import CreativityModule
from creativity_bench.models.objectives import make_objective
from creativity_bench.models.train import train
from creativity_bench.tasks import make_task
from tests.models.helpers import smoke_config


def module(compile_model: bool = False, objective: str = "ntp") -> CreativityModule:
    cfg = smoke_config(objective=objective).resolve()
    model_cfg = ModelConfig(vocab_size=40, block_size=16, n_layer=1, n_embd=32, n_head=2)
    return CreativityModule(model_cfg, make_objective(objective, "circle"), cfg, compile_model=compile_model)


class OptimizerSpy(L.Callback):
    fused = None

    def on_train_start(self, trainer, pl_module) -> None:
        self.fused = trainer.optimizers[0].defaults.get("fused")


def test_bf16_mixed_with_fused_adamw_and_clipping_trains(tmp_path, monkeypatch):
    # What every GPU run does (bf16-mixed, fused AdamW, clipping at 1.0), here on the CPU, which
    # has a fused AdamW too. Lightning's mixed-precision plugin refuses to clip for a fused
    # optimizer; the module clips itself.
    monkeypatch.setattr(CreativityModule, "fused_adamw", lambda self: True)
    spy = OptimizerSpy()
    cfg = smoke_config(steps=3, precision="bf16-mixed", grad_clip=1.0, eval_every=0, ckpt_every=0)
    instance = make_task("circle", "smoke").generate(0)
    trained, result = train(cfg, instance, tmp_path, make_objective("ntp", "circle"), progress=False, extra_callbacks=[spy])
    assert spy.fused is True
    assert result.steps == 3 and result.dtype == "bf16-mixed"
    assert all(torch.isfinite(p).all() for p in trained.parameters())


def test_clipping_bounds_the_gradient_norm_for_a_fused_optimizer():
    m = module()
    opt = torch.optim.AdamW(m.parameters(), fused=True)
    for p in m.parameters():
        p.grad = torch.full_like(p, 10.0)
    m.configure_gradient_clipping(opt, 0.5)
    norm = torch.linalg.vector_norm(torch.stack([torch.linalg.vector_norm(p.grad) for p in m.parameters()]))
    assert norm == pytest.approx(0.5, rel=1e-4)


@pytest.mark.parametrize("compile_model", [False, True])
def test_state_dict_holds_only_model_and_extra_keys(compile_model):
    m = module(compile_model=compile_model, objective="mtp")
    keys = list(m.state_dict())
    assert keys and all(k.startswith(("model.", "extra.")) for k in keys), [k for k in keys if not k.startswith(("model.", "extra."))]
    assert ("_compiled_trunk" in vars(m.model)) == compile_model  # compiled, yet no extra keys
    assert set(m.state_dict()) == set(module(objective="mtp").state_dict())
