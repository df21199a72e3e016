"""Sampling sweeps on trained checkpoints: new decoding settings, no retraining.

Two sweeps, as in the study:
- seed-conditioning against temperature: seed length {10, 0 (null)} x {greedy, T = 0.5, 1, 2};
- seed length: {0, 2, 4, 10} with greedy decoding.
Each point samples every evaluation prompt (fresh prompts where the seed length differs from
the instance's) from one run's checkpoint, exactly as `cbench sample` does, and is cached in
RESULTS/sweeps/TASK/OBJECTIVE/sSEED/POINT.json keyed to the checkpoint's step and instance
fingerprint; a report re-run reuses them.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from creativity_bench.errors import CBenchError
from creativity_bench.io import CHECKPOINT_DIR, RESULTS_FILE, atomic_write_text, dumps_json, read_json
from creativity_bench.report.aggregate import RunRecord, mean_std
from creativity_bench.scoring.metrics import METRICS

SWEEP_DIR = "sweeps"
TEMPERATURES = (0.5, 1.0, 2.0)
SEED_LENGTHS = (0, 2, 4, 10)
SEEDED = 10


@dataclass(frozen=True)
class Point:
    """One sampling setting of a sweep."""

    seed_length: int
    temperature: float | None  # None: greedy

    @property
    def decoding(self) -> str:
        return "greedy" if self.temperature is None else f"T={self.temperature:g}"

    @property
    def key(self) -> str:
        return f"len{self.seed_length}-" + ("greedy" if self.temperature is None else f"t{self.temperature:g}")

    def settings(self):
        from creativity_bench.models.sampling import SamplingSettings

        if self.temperature is None:
            return SamplingSettings(mode="greedy", seed_length=self.seed_length)
        return SamplingSettings(mode="temperature", temperature=self.temperature, seed_length=self.seed_length)


def seed_temperature_points() -> list[Point]:
    return [Point(length, t) for length in (SEEDED, 0) for t in (None, *TEMPERATURES)]


def seed_length_points() -> list[Point]:
    return [Point(length, None) for length in SEED_LENGTHS]


def all_points() -> list[Point]:
    return list(dict.fromkeys(seed_temperature_points() + seed_length_points()))


def run_points(record: RunRecord, points: list[Point], root: Path, on_point: Callable[[], None] | None = None) -> dict[str, dict[str, Any]]:
    """Scores for every point on one run's checkpoint (cached); loads the model only if needed."""
    cache_dir = Path(root) / SWEEP_DIR / record.path.relative_to(root)
    fingerprint = record.results["task"]["fingerprint"]
    step = record.results["training"]["config"]["steps"]
    # A point belongs to one trained model: its results.json (rewritten whenever the run is redone).
    run_hash = hashlib.sha256((record.path / RESULTS_FILE).read_bytes()).hexdigest()
    out: dict[str, dict[str, Any]] = {}
    loaded = None
    for point in points:
        path = cache_dir / f"{point.key}.json"
        if path.exists():
            doc = read_json(path, "sweep point")
            if doc.get("fingerprint") == fingerprint and doc.get("step") == step and doc.get("run_results_sha256") == run_hash:
                out[point.key] = doc
                if on_point:
                    on_point()
                continue
        if loaded is None:
            loaded = _load(record)
        doc = {**_sample_point(loaded, point, fingerprint, step), "run_results_sha256": run_hash}
        atomic_write_text(path, dumps_json(doc))
        out[point.key] = doc
        if on_point:
            on_point()
    return out


def _load(record: RunRecord):
    from creativity_bench.models.checkpoint import WEIGHTS_FILE, load_for_sampling

    if not (record.path / CHECKPOINT_DIR / WEIGHTS_FILE).is_file():
        raise CBenchError(f"{record.path}: no checkpoint to sample a sweep point from (checkpoints are not kept in git); "
                          "pass --no-sweeps, or re-train the run")
    return load_for_sampling(record.path / CHECKPOINT_DIR)


def _sample_point(loaded, point: Point, fingerprint: str, step: int) -> dict[str, Any]:
    from creativity_bench.runs import sample_and_score

    objective, model, extra, instance, vocab, _ = loaded
    evaluation = sample_and_score(objective, model, extra, instance, vocab, point.settings())
    return {"fingerprint": fingerprint, "step": step, "sampling": evaluation.sampling, "metrics": evaluation.scores.to_dict()}


def sweep_table(records: list[RunRecord], root: Path, points: list[Point], on_point: Callable[[], None] | None = None) -> list[dict[str, Any]]:
    """Mean/std over seeds of every point, per (task, objective) of ``records``."""
    by_group: dict[tuple[str, str], list[dict[str, dict[str, Any]]]] = {}
    for r in records:
        by_group.setdefault((r.task, r.objective), []).append(run_points(r, points, root, on_point))
    rows = []
    for (task, objective), runs in by_group.items():
        for point in points:
            row: dict[str, Any] = {"task": task, "objective": objective, "seed_length": point.seed_length,
                                   "decoding": point.decoding, "runs": len(runs)}
            for m in METRICS:
                row[m], row[f"{m}_std"] = mean_std([float(run[point.key]["metrics"][m]) for run in runs])
            rows.append(row)
    return rows
