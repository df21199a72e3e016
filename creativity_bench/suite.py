"""`cbench suite`: the grid of tasks x objectives x training seeds in one results tree.

    RESULTS/suite.json                   preset, instance seed, sampling: shared by every run
                                         (mode standard: each objective's standard sampler)
    RESULTS/TASK/OBJECTIVE/sSEED/        one run directory each (see ``creativity_bench.runs``)

A run whose ``results.json`` exists is complete and skipped; one with a resume checkpoint is
resumed; one with neither (stopped before its first checkpoint) is restarted. ``--shard i/n``
(1 <= i <= n) takes every n-th cell of the grid in its fixed order, so n machines (a SLURM
array, say) can fill one shared tree; shards never touch each other's runs.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from creativity_bench.errors import CBenchError
from creativity_bench.io import CHECKPOINT_DIR, RESULTS_FILE, atomic_write_text, dumps_json, read_json
from creativity_bench.models.config import LEARNING_SETTINGS, TrainConfig, settings_difference
from creativity_bench.runs import RESULTS_SCHEMA, safe_name
from creativity_bench.tasks import stale_version

SUITE_FILE = "suite.json"
SUITE_SCHEMA = "creativity-bench/suite/1"
DEFAULT_SEEDS = (0, 1, 2)


@dataclass(frozen=True)
class Cell:
    """One run of the grid."""

    task: str
    objective: str
    seed: int

    @property
    def label(self) -> str:
        return f"{self.task}/{self.objective}/s{self.seed}"

    def run_dir(self, root: Path) -> Path:
        return Path(root) / self.task / safe_name(self.objective) / f"s{self.seed}"


def parse_shard(text: str | None) -> tuple[int, int]:
    """``"i/n"`` with 1 <= i <= n, or None for the whole grid (1/1)."""
    if text is None:
        return 1, 1
    m = re.fullmatch(r"\s*(\d+)\s*/\s*(\d+)\s*", text)
    if not m:
        raise CBenchError(f"--shard must look like i/n (e.g. 2/8), got '{text}'")
    i, n = int(m.group(1)), int(m.group(2))
    if not 1 <= i <= n:
        raise CBenchError(f"--shard {text}: i must be between 1 and n")
    return i, n


def grid(tasks: Sequence[str], objectives: Sequence[str], seeds: Sequence[int]) -> list[Cell]:
    """Every cell, in the fixed order shards are cut from (task, objective, seed)."""
    if not tasks or not objectives or not seeds:
        raise CBenchError("the grid is empty: give at least one task, objective and seed")
    for name, values in (("task", tasks), ("objective", objectives), ("seed", seeds)):
        if len(set(values)) != len(values):
            raise CBenchError(f"a {name} is listed twice: {', '.join(map(str, values))}")
    if any(s < 0 for s in seeds):
        raise CBenchError("training seeds must be non-negative")
    return [Cell(t, o, s) for t in tasks for o in objectives for s in seeds]


def shard_cells(cells: list[Cell], shard: tuple[int, int]) -> list[Cell]:
    i, n = shard
    return [c for k, c in enumerate(cells) if k % n == i - 1]


def cell_state(run_dir: Path) -> str:
    """``done``, ``resume`` (a resume checkpoint exists), ``restart`` (partial, no checkpoint) or ``new``."""
    from creativity_bench.models.checkpoint import RESUME_FILE

    if (run_dir / RESULTS_FILE).is_file():
        return "done"
    if (run_dir / CHECKPOINT_DIR / RESUME_FILE).is_file():
        return "resume"
    if run_dir.exists() and any(run_dir.iterdir()):
        return "restart"
    return "new"


def suite_settings(preset: str, instance_seed: int, settings, train_sets: dict[str, Any] | None = None,
                   samples_per_prompt: int = 1) -> dict[str, Any]:
    """What every run of one results tree shares (written to suite.json, checked on reuse)."""
    out = {
        "schema": SUITE_SCHEMA,
        "preset": preset,
        "instance_seed": instance_seed,
        "train_sets": dict(sorted((train_sets or {}).items())),
        "sampling": settings.to_dict() | {"batch_size": None},  # batch size does not change results
    }
    if samples_per_prompt > 1:  # discovery curves (absent from trees made without them)
        out["samples_per_prompt"] = samples_per_prompt
    return out


def check_suite_file(root: Path, expected: dict[str, Any]) -> None:
    """Write RESULTS/suite.json, or refuse a tree made with other settings."""
    path = Path(root) / SUITE_FILE
    if path.exists():
        found = read_json(path, "suite file")
        for key in [*expected, *(k for k in found if k not in expected)]:
            if found.get(key) != expected.get(key):
                raise CBenchError(f"{root}: results tree was made with {key} = {found.get(key)!r}, not {expected.get(key)!r}; "
                                  f"use another results directory")
        return
    atomic_write_text(path, dumps_json(expected))


def check_finished_run(cell: Cell, run_dir: Path, cfg: TrainConfig) -> dict[str, Any]:
    """A finished run must be the cell it sits in, trained with today's settings and recorded in
    today's results schema; returns its results.

    Guards against a moved or foreign directory, against a preset that changed since the run
    was made (its numbers would no longer be what the preset produces), and against results
    without what this release records (both sampling regimes).
    """
    doc = read_json(run_dir / RESULTS_FILE, "results file")
    if doc.get("schema") != RESULTS_SCHEMA:
        raise CBenchError(f"{run_dir}: made by another release (results schema {doc.get('schema')!r}, this release writes "
                          f"{RESULTS_SCHEMA!r}: standard samplers, both sampling regimes); delete the run directory to redo it")
    try:
        found = (doc["task"]["name"], doc["training"]["config"]["objective"], doc["training"]["seed"], doc["model"]["preset"])
        saved = doc["training"]["config"]
        stale = stale_version(doc["task"]["name"], doc["task"]["version"])
    except (KeyError, TypeError):
        raise CBenchError(f"{run_dir / RESULTS_FILE}: malformed results file") from None
    if found != (cell.task, cell.objective, cell.seed, cfg.preset):
        raise CBenchError(f"{run_dir}: holds {found[0]}/{found[1]}/s{found[2]} on preset {found[3]}, expected {cell.label} on {cfg.preset}")
    if stale:
        raise CBenchError(f"{run_dir}: {stale}; delete the run directory to redo it")
    diff = settings_difference(saved, cfg, LEARNING_SETTINGS)
    if diff:
        raise CBenchError(f"{run_dir}: finished with {diff}; delete the run directory to redo it")
    return doc


def cell_config(cell: Cell, preset: str, instance_seed: int = 0, train_sets: dict[str, Any] | None = None) -> TrainConfig:
    """The training config of one cell (unresolved: the preset fills the rest)."""
    cfg = TrainConfig(task=cell.task, preset=preset, instance_seed=instance_seed, objective=cell.objective, seed=cell.seed)
    return cfg.replace(**(train_sets or {}))


def check_cells(cells: list[Cell], preset: str, settings, instance_seed: int = 0, train_sets: dict[str, Any] | None = None) -> None:
    """Fail on an unknown task or objective, a bad setting, or sampling settings an objective
    cannot use, before any training."""
    from creativity_bench.models.init_from import requires_init
    from creativity_bench.models.objectives import get_objective
    from creativity_bench.models.sampling import check_sampling_fits
    from creativity_bench.tasks import get_task

    settings.validate()
    for cell in cells:
        get_task(cell.task)
        get_objective(cell.objective)
        # A suite runs each objective with its default parameters: a fine-tuner whose defaults
        # train from scratch first (pretrain > 0: rft, grpo) is a suite's like any other.
        if requires_init(cell.objective, task=cell.task):
            raise CBenchError(f"objective '{cell.objective}' fine-tunes a trained model, one per task and seed, and a suite "
                              f"trains from scratch: run it with `cbench run --init-from RUN/checkpoint` (docs/finetuning.md)")
        check_sampling_fits(cell.objective, settings)
        cell_config(cell, preset, instance_seed, train_sets).resolve()


def run_suite(
    root: Path,
    cells: list[Cell],
    preset: str,
    settings,
    instance_seed: int = 0,
    train_sets: dict[str, Any] | None = None,
    on_event: Callable[[Cell, str, dict | None], None] | None = None,
    callbacks_for: Callable[[Cell], list] | None = None,
    samples_per_prompt: int = 1,
) -> dict[str, list[Cell]]:
    """Run every cell not yet complete; returns which cells were skipped, resumed, restarted, run.

    ``on_event(cell, state, results)`` is called before each cell (results None) and after it;
    ``callbacks_for(cell)`` gives extra Lightning callbacks for a cell's training (tests use it).
    """
    from creativity_bench.models.train import TrainingInterrupted
    from creativity_bench.runs import run

    root = Path(root)
    check_cells(cells, preset, settings, instance_seed, train_sets)
    root.mkdir(parents=True, exist_ok=True)
    check_suite_file(root, suite_settings(preset, instance_seed, settings, train_sets, samples_per_prompt))
    outcome: dict[str, list[Cell]] = {"done": [], "resume": [], "restart": [], "new": []}
    for cell in cells:
        run_dir = cell.run_dir(root)
        state = cell_state(run_dir)
        outcome[state].append(cell)
        if on_event:
            on_event(cell, state, None)
        cfg = cell_config(cell, preset, instance_seed, train_sets)
        if state == "done":
            doc = check_finished_run(cell, run_dir, cfg.resolve())
        else:
            try:
                doc = run(cfg, run_dir, settings, resume=state == "resume", overwrite=state == "restart", progress=False,
                          extra_callbacks=callbacks_for(cell) if callbacks_for else None, samples_per_prompt=samples_per_prompt)
            except TrainingInterrupted as exc:  # a stopped run is reported as stopped, with its cell
                stopped = str(exc).removesuffix("; continue with --resume")
                raise TrainingInterrupted(f"{cell.label}: {stopped}; the suite stopped there: run it again to continue", exc.signum) from None
        if on_event:
            on_event(cell, state, doc)
    return outcome
