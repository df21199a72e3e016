"""Invariants every registered task must satisfy, on every preset (the reasoning-gym habit)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from creativity_bench.tasks import TASKS, load_instance, make_task, write_instance

ALL = [(name, preset) for name in TASKS for preset in TASKS.get(name).presets]
# Paper presets are slower to build; one seed of each is enough for the byte checks.
SMALL = [(n, p) for n, p in ALL if p != "paper"]


@pytest.fixture(scope="module")
def instances():
    cache = {}

    def get(name, preset, seed=0):
        key = (name, preset, seed)
        if key not in cache:
            cache[key] = make_task(name, preset).generate(seed)
        return cache[key]

    return get


@pytest.mark.parametrize("name,preset", ALL)
def test_same_seed_same_bytes(name, preset, instances, tmp_path):
    a = instances(name, preset)
    b = make_task(name, preset).generate(0)
    assert a.train_bytes == b.train_bytes and a.eval_bytes == b.eval_bytes
    assert a.fingerprint == b.fingerprint
    write_instance(a, tmp_path / "a")
    write_instance(b, tmp_path / "b")
    for f in ("task.json", "train.jsonl", "eval.jsonl"):
        assert (tmp_path / "a" / f).read_bytes() == (tmp_path / "b" / f).read_bytes()
    loaded = load_instance(tmp_path / "a")
    assert loaded.fingerprint == a.fingerprint
    assert loaded.train == a.train and loaded.eval == a.eval


@pytest.mark.parametrize("name,preset", SMALL)
def test_different_seed_differs(name, preset, instances):
    a, b = instances(name, preset, 0), instances(name, preset, 1)
    assert a.fingerprint != b.fingerprint
    assert a.train_bytes != b.train_bytes


@pytest.mark.parametrize("name,preset", ALL)
def test_training_samples_valid_and_memorized(name, preset, instances):
    inst = instances(name, preset)
    task = inst.task
    from creativity_bench.scoring import score_answers

    memo = [s for s in inst.train if task.is_memorizable(s)]
    assert memo, "every instance has samples that count for memorization"
    scores, verdicts = score_answers(inst, [s.answer for s in memo])
    assert scores.validity == 1.0, [v for v in verdicts if not v.valid][:3]
    assert scores.memorization == 1.0
    assert scores.creativity == 0.0
    assert all(v.reason == "ok" for v in verdicts)


@pytest.mark.parametrize("name,preset", ALL)
def test_seeds_unique_and_fresh(name, preset, instances):
    inst = instances(name, preset)
    length = inst.task.params.seed_length
    train_seeds = [s.seed for s in inst.train if inst.task.is_seeded(s.prompt)]
    eval_seeds = [e.seed for e in inst.eval]
    assert all(len(s) == length for s in train_seeds + eval_seeds)
    assert len(set(train_seeds)) == len(train_seeds)
    assert len(set(eval_seeds)) == len(eval_seeds)
    assert not set(train_seeds) & set(eval_seeds)
    assert [e.prompt_id for e in inst.eval] == list(range(inst.task.params.eval_size))
    assert all(e.prompt == inst.task.eval_marker for e in inst.eval)
    assert len(inst.train) == inst.task.params.train_size


@pytest.mark.parametrize("name", list(TASKS))
def test_null_seed_length(name):
    inst = make_task(name, "smoke", seed_length=0).generate(0)
    assert all(s.seed == "" for s in inst.train)
    assert all(e.seed == "" for e in inst.eval)


@pytest.mark.parametrize("name", list(TASKS))
def test_vocabulary_closed(name, instances):
    inst = instances(name, "smoke")
    vocab = set(inst.task.entity_tokens())
    for s in inst.train:
        assert s.prompt in vocab
        assert set(s.answer.split()) <= vocab


@pytest.mark.parametrize("name", list(TASKS))
@settings(max_examples=150, deadline=None)
@given(garbage=st.one_of(st.text(max_size=80), st.lists(st.sampled_from(["V0", "V1", "V2", "V3", "|", "A0", "B1", "C2", "x", ""]), max_size=30).map(" ".join)))
def test_fuzzed_garbage_never_raises(name, garbage):
    inst = make_task(name, "smoke").generate(0)
    v = inst.checker.check(garbage)
    assert isinstance(v.valid, bool) and isinstance(v.reason, str)
    assert v.valid == (v.reason == "ok")
    inst.checker.compat_valid(garbage)


@pytest.mark.parametrize("name", list(TASKS))
def test_non_string_answers_are_invalid(name, instances):
    inst = instances(name, "smoke")
    for bad in (None, 3, ["V1"], b"V1 V2"):
        assert inst.checker.check(bad).valid is False


def test_registry_refuses_duplicates_and_suggests():
    from creativity_bench.errors import CBenchError
    from creativity_bench.tasks import register_task

    cls = TASKS.get("circle")
    register_task(cls)  # the same class again is harmless

    class Fake(cls):
        pass

    with pytest.raises(ValueError):
        register_task(Fake)
    with pytest.raises(CBenchError, match="did you mean 'circle'"):
        TASKS.get("circel")
