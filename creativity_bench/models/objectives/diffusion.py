"""Masked (absorbing) discrete diffusion in the MDLM formulation (Sahoo et al. 2024).

Forward process: each answer-region token is replaced by ``<mask>`` with probability t
(the linear schedule alpha_t = 1 - t), t ~ U[eps, 1]; seed and prompt are never masked.
Loss: the continuous-time NELBO, sum over masked positions of -log p(x0 | x_t) weighted by
-alpha'_t / (1 - alpha_t) = 1/t (SUBS parameterisation: the model never predicts ``<mask>``,
unmasked tokens are carried over), divided by the number of region tokens.
Sampler: start from an all-masked answer region (answer + eos + padding), reveal a fixed
number of positions at each of S steps until none is masked; prompt clamped. Greedy mode
reveals the most confident positions with their argmax tokens (deterministic); temperature
mode reveals uniformly random positions and samples their tokens, all in float64 with
randomness keyed to (sampling seed, prompt index, step, position).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F

from creativity_bench.errors import CBenchError
from creativity_bench.models.noise import RowNoise
from creativity_bench.models.objectives.base import Objective, ObjectiveParams, TrainingRows, register_objective
from creativity_bench.models.tokenizer import MASK_ID

EPS = 1e-3


@dataclass(frozen=True)
class DiffusionParams(ObjectiveParams):
    """``steps``: default number of denoising steps (0 = one per answer-region token)."""

    steps: int = 0

    def validate(self) -> None:
        if self.steps < 0:
            raise CBenchError(f"diffusion steps must be >= 0, got {self.steps}")


def region_rows(enc, instance, vocab, context: dict | None = None) -> TrainingRows:
    """Full sequences and the answer region (answer + eos + padding up to the longest answer),
    the tokens the loss is computed on."""
    from creativity_bench.models.tokenizer import answer_width

    width = enc.ids.shape[1]
    span = answer_width(instance)
    col = np.arange(width)[None, :]
    start = enc.answer_start[:, None]
    region = (col >= start) & (col < start + span)
    if (enc.answer_start + span > width).any():
        raise ValueError("answer region does not fit the sequence width")
    return TrainingRows({"ids": enc.ids.copy(), "region": region}, region, context or {})


def keyed_uniforms(seed: int, tag: object, prompt_ids: torch.Tensor, positions: int) -> torch.Tensor:
    """Float64 uniforms (B, positions), each depending only on (seed, tag, prompt id, position)."""
    from creativity_bench.models.sampling import keyed_uniform

    cols = [keyed_uniform(seed, (tag, p), prompt_ids) for p in range(positions)]
    return torch.stack(cols, dim=1)


def reveal_schedule(span: int, steps: int) -> list[int]:
    """How many positions become final at each step (sums to ``span``)."""
    edges = [round(span * (s + 1) / steps) for s in range(steps)]
    return [b - a for a, b in zip([0] + edges[:-1], edges)]


def diffusion_times(noise: RowNoise, low: float, high: float) -> torch.Tensor:
    """Low-discrepancy times in [low, high] (float32): one offset per step, evenly spread over
    the step's global batch, each row's time keyed to the row."""
    return (low + (high - low) * noise.stratified("time")).float()


def noised_positions(noise: RowNoise, region: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
    """Region positions the forward process corrupts: each with probability t of its row."""
    return (noise.uniform("corrupt", region.shape[1]) < t[:, None]) & region


def mdlm_loss(logits: torch.Tensor, x0: torch.Tensor, masked: torch.Tensor, region: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
    """The MDLM NELBO per region token: sum_b (1/t_b) sum_{masked} CE, over the region size."""
    ce = F.cross_entropy(logits.float().transpose(1, 2), x0, reduction="none")  # (B, T)
    per_row = (ce * masked).sum(1) / t
    return per_row.sum() / region.sum().clamp(min=1)


_MASK_INDEX: dict[torch.device, torch.Tensor] = {}


def mask_index(device: torch.device) -> torch.Tensor:
    """[MASK_ID] on ``device``, made once: a fresh host-to-GPU copy every step would stall it."""
    if device not in _MASK_INDEX:
        _MASK_INDEX[device] = torch.tensor([MASK_ID], device=device)
    return _MASK_INDEX[device]


class MaskedDiffusion(Objective):
    name = "diffusion"
    description = "Masked (absorbing) discrete diffusion, MDLM's continuous-time bound."
    params_class = DiffusionParams
    causal = False
    uses_diffusion_steps = True
    # Ancestral sampling at temperature 1: greedy unmasking ignores the seed (SPEC 6).
    standard_sampling = {"mode": "temperature", "temperature": 1.0}
    params: DiffusionParams

    def build_rows(self, enc, instance, vocab):
        return region_rows(enc, instance, vocab)

    def loss(self, model, extra, batch, noise, context):
        x0, region = batch["ids"], batch["region"]
        t = diffusion_times(noise, EPS, 1.0)
        masked = noised_positions(noise, region, t)
        xt = torch.where(masked, torch.full_like(x0, MASK_ID), x0)
        logits = model(xt)
        logits = logits.float().index_fill(-1, mask_index(x0.device), float("-inf"))
        return mdlm_loss(logits, x0, masked, region, t)

    def steps_for(self, settings, span: int) -> int:
        return settings.steps or self.params.steps or span

    @torch.no_grad()
    def sample(self, model, extra, prompts, prompt_ids, max_new, settings, vocab):
        from creativity_bench.models.sampling import categorical, filter_logits

        b, p = prompts.shape
        steps = self.steps_for(settings, max_new)
        x = torch.cat([prompts, torch.full((b, max_new), vocab.mask, dtype=torch.long, device=prompts.device)], dim=1)
        for s, count in enumerate(reveal_schedule(max_new, steps)):
            if count == 0:
                continue
            logits = model(x)[:, p:].double()
            logits[..., vocab.mask] = float("-inf")
            still = x[:, p:] == vocab.mask
            if settings.mode == "greedy":
                probs = torch.softmax(logits, -1)
                conf, tokens = probs.max(-1)
                priority = torch.where(still, conf, torch.full_like(conf, -1.0))
            else:
                probs = torch.softmax(filter_logits(logits.reshape(b * max_new, -1), settings), -1)
                u = keyed_uniforms(settings.seed, ("token", s), prompt_ids, max_new).reshape(-1)
                tokens = categorical(probs, u).reshape(b, max_new)
                order = keyed_uniforms(settings.seed, ("order", s), prompt_ids, max_new)
                priority = torch.where(still, order, torch.full_like(order, -1.0))
            chosen = priority.topk(count, dim=-1).indices
            region = x[:, p:]
            region.scatter_(1, chosen, tokens.gather(1, chosen))
            x[:, p:] = region
        return x[:, p:]


register_objective(MaskedDiffusion)
