"""Sampling settings, and how an objective's standard sampler resolves them (SPEC 6), without torch.

The sampler itself (``creativity_bench.models.sampling``) needs torch; what a run records about its
sampling, and what the leaderboard verifier expects it to record, does not: `cbench leaderboard
verify` re-scores submissions where torch is not installed. ``sampling`` re-exports all of this.

Functions that take an ``objective`` read only its class attributes ``name``,
``standard_sampling`` and ``uses_diffusion_steps`` and its ``steps_for`` method, so a declared
stand-in (``DeclaredObjective``) serves where the objective classes cannot be imported.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any, ClassVar

from creativity_bench.errors import CBenchError

STANDARD = "standard"
MODES = ("greedy", "temperature")  # what a sampler runs
SETTING_MODES = (STANDARD, *MODES)  # what a user may ask for
# The fields an objective's standard sampler sets (at these values where it leaves one out); the
# rest (steps, sampling seed, seed length) stay the user's.
NEUTRAL_DECODING = {"mode": "greedy", "temperature": 1.0, "top_k": 0, "top_p": 1.0}
DECODING_KEYS = tuple(NEUTRAL_DECODING)


@dataclass(frozen=True)
class SamplingSettings:
    """Every sampling parameter, neutral by default and always written to results (resolved)."""

    mode: str = STANDARD  # the objective's standard sampler; or greedy, or temperature
    temperature: float = 1.0
    top_k: int = 0  # 0: no top-k filter
    top_p: float = 1.0  # 1.0: no nucleus filter
    steps: int = 0  # diffusion denoising steps; 0: the objective's default
    seed: int = 0  # sampling RNG seed
    seed_length: int | None = None  # random seed characters: None = all (the instance's); 0 = null (see Instance.eval_prompts)
    batch_size: int = 512
    use_cache: bool = True

    def validate(self) -> None:
        if self.mode not in SETTING_MODES:
            raise CBenchError(f"sampling mode must be one of {', '.join(SETTING_MODES)}, got '{self.mode}'")
        if self.temperature <= 0:
            raise CBenchError(f"temperature must be positive, got {self.temperature}")
        if self.top_k < 0:
            raise CBenchError(f"top-k must be >= 0 (0 = off), got {self.top_k}")
        if not 0 < self.top_p <= 1:
            raise CBenchError(f"top-p must be in (0, 1], got {self.top_p}")
        if self.steps < 0 or self.batch_size < 1 or self.seed < 0:
            raise CBenchError("steps, batch size and sampling seed must be non-negative (batch size >= 1)")
        if self.seed_length is not None and not 0 <= self.seed_length <= 64:
            raise CBenchError(f"seed length must be between 0 and 64, got {self.seed_length}")

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


def standard_decoding(cls) -> dict[str, Any]:
    """An objective class's standard sampler (``Objective.standard_sampling``) as the four
    decoding fields of SamplingSettings; the ones it leaves out are neutral."""
    declared = dict(cls.standard_sampling)
    values = {**NEUTRAL_DECODING, **declared}
    problem = None
    if set(declared) - set(DECODING_KEYS):
        problem = f"may set only {', '.join(DECODING_KEYS)}, not {', '.join(sorted(set(declared) - set(DECODING_KEYS)))}"
    elif values["mode"] not in MODES:
        problem = f"mode must be one of {', '.join(MODES)}, got {values['mode']!r}"
    else:
        try:
            SamplingSettings(**values).validate()
        except (CBenchError, TypeError) as exc:
            problem = str(exc)
    if problem:
        raise CBenchError(f"objective '{cls.name}': standard_sampling {problem}")
    return values


def resolve_sampling(objective, settings: SamplingSettings, max_new: int) -> SamplingSettings:
    """The settings a sampler runs for ``objective``: mode ``standard`` becomes the objective's
    standard sampler, and a diffusion objective's steps (0: its default) the number it takes."""
    if settings.mode == STANDARD:
        if any(getattr(settings, k) != v for k, v in NEUTRAL_DECODING.items() if k != "mode"):
            raise CBenchError("temperature, top-k and top-p need mode temperature (the standard sampler sets them)")
        settings = dataclasses.replace(settings, **standard_decoding(type(objective)))
    steps_for = getattr(objective, "steps_for", None)
    if objective.uses_diffusion_steps and steps_for is not None:
        settings = dataclasses.replace(settings, steps=steps_for(settings, max_new))
    settings.validate()
    return settings


def is_standard(objective, settings: SamplingSettings) -> bool:
    """Whether resolved ``settings`` decode as the objective's standard sampler."""
    standard = standard_decoding(type(objective))
    return all(getattr(settings, k) == v for k, v in standard.items())


def other_regime(settings: SamplingSettings) -> SamplingSettings:
    """The regime recorded beside resolved ``settings``: temperature 1 after greedy decoding,
    greedy after temperature sampling (any temperature, top-k or top-p); same prompts, sampling
    seed and steps."""
    if settings.mode not in MODES:
        raise ValueError(f"sampling mode {settings.mode!r} is not resolved (see resolve_sampling)")
    mode = "temperature" if settings.mode == "greedy" else "greedy"
    return dataclasses.replace(settings, **{**NEUTRAL_DECODING, "mode": mode})


def sampling_record(objective, settings: SamplingSettings, max_new: int) -> dict[str, Any]:
    """What results record about resolved sampling settings: every field, the answer width, and
    whether they are the objective's standard sampler."""
    return {**settings.to_dict(), "max_new_tokens": max_new, "standard": is_standard(objective, settings)}


# The standard samplers of the built-in objectives, for verifying them without importing their
# classes (and torch): tests check that these equal the classes' own declarations.
BUILTIN_SAMPLING = {
    "ntp": ({"mode": "greedy"}, False),
    "teacherless": ({"mode": "greedy"}, False),
    "mtp": ({"mode": "greedy"}, False),
    "diffusion": ({"mode": "temperature", "temperature": 1.0}, True),
    "diffusion-uniform": ({"mode": "temperature", "temperature": 1.0}, True),
}


class DeclaredObjective:
    """What sampling needs to know of a built-in objective (``BUILTIN_SAMPLING``) and its recorded
    parameters, without its class: the diffusions take ``steps`` (0: one per answer token)."""

    name: ClassVar[str]
    standard_sampling: ClassVar[dict[str, Any]]
    uses_diffusion_steps: ClassVar[bool]

    def __init__(self, params: dict[str, Any] | None = None) -> None:
        self.params = dict(params or {})

    def steps_for(self, settings: SamplingSettings, span: int) -> int:
        return settings.steps or int(self.params.get("steps") or 0) or span


def declared_objective(name: str, params: dict[str, Any] | None = None) -> DeclaredObjective:
    """A built-in objective as ``BUILTIN_SAMPLING`` declares it (a one-line error for any other)."""
    if name not in BUILTIN_SAMPLING:
        raise CBenchError(f"objective '{name}' is not built in: verifying it needs its package and the train extra "
                          f"(pip install 'creativity-bench[train]')")
    standard, diffusion = BUILTIN_SAMPLING[name]
    cls = type(f"Declared[{name}]", (DeclaredObjective,), {"name": name, "standard_sampling": standard, "uses_diffusion_steps": diffusion})
    return cls(params)
