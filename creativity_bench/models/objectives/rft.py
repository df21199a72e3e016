"""Rejection-sampling fine-tuning: next-token training on the model's own rewarded draws.

Online: at every step the current model draws G answers for each of the batch's fresh prompts
(temperature sampling, ``temperature`` 1 by default), the task's checker keeps the rewarded ones
(reward valid, novel or creative), and the step trains next-token prediction on them, each kept
draw's tokens weighed 1/(B G W) (objectives/finetune.py; docs/finetuning.md). A step whose draws
earn nothing leaves the gradient at zero. It starts from a trained model, since a model that never
writes a coherent answer earns no reward to learn from: --init-from's (with ``pretrain`` 0), or by
default its own, trained by next-token prediction on the first ``pretrain`` share of the run's
compute (docs/finetuning.md).
"""

from __future__ import annotations

import torch

from creativity_bench.models.objectives.base import register_objective
from creativity_bench.models.objectives.finetune import FinetuneParams, FineTuning


class RejectionSampling(FineTuning):
    name = "rft"
    description = "Rejection-sampling fine-tuning: next-token training on the model's own draws the task checker rewards, after a next-token phase (pretrain) or from --init-from."
    params_class = FinetuneParams

    def draw_weights(self, rewards: torch.Tensor) -> torch.Tensor:
        return rewards


register_objective(RejectionSampling)
