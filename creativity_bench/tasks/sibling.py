"""Sibling discovery: find two children of the same parent (combinational creativity).

A bipartite graph of P parents, each with disjoint pools of n first-sibling (B) and n
second-sibling (C) children. A sample is ``Bj Ck Ai``: two siblings, then their parent, the
"punchline" the model must plan before writing the siblings. The graph is never shown; it
must be inferred from the training triples.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from creativity_bench.errors import CBenchError
from creativity_bench.seeding import derive_key, permutation, sample_without_replacement
from creativity_bench.tasks.base import PROMPT, Checker, Instance, Task, TaskParams, Verdict, register_task
from creativity_bench.tasks.footprint import Footprint

ORDERS = ("parent_last", "parent_first")


@dataclass(frozen=True)
class SiblingParams(TaskParams):
    """Sizes of the sibling graph and the answer order."""

    parents: int = 5
    children: int = 500
    order: str = "parent_last"

    def validate(self) -> None:
        super().validate()
        if self.parents < 1 or self.children < 1:
            raise CBenchError("parents and children must be at least 1")
        if self.order not in ORDERS:
            raise CBenchError(f"order must be one of {', '.join(ORDERS)}, got '{self.order}'")
        total = self.parents * self.children**2
        if self.train_size > total:
            raise CBenchError(f"train_size={self.train_size} exceeds the {total} coherent sibling triples")


class SiblingChecker(Checker):
    compat_seen_needs_end = True  # the released evaluator looks the raw string, "</a>" and all, up

    def __init__(self, structure: dict[str, Any], order: str) -> None:
        self.kind: dict[str, tuple[str, str]] = {}
        for parent, pools in structure["parents"].items():
            self.kind[parent] = ("A", parent)
            for b in pools["first"]:
                self.kind[b] = ("B", parent)
            for c in pools["second"]:
                self.kind[c] = ("C", parent)
        self.pattern = ("B", "C", "A") if order == "parent_last" else ("A", "B", "C")

    def _parse(self, answer: str) -> tuple[list[str] | None, str]:
        if not isinstance(answer, str):
            return None, "bad_format"
        tokens = answer.split()
        if not tokens:
            return None, "empty"
        if any(t not in self.kind for t in tokens):
            return None, "bad_token"
        if len(tokens) != 3:
            return None, "wrong_length"
        return tokens, "ok"

    def check(self, answer: str) -> Verdict:
        tokens, reason = self._parse(answer)
        if tokens is None:
            return Verdict(False, reason, None)
        kinds = [self.kind[t] for t in tokens]
        canonical = " ".join(tokens)
        if tuple(k for k, _ in kinds) != self.pattern:
            return Verdict(False, "wrong_type", canonical)
        if len({p for _, p in kinds}) != 1:
            return Verdict(False, "wrong_parent", canonical)
        return Verdict(True, "ok", canonical)


class SiblingTask(Task):
    name = "sibling"
    version = 1
    description = "Name two children of the same parent, then the parent (combinational)."
    params_class = SiblingParams
    presets = {
        "smoke": {"parents": 2, "children": 6, "train_size": 40, "eval_size": 32},
        "cpu": {"parents": 5, "children": 50, "train_size": 2500, "eval_size": 1024},
        "paper": {"parents": 5, "children": 500, "train_size": 50000, "eval_size": 3000},
    }
    params: SiblingParams

    def tokens_per_sample(self) -> int:
        return 4

    def footprint(self) -> Footprint:
        # Two permutations of parents x children and their B/C names, in arrays, lists and task.json.
        entities = self.params.parents * self.params.children
        return super().footprint() + Footprint(400 * entities, 4 * entities)

    def build_structure(self, key: int) -> dict[str, Any]:
        p, n = self.params.parents, self.params.children
        first = permutation(derive_key(key, "first"), p * n).reshape(p, n)
        second = permutation(derive_key(key, "second"), p * n).reshape(p, n)
        return {
            "parents": {
                f"A{i}": {"first": [f"B{j}" for j in first[i]], "second": [f"C{j}" for j in second[i]]}
                for i in range(p)
            }
        }

    def build_train(self, structure: dict[str, Any], key: int) -> list[tuple[str, str]]:
        p, n = self.params.parents, self.params.children
        picks = sample_without_replacement(key, p * n * n, self.params.train_size)
        parent, b, c = picks // (n * n), (picks // n) % n, picks % n
        names = list(structure["parents"])
        first = np.array([structure["parents"][a]["first"] for a in names])
        second = np.array([structure["parents"][a]["second"] for a in names])
        pa, bs, cs = np.array(names)[parent], first[parent, b], second[parent, c]
        if self.params.order == "parent_last":
            return [(PROMPT, f"{x} {y} {z}") for x, y, z in zip(bs.tolist(), cs.tolist(), pa.tolist())]
        return [(PROMPT, f"{z} {x} {y}") for x, y, z in zip(bs.tolist(), cs.tolist(), pa.tolist())]

    def checker(self, structure: dict[str, Any]) -> Checker:
        return SiblingChecker(structure, self.params.order)

    def entity_tokens(self) -> list[str]:
        p, n = self.params.parents, self.params.children
        return [PROMPT] + [f"A{i}" for i in range(p)] + [f"B{i}" for i in range(p * n)] + [f"C{i}" for i in range(p * n)]

    def coherent_count(self, instance: Instance) -> int:
        return self.params.parents * self.params.children**2


register_task(SiblingTask)
