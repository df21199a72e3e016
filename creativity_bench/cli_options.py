"""The command line's options, each declared once, and how they become library objects.

A command takes groups of options with ``with_options`` and receives them in ``**options``;
``train_config`` and ``sampling_settings`` turn them into a TrainConfig and SamplingSettings.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, Optional

import typer

from creativity_bench.errors import CBenchError
from creativity_bench.params import preset_names


def pick(group: dict[str, tuple], *names: str) -> dict[str, tuple]:
    """The options ``names`` of a group."""
    return {name: group[name] for name in names}


REQUIRED = inspect.Parameter.empty  # as a default: the option (or argument) must be given
ARGUMENT = ()  # as flags: a positional argument

# name: (type, default, flags, help). A command takes groups with `with_options`.
TASK = {"task": (str, REQUIRED, ARGUMENT, "Task name (see `cbench tasks`).")}
RUN_DIR = {"out": (Optional[Path], None, ("--out", "-o"), "Run directory (default: runs/TASK-OBJECTIVE-PRESET-sSEED).")}
QUIET = {"quiet": (bool, False, ("--quiet", "-q"), "No progress bars or phase lines.")}
INSTANCE_OPTIONS = {
    "preset": (str, "smoke", ("--preset", "-p"), f"Preset: {preset_names()}."),
    "seed": (int, 0, ("--seed", "-s"), "Instance seed."),
    "seed_length": (Optional[int], None, ("--seed-length",), "Seed characters per sample (0 = null)."),
    "sets": (Optional[list[str]], None, ("--set",), "Override a task parameter: key=value."),
}
SHOW_OPTIONS = {**INSTANCE_OPTIONS, "count": (int, 5, ("--samples", "-n"), "How many training samples to print.")}
GENERATE_OPTIONS = {
    "out": (Path, REQUIRED, ("--out", "-o"), "Directory for task.json, train.jsonl, eval.jsonl."),
    **INSTANCE_OPTIONS,
    "seed": (int, 0, ("--seed", "-s"), "Instance seed (same seed, byte-identical files)."),
}
SCORE_OPTIONS = {
    "instance_dir": (Path, REQUIRED, ARGUMENT, "Instance directory written by `cbench generate`."),
    "samples": (Path, REQUIRED, ARGUMENT, 'Samples JSONL: {"prompt_id": i, "answer": "..."} per line.'),
    "out": (Optional[Path], None, ("--out", "-o"), "Metrics JSON (default: SAMPLES with .scores.json); verdicts go beside it."),
}
TRAIN_OPTIONS = {
    "preset": (str, "cpu", ("--preset", "-p"), f"Task and model preset: {preset_names()}."),
    "objective": (str, "ntp", ("--objective",), "Objective name, entry-point name, or package.module:Class."),
    "seed": (int, 0, ("--seed", "-s"), "Training seed (initialisation and data order)."),
    "instance_seed": (int, 0, ("--instance-seed",), "Task instance seed."),
    "seed_length": (Optional[int], None, ("--seed-length",), "Seed characters per training sample (0 = null)."),
    "steps": (Optional[int], None, ("--steps",), "Training steps (default: the preset's)."),
    "batch_size": (Optional[int], None, ("--batch-size",), "Global batch size (default: the preset's)."),
    "lr": (Optional[float], None, ("--lr",), "Peak learning rate (default: the preset's)."),
    "devices": (str, "1", ("--devices",), "Lightning devices (e.g. 1, 2, auto)."),
    "num_nodes": (int, 1, ("--num-nodes",), "Lightning nodes."),
    "strategy": (str, "auto", ("--strategy",), "Lightning strategy (e.g. ddp)."),
    "sets": (Optional[list[str]], None, ("--set",), "Override a task parameter: key=value."),
    "objective_sets": (Optional[list[str]], None, ("--objective-set",), "Objective parameter: key=value (e.g. mix=1,2)."),
    "train_sets": (Optional[list[str]], None, ("--train-set",), "Any other training setting: key=value (e.g. warmup=50)."),
    "init_from": (Optional[Path], None, ("--init-from",), "Start from a trained left-to-right checkpoint (RUN/checkpoint) of the same "
                  "instance and model; rft and grpo then fine-tune it (without it they train next-token first, `pretrain`). See docs/finetuning.md."),
    "resume": (bool, False, ("--resume",), "Continue an interrupted run in --out."),
    "overwrite": (bool, False, ("--overwrite",), "Replace a finished run in --out."),
    **QUIET,
}
CHECKPOINT_OPTIONS = {
    "checkpoint": (Path, REQUIRED, ARGUMENT, "Checkpoint directory (RUN/checkpoint)."),
    "out": (Path, REQUIRED, ("--out", "-o"), "Samples JSONL to write (the format `cbench score` reads)."),
    "instance_dir": (Optional[Path], None, ("--instance",), "Instance directory (default: regenerate from the checkpoint)."),
    **QUIET,
}
SAMPLE_OPTIONS = {
    "mode": (str, "standard", ("--mode",), "standard (the objective's standard sampler: greedy for left-to-right objectives, "
             "temperature 1 for diffusion), greedy or temperature. `run` and `suite` also record the other regime."),
    "temperature": (float, 1.0, ("--temperature",), "Sampling temperature (mode temperature)."),
    "top_k": (int, 0, ("--top-k",), "Keep the k most likely tokens (0 = off)."),
    "top_p": (float, 1.0, ("--top-p",), "Nucleus sampling mass (1.0 = off)."),
    "diffusion_steps": (int, 0, ("--diffusion-steps",), "Diffusion denoising steps (0 = objective default)."),
    "sampling_seed": (int, 0, ("--sampling-seed",), "Sampling RNG seed (keyed to the prompt index)."),
    "sample_seed_length": (Optional[int], None, ("--sample-seed-length",), "Random characters per evaluation seed (default: all of the trained seed length; fewer are padded with a fixed character; 0 = null: one fixed seed)."),
    "batch": (int, 512, ("--sample-batch",), "Prompts per sampling batch (does not change results)."),
    "no_cache": (bool, False, ("--no-cache",), "Decode without the KV cache (slower, same tokens)."),
    "samples_per_prompt": (int, 1, ("--samples-per-prompt", "-k"), "Draws per evaluation prompt for the discovery curve "
                           "(creativity@k): K fresh seeds per prompt for greedy decoding, K sampling keys otherwise."),
    "device": (str, "auto", ("--device",), "auto (a CUDA GPU when there is one, in bf16), cpu or cuda."),
}
RUN_OPTIONS = {**TASK, **RUN_DIR, **TRAIN_OPTIONS, **{k: v for k, v in SAMPLE_OPTIONS.items() if k != "device"}}
SUITE_OPTIONS = {
    "results": (Path, REQUIRED, ARGUMENT, "Results tree (RESULTS/TASK/OBJECTIVE/sSEED run directories)."),
    "tasks": (Optional[list[str]], None, ("--tasks",), "Tasks (default: all four); repeat or comma-separate."),
    "objectives": (Optional[list[str]], None, ("--objectives",), "Objectives (default: every one that trains from scratch, plugins included, but the fine-tuners rft and grpo: name them to add them)."),
    "seeds": (Optional[list[str]], None, ("--seeds",), "Training seeds (default: 0,1,2)."),
    **pick(TRAIN_OPTIONS, "preset", "instance_seed"),
    "shard": (Optional[str], None, ("--shard",), "Run only shard i of n (i/n, 1-based), e.g. $SLURM_ARRAY_TASK_ID/8."),
    **pick(TRAIN_OPTIONS, "train_sets"),
    **pick(SAMPLE_OPTIONS, "mode", "temperature", "sampling_seed", "samples_per_prompt"),
    "dry_run": (bool, False, ("--dry-run",), "List the shard's cells and their state; run nothing."),
    **QUIET,
}
REPORT_OPTIONS = {
    "results": (Path, REQUIRED, ARGUMENT, "Results tree written by `cbench suite`."),
    "out": (Optional[Path], None, ("--out", "-o"), "Report folder (default: RESULTS/report)."),
    "sweep_objectives": (Optional[list[str]], None, ("--sweep-objective",), "Objective(s) for the sampling sweeps (default: the first, ntp when present)."),
    "no_sweeps": (bool, False, ("--no-sweeps",), "Skip the sampling sweeps (seed vs temperature, seed length)."),
    **QUIET,
}
SUBMIT_OPTIONS = {
    "objective": (str, REQUIRED, ("--objective",), "Objective to submit (registered name, entry point, or module:Class)."),
    "out": (Path, REQUIRED, ("--out", "-o"), "Submission folder to create."),
    **pick(TRAIN_OPTIONS, "preset"),
    "runs": (Optional[Path], None, ("--runs",), "Working results tree for the training runs (default: runs/submit-PRESET); finished runs are reused."),
    "seeds": (int, 3, ("--seeds",), "Training seeds 0..N-1 (at least 3; more narrow the confidence interval on the page)."),
    "with_checkpoints": (bool, False, ("--with-checkpoints",), "Carry each run's weights (safetensors) so that `verify --resample` can re-sample them."),
    **QUIET,
}
VERIFY_OPTIONS = {
    "submission": (Path, REQUIRED, ARGUMENT, "Submission folder (from `cbench submit`)."),
    "reproduce": (Optional[str], None, ("--reproduce",), "Also re-train runs and compare their samples: K (drawn at random), TASK/sSEED, or all."),
    "resample": (bool, False, ("--resample",), "Also re-sample the carried checkpoints (no training) and compare their samples."),
    "salt": (Optional[str], None, ("--salt",), "Salt of the --reproduce K draw (default: a fresh random one; recorded)."),
}
BUILD_OPTIONS = {
    "directory": (Path, Path("results/leaderboard"), ("--dir",), "Folder of submission folders."),
    "markdown": (Path, Path("LEADERBOARD.md"), ("--markdown",), "Markdown page to write."),
    "html_page": (Optional[Path], None, ("--html",), "HTML page to write (default: DIR/index.html)."),
}
# The SamplingSettings field each sampling option sets.
SAMPLING_FIELDS = {"mode": "mode", "temperature": "temperature", "top_k": "top_k", "top_p": "top_p", "diffusion_steps": "steps",
                   "sampling_seed": "seed", "sample_seed_length": "seed_length", "batch": "batch_size"}


def with_options(*groups: dict[str, tuple]) -> Callable:
    """Give a command the options (and arguments) of ``groups``, in order; it receives them in ``**options``."""

    def decorate(fn: Callable) -> Callable:
        params = {}
        for group in groups:
            for name, (kind, default, flags, text) in group.items():
                # A boolean option is a flag: no value, and no type shown in --help (metavar "").
                flag = {"metavar": ""} if kind is bool else {}
                info = typer.Option(*flags, help=text, **flag) if flags else typer.Argument(help=text)
                params[name] = inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=default, annotation=Annotated[kind, info])
        fn.__signature__ = inspect.Signature(list(params.values()))
        return fn

    return decorate


def parse_sets(items: list[str] | None) -> dict[str, str]:
    """``key=value`` pairs from repeated ``--set`` options."""
    out: dict[str, str] = {}
    for item in items or []:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise CBenchError(f"--set expects key=value, got '{item}'")
        out[key.strip()] = value.strip()
    return out


def task_overrides(options: dict[str, Any]) -> dict[str, Any]:
    """Task parameters from ``--set`` and ``--seed-length``."""
    overrides: dict[str, Any] = parse_sets(options["sets"])
    if options["seed_length"] is not None:
        overrides["seed_length"] = options["seed_length"]
    return overrides


def split_list(values: list[str] | None) -> list[str] | None:
    """Accept both ``--tasks a --tasks b`` and ``--tasks a,b``."""
    if not values:
        return None
    return [v.strip() for item in values for v in item.split(",") if v.strip()]


def seed_list(values: list[str] | None, default: tuple[int, ...]) -> list[int]:
    items = split_list(values)
    if items is None:
        return list(default)
    try:
        return [int(v) for v in items]
    except ValueError:
        raise CBenchError(f"--seeds must be integers, got '{','.join(items)}'") from None


def train_config(options: dict[str, Any]):
    """The TrainConfig the training options describe."""
    from creativity_bench.models.config import TrainConfig

    keep = ("task", "preset", "objective", "seed", "instance_seed", "steps", "batch_size", "lr", "devices", "num_nodes", "strategy")
    init_from = options.get("init_from")
    cfg = TrainConfig(task_overrides=task_overrides(options), objective_params=parse_sets(options["objective_sets"]),
                      init_from=str(init_from) if init_from is not None else None, **{k: options[k] for k in keep})
    return cfg.replace(**parse_sets(options["train_sets"]))


def sampling_settings(options: dict[str, Any]):
    """The SamplingSettings the sampling options given describe (the rest at their defaults)."""
    from creativity_bench.models.sampling import SamplingSettings

    values = {field: options[name] for name, field in SAMPLING_FIELDS.items() if name in options}
    settings = SamplingSettings(**values, use_cache=not options.get("no_cache", False))
    settings.validate()
    return settings
