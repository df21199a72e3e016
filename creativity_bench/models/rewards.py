"""Verifier rewards for fine-tuning: the task's own checker judges a model's samples.

Torch-free. Answers come in groups: the G draws a fine-tuning objective makes for one prompt,
consecutive in the list. Each answer gets a reward in {0, 1}:

- ``valid``: the answer is coherent (``Checker.check(answer).valid``);
- ``novel``: coherent, and its canonical form is not a training form (``Instance.train_canonical``);
- ``creative``: novel, and no earlier draw of its group had the same canonical form (the first
  draw of a form is rewarded, its repeats are not): the benchmark's creativity (unique, coherent,
  original) within one group of draws.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from creativity_bench.errors import CBenchError
from creativity_bench.tasks.base import Checker, Instance, Verdict

REWARDS = ("valid", "novel", "creative")


def check_reward(kind: str) -> None:
    """Refuse an unknown reward kind in one line."""
    if kind not in REWARDS:
        raise CBenchError(f"reward must be one of {', '.join(REWARDS)}, got '{kind}'")


@dataclass(frozen=True)
class Verifier:
    """What a reward needs of an instance: its checker and its training forms."""

    checker: Checker
    train_canonical: frozenset[str]

    @classmethod
    def for_instance(cls, instance: Instance) -> Verifier:
        return cls(instance.checker, instance.train_canonical)

    def rewards(self, kind: str, answers: Sequence[str], group: int) -> list[float]:
        """One reward per answer; ``answers`` are consecutive groups of ``group`` draws."""
        return group_rewards(kind, answers, group, self.checker, self.train_canonical)


def group_rewards(kind: str, answers: Sequence[str], group: int, checker: Checker, train_canonical: frozenset[str]) -> list[float]:
    """Rewards of ``answers`` (consecutive groups of ``group`` draws of one prompt each) under
    reward ``kind`` (valid, novel or creative)."""
    check_reward(kind)
    if group < 1 or len(answers) % group:
        raise ValueError(f"{len(answers)} answers do not split into groups of {group}")
    verdicts: dict[str, Verdict] = {}
    out: list[float] = []
    for start in range(0, len(answers), group):
        seen: set[str] = set()  # canonical forms of the group's earlier coherent draws
        for answer in answers[start : start + group]:
            verdict = verdicts.get(answer)
            if verdict is None:
                verdict = verdicts[answer] = checker.check(answer)
            out.append(float(reward_of(kind, verdict, train_canonical, seen)))
            if verdict.valid:
                seen.add(verdict.canonical)
    return out


def reward_of(kind: str, verdict: Verdict, train_canonical: frozenset[str], seen: set[str]) -> bool:
    """One draw's reward from its verdict; ``seen`` holds the forms earlier draws of its group made."""
    if not verdict.valid:
        return False
    if kind == "valid":
        return True
    novel = verdict.canonical not in train_canonical
    return novel if kind == "novel" else novel and verdict.canonical not in seen
