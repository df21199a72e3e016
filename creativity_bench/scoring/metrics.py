"""Creativity, memorization, validity and diversity of N generated answers (SPEC section 4)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from creativity_bench.tasks.base import Instance, Verdict


@dataclass(frozen=True)
class SampleVerdict:
    """One generation, judged: the per-sample log line of ``verdicts.jsonl``."""

    prompt_id: int
    seed: str
    answer: str
    valid: bool
    reason: str
    canonical: str | None
    memorized: bool
    novel: bool  # valid and not memorized
    counted: bool  # the first occurrence of a novel canonical form: what creativity counts

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass(frozen=True)
class Scores:
    """Aggregate metrics over ``n`` generations, plus the study-compatible view."""

    n: int
    creativity: float
    memorization: float
    validity: float
    diversity: float
    compat: dict[str, float]
    reasons: dict[str, int] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "n": self.n,
            "creativity": self.creativity,
            "memorization": self.memorization,
            "validity": self.validity,
            "diversity": self.diversity,
            "compat": self.compat,
            "reasons": self.reasons,
        }


def judge(instance: Instance, answers: Iterable[str]) -> list[Verdict]:
    """Check many answers, caching repeats (memorized and collapsed outputs repeat a lot)."""
    check = instance.checker.check
    cache: dict[str, Verdict] = {}
    out = []
    for a in answers:
        v = cache.get(a)
        if v is None:
            v = cache[a] = check(a)
        out.append(v)
    return out


def score_answers(
    instance: Instance, answers: list[str], prompt_ids: list[int] | None = None, seeds: list[str] | None = None
) -> tuple[Scores, list[SampleVerdict]]:
    """Score answers against an instance; returns the aggregate scores and per-sample verdicts."""
    n = len(answers)
    prompt_ids = list(range(n)) if prompt_ids is None else prompt_ids
    if seeds is None:
        by_id = {e.prompt_id: e.seed for e in instance.eval}
        seeds = [by_id.get(i, "") for i in prompt_ids]
    verdicts = judge(instance, answers)
    train = instance.train_canonical
    seen_valid: set[str] = set()
    seen_novel: set[str] = set()
    reasons: dict[str, int] = {}
    n_valid = n_mem = 0
    out = []
    for pid, seed, answer, v in zip(prompt_ids, seeds, answers, verdicts):
        memorized = v.canonical is not None and v.canonical in train
        novel = v.valid and not memorized
        counted = novel and v.canonical not in seen_novel
        if v.valid:
            n_valid += 1
            seen_valid.add(v.canonical)
        if counted:
            seen_novel.add(v.canonical)
        n_mem += memorized
        reasons[v.reason] = reasons.get(v.reason, 0) + 1
        out.append(SampleVerdict(pid, seed, answer, v.valid, v.reason, v.canonical, memorized, novel, counted))
    denom = max(n, 1)
    scores = Scores(
        n=n,
        creativity=len(seen_novel) / denom,
        memorization=n_mem / denom,
        validity=n_valid / denom,
        diversity=len(seen_valid) / denom,
        compat=compat_scores(instance, answers, verdicts),
        reasons=dict(sorted(reasons.items())),
    )
    return scores, out


def compat_scores(instance: Instance, answers: list[str], verdicts: list[Verdict] | None = None) -> dict[str, float]:
    """The released study code's view: lenient validity, uniqueness on raw strings.

    The lenient rules accept everything the strict ones do, so strict verdicts, when given,
    spare re-checking valid answers.
    """
    if verdicts is None:
        verdicts = judge(instance, answers)
    lenient = instance.checker.compat_valid
    raw_train = instance.train_raw
    cache: dict[str, bool] = {}
    valid_raw: set[str] = set()
    novel_raw: set[str] = set()
    n_valid = n_mem = 0
    for a, v in zip(answers, verdicts):
        raw = " ".join(a.split()) if isinstance(a, str) else ""
        ok = v.valid or cache.get(raw)
        if ok is None:
            ok = cache[raw] = lenient(raw)
        if raw in raw_train:
            n_mem += 1
        if ok:
            n_valid += 1
            valid_raw.add(raw)
            if raw not in raw_train:
                novel_raw.add(raw)
    denom = max(len(answers), 1)
    return {
        "creativity": len(novel_raw) / denom,
        "memorization": n_mem / denom,
        "validity": n_valid / denom,
        "diversity": len(valid_raw) / denom,
    }
