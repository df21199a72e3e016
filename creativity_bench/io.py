"""File names, atomic writes and careful JSON/JSONL reading: the one place that knows files."""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from creativity_bench.errors import CBenchError

TASK_FILE = "task.json"
TRAIN_FILE = "train.jsonl"
EVAL_FILE = "eval.jsonl"
SAMPLES_FILE = "samples.jsonl"
# A run's samples in the other sampling regime (results.json's "secondary"), same format.
SECONDARY_SAMPLES_FILE = "samples_secondary.jsonl"
# A run directory (see creativity_bench.runs).
INSTANCE_DIR = "instance"
CHECKPOINT_DIR = "checkpoint"
RESULTS_FILE = "results.json"
CURVE_FILE = "curve.jsonl"
# The discovery curve of K draws per prompt (creativity_bench.scoring.discovery), when K > 1.
DISCOVERY_FILE = "discovery.jsonl"
TRAIN_CONFIG_FILE = "train_config.json"


def umask_mode(mode: int = 0o666) -> int:
    """``mode`` less the process's umask: what ``open()`` would have given a new file."""
    mask = os.umask(0)
    os.umask(mask)
    return mode & ~mask


def atomic_write_bytes(path: Path | str, data: bytes) -> None:
    """Write ``data`` to ``path`` so that readers see the old file or the new one, never half.

    The file gets the mode a plain ``open()`` would give it (0666 less the umask), not the
    temporary file's private 0600: a shared results tree stays readable to collaborators.
    """
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as exc:
        raise CBenchError(f"{path}: cannot write ({exc.strerror or exc})") from None
    try:
        if hasattr(os, "fchmod"):  # POSIX
            os.fchmod(fd, umask_mode())
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException as exc:
        Path(tmp).unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise CBenchError(f"{path}: cannot write ({exc.strerror or exc})") from None
        raise


def atomic_write_text(path: Path | str, text: str) -> None:
    """Atomic write of UTF-8 text."""
    atomic_write_bytes(path, text.encode("utf-8"))


def dumps_json(obj: Any) -> str:
    """Pretty, deterministic JSON for files people read."""
    return json.dumps(obj, indent=2, sort_keys=False, ensure_ascii=False) + "\n"


def jsonl_bytes(rows: list[dict]) -> bytes:
    """One compact JSON object a line, deterministic."""
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows).encode("utf-8")


def read_bytes(path: Path | str, what: str = "file") -> bytes:
    """Read a file, or fail with a one-line error naming it."""
    path = Path(path)
    if not path.is_file():
        raise CBenchError(f"{path}: {what} not found")
    try:
        return path.read_bytes()
    except OSError as exc:
        raise CBenchError(f"{path}: cannot read ({exc.strerror})") from None


def read_json(path: Path | str, what: str = "file") -> dict:
    """Read a JSON object, failing with the file name and line on bad content."""
    data = read_bytes(path, what)
    try:
        obj = json.loads(data.decode("utf-8"))
    except UnicodeDecodeError:
        raise CBenchError(f"{path}: not UTF-8 text") from None
    except json.JSONDecodeError as exc:
        raise CBenchError(f"{path}:{exc.lineno}: not valid JSON ({exc.msg})") from None
    except RecursionError:
        raise CBenchError(f"{path}: not valid JSON (nested too deeply)") from None
    if not isinstance(obj, dict):
        raise CBenchError(f"{path}: expected a JSON object")
    return obj


def iter_jsonl(path: Path | str, data: bytes | None = None) -> Iterator[tuple[int, dict]]:
    """Yield (line number, object) for each non-empty line; errors name the file and line."""
    if data is None:
        data = read_bytes(path)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise CBenchError(f"{path}: not UTF-8 text") from None
    lines = text.split("\n")
    truncated = bool(lines) and lines[-1] != ""
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            hint = " (file truncated?)" if truncated and number == len(lines) else ""
            raise CBenchError(f"{path}:{number}: not valid JSON ({exc.msg}){hint}") from None
        except RecursionError:
            raise CBenchError(f"{path}:{number}: not valid JSON (nested too deeply)") from None
        if not isinstance(obj, dict):
            raise CBenchError(f"{path}:{number}: expected a JSON object")
        yield number, obj
