"""The ``cbench`` command: a thin layer over tasks, scoring and (lazily) the model zoo.

Heavy modules are imported inside commands so that ``cbench --help`` stays fast and the
task/scoring commands never import torch.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, Optional

import typer

from creativity_bench import __version__
from creativity_bench.errors import CBenchError

app = typer.Typer(
    name="cbench",
    help="creativity-bench: measure whether sequence models produce new, coherent, non-memorized samples.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def fail(message: str) -> None:
    """Print one error line on stderr and exit with code 2."""
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(2)


def user_errors(fn: Callable) -> Callable:
    """Turn user-facing errors into one line and exit code 2; Ctrl-C into exit code 130."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except CBenchError as exc:
            fail(str(exc))
        except KeyboardInterrupt:
            typer.echo("interrupted", err=True)
            raise typer.Exit(130) from None
        except BrokenPipeError:
            sys.stderr.close()
            raise typer.Exit(0) from None

    return wrapper


def console():
    from rich.console import Console

    return Console()


def parse_sets(items: list[str] | None) -> dict[str, str]:
    """``key=value`` pairs from repeated ``--set`` options."""
    out: dict[str, str] = {}
    for item in items or []:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise CBenchError(f"--set expects key=value, got '{item}'")
        out[key.strip()] = value.strip()
    return out


def build_task(task: str, preset: str, sets: list[str] | None, seed_length: int | None = None):
    from creativity_bench.tasks import make_task

    overrides: dict[str, Any] = parse_sets(sets)
    if seed_length is not None:
        overrides["seed_length"] = seed_length
    return make_task(task, preset, **overrides)


@app.callback(invoke_without_command=True)
def main(version: bool = typer.Option(False, "--version", help="Print the version and exit.")) -> None:
    """creativity-bench command line."""
    if version:
        typer.echo(f"creativity-bench {__version__}")
        raise typer.Exit(0)


@app.command("tasks")
@user_errors
def tasks_command() -> None:
    """List the registered tasks, their versions, presets and descriptions."""
    from rich.table import Table

    from creativity_bench.tasks import TASKS

    table = Table(title="creativity-bench tasks")
    for col in ("task", "version", "presets", "description"):
        table.add_column(col)
    for name in TASKS:
        cls = TASKS.get(name)
        table.add_row(name, str(cls.version), ", ".join(cls.presets), cls.description)
    console().print(table)


@app.command("objectives")
@user_errors
def objectives_command() -> None:
    """List the training objectives: built-ins and installed plugins, with their parameters."""
    from rich.table import Table

    from creativity_bench.models.objectives import get_objective, objective_names

    table = Table(title="creativity-bench objectives")
    table.add_column("objective", no_wrap=True)
    for col in ("version", "parameters (defaults)", "description"):
        table.add_column(col)
    for name in objective_names():
        cls = get_objective(name)
        params = ", ".join(f"{k}={v}" for k, v in cls.params_class().to_dict().items()) or "-"
        table.add_row(name, str(cls.version), params, cls.description)
    console().print(table)


@app.command("show")
@user_errors
def show_command(
    task: str = typer.Argument(..., help="Task name (see `cbench tasks`)."),
    preset: str = typer.Option("smoke", "--preset", "-p", help="Preset: smoke, cpu or paper."),
    seed: int = typer.Option(0, "--seed", "-s", help="Instance seed."),
    seed_length: Optional[int] = typer.Option(None, "--seed-length", help="Seed characters per sample (0 = null)."),
    sets: Optional[list[str]] = typer.Option(None, "--set", help="Override a task parameter: key=value."),
    count: int = typer.Option(5, "--samples", "-n", help="How many training samples to print."),
) -> None:
    """Render a few samples of an instance and its statistics."""
    from rich.table import Table

    instance = build_task(task, preset, sets, seed_length).generate(seed)
    out = console()
    samples = Table(title=f"{task} ({preset}, seed {seed}): training samples")
    for col in ("seed", "prompt", "answer"):
        samples.add_column(col)
    for s in instance.train[: max(count, 0)]:
        samples.add_row(s.seed or "-", s.prompt, s.answer)
    out.print(samples)
    stats = Table(title="instance statistics")
    stats.add_column("statistic")
    stats.add_column("value", justify="right")
    stats.add_row("fingerprint", instance.fingerprint[:16])
    for key, value in instance.task.params.to_dict().items():
        stats.add_row(f"param {key}", str(value))
    for key, value in instance.stats().items():
        stats.add_row(key, str(value))
    out.print(stats)


@app.command("generate")
@user_errors
def generate_command(
    task: str = typer.Argument(..., help="Task name (see `cbench tasks`)."),
    out: Path = typer.Option(..., "--out", "-o", help="Directory for task.json, train.jsonl, eval.jsonl."),
    preset: str = typer.Option("smoke", "--preset", "-p", help="Preset: smoke, cpu or paper."),
    seed: int = typer.Option(0, "--seed", "-s", help="Instance seed (same seed, byte-identical files)."),
    seed_length: Optional[int] = typer.Option(None, "--seed-length", help="Seed characters per sample (0 = null)."),
    sets: Optional[list[str]] = typer.Option(None, "--set", help="Override a task parameter: key=value."),
) -> None:
    """Generate a task instance and write its files."""
    from creativity_bench.tasks import write_instance

    instance = build_task(task, preset, sets, seed_length).generate(seed)
    written = write_instance(instance, out)
    verb = "wrote" if written else "already present, unchanged:"
    typer.echo(
        f"{verb} {out} ({instance.name} v{instance.task.version}, {len(instance.train)} train, "
        f"{len(instance.eval)} eval, fingerprint {instance.fingerprint[:16]})"
    )


@app.command("score")
@user_errors
def score_command(
    instance_dir: Path = typer.Argument(..., help="Instance directory written by `cbench generate`."),
    samples: Path = typer.Argument(..., help='Samples JSONL: {"prompt_id": i, "answer": "..."} per line.'),
    out: Optional[Path] = typer.Option(
        None, "--out", "-o", help="Metrics JSON (default: SAMPLES with .scores.json); verdicts go beside it."
    ),
) -> None:
    """Score anyone's samples: creativity, memorization, validity, diversity."""
    from creativity_bench.scoring import score_file
    from creativity_bench.scoring.report import scores_document, scores_table, write_scores
    from creativity_bench.tasks import load_instance

    instance = load_instance(instance_dir)
    scores, verdicts = score_file(samples, instance)
    out = out or samples.with_name(samples.name.removesuffix(".jsonl") + ".scores.json")
    if out.is_dir():
        raise CBenchError(f"{out}: is a directory; --out takes the name of the metrics file")
    doc = scores_document(instance, scores, samples_file=str(samples))
    verdict_path = write_scores(out, doc, verdicts)
    console().print(scores_table(instance, scores))
    missing = len(instance.eval) - scores.n
    if missing:
        typer.echo(f"note: {missing} of {len(instance.eval)} evaluation prompts have no sample", err=True)
    typer.echo(f"wrote {out} and {verdict_path}")


# --- model zoo commands (torch is imported inside them) -------------------------------------

TrainTask = typer.Argument(..., help="Task name (see `cbench tasks`).")


def _train_config(task, preset, objective, seed, instance_seed, seed_length, steps, batch_size, lr, devices, num_nodes, strategy, sets, objective_sets, train_sets):
    from creativity_bench.models.config import TrainConfig

    overrides: dict[str, Any] = parse_sets(sets)
    if seed_length is not None:
        overrides["seed_length"] = seed_length
    cfg = TrainConfig(
        task=task, preset=preset, instance_seed=instance_seed, task_overrides=overrides, objective=objective,
        objective_params=parse_sets(objective_sets), seed=seed, steps=steps, batch_size=batch_size, lr=lr,
        devices=devices, num_nodes=num_nodes, strategy=strategy,
    )
    return cfg.replace(**parse_sets(train_sets))


def _sampling(mode, temperature, top_k, top_p, diffusion_steps, sampling_seed, sample_seed_length, batch, no_cache):
    from creativity_bench.models.sampling import SamplingSettings

    settings = SamplingSettings(
        mode=mode, temperature=temperature, top_k=top_k, top_p=top_p, steps=diffusion_steps, seed=sampling_seed,
        seed_length=sample_seed_length, batch_size=batch, use_cache=not no_cache,
    )
    settings.validate()
    return settings


def _check_sampling_fits(objective_name: str, settings) -> None:
    from creativity_bench.models.objectives import get_objective

    cls = get_objective(objective_name)
    if settings.steps and not cls.uses_diffusion_steps:
        raise CBenchError(f"--diffusion-steps does not apply to objective '{objective_name}' (it decodes left to right)")
    if settings.mode == "greedy" and (settings.top_k or settings.top_p < 1 or settings.temperature != 1.0):
        raise CBenchError("--temperature/--top-k/--top-p need --mode temperature (greedy decoding ignores them)")


TRAIN_OPTIONS = {
    "preset": typer.Option("cpu", "--preset", "-p", help="Task and model preset: smoke, cpu or paper."),
    "objective": typer.Option("ntp", "--objective", help="Objective name, entry-point name, or package.module:Class."),
    "seed": typer.Option(0, "--seed", "-s", help="Training seed (initialisation and data order)."),
    "instance_seed": typer.Option(0, "--instance-seed", help="Task instance seed."),
    "seed_length": typer.Option(None, "--seed-length", help="Seed characters per training sample (0 = null)."),
    "steps": typer.Option(None, "--steps", help="Training steps (default: the preset's)."),
    "batch_size": typer.Option(None, "--batch-size", help="Global batch size (default: the preset's)."),
    "lr": typer.Option(None, "--lr", help="Peak learning rate (default: the preset's)."),
    "devices": typer.Option("1", "--devices", help="Lightning devices (e.g. 1, 2, auto)."),
    "num_nodes": typer.Option(1, "--num-nodes", help="Lightning nodes."),
    "strategy": typer.Option("auto", "--strategy", help="Lightning strategy (e.g. ddp)."),
    "sets": typer.Option(None, "--set", help="Override a task parameter: key=value."),
    "objective_sets": typer.Option(None, "--objective-set", help="Objective parameter: key=value (e.g. mix=1,2)."),
    "train_sets": typer.Option(None, "--train-set", help="Any other training setting: key=value (e.g. warmup=50)."),
    "resume": typer.Option(False, "--resume", help="Continue an interrupted run in --out."),
    "overwrite": typer.Option(False, "--overwrite", help="Replace a finished run in --out."),
    "quiet": typer.Option(False, "--quiet", "-q", help="No progress bar."),
}
SAMPLE_OPTIONS = {
    "mode": typer.Option("greedy", "--mode", help="greedy or temperature."),
    "temperature": typer.Option(1.0, "--temperature", help="Sampling temperature (mode temperature)."),
    "top_k": typer.Option(0, "--top-k", help="Keep the k most likely tokens (0 = off)."),
    "top_p": typer.Option(1.0, "--top-p", help="Nucleus sampling mass (1.0 = off)."),
    "diffusion_steps": typer.Option(0, "--diffusion-steps", help="Diffusion denoising steps (0 = objective default)."),
    "sampling_seed": typer.Option(0, "--sampling-seed", help="Sampling RNG seed (keyed to the prompt index)."),
    "sample_seed_length": typer.Option(None, "--sample-seed-length", help="Random characters per evaluation seed (default: all of the trained seed length; fewer are padded with a fixed character; 0 = null: one fixed seed)."),
    "batch": typer.Option(512, "--sample-batch", help="Prompts per sampling batch (does not change results)."),
    "no_cache": typer.Option(False, "--no-cache", help="Decode without the KV cache (slower, same tokens)."),
    "device": typer.Option("auto", "--device", help="auto (a CUDA GPU when there is one, in bf16), cpu or cuda."),
}


def _default_run_dir(task: str, objective: str, preset: str, seed: int) -> Path:
    return Path("runs") / f"{task}-{objective.replace(':', '_').replace('.', '_')}-{preset}-s{seed}"


@app.command("train")
@user_errors
def train_command(
    task: str = TrainTask,
    out: Optional[Path] = typer.Option(None, "--out", "-o", help="Run directory (default: runs/TASK-OBJECTIVE-PRESET-sSEED)."),
    preset: str = TRAIN_OPTIONS["preset"], objective: str = TRAIN_OPTIONS["objective"], seed: int = TRAIN_OPTIONS["seed"],
    instance_seed: int = TRAIN_OPTIONS["instance_seed"], seed_length: Optional[int] = TRAIN_OPTIONS["seed_length"],
    steps: Optional[int] = TRAIN_OPTIONS["steps"], batch_size: Optional[int] = TRAIN_OPTIONS["batch_size"],
    lr: Optional[float] = TRAIN_OPTIONS["lr"], devices: str = TRAIN_OPTIONS["devices"], num_nodes: int = TRAIN_OPTIONS["num_nodes"],
    strategy: str = TRAIN_OPTIONS["strategy"], sets: Optional[list[str]] = TRAIN_OPTIONS["sets"],
    objective_sets: Optional[list[str]] = TRAIN_OPTIONS["objective_sets"], train_sets: Optional[list[str]] = TRAIN_OPTIONS["train_sets"],
    resume: bool = TRAIN_OPTIONS["resume"], overwrite: bool = TRAIN_OPTIONS["overwrite"], quiet: bool = TRAIN_OPTIONS["quiet"],
) -> None:
    """Train a model on a task instance (checkpoint and logs, no final sampling)."""
    from creativity_bench.runs import train_run

    cfg = _train_config(task, preset, objective, seed, instance_seed, seed_length, steps, batch_size, lr, devices, num_nodes, strategy, sets, objective_sets, train_sets)
    out = out or _default_run_dir(task, objective, preset, seed)
    cfg, _, _, _, result = train_run(cfg, out, resume, overwrite, progress=not quiet)
    typer.echo(f"trained {cfg.steps} steps in {result.wall_time_s:.1f} s ({result.tokens_per_s:,.0f} tokens/s); checkpoint in {out / 'checkpoint'}")


@app.command("sample")
@user_errors
def sample_command(
    checkpoint: Path = typer.Argument(..., help="Checkpoint directory (RUN/checkpoint)."),
    out: Path = typer.Option(..., "--out", "-o", help="Samples JSONL to write (the format `cbench score` reads)."),
    instance_dir: Optional[Path] = typer.Option(None, "--instance", help="Instance directory (default: regenerate from the checkpoint)."),
    mode: str = SAMPLE_OPTIONS["mode"], temperature: float = SAMPLE_OPTIONS["temperature"], top_k: int = SAMPLE_OPTIONS["top_k"],
    top_p: float = SAMPLE_OPTIONS["top_p"], diffusion_steps: int = SAMPLE_OPTIONS["diffusion_steps"],
    sampling_seed: int = SAMPLE_OPTIONS["sampling_seed"], sample_seed_length: Optional[int] = SAMPLE_OPTIONS["sample_seed_length"],
    batch: int = SAMPLE_OPTIONS["batch"], no_cache: bool = SAMPLE_OPTIONS["no_cache"], device: str = SAMPLE_OPTIONS["device"],
) -> None:
    """Sample the evaluation prompts from a trained checkpoint, score, and write the samples."""
    from creativity_bench.io import atomic_write_bytes, atomic_write_text, dumps_json
    from creativity_bench.models.train import load_for_sampling
    from creativity_bench.runs import sample_and_score, samples_lines
    from creativity_bench.scoring.report import scores_document, scores_table
    from creativity_bench.tasks import load_instance

    settings = _sampling(mode, temperature, top_k, top_p, diffusion_steps, sampling_seed, sample_seed_length, batch, no_cache)
    instance = load_instance(instance_dir) if instance_dir else None
    objective, model, extra, instance, vocab, side = load_for_sampling(checkpoint, instance, device)
    _check_sampling_fits(objective.name, settings)
    scores, verdicts, fit, max_new = sample_and_score(objective, model, extra, instance, vocab, settings)
    atomic_write_bytes(out, samples_lines(verdicts))
    meta = out.with_name(out.name.removesuffix(".jsonl") + ".scores.json")
    used = next(model.parameters()).device.type
    doc = scores_document(instance, scores, samples_file=str(out), checkpoint={"objective": side["objective"], "step": side["step"]},
                          sampling={**settings.to_dict(), "max_new_tokens": max_new, "device": used,
                                    "dtype": "bf16-autocast" if used == "cuda" else "float32"}, train_fit=fit)
    atomic_write_text(meta, dumps_json(doc))
    console().print(scores_table(instance, scores))
    typer.echo(f"wrote {out} and {meta}")


@app.command("run")
@user_errors
def run_command(
    task: str = TrainTask,
    out: Optional[Path] = typer.Option(None, "--out", "-o", help="Run directory (default: runs/TASK-OBJECTIVE-PRESET-sSEED)."),
    preset: str = TRAIN_OPTIONS["preset"], objective: str = TRAIN_OPTIONS["objective"], seed: int = TRAIN_OPTIONS["seed"],
    instance_seed: int = TRAIN_OPTIONS["instance_seed"], seed_length: Optional[int] = TRAIN_OPTIONS["seed_length"],
    steps: Optional[int] = TRAIN_OPTIONS["steps"], batch_size: Optional[int] = TRAIN_OPTIONS["batch_size"],
    lr: Optional[float] = TRAIN_OPTIONS["lr"], devices: str = TRAIN_OPTIONS["devices"], num_nodes: int = TRAIN_OPTIONS["num_nodes"],
    strategy: str = TRAIN_OPTIONS["strategy"], sets: Optional[list[str]] = TRAIN_OPTIONS["sets"],
    objective_sets: Optional[list[str]] = TRAIN_OPTIONS["objective_sets"], train_sets: Optional[list[str]] = TRAIN_OPTIONS["train_sets"],
    resume: bool = TRAIN_OPTIONS["resume"], overwrite: bool = TRAIN_OPTIONS["overwrite"], quiet: bool = TRAIN_OPTIONS["quiet"],
    mode: str = SAMPLE_OPTIONS["mode"], temperature: float = SAMPLE_OPTIONS["temperature"], top_k: int = SAMPLE_OPTIONS["top_k"],
    top_p: float = SAMPLE_OPTIONS["top_p"], diffusion_steps: int = SAMPLE_OPTIONS["diffusion_steps"],
    sampling_seed: int = SAMPLE_OPTIONS["sampling_seed"], sample_seed_length: Optional[int] = SAMPLE_OPTIONS["sample_seed_length"],
    batch: int = SAMPLE_OPTIONS["batch"], no_cache: bool = SAMPLE_OPTIONS["no_cache"],
) -> None:
    """The main job: generate the instance, train, sample, score, write the run directory."""
    from creativity_bench.runs import run

    cfg = _train_config(task, preset, objective, seed, instance_seed, seed_length, steps, batch_size, lr, devices, num_nodes, strategy, sets, objective_sets, train_sets)
    settings = _sampling(mode, temperature, top_k, top_p, diffusion_steps, sampling_seed, sample_seed_length, batch, no_cache)
    _check_sampling_fits(cfg.objective, settings)
    out = out or _default_run_dir(task, objective, preset, seed)
    doc = run(cfg, out, settings, resume=resume, overwrite=overwrite, progress=not quiet)
    m = doc["metrics"]
    from rich.table import Table

    table = Table(title=f"{task} / {doc['objective']['name']} / {preset} (seed {seed}), N={m['n']}")
    for col in ("creativity", "memorization", "validity", "diversity", "train fit", "train s"):
        table.add_column(col, justify="right")
    table.add_row(*(f"{m[k]:.3f}" for k in ("creativity", "memorization", "validity", "diversity", "train_fit")), f"{doc['training']['wall_time_s']:.1f}")
    console().print(table)
    typer.echo(f"wrote {out / 'results.json'}")


def _split_list(values: list[str] | None) -> list[str] | None:
    """Accept both ``--tasks a --tasks b`` and ``--tasks a,b``."""
    if not values:
        return None
    return [v.strip() for item in values for v in item.split(",") if v.strip()]


def _seed_list(values: list[str] | None, default: tuple[int, ...]) -> list[int]:
    items = _split_list(values)
    if items is None:
        return list(default)
    try:
        return [int(v) for v in items]
    except ValueError:
        raise CBenchError(f"--seeds must be integers, got '{','.join(items)}'") from None


def suite_progress(cells: list, quiet: bool):
    """An overall progress bar over the grid, and the event hook that advances it."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    progress = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                        disable=quiet, transient=False)
    bar = progress.add_task("suite", total=len(cells))
    verbs = {"done": "skip (complete)", "resume": "resume", "restart": "restart", "new": "run"}

    def on_event(cell, state, doc) -> None:
        if doc is None:
            progress.update(bar, description=f"{cell.label}: {verbs[state]}")
            return
        m = doc["metrics"]
        if state != "done":
            progress.console.print(f"{cell.label}: creativity {m['creativity']:.3f}, validity {m['validity']:.3f}, "
                                   f"memorization {m['memorization']:.3f} ({doc['training']['wall_time_s']:.0f} s training)")
        progress.advance(bar)

    return progress, on_event


@app.command("suite")
@user_errors
def suite_command(
    results: Path = typer.Argument(..., help="Results tree (RESULTS/TASK/OBJECTIVE/sSEED run directories)."),
    tasks: Optional[list[str]] = typer.Option(None, "--tasks", help="Tasks (default: all four); repeat or comma-separate."),
    objectives: Optional[list[str]] = typer.Option(None, "--objectives", help="Objectives (default: every registered one, plugins included)."),
    seeds: Optional[list[str]] = typer.Option(None, "--seeds", help="Training seeds (default: 0,1,2)."),
    preset: str = TRAIN_OPTIONS["preset"], instance_seed: int = TRAIN_OPTIONS["instance_seed"],
    shard: Optional[str] = typer.Option(None, "--shard", help="Run only shard i of n (i/n, 1-based), e.g. $SLURM_ARRAY_TASK_ID/8."),
    train_sets: Optional[list[str]] = TRAIN_OPTIONS["train_sets"],
    mode: str = SAMPLE_OPTIONS["mode"], temperature: float = SAMPLE_OPTIONS["temperature"],
    sampling_seed: int = SAMPLE_OPTIONS["sampling_seed"], dry_run: bool = typer.Option(False, "--dry-run", help="List the shard's cells and their state; run nothing."),
    quiet: bool = TRAIN_OPTIONS["quiet"],
) -> None:
    """Run tasks x objectives x seeds into one results tree; skip finished runs, resume stopped ones."""
    from creativity_bench.models.objectives import objective_names
    from creativity_bench.suite import DEFAULT_SEEDS, cell_state, grid, parse_shard, run_suite, shard_cells
    from creativity_bench.tasks import task_names

    shard_spec = parse_shard(shard)
    cells = grid(_split_list(tasks) or task_names(), _split_list(objectives) or objective_names(), _seed_list(seeds, DEFAULT_SEEDS))
    mine = shard_cells(cells, shard_spec)
    settings = _sampling(mode, temperature, 0, 1.0, 0, sampling_seed, None, 512, False)
    for name in dict.fromkeys(c.objective for c in cells):
        _check_sampling_fits(name, settings)
    if dry_run:
        for cell in mine:
            typer.echo(f"{cell.label}\t{cell_state(cell.run_dir(results))}")
        return
    typer.echo(f"suite: {len(mine)} of {len(cells)} runs (shard {shard_spec[0]}/{shard_spec[1]}), preset {preset}, into {results}")
    progress, on_event = suite_progress(mine, quiet)
    with progress:
        outcome = run_suite(results, mine, preset, settings, instance_seed, parse_sets(train_sets), on_event=on_event)
    typer.echo(f"suite: {len(outcome['new'])} run, {len(outcome['resume'])} resumed, {len(outcome['restart'])} restarted, "
               f"{len(outcome['done'])} already complete; report with `cbench report {results}`")


@app.command("report")
@user_errors
def report_command(
    results: Path = typer.Argument(..., help="Results tree written by `cbench suite`."),
    out: Optional[Path] = typer.Option(None, "--out", "-o", help="Report folder (default: RESULTS/report)."),
    sweep_objectives: Optional[list[str]] = typer.Option(None, "--sweep-objective", help="Objective(s) for the sampling sweeps (default: the first, ntp when present)."),
    no_sweeps: bool = typer.Option(False, "--no-sweeps", help="Skip the sampling sweeps (seed vs temperature, seed length)."),
    quiet: bool = TRAIN_OPTIONS["quiet"],
) -> None:
    """Aggregate a results tree over seeds into report.md, report.json and PNG figures."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from creativity_bench.report import make_report

    with Progress(TextColumn("sampling sweeps"), BarColumn(), MofNCompleteColumn(), disable=quiet) as progress:
        bar = progress.add_task("sweeps", total=None)
        doc = make_report(results, out, _split_list(sweep_objectives), sweeps=not no_sweeps,
                          on_sweep_point=lambda: progress.advance(bar))
    where = out or results / "report"
    typer.echo(f"report over {doc['runs']} runs: {where / 'report.md'} ({len(doc['figures'])} figures)")


@app.command("submit")
@user_errors
def submit_command(
    objective: str = typer.Option(..., "--objective", help="Objective to submit (registered name, entry point, or module:Class)."),
    out: Path = typer.Option(..., "--out", "-o", help="Submission folder to create."),
    preset: str = TRAIN_OPTIONS["preset"],
    runs: Optional[Path] = typer.Option(None, "--runs", help="Working results tree for the training runs (default: runs/submit-PRESET); finished runs are reused."),
    quiet: bool = TRAIN_OPTIONS["quiet"],
) -> None:
    """Run the leaderboard protocol (docs/leaderboard.md) for one objective and pack a submission."""
    from creativity_bench.environment import environment
    from creativity_bench.leaderboard.protocol import TASKS, TRAINING_SEEDS
    from creativity_bench.leaderboard.submission import submit
    from creativity_bench.suite import grid

    runs = runs or Path("runs") / f"submit-{preset}"
    progress, on_event = suite_progress(grid(list(TASKS), [objective], list(TRAINING_SEEDS)), quiet)
    with progress:
        doc = submit(objective, preset, out, runs, environment()["command"], on_event=on_event)
    mean = doc["claimed"]["mean"]
    typer.echo(f"submission in {out}: mean creativity {mean['creativity']:.3f}, validity {mean['validity']:.3f}; "
               f"check it with `cbench leaderboard verify {out}`")


leaderboard_app = typer.Typer(help="Verify submissions and build the leaderboard pages.", no_args_is_help=True)
app.add_typer(leaderboard_app, name="leaderboard")


@leaderboard_app.command("verify")
@user_errors
def leaderboard_verify_command(submission: Path = typer.Argument(..., help="Submission folder (from `cbench submit`).")) -> None:
    """Regenerate every instance, re-score every sample, and compare with the claimed numbers."""
    from creativity_bench.leaderboard.verify import verify

    verdict = verify(submission)
    if not verdict.ok:
        for problem in verdict.problems:
            typer.echo(f"rejected: {problem}", err=True)
        raise typer.Exit(1)
    mean = verdict.recomputed["mean"]
    typer.echo(f"verified {submission}: {verdict.submission['objective']['name']} ({verdict.submission['preset']}), "
               f"mean creativity {mean['creativity']:.3f}, memorization {mean['memorization']:.3f}, validity {mean['validity']:.3f}")


@leaderboard_app.command("build")
@user_errors
def leaderboard_build_command(
    directory: Path = typer.Option(Path("results/leaderboard"), "--dir", help="Folder of submission folders."),
    markdown: Path = typer.Option(Path("LEADERBOARD.md"), "--markdown", help="Markdown page to write."),
    html_page: Optional[Path] = typer.Option(None, "--html", help="HTML page to write (default: DIR/index.html)."),
) -> None:
    """Verify every submission and write LEADERBOARD.md and the static HTML page."""
    from creativity_bench.leaderboard.site import build

    html_page = html_page or directory / "index.html"
    entries = build(directory, markdown, html_page)
    typer.echo(f"leaderboard: {len(entries)} verified entries; wrote {markdown} and {html_page}")


def run() -> None:
    """Console-script entry point."""
    app()


if __name__ == "__main__":
    run()
