"""The task interface: parameters, instances, samples and verdicts.

A task instance is fully determined by (task name, params, instance seed). Subclasses
build the latent structure and the training answers; everything shared (seeds, evaluation
prompts, serialization, fingerprint) lives here.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from abc import ABC, abstractmethod
from dataclasses import dataclass
from functools import cached_property
from typing import Any, ClassVar, NamedTuple

from creativity_bench.errors import CBenchError
from creativity_bench.params import PRESETS, params_from_dict
from creativity_bench.registry import Registry, suggest
from creativity_bench.seeding import SEED_ALPHABET, derive_key, unique_seed_strings
from creativity_bench.tasks.footprint import Footprint, check_footprint, samples_footprint

PROMPT = "<q>"
SEPARATOR = "|"
MAX_SEED_LENGTH = 64
# Filler for the seed positions a shorter sampling seed leaves empty (a character the model saw
# in seeds during training, so every position stays in distribution).
SEED_FILL = "0"


class Verdict(NamedTuple):
    """The scorer's judgement of one answer: valid, a reason code ('ok' if valid), canonical form."""

    valid: bool
    reason: str
    canonical: str | None


class Sample(NamedTuple):
    """One training sequence: ``[seed][prompt][answer][eos]``."""

    seed: str
    prompt: str
    answer: str


class EvalPrompt(NamedTuple):
    """One evaluation prompt: a fresh seed (or '' for null) and the prompt marker."""

    prompt_id: int
    seed: str
    prompt: str


@dataclass(frozen=True)
class TaskParams:
    """Parameters every task has. Subclasses add their own fields (all with defaults)."""

    train_size: int = 1000
    eval_size: int = 256
    seed_length: int = 10

    def validate(self) -> None:
        """Raise CBenchError if the parameters cannot make an instance."""
        for field in dataclasses.fields(self):
            value = getattr(self, field.name)
            if isinstance(value, int) and not isinstance(value, bool) and value < 0:
                raise CBenchError(f"{field.name} must be non-negative, got {value}")
        if self.train_size < 1:
            raise CBenchError("train_size must be at least 1")
        if self.eval_size < 1:
            raise CBenchError("eval_size must be at least 1")
        if self.seed_length > MAX_SEED_LENGTH:
            raise CBenchError(f"seed_length must be at most {MAX_SEED_LENGTH}, got {self.seed_length}")

    def check_seed_capacity(self, seeded_train: int) -> None:
        """Fail if there are too few distinct seeds for the training and evaluation prompts."""
        check_seed_capacity(self.seed_length, seeded_train, self.eval_size)

    def to_dict(self) -> dict[str, Any]:
        """Parameters as a JSON-ready dict (field order is stable)."""
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> TaskParams:
        """Build params from a dict, refusing unknown keys and wrong types."""
        return params_from_dict(cls, values)


def check_seed_capacity(seed_length: int, seeded_train: int, eval_size: int) -> None:
    """Fail unless ``seed_length`` gives enough distinct seeds for training plus evaluation."""
    if seed_length == 0:
        return
    capacity = len(SEED_ALPHABET) ** seed_length
    # Leave slack so that redrawing collisions stays fast.
    if 2 * (seeded_train + eval_size) > capacity:
        raise CBenchError(
            f"seed_length={seed_length} gives {capacity} distinct seeds, too few for "
            f"{seeded_train} training and {eval_size} evaluation seeds; use a longer seed"
        )


class Task(ABC):
    """A task family. Subclasses set the class attributes and implement the three hooks."""

    name: ClassVar[str]
    version: ClassVar[int]
    description: ClassVar[str]
    params_class: ClassVar[type[TaskParams]]
    presets: ClassVar[dict[str, dict[str, Any]]]
    eval_marker: ClassVar[str] = PROMPT

    def __init__(self, params: TaskParams) -> None:
        if not isinstance(params, self.params_class):
            raise TypeError(f"{self.name} needs {self.params_class.__name__}")
        params.validate()
        self.params = params
        check_footprint(self.name, params.to_dict(), self.footprint())

    @classmethod
    def from_preset(cls, preset: str = "smoke", overrides: dict[str, Any] | None = None, **kw: Any) -> Task:
        """A task from a named preset, with parameter overrides."""
        if preset not in cls.presets:
            raise CBenchError(f"unknown preset '{preset}' for task {cls.name}" + suggest(preset, list(cls.presets)))
        values = dict(cls.presets[preset])
        values.update(overrides or {})
        values.update(kw)
        return cls(cls.params_class.from_dict(values))

    # --- hooks -----------------------------------------------------------------------
    @abstractmethod
    def build_structure(self, key: int) -> dict[str, Any]:
        """The latent structure as JSON-ready data (what task.json stores)."""

    @abstractmethod
    def build_train(self, structure: dict[str, Any], key: int) -> list[tuple[str, str]]:
        """``train_size`` (prompt, answer) pairs; seeds are added by ``generate``."""

    @abstractmethod
    def checker(self, structure: dict[str, Any]) -> Checker:
        """The exact coherence check and canonical form for this instance."""

    @abstractmethod
    def entity_tokens(self) -> list[str]:
        """Every entity and marker token the task can emit (the closed vocabulary)."""

    def coherent_count(self, instance: Instance) -> int:
        """The number of distinct canonical forms of coherent samples."""
        raise NotImplementedError

    def footprint(self) -> Footprint:
        """The estimated memory and work of building an instance (``tasks.footprint``): the samples
        and seeds here; tasks add their structure's share."""
        p = self.params
        return samples_footprint(p.train_size + p.eval_size, p.seed_length + self.tokens_per_sample())

    def tokens_per_sample(self) -> int:
        """About how many tokens a prompt and answer take (for ``footprint``)."""
        return 16

    def extra_stats(self, instance: Instance) -> dict[str, Any]:
        """Task-specific statistics for ``cbench show``."""
        return {}

    def is_seeded(self, prompt: str) -> bool:
        """Whether training samples with this prompt marker carry a seed."""
        return True

    def is_memorizable(self, sample: Sample) -> bool:
        """Whether this training sample counts toward the memorization set."""
        return True

    # --- shared ------------------------------------------------------------------------
    def generate(self, seed: int) -> Instance:
        """The instance for ``seed``: byte-identical for the same (task, params, seed)."""
        if not isinstance(seed, int) or isinstance(seed, bool) or seed < 0:
            raise CBenchError(f"instance seed must be a non-negative integer, got {seed!r}")
        key = derive_key("creativity-bench", self.name, self.version, seed)
        structure = self.build_structure(derive_key(key, "structure"))
        pairs = self.build_train(structure, derive_key(key, "train"))
        seeded = [i for i, (prompt, _) in enumerate(pairs) if self.is_seeded(prompt)]
        self.params.check_seed_capacity(len(seeded))
        length = self.params.seed_length
        train_seeds = unique_seed_strings(derive_key(key, "train-seeds"), len(seeded), length)
        seeds = [""] * len(pairs)
        for i, s in zip(seeded, train_seeds):
            seeds[i] = s
        train = [Sample(s, p, a) for s, (p, a) in zip(seeds, pairs)]
        forbidden = frozenset(train_seeds) if length else frozenset()
        evals = fresh_prompts(derive_key(key, "eval-seeds"), self.params.eval_size, length, forbidden, self.eval_marker)
        return Instance(self, seed, structure, train, evals)


def fresh_prompts(key: int, n: int, length: int, forbidden: frozenset[str], marker: str, fill: str = "") -> list[EvalPrompt]:
    """``n`` evaluation prompts whose seeds are ``length`` random characters (none in ``forbidden``), then ``fill``."""
    return [EvalPrompt(i, s + fill, marker) for i, s in enumerate(unique_seed_strings(key, n, length, forbidden))]


class Checker(ABC):
    """Judges answers of one instance. Total: never raises on any string."""

    # Whether the released evaluator's "seen" compares whole strings, end-of-answer marker
    # included (sibling), so that an answer cut short by a prompt marker is never seen.
    compat_seen_needs_end: ClassVar[bool] = False

    @abstractmethod
    def check(self, answer: str) -> Verdict:
        """Strict coherence check with a reason code, and the canonical form."""

    def compat_valid(self, answer: str) -> bool:
        """The study's released evaluator's coherence rule (the ``compat`` view, SPEC 4), on the
        answer as that evaluator reads it. Defaults to the strict rule: a task the study did not
        have need not invent a "released code" rule."""
        return self.check(answer).valid

    def compat_canonical(self, answer: str) -> str | None:
        """The released evaluator's canonical form, what its "seen" score looks up in the
        training set's canonical forms. Defaults to the strict canonical form."""
        return self.check(answer).canonical


class Instance:
    """A generated task instance: structure, training set, evaluation prompts."""

    def __init__(self, task: Task, seed: int, structure: dict, train: list[Sample], evals: list[EvalPrompt]) -> None:
        self.task = task
        self.seed = seed
        self.structure = structure
        self.train = train
        self.eval = evals

    @property
    def name(self) -> str:
        return self.task.name

    def header(self) -> dict[str, Any]:
        """What identifies the instance (task.json without structure and fingerprint)."""
        return {"name": self.task.name, "version": self.task.version, "params": self.task.params.to_dict(), "seed": self.seed}

    def eval_prompts(self, seed_length: int | None = None) -> list[EvalPrompt]:
        """The evaluation prompts, or fresh ones with ``seed_length`` random seed characters.

        A model is trained with seeds of the instance's length L. Sampling with k < L random
        characters keeps the prompt layout: each seed is k fresh random characters followed by
        L - k fixed filler characters (``SEED_FILL``), so only the amount of randomness changes
        (the study's seed length sweep, on one model). k = 0 is the null seed: the same
        all-filler seed for every prompt, so greedy decoding gives one answer.
        """
        trained, n, marker = self.task.params.seed_length, len(self.eval), self.task.eval_marker
        if seed_length is None or seed_length == trained:
            return self.eval
        if seed_length > trained:
            raise CBenchError(f"sample seed length {seed_length} is longer than the seeds the model was trained with ({trained})")
        fill = SEED_FILL * (trained - seed_length)
        if seed_length == 0:
            return [EvalPrompt(i, fill, marker) for i in range(n)]
        # Fresh seeds must not be training seeds: exclude the random part of any that ends in the filler.
        forbidden = frozenset(s.seed[:seed_length] for s in self.train if s.seed and s.seed.endswith(fill))
        capacity = len(SEED_ALPHABET) ** seed_length
        if len(forbidden) + n > capacity:  # a sweep may use most of the seeds: redrawing collisions still ends
            raise CBenchError(f"sample seed length {seed_length} gives {capacity} distinct seeds, too few for {n} fresh prompts")
        return fresh_prompts(derive_key("eval-seeds", self.fingerprint, seed_length), n, seed_length, forbidden, marker, fill)

    def draw_prompts(self, k: int, fresh_seeds: bool, seed_length: int | None = None) -> list[list[EvalPrompt]]:
        """The prompts of K draws per evaluation prompt (discovery curves): K lists of N prompts.

        Draw 0 is ``eval_prompts(seed_length)`` itself. Draw d of prompt i has prompt id d*N + i,
        so sampling randomness (keyed to the prompt id) is fresh for every draw. With
        ``fresh_seeds`` (greedy decoding, which would repeat itself) each later draw also gets
        a fresh seed, distinct from every training seed, evaluation seed and other draw's; the
        null seed (length 0) has only one, so greedy draws of it repeat, as they should.
        """
        if k < 1:
            raise CBenchError(f"samples per prompt must be at least 1, got {k}")
        first = self.eval_prompts(seed_length)
        n, trained = len(first), self.task.params.seed_length
        length = trained if seed_length is None else seed_length
        if not fresh_seeds or length == 0 or k == 1:
            return [first] + [[EvalPrompt(d * n + e.prompt_id, e.seed, e.prompt) for e in first] for d in range(1, k)]
        fill = SEED_FILL * (trained - length)
        used = {e.seed[:length] for e in first}
        forbidden = frozenset(used | {s.seed[:length] for s in self.train if s.seed and s.seed.endswith(fill)})
        if len(forbidden) + n * (k - 1) > len(SEED_ALPHABET) ** length:
            raise CBenchError(f"seed length {length} gives too few distinct seeds for {k} fresh seeds per prompt")
        seeds = unique_seed_strings(derive_key("draw-seeds", self.fingerprint, length), n * (k - 1), length, forbidden)
        return [first] + [[EvalPrompt(d * n + e.prompt_id, seeds[(d - 1) * n + i] + fill, e.prompt) for i, e in enumerate(first)]
                          for d in range(1, k)]

    @cached_property
    def train_bytes(self) -> bytes:
        return "".join(
            json.dumps({"seed": s.seed, "prompt": s.prompt, "answer": s.answer}) + "\n" for s in self.train
        ).encode()

    @cached_property
    def eval_bytes(self) -> bytes:
        return "".join(
            json.dumps({"prompt_id": e.prompt_id, "seed": e.seed, "prompt": e.prompt}) + "\n" for e in self.eval
        ).encode()

    @cached_property
    def fingerprint(self) -> str:
        """sha256 over the canonical serialization of header, structure, training and eval files."""
        return fingerprint_of(self.header(), self.structure, self.train_bytes, self.eval_bytes)

    @cached_property
    def checker(self) -> Checker:
        return self.task.checker(self.structure)

    @cached_property
    def train_canonical(self) -> frozenset[str]:
        """Canonical forms of the training samples that count for memorization."""
        check = self.checker.check
        return frozenset(check(s.answer).canonical for s in self.train if self.task.is_memorizable(s))

    @cached_property
    def train_compat_canonical(self) -> frozenset[str]:
        """The released evaluator's canonical forms of the memorizable training samples (compat view)."""
        canonical = self.checker.compat_canonical
        return frozenset(c for s in self.train if self.task.is_memorizable(s) and (c := canonical(s.answer)) is not None)

    def stats(self) -> dict[str, Any]:
        """Instance statistics: coherent samples, training coverage, task extras."""
        out: dict[str, Any] = {"train_samples": len(self.train), "eval_prompts": len(self.eval)}
        try:
            total = self.task.coherent_count(self)
        except NotImplementedError:
            total = None
        memorizable = sum(1 for s in self.train if self.task.is_memorizable(s))
        out["coherent_canonical_forms"] = total
        out["memorizable_train_samples"] = memorizable
        out["train_unique_canonical"] = len(self.train_canonical)
        if total:
            novel = total - len(self.train_canonical)
            out["train_coverage"] = round(len(self.train_canonical) / total, 6)
            out["forms_per_training_sample"] = round(total / max(memorizable, 1), 3)
            out["novel_forms"] = novel
            # Creativity counts distinct novel forms over N prompts: it can reach at most this.
            out["creativity_ceiling"] = round(min(novel, len(self.eval)) / max(len(self.eval), 1), 6)
        out.update(self.task.extra_stats(self))
        return out


def fingerprint_of(header: dict, structure: dict, train_bytes: bytes, eval_bytes: bytes) -> str:
    """The instance fingerprint from its parts, as written to and read from files."""
    h = hashlib.sha256()
    h.update(json.dumps(header, sort_keys=True, separators=(",", ":")).encode())
    h.update(b"\n")
    h.update(json.dumps(structure, sort_keys=True, separators=(",", ":")).encode())
    h.update(b"\n")
    h.update(train_bytes)
    h.update(b"\x00")
    h.update(eval_bytes)
    return h.hexdigest()


TASKS: Registry[type[Task]] = Registry("task")


def register_task(cls: type[Task]) -> type[Task]:
    """Register a task class under its ``name`` (the one line at the end of a task file)."""
    for preset in PRESETS:
        if preset not in cls.presets:
            raise ValueError(f"task {cls.name} lacks the '{preset}' preset")
    return TASKS.register(cls.name, cls)
