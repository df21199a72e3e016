"""Multi-token and diffusion objectives: losses against direct formulas, sampler invariants."""

from __future__ import annotations

import math

import pytest
import torch

from creativity_bench.models.backbone import GPT, ModelConfig
from creativity_bench.models.objectives import make_objective
from creativity_bench.models.objectives.diffusion import mdlm_loss, reveal_schedule
from creativity_bench.models.objectives.diffusion_uniform import udlm_loss
from creativity_bench.models.sampling import SamplingSettings
from creativity_bench.models.tokenizer import Vocabulary, answer_width, encode_samples, sequence_width
from creativity_bench.tasks import make_task
from tests.models.helpers import noise_for, tensors


def tiny(task="circle", objective="ntp", **params):
    inst = make_task(task, "smoke").generate(0)
    vocab = Vocabulary.for_instance(inst)
    enc = encode_samples(vocab, inst.train, sequence_width(inst))
    obj = make_objective(objective, task, params)
    rows = tensors(obj.build_rows(enc, inst, vocab))
    torch.manual_seed(0)
    model = GPT(ModelConfig.from_depth(1, len(vocab), sequence_width(inst), aspect=32, head_dim=16, causal=obj.causal))
    return inst, vocab, obj, rows, model


def test_mtp_with_one_head_is_ntp():
    _, _, ntp, rows, model = tiny(objective="ntp")
    mtp = make_objective("mtp", "circle", {"heads": 1})
    noise = noise_for(len(rows["inputs"]))
    assert mtp.extra_module(model.cfg) is None
    assert torch.equal(ntp.loss(model, None, rows, noise, {}), mtp.loss(model, None, rows, noise, {}))


def test_mtp_loss_matches_direct_sum_over_heads():
    _, _, mtp, rows, model = tiny(objective="mtp", heads=3)
    extra = mtp.extra_module(model.cfg)
    got = mtp.loss(model, extra, rows, noise_for(len(rows["inputs"])), {})
    h = model.trunk(rows["inputs"])
    heads = [model.logits(model.ln_f(h))] + [model.logits(extra.norms[i](extra.blocks[i](h))) for i in range(2)]
    total = 0.0
    for k, logits in enumerate(heads):
        logp = torch.log_softmax(logits.double(), -1)
        terms = []
        for b in range(rows["targets"].shape[0]):
            for j in range(rows["targets"].shape[1] - k):
                y = int(rows["targets"][b, j + k])
                if y != -100:
                    terms.append(-float(logp[b, j, y]))
        total += sum(terms) / len(terms)
    assert float(got) == pytest.approx(total, abs=1e-5)


def test_mdlm_loss_matches_published_formula():
    torch.manual_seed(1)
    b, t_len, v = 3, 6, 7
    logits = torch.randn(b, t_len, v)
    x0 = torch.randint(0, v, (b, t_len))
    region = torch.zeros(b, t_len, dtype=torch.bool)
    region[:, 2:] = True
    masked = (torch.rand(b, t_len) < 0.6) & region
    t = torch.tensor([0.2, 0.5, 0.9])
    # NELBO = E_t[ alpha'_t / (1 - alpha_t) * sum_masked log p(x0) ], alpha_t = 1 - t  =>  (1/t) * sum CE
    direct = 0.0
    for i in range(b):
        alpha_prime, one_minus_alpha = -1.0, float(t[i])
        s = sum(math.log(torch.softmax(logits[i, j].double(), -1)[x0[i, j]]) for j in range(t_len) if masked[i, j])
        direct += alpha_prime / one_minus_alpha * s
    direct /= int(region.sum())
    assert float(mdlm_loss(logits, x0, masked, region, t)) == pytest.approx(direct, abs=1e-5)


def test_udlm_loss_matches_published_formula():
    torch.manual_seed(2)
    b, t_len, n = 2, 4, 5
    log_probs = torch.log_softmax(torch.randn(b, t_len, n), -1)
    x0 = torch.randint(0, n, (b, t_len))
    zt = torch.randint(0, n, (b, t_len))
    region = torch.ones(b, t_len, dtype=torch.bool)
    t = torch.tensor([0.3, 0.7])
    direct = 0.0
    for i in range(b):
        alpha = 1 - float(t[i])
        for j in range(t_len):
            x = [n * alpha * (1.0 if k == int(x0[i, j]) else 0.0) + 1 - alpha for k in range(n)]
            xt = [n * alpha * math.exp(float(log_probs[i, j, k])) + 1 - alpha for k in range(n)]
            a = int(zt[i, j])
            inner = n / x[a] - n / xt[a] - sum(x[k] / x[a] * math.log(xt[a] * x[k] / (xt[k] * x[a])) for k in range(n) if k != a)
            direct += (-1.0 / (n * alpha)) * inner
    direct /= b * t_len
    assert float(udlm_loss(log_probs, x0, zt, region, t)) == pytest.approx(direct, abs=1e-5)


def published_udlm(log_probs, x0, zt, region, t):
    """The bound as written (module docstring), summed over the whole alphabet in float64."""
    n = log_probs.shape[-1]
    alpha = (1.0 - t)[:, None, None].double()
    x_bar = n * alpha * torch.nn.functional.one_hot(x0, n).double() + (1 - alpha)
    xt_bar = n * alpha * log_probs.double().exp() + (1 - alpha)
    xi, ti = x_bar.gather(-1, zt[..., None]), xt_bar.gather(-1, zt[..., None])
    term2 = ((x_bar / xi) * (ti.log() - xt_bar.log() + x_bar.log() - xi.log())).sum(-1, keepdim=True)
    per_pos = ((-1.0 / (n * alpha)) * (n / xi - n / ti - term2)).squeeze(-1)
    return (per_pos * region).sum().float() / region.sum().clamp(min=1)


@pytest.mark.parametrize("t_value", [1e-3, 0.5, 1 - 1e-3, None])
def test_udlm_closed_form_equals_the_sum_over_the_alphabet(t_value):
    # The loss sums the clean token's one-hot out in closed form; value and gradient must be those
    # of the bound summed over the alphabet, at low and high noise, with z_t = x_0 at half the places.
    torch.manual_seed(3)
    b, t_len, n = 16, 6, 300
    logits = torch.randn(b, t_len, n) * 3
    x0 = torch.randint(0, n, (b, t_len))
    zt = torch.where(torch.rand(b, t_len) < 0.5, x0, torch.randint(0, n, (b, t_len)))
    region = (torch.rand(b, t_len) < 0.8).float()
    t = torch.rand(b) * 0.998 + 0.001 if t_value is None else torch.full((b,), t_value)
    mine, ref = logits.clone().requires_grad_(), logits.clone().requires_grad_()
    got = udlm_loss(torch.log_softmax(mine, -1), x0, zt, region, t)
    want = published_udlm(torch.log_softmax(ref, -1), x0, zt, region, t)
    got.backward()
    want.backward()
    assert float(got) == pytest.approx(float(want), rel=1e-6)
    assert torch.allclose(mine.grad, ref.grad, rtol=1e-5, atol=1e-9)


def test_udlm_loss_is_zero_for_a_perfect_denoiser_at_low_noise():
    n = 6
    x0 = torch.tensor([[1, 2, 3]])
    perfect = torch.log(torch.nn.functional.one_hot(x0, n).double().clamp(min=1e-12))
    loss = udlm_loss(perfect, x0, x0.clone(), torch.ones(1, 3, dtype=torch.bool), torch.tensor([0.01]))
    assert abs(float(loss)) < 1e-4


@pytest.mark.parametrize("objective", ["diffusion", "diffusion-uniform"])
@pytest.mark.parametrize("mode", ["greedy", "temperature"])
def test_diffusion_sampler_invariants(objective, mode):
    inst, vocab, obj, rows, model = tiny("circle", objective)
    model.eval()
    span = answer_width(inst)
    prompts = torch.tensor([[vocab.ids[c] for c in e.seed] + [vocab.ids[e.prompt]] for e in inst.eval[:8]])
    ids = torch.arange(8)
    s = SamplingSettings(mode=mode, steps=span)
    out = obj.sample(model, None, prompts.clone(), ids, span, s, vocab)
    assert out.shape == (8, span)
    assert not (out == vocab.mask).any(), "no mask token survives the last step"
    again = obj.sample(model, None, prompts.clone(), ids, span, s, vocab)
    assert torch.equal(out, again), "deterministic for fixed settings"
    # batch-size independence: prompt i's draws depend only on its index
    half = obj.sample(model, None, prompts[:4].clone(), ids[:4], span, s, vocab)
    assert torch.equal(out[:4], half)


def test_diffusion_prompt_never_changes():
    inst, vocab, obj, rows, model = tiny("circle", "diffusion")
    seen = []
    original = model.forward

    def spy(x, cache=None):
        seen.append(x.clone())
        return original(x, cache)

    model.forward = spy
    prompts = torch.tensor([[vocab.ids[c] for c in e.seed] + [vocab.ids[e.prompt]] for e in inst.eval[:4]])
    obj.sample(model, None, prompts.clone(), torch.arange(4), 12, SamplingSettings(mode="temperature", steps=5), vocab)
    assert len(seen) == 5
    for x in seen:
        assert torch.equal(x[:, : prompts.shape[1]], prompts)


def test_reveal_schedule():
    assert reveal_schedule(12, 12) == [1] * 12
    assert sum(reveal_schedule(12, 5)) == 12
    assert sum(reveal_schedule(5, 32)) == 5


def test_masked_diffusion_training_masks_only_the_answer():
    inst, vocab, obj, rows, model = tiny("circle", "diffusion")
    region = rows["region"]
    starts = region.float().argmax(1)
    assert all(int(s) == len(inst.train[i].seed) + 1 for i, s in enumerate(starts))
    assert (region.sum(1) == answer_width(inst)).all()
