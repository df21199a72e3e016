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
    "register_task", "get_task", "make_task", "load_instance", "write_instance",
]


def get_task(name: str) -> type[Task]:
    """The task class registered as ``name`` (error with a suggestion if unknown)."""
    return TASKS.get(name)


def make_task(name: str, preset: str = "smoke", **overrides) -> Task:
    """A task from its name, a preset and parameter overrides."""
    return TASKS.get(name).from_preset(preset, overrides)
