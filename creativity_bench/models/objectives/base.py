"""The objective interface: the pieces that differ between training objectives.

An objective turns encoded sequences into training rows (``build_rows``), computes a loss on
a batch (``loss``), may add modules to the backbone (``extra_module``), and samples answers
(``sample``). Left-to-right decoding is the default sampler; diffusion objectives override it.

An objective keeps no state between these calls: what ``build_rows`` learns about the data that
the loss needs goes in the rows' ``context``, and every random draw of the loss comes from the
``RowNoise`` it is given, keyed to each row.
"""

from __future__ import annotations

import dataclasses
from abc import ABC
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

from creativity_bench.errors import CBenchError
from creativity_bench.models.noise import RowNoise
from creativity_bench.models.tokenizer import Encoded, Vocabulary
from creativity_bench.params import params_from_dict
from creativity_bench.registry import Registry
from creativity_bench.tasks.base import Instance

IGNORE = -100


@dataclass(frozen=True)
class TrainingRows:
    """What an objective trains on.

    ``arrays``: named arrays with one row per training row (all of the same length N);
    ``scored``: (N, T) booleans, the tokens the loss is computed on (what "answer tokens trained"
    counts); ``context``: anything fixed for the whole run that the loss needs (tensors in it are
    moved to the training device once).
    """

    arrays: dict[str, np.ndarray]
    scored: np.ndarray
    context: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        sizes = {k: v.shape[0] for k, v in self.arrays.items()}
        if not sizes or len(set(sizes.values())) != 1 or self.scored.shape[0] != next(iter(sizes.values())):
            raise ValueError(f"training rows of unequal length: {sizes}, scored {self.scored.shape[0]}")
        if not self.scored.any():
            raise CBenchError("the objective's training rows score no token")

    @property
    def n(self) -> int:
        return self.scored.shape[0]


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
    # The family's standard sampler (SPEC 6), what sampling mode "standard" resolves to: any of
    # mode, temperature, top_k, top_p (the rest neutral). Left-to-right objectives decode greedily.
    standard_sampling: ClassVar[dict[str, Any]] = {"mode": "greedy"}
    # Whether the objective fine-tunes a trained model (docs/finetuning.md): `cbench suite` leaves
    # it out of its default grid. Whether a run with given parameters needs ``--init-from`` is
    # ``needs_init()``, which says this unless the objective overrides it.
    requires_init: ClassVar[bool] = False

    def __init__(self, params: ObjectiveParams | None = None, task_name: str = "") -> None:
        self.params = params if params is not None else self.params_class()
        self.params.validate()
        self.task_name = task_name

    def needs_init(self) -> bool:
        """Whether a run with these parameters needs a trained start (``--init-from``): TrainConfig
        refuses it without one. The fine-tuners need one unless they pretrain (``pretrain_share``)."""
        return self.requires_init

    def pretrain_share(self) -> float:
        """The share of the run's training FLOPs spent on plain next-token prediction (the ``ntp``
        objective's rows and loss) before this objective's own loss, in [0, 1); 0: none. The trainer
        runs that phase (models/train.py) and charges its steps at ntp's FLOPs (config.pretrain_steps)."""
        return 0.0

    def resolved_params(self) -> dict[str, Any]:
        """Parameters as used (with task-dependent defaults filled in), for results.json."""
        return self.params.to_dict()

    def training_flops(self, model_cfg, width: int) -> float:
        """Training FLOPs (forward and backward) of one row ``width`` tokens wide of this objective's
        loss: what a compute budget charges (a next-token phase, ``pretrain_share``, is charged at
        ntp's). Override it when the loss runs more than one backbone pass per row."""
        from creativity_bench.models.flops import backbone_training_flops

        return width * backbone_training_flops(model_cfg, width)

    def extra_module(self, model_cfg) -> nn.Module | None:
        """Modules beyond the backbone (e.g. multi-token heads); saved with the weights."""
        return None

    def build_rows(self, enc: Encoded, instance: Instance, vocab: Vocabulary) -> TrainingRows:
        """Training rows: ``inputs`` and ``targets`` (IGNORE where no loss), each (N, T-1)."""
        return next_token_rows(enc)

    def loss(self, model: nn.Module, extra: nn.Module | None, batch: dict[str, torch.Tensor], noise: RowNoise,
             context: dict[str, Any]) -> torch.Tensor:
        """Mean cross-entropy over target positions. Random draws, if any, come from ``noise``."""
        logits = model(batch["inputs"])
        return masked_cross_entropy(logits, batch["targets"])

    def sample(self, model, extra, prompts: torch.Tensor, prompt_ids: torch.Tensor, max_new: int, settings, vocab: Vocabulary) -> torch.Tensor:
        """Generated answer ids (B, max_new) for equal-length prompts (B, P)."""
        from creativity_bench.models.sampling import decode_left_to_right

        return decode_left_to_right(model, prompts, prompt_ids, max_new, settings, vocab)


def next_token_rows(enc: Encoded) -> TrainingRows:
    """Teacher-forced rows: predict token t+1 from tokens up to t, loss on answer and eos only."""
    return teacher_forced(enc.ids[:, :-1].copy(), next_token_targets(enc))


def next_token_targets(enc: Encoded) -> np.ndarray:
    """Targets of teacher-forced rows: token t+1 on answer and eos positions, IGNORE elsewhere."""
    targets = enc.ids[:, 1:].copy()
    pos = np.arange(targets.shape[1])[None, :] + 1  # position of the target token
    keep = (pos >= enc.answer_start[:, None]) & (pos < enc.length[:, None])
    targets[~keep] = IGNORE
    return targets


def teacher_forced(inputs: np.ndarray, targets: np.ndarray, context: dict[str, Any] | None = None) -> TrainingRows:
    """Rows of ``inputs`` and ``targets``, scored where a target is set."""
    return TrainingRows({"inputs": inputs, "targets": targets}, targets != IGNORE, context or {})


def masked_cross_entropy(logits: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """Mean cross-entropy over positions whose target is not IGNORE (float32 logits)."""
    return F.cross_entropy(logits.float().reshape(-1, logits.shape[-1]), targets.reshape(-1), ignore_index=IGNORE)


OBJECTIVES: Registry[type[Objective]] = Registry("objective")


def register_objective(cls: type[Objective]) -> type[Objective]:
    """Register an objective class under its ``name`` (the one line at the end of its file)."""
    return OBJECTIVES.register(cls.name, cls)
