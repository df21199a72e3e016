"""The objective zoo: one file per objective, each ending in a one-line registration.

Every module of this package is imported here, so a new built-in objective is one new file
ending in ``register_objective(MyObjective)``, and nothing else. Third-party objectives load
from the ``creativity_bench.objectives`` entry-point group, or directly as
``package.module:ClassName``.
"""

from __future__ import annotations

import importlib
import pkgutil
import sys

from creativity_bench.errors import CBenchError
from creativity_bench.models.objectives.base import (
    OBJECTIVES,
    Objective,
    ObjectiveParams,
    TrainingRows,
    register_objective,
)
from creativity_bench.registry import BUILTIN_OBJECTIVES

for _module in sorted(m.name for m in pkgutil.iter_modules(__path__)):
    importlib.import_module(f"{__name__}.{_module}")  # each file registers its objective

ENTRY_POINT_GROUP = "creativity_bench.objectives"
BROKEN_PLUGINS: dict[str, str] = {}  # entry-point name -> why it failed to load
_plugins_loaded = False


def _load_entry_points() -> None:
    global _plugins_loaded
    if _plugins_loaded:
        return
    _plugins_loaded = True
    from importlib.metadata import entry_points

    for ep in entry_points(group=ENTRY_POINT_GROUP):
        if ep.name in OBJECTIVES:
            continue
        try:
            register_objective(_check_class(ep.load(), ep.value))
        except Exception as exc:  # a broken plugin must not break the built-ins or other plugins
            BROKEN_PLUGINS[ep.name] = f"objective plugin '{ep.name}' ({ep.value}) failed to load: {exc}"
            print(f"warning: {BROKEN_PLUGINS[ep.name]}", file=sys.stderr)


def _check_class(cls, where: str) -> type[Objective]:
    if not (isinstance(cls, type) and issubclass(cls, Objective)):
        raise CBenchError(f"{where} is not a creativity_bench Objective subclass")
    return cls


def get_objective(name: str) -> type[Objective]:
    """An objective class by registered name, entry-point name, or ``module:ClassName``."""
    if ":" in name:
        module_name, _, attr = name.partition(":")
        try:
            module = importlib.import_module(module_name)
        except ImportError as exc:
            raise CBenchError(f"cannot import objective module '{module_name}': {exc}") from None
        cls = getattr(module, attr, None)
        if cls is None:
            raise CBenchError(f"module '{module_name}' has no '{attr}'")
        cls = _check_class(cls, name)
        if cls.name not in OBJECTIVES:
            register_objective(cls)
        return cls
    if name not in OBJECTIVES:
        _load_entry_points()
    if name in BROKEN_PLUGINS:
        raise CBenchError(BROKEN_PLUGINS[name])
    return OBJECTIVES.get(name)


def objective_names() -> list[str]:
    """Every registered objective: the study's five in table order, then any other built-in,
    then installed plugins (entry points)."""
    _load_entry_points()
    return [n for n in BUILTIN_OBJECTIVES if n in OBJECTIVES] + [n for n in OBJECTIVES.names() if n not in BUILTIN_OBJECTIVES]


def from_scratch_objectives() -> list[str]:
    """The objectives that train a model from scratch (``objective_names`` less the fine-tuners,
    which need ``--init-from``): what `cbench suite` runs by default."""
    return [n for n in objective_names() if not get_objective(n).requires_init]


def make_objective(name: str, task_name: str, overrides: dict | None = None) -> Objective:
    """An objective instance with parameters from ``overrides`` (strings are converted)."""
    cls = get_objective(name)
    params = cls.params_class.from_dict(overrides or {})
    return cls(params, task_name=task_name)


__all__ = ["OBJECTIVES", "Objective", "ObjectiveParams", "TrainingRows", "register_objective", "get_objective", "make_objective", "objective_names", "ENTRY_POINT_GROUP"]
