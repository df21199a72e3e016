"""Discovery curves (creativity@k): how much of the space a model finds when it may draw many
samples per prompt, the creativity analogue of pass@k.

A model answers each of the N evaluation prompts K times (``Instance.draw_prompts``). The draws
are read in draw-major order, every prompt's first draw, then every prompt's second, and so on,
so that after n = N draws the curve is the single-sample headline (creativity x N novel forms).
At each point n of the curve:

- ``novel_forms``: distinct novel coherent canonical forms among the first n draws (a form the
  training set does not hold, counted once however often it is drawn);
- ``novel_fraction``: that count over the novel forms that exist (coherent forms minus the
  training set's; every task can count them), None where a task cannot;
- ``validity`` and ``memorization``: the fraction of the first n draws that are coherent, and
  that reproduce a training form.

The curve is kept at every multiple of N (k = 1 .. K) and at about 20 log-spaced points a decade
below, which is what the report plots on log-scaled draws.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from creativity_bench.scoring.metrics import judge
from creativity_bench.tasks.base import Instance

POINTS_PER_DECADE = 20


def novel_total(instance: Instance) -> int | None:
    """How many novel coherent canonical forms exist (None where the task cannot count them)."""
    try:
        total = instance.task.coherent_count(instance)
    except NotImplementedError:
        return None
    return total - len(instance.train_canonical)


def curve_points(draws: int, prompts: int) -> list[int]:
    """Where the curve is kept: 1, log-spaced points, and every multiple of ``prompts``, up to ``draws``."""
    if draws < 1:
        return []
    logs = np.unique(np.round(np.logspace(0, np.log10(draws), num=max(2, int(np.log10(draws) * POINTS_PER_DECADE) + 1))).astype(int))
    multiples = np.arange(prompts, draws + 1, max(prompts, 1))
    return sorted({int(n) for n in (*logs, *multiples, draws) if 1 <= n <= draws})


@dataclass(frozen=True)
class DiscoveryCurve:
    """A discovery curve over N prompts x K draws (module docstring)."""

    prompts: int
    draws_per_prompt: int
    novel_total: int | None
    points: list[dict[str, Any]] = field(default_factory=list)

    def at(self, k: int) -> dict[str, Any]:
        """The point after k draws per prompt (n = k x N)."""
        n = k * self.prompts
        for p in self.points:
            if p["draws"] == n:
                return p
        raise KeyError(f"no point at k={k}")

    def summary(self) -> dict[str, Any]:
        """What results.json records: N, K, the novel forms that exist, and the point at each k."""
        return {"prompts": self.prompts, "draws_per_prompt": self.draws_per_prompt, "novel_total": self.novel_total,
                "at_k": [self.at(k) for k in range(1, self.draws_per_prompt + 1)]}


def discovery_curve(instance: Instance, draws: list[list[str]]) -> DiscoveryCurve:
    """The curve of K lists of N answers (draw d of every prompt, in prompt order), draw-major."""
    if not draws or any(len(d) != len(draws[0]) for d in draws):
        raise ValueError("draws must be K lists of the same N answers")
    prompts, k = len(draws[0]), len(draws)
    answers = [a for draw in draws for a in draw]
    verdicts = judge(instance, answers)
    train = instance.train_canonical
    valid = np.fromiter((v.valid for v in verdicts), dtype=bool, count=len(verdicts))
    memorized = np.fromiter((v.canonical is not None and v.canonical in train for v in verdicts), dtype=bool, count=len(verdicts))
    novel = valid & ~memorized
    # Each novel form's first draw: codes for the novel canonical forms, first index of each code.
    first = np.zeros(len(answers), dtype=bool)
    novel_at = np.flatnonzero(novel)
    if novel_at.size:
        codes: dict[str, int] = {}
        ids = np.fromiter((codes.setdefault(verdicts[i].canonical, len(codes)) for i in novel_at), dtype=np.int64, count=novel_at.size)
        _, first_of = np.unique(ids, return_index=True)
        first[novel_at[first_of]] = True
    found, n_valid, n_memorized = np.cumsum(first), np.cumsum(valid), np.cumsum(memorized)
    total = novel_total(instance)
    points = []
    for n in curve_points(len(answers), prompts):
        c = int(found[n - 1])
        points.append({"draws": n, "k": n / prompts, "novel_forms": c,
                       "novel_fraction": c / total if total else None,
                       "validity": float(n_valid[n - 1]) / n, "memorization": float(n_memorized[n - 1]) / n})
    return DiscoveryCurve(prompts, k, total, points)
