"""Multi-token prediction (Gloeckle et al. 2024): n heads on a shared trunk, head i predicts t+i.

Head 1 is the backbone's own output (final norm, tied unembedding), so a model trained with
n heads decodes exactly like a next-token model. Heads 2..n are one extra Transformer block
each on the trunk's last hidden states, sharing the unembedding. The loss is the sum over
heads of each head's mean cross-entropy on answer (and eos) targets.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import torch
import torch.nn as nn

from creativity_bench.errors import CBenchError
from creativity_bench.models.objectives.base import (
    IGNORE,
    Objective,
    ObjectiveParams,
    TrainingRows,
    masked_cross_entropy,
    next_token_rows,
    register_objective,
)


@dataclass(frozen=True)
class MTPParams(ObjectiveParams):
    """``heads``: how many future tokens are predicted from each position (1 = next-token)."""

    heads: int = 4

    def validate(self) -> None:
        if not 1 <= self.heads <= 16:
            raise CBenchError(f"mtp heads must be between 1 and 16, got {self.heads}")


class ExtraHeads(nn.Module):
    """Heads 2..n: a Transformer block and a norm each."""

    def __init__(self, model_cfg, n: int) -> None:
        super().__init__()
        from creativity_bench.models.backbone import Block

        self.blocks = nn.ModuleList(Block(model_cfg) for _ in range(n - 1))
        self.norms = nn.ModuleList(nn.LayerNorm(model_cfg.n_embd) for _ in range(n - 1))


def shifted_targets(targets: torch.Tensor, shift: int) -> torch.Tensor:
    """Targets for a head that predicts ``shift`` tokens further ahead (IGNORE past the end)."""
    if shift == 0:
        return targets
    out = torch.full_like(targets, IGNORE)
    out[:, :-shift] = targets[:, shift:]
    return out


class MultiToken(Objective):
    name = "mtp"
    description = "Multi-token prediction: n heads on a shared trunk, next-token head for decoding."
    params_class = MTPParams
    params: MTPParams

    def training_flops(self, model_cfg, width: int) -> float:
        # Each extra head is one more block and one more pass through the output layer: a
        # one-layer backbone's cost.
        from creativity_bench.models.flops import backbone_training_flops

        per_head = backbone_training_flops(dataclasses.replace(model_cfg, n_layer=1), width)
        return super().training_flops(model_cfg, width) + width * (self.params.heads - 1) * per_head

    def extra_module(self, model_cfg) -> nn.Module | None:
        return ExtraHeads(model_cfg, self.params.heads) if self.params.heads > 1 else None

    def build_rows(self, enc, instance, vocab) -> TrainingRows:
        rows = next_token_rows(enc)
        # Per head shift: True when every training row has a target that far ahead, False when
        # none has; a head in between (rows of different lengths) is checked batch by batch.
        # Deciding from the rows saves a host synchronization per head and step on GPU.
        valid = rows.scored
        live = {}
        for i in range(1, self.params.heads):
            reach = valid[:, i:].any(axis=1)
            live[i] = True if reach.all() else False if not reach.any() else None
        return TrainingRows(rows.arrays, rows.scored, {"live_heads": live})

    def loss(self, model, extra, batch, noise, context) -> torch.Tensor:
        h = model.trunk(batch["inputs"])
        targets = batch["targets"]
        total = masked_cross_entropy(model.logits(model.ln_f(h)), targets)
        live = context.get("live_heads", {})
        for i in range(1, self.params.heads):
            shifted = shifted_targets(targets, i)
            decided = live.get(i)
            if decided is False or (decided is None and not bool((shifted != IGNORE).any())):
                continue
            z = extra.norms[i - 1](extra.blocks[i - 1](h))
            total = total + masked_cross_entropy(model.logits(z), shifted)
        return total


register_objective(MultiToken)
