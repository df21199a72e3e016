"""Teacherless training (Bachmann and Nagarajan 2024), as a hybrid with next-token prediction.

A teacherless copy replaces the answer's *input* tokens (all, or a prefix) with a dummy
token and keeps the targets, so the model must predict several answer tokens from the
prompt alone: it has to plan instead of leaning on the revealed prefix ("Clever Hans").
The training set is the ordinary teacher-forced rows plus these copies. Inference is
ordinary left-to-right decoding.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from creativity_bench.errors import CBenchError
from creativity_bench.models.objectives.base import (
    Objective,
    ObjectiveParams,
    TrainingRows,
    next_token_rows,
    register_objective,
    teacher_forced,
)
from creativity_bench.seeding import below, derive_key, words

# The study's mix per task: dummy-prefix lengths of the copies, and the share of samples that get them.
STUDY_MIX = {
    "sibling": "1,2",
    "triangle": "full@0.5",
    "circle": "full,full,full",
    "line": "full,full,full",
}
DEFAULT_MIX = "full"


@dataclass(frozen=True)
class TeacherlessParams(ObjectiveParams):
    """``mix``: comma-separated dummy-prefix lengths ('full' = whole answer), optionally
    '@fraction' of samples that get copies; 'auto' takes the study's mix for the task."""

    mix: str = "auto"

    def validate(self) -> None:
        parse_mix(self.mix if self.mix != "auto" else DEFAULT_MIX)


def parse_mix(mix: str) -> tuple[list[int | None], float]:
    """'1,2' -> ([1, 2], 1.0); 'full@0.5' -> ([None], 0.5). None means a fully-dummy copy."""
    spec, _, frac = mix.partition("@")
    try:
        fraction = float(frac) if frac else 1.0
        copies = [None if p.strip() == "full" else int(p) for p in spec.split(",") if p.strip()]
    except ValueError:
        raise CBenchError(f"teacherless mix '{mix}' is not like '1,2', 'full,full' or 'full@0.5'") from None
    if not copies or not 0 < fraction <= 1 or any(c is not None and c < 1 for c in copies):
        raise CBenchError(f"teacherless mix '{mix}' needs at least one copy, lengths >= 1 and a fraction in (0, 1]")
    return copies, fraction


class Teacherless(Objective):
    name = "teacherless"
    description = "Hybrid of next-token and teacherless (dummy-input) training."
    params_class = TeacherlessParams
    params: TeacherlessParams

    def mix(self) -> str:
        return STUDY_MIX.get(self.task_name, DEFAULT_MIX) if self.params.mix == "auto" else self.params.mix

    def resolved_params(self) -> dict:
        return {"mix": self.mix()}

    def build_rows(self, enc, instance, vocab) -> TrainingRows:
        base = next_token_rows(enc).arrays
        copies, fraction = parse_mix(self.mix())
        eligible = np.array([instance.task.is_memorizable(s) for s in instance.train], dtype=bool)
        if fraction < 1:
            # Which samples get copies is fixed by the instance, not by the training seed.
            draw = below(words(derive_key(instance.fingerprint, "teacherless"), len(eligible))[:, 0], 1_000_000)
            eligible &= draw < round(fraction * 1_000_000)
        rows = np.flatnonzero(eligible)
        inputs, targets = [base["inputs"]], [base["targets"]]
        col = np.arange(base["inputs"].shape[1])[None, :]
        for prefix in copies:
            x = base["inputs"][rows].copy()
            start = enc.answer_start[rows][:, None]
            stop = enc.length[rows][:, None] - 1  # eos is never an input
            if prefix is not None:
                stop = np.minimum(stop, start + prefix)
            x[(col >= start) & (col < stop)] = vocab.dummy
            inputs.append(x)
            targets.append(base["targets"][rows])
        return teacher_forced(np.concatenate(inputs), np.concatenate(targets))


register_objective(Teacherless)
