"""The ``cbench`` command: a thin layer over tasks, scoring and (lazily) the model zoo.

Heavy modules are imported inside commands so that ``cbench --help`` stays fast and the
task/scoring commands never import torch.
"""

from __future__ import annotations

import functools
import sys
from pathlib import Path
from typing import Any, Callable, List, Optional

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
            raise typer.Exit(130)
        except BrokenPipeError:
            sys.stderr.close()
            raise typer.Exit(0)

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


@app.command("show")
@user_errors
def show_command(
    task: str = typer.Argument(..., help="Task name (see `cbench tasks`)."),
    preset: str = typer.Option("smoke", "--preset", "-p", help="Preset: smoke, cpu or paper."),
    seed: int = typer.Option(0, "--seed", "-s", help="Instance seed."),
    seed_length: Optional[int] = typer.Option(None, "--seed-length", help="Seed characters per sample (0 = null)."),
    sets: Optional[List[str]] = typer.Option(None, "--set", help="Override a task parameter: key=value."),
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
    sets: Optional[List[str]] = typer.Option(None, "--set", help="Override a task parameter: key=value."),
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
    doc = scores_document(instance, scores, samples_file=str(samples))
    verdict_path = write_scores(out, doc, verdicts)
    console().print(scores_table(instance, scores))
    missing = len(instance.eval) - scores.n
    if missing:
        typer.echo(f"note: {missing} of {len(instance.eval)} evaluation prompts have no sample", err=True)
    typer.echo(f"wrote {out} and {verdict_path}")


def run() -> None:
    """Console-script entry point."""
    app()


if __name__ == "__main__":
    run()
