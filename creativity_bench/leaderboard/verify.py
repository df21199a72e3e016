"""`cbench leaderboard verify`: recompute a submission's numbers instead of trusting them.

The manifest is checked first: every file must have the sha256 submission.json lists, none may
be missing or unlisted (manifest.py). Then every task instance is regenerated from its seed and
its fingerprint compared; every sample of both sampling regimes is re-scored; the claimed
metrics (per run and in the summary, for the standard regime and the secondary one) must equal
the recomputed ones. A submission is
rejected, with the reason named, when it follows another protocol version, a run or its
samples are missing, a samples file is malformed or has duplicated prompts, samples come from
another instance (their seeds are not the instance's evaluation seeds), the protocol settings
differ (the sampling must be the objective's standard sampler, resolved, and the other regime),
or a claimed number differs from what the samples give. Checkpoints, when a submission carries
them, must be every run's and record the run's training config. Re-training or re-sampling the
runs is `--reproduce` and `--resample` (reproduce.py).
"""

from __future__ import annotations

import dataclasses
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from creativity_bench.errors import CBenchError
from creativity_bench.io import (
    CHECKPOINT_DIR,
    RESULTS_FILE,
    SAMPLES_FILE,
    SECONDARY_SAMPLES_FILE,
    read_bytes,
    read_json,
)
from creativity_bench.leaderboard.manifest import CHECKPOINT_FILES, RUNS_DIR, SUBMISSION_FILE, manifest_problem
from creativity_bench.leaderboard.protocol import (
    INSTANCE_SEED,
    RECORDED_SAMPLING_KEYS,
    TASKS,
    expected_sampling,
    first_difference,
    protocol,
    seeds_problem,
    version_problem,
)
from creativity_bench.leaderboard.submission import check_installed, claimed_summary, read_submission, without_torch
from creativity_bench.models.config import LEARNING_SETTINGS, TrainConfig, settings_difference
from creativity_bench.params import PRESETS
from creativity_bench.scoring.metrics import METRICS
from creativity_bench.tasks import stale_version

TOLERANCE = 1e-9


class Rejected(Exception):
    """One reason a submission is rejected."""


@dataclass
class Verification:
    """What ``verify`` found: the problems (none: accepted), the submission and the recomputed summary."""

    path: Path
    problems: list[str] = field(default_factory=list)
    submission: dict[str, Any] = field(default_factory=dict)
    recomputed: dict[str, Any] = field(default_factory=dict)
    per_run: dict[str, dict[str, dict[str, float]]] = field(default_factory=dict)  # task -> sSEED -> re-scored metrics
    notes: list[str] = field(default_factory=list)  # what was not checked here, and why

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def seeds(self) -> tuple[int, ...]:
        """The submission's training seeds (its protocol block's; valid once verified)."""
        return tuple(self.submission["protocol"]["training_seeds"])

    @property
    def runs(self) -> list[tuple[str, int]]:
        """The submission's grid: (task, training seed) in the protocol's order."""
        return [(task, seed) for task in TASKS for seed in self.seeds]


def _instance(task: str, preset: str, cache: dict):
    from creativity_bench.tasks import make_task

    if task not in cache:
        cache[task] = make_task(task, preset).generate(INSTANCE_SEED)
    return cache[task]


def _expected_sampling(objective: str, task: str, instance, cache: dict) -> tuple[dict[str, Any], dict[str, Any]]:
    """The resolved sampling (standard, then secondary) a protocol run of ``objective`` on ``task`` records."""
    from creativity_bench.models.settings import declared_objective
    from creativity_bench.models.tokenizer import answer_width

    if task not in cache:
        try:
            from creativity_bench.models.objectives import make_objective

            made = make_objective(objective, task)
        except ModuleNotFoundError as exc:  # no torch here: a built-in objective's declared sampler
            if not without_torch(exc):
                raise
            made = declared_objective(objective)
        cache[task] = expected_sampling(made, answer_width(instance))
    return cache[task]


def _check_sampling(found: Any, expected: dict[str, Any], where: str) -> None:
    if not isinstance(found, dict):
        raise Rejected(f"results.json's {where} is not an object")
    diff = first_difference({k: found.get(k) for k in RECORDED_SAMPLING_KEYS}, expected, where)
    if diff:
        raise Rejected(diff)


def _rescore(path: Path, instance, claimed: Any, regime: str = "") -> dict[str, float]:
    """Re-score one samples file; the claimed metrics must be what it gives. ``regime`` names it
    in the messages: "" for the headline, "secondary " for the other regime."""
    from creativity_bench.scoring import read_samples, score_answers

    what = f"{regime}samples"
    if not path.is_file():
        raise Rejected(f"{what} are missing")
    if not isinstance(claimed, dict):
        raise Rejected(f"results.json's {what} metrics are not an object")
    try:
        samples = read_samples(path, instance, seeds=True, complete=True)
    except CBenchError as exc:
        raise Rejected(str(exc)) from None
    scores, _ = score_answers(instance, samples.answers, samples.prompt_ids, samples.seeds)
    got = scores.to_dict()
    for m in ("n", *METRICS):
        if not same_number(claimed.get(m), got[m]):
            raise Rejected(f"claimed {regime}{m} {claimed.get(m)} but the {what} give {got[m]}")
    return {m: got[m] for m in METRICS}


def _check_run(run_dir: Path, task: str, seed: int, sub: dict[str, Any], instances: dict,
               samplings: dict) -> tuple[dict[str, float], dict[str, float]]:
    """Check one run; returns its re-scored metrics in the standard regime and the secondary one."""
    if not (run_dir / RESULTS_FILE).is_file():
        raise Rejected("results.json is missing")
    try:
        doc = read_json(run_dir / RESULTS_FILE, "results file")
    except CBenchError:
        raise Rejected("results.json is malformed") from None
    instance = _instance(task, sub["preset"], instances)
    try:
        expected, expected_secondary = _expected_sampling(sub["objective"]["name"], task, instance, samplings)
    except CBenchError as exc:
        raise Rejected(f"cannot resolve the objective's standard sampler here: {exc}") from None
    try:
        header, claimed, sampling_doc = doc["task"], doc["metrics"], doc["sampling"]
        if not isinstance(claimed, dict) or not isinstance(sampling_doc, dict):
            raise Rejected("results.json's metrics or sampling is not an object")
        if not isinstance(doc.get("secondary"), dict):
            raise Rejected("results.json lacks the secondary sampling regime (made by an older release?)")
        secondary = doc["secondary"]
        if header["name"] != task:
            raise Rejected(f"results are for task {header['name']}")
        stale = stale_version(task, header["version"])
        if stale:
            raise Rejected(stale)
        if header["fingerprint"] != instance.fingerprint:
            raise Rejected("instance fingerprint differs from the regenerated instance (other parameters or instance seed)")
        if doc["objective"]["name"] != sub["objective"]["name"]:
            raise Rejected(f"trained objective {doc['objective']['name']!r} is not the submission's {sub['objective']['name']!r}")
        if doc["training"]["seed"] != seed:
            raise Rejected(f"training seed is {doc['training']['seed']}, expected {seed}")
        if doc["model"]["preset"] != sub["preset"]:
            raise Rejected(f"preset is {doc['model']['preset']}, the submission says {sub['preset']}")
        config = doc["training"]["config"]
        if config.get("objective_params") != {}:
            raise Rejected(f"objective parameters were set ({config.get('objective_params')!r}); the protocol uses the defaults")
        expected_cfg = _expected_config(task, sub["preset"], config, seed)
        diff = settings_difference(config, expected_cfg, LEARNING_SETTINGS)
        if diff:
            raise Rejected(f"training setting {diff} (the protocol uses the preset's)")
        _check_sampling(sampling_doc, expected, "sampling")
        _check_sampling(secondary.get("sampling"), expected_secondary, "secondary.sampling")
        claimed_secondary = secondary.get("metrics")
        _check_checkpoint(run_dir / CHECKPOINT_DIR, doc)
    except (KeyError, TypeError, AttributeError, ValueError, CBenchError):
        raise Rejected("results.json lacks a required field or holds a malformed one") from None
    return (_rescore(run_dir / SAMPLES_FILE, instance, claimed),
            _rescore(run_dir / SECONDARY_SAMPLES_FILE, instance, claimed_secondary, "secondary "))


# Said by verify when it ran without torch (Verification.notes).
NO_TORCH_NOTE = ("verified without torch: every sample re-scored and every recorded setting checked, except the step count the "
                 "compute budget buys, which needs the objective's FLOPs per step (install the train extra for that check)")


def _expected_config(task: str, preset: str, config: dict[str, Any], seed: int) -> TrainConfig:
    """The training config the protocol gives this run. Without torch the objective's FLOPs per
    step, and so the steps its budget buys, are unknown: the recorded steps stand in (unchecked)."""
    base = TrainConfig(task=task, preset=preset, objective=config["objective"], seed=seed, instance_seed=INSTANCE_SEED)
    try:
        return base.resolve()
    except ModuleNotFoundError as exc:
        if not without_torch(exc):
            raise
    from creativity_bench.models.presets import train_preset

    budget = train_preset(preset, task).get("flops_budget")
    return dataclasses.replace(base, steps=int(config["steps"]), flops_budget=budget).resolve()


def _check_checkpoint(ckpt: Path, doc: dict[str, Any]) -> None:
    """A carried checkpoint must be complete and be the run's: its training config, objective,
    instance and final step are the results'."""
    if not ckpt.exists():
        return
    for name in CHECKPOINT_FILES:
        if not (ckpt / name).is_file():
            raise Rejected(f"{CHECKPOINT_DIR}/{name} is missing")
    try:
        side = read_json(ckpt / CHECKPOINT_FILES[1], "checkpoint config")
    except CBenchError:
        raise Rejected(f"{CHECKPOINT_DIR}/{CHECKPOINT_FILES[1]} is malformed") from None
    config = doc["training"]["config"]
    found = (side.get("train_config"), side.get("objective"), (side.get("instance") or {}).get("fingerprint"), side.get("step"))
    if found != (config, doc["objective"], doc["task"]["fingerprint"], config["steps"]):
        raise Rejected("the checkpoint's training config, objective, instance or step is not the run's")


def verify(path: Path) -> Verification:
    """Check a submission folder; the verification lists every problem found (none: accepted).
    The manifest comes first: an edited, missing or added file is the only problem reported.
    Raises CBenchError (bad input, not a rejection) when ``path`` is no folder or its submission.json
    is missing or cannot be read, and, saying what to install, when the objective is not installed
    here. A submission.json that is read but malformed is the submission's fault: a problem."""
    path = Path(path)
    if not path.is_dir():
        raise CBenchError(f"{path}: no such submission folder")
    if not (path / SUBMISSION_FILE).is_file():  # bad input, not a rejected submission
        raise CBenchError(f"{path}: not a submission (no {SUBMISSION_FILE}); `cbench submit` makes one")
    read_bytes(path / SUBMISSION_FILE, "submission file")  # unreadable here (permissions, I/O): bad input too
    result = Verification(path)
    try:
        sub = read_submission(path)
    except CBenchError as exc:
        result.problems.append(str(exc))
        return result
    result.submission = sub
    version = version_problem(sub.get("protocol"))
    if version and "manifest" not in sub:  # an older protocol's submission: its version says why
        result.problems.append(version)
        return result
    problem = manifest_problem(path, sub.get("manifest"))
    if problem or version:  # nothing else of an edited submission or another protocol is worth checking
        result.problems.append(problem or version)
        return result
    seeds = sub["protocol"].get("training_seeds") if isinstance(sub.get("protocol"), dict) else None
    problem = seeds_problem(seeds)
    if problem:
        result.problems.append(problem)
        return result
    diff = first_difference(sub.get("protocol"), protocol(tuple(seeds)))
    if diff:
        result.problems.append(diff)
    if sub.get("preset") not in PRESETS:
        result.problems.append(f"preset {sub.get('preset')!r} is not one of {', '.join(PRESETS)}")
        return result
    problem = _metadata_problem(sub)
    if problem:
        result.problems.append(problem)
        return result
    check_installed(sub["objective"])  # not the submission's fault: an error saying what to install
    runs_root = path / RUNS_DIR
    expected = {(t, f"s{s}") for t in TASKS for s in seeds}
    present = {(p.parent.name, p.name) for p in runs_root.glob("*/*") if p.is_dir()} if runs_root.is_dir() else set()
    for task, run in sorted(present - expected):
        result.problems.append(f"{task}/{run}: not a run of the protocol")
    instances: dict = {}
    samplings: dict = {}
    primary: dict[str, dict[str, dict[str, float]]] = {}
    secondary: dict[str, dict[str, dict[str, float]]] = {}
    for task in TASKS:
        for seed in seeds:
            run_dir = runs_root / task / f"s{seed}"
            if not run_dir.is_dir():
                result.problems.append(f"{task}/s{seed}: run is missing")
                continue
            try:
                mine, other = _check_run(run_dir, task, seed, sub, instances, samplings)
            except Rejected as exc:
                result.problems.append(f"{task}/s{seed}: {exc}")
                continue
            primary.setdefault(task, {})[f"s{seed}"] = mine
            secondary.setdefault(task, {})[f"s{seed}"] = other
    carried = sum((runs_root / t / f"s{s}" / CHECKPOINT_DIR).exists() for t in TASKS for s in seeds)
    if carried not in (0, len(TASKS) * len(seeds)):
        result.problems.append(f"checkpoints are carried for {carried} of the {len(TASKS) * len(seeds)} runs; carry all or none")
    if not result.problems:
        result.recomputed, result.per_run = claimed_summary(primary, secondary), primary
        diff = _summary_difference(sub.get("claimed"), result.recomputed)
        if diff:
            result.problems.append(diff)
    if not torch_importable():
        result.notes.append(NO_TORCH_NOTE)
    return result


def torch_importable() -> bool:
    try:
        import torch  # noqa: F401
    except ImportError:
        return False
    return True


def same_number(claimed: Any, actual: float) -> bool:
    """A claimed metric equals the recomputed one: a finite real number within TOLERANCE (NaN never does)."""
    if isinstance(claimed, bool) or not isinstance(claimed, (int, float)):
        return False
    try:
        value = float(claimed)
    except OverflowError:
        return False
    return math.isfinite(value) and abs(value - float(actual)) <= TOLERANCE


def _summary_difference(claimed: Any, recomputed: dict[str, Any], label: str = "") -> str | None:
    """The first claimed summary number (per task, overall; then the secondary regime's) that the runs do not give."""
    try:
        for task, values in recomputed["tasks"].items():
            for m, v in values.items():
                if not same_number(claimed["tasks"][task][m], v):
                    return f"claimed {label}{task} mean {m} {claimed['tasks'][task][m]} but the runs give {v}"
        for m, v in recomputed["mean"].items():
            if not same_number(claimed["mean"][m], v):
                return f"claimed {label}overall mean {m} {claimed['mean'][m]} but the runs give {v}"
        if "secondary" in recomputed:
            return _summary_difference(claimed["secondary"], recomputed["secondary"], "secondary ")
    except (KeyError, TypeError, ValueError, AttributeError):
        return "submission.json's claimed summary is missing or malformed"
    return None


OBJECTIVE_NAME = re.compile(r"[A-Za-z0-9_.:-]{1,100}")
PLAIN = re.compile(r"[A-Za-z0-9_.+!-]{1,100}")  # a distribution name or version, safe on a command line


def _metadata_problem(sub: dict[str, Any]) -> str | None:
    """What the leaderboard page shows must be well-formed: names, command, source hash, environment."""
    obj = sub.get("objective")
    if not isinstance(obj, dict) or not isinstance(obj.get("name"), str) or not isinstance(obj.get("params"), dict):
        return "submission.json lacks the objective's name and parameters"
    if not OBJECTIVE_NAME.fullmatch(obj["name"]):
        return f"objective name {obj['name']!r} is not a plain name (letters, digits, _ . : -)"
    source = obj.get("source")
    if not isinstance(source, dict) or not isinstance(source.get("sha256"), str) or not re.fullmatch(r"[0-9a-f]{64}", source["sha256"]):
        return "submission.json lacks the objective's source sha256"
    if any(k not in source or not (source[k] is None or isinstance(source[k], str) and PLAIN.fullmatch(source[k])) for k in ("distribution", "version")):
        return "submission.json lacks the distribution and version that install the objective (or they are not plain names)"
    command = sub.get("command")
    if not isinstance(command, str) or not command.strip() or "\n" in command or "\r" in command:
        return "submission.json's command is missing or not one line"
    if not isinstance(sub.get("environment"), dict) or not isinstance(sub["environment"].get("machine"), dict):
        return "submission.json lacks its environment block (with the machine the runs were made on)"
    return None
