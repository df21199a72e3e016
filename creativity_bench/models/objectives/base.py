"""The objective interface: the pieces that differ between training objectives.

An objective turns encoded sequences into training rows (``build_rows``), computes a loss on
a batch (``loss``), may add modules to the backbone (``extra_module``), and samples answers
(``sample``). Left-to-right decoding is the default sampler; diffusion objectives override it.
"""

from __future__ import annotations

import dataclasses
from abc import ABC
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

from creativity_bench.models.tokenizer import Encoded, Vocabulary
from creativity_bench.registry import Registry
from creativity_bench.tasks.base import Instance, params_from_dict

IGNORE = -100


@dataclass(frozen=True)
class ObjectiveParams:
    """Objectives with no parameters use this; others subclass it (fields need defaults)."""

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> ObjectiveParams:
        return params_from_dict(cls, values)

    def validate(self) -> None:
        """Raise CBenchError on impossible values."""


class Objective(ABC):
    """A training objective. Subclasses set ``name`` and override the hooks they change."""

    name: ClassVar[str]
    version: ClassVar[int] = 1
    description: ClassVar[str] = ""
    params_class: ClassVar[type[ObjectiveParams]] = ObjectiveParams
    causal: ClassVar[bool] = True
    # Whether the sampler takes a number of denoising steps (the CLI refuses it otherwise).
    uses_diffusion_steps: ClassVar[bool] = False

    def __init__(self, params: ObjectiveParams | None = None, task_name: str = "") -> None:
        self.params = params if params is not None else self.params_class()
        self.params.validate()
        self.task_name = task_name

    def resolved_params(self) -> dict[str, Any]:
        """Parameters as used (with task-dependent defaults filled in), for results.json."""
        return self.params.to_dict()

    def extra_module(self, model_cfg) -> nn.Module | None:
        """Modules beyond the backbone (e.g. multi-token heads); saved with the weights."""
        return None

    def build_rows(self, enc: Encoded, instance: Instance, vocab: Vocabulary) -> dict[str, np.ndarray]:
        """Training rows: ``inputs`` and ``targets`` (IGNORE where no loss), each (N, T-1)."""
        return next_token_rows(enc)

    def loss(self, model: nn.Module, extra: nn.Module | None, batch: dict[str, torch.Tensor], generator: torch.Generator) -> torch.Tensor:
        """Mean cross-entropy over target positions."""
        logits = model(batch["inputs"])
        return masked_cross_entropy(logits, batch["targets"])

    def sample(self, model, extra, prompts: torch.Tensor, prompt_ids: torch.Tensor, max_new: int, settings, vocab: Vocabulary) -> torch.Tensor:
        """Generated answer ids (B, max_new) for equal-length prompts (B, P)."""
        from creativity_bench.models.sampling import decode_left_to_right

        return decode_left_to_right(model, prompts, prompt_ids, max_new, settings, vocab)


def next_token_rows(enc: Encoded) -> dict[str, np.ndarray]:
    """Teacher-forced rows: predict token t+1 from tokens up to t, loss on answer and eos only."""
    inputs = enc.ids[:, :-1].copy()
    targets = enc.ids[:, 1:].copy()
    pos = np.arange(targets.shape[1])[None, :] + 1  # position of the target token
    keep = (pos >= enc.answer_start[:, None]) & (pos < enc.length[:, None])
    targets[~keep] = IGNORE
    return {"inputs": inputs, "targets": targets}


def masked_cross_entropy(logits: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """Mean cross-entropy over positions whose target is not IGNORE (float32 logits)."""
    return F.cross_entropy(logits.float().reshape(-1, logits.shape[-1]), targets.reshape(-1), ignore_index=IGNORE)


OBJECTIVES: Registry[type[Objective]] = Registry("objective")


def register_objective(cls: type[Objective]) -> type[Objective]:
    """Register an objective class under its ``name`` (the one line at the end of its file)."""
    return OBJECTIVES.register(cls.name, cls)
