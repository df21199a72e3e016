"""Sampling: KV cache equals no cache, greedy equals top-k 1, batch-size independence, float64 draws."""

from __future__ import annotations

import dataclasses

import pytest
import torch

from creativity_bench.models.backbone import GPT, ModelConfig
from creativity_bench.models.objectives import make_objective
from creativity_bench.models.sampling import (
    SamplingSettings,
    categorical,
    filter_logits,
    generate_answers,
)
from creativity_bench.models.tokenizer import Vocabulary, answer_width, sequence_width
from creativity_bench.tasks import make_task


@pytest.fixture(scope="module")
def setup():
    inst = make_task("circle", "smoke").generate(0)
    vocab = Vocabulary.for_instance(inst)
    torch.manual_seed(0)
    model = GPT(ModelConfig.from_depth(2, len(vocab), sequence_width(inst), aspect=32, head_dim=16)).eval()
    return inst, vocab, model, make_objective("ntp", "circle")


def answers(setup, settings, prompts=None):
    inst, vocab, model, obj = setup
    prompts = prompts or inst.eval
    return generate_answers(obj, model, None, inst, vocab, prompts, settings, answer_width(inst))


@pytest.mark.parametrize("mode", ["greedy", "temperature"])
def test_kv_cache_matches_uncached(setup, mode):
    s = SamplingSettings(mode=mode, temperature=1.5)
    assert answers(setup, s) == answers(setup, dataclasses.replace(s, use_cache=False))


def test_kv_cache_logits_match(setup):
    inst, vocab, model, _ = setup
    x = torch.randint(0, len(vocab), (3, 12))
    full = model(x)
    cache = model.new_cache(3, 12)
    step = [model(x[:, :5], cache)]
    for t in range(5, 12):
        step.append(model(x[:, t : t + 1], cache))
    assert torch.allclose(full, torch.cat(step, dim=1), atol=1e-5)


def test_greedy_equals_temperature_top_k_1(setup):
    assert answers(setup, SamplingSettings(mode="greedy")) == answers(setup, SamplingSettings(mode="temperature", temperature=0.7, top_k=1))


def test_results_do_not_depend_on_batch_size(setup):
    s = SamplingSettings(mode="temperature", temperature=2.0, seed=3)
    assert answers(setup, s) == answers(setup, dataclasses.replace(s, batch_size=5))
    assert answers(setup, s) != answers(setup, dataclasses.replace(s, seed=4))


def test_sampling_keyed_to_prompt_index(setup):
    inst = setup[0]
    s = SamplingSettings(mode="temperature", temperature=2.0)
    whole = answers(setup, s)
    reordered = answers(setup, s, list(reversed(inst.eval)))
    assert whole == list(reversed(reordered))


def test_null_and_fresh_prompts(setup):
    inst = setup[0]
    length = inst.task.params.seed_length
    null = inst.eval_prompts(0)
    assert len({p.seed for p in null}) == 1 and len(null) == len(inst.eval)
    short = inst.eval_prompts(4)
    train = {s.seed for s in inst.train}
    assert all(len(p.seed) == length and p.seed not in train for p in short)
    greedy_null = answers(setup, SamplingSettings(mode="greedy"), null)
    assert len(set(greedy_null)) == 1, "greedy decoding of identical prompts collapses to one output"


def test_float64_categorical_matches_distribution():
    probs = torch.tensor([0.5, 0.3, 0.15, 0.0499, 0.0001], dtype=torch.float64)
    n = 200_000
    u = torch.rand(n, dtype=torch.float64, generator=torch.Generator().manual_seed(0))
    draws = categorical(probs.expand(n, -1), u)
    freq = torch.bincount(draws, minlength=5).double() / n
    assert (freq - probs).abs().sum() / 2 < 0.005
    assert 5 <= int((draws == 4).sum()) <= 45  # the 1e-4 outcome shows up about 20 times


def test_top_p_keeps_smallest_prefix():
    logits = torch.log(torch.tensor([[0.5, 0.3, 0.15, 0.05]]))
    kept = torch.isfinite(filter_logits(logits, SamplingSettings(mode="temperature", top_p=0.7)))
    assert kept.tolist() == [[True, True, False, False]]
    kept = torch.isfinite(filter_logits(logits, SamplingSettings(mode="temperature", top_k=3)))
    assert kept.tolist() == [[True, True, True, False]]


def test_shorter_sampling_seeds_keep_the_trained_layout():
    from creativity_bench.errors import CBenchError
    from creativity_bench.tasks import make_task
    from creativity_bench.tasks.base import SEED_FILL

    instance = make_task("circle", "cpu").generate(0)
    trained = instance.task.params.seed_length
    assert instance.eval_prompts(None) is instance.eval and instance.eval_prompts(trained) is instance.eval
    train_seeds = {s.seed for s in instance.train}
    for k in (2, 4):
        prompts = instance.eval_prompts(k)
        seeds = [p.seed for p in prompts]
        assert len(prompts) == len(instance.eval) and all(len(s) == trained for s in seeds)
        assert all(s.endswith(SEED_FILL * (trained - k)) for s in seeds)
        assert len(set(seeds)) == len(seeds) and not set(seeds) & train_seeds
        assert instance.eval_prompts(k) == prompts  # deterministic
    null = instance.eval_prompts(0)
    assert {p.seed for p in null} == {SEED_FILL * trained}
    with pytest.raises(CBenchError, match="longer than the seeds"):
        instance.eval_prompts(trained + 1)


def test_kv_cache_takes_the_autocast_dtype(setup):
    inst, vocab, model, obj = setup
    assert model.new_cache(2, 8).k.dtype == torch.float32
    with torch.autocast("cpu", dtype=torch.bfloat16):
        cache = model.new_cache(2, 8)
        assert cache.k.dtype == cache.v.dtype == torch.bfloat16
        x = torch.randint(0, len(vocab), (2, 6))
        model(x[:, :5], cache)
        out = model(x[:, 5:6], cache)  # bf16 keys and values go into the cache without conversion
    assert out.shape == (2, 1, len(vocab)) and torch.isfinite(out).all()


def test_forward_is_the_output_layer_on_the_trunk(setup):
    inst, vocab, model, _ = setup
    x = torch.randint(0, len(vocab), (2, 7))
    assert torch.equal(model(x), model.logits(model.ln_f(model.trunk(x))))


def test_sampling_device_choice():
    from creativity_bench.errors import CBenchError
    from creativity_bench.models.checkpoint import sampling_device

    assert sampling_device("cpu") == "cpu"
    assert sampling_device("auto") == ("cuda" if torch.cuda.is_available() else "cpu")
    with pytest.raises(CBenchError, match="auto, cpu or cuda"):
        sampling_device("tpu")
    if not torch.cuda.is_available():
        with pytest.raises(CBenchError, match="no CUDA GPU"):
            sampling_device("cuda")


@pytest.mark.parametrize("objective,standard", [
    ("ntp", {"mode": "greedy"}), ("teacherless", {"mode": "greedy"}), ("mtp", {"mode": "greedy"}),
    ("diffusion", {"mode": "temperature", "temperature": 1.0}), ("diffusion-uniform", {"mode": "temperature", "temperature": 1.0}),
])
def test_standard_sampler_resolves_per_family(objective, standard):
    """Mode standard: greedy for left-to-right objectives, temperature 1 with one step per answer
    token for the diffusions; an explicit mode is kept; the other regime is the opposite one."""
    from creativity_bench.models.sampling import is_standard, other_regime, resolve_sampling

    obj = make_objective(objective, "circle")
    span, diffusion = 12, objective.startswith("diffusion")
    resolved = resolve_sampling(obj, SamplingSettings(seed=3), span)
    assert {"temperature": 1.0, "top_k": 0, "top_p": 1.0, "seed": 3, **standard}.items() <= resolved.to_dict().items()
    assert resolved.steps == (span if diffusion else 0) and is_standard(obj, resolved)
    assert resolve_sampling(obj, resolved, span) == resolved  # idempotent
    other = other_regime(resolved)
    assert other.mode == ("greedy" if diffusion else "temperature") and other.temperature == 1.0
    assert (other.seed, other.steps, other.seed_length) == (3, resolved.steps, None) and not is_standard(obj, other)
    explicit = resolve_sampling(obj, SamplingSettings(mode="temperature", temperature=0.5, top_k=4), span)
    assert (explicit.mode, explicit.temperature, explicit.top_k) == ("temperature", 0.5, 4) and not is_standard(obj, explicit)
    assert other_regime(explicit) == dataclasses.replace(explicit, mode="greedy", temperature=1.0, top_k=0)
    if diffusion:
        assert resolve_sampling(obj, SamplingSettings(steps=5), span).steps == 5


def test_plugins_get_greedy_unless_they_declare_a_standard_sampler():
    from creativity_bench.errors import CBenchError
    from creativity_bench.models.objectives.base import Objective
    from creativity_bench.models.sampling import check_sampling_fits, resolve_sampling, standard_decoding

    class Plain(Objective):
        name = "plain-test"

    class Warm(Objective):
        name = "warm-test"
        standard_sampling = {"mode": "temperature", "temperature": 0.8, "top_p": 0.9}

    assert resolve_sampling(Plain(), SamplingSettings(), 12).mode == "greedy"
    warm = resolve_sampling(Warm(), SamplingSettings(), 12)
    assert (warm.mode, warm.temperature, warm.top_k, warm.top_p) == ("temperature", 0.8, 0, 0.9)
    for bad, fragment in (({"mode": "beam"}, "mode must be one of"), ({"steps": 3}, "may set only"), ({"mode": "temperature", "temperature": 0}, "positive")):
        Bad = type("Bad", (Objective,), {"name": "bad-test", "standard_sampling": bad})
        with pytest.raises(CBenchError, match=f"objective 'bad-test': standard_sampling .*{fragment}"):
            standard_decoding(Bad)
    with pytest.raises(CBenchError, match="need mode temperature"):
        resolve_sampling(Plain(), SamplingSettings(temperature=0.5), 12)  # the standard sampler sets it
    with pytest.raises(CBenchError, match="need --mode temperature"):
        check_sampling_fits("ntp", SamplingSettings(top_k=3))


def test_an_unresolved_mode_is_never_sampled():
    """Samplers see greedy or temperature only: mode standard would otherwise fall into the
    temperature branch of a sampler called directly."""
    with pytest.raises(ValueError, match="not resolved"):
        filter_logits(torch.zeros(2, 5), SamplingSettings())
    assert SamplingSettings().mode == "standard"


def test_declared_builtin_samplers_match_the_objective_classes():
    """The torch-free declarations the verifier uses without torch equal what the classes declare."""
    from creativity_bench.models.objectives import get_objective, make_objective
    from creativity_bench.models.settings import (
        BUILTIN_SAMPLING,
        SamplingSettings,
        declared_objective,
        resolve_sampling,
        sampling_record,
    )
    from creativity_bench.registry import BUILTIN_OBJECTIVES

    assert set(BUILTIN_SAMPLING) == set(BUILTIN_OBJECTIVES)
    for name, (standard, diffusion) in BUILTIN_SAMPLING.items():
        cls = get_objective(name)
        assert cls.standard_sampling == standard and cls.uses_diffusion_steps == diffusion, name
        real, declared = make_objective(name, "circle"), declared_objective(name)
        for settings in (SamplingSettings(), SamplingSettings(mode="temperature", temperature=0.7), SamplingSettings(mode="greedy")):
            a, b = resolve_sampling(real, settings, 27), resolve_sampling(declared, settings, 27)
            assert a == b and sampling_record(real, a, 27) == sampling_record(declared, b, 27), (name, settings)
