"""Circle construction: write the edges of a cycle in any order (exploratory creativity).

A sample picks an ordered subset of k of the E vertices, writes the k directed edges of
that cycle, shuffles them and joins them with ``|``. Two samples that differ only in vertex
names are the same creative object, so the canonical form renames vertices by order of first
appearance; with k=9 there are 8! = 40,320 forms.
"""

from __future__ import annotations

from dataclasses import dataclass

from creativity_bench.errors import CBenchError
from creativity_bench.tasks.base import TaskParams, register_task
from creativity_bench.tasks.edges import WalkTask


@dataclass(frozen=True)
class CircleParams(TaskParams):
    """Vertex-set size and cycle length."""

    vertices: int = 10
    cycle_length: int = 9

    def validate(self) -> None:
        super().validate()
        if self.cycle_length < 2:
            raise CBenchError(f"cycle_length must be at least 2, got {self.cycle_length}")
        if self.cycle_length > self.vertices:
            raise CBenchError(f"cycle_length={self.cycle_length} is longer than the {self.vertices} vertices")


class CircleTask(WalkTask):
    name = "circle"
    version = 1
    description = "Write the shuffled edges of a directed cycle (exploratory)."
    params_class = CircleParams
    presets = {
        "smoke": {"vertices": 5, "cycle_length": 4, "train_size": 50, "eval_size": 32},
        "cpu": {"vertices": 10, "cycle_length": 9, "train_size": 10000, "eval_size": 1024},
        "paper": {"vertices": 10, "cycle_length": 9, "train_size": 10000, "eval_size": 1024},
    }
    closed = True
    length_param = "cycle_length"
    params: CircleParams


register_task(CircleTask)
