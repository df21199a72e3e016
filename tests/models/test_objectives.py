"""Objective mechanics: teacherless rows, falling loss, plugins."""

from __future__ import annotations

import pytest
import torch

from creativity_bench.models.objectives import get_objective, make_objective
from creativity_bench.models.objectives.base import IGNORE
from creativity_bench.models.objectives.teacherless import parse_mix
from creativity_bench.models.tokenizer import Vocabulary, encode_samples, sequence_width
from creativity_bench.tasks import make_task
from tests.models.helpers import noise_for


def rows_for(task, objective, **params):
    inst = make_task(task, "smoke").generate(0)
    vocab = Vocabulary.for_instance(inst)
    enc = encode_samples(vocab, inst.train, sequence_width(inst))
    obj = make_objective(objective, task, params)
    return inst, vocab, enc, obj.build_rows(enc, inst, vocab)


def test_ntp_rows_predict_answer_and_eos_only():
    inst, vocab, enc, training = rows_for("circle", "ntp")
    rows = training.arrays
    n = len(inst.train)
    assert rows["inputs"].shape[0] == n and (training.scored == (rows["targets"] != IGNORE)).all()
    for i in range(n):
        s, length = enc.answer_start[i], enc.length[i]
        t = rows["targets"][i]
        assert (t[: s - 1] == IGNORE).all() and (t[length - 1 :] == IGNORE).all()
        assert (t[s - 1 : length - 1] == enc.ids[i, s:length]).all()
        assert t[length - 2] == vocab.eos


@pytest.mark.parametrize("task,mix,copies", [("circle", "full,full,full", 3), ("sibling", "1,2", 2)])
def test_teacherless_rows(task, mix, copies):
    inst, vocab, enc, training = rows_for(task, "teacherless", mix=mix)
    rows = training.arrays
    n = len(inst.train)
    assert rows["inputs"].shape[0] == n * (1 + copies)
    base = rows_for(task, "ntp")[3].arrays
    assert (rows["inputs"][:n] == base["inputs"]).all()
    prefixes, _ = parse_mix(mix)
    for c, prefix in enumerate(prefixes):
        block = slice(n * (c + 1), n * (c + 2))
        x, y = rows["inputs"][block], rows["targets"][block]
        assert (y == base["targets"]).all(), "targets unchanged"
        for i in range(n):
            s, length = enc.answer_start[i], enc.length[i]
            stop = length - 1 if prefix is None else min(length - 1, s + prefix)
            assert (x[i, :s] == base["inputs"][i, :s]).all(), "seed and prompt intact"
            assert (x[i, s:stop] == vocab.dummy).all(), "answer inputs are dummies"
            assert (x[i, stop:] == base["inputs"][i, stop:]).all()


def test_teacherless_study_mix_is_per_task():
    assert make_objective("teacherless", "sibling").resolved_params() == {"mix": "1,2"}
    assert make_objective("teacherless", "triangle").resolved_params() == {"mix": "full@0.5"}
    inst, vocab, enc, rows = rows_for("triangle", "teacherless")
    tri = sum(inst.task.is_memorizable(s) for s in inst.train)
    extra = rows.n - len(inst.train)
    assert 0 < extra < tri, "a copy for about half of the triangle samples, none for edge facts"


def test_bad_mix_is_refused():
    from creativity_bench.errors import CBenchError

    for bad in ("", "0", "full@2", "x,y"):
        with pytest.raises(CBenchError):
            make_objective("teacherless", "circle", {"mix": bad})


def test_unknown_objective_suggests():
    from creativity_bench.errors import CBenchError

    with pytest.raises(CBenchError, match="did you mean 'teacherless'"):
        get_objective("teacherles")


def test_mtp_decides_each_head_from_the_rows():
    # Rows are 14 positions wide: a head 14 or 15 tokens ahead never has a target, nearer heads
    # always do. The loss decided from the rows equals the one checked batch by batch.
    from creativity_bench.models.backbone import GPT, ModelConfig

    inst = make_task("sibling", "smoke").generate(0)
    vocab = Vocabulary.for_instance(inst)
    enc = encode_samples(vocab, inst.train, sequence_width(inst))
    obj = make_objective("mtp", "sibling", {"heads": 16})
    rows = obj.build_rows(enc, inst, vocab)
    batch = {k: torch.from_numpy(v[:16]) for k, v in rows.arrays.items()}
    assert batch["targets"].shape[1] == 14
    assert rows.context == {"live_heads": {**{i: True for i in range(1, 14)}, 14: False, 15: False}}
    torch.manual_seed(0)
    cfg = ModelConfig.from_depth(1, len(vocab), sequence_width(inst), aspect=32, head_dim=16)
    model, extra = GPT(cfg), obj.extra_module(cfg)
    decided = obj.loss(model, extra, batch, noise_for(16), rows.context)
    assert torch.equal(decided, obj.loss(model, extra, batch, noise_for(16), {}))


def test_uniform_diffusion_tables_travel_with_the_rows():
    from creativity_bench.models.objectives.diffusion_uniform import alphabet_tables

    inst, vocab, enc, _ = rows_for("circle", "ntp")
    obj = make_objective("diffusion-uniform", "circle")
    rows = obj.build_rows(enc, inst, vocab)
    alphabet, position = rows.context["alphabet"], rows.context["position"]
    assert torch.equal(position[alphabet], torch.arange(alphabet.numel()))
    assert torch.equal(alphabet, alphabet_tables(vocab)["alphabet"])
    assert set(vars(obj)) == {"params", "task_name"}, "the objective keeps no state of its own"
