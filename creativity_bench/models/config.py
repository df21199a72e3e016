"""The training configuration: every field is recorded in results and checked on resume."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from creativity_bench.errors import CBenchError
from creativity_bench.params import PRESETS, coerce_value
from creativity_bench.registry import suggest

# The training settings that change what a run learns (devices, precision and the like do not):
# a finished run is reused, or a leaderboard run accepted, only where these are the same.
LEARNING_SETTINGS = ("steps", "flops_budget", "batch_size", "lr", "warmup", "schedule", "depth", "aspect", "head_dim", "init", "bias",
                     "tie_output", "batches", "dropout", "weight_decay", "beta1", "beta2", "grad_clip", "objective_params",
                     "task_overrides", "instance_seed", "init_sha256")
BATCHES = ("epochs", "replacement")


@dataclass(frozen=True)
class TrainConfig:
    """What to train and how. ``None`` fields take the preset's value (see ``resolve``)."""

    task: str = "circle"
    preset: str = "smoke"
    instance_seed: int = 0
    task_overrides: dict[str, Any] = field(default_factory=dict)
    objective: str = "ntp"
    objective_params: dict[str, Any] = field(default_factory=dict)
    seed: int = 0  # training seed: initialisation and data order
    depth: int | None = None
    aspect: int | None = None
    head_dim: int | None = None
    init: str | None = None  # "small" (N(0, 0.02), GPT-2) or "torch" (PyTorch's defaults)
    bias: bool | None = None  # biases in the linear layers
    tie_output: bool | None = None  # output layer shared with the token embedding
    batches: str | None = None  # "epochs" (a permutation per epoch) or "replacement" (rows drawn with replacement)
    dropout: float = 0.0
    steps: int | None = None
    # Training FLOPs the run may spend (the preset's budget for the task, the same for every
    # objective); steps then follow from the objective's cost per step. None: steps are given.
    flops_budget: float | None = None
    batch_size: int | None = None
    lr: float | None = None
    # How the preset's learning rate follows a --batch-size other than the preset's (when --lr
    # is not given): "sqrt" (the Adam rule of thumb), "linear", or "none".
    lr_scaling: str = "sqrt"
    warmup: int | None = None
    schedule: str | None = None  # "constant" after warmup (the study) or "cosine" decay to 10%
    weight_decay: float = 0.0
    beta1: float = 0.9
    beta2: float = 0.999
    grad_clip: float = 1.0
    eval_every: int | None = None  # periodic evaluation (creativity over training); 0 = off
    eval_subset: int | None = None  # how many evaluation prompts the periodic evaluation samples
    ckpt_every: int | None = None  # resume checkpoint interval (default: eval_every or steps/10)
    precision: str = "auto"  # auto: bf16-mixed on GPU, 32-true on CPU
    accelerator: str = "auto"
    devices: str = "1"
    num_nodes: int = 1
    strategy: str = "auto"
    compile: str = "auto"  # auto: on for CUDA; "on" / "off"
    # Start from a trained checkpoint's weights (RUN/checkpoint, --init-from; docs/finetuning.md).
    # Resolving records the checkpoint directory and the sha256 of its weights file.
    init_from: str | None = None
    init_sha256: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> TrainConfig:
        names = [f.name for f in dataclasses.fields(cls)]
        for key in values:
            if key not in names:
                raise CBenchError(f"unknown training setting '{key}'" + suggest(key, names))
        return cls(**values)

    def replace(self, **changes: Any) -> TrainConfig:
        """A copy with ``changes``; string values (from --train-set) are converted to the field type."""
        fields = {f.name: f for f in dataclasses.fields(self)}
        converted = {}
        for key, value in changes.items():
            if key not in fields:
                raise CBenchError(f"unknown training setting '{key}'" + suggest(key, list(fields)))
            converted[key] = _convert(key, fields[key].type, value) if isinstance(value, str) else value
        return dataclasses.replace(self, **converted)

    def resolve(self) -> TrainConfig:
        """Fill every ``None`` from the model and training presets; validate."""
        from creativity_bench.models.presets import MODEL_PRESETS, train_preset

        if self.preset not in PRESETS:
            raise CBenchError(f"unknown preset '{self.preset}'" + suggest(self.preset, list(PRESETS)))
        values = {**MODEL_PRESETS[self.preset], **train_preset(self.preset, self.task, self.objective)}
        budget = values.pop("flops_budget", None)
        filled = {k: (getattr(self, k) if getattr(self, k) is not None else values.get(k)) for k in values}
        if self.steps is None and (self.flops_budget or budget):
            # On a budget: the steps are what the objective can buy with it (models/budget.py).
            filled["steps"], filled["flops_budget"] = None, self.flops_budget or budget
        if self.lr is None and self.batch_size is not None and self.batch_size != values["batch_size"]:
            filled["lr"] = scaled_lr(values["lr"], values["batch_size"], self.batch_size, self.lr_scaling)
        cfg = dataclasses.replace(self, **filled)
        if cfg.init_from is not None:  # a fine-tuner from a checkpoint does not pretrain (pretrain 0)
            from creativity_bench.models.init_from import start_params

            cfg = dataclasses.replace(cfg, objective_params=start_params(cfg.objective, cfg.objective_params))
        if cfg.steps is None:
            cfg.validate_budget()
            cfg = dataclasses.replace(cfg, steps=budget_steps(cfg))
        if cfg.ckpt_every is None:
            cfg = dataclasses.replace(cfg, ckpt_every=cfg.eval_every or max(1, cfg.steps // 10))
        cfg.validate()
        return cfg.resolve_start()

    def resolve_start(self) -> TrainConfig:
        """Check the start (models/init_from.py): an objective whose parameters need a trained start
        (``Objective.needs_init``: a fine-tuner with pretrain 0) needs ``init_from``, and
        a given checkpoint must fit this run; record its directory and its weights' sha256 (once:
        a config that holds the sha256 already, a recorded one, is left as it is)."""
        from creativity_bench.models.init_from import check_config, requires_init

        if self.init_from is None:
            if requires_init(self.objective, self.objective_params, self.task):
                from creativity_bench.models.init_from import has_pretrain

                scratch = ", or pretrain > 0 to train it from scratch first" if has_pretrain(self.objective) else ""
                raise CBenchError(f"objective '{self.objective}' fine-tunes a trained model: give --init-from RUN/checkpoint "
                                  f"(a left-to-right run of this task instance and model){scratch}; docs/finetuning.md")
            return self
        if self.init_sha256 is not None:
            return self
        where, sha = check_config(self)
        return dataclasses.replace(self, init_from=where, init_sha256=sha)

    def validate_budget(self) -> None:
        if not (self.flops_budget and self.flops_budget > 0):
            raise CBenchError(f"flops-budget must be positive, got {self.flops_budget}")

    def validate(self) -> None:
        positive = ("depth", "aspect", "head_dim", "steps", "batch_size", "num_nodes")
        for name in positive:
            value = getattr(self, name)
            if value is not None and value < 1:
                raise CBenchError(f"{name.replace('_', '-')} must be at least 1, got {value}")
            if value is not None and value > LIMITS.get(name, value):
                raise CBenchError(f"{name.replace('_', '-')}={value:,} is beyond any run this tool is for (at most {LIMITS[name]:,}); "
                                  f"the presets use {PRESET_SCALE[name]}")
        for name in ("warmup", "eval_every", "eval_subset", "ckpt_every", "instance_seed", "seed"):
            value = getattr(self, name)
            if value is not None and value < 0:
                raise CBenchError(f"{name.replace('_', '-')} must be non-negative, got {value}")
        if not 0 <= self.dropout < 1:
            raise CBenchError(f"dropout must be in [0, 1), got {self.dropout}")
        if self.lr is not None and not self.lr > 0:
            raise CBenchError(f"learning rate must be positive, got {self.lr}")
        if self.aspect and self.depth and self.head_dim and (self.depth * self.aspect) % self.head_dim:
            raise CBenchError("depth * aspect (the width) must be a multiple of head_dim")
        if self.schedule is not None and self.schedule not in ("constant", "cosine"):
            raise CBenchError(f"schedule must be constant or cosine, got '{self.schedule}'")
        if self.lr_scaling not in LR_SCALING:
            raise CBenchError(f"lr-scaling must be one of {', '.join(LR_SCALING)}, got '{self.lr_scaling}'")
        from creativity_bench.models.presets import INITS

        if self.init is not None and self.init not in INITS:
            raise CBenchError(f"init must be one of {', '.join(INITS)}, got '{self.init}'")
        if self.batches is not None and self.batches not in BATCHES:
            raise CBenchError(f"batches must be one of {', '.join(BATCHES)}, got '{self.batches}'")
        if self.compile not in ("auto", "on", "off"):
            raise CBenchError(f"compile must be auto, on or off, got '{self.compile}'")


# The objective of a next-token phase (Objective.pretrain_share): its rows, loss and FLOPs per step.
PRETRAIN_OBJECTIVE = "ntp"


def pretrain_share(cfg: TrainConfig) -> float:
    """The share of ``cfg``'s training FLOPs its objective spends on next-token prediction first
    (``Objective.pretrain_share``); 0 for the study's objectives, answered without building them."""
    from creativity_bench.registry import BUILTIN_OBJECTIVES

    if cfg.objective in BUILTIN_OBJECTIVES:
        return 0.0
    from creativity_bench.models.objectives import make_objective

    return make_objective(cfg.objective, cfg.task, cfg.objective_params).pretrain_share()


def pretrain_steps(steps: int, share: float, ntp_flops: float, own_flops: float) -> int:
    """How many of a run's ``steps`` are its next-token phase (the first ones): the most n whose
    FLOPs, n x ``ntp_flops``, are at most ``share`` of the run's, n x ``ntp_flops`` + (steps - n) x
    ``own_flops`` (FLOPs per step of each phase); 0 when ``share`` is 0. Exact (rational arithmetic):
    floor(share x steps x own / ((1 - share) x ntp + share x own)), at most steps - 1."""
    if share <= 0:
        return 0
    p, ntp, own = Fraction(share), Fraction(ntp_flops), Fraction(own_flops)
    return math.floor(p * steps * own / ((1 - p) * ntp + p * own))


def phased_flops(steps: int, share: float, ntp_flops: float, own_flops: float) -> float:
    """The training FLOPs of a run of ``steps`` steps: its next-token phase's steps (``pretrain_steps``)
    at ``ntp_flops``, the rest at ``own_flops``."""
    n = pretrain_steps(steps, share, ntp_flops, own_flops)
    return n * ntp_flops + (steps - n) * own_flops


def phased_steps_for_budget(budget: float, share: float, ntp_flops: float, own_flops: float) -> int:
    """The most steps whose FLOPs (``phased_flops``) fit in ``budget``; at least one, as for every
    objective. The FLOPs grow with every step (by ``ntp_flops`` or ``own_flops``), so this is the
    step count just below the first that exceeds the budget."""
    p, ntp, own = Fraction(share), Fraction(ntp_flops), Fraction(own_flops)
    c = p * own / ((1 - p) * ntp + p * own)  # the next-token phase's share of the steps
    steps = max(1, math.floor(Fraction(budget) / (c * ntp + (1 - c) * own)))
    while phased_flops(steps + 1, share, ntp_flops, own_flops) <= budget:
        steps += 1
    while steps > 1 and phased_flops(steps, share, ntp_flops, own_flops) > budget:
        steps -= 1
    return steps


def phase_flops_per_step(cfg: TrainConfig) -> tuple[float, float]:
    """(FLOPs of one next-token step, FLOPs of one step of the objective's own loss) of ``cfg``."""
    from creativity_bench.models.budget import flops_per_step

    return flops_per_step(dataclasses.replace(cfg, objective=PRETRAIN_OBJECTIVE, objective_params={})), flops_per_step(cfg)


def budget_steps(cfg: TrainConfig) -> int:
    """The steps ``cfg.flops_budget`` buys: ``steps_for_budget`` (models/budget.py), or, for an
    objective with a next-token phase, the most steps whose two phases fit in it."""
    from creativity_bench.models.budget import steps_for_budget

    share = pretrain_share(cfg)
    if not share:
        return steps_for_budget(cfg, cfg.flops_budget)
    return phased_steps_for_budget(cfg.flops_budget, share, *phase_flops_per_step(cfg))


# Upper bounds that no real run reaches (the paper preset trains 40,000 steps of batch 64):
# a value past them is a typo, refused before it allocates or runs for years.
LIMITS = {"steps": 10**8, "batch_size": 2**20, "depth": 1024, "aspect": 2**14, "head_dim": 2**12}
PRESET_SCALE = {"steps": "30 to 40,000", "batch_size": "16 to 128", "depth": "1 to 12", "aspect": "32 to 64",
                "head_dim": "16 to 64"}


# Settings added after records were first made: a record without one had it at this value.
LATER_SETTINGS = {"init_from": None, "init_sha256": None}


def settings_difference(recorded: dict[str, Any], cfg: TrainConfig, keys: Sequence[str] | None = None) -> str | None:
    """Where a recorded training config (train_config.json, results.json) differs from ``cfg``:
    ``"KEY = recorded, the settings now give VALUE"`` for the first of ``keys`` (default: every
    setting) that differs, or None. A setting missing from the record differs (one of
    ``LATER_SETTINGS`` is read as its value then)."""
    now = cfg.to_dict()
    recorded = {**{k: v for k, v in LATER_SETTINGS.items() if k not in recorded}, **recorded}
    for key in keys or [*now, *(k for k in recorded if k not in now)]:
        if key not in recorded:
            return f"no {key} recorded"
        if key not in now:
            return f"unknown setting {key} recorded"
        if recorded[key] != now[key]:
            return f"{key} = {recorded[key]!r}, the settings now give {now[key]!r}"
    return None


LR_SCALING = ("sqrt", "linear", "none")


def scaled_lr(lr: float, base_batch: int, batch: int, rule: str) -> float:
    """The preset's learning rate moved to another batch size by ``rule``."""
    if rule not in LR_SCALING:
        raise CBenchError(f"lr-scaling must be one of {', '.join(LR_SCALING)}, got '{rule}'")
    ratio = batch / base_batch
    return lr * (ratio**0.5 if rule == "sqrt" else ratio if rule == "linear" else 1.0)


def _convert(key: str, type_name: str, value: str) -> Any:
    if type_name.replace(" | None", "").strip() not in ("int", "float", "str", "bool"):
        raise CBenchError(f"training setting '{key}' cannot be set from the command line")
    return coerce_value(key, type_name, value)
