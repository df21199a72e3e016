"""Checkpoints: safetensors weights (uncompiled names) and a JSON sidecar with the full config.

Loading reads only tensors and JSON; nothing is unpickled. The Lightning resume state
(optimizer, scheduler, step) is loaded with ``weights_only=True`` for the same reason.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import torch

from creativity_bench.errors import CBenchError
from creativity_bench.io import atomic_write_bytes, atomic_write_text, dumps_json, read_json

WEIGHTS_FILE = "weights.safetensors"
CONFIG_FILE = "config.json"
RESUME_FILE = "resume.ckpt"
CHECKPOINT_SCHEMA = "creativity-bench/checkpoint/1"


def save_weights(directory: Path, modules: dict[str, torch.nn.Module | None], sidecar: dict[str, Any]) -> None:
    """Write weights.safetensors and config.json atomically (weights first)."""
    from safetensors.torch import save

    tensors = {}
    for prefix, module in modules.items():
        if module is None:
            continue
        for name, t in module.state_dict().items():
            tensors[f"{prefix}.{name}"] = t.detach().to("cpu").contiguous()
    atomic_write_bytes(directory / WEIGHTS_FILE, save(tensors, metadata={"schema": CHECKPOINT_SCHEMA}))
    atomic_write_text(directory / CONFIG_FILE, dumps_json({"schema": CHECKPOINT_SCHEMA, **sidecar}))


def read_sidecar(directory: Path) -> dict[str, Any]:
    """The checkpoint's config.json, checked for the schema."""
    directory = Path(directory)
    if directory.is_file():
        directory = directory.parent
    if not directory.is_dir():
        raise CBenchError(f"{directory}: checkpoint directory not found")
    doc = read_json(directory / CONFIG_FILE, "checkpoint config")
    if doc.get("schema") != CHECKPOINT_SCHEMA:
        raise CBenchError(f"{directory / CONFIG_FILE}: not a creativity-bench checkpoint (schema {doc.get('schema')!r})")
    return doc


def load_weights(directory: Path, modules: dict[str, torch.nn.Module | None]) -> None:
    """Load weights into modules, strictly: every tensor present, shapes equal."""
    from safetensors import SafetensorError
    from safetensors.torch import load

    path = Path(directory) / WEIGHTS_FILE
    if not path.is_file():
        raise CBenchError(f"{path}: weights file not found")
    try:
        tensors = load(path.read_bytes())
    except (SafetensorError, ValueError, RuntimeError) as exc:
        raise CBenchError(f"{path}: corrupt weights file ({str(exc).splitlines()[0][:80]})") from None
    for prefix, module in modules.items():
        if module is None:
            continue
        sub = {k[len(prefix) + 1 :]: v for k, v in tensors.items() if k.startswith(prefix + ".")}
        try:
            module.load_state_dict(sub, strict=True)
        except RuntimeError as exc:
            raise CBenchError(f"{path}: weights do not fit the model ({str(exc).splitlines()[0][:100]})") from None

