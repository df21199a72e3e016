"""Task generators: each task is one file ending in a one-line registration.

Importing this package needs numpy only (no torch).
"""

# Registration order is the order tasks are listed in.
from creativity_bench.tasks import circle, line, sibling, triangle  # noqa: F401,I001  (registers the tasks)
from creativity_bench.tasks.base import (
    TASKS,
    Checker,
    EvalPrompt,
    Instance,
    Sample,
    Task,
    TaskParams,
    Verdict,
    register_task,
)
from creativity_bench.tasks.files import load_instance, write_instance

__all__ = [
    "TASKS", "Checker", "EvalPrompt", "Instance", "Sample", "Task", "TaskParams", "Verdict",
    "register_task", "get_task", "make_task", "task_names", "load_instance", "write_instance", "STUDY_ORDER",
    "stale_version",
]

# The study's order (combinational, then exploratory): how tables and grids list the tasks.
STUDY_ORDER = ("sibling", "triangle", "circle", "line")


def task_names() -> list[str]:
    """Every registered task: the study's four in its order, then any others."""
    return [t for t in STUDY_ORDER if t in TASKS] + [t for t in TASKS.names() if t not in STUDY_ORDER]


def get_task(name: str) -> type[Task]:
    """The task class registered as ``name`` (error with a suggestion if unknown)."""
    return TASKS.get(name)


def make_task(name: str, preset: str = "smoke", **overrides) -> Task:
    """A task from its name, a preset and parameter overrides."""
    return TASKS.get(name).from_preset(preset, overrides)


def stale_version(name: str, version: object) -> str | None:
    """Why results made with ``version`` of task ``name`` are stale (another version than this
    release's), or None. Unknown tasks (an uninstalled plugin) are not judged here."""
    if name not in TASKS:
        return None
    current = TASKS.get(name).version
    if version == current:
        return None
    return f"made with {name} version {version}, this release has version {current} (see CHANGELOG.md); its numbers are stale"
