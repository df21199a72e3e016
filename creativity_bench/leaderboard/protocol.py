"""The leaderboard's standard protocol (docs/leaderboard.md): what every submission must run.

Version 2: all four tasks at their preset parameters with instance seed 0, training seeds
0, 1, 2 (or 0..n-1 for any n >= 3: `cbench submit --seeds n`), the objective's default
parameters and the preset's training settings, and each objective's standard sampler (SPEC 6)
on every evaluation prompt (seed length 10, sampling seed 0): greedy decoding for left-to-right
objectives (and plugins that declare nothing else), ancestral sampling at temperature 1 with one
denoising step per answer token for the diffusions; no top-k/top-p unless the objective's
standard sampler sets them. Every run also records the other regime (temperature 1 after
greedy, greedy after temperature sampling) with its samples; the ranking uses the standard one.
Any preset is accepted (smoke only for tests): the leaderboard page lists cpu and paper. A
submission carries a sha256 manifest of its files (manifest.py), required in version 2 (one
packed without it is re-packed with `cbench submit`, which reuses the finished runs).

Version 1 (before the standard samplers) decoded every objective greedily; its submissions are
refused by version.
"""

from __future__ import annotations

from typing import Any

from creativity_bench.tasks import STUDY_ORDER

PROTOCOL_VERSION = 2
TASKS = STUDY_ORDER
TRAINING_SEEDS = (0, 1, 2)  # the default; a submission may use 0..n-1 for any n >= MIN_SEEDS
MIN_SEEDS = len(TRAINING_SEEDS)
INSTANCE_SEED = 0
# Sampling fields that change results (batch size and the KV cache do not), and whether they
# are the objective's standard sampler.
SAMPLING_KEYS = ("mode", "temperature", "top_k", "top_p", "steps", "seed", "seed_length")
RECORDED_SAMPLING_KEYS = (*SAMPLING_KEYS, "standard")
SECONDARY = "the other regime: temperature 1 after greedy decoding, greedy after temperature sampling"


def protocol_settings():
    """The SamplingSettings a protocol run is given (mode standard: resolved per objective)."""
    from creativity_bench.models.settings import SamplingSettings

    return SamplingSettings()


def protocol_sampling() -> dict[str, Any]:
    full = protocol_settings().to_dict()
    return {k: full[k] for k in SAMPLING_KEYS}


def expected_sampling(objective, max_new: int) -> tuple[dict[str, Any], dict[str, Any]]:
    """What a protocol run of ``objective`` must record, resolved: its sampling and its
    secondary sampling (the keys of RECORDED_SAMPLING_KEYS)."""
    from creativity_bench.models.settings import other_regime, resolve_sampling, sampling_record

    def recorded(settings) -> dict[str, Any]:
        record = sampling_record(objective, settings, max_new)
        return {k: record[k] for k in RECORDED_SAMPLING_KEYS}

    primary = resolve_sampling(objective, protocol_settings(), max_new)
    return recorded(primary), recorded(other_regime(primary))


def training_seeds(count: int = len(TRAINING_SEEDS)) -> tuple[int, ...]:
    """The training seeds of a protocol run with ``count`` seeds: 0..count-1."""
    from creativity_bench.errors import CBenchError

    if isinstance(count, bool) or not isinstance(count, int) or count < MIN_SEEDS:
        raise CBenchError(f"the protocol needs at least {MIN_SEEDS} training seeds, got {count!r}")
    return tuple(range(count))


def seeds_problem(found: Any) -> str | None:
    """Why a protocol block's training seeds are not 0..n-1 with n >= MIN_SEEDS, or None."""
    if isinstance(found, list) and len(found) >= MIN_SEEDS and found == list(range(len(found))):
        return None
    return f"protocol.training_seeds is {found!r}, the protocol says 0..n-1 for some n >= {MIN_SEEDS}"


def protocol(seeds: tuple[int, ...] = TRAINING_SEEDS) -> dict[str, Any]:
    """The protocol block every submission.json carries and the verifier compares."""
    return {
        "version": PROTOCOL_VERSION,
        "tasks": list(TASKS),
        "instance_seed": INSTANCE_SEED,
        "training_seeds": list(seeds),
        "objective_params": "defaults",
        "training": "preset",
        "sampling": protocol_sampling(),
        "secondary": SECONDARY,
    }


def version_problem(found: Any) -> str | None:
    """Why a submission's protocol block is of another version than this release verifies, or None."""
    version = found.get("version") if isinstance(found, dict) else None
    if version == PROTOCOL_VERSION:
        return None
    return (f"protocol version {version!r}: this release verifies protocol version {PROTOCOL_VERSION} (each objective's "
            "standard sampler, both sampling regimes recorded); re-run the submission with `cbench submit`")


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
