"""Line construction: write the edges of a path in any order (exploratory creativity).

As circle construction, but a directed path of k edges through k+1 distinct vertices. The
canonical form renames vertices by first appearance; with k=9 there are 9! = 362,880 forms.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from creativity_bench.errors import CBenchError
from creativity_bench.tasks.base import PROMPT, SEPARATOR, Checker, Instance, Task, TaskParams, register_task
from creativity_bench.tasks.edges import WalkChecker, shuffled_walks, vertex_tokens


@dataclass(frozen=True)
class LineParams(TaskParams):
    """Vertex-set size and path length (in edges)."""

    vertices: int = 10
    path_length: int = 9

    def validate(self) -> None:
        super().validate()
        if self.path_length < 1:
            raise CBenchError(f"path_length must be at least 1, got {self.path_length}")
        if self.path_length + 1 > self.vertices:
            raise CBenchError(f"path_length={self.path_length} needs {self.path_length + 1} vertices, have {self.vertices}")


class LineTask(Task):
    name = "line"
    version = 1
    description = "Write the shuffled edges of a directed path (exploratory)."
    params_class = LineParams
    presets = {
        "smoke": {"vertices": 5, "path_length": 4, "train_size": 50, "eval_size": 32},
        "cpu": {"vertices": 6, "path_length": 5, "train_size": 3000, "eval_size": 256},
        "paper": {"vertices": 10, "path_length": 9, "train_size": 10000, "eval_size": 1024},
    }
    params: LineParams

    def build_structure(self, key: int) -> dict[str, Any]:
        return {}

    def build_train(self, structure: dict[str, Any], key: int) -> list[tuple[str, str]]:
        p = self.params
        return [(PROMPT, a) for a in shuffled_walks(key, p.train_size, p.vertices, p.path_length, closed=False)]

    def checker(self, structure: dict[str, Any]) -> Checker:
        return WalkChecker(self.params.vertices, self.params.path_length, closed=False)

    def entity_tokens(self) -> list[str]:
        return [PROMPT, SEPARATOR] + vertex_tokens(self.params.vertices)

    def coherent_count(self, instance: Instance) -> int:
        return math.factorial(self.params.path_length)


register_task(LineTask)
