"""Checkpoints: safetensors weights (uncompiled names) and a JSON sidecar with the full config,
and rebuilding a trained model from them for sampling.

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


def checkpoint_sidecar(cfg, model_cfg, objective, instance, vocab, step: int) -> dict[str, Any]:
    """Everything needed to rebuild the model and its instance from the checkpoint alone."""
    return {
        "train_config": cfg.to_dict(),
        "model_config": model_cfg.to_dict(),
        "objective": {"name": objective.name, "version": objective.version, "params": objective.resolved_params()},
        "instance": {**instance.header(), "fingerprint": instance.fingerprint},
        "vocab": vocab.tokens,
        "step": step,
    }


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



def sampling_device(name: str = "auto") -> str:
    """auto: a CUDA GPU when there is one, else the CPU."""
    if name == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if name not in ("cpu", "cuda"):
        raise CBenchError(f"device must be auto, cpu or cuda, got '{name}'")
    if name == "cuda" and not torch.cuda.is_available():
        raise CBenchError("device cuda was asked for, but no CUDA GPU is available")
    return name


def load_for_sampling(ckpt_dir: Path, instance=None, device: str = "cpu"):
    """Rebuild (objective, model, extra, instance, vocab, sidecar) from a checkpoint directory,
    with the model and extra module on ``device`` (cpu, cuda or auto)."""
    from creativity_bench.models.backbone import GPT, ModelConfig
    from creativity_bench.models.objectives import make_objective
    from creativity_bench.models.tokenizer import Vocabulary
    from creativity_bench.tasks import get_task

    ckpt_dir = Path(ckpt_dir)
    if ckpt_dir.is_file():
        ckpt_dir = ckpt_dir.parent
    side = read_sidecar(ckpt_dir)
    try:
        header, fp = side["instance"], side["instance"]["fingerprint"]
        if instance is None:
            cls = get_task(header["name"])
            if header["version"] != cls.version:
                raise CBenchError(f"{ckpt_dir}: trained on {cls.name} version {header['version']}, this release has {cls.version}")
            instance = cls(cls.params_class.from_dict(header["params"])).generate(header["seed"])
        if instance.fingerprint != fp:
            raise CBenchError(f"{ckpt_dir}: checkpoint was trained on another instance (fingerprint {fp[:12]}, given {instance.fingerprint[:12]})")
        vocab = Vocabulary.for_instance(instance)
        if vocab.tokens != side["vocab"]:
            raise CBenchError(f"{ckpt_dir}: checkpoint vocabulary does not match the instance")
        objective = make_objective(side["objective"]["name"], instance.name, side["objective"]["params"])
        model_cfg = ModelConfig(**side["model_config"])
    except (KeyError, TypeError) as exc:
        raise CBenchError(f"{ckpt_dir / CONFIG_FILE}: malformed checkpoint config ({exc})") from None
    model = GPT(model_cfg)
    extra = objective.extra_module(model_cfg)
    load_weights(ckpt_dir, {"model": model, "extra": extra})
    device = sampling_device(device)
    model.to(device).eval()
    if extra is not None:
        extra.to(device)
    return objective, model, extra, instance, vocab, side
