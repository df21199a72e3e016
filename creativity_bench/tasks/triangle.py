"""Triangle discovery: name a triangle of a graph known only from its edges (combinational).

Training mixes triangle samples (``tri:``, ``Va Vb | Vb Vc | Vc Va``, seeded) with edge facts
(``edge:``, ``Va Vb | Vb Va``, unseeded) that teach the graph. Only triangle samples count
as training triangles for memorization.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from creativity_bench.errors import CBenchError
from creativity_bench.seeding import Stream, below, words
from creativity_bench.tasks.base import SEPARATOR, Checker, Instance, Sample, Task, TaskParams, Verdict, register_task
from creativity_bench.tasks.edges import format_edges, parse_edges, vertex_tokens

TRI = "tri:"
EDGE = "edge:"
# Rotations and reflections of a triangle's vertex order, for training samples.
ORIENTATIONS = ((0, 1, 2), (1, 2, 0), (2, 0, 1), (0, 2, 1), (2, 1, 0), (1, 0, 2))


@dataclass(frozen=True)
class TriangleParams(TaskParams):
    """Graph construction (SPEC 3.2) and the training mix."""

    vertices: int = 999
    degree: int = 3
    alpha: float = 1.2
    triangles_per_vertex: int = 6
    triangle_fraction: float = 1 / 3

    def validate(self) -> None:
        super().validate()
        if self.vertices < 3:
            raise CBenchError("vertices must be at least 3")
        if not 1 <= self.degree < self.vertices:
            raise CBenchError(f"degree must be between 1 and vertices-1, got {self.degree}")
        if not self.alpha >= 1:  # also refuses nan
            raise CBenchError(f"alpha must be at least 1, got {self.alpha}")
        if not 0 < self.triangle_fraction <= 1:
            raise CBenchError(f"triangle_fraction must be in (0, 1], got {self.triangle_fraction}")


def build_graph(params: TriangleParams, stream: Stream) -> list[set[int]]:
    """The SPEC construction: a random graph of minimum degree D, then close triangles until
    every vertex lies on at least T of them (as far as its neighbourhood allows)."""
    n, d = params.vertices, params.degree
    cap = params.alpha * d
    adj: list[set[int]] = [set() for _ in range(n)]
    for u in range(n):
        while len(adj[u]) < d:
            v = -1
            for _ in range(64):  # rejection first; the exact candidate list only if unlucky
                c = stream.below(n)
                if c != u and c not in adj[u] and len(adj[c]) <= cap:
                    v = c
                    break
            if v < 0:
                candidates = [c for c in range(n) if c != u and c not in adj[u] and len(adj[c]) <= cap]
                if not candidates:
                    break
                v = stream.choice(candidates)
            adj[u].add(v)
            adj[v].add(u)
    for u in range(n):
        # u "takes part" in every triangle through it, including ones closed incidentally.
        while _triangles_at(adj, u) < params.triangles_per_vertex:
            nbrs = sorted(adj[u])
            pair = None
            for _ in range(32):  # rejection first; the exact list of open pairs only if unlucky
                v, w = stream.choice(nbrs), stream.choice(nbrs)
                if v != w and w not in adj[v]:
                    pair = (v, w)
                    break
            if pair is None:
                open_pairs = [(v, w) for i, v in enumerate(nbrs) for w in nbrs[i + 1 :] if w not in adj[v]]
                if not open_pairs:
                    break  # u's neighbourhood is already a clique
                pair = stream.choice(open_pairs)
            v, w = pair
            adj[v].add(w)
            adj[w].add(v)
    return adj


def _triangles_at(adj: list[set[int]], u: int) -> int:
    nbrs = adj[u]
    return sum(len(adj[v] & nbrs) for v in nbrs) // 2


def edges_of(adj: list[set[int]]) -> list[tuple[int, int]]:
    """Undirected edges (u < v), sorted."""
    return [(u, v) for u in range(len(adj)) for v in sorted(adj[u]) if u < v]


def triangles_of(adj: list[set[int]]) -> list[tuple[int, int, int]]:
    """All triangles (a < b < c), sorted."""
    out = []
    for a in range(len(adj)):
        for b in sorted(x for x in adj[a] if x > a):
            for c in sorted(x for x in adj[a] & adj[b] if x > b):
                out.append((a, b, c))
    return out


def _adjacency(structure: dict[str, Any], n: int) -> list[set[int]]:
    adj: list[set[int]] = [set() for _ in range(n)]
    for a, b in structure["edges"]:
        u, v = int(a[1:]), int(b[1:])
        adj[u].add(v)
        adj[v].add(u)
    return adj


class TriangleChecker(Checker):
    def __init__(self, structure: dict[str, Any], n: int) -> None:
        self.names = vertex_tokens(n)
        self.index = {t: i for i, t in enumerate(self.names)}
        self.adj = _adjacency(structure, n)

    def check(self, answer: str) -> Verdict:
        edges, reason = parse_edges(answer, self.index)
        if edges is None:
            return Verdict(False, reason, None)
        if len(edges) != 3:
            return Verdict(False, "wrong_length", None)
        (a, b), (b2, c), (c2, a2) = edges
        canonical = " ".join(self.names[v] for v in sorted({a, b, c}))
        if b != b2 or c != c2 or a != a2:
            return Verdict(False, "not_a_chain", None)
        if len({a, b, c}) != 3:
            return Verdict(False, "repeated_vertex", None)
        if b not in self.adj[a] or c not in self.adj[b] or a not in self.adj[c]:
            return Verdict(False, "edge_missing", canonical)
        return Verdict(True, "ok", canonical)

    def compat_valid(self, answer: str) -> bool:
        # Lenient (undirected) rule: three graph edges covering three distinct vertices pairwise.
        edges, _ = parse_edges(answer, self.index)
        if edges is None or len(edges) != 3:
            return False
        pairs = {frozenset(e) for e in edges}
        verts = {v for e in edges for v in e}
        return len(verts) == 3 and len(pairs) == 3 and all(len(p) == 2 and max(p) in self.adj[min(p)] for p in pairs)


class TriangleTask(Task):
    name = "triangle"
    version = 1
    description = "Name a triangle of a graph seen only as edge facts (combinational)."
    params_class = TriangleParams
    presets = {
        "smoke": {"vertices": 30, "triangles_per_vertex": 2, "train_size": 200, "eval_size": 32},
        "cpu": {"vertices": 120, "triangles_per_vertex": 4, "train_size": 2000, "eval_size": 256, "triangle_fraction": 0.15},
        "paper": {"vertices": 999, "train_size": 15000, "eval_size": 1024},
    }
    eval_marker = TRI
    params: TriangleParams

    def build_structure(self, key: int) -> dict[str, Any]:
        adj = build_graph(self.params, Stream(key))
        return {"edges": [[f"V{u}", f"V{v}"] for u, v in edges_of(adj)]}

    def build_train(self, structure: dict[str, Any], key: int) -> list[tuple[str, str]]:
        adj = _adjacency(structure, self.params.vertices)
        edges, tris = edges_of(adj), triangles_of(adj)
        if not tris:
            raise CBenchError("the graph has no triangles; raise triangles_per_vertex or degree")
        m = self.params.train_size
        w = words(key, m, 3)
        # A sample is a triangle with probability triangle_fraction (resolution 1e-6).
        is_tri = below(w[:, 0], 1_000_000) < round(self.params.triangle_fraction * 1_000_000)
        pick_tri, pick_edge, turn = below(w[:, 1], len(tris)), below(w[:, 1], len(edges)), below(w[:, 2], 6)
        out = []
        for i in range(m):
            if is_tri[i]:
                t = tris[pick_tri[i]]
                a, b, c = (f"V{t[j]}" for j in ORIENTATIONS[turn[i]])
                out.append((TRI, format_edges([(a, b), (b, c), (c, a)])))
            else:
                u, v = edges[pick_edge[i]]
                a, b = (f"V{u}", f"V{v}") if turn[i] % 2 == 0 else (f"V{v}", f"V{u}")
                out.append((EDGE, f"{a} {b} {SEPARATOR} {b} {a}"))
        return out

    def checker(self, structure: dict[str, Any]) -> Checker:
        return TriangleChecker(structure, self.params.vertices)

    def entity_tokens(self) -> list[str]:
        return [TRI, EDGE, SEPARATOR] + vertex_tokens(self.params.vertices)

    def is_seeded(self, prompt: str) -> bool:
        return prompt == TRI

    def is_memorizable(self, sample: Sample) -> bool:
        return sample.prompt == TRI

    def coherent_count(self, instance: Instance) -> int:
        return len(triangles_of(_adjacency(instance.structure, self.params.vertices)))

    def extra_stats(self, instance: Instance) -> dict[str, Any]:
        adj = _adjacency(instance.structure, self.params.vertices)
        tris = triangles_of(adj)
        return {
            "edges": sum(len(a) for a in adj) // 2,
            "mean_degree": round(sum(len(a) for a in adj) / len(adj), 3),
            "triangles": len(tris),
            "novel_triangles": len(tris) - len(instance.train_canonical),
            "triangle_samples": sum(1 for s in instance.train if s.prompt == TRI),
            "edge_facts": sum(1 for s in instance.train if s.prompt == EDGE),
        }


register_task(TriangleTask)
