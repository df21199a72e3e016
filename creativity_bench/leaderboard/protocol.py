"""The leaderboard's standard protocol (docs/leaderboard.md): what every submission must run.

Version 1: all four tasks at their preset parameters with instance seed 0, training seeds
0, 1, 2, the objective's default parameters and the preset's training settings, and the
default sampling: greedy decoding of every evaluation prompt (seed length 10, sampling seed
0, no top-k/top-p, the objective's default diffusion steps). Any preset is accepted (smoke
only for tests): the leaderboard page lists cpu and paper.
"""

from __future__ import annotations

from typing import Any

from creativity_bench.tasks import STUDY_ORDER

PROTOCOL_VERSION = 1
TASKS = STUDY_ORDER
TRAINING_SEEDS = (0, 1, 2)
INSTANCE_SEED = 0
# Sampling fields that change results (batch size and the KV cache do not).
SAMPLING_KEYS = ("mode", "temperature", "top_k", "top_p", "steps", "seed", "seed_length")


def protocol_sampling() -> dict[str, Any]:
    from creativity_bench.models.sampling import SamplingSettings

    full = SamplingSettings().to_dict()
    return {k: full[k] for k in SAMPLING_KEYS}


def protocol() -> dict[str, Any]:
    """The protocol block every submission.json carries and the verifier compares."""
    return {
        "version": PROTOCOL_VERSION,
        "tasks": list(TASKS),
        "instance_seed": INSTANCE_SEED,
        "training_seeds": list(TRAINING_SEEDS),
        "objective_params": "defaults",
        "training": "preset",
        "sampling": protocol_sampling(),
    }


def first_difference(found: Any, expected: Any, where: str = "protocol") -> str | None:
    """A readable description of the first place two JSON-like values differ, or None."""
    if isinstance(expected, dict) and isinstance(found, dict):
        for key in list(expected) + [k for k in found if k not in expected]:
            if key not in found:
                return f"{where}.{key} is missing"
            if key not in expected:
                return f"{where}.{key} is not part of the protocol"
            diff = first_difference(found[key], expected[key], f"{where}.{key}")
            if diff:
                return diff
        return None
    if found != expected:
        return f"{where} is {found!r}, the protocol says {expected!r}"
    return None
