"""Invariants every registered objective must satisfy, plugins included (the registry-wide habit).

Each objective, on a smoke instance: its loss falls when trained; its training noise is keyed to
the row, so a batch split in two gives the loss of the whole batch; its sampler is deterministic
for fixed settings and does not depend on the batch size, greedy and at temperature 1.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest
import torch

from creativity_bench.models.backbone import GPT, ModelConfig
from creativity_bench.models.noise import RowNoise
from creativity_bench.models.objectives import get_objective, objective_names
from creativity_bench.models.sampling import SamplingSettings
from creativity_bench.models.tokenizer import Vocabulary, answer_width, encode_samples, sequence_width
from creativity_bench.tasks import make_task
from tests.models.helpers import tensors

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "my_objective" / "my_objective.py"


def example_plugin():
    """The example plugin's class, loaded from its file without registering it here (an
    in-process registration would leak into other tests' objective lists)."""
    spec = importlib.util.spec_from_file_location("cbench_example_plugin", EXAMPLE)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the file runs
    spec.loader.exec_module(module)
    return module.LabelSmoothedNTP


CLASSES = {name: get_objective(name) for name in objective_names()} | {"example plugin": example_plugin()}


def setup(cls, task="circle", seed=0):
    inst = make_task(task, "smoke").generate(0)
    vocab = Vocabulary.for_instance(inst)
    obj = cls(task_name=task)
    rows = obj.build_rows(encode_samples(vocab, inst.train, sequence_width(inst)), inst, vocab)
    torch.manual_seed(seed)
    cfg = ModelConfig.from_depth(1, len(vocab), sequence_width(inst), aspect=32, head_dim=16, causal=obj.causal)
    return inst, vocab, obj, rows, GPT(cfg), obj.extra_module(cfg)


def context_of(rows):
    return dict(rows.context)


@pytest.mark.parametrize("name", [n for n, c in CLASSES.items() if not c.requires_init])  # fine-tuners: test_finetune.py
def test_loss_falls(name):
    inst, vocab, obj, rows, model, extra = setup(CLASSES[name], "sibling")
    params = list(model.parameters()) + (list(extra.parameters()) if extra is not None else [])
    opt = torch.optim.AdamW(params, lr=3e-3)
    batch = tensors(rows)
    n = rows.n
    losses = []
    for step in range(80):
        noise = RowNoise.for_rows(0, torch.arange(step * n, (step + 1) * n), n)
        loss = obj.loss(model, extra, batch, noise, context_of(rows))
        losses.append(loss.item())
        opt.zero_grad()
        loss.backward()
        opt.step()
    first, last = sum(losses[:5]) / 5, sum(losses[-5:]) / 5
    assert last < 0.7 * first, (first, last)


@pytest.mark.parametrize("name", list(CLASSES))
def test_training_noise_is_keyed_to_the_row(name):
    # Circle rows all have the same length, so a loss normalised per batch is the mean of the
    # losses of the two halves: equal only if every row draws the same noise in both layouts.
    inst, vocab, obj, rows, model, extra = setup(CLASSES[name], "circle")
    batch = {k: v[:16] for k, v in tensors(rows).items()}
    positions = torch.arange(48, 64)  # step 3 of a global batch of 16
    whole = obj.loss(model, extra, batch, RowNoise.for_rows(5, positions, 16), context_of(rows))
    halves = [
        obj.loss(model, extra, {k: v[part] for k, v in batch.items()}, RowNoise.for_rows(5, positions[part], 16), context_of(rows))
        for part in (slice(0, 8), slice(8, 16))
    ]
    torch.testing.assert_close(whole, (halves[0] + halves[1]) / 2, rtol=1e-5, atol=1e-6)
    other_step = obj.loss(model, extra, batch, RowNoise.for_rows(5, positions + 16, 16), context_of(rows))
    if name.startswith("diffusion"):
        assert not torch.equal(whole, other_step), "another step draws other noise"


@pytest.mark.parametrize("name", list(CLASSES))
@pytest.mark.parametrize("mode", ["greedy", "temperature"])
def test_sampler_is_deterministic_and_batch_size_independent(name, mode):
    inst, vocab, obj, rows, model, extra = setup(CLASSES[name], "circle")
    model.eval()
    span = answer_width(inst)
    prompts = torch.tensor([[vocab.ids[c] for c in e.seed] + [vocab.ids[e.prompt]] for e in inst.eval[:8]])
    ids = torch.arange(8)
    settings = SamplingSettings(mode=mode)
    with torch.no_grad():
        out = obj.sample(model, extra, prompts.clone(), ids, span, settings, vocab)
        again = obj.sample(model, extra, prompts.clone(), ids, span, settings, vocab)
        half = obj.sample(model, extra, prompts[4:].clone(), ids[4:], span, settings, vocab)
    assert out.shape == (8, span)
    assert torch.equal(out, again)
    assert torch.equal(out[4:], half)
