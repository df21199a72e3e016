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

import dataclasses
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from creativity_bench.errors import CBenchError
from creativity_bench.seeding import GOLDEN, _mix_array, derive_key
from creativity_bench.tasks.base import EvalPrompt, Instance

STANDARD = "standard"
MODES = ("greedy", "temperature")  # what a sampler runs
SETTING_MODES = (STANDARD, *MODES)  # what a user may ask for
# The fields an objective's standard sampler sets (at these values where it leaves one out); the
# rest (steps, sampling seed, seed length) stay the user's.
NEUTRAL_DECODING = {"mode": "greedy", "temperature": 1.0, "top_k": 0, "top_p": 1.0}
DECODING_KEYS = tuple(NEUTRAL_DECODING)


@dataclass(frozen=True)
class SamplingSettings:
    """Every sampling parameter, neutral by default and always written to results (resolved)."""

    mode: str = STANDARD  # the objective's standard sampler; or greedy, or temperature
    temperature: float = 1.0
    top_k: int = 0  # 0: no top-k filter
    top_p: float = 1.0  # 1.0: no nucleus filter
    steps: int = 0  # diffusion denoising steps; 0: the objective's default
    seed: int = 0  # sampling RNG seed
    seed_length: int | None = None  # random seed characters: None = all (the instance's); 0 = null (see Instance.eval_prompts)
    batch_size: int = 512
    use_cache: bool = True

    def validate(self) -> None:
        if self.mode not in SETTING_MODES:
            raise CBenchError(f"sampling mode must be one of {', '.join(SETTING_MODES)}, got '{self.mode}'")
        if self.temperature <= 0:
            raise CBenchError(f"temperature must be positive, got {self.temperature}")
        if self.top_k < 0:
            raise CBenchError(f"top-k must be >= 0 (0 = off), got {self.top_k}")
        if not 0 < self.top_p <= 1:
            raise CBenchError(f"top-p must be in (0, 1], got {self.top_p}")
        if self.steps < 0 or self.batch_size < 1 or self.seed < 0:
            raise CBenchError("steps, batch size and sampling seed must be non-negative (batch size >= 1)")
        if self.seed_length is not None and not 0 <= self.seed_length <= 64:
            raise CBenchError(f"seed length must be between 0 and 64, got {self.seed_length}")

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


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


def standard_decoding(cls) -> dict[str, Any]:
    """An objective class's standard sampler (``Objective.standard_sampling``) as the four
    decoding fields of SamplingSettings; the ones it leaves out are neutral."""
    declared = dict(cls.standard_sampling)
    values = {**NEUTRAL_DECODING, **declared}
    problem = None
    if set(declared) - set(DECODING_KEYS):
        problem = f"may set only {', '.join(DECODING_KEYS)}, not {', '.join(sorted(set(declared) - set(DECODING_KEYS)))}"
    elif values["mode"] not in MODES:
        problem = f"mode must be one of {', '.join(MODES)}, got {values['mode']!r}"
    else:
        try:
            SamplingSettings(**values).validate()
        except (CBenchError, TypeError) as exc:
            problem = str(exc)
    if problem:
        raise CBenchError(f"objective '{cls.name}': standard_sampling {problem}")
    return values


def resolve_sampling(objective, settings: SamplingSettings, max_new: int) -> SamplingSettings:
    """The settings a sampler runs for ``objective``: mode ``standard`` becomes the objective's
    standard sampler, and a diffusion objective's steps (0: its default) the number it takes."""
    if settings.mode == STANDARD:
        if any(getattr(settings, k) != v for k, v in NEUTRAL_DECODING.items() if k != "mode"):
            raise CBenchError("temperature, top-k and top-p need mode temperature (the standard sampler sets them)")
        settings = dataclasses.replace(settings, **standard_decoding(type(objective)))
    steps_for = getattr(objective, "steps_for", None)
    if objective.uses_diffusion_steps and steps_for is not None:
        settings = dataclasses.replace(settings, steps=steps_for(settings, max_new))
    settings.validate()
    return settings


def is_standard(objective, settings: SamplingSettings) -> bool:
    """Whether resolved ``settings`` decode as the objective's standard sampler."""
    standard = standard_decoding(type(objective))
    return all(getattr(settings, k) == v for k, v in standard.items())


def other_regime(settings: SamplingSettings) -> SamplingSettings:
    """The regime recorded beside resolved ``settings``: temperature 1 after greedy decoding,
    greedy after temperature sampling (any temperature, top-k or top-p); same prompts, sampling
    seed and steps."""
    if settings.mode not in MODES:
        raise ValueError(f"sampling mode {settings.mode!r} is not resolved (see resolve_sampling)")
    mode = "temperature" if settings.mode == "greedy" else "greedy"
    return dataclasses.replace(settings, **{**NEUTRAL_DECODING, "mode": mode})


def sampling_record(objective, settings: SamplingSettings, max_new: int) -> dict[str, Any]:
    """What results record about resolved sampling settings: every field, the answer width, and
    whether they are the objective's standard sampler."""
    return {**settings.to_dict(), "max_new_tokens": max_new, "standard": is_standard(objective, settings)}


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
