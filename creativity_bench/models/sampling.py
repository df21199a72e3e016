"""Batched sampling: explicit settings, randomness keyed to the prompt index, float64 draws.

Sampling mode ``standard`` (the default) means the objective's standard sampler (SPEC 6): each
objective class declares it in ``standard_sampling`` (greedy for left-to-right objectives and,
by default, plugins; temperature 1 for the diffusions). ``resolve_sampling`` turns it into the
greedy or temperature settings a sampler runs, with the diffusion steps it takes, before any
sampling; results record the resolved settings. ``other_regime`` gives the regime every run
also records beside it: temperature 1 after greedy decoding, greedy after temperature sampling.

Every draw for prompt ``i`` at decoding step ``t`` uses a uniform number that depends only on
(sampling seed, i, t), so results do not depend on batch size or order. Categorical draws
invert the float64 CDF: low precision measurably shrinks diversity, which is what we measure.
"""

from __future__ import annotations

import numpy as np
import torch

from creativity_bench.errors import CBenchError
from creativity_bench.models.settings import (  # noqa: F401  (re-exported: the settings half of sampling, torch-free)
    DECODING_KEYS,
    MODES,
    NEUTRAL_DECODING,
    SETTING_MODES,
    STANDARD,
    SamplingSettings,
    is_standard,
    other_regime,
    resolve_sampling,
    sampling_record,
    standard_decoding,
)
from creativity_bench.seeding import GOLDEN, _mix_array, derive_key
from creativity_bench.tasks.base import EvalPrompt, Instance


def check_sampling_fits(objective_name: str, settings: SamplingSettings) -> None:
    """Refuse settings that would be silently ignored: diffusion steps for a left-to-right
    objective, or temperature/top-k/top-p with greedy decoding or the standard sampler (which
    sets them); and an objective whose declared standard sampler is malformed."""
    from creativity_bench.models.objectives import get_objective

    cls = get_objective(objective_name)
    if settings.steps and not cls.uses_diffusion_steps:
        raise CBenchError(f"--diffusion-steps does not apply to objective '{objective_name}' (it decodes left to right)")
    if settings.mode != "temperature" and (settings.top_k or settings.top_p < 1 or settings.temperature != 1.0):
        raise CBenchError("--temperature/--top-k/--top-p need --mode temperature (greedy decoding ignores them; "
                          "the standard sampler sets them)")
    standard_decoding(cls)


def keyed_uniform(seed: int, step: int, prompt_ids: torch.Tensor) -> torch.Tensor:
    """Float64 uniforms in [0, 1), one per prompt, depending only on (seed, step, prompt id)."""
    key = np.uint64(derive_key("sample", seed, step))
    ids = prompt_ids.detach().cpu().numpy().astype(np.uint64)
    with np.errstate(over="ignore"):
        w = _mix_array(key + (ids + np.uint64(1)) * np.uint64(GOLDEN))
    u = (w >> np.uint64(11)).astype(np.float64) * (1.0 / (1 << 53))
    return torch.from_numpy(u).to(prompt_ids.device)


def filter_logits(logits: torch.Tensor, settings: SamplingSettings) -> torch.Tensor:
    """Temperature, then top-k, then top-p, in float64."""
    if settings.mode not in MODES:  # never sample an unresolved mode as if it were temperature
        raise ValueError(f"sampling mode {settings.mode!r} is not resolved (see resolve_sampling)")
    x = logits.double() / settings.temperature
    if settings.top_k:
        k = min(settings.top_k, x.shape[-1])
        kth = torch.topk(x, k, dim=-1).values[..., -1:]
        x = x.masked_fill(x < kth, float("-inf"))
    if settings.top_p < 1.0:
        sorted_x, order = torch.sort(x, dim=-1, descending=True)
        probs = torch.softmax(sorted_x, dim=-1)
        cum = probs.cumsum(-1)
        drop = cum - probs >= settings.top_p  # keep the smallest prefix reaching top_p
        sorted_x = sorted_x.masked_fill(drop, float("-inf"))
        x = torch.full_like(x, float("-inf")).scatter(-1, order, sorted_x)
    return x


def categorical(probs: torch.Tensor, u: torch.Tensor) -> torch.Tensor:
    """Inverse-CDF draw from float64 probabilities (B, V) with uniforms (B,)."""
    cdf = probs.double().cumsum(-1)
    cdf = cdf / cdf[..., -1:]
    idx = torch.searchsorted(cdf, u.double().unsqueeze(-1)).squeeze(-1)
    return idx.clamp_(max=probs.shape[-1] - 1)


def next_tokens(logits: torch.Tensor, settings: SamplingSettings, step: int, prompt_ids: torch.Tensor) -> torch.Tensor:
    """Pick one token per row from last-position logits (B, V)."""
    if settings.mode == "greedy":
        return logits.argmax(-1)
    probs = torch.softmax(filter_logits(logits, settings), dim=-1)
    return categorical(probs, keyed_uniform(settings.seed, step, prompt_ids))


def last_logits(model, x: torch.Tensor, cache=None) -> torch.Tensor:
    """Logits of the last position only: the output layer never runs on positions already decoded."""
    return model.logits(model.hidden(x, cache)[:, -1])


@torch.no_grad()
def decode_left_to_right(model, prompts: torch.Tensor, prompt_ids: torch.Tensor, max_new: int, settings: SamplingSettings, vocab) -> torch.Tensor:
    """Generate ``max_new`` tokens after equal-length prompts, with or without a KV cache."""
    b, p = prompts.shape
    out = torch.full((b, max_new), vocab.pad, dtype=torch.long, device=prompts.device)
    done = torch.zeros(b, dtype=torch.bool, device=prompts.device)
    if settings.use_cache:
        cache = model.new_cache(b, p + max_new)
        logits = last_logits(model, prompts, cache)
    else:
        seq = prompts
        logits = last_logits(model, seq)
    for t in range(max_new):
        tok = next_tokens(logits, settings, t, prompt_ids)
        tok = torch.where(done, torch.full_like(tok, vocab.pad), tok)
        out[:, t] = tok
        done |= tok == vocab.eos
        if bool(done.all()) or t == max_new - 1:
            break
        if settings.use_cache:
            logits = last_logits(model, tok[:, None], cache)
        else:
            seq = torch.cat([seq, tok[:, None]], dim=1)
            logits = last_logits(model, seq)
    return out


def generate_answers(objective, model, extra, instance: Instance, vocab, prompts: list[EvalPrompt], settings: SamplingSettings, max_new: int, device=None, progress=None) -> list[str]:
    """Answers for every prompt, in prompt order, batched by ``settings.batch_size``; mode
    ``standard`` samples with the objective's standard sampler."""
    from creativity_bench.models.tokenizer import prompt_ids as encode_prompt

    settings.validate()
    settings = resolve_sampling(objective, settings, max_new)
    device = torch.device(device) if device is not None else next(model.parameters()).device
    answers: list[str] = []
    was_training = model.training
    model.eval()
    try:
        for start in range(0, len(prompts), settings.batch_size):
            chunk = prompts[start : start + settings.batch_size]
            ids = torch.tensor([encode_prompt(vocab, e.seed, e.prompt) for e in chunk], dtype=torch.long, device=device)
            pids = torch.tensor([e.prompt_id for e in chunk], dtype=torch.long, device=device)
            # bf16 autocast on a GPU for the Transformer; logits stay float32 and every
            # categorical draw float64.
            with torch.autocast("cuda", dtype=torch.bfloat16, enabled=device.type == "cuda"):
                out = objective.sample(model, extra, ids, pids, max_new, settings, vocab)
            answers.extend(vocab.answer_text(row) for row in out.tolist())
            if progress is not None:
                progress(len(chunk))
    finally:
        model.train(was_training)
    return answers
