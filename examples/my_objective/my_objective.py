"""An example objective plugin: next-token prediction with label smoothing.

Label smoothing moves ``smoothing`` of each target's probability mass onto the other tokens;
it is a classic regulariser against over-confident (and, plausibly, memorizing) predictions,
which makes it a reasonable first thing to try on a creativity benchmark. Everything else
(training rows, left-to-right sampling, checkpoints) is inherited from the base Objective.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch.nn.functional as F

from creativity_bench.errors import CBenchError
from creativity_bench.models.objectives import Objective, ObjectiveParams
from creativity_bench.models.objectives.base import IGNORE


@dataclass(frozen=True)
class SmoothingParams(ObjectiveParams):
    """``smoothing``: probability mass spread uniformly over the vocabulary (0 = plain ntp)."""

    smoothing: float = 0.1

    def validate(self) -> None:
        if not 0.0 <= self.smoothing < 1.0:
            raise CBenchError(f"smoothing must be in [0, 1), got {self.smoothing}")


class LabelSmoothedNTP(Objective):
    name = "ntp-smooth"
    version = 1
    description = "Next-token prediction with label smoothing (example plugin)."
    params_class = SmoothingParams
    params: SmoothingParams

    def loss(self, model, extra, batch, noise, context):
        logits = model(batch["inputs"]).float()
        return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), batch["targets"].reshape(-1),
                               ignore_index=IGNORE, label_smoothing=self.params.smoothing)
