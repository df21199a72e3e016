"""Settings shared by tasks, objectives and training: the preset names, and parameter values
read from dicts and command-line strings, converted to their declared types.

Torch-free and below every other package: tasks, objectives and the training config all take
their parameters through here.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from creativity_bench.errors import CBenchError
from creativity_bench.registry import suggest

# Every task, model and training preset comes in these sizes (tests, 2 CPU cores, the study's).
PRESETS = ("smoke", "cpu", "paper")


def preset_names() -> str:
    """The presets as prose for help texts: ``smoke, cpu or paper``."""
    return ", ".join(PRESETS[:-1]) + " or " + PRESETS[-1]


def params_from_dict(cls: type, values: dict[str, Any]) -> Any:
    """Build a params dataclass from a dict: unknown keys get a suggestion, strings are converted."""
    names = [f.name for f in dataclasses.fields(cls)]
    kwargs = {}
    for key, value in values.items():
        if key not in names:
            raise CBenchError(f"unknown parameter '{key}'" + suggest(key, names))
        kwargs[key] = coerce(cls, key, value)
    return cls(**kwargs)


def coerce(cls: type, key: str, value: Any) -> Any:
    """Convert a value (possibly a command-line string) to the declared type of field ``key``."""
    field_type = {f.name: f.type for f in dataclasses.fields(cls)}[key]
    return coerce_value(key, field_type if isinstance(field_type, str) else field_type.__name__, value)


def coerce_value(key: str, type_name: str, value: Any) -> Any:
    """Convert ``value`` to the type named ``type_name`` ('int', 'float', 'str', 'bool', 'X | None')."""
    base = type_name.replace(" | None", "").strip()
    if value is None and type_name.endswith("| None"):
        return None
    try:
        if base == "int":
            if isinstance(value, bool) or (isinstance(value, float) and not value.is_integer()):
                raise ValueError
            return int(value)
        if base == "float":
            if isinstance(value, bool):
                raise ValueError
            return float(value)
        if base == "bool":
            if isinstance(value, bool):
                return value
            if isinstance(value, str) and value.lower() in ("true", "1", "yes", "on", "false", "0", "no", "off"):
                return value.lower() in ("true", "1", "yes", "on")
            raise ValueError
        if base == "str":
            if not isinstance(value, str):
                raise ValueError
            return value
    except (TypeError, ValueError):
        raise CBenchError(f"parameter '{key}' must be {base}, got {value!r}") from None
    return value
