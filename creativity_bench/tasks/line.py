"""Line construction: write the edges of a path in any order (exploratory creativity).

As circle construction, but a directed path of k edges through k+1 distinct vertices. The
canonical form renames vertices by first appearance; with k=9 there are 9! = 362,880 forms.
"""

from __future__ import annotations

from dataclasses import dataclass

from creativity_bench.errors import CBenchError
from creativity_bench.tasks.base import TaskParams, register_task
from creativity_bench.tasks.edges import WalkTask


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


class LineTask(WalkTask):
    name = "line"
    version = 1
    description = "Write the shuffled edges of a directed path (exploratory)."
    params_class = LineParams
    presets = {
        "smoke": {"vertices": 5, "path_length": 4, "train_size": 50, "eval_size": 32},
        "cpu": {"vertices": 10, "path_length": 9, "train_size": 10000, "eval_size": 1024},
        "paper": {"vertices": 10, "path_length": 9, "train_size": 10000, "eval_size": 1024},
    }
    closed = False
    length_param = "path_length"
    params: LineParams


register_task(LineTask)
