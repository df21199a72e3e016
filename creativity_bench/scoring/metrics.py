"""Creativity, memorization, validity and diversity of N generated answers (SPEC section 4)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from creativity_bench.tasks.base import Instance, Verdict

# The four metrics, in the order every table, file and curve lists them.
METRICS = ("creativity", "memorization", "validity", "diversity")


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
        return {"n": self.n, **{m: getattr(self, m) for m in METRICS}, "compat": self.compat, "reasons": self.reasons}


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
        compat=compat_scores(instance, answers),
        reasons=dict(sorted(reasons.items())),
    )
    return scores, out


def released_reading(answer: str, marker: str) -> tuple[str, bool]:
    """The answer as the study's released evaluator reads it, and whether a marker cut it short.

    That evaluator splits the whole sequence at the prompt marker, so it reads what follows the
    marker up to the marker's next occurrence; tokens are joined by single spaces here.
    """
    tokens = answer.split() if isinstance(answer, str) else []
    if marker in tokens:
        return " ".join(tokens[: tokens.index(marker)]), True
    return " ".join(tokens), False


def compat_scores(instance: Instance, answers: list[str]) -> dict[str, float]:
    """The numbers the study's released evaluator (``eval_qa.py``) prints for these answers (SPEC 4).

    ``memorization`` is its test_seen_score (the released canonical form is among the training
    set's, per sample, valid or not), ``unseen`` its test_unseen_score (valid and not seen, per
    sample), ``creativity`` and ``diversity`` its test_creativity_score and test_diversity_score
    (distinct RAW answer strings that are valid and unseen, or valid, over N). ``validity`` (lenient
    validity per sample) is not printed by the released evaluator but is shown beside the strict one.
    """
    checker, marker = instance.checker, instance.task.eval_marker
    train = instance.train_compat_canonical
    cache: dict[str, tuple[bool, bool]] = {}
    valid_raw: set[str] = set()
    unseen_raw: set[str] = set()
    n_valid = n_seen = n_unseen = 0
    for answer in answers:
        reading, cut = released_reading(answer, marker)
        # A cut answer lacks the end-of-answer marker, so its raw string is not the uncut one's.
        raw = f"{reading} {marker}" if cut else reading
        judged = cache.get(raw)
        if judged is None:
            canonical = None if cut and checker.compat_seen_needs_end else checker.compat_canonical(reading)
            judged = cache[raw] = (checker.compat_valid(reading), canonical is not None and canonical in train)
        valid, seen = judged
        n_seen += seen
        if valid:
            n_valid += 1
            valid_raw.add(raw)
            if not seen:
                n_unseen += 1
                unseen_raw.add(raw)
    denom = max(len(answers), 1)
    return {
        "creativity": len(unseen_raw) / denom,
        "memorization": n_seen / denom,
        "validity": n_valid / denom,
        "diversity": len(valid_raw) / denom,
        "unseen": n_unseen / denom,
    }
