"""Compute budgets: one number of training FLOPs per (preset, task), the same for every objective.

A run on a budget trains for ``floor(budget / flops_per_step)`` steps (a run in two phases, the
fine-tuners' ``pretrain``, for the most steps whose phased FLOPs fit: models/config.py), where a step's FLOPs are
what the objective's forward and backward passes cost on the preset's batch
(``Objective.training_flops``: mtp's extra heads are charged, a diffusion row is one token wider
than a next-token row). So objectives are compared at equal compute, not at equal steps, and no
objective has a step count of its own.
"""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any


def flops_per_step(cfg) -> float:
    """Training FLOPs of one step of ``cfg`` (a TrainConfig with the model and batch filled in)."""
    key = {k: getattr(cfg, k) for k in ("task", "preset", "task_overrides", "instance_seed", "objective", "objective_params",
                                         "depth", "aspect", "head_dim", "init", "bias", "tie_output", "dropout", "batch_size")}
    return _flops_per_step(json.dumps(key, sort_keys=True))


@lru_cache(maxsize=256)
def _flops_per_step(key: str) -> float:
    from creativity_bench.models.config import TrainConfig
    from creativity_bench.models.objectives import make_objective
    from creativity_bench.models.tokenizer import Vocabulary, encode_samples, sequence_width
    from creativity_bench.models.train import build_model_config
    from creativity_bench.tasks import make_task

    k: dict[str, Any] = json.loads(key)
    instance = make_task(k["task"], k["preset"], **k["task_overrides"]).generate(k["instance_seed"])
    vocab = Vocabulary.for_instance(instance)
    objective = make_objective(k["objective"], k["task"], k["objective_params"])
    rows = objective.build_rows(encode_samples(vocab, instance.train, sequence_width(instance)), instance, vocab)
    width = next(iter(rows.arrays.values())).shape[1]
    model_cfg = build_model_config(TrainConfig(**k), instance, vocab, objective.causal)
    return k["batch_size"] * objective.training_flops(model_cfg, width)


def steps_for_budget(cfg, budget: float) -> int:
    """How many steps of ``cfg`` fit in ``budget`` training FLOPs (at least one)."""
    return max(1, int(budget // flops_per_step(cfg)))
