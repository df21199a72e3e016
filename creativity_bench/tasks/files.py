"""Writing and reading instance directories (task.json, train.jsonl, eval.jsonl)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from creativity_bench.errors import CBenchError
from creativity_bench.io import (
    EVAL_FILE,
    TASK_FILE,
    TRAIN_FILE,
    atomic_write_bytes,
    atomic_write_text,
    dumps_json,
    iter_jsonl,
    read_bytes,
    read_json,
)
from creativity_bench.tasks.base import TASKS, EvalPrompt, Instance, Sample, fingerprint_of


def task_document(instance: Instance) -> dict[str, Any]:
    """The content of task.json."""
    doc = instance.header()
    doc["fingerprint"] = instance.fingerprint
    doc["structure"] = instance.structure
    return doc


def write_instance(instance: Instance, directory: Path | str) -> bool:
    """Write the instance files; returns False if the directory already holds this instance.

    task.json is written last, so a directory with a task.json is complete. A directory
    holding a different instance is refused, never overwritten.
    """
    directory = Path(directory)
    if directory.exists() and not directory.is_dir():
        raise CBenchError(f"{directory}: exists and is not a directory")
    existing = directory / TASK_FILE
    if existing.exists():
        try:
            old = read_json(existing).get("fingerprint")
        except CBenchError:
            old = None
        if old == instance.fingerprint:
            return False
        raise CBenchError(f"{directory}: already holds a different instance (fingerprint {str(old)[:12]}); choose another --out")
    atomic_write_bytes(directory / TRAIN_FILE, instance.train_bytes)
    atomic_write_bytes(directory / EVAL_FILE, instance.eval_bytes)
    atomic_write_text(directory / TASK_FILE, dumps_json(task_document(instance)))
    return True


def _field(path: Path, line: int, obj: dict, key: str, kind: type) -> Any:
    value = obj.get(key)
    if not isinstance(value, kind) or isinstance(value, bool):
        raise CBenchError(f"{path}:{line}: field '{key}' missing or not {kind.__name__}")
    return value


def load_instance(directory: Path | str) -> Instance:
    """Read an instance directory, checking every file against the recorded fingerprint."""
    directory = Path(directory)
    if not directory.is_dir():
        raise CBenchError(f"{directory}: instance directory not found")
    doc = read_json(directory / TASK_FILE, "task file")
    for key in ("name", "version", "params", "seed", "fingerprint", "structure"):
        if key not in doc:
            raise CBenchError(f"{directory / TASK_FILE}: missing field '{key}'")
    if not isinstance(doc["name"], str):
        raise CBenchError(f"{directory / TASK_FILE}: field 'name' must be a string")
    cls = TASKS.get(doc["name"])
    if doc["version"] != cls.version:
        raise CBenchError(
            f"{directory / TASK_FILE}: {cls.name} version {doc['version']} but this release has version {cls.version}"
        )
    if not isinstance(doc["params"], dict) or not isinstance(doc["structure"], dict):
        raise CBenchError(f"{directory / TASK_FILE}: params and structure must be objects")
    try:
        task = cls(cls.params_class.from_dict(doc["params"]))
    except CBenchError as exc:
        raise CBenchError(f"{directory / TASK_FILE}: {exc}") from None
    train_path, eval_path = directory / TRAIN_FILE, directory / EVAL_FILE
    train_bytes, eval_bytes = read_bytes(train_path, "training file"), read_bytes(eval_path, "evaluation file")
    train = [
        Sample(_field(train_path, n, o, "seed", str), _field(train_path, n, o, "prompt", str), _field(train_path, n, o, "answer", str))
        for n, o in iter_jsonl(train_path, train_bytes)
    ]
    evals = [
        EvalPrompt(_field(eval_path, n, o, "prompt_id", int), _field(eval_path, n, o, "seed", str), _field(eval_path, n, o, "prompt", str))
        for n, o in iter_jsonl(eval_path, eval_bytes)
    ]
    if len(train) != task.params.train_size:
        raise CBenchError(f"{train_path}: {len(train)} samples but params say {task.params.train_size} (truncated?)")
    if len(evals) != task.params.eval_size:
        raise CBenchError(f"{eval_path}: {len(evals)} prompts but params say {task.params.eval_size} (truncated?)")
    instance = Instance(task, doc["seed"], doc["structure"], train, evals)
    header = instance.header()
    if fingerprint_of(header, doc["structure"], train_bytes, eval_bytes) != doc["fingerprint"]:
        raise CBenchError(f"{directory}: files do not match the fingerprint in {TASK_FILE} (edited or corrupted)")
    instance.__dict__["fingerprint"] = doc["fingerprint"]
    instance.__dict__["train_bytes"] = train_bytes
    instance.__dict__["eval_bytes"] = eval_bytes
    return instance
