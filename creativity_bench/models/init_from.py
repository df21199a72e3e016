"""Starting a run from a trained checkpoint (``--init-from``, TrainConfig ``init_from``).

A fine-tuning run loads the backbone weights of a checkpoint that `cbench run` or `train` wrote
(RUN/checkpoint) before its first step. The checkpoint must be of the same task instance (the
instance fingerprint in its sidecar), of the same model shape, and left to right (a causal
backbone: ntp, teacherless, mtp, or a fine-tune of one); extra modules (mtp's heads, a KL
reference) are not carried over. The run's config records where it started: the checkpoint
directory (``init_from``) and the sha256 of its weights file (``init_sha256``).

The checks run twice: when the config is resolved, before anything is written, from the
checkpoint's sidecar and the run's settings (task, parameters, instance seed, model shape);
and when training starts, against the generated instance and the built model.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from creativity_bench.errors import CBenchError
from creativity_bench.registry import BUILTIN_OBJECTIVES

# The ModelConfig fields that must be equal for the weights to be the same model.
SHAPE_KEYS = ("vocab_size", "block_size", "n_layer", "n_embd", "n_head", "bias", "tie_output", "causal")


def locate(path: str | Path) -> Path:
    """The checkpoint directory ``path`` names: RUN/checkpoint itself, a file in it, or RUN."""
    from creativity_bench.io import CHECKPOINT_DIR
    from creativity_bench.models.checkpoint import CONFIG_FILE, WEIGHTS_FILE

    where = Path(path)
    if where.is_file():
        where = where.parent
    if where.is_dir() and not (where / CONFIG_FILE).is_file() and (where / CHECKPOINT_DIR / CONFIG_FILE).is_file():
        where = where / CHECKPOINT_DIR
    if not where.is_dir():
        raise CBenchError(f"--init-from {path}: checkpoint directory not found")
    for name in (CONFIG_FILE, WEIGHTS_FILE):
        if not (where / name).is_file():
            raise CBenchError(f"--init-from {path}: no {name} there (give a RUN/checkpoint directory written by `cbench run` or `train`)")
    return where


def weights_sha256(directory: Path) -> str:
    """sha256 of a checkpoint's weights file."""
    from creativity_bench.models.checkpoint import WEIGHTS_FILE

    return hashlib.sha256((Path(directory) / WEIGHTS_FILE).read_bytes()).hexdigest()


# The objective parameter of a fine-tuner that trains from scratch first (a share of the run's
# training FLOPs spent on next-token prediction; objectives/finetune.py): 0 with --init-from.
PRETRAIN = "pretrain"


def requires_init(objective: str, params: dict[str, Any] | None = None, task: str = "") -> bool:
    """Whether a run of ``objective`` with parameters ``params`` (default: its defaults) needs a
    trained start, ``--init-from`` (``Objective.needs_init``: the fine-tuners with pretrain 0).

    The built-in training objectives do not, and are answered without importing torch. Where
    torch is missing no objective can train, and an unknown objective or a bad parameter is
    refused where it is built: neither is said to need a start here.
    """
    if objective in BUILTIN_OBJECTIVES:
        return False
    try:
        from creativity_bench.models.objectives import make_objective

        made = make_objective(objective, task, params or {})
    except (ModuleNotFoundError, CBenchError):
        return False
    return bool(made.needs_init())


def has_pretrain(objective: str) -> bool:
    """Whether an objective takes the ``pretrain`` parameter (the fine-tuners)."""
    import dataclasses

    from creativity_bench.models.objectives import get_objective

    return PRETRAIN in {f.name for f in dataclasses.fields(get_objective(objective).params_class)}


def start_params(objective: str, params: dict[str, Any]) -> dict[str, Any]:
    """The objective parameters of a run from ``--init-from``: an objective with a ``pretrain``
    parameter fine-tunes the checkpoint throughout, so pretrain 0 is filled in where it is not
    given, and a given pretrain > 0 is refused. Others' parameters are returned as they are."""
    if objective in BUILTIN_OBJECTIVES or not has_pretrain(objective):
        return params
    from creativity_bench.models.objectives import get_objective

    given = get_objective(objective).params_class.from_dict(params)  # validates (strings from the command line)
    if PRETRAIN not in params:
        return {**params, PRETRAIN: 0.0}
    if getattr(given, PRETRAIN):
        raise CBenchError(f"objective '{objective}': pretrain={getattr(given, PRETRAIN)} trains from scratch first, --init-from starts "
                          f"from a trained model; give one or the other (a run from --init-from has pretrain 0; docs/finetuning.md)")
    return params


def is_left_to_right(objective: str) -> bool:
    """Whether an objective trains a causal (left-to-right) backbone."""
    from creativity_bench.models.objectives import get_objective

    return bool(get_objective(objective).causal)


def check_config(cfg) -> tuple[str, str]:
    """Resolve-time checks of ``cfg.init_from`` (a TrainConfig with the model settings filled in);
    returns the checkpoint directory and its weights' sha256."""
    from creativity_bench.models.checkpoint import read_sidecar

    if not is_left_to_right(cfg.objective):
        raise CBenchError(f"--init-from starts left-to-right objectives; '{cfg.objective}' trains a bidirectional model")
    where = locate(cfg.init_from)
    side = read_sidecar(where)
    try:
        saved_objective, saved_model, saved_instance = side["objective"]["name"], side["model_config"], side["instance"]
        check_left_to_right(where, saved_objective, saved_model)
        check_instance_header(where, saved_instance, cfg)
        check_shape(where, saved_model, config_shape(cfg))
    except (KeyError, TypeError) as exc:
        raise CBenchError(f"{where}: malformed checkpoint config ({exc})") from None
    return str(where), weights_sha256(where)


def check_left_to_right(where: Path, objective: str, model_config: dict[str, Any]) -> None:
    """Refuse a checkpoint of a bidirectional (diffusion) model."""
    if not model_config.get("causal", True):
        raise CBenchError(f"{where}: trained with '{objective}', a bidirectional (diffusion) model; "
                          f"--init-from needs a left-to-right checkpoint (ntp, teacherless, mtp, ...)")


def describe_instance(name: str, version: Any, params: dict[str, Any], seed: Any) -> dict[str, Any]:
    return {"task": name, "version": version, "instance seed": seed, **params}


def check_instance_header(where: Path, saved: dict[str, Any], cfg) -> None:
    """Refuse a checkpoint of another task, task version, parameter or instance seed."""
    from creativity_bench.tasks import make_task

    task = make_task(cfg.task, cfg.preset, **cfg.task_overrides)
    ours = describe_instance(task.name, task.version, task.params.to_dict(), cfg.instance_seed)
    theirs = describe_instance(saved["name"], saved["version"], saved["params"], saved["seed"])
    for key in ours:
        if theirs.get(key) != ours[key]:
            raise CBenchError(f"{where}: a checkpoint of another instance ({key} {theirs.get(key)!r}, this run has {ours[key]!r}); "
                              f"--init-from needs a checkpoint of this run's task instance")


def config_shape(cfg) -> dict[str, Any]:
    """The model shape a resolved TrainConfig builds (the instance-dependent sizes left out)."""
    width = cfg.depth * cfg.aspect
    return {"n_layer": cfg.depth, "n_embd": width, "n_head": max(1, width // cfg.head_dim), "bias": cfg.bias, "tie_output": cfg.tie_output}


def check_shape(where: Path, saved: dict[str, Any], ours: dict[str, Any]) -> None:
    """Refuse a checkpoint whose model has another shape than this run's."""
    for key, value in ours.items():
        if saved.get(key) != value:
            raise CBenchError(f"{where}: the checkpoint's model has {key}={saved.get(key)!r}, this run's {value!r}; "
                              f"--init-from needs the same model (the preset and --train-set settings it was trained with)")


def check_start(cfg, instance, model_cfg) -> dict[str, Any]:
    """Training-time checks against the generated instance and the model to be built; returns the sidecar."""
    from creativity_bench.models.checkpoint import read_sidecar

    where = Path(cfg.init_from)
    side = read_sidecar(where)
    try:
        fingerprint, saved_model = side["instance"]["fingerprint"], side["model_config"]
        check_left_to_right(where, side["objective"]["name"], saved_model)
    except (KeyError, TypeError) as exc:
        raise CBenchError(f"{where}: malformed checkpoint config ({exc})") from None
    if fingerprint != instance.fingerprint:
        raise CBenchError(f"{where}: a checkpoint of another instance (fingerprint {str(fingerprint)[:12]}, this run's "
                          f"{instance.fingerprint[:12]}); --init-from needs a checkpoint of this run's task instance")
    ours = model_cfg.to_dict()
    check_shape(where, saved_model, {k: ours[k] for k in SHAPE_KEYS})
    return side


def load_start(cfg, model) -> None:
    """Load the checkpoint's backbone weights into ``model``, refusing a weights file whose sha256
    is not the one the config recorded (changed since the run was configured)."""
    from safetensors import SafetensorError
    from safetensors.torch import load

    from creativity_bench.models.checkpoint import WEIGHTS_FILE

    path = Path(cfg.init_from) / WEIGHTS_FILE
    data = path.read_bytes()
    if hashlib.sha256(data).hexdigest() != cfg.init_sha256:
        raise CBenchError(f"{path}: the weights changed since this run was configured (sha256 {cfg.init_sha256[:12]}...); run it again")
    try:
        tensors = load(data)
    except (SafetensorError, ValueError, RuntimeError) as exc:
        raise CBenchError(f"{path}: corrupt weights file ({str(exc).splitlines()[0][:80]})") from None
    backbone = {k.removeprefix("model."): v for k, v in tensors.items() if k.startswith("model.")}
    try:
        model.load_state_dict(backbone, strict=True)
    except RuntimeError as exc:
        raise CBenchError(f"{path}: weights do not fit the model ({str(exc).splitlines()[0][:100]})") from None
