"""The ``cbench`` command: argument parsing and printing; the work is done by library functions.

Options are declared once, in ``cli_options``; tables, progress bars and one-line errors come
from ``console``. Heavy modules are imported inside commands so that ``cbench --help`` stays
fast and the task/scoring commands never import torch.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import typer

from creativity_bench import __version__
from creativity_bench import cli_options as flags
from creativity_bench.cli_options import (
    parse_sets,
    sampling_settings,
    seed_list,
    split_list,
    task_overrides,
    train_config,
    with_options,
)
from creativity_bench.console import OneLineUsageErrors, PhaseLines, console, print_table, suite_progress, user_errors

app = typer.Typer(
    name="cbench",
    cls=OneLineUsageErrors,
    help="creativity-bench: measure whether sequence models produce new, coherent, non-memorized samples.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def command(name: str, *groups: dict[str, tuple], on: typer.Typer = app) -> Callable:
    """Register a command of ``on`` that takes the options of ``groups`` and turns errors into one line."""
    full = name if on is app else f"leaderboard {name}"
    return lambda fn: on.command(name)(user_errors(with_options(*groups)(fn), full))


@app.callback(invoke_without_command=True)
def main(version: bool = typer.Option(False, "--version", help="Print the version and exit.")) -> None:
    """creativity-bench command line."""
    if version:
        typer.echo(f"creativity-bench {__version__}")
        raise typer.Exit(0)


@command("tasks")
def tasks_command() -> None:
    """List the registered tasks, their versions, presets and descriptions."""
    from creativity_bench.tasks import TASKS

    rows = [(cls.name, str(cls.version), ", ".join(cls.presets), cls.description) for cls in map(TASKS.get, TASKS)]
    print_table("creativity-bench tasks", ("task", "version", "presets", "description"), rows)


@command("objectives")
def objectives_command() -> None:
    """List the training objectives: built-ins and installed plugins, with their parameters."""
    from creativity_bench.models.objectives import get_objective, objective_names

    rows = [(name, str(cls.version), ", ".join(f"{k}={v}" for k, v in cls.params_class().to_dict().items()) or "-", cls.description)
            for name, cls in ((name, get_objective(name)) for name in objective_names())]
    print_table("creativity-bench objectives", ("objective", "version", "parameters (defaults)", "description"), rows, no_wrap=("objective",))


@command("show", flags.TASK, flags.SHOW_OPTIONS)
def show_command(**options: Any) -> None:
    """Render a few samples of an instance and its statistics."""
    from creativity_bench.tasks import make_task

    task, preset, seed = options["task"], options["preset"], options["seed"]
    instance = make_task(task, preset, **task_overrides(options)).generate(seed)
    samples = [(s.seed or "-", s.prompt, s.answer) for s in instance.train[: max(options["count"], 0)]]
    print_table(f"{task} ({preset}, seed {seed}): training samples", ("seed", "prompt", "answer"), samples)
    stats = [("fingerprint", instance.fingerprint[:16]), *((f"param {k}", str(v)) for k, v in instance.task.params.to_dict().items()),
             *((k, str(v)) for k, v in instance.stats().items())]
    print_table("instance statistics", ("statistic", "value"), stats, right=("value",))


@command("generate", flags.TASK, flags.GENERATE_OPTIONS)
def generate_command(**options: Any) -> None:
    """Generate a task instance and write its files."""
    from creativity_bench.tasks import make_task, write_instance

    instance = make_task(options["task"], options["preset"], **task_overrides(options)).generate(options["seed"])
    out = options["out"]
    verb = "wrote" if write_instance(instance, out) else "already present, unchanged:"
    typer.echo(f"{verb} {out} ({instance.name} v{instance.task.version}, {len(instance.train)} train, "
               f"{len(instance.eval)} eval, fingerprint {instance.fingerprint[:16]})")


@command("score", flags.SCORE_OPTIONS)
def score_command(**options: Any) -> None:
    """Score anyone's samples: creativity, memorization, validity, diversity."""
    from creativity_bench.scoring.report import score_samples_file, scores_table

    instance, scores, out, verdict_path = score_samples_file(options["instance_dir"], options["samples"], options["out"])
    console().print(scores_table(instance, scores))
    if len(instance.eval) > scores.n:
        typer.echo(f"note: {len(instance.eval) - scores.n} of {len(instance.eval)} evaluation prompts have no sample", err=True)
    typer.echo(f"wrote {out} and {verdict_path}")


# --- model zoo commands (torch is imported inside them) -------------------------------------


@command("train", flags.TASK, flags.RUN_DIR, flags.TRAIN_OPTIONS)
def train_command(**options: Any) -> None:
    """Train a model on a task instance (checkpoint and logs, no final sampling)."""
    from creativity_bench.models.flops import mfu_text
    from creativity_bench.runs import default_run_dir, train_run

    out = options["out"] or default_run_dir(options["task"], options["objective"], options["preset"], options["seed"])
    cfg, _, _, _, result = train_run(train_config(options), out, options["resume"], options["overwrite"], progress=not options["quiet"],
                                     phases=PhaseLines(options["quiet"]))
    typer.echo(f"trained {cfg.steps} steps in {result.wall_time_s:.1f} s ({result.tokens_per_s:,.0f} tokens/s, "
               f"MFU {mfu_text(result.mfu, result.mfu_note)}); checkpoint in {out / 'checkpoint'}")


@command("sample", flags.CHECKPOINT_OPTIONS, flags.SAMPLE_OPTIONS)
def sample_command(**options: Any) -> None:
    """Sample the evaluation prompts from a trained checkpoint, score, and write the samples."""
    from creativity_bench.runs import sample_checkpoint
    from creativity_bench.scoring.report import scores_table

    out = options["out"]
    instance, scores, meta = sample_checkpoint(options["checkpoint"], out, sampling_settings(options), options["instance_dir"], options["device"],
                                               phases=PhaseLines(options["quiet"]), samples_per_prompt=options["samples_per_prompt"])
    console().print(scores_table(instance, scores))
    doc = json.loads(meta.read_text())
    if "discovery" in doc:
        typer.echo(discovery_text(doc["discovery"]))
    typer.echo(f"wrote {out} and {meta}")


@command("run", flags.RUN_OPTIONS)
def run_command(**options: Any) -> None:
    """The main job: generate the instance, train, sample, score, write the run directory."""
    from creativity_bench.io import RESULTS_FILE, SECONDARY_SAMPLES_FILE
    from creativity_bench.models.flops import mfu_text
    from creativity_bench.runs import RUN_METRICS, default_run_dir, run, sampling_label

    task, preset, seed = options["task"], options["preset"], options["seed"]
    cfg, settings = train_config(options), sampling_settings(options)
    out = options["out"] or default_run_dir(task, options["objective"], preset, seed)
    doc = run(cfg, out, settings, resume=options["resume"], overwrite=options["overwrite"], progress=not options["quiet"],
              phases=PhaseLines(options["quiet"]), samples_per_prompt=options["samples_per_prompt"])
    m, training, other = doc["metrics"], doc["training"], doc["secondary"]
    columns = ("sampling", *(k.replace("_", " ") for k in RUN_METRICS))
    rows = [(sampling_label(doc["sampling"], mark_standard=True), *(f"{m[k]:.3f}" for k in RUN_METRICS)),
            (sampling_label(other["sampling"], mark_standard=True), *(f"{other['metrics'][k]:.3f}" if k in other["metrics"] else "-" for k in RUN_METRICS))]
    print_table(f"{task} / {doc['objective']['name']} / {preset} (seed {seed}), N={m['n']}: headline, then the other regime",
                columns, rows, right=columns[1:])
    if "discovery" in doc:
        typer.echo(discovery_text(doc["discovery"]))
    typer.echo(f"trained in {training['wall_time_s']:.1f} s (MFU {mfu_text(training['mfu'], training['mfu_note'])}); wrote "
               f"{out / RESULTS_FILE} (the other regime's samples: {SECONDARY_SAMPLES_FILE})")


@command("suite", flags.SUITE_OPTIONS)
def suite_command(**options: Any) -> None:
    """Run tasks x objectives x seeds into one results tree; skip finished runs, resume stopped ones."""
    from creativity_bench.models.objectives import from_scratch_objectives
    from creativity_bench.suite import DEFAULT_SEEDS, cell_state, check_cells, grid, parse_shard, run_suite, shard_cells
    from creativity_bench.tasks import task_names

    results, preset, instance_seed = options["results"], options["preset"], options["instance_seed"]
    shard = parse_shard(options["shard"])
    tasks, objectives = split_list(options["tasks"]) or task_names(), split_list(options["objectives"]) or from_scratch_objectives()
    cells = grid(tasks, objectives, seed_list(options["seeds"], DEFAULT_SEEDS))
    mine = shard_cells(cells, shard)
    settings, train_sets = sampling_settings(options), parse_sets(options["train_sets"])
    check_cells(cells, preset, settings, instance_seed, train_sets)
    if options["dry_run"]:
        typer.echo("".join(f"{cell.label}\t{cell_state(cell.run_dir(results))}\n" for cell in mine), nl=False)
        return
    typer.echo(f"suite: {len(mine)} of {len(cells)} runs (shard {shard[0]}/{shard[1]}), preset {preset}, into {results}")
    progress, on_event = suite_progress(mine, options["quiet"])
    with progress:
        outcome = run_suite(results, mine, preset, settings, instance_seed, train_sets, on_event=on_event,
                            samples_per_prompt=options["samples_per_prompt"])
    typer.echo(f"suite: {len(outcome['new'])} run, {len(outcome['resume'])} resumed, {len(outcome['restart'])} restarted, "
               f"{len(outcome['done'])} already complete; report with `cbench report {results}`")


@command("report", flags.REPORT_OPTIONS)
def report_command(**options: Any) -> None:
    """Aggregate a results tree over seeds into report.md, report.json and PNG figures."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from creativity_bench.report import make_report

    results, out = options["results"], options["out"]
    with Progress(TextColumn("sampling sweeps"), BarColumn(), MofNCompleteColumn(), disable=options["quiet"] or options["no_sweeps"]) as progress:
        bar = progress.add_task("sweeps", total=None)
        doc = make_report(results, out, split_list(options["sweep_objectives"]), sweeps=not options["no_sweeps"],
                          on_sweep_point=lambda: progress.advance(bar))
    typer.echo(f"report over {doc['runs']} runs: {(out or results / 'report') / 'report.md'} ({len(doc['figures'])} figures)")


@command("submit", flags.SUBMIT_OPTIONS)
def submit_command(**options: Any) -> None:
    """Run the leaderboard protocol (docs/leaderboard.md) for one objective and pack a submission."""
    from creativity_bench.environment import environment
    from creativity_bench.leaderboard.protocol import TASKS, training_seeds
    from creativity_bench.leaderboard.submission import submit
    from creativity_bench.suite import grid

    objective, out, seeds = options["objective"], options["out"], options["seeds"]
    progress, on_event = suite_progress(grid(list(TASKS), [objective], list(training_seeds(seeds))), options["quiet"])
    with progress:
        doc = submit(objective, options["preset"], out, options["runs"], environment()["command"], on_event=on_event, seeds=seeds,
                     with_checkpoints=options["with_checkpoints"])
    mean, other = doc["claimed"]["mean"], doc["claimed"]["secondary"]["mean"]
    typer.echo(f"submission in {out}: mean creativity {mean['creativity']:.3f}, validity {mean['validity']:.3f} "
               f"(other regime: {other['creativity']:.3f}, {other['validity']:.3f}); check it with `cbench leaderboard verify {out}`")


leaderboard_app = typer.Typer(help="Verify submissions and build the leaderboard pages.", no_args_is_help=True)
app.add_typer(leaderboard_app, name="leaderboard")


@command("verify", flags.VERIFY_OPTIONS, on=leaderboard_app)
def leaderboard_verify_command(**options: Any) -> None:
    """Check the manifest, regenerate every instance, re-score every sample, compare with the claimed
    numbers; with --reproduce or --resample, re-make runs and compare their samples too."""
    from creativity_bench.leaderboard.manifest import AUDIT_FILE
    from creativity_bench.leaderboard.reproduce import parse_choice, run_audits
    from creativity_bench.leaderboard.verify import verify

    submission = options["submission"]
    if options["reproduce"] is not None:
        parse_choice(options["reproduce"])  # a bad value fails before the verification
    result = verify(submission)
    if not result.ok:
        typer.echo("".join(f"rejected: {problem}\n" for problem in result.problems), err=True, nl=False)
        raise typer.Exit(1)
    audits = run_audits(result, options["reproduce"], options["resample"], options["salt"],
                        on_run=lambda line: typer.echo(line, err=True))
    problems = [problem for a in audits for problem in a.problems]
    if problems:
        typer.echo("".join(f"rejected: {problem}\n" for problem in problems), err=True, nl=False)
        typer.echo(f"recorded in {submission / AUDIT_FILE}", err=True)
        raise typer.Exit(1)
    mean, other = result.recomputed["mean"], result.recomputed["secondary"]["mean"]
    typer.echo(f"verified {submission}: {result.submission['objective']['name']} ({result.submission['preset']}), "
               f"mean creativity {mean['creativity']:.3f}, memorization {mean['memorization']:.3f}, validity {mean['validity']:.3f}; "
               f"other regime: creativity {other['creativity']:.3f}, validity {other['validity']:.3f}")
    for a in audits:
        typer.echo(f"{a.summary()}; recorded in {submission / AUDIT_FILE}")
    for note in result.notes:
        typer.echo(f"note: {note}", err=True)


@command("build", flags.BUILD_OPTIONS, on=leaderboard_app)
def leaderboard_build_command(**options: Any) -> None:
    """Verify every submission and write LEADERBOARD.md and the static HTML page."""
    from creativity_bench.leaderboard.site import build

    markdown, html_page = options["markdown"], options["html_page"] or options["directory"] / "index.html"
    entries = build(options["directory"], markdown, html_page)
    typer.echo(f"leaderboard: {len(entries)} verified entries; wrote {markdown} and {html_page}")


def discovery_text(summary: dict) -> str:
    """One line on a discovery curve: novel forms found at k = 1 and k = K draws per prompt."""
    one, end = summary["at_k"][0], summary["at_k"][-1]
    total = summary["novel_total"]

    def found(p: dict) -> str:
        return f"{p['novel_forms']:,}" + (f" ({p['novel_fraction']:.3f} of {total:,})" if total else "")

    return (f"discovery: {found(one)} novel forms after 1 draw per prompt, {found(end)} after {summary['draws_per_prompt']}; "
            f"validity@{summary['draws_per_prompt']} {end['validity']:.3f}, memorization@{summary['draws_per_prompt']} {end['memorization']:.3f}")


def run() -> None:
    """Console-script entry point."""
    app()


if __name__ == "__main__":
    run()
