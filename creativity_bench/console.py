"""What the terminal shows: rich tables, the suite's progress bar, and one-line errors with their
exit codes. Used by the command line; rich is imported only when something is shown."""

from __future__ import annotations

import functools
import os
import signal
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import typer
from typer.core import TyperGroup

from creativity_bench.errors import CBenchError, Stopped, raise_stopped
from creativity_bench.phases import Phase, Phases

# What an extra provides, for the one-line error when it is missing (pyproject's optional-dependencies).
EXTRAS = {"torch": "train", "lightning": "train", "safetensors": "train", "matplotlib": "report"}


def missing_extra(exc: ModuleNotFoundError, command: str) -> str | None:
    """The one-line message for a missing optional dependency, or None if ``exc`` is another import error."""
    root = (exc.name or "").split(".")[0]
    if root not in EXTRAS:
        return None
    extra = EXTRAS[root]
    return f"`cbench {command}` needs the {extra} extra ({root} is not installed): pip install 'creativity-bench[{extra}]'"


def user_errors(fn: Callable, name: str | None = None) -> Callable:
    """Turn user-facing errors into one line on stderr and a non-zero exit: bad input 2 (or the
    error's ``exit_code``), a missing extra 2, Ctrl-C 130, SIGTERM 143 (128 + the signal)."""
    command = name or fn.__name__.removesuffix("_command").replace("_", " ")

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        previous = signal.signal(signal.SIGTERM, raise_stopped)
        try:
            return fn(*args, **kwargs)
        except CBenchError as exc:
            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(exc.exit_code) from None
        except ModuleNotFoundError as exc:
            message = missing_extra(exc, command)
            if message is None:
                raise
            typer.echo(f"error: {message}", err=True)
            raise typer.Exit(2) from None
        except Stopped as exc:
            typer.echo(f"stopped by {exc}; every file written so far is whole (writes are atomic): run the same "
                       f"command again to continue (`run` and `train` with --resume)", err=True)
            raise typer.Exit(exc.exit_code) from None
        except KeyboardInterrupt:
            typer.echo("interrupted", err=True)
            raise typer.Exit(130) from None
        except BrokenPipeError:
            sys.stderr.close()
            raise typer.Exit(0) from None
        finally:
            signal.signal(signal.SIGTERM, previous)

    return wrapper


def _click_exceptions():
    """Click's exception classes: typer carries its own copy of click from 0.2x, older typers use click's."""
    try:
        from typer._click import exceptions
    except ImportError:
        from click import exceptions
    return exceptions


class OneLineUsageErrors(TyperGroup):
    """The command group whose usage errors (an unknown option, a missing argument, an extra
    value) are one ``error:`` line and exit code 2, like every other bad input, instead of a box."""

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True, **extra):  # noqa: ANN001
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        errors = _click_exceptions()
        try:
            code = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        except errors.UsageError as exc:
            if type(exc).__name__ == "NoArgsIsHelpError":  # `cbench` alone: the help, as before
                exc.show()
                sys.exit(exc.exit_code)
            where = f"; see `{exc.ctx.command_path} --help`" if exc.ctx is not None else ""
            typer.echo(f"error: {' '.join(exc.format_message().split()).rstrip('.')}{where}", err=True)
            sys.exit(2)
        except errors.ClickException as exc:
            typer.echo(f"error: {' '.join(exc.format_message().split())}", err=True)
            sys.exit(exc.exit_code)
        except typer.Abort:
            typer.echo("interrupted", err=True)
            sys.exit(130)
        sys.exit(code if isinstance(code, int) else 0)


class PhaseLines(Phases):
    """Phases shown on stderr: a transient bar while a phase with a known total runs, then one
    line with its time, e.g. ``sampling 1,024 prompts, greedy (standard): 3.2 s``. ``quiet``
    (and data-parallel workers) show nothing."""

    def __init__(self, quiet: bool = False) -> None:
        from rich.console import Console

        self.quiet = quiet or os.environ.get("LOCAL_RANK", "0") != "0" or os.environ.get("NODE_RANK", "0") != "0"
        self.console = Console(stderr=True, highlight=False, soft_wrap=True)

    @contextmanager
    def phase(self, name: str, total: int | None = None) -> Iterator[Phase]:
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

        phase = Phase(name, total)
        if self.quiet:
            yield phase
            return
        if total and self.console.is_terminal:  # a bar only where it can redraw
            with Progress(TextColumn(name), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(), console=self.console,
                          transient=True) as progress:
                bar = progress.add_task(name, total=total)
                phase.advance = lambda n=1: progress.advance(bar, n)
                yield phase
        else:
            yield phase
        self.console.print(f"{name}: {phase.seconds:.1f} s" + (f" ({phase.detail})" if phase.detail else ""))


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
