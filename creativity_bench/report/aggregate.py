"""Reading a results tree and aggregating over training seeds (mean and sample standard deviation)."""

from __future__ import annotations

import math
import re
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from creativity_bench.errors import CBenchError
from creativity_bench.io import RESULTS_FILE, read_json
from creativity_bench.runs import RESULTS_SCHEMA, RUN_METRICS, sampling_label
from creativity_bench.scoring.metrics import METRICS
from creativity_bench.tasks import stale_version


@dataclass(frozen=True)
class RunRecord:
    """One finished run of a results tree."""

    task: str
    objective: str
    seed: int
    preset: str
    path: Path
    results: dict[str, Any]

    @property
    def metrics(self) -> dict[str, float]:
        return self.results["metrics"]


def collect_runs(root: Path) -> list[RunRecord]:
    """Every RESULTS/TASK/OBJECTIVE/sSEED/results.json under ``root``, in a fixed order."""
    root = Path(root)
    if not root.is_dir():
        raise CBenchError(f"{root}: no such results directory")
    records = []
    seen: dict[tuple[str, str, int], Path] = {}
    fingerprints: dict[str, tuple[str, Path]] = {}
    for path in sorted(root.glob(f"*/*/s*/{RESULTS_FILE}")):
        if not re.fullmatch(r"s\d+", path.parent.name):
            continue  # s0.bak and the like are not runs
        doc = read_json(path, "results file")
        try:
            record = RunRecord(doc["task"]["name"], doc["objective"]["name"], int(doc["training"]["seed"]),
                               doc["model"]["preset"], path.parent, doc)
            fingerprint = doc["task"]["fingerprint"]
            stale = stale_version(record.task, doc["task"]["version"])
            missing = [m for m in (*RUN_METRICS, "n") if not isinstance(doc["metrics"].get(m), (int, float))]
            other = doc.get("secondary")
            if other is not None:
                missing += [f"secondary {m}" for m in METRICS if not isinstance(other["metrics"].get(m), (int, float))]
                sampling_label(other["sampling"])
            sampling_label(doc["sampling"])
        except (KeyError, TypeError, ValueError, AttributeError):
            raise CBenchError(f"{path}: malformed results file (missing task, objective, seed, preset, sampling or metrics)") from None
        if other is None:
            raise CBenchError(f"{path}: made by an older release, without the second sampling regime (results schema "
                              f"{doc.get('schema')!r}, this release writes {RESULTS_SCHEMA!r}); re-run it, or report it with that release")
        if missing:
            raise CBenchError(f"{path}: malformed results file (metric {missing[0]} missing)")
        if stale:
            raise CBenchError(f"{path}: {stale}; re-run it, or report it with the release that made it")
        if path.parent.name != f"s{record.seed}":
            raise CBenchError(f"{path}: holds training seed {record.seed} but sits in {path.parent.name}/")
        key = (record.task, record.objective, record.seed)
        if key in seen:
            raise CBenchError(f"{path}: {record.task}/{record.objective}/s{record.seed} is also in {seen[key]}; one run per seed")
        seen[key] = path.parent
        if fingerprints.setdefault(record.task, (fingerprint, path.parent))[0] != fingerprint:
            raise CBenchError(f"{path}: another {record.task} instance than {fingerprints[record.task][1]} (fingerprints differ); report them separately")
        records.append(record)
    if not records:
        raise CBenchError(f"{root}: no finished runs (expected TASK/OBJECTIVE/sSEED/{RESULTS_FILE}); run `cbench suite {root}` first")
    presets = sorted({r.preset for r in records})
    if len(presets) > 1:
        raise CBenchError(f"{root}: runs of several presets ({', '.join(presets)}) in one tree; report them separately")
    return records


def mean_std(values: list[float]) -> tuple[float, float]:
    """Mean and sample standard deviation (n - 1 in the denominator; 0 for a single value)."""
    n = len(values)
    mean = sum(values) / n
    if n < 2:
        return mean, 0.0
    return mean, math.sqrt(sum((v - mean) ** 2 for v in values) / (n - 1))


def fmt(mean: float, std: float) -> str:
    """A mean ± standard deviation cell of the report's tables."""
    return f"{mean:.3f} ± {std:.3f}"


# zero_reason when the instance the runs used cannot be rebuilt to count the forms that exist.
UNKNOWN_FORMS = "no run produced a novel coherent answer (the task's instance could not be rebuilt here to say more)"


def zero_reason(task: str, preset: str, instance: dict[str, Any] | None = None) -> str:
    """Why a task's creativity column holds only zeros: no novel form exists on the instance (the
    training set covers every coherent form), or none was produced though some exist.

    ``instance``: the runs' task header (``params``, ``seed``, ``fingerprint``), rebuilt from its
    params and seed; when the rebuilt fingerprint is not the runs', nothing is claimed about the
    forms that exist. Without it, the preset's instance of seed 0."""
    from creativity_bench.tasks import make_task

    header = instance or {}
    try:
        made = make_task(task, preset, **(header.get("params") or {})).generate(header.get("seed") or 0)
    except (CBenchError, TypeError, ValueError):
        return UNKNOWN_FORMS
    if header.get("fingerprint") not in (None, made.fingerprint):
        return UNKNOWN_FORMS
    stats = made.stats()
    ceiling, novel = stats.get("creativity_ceiling"), stats.get("novel_forms")
    if novel == 0:
        return (f"the training set covers every coherent form of the `{preset}` instance, so no novel form exists: "
                f"creativity is 0 by construction")
    if ceiling is None:
        return "no run produced a novel coherent answer"
    return f"no run produced a novel coherent answer, although {novel:,} novel forms exist (creativity could reach {ceiling:.3f})"


def zero_notes(values: dict[str, list[float]], preset: str, what: str = "creativity",
               instances: dict[str, dict[str, Any]] | None = None, label: str = "") -> list[str]:
    """Notes under a table for each task whose ``what`` values are all zero: ``values[task]``.
    ``instances[task]``: the task's instance header (see zero_reason); ``label`` follows the task's name."""
    instances = instances or {}
    return [f"- `{task}`{label}: every {what} is 0: {zero_reason(task, preset, instances.get(task))}."
            for task, vs in values.items() if vs and not any(vs)]


def instance_headers(records: list[RunRecord]) -> dict[str, dict[str, Any]]:
    """Each task's instance as its runs recorded it: params, seed and fingerprint (collect_runs
    refuses a tree whose runs of a task differ in fingerprint)."""
    return {r.task: {k: r.results["task"].get(k) for k in ("params", "seed", "fingerprint")} for r in records}


def ordered(names: list[str], preferred: list[str] | tuple[str, ...]) -> list[str]:
    """``names`` in ``preferred`` order, the rest after in first-seen order."""
    return [n for n in preferred if n in names] + [n for n in dict.fromkeys(names) if n not in preferred]


def aggregate(records: list[RunRecord], task_order: list[str], objective_order: list[str]) -> list[dict[str, Any]]:
    """One row per (task, objective): seeds, the sampling, mean/std of every metric, and under
    ``secondary`` the other regime's sampling and mean/std of its metrics."""
    groups: dict[tuple[str, str], list[RunRecord]] = defaultdict(list)
    for r in records:
        groups[(r.task, r.objective)].append(r)
    rows = []
    for task in ordered([r.task for r in records], task_order):
        for objective in ordered([r.objective for r in records], objective_order):
            group = groups.get((task, objective))
            if not group:
                continue
            row: dict[str, Any] = {"task": task, "objective": objective, "seeds": sorted(r.seed for r in group),
                                   "sampling": labels(r.results["sampling"] for r in group),
                                   "standard": all(r.results["sampling"].get("standard") for r in group)}
            for m in RUN_METRICS:
                row[m], row[f"{m}_std"] = mean_std([float(r.metrics[m]) for r in group])
            row["n_prompts"] = group[0].metrics["n"]
            other: dict[str, Any] = {"sampling": labels(r.results["secondary"]["sampling"] for r in group),
                                     "standard": all(r.results["secondary"]["sampling"].get("standard") for r in group)}
            for m in METRICS:
                other[m], other[f"{m}_std"] = mean_std([float(r.results["secondary"]["metrics"][m]) for r in group])
            row["secondary"] = other
            rows.append(row)
    return rows


def labels(samplings) -> str:
    """The sampling label shared by a group's runs (several, joined, if they differ)."""
    return " / ".join(dict.fromkeys(sampling_label(s) for s in samplings))


def aggregate_curves(records: list[RunRecord]) -> dict[tuple[str, str], dict[str, list[float]]]:
    """Mean creativity/validity/... over seeds at each evaluated step, per (task, objective).

    Only steps every seed evaluated are kept, so a point is always a mean over the same runs.
    Beside ``step``, ``flops`` holds the training FLOPs spent up to each step (every seed of a
    group shares the steps and the FLOPs per step): a row's own ``flops``, or for rows written
    before curves recorded it, the step times the run's ``training.flops_per_step``. A group
    where some point has neither has no ``flops``.
    """
    groups: dict[tuple[str, str], list[RunRecord]] = defaultdict(list)
    for r in records:
        groups[(r.task, r.objective)].append(r)
    out = {}
    for key, group in groups.items():
        per_run = [{row["step"]: row for row in r.results.get("curve") or []} for r in group]
        steps = sorted(set.intersection(*(set(c) for c in per_run))) if per_run else []
        if not steps:
            continue
        curve: dict[str, list[float]] = {"step": [float(s) for s in steps]}
        flops = [[curve_flops(c[s], r) for r, c in zip(group, per_run, strict=True)] for s in steps]
        if all(None not in at_step for at_step in flops):
            # Equal across seeds (taken as is); a mean only if some run was trained otherwise.
            curve["flops"] = [at_step[0] if len(set(at_step)) == 1 else mean_std(at_step)[0] for at_step in flops]
        for m in METRICS:
            curve[m] = [mean_std([float(c[s][m]) for c in per_run])[0] for s in steps]
        out[key] = curve
    return out


def curve_flops(row: dict[str, Any], record: RunRecord) -> float | None:
    """Training FLOPs spent up to a curve row: its own ``flops``, else its step times the run's
    FLOPs per step (results.json ``training.flops_per_step``), else None."""
    if isinstance(row.get("flops"), (int, float)):
        return float(row["flops"])
    per_step = record.results.get("training", {}).get("flops_per_step")
    if isinstance(per_step, (int, float)) and per_step > 0:
        return float(row["step"]) * float(per_step)
    return None
