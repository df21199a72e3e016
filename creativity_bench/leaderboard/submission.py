"""`cbench submit`: run the protocol for one objective and pack what the verifier needs.

    SUBMISSION/submission.json            protocol, objective (name, version, params, source
                                          hash), preset, environment, command, claimed summary
    SUBMISSION/runs/TASK/sSEED/results.json
    SUBMISSION/runs/TASK/sSEED/samples.jsonl   prompt_id, seed, answer per evaluation prompt
    SUBMISSION/runs/TASK/sSEED/samples_secondary.jsonl   the same in the other sampling regime
    SUBMISSION/runs/TASK/sSEED/checkpoint/weights.safetensors, config.json   (--with-checkpoints)

submission.json also records the objective's distribution and version and the machine it was
packed on (torch version, threads, CPU; each run's results.json records its own), what
`cbench leaderboard verify --reproduce` needs,
and a sha256 manifest of every other file (manifest.py). Without ``--with-checkpoints`` the
checkpoints stay in the working results tree (``--runs``).
"""

from __future__ import annotations

import hashlib
import inspect
from collections.abc import Callable, Sequence
from importlib import metadata
from pathlib import Path
from typing import Any

from creativity_bench.errors import CBenchError
from creativity_bench.io import (
    CHECKPOINT_DIR,
    RESULTS_FILE,
    SAMPLES_FILE,
    SECONDARY_SAMPLES_FILE,
    atomic_write_bytes,
    atomic_write_text,
    dumps_json,
    iter_jsonl,
    jsonl_bytes,
    read_bytes,
    read_json,
)
from creativity_bench.leaderboard.manifest import CHECKPOINT_FILES, RUNS_DIR, SUBMISSION_FILE, make_manifest
from creativity_bench.leaderboard.protocol import (
    INSTANCE_SEED,
    TASKS,
    TRAINING_SEEDS,
    protocol,
    protocol_settings,
    training_seeds,
)
from creativity_bench.params import PRESETS
from creativity_bench.scoring.metrics import METRICS

SUBMISSION_SCHEMA = "creativity-bench/submission/1"


def objective_distribution(module: str) -> tuple[str | None, str | None]:
    """(distribution, version) that installs ``module``'s top-level package: creativity-bench
    for the built-ins, the plugin's distribution otherwise; (None, None) when none does."""
    from creativity_bench import __version__

    top = module.split(".")[0]
    if top == "creativity_bench":
        return "creativity-bench", __version__
    names = sorted(metadata.packages_distributions().get(top, []))
    if not names:
        return None, None
    try:
        return names[0], metadata.version(names[0])
    except metadata.PackageNotFoundError:
        return names[0], None


def install_hint(source: dict[str, Any]) -> str:
    """What to install to get a submission's objective: ``pip install DIST==VERSION``."""
    if source.get("distribution") and source.get("version"):
        return f"pip install {source['distribution']}=={source['version']}"
    return f"put its module {source.get('module')!r} on the Python path"


def without_torch(exc: ModuleNotFoundError) -> bool:
    """Whether an import failed because the train extra (torch, Lightning, safetensors) is missing."""
    return (exc.name or "").split(".")[0] in ("torch", "lightning", "safetensors")


def check_installed(objective: dict[str, Any]) -> None:
    """Fail, saying what to install, when a submission's objective cannot be loaded here. Without
    torch a built-in objective passes (verifying it needs only its declared sampler), a plugin not."""
    from creativity_bench.models.settings import BUILTIN_SAMPLING

    try:
        from creativity_bench.models.objectives import get_objective

        get_objective(objective["name"])
    except ModuleNotFoundError as exc:
        if not without_torch(exc):
            raise
        if objective["name"] not in BUILTIN_SAMPLING:
            raise CBenchError(f"objective '{objective['name']}' is a plugin: verifying it needs the train extra "
                              f"(pip install 'creativity-bench[train]') and {install_hint(objective['source'])}") from None
    except CBenchError:
        raise CBenchError(f"objective '{objective['name']}' is not installed here: {install_hint(objective['source'])}") from None


def objective_source_hash(name: str) -> dict[str, str | None]:
    """The objective's class, the distribution (and version) that installs it, and the sha256
    of the file that defines it (what the entry ran)."""
    from creativity_bench.models.objectives import get_objective

    cls = get_objective(name)
    try:
        path = Path(inspect.getsourcefile(cls) or "")
        data = path.read_bytes()
    except (OSError, TypeError):
        raise CBenchError(f"objective '{name}': cannot read its source file to hash it") from None
    distribution, version = objective_distribution(cls.__module__)
    return {"module": cls.__module__, "class": cls.__qualname__, "file": path.name, "sha256": hashlib.sha256(data).hexdigest(),
            "distribution": distribution, "version": version}


def summary(per_run: dict[str, dict[str, dict[str, float]]]) -> dict[str, Any]:
    """Per-task mean over seeds, and the mean over tasks, of each summary metric."""
    tasks = {}
    for task, runs in per_run.items():
        tasks[task] = {m: sum(r[m] for r in runs.values()) / len(runs) for m in METRICS}
    overall = {m: sum(t[m] for t in tasks.values()) / len(tasks) for m in METRICS} if tasks else {}
    return {"tasks": tasks, "mean": overall}


def claimed_summary(primary: dict[str, dict[str, dict[str, float]]], secondary: dict[str, dict[str, dict[str, float]]]) -> dict[str, Any]:
    """The summary a submission claims: the standard regime's, and the other regime's under ``secondary``."""
    return {**summary(primary), "secondary": summary(secondary)}


def minimal_rows(rows) -> bytes:
    """Samples cut to what the verifier reads: prompt_id, seed and answer per line."""
    return jsonl_bytes([{"prompt_id": row["prompt_id"], "seed": row["seed"], "answer": row["answer"]} for row in rows])


def minimal_samples(path: Path) -> bytes:
    """A samples file cut to what the verifier reads (see ``minimal_rows``)."""
    return minimal_rows(row for _, row in iter_jsonl(path))


def pack(runs_root: Path, out: Path, objective: str, preset: str, command: str, seeds: Sequence[int] = TRAINING_SEEDS,
         with_checkpoints: bool = False) -> dict[str, Any]:
    """Copy each protocol run's results.json and minimal samples (both regimes), and with
    ``with_checkpoints`` its weights and their config, into OUT; write submission.json, with
    the manifest of those files, last."""
    from creativity_bench.environment import environment
    from creativity_bench.leaderboard.reproduce import machine
    from creativity_bench.models.objectives import make_objective
    from creativity_bench.suite import Cell

    primary: dict[str, dict[str, dict[str, float]]] = {}
    secondary: dict[str, dict[str, dict[str, float]]] = {}
    obj = make_objective(objective, TASKS[0])
    for task in TASKS:
        for seed in seeds:
            src = Cell(task, objective, seed).run_dir(runs_root)
            doc = read_json(src / RESULTS_FILE, "results file")
            dst = out / RUNS_DIR / task / f"s{seed}"
            for name in (SAMPLES_FILE, SECONDARY_SAMPLES_FILE):
                atomic_write_bytes(dst / name, minimal_samples(src / name))
            for name in CHECKPOINT_FILES if with_checkpoints else ():
                atomic_write_bytes(dst / CHECKPOINT_DIR / name, read_bytes(src / CHECKPOINT_DIR / name, "checkpoint file"))
            atomic_write_text(dst / RESULTS_FILE, dumps_json(doc))
            primary.setdefault(task, {})[f"s{seed}"] = {m: doc["metrics"][m] for m in METRICS}
            secondary.setdefault(task, {})[f"s{seed}"] = {m: doc["secondary"]["metrics"][m] for m in METRICS}
    doc = {
        "schema": SUBMISSION_SCHEMA,
        "protocol": protocol(tuple(seeds)),
        "preset": preset,
        "objective": {"name": obj.name, "version": obj.version, "params": obj.params.to_dict(), "source": objective_source_hash(objective)},
        "command": command,
        "environment": {**environment(), "machine": machine()},
        "claimed": claimed_summary(primary, secondary),
        "manifest": make_manifest(out),
    }
    atomic_write_text(out / SUBMISSION_FILE, dumps_json(doc))
    return doc


def submit(objective: str, preset: str, out: Path, runs_root: Path | None, command: str,
           on_event: Callable | None = None, seeds: int = len(TRAINING_SEEDS), with_checkpoints: bool = False) -> dict[str, Any]:
    """Run (or finish) the protocol's grid for ``objective`` with training seeds 0..seeds-1 in
    ``runs_root`` (default: runs/submit-PRESET), then pack it into ``out``."""
    from creativity_bench.runs import RUNS_ROOT
    from creativity_bench.suite import grid, run_suite

    if preset not in PRESETS:
        raise CBenchError(f"unknown preset '{preset}' (choose from: {', '.join(PRESETS)})")
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise CBenchError(f"{out}: exists and is not a folder; choose another --out")
    if (out / SUBMISSION_FILE).exists():
        raise CBenchError(f"{out}: already holds a submission; choose another --out")
    if out.exists() and any(out.iterdir()):
        raise CBenchError(f"{out}: not empty; choose another --out")
    chosen = training_seeds(seeds)
    runs_root = Path(runs_root or RUNS_ROOT / f"submit-{preset}")
    settings = protocol_settings()
    cells = grid(list(TASKS), [objective], list(chosen))
    run_suite(runs_root, cells, preset, settings, INSTANCE_SEED, on_event=on_event)
    return pack(runs_root, out, objective, preset, command, chosen, with_checkpoints)


def read_submission(path: Path) -> dict[str, Any]:
    doc = read_json(Path(path) / SUBMISSION_FILE, "submission file")
    if doc.get("schema") != SUBMISSION_SCHEMA:
        raise CBenchError(f"{path}: not a creativity-bench submission (schema {doc.get('schema')!r})")
    return doc
