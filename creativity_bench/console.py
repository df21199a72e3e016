"""What the terminal shows: rich tables, the suite's progress bar, and one-line errors with their
exit codes. Used by the command line; rich is imported only when something is shown."""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from typing import Any

import typer

from creativity_bench.errors import CBenchError


def user_errors(fn: Callable) -> Callable:
    """Turn user-facing errors into one line on stderr and exit code 2; Ctrl-C into exit code 130."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except CBenchError as exc:
            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(2) from None
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


def print_table(title: str, columns: tuple[str, ...], rows: list[tuple[str, ...]], right: tuple[str, ...] = (),
                no_wrap: tuple[str, ...] = ()) -> None:
    """A rich table; the columns named in ``right`` are right-justified, those in ``no_wrap`` never wrap."""
    from rich.table import Table

    table = Table(title=title)
    for col in columns:
        table.add_column(col, justify="right" if col in right else "left", no_wrap=col in no_wrap)
    for row in rows:
        table.add_row(*row)
    console().print(table)


def suite_progress(cells: list, quiet: bool):
    """An overall progress bar over a grid of runs, and the ``on_event`` hook that advances it."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    progress = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), disable=quiet, transient=False)
    bar = progress.add_task("suite", total=len(cells))
    verbs = {"done": "skip (complete)", "resume": "resume", "restart": "restart", "new": "run"}

    def on_event(cell, state, doc) -> None:
        if doc is None:
            progress.update(bar, description=f"{cell.label}: {verbs[state]}")
            return
        m, other = doc["metrics"], doc["secondary"]["metrics"]
        if state != "done":
            progress.console.print(f"{cell.label}: creativity {m['creativity']:.3f}, validity {m['validity']:.3f}, "
                                   f"memorization {m['memorization']:.3f}; other regime: creativity {other['creativity']:.3f}, "
                                   f"validity {other['validity']:.3f} ({doc['training']['wall_time_s']:.0f} s training)")
        progress.advance(bar)

    return progress, on_event
