"""`cbench leaderboard verify`: recompute a submission's numbers instead of trusting them.

Every task instance is regenerated from its seed and its fingerprint compared; every sample is
re-scored; the claimed metrics (per run and in the summary) must equal the recomputed ones.
A submission is rejected, with the reason named, when a run or its samples are missing, a
samples file is malformed or has duplicated prompts, samples come from another instance (their
seeds are not the instance's evaluation seeds), the protocol settings differ, or a claimed
number differs from what the samples give.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from creativity_bench.errors import CBenchError
from creativity_bench.io import RESULTS_FILE, SAMPLES_FILE, read_json
from creativity_bench.leaderboard.protocol import (
    INSTANCE_SEED,
    PRESETS,
    SAMPLING_KEYS,
    TASKS,
    TRAINING_SEEDS,
    first_difference,
    protocol,
)
from creativity_bench.leaderboard.submission import RUNS_DIR, SUMMARY_METRICS, read_submission, summary

TOLERANCE = 1e-9


class Rejected(Exception):
    """One reason a submission is rejected."""


@dataclass
class Verdict:
    path: Path
    problems: list[str] = field(default_factory=list)
    submission: dict[str, Any] = field(default_factory=dict)
    recomputed: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.problems


def _instance(task: str, preset: str, cache: dict):
    from creativity_bench.tasks import make_task

    if task not in cache:
        cache[task] = make_task(task, preset).generate(INSTANCE_SEED)
    return cache[task]


def read_submitted_samples(path: Path, instance) -> tuple[list[int], list[str], list[str]]:
    """Prompt ids, seeds and answers of a packed samples file; raises Rejected on any defect."""
    if not path.is_file():
        raise Rejected("samples are missing")
    by_id = {e.prompt_id: e.seed for e in instance.eval}
    ids: list[int] = []
    seeds: list[str] = []
    answers: list[str] = []
    seen: set[int] = set()
    for number, line in enumerate(path.read_text(encoding="utf-8", errors="replace").splitlines(), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError:
            raise Rejected(f"samples line {number} is malformed (not JSON)") from None
        if not isinstance(row, dict) or not isinstance(row.get("prompt_id"), int) or isinstance(row.get("prompt_id"), bool) \
                or not isinstance(row.get("seed"), str) or not isinstance(row.get("answer"), str):
            raise Rejected(f"samples line {number} is malformed (needs integer prompt_id, string seed and string answer)")
        pid = row["prompt_id"]
        if pid in seen:
            raise Rejected(f"samples line {number} duplicates prompt {pid}")
        if pid not in by_id:
            raise Rejected(f"samples line {number}: prompt {pid} is not an evaluation prompt of this instance")
        if row["seed"] != by_id[pid]:
            raise Rejected(f"samples line {number} is from another instance (prompt {pid} has another seed)")
        seen.add(pid)
        ids.append(pid)
        seeds.append(row["seed"])
        answers.append(row["answer"])
    missing = len(by_id) - len(seen)
    if missing:
        raise Rejected(f"{missing} of {len(by_id)} evaluation prompts have no sample")
    return ids, seeds, answers


def _check_run(run_dir: Path, task: str, seed: int, sub: dict[str, Any], instances: dict) -> dict[str, float]:
    from creativity_bench.scoring import score_answers

    if not (run_dir / RESULTS_FILE).is_file():
        raise Rejected("results.json is missing")
    try:
        doc = read_json(run_dir / RESULTS_FILE, "results file")
    except CBenchError:
        raise Rejected("results.json is malformed") from None
    instance = _instance(task, sub["preset"], instances)
    try:
        header, claimed = doc["task"], doc["metrics"]
        if header["name"] != task:
            raise Rejected(f"results are for task {header['name']}")
        if header["version"] != instance.task.version:
            raise Rejected(f"task version {header['version']} differs from the protocol's {instance.task.version}")
        if header["fingerprint"] != instance.fingerprint:
            raise Rejected("instance fingerprint differs from the regenerated instance (other parameters or instance seed)")
        if doc["objective"]["name"] != sub["objective"]["name"]:
            raise Rejected(f"trained objective {doc['objective']['name']!r} is not the submission's {sub['objective']['name']!r}")
        if doc["objective"]["params"] != sub["objective"]["params"]:
            raise Rejected("objective parameters differ from the submission's")
        if doc["training"]["seed"] != seed:
            raise Rejected(f"training seed is {doc['training']['seed']}, expected {seed}")
        if doc["model"]["preset"] != sub["preset"]:
            raise Rejected(f"preset is {doc['model']['preset']}, the submission says {sub['preset']}")
        sampling = {k: doc["sampling"].get(k) for k in SAMPLING_KEYS}
        diff = first_difference(sampling, protocol()["sampling"], "sampling")
        if diff:
            raise Rejected(diff)
    except (KeyError, TypeError):
        raise Rejected("results.json lacks a required field") from None
    ids, seeds, answers = read_submitted_samples(run_dir / SAMPLES_FILE, instance)
    scores, _ = score_answers(instance, answers, ids, seeds)
    got = scores.to_dict()
    for m in ("n", *SUMMARY_METRICS):
        if not isinstance(claimed.get(m), (int, float)) or abs(float(claimed[m]) - float(got[m])) > TOLERANCE:
            raise Rejected(f"claimed {m} {claimed.get(m)} but the samples give {got[m]}")
    return {m: got[m] for m in SUMMARY_METRICS}


def verify(path: Path) -> Verdict:
    """Check a submission folder; the verdict lists every problem found (none: accepted)."""
    path = Path(path)
    verdict = Verdict(path)
    try:
        sub = read_submission(path)
    except CBenchError as exc:
        verdict.problems.append(str(exc))
        return verdict
    verdict.submission = sub
    diff = first_difference(sub.get("protocol"), protocol())
    if diff:
        verdict.problems.append(diff)
    if sub.get("preset") not in PRESETS:
        verdict.problems.append(f"preset {sub.get('preset')!r} is not one of {', '.join(PRESETS)}")
        return verdict
    if not isinstance(sub.get("objective"), dict) or "name" not in sub["objective"] or "params" not in sub["objective"]:
        verdict.problems.append("submission.json lacks the objective's name and parameters")
        return verdict
    runs_root = path / RUNS_DIR
    expected = {(t, f"s{s}") for t in TASKS for s in TRAINING_SEEDS}
    present = {(p.parent.name, p.name) for p in runs_root.glob("*/*") if p.is_dir()} if runs_root.is_dir() else set()
    for task, run in sorted(present - expected):
        verdict.problems.append(f"{task}/{run}: not a run of the protocol")
    instances: dict = {}
    recomputed: dict[str, dict[str, dict[str, float]]] = {}
    for task in TASKS:
        for seed in TRAINING_SEEDS:
            run_dir = runs_root / task / f"s{seed}"
            if not run_dir.is_dir():
                verdict.problems.append(f"{task}/s{seed}: run is missing")
                continue
            try:
                recomputed.setdefault(task, {})[f"s{seed}"] = _check_run(run_dir, task, seed, sub, instances)
            except Rejected as exc:
                verdict.problems.append(f"{task}/s{seed}: {exc}")
    if not verdict.problems:
        verdict.recomputed = summary(recomputed)
        diff = _summary_difference(sub.get("claimed"), verdict.recomputed)
        if diff:
            verdict.problems.append(diff)
    return verdict


def _summary_difference(claimed: Any, recomputed: dict[str, Any]) -> str | None:
    try:
        for task, values in recomputed["tasks"].items():
            for m, v in values.items():
                if abs(float(claimed["tasks"][task][m]) - v) > TOLERANCE:
                    return f"claimed {task} mean {m} {claimed['tasks'][task][m]} but the runs give {v}"
        for m, v in recomputed["mean"].items():
            if abs(float(claimed["mean"][m]) - v) > TOLERANCE:
                return f"claimed overall mean {m} {claimed['mean'][m]} but the runs give {v}"
    except (KeyError, TypeError, ValueError):
        return "submission.json's claimed summary is missing or malformed"
    return None
