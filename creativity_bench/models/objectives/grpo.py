"""Group-relative policy gradient (GRPO-style) on verifier rewards.

At every step the current model draws G answers for each of the batch's fresh prompts; each
draw's advantage is its reward minus the mean reward of its group (the G draws of its prompt),
divided by the group's standard deviation only with ``std=true`` (off by default: a group of
equal rewards has advantage 0 either way). The loss is -1/(B G W) sum advantage x log p(draw)
(objectives/finetune.py), plus ``kl`` times the k3 estimate of KL(model || starting model) per
answer token when ``kl`` > 0, for which a frozen copy of the starting weights (--init-from's, or
the model's at the end of its next-token phase, ``pretrain``) rides along as the extra module.
One gradient step per batch of draws (on policy), so PPO's probability ratio is 1 and its
clipping does nothing: neither is implemented (docs/finetuning.md).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from creativity_bench.errors import CBenchError
from creativity_bench.models.objectives.base import register_objective
from creativity_bench.models.objectives.finetune import FinetuneParams, FineTuning


@dataclass(frozen=True)
class GRPOParams(FinetuneParams):
    """``kl``: weight of the KL penalty to the starting model (0: none); ``std``: divide each
    advantage by its group's standard deviation. ``draws`` is the group size G (at least 2)."""

    kl: float = 0.0
    std: bool = False

    def validate(self) -> None:
        super().validate()
        if self.draws < 2:
            raise CBenchError(f"grpo needs at least 2 draws per prompt (advantages are relative to the group), got {self.draws}")
        if not self.kl >= 0:
            raise CBenchError(f"kl must be non-negative, got {self.kl}")


def group_advantages(rewards: torch.Tensor, std: bool = False) -> torch.Tensor:
    """Reward minus the group mean (B, G), optionally over the group's (population) standard
    deviation; a group of equal rewards gets 0."""
    centred = rewards - rewards.mean(dim=1, keepdim=True)
    if not std:
        return centred
    spread = rewards.std(dim=1, unbiased=False, keepdim=True)
    return torch.where(spread > 0, centred / spread.clamp_min(1e-12), torch.zeros_like(centred))


class GroupRelative(FineTuning):
    name = "grpo"
    description = "Group-relative policy gradient on the task checker's rewards, optional KL to the start; after a next-token phase (pretrain) or from --init-from."
    params_class = GRPOParams
    params: GRPOParams

    def kl_weight(self) -> float:
        return self.params.kl

    def draw_weights(self, rewards: torch.Tensor) -> torch.Tensor:
        return group_advantages(rewards, self.params.std)


register_objective(GroupRelative)
