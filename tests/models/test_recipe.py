"""The recipe knobs (initialisation, biases, output tying, batches with replacement) reach the model
and the data, and each is recorded and checked like every other training setting."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from creativity_bench.errors import CBenchError
from creativity_bench.models.backbone import GPT
from creativity_bench.models.data import StepBatches
from creativity_bench.models.tokenizer import Vocabulary
from creativity_bench.models.train import build_model_config
from creativity_bench.tasks import make_task
from tests.models.helpers import smoke_config


def test_knobs_reach_the_model():
    inst = make_task("circle", "smoke").generate(0)
    vocab = Vocabulary.for_instance(inst)
    cfg = smoke_config(init="torch", bias=True, tie_output=False).resolve()
    model_cfg = build_model_config(cfg, inst, vocab, causal=True)
    assert (model_cfg.init, model_cfg.bias, model_cfg.tie_output) == ("torch", True, False)
    torch.manual_seed(0)
    model = GPT(model_cfg)
    assert model.lm_head is not None and model.blocks[0].attn.qkv.bias is not None
    assert 0.8 < float(model.wte.weight.std()) < 1.2  # PyTorch's N(0, 1) embeddings
    x = torch.randint(0, len(vocab), (2, 5))
    assert torch.allclose(model(x), model.ln_f(model.trunk(x)) @ model.lm_head.weight.t())
    default = GPT(build_model_config(smoke_config().resolve(), inst, vocab, causal=True))
    assert default.lm_head is None and default.blocks[0].attn.qkv.bias is None
    assert float(default.wte.weight.std()) < 0.03


def test_batches_with_replacement_are_keyed_to_the_step():
    rows = {"x": torch.arange(100)}
    a = StepBatches(rows, 32, 7, 0, 10, replacement=True)
    b = StepBatches(rows, 32, 7, 5, 10, replacement=True)
    assert np.array_equal(a.indices(6), b.indices(6))
    drawn = np.concatenate([a.indices(s) for s in range(10)])
    assert len(np.unique(drawn)) < len(drawn)  # with replacement, rows repeat within 320 draws of 100
    halves = [StepBatches(rows, 32, 7, 0, 10, rank=r, world=2, replacement=True).batch(3)["x"] for r in (0, 1)]
    assert sorted(torch.cat(halves).tolist()) == sorted(a.batch(3)["x"].tolist())


@pytest.mark.parametrize("setting,value", [("init", "xavier"), ("batches", "shuffled")])
def test_bad_recipe_values_are_one_line_errors(setting, value):
    with pytest.raises(CBenchError, match=setting):
        smoke_config(**{setting: value}).resolve()
