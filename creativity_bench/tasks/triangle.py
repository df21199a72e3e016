"""Triangle discovery: name a triangle of a graph known only from its edges (combinational).

Training mixes triangle samples (``tri:``, ``Va Vb | Vb Vc | Vc Va``, seeded) with edge facts
(``edge:``, ``Va Vb | Vb Va``, unseeded) that teach the graph. Only triangle samples count
as training triangles for memorization.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from creativity_bench.errors import CBenchError
from creativity_bench.seeding import Stream, below, words
from creativity_bench.tasks.base import SEPARATOR, Checker, Instance, Sample, Task, TaskParams, Verdict, register_task
from creativity_bench.tasks.edges import (
    RELEASED_SEP,
    format_edges,
    parse_edges,
    released_pairs,
    released_text,
    vertex_tokens,
)
from creativity_bench.tasks.footprint import Footprint

TRI = "tri:"
EDGE = "edge:"


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
    """The study's released construction (SPEC 3.2), step by step.

    1. For each vertex v in order: the pool is every u != v, not adjacent to v, with
       deg(u) <= alpha*D (taken once, before v's draws); join v to max(0, D - deg(v)) of them
       drawn without replacement (all of the pool if it is smaller).
    2. One counter per vertex. For each vertex u in order, while counter[u] < T: draw two
       distinct neighbours v, w of u, add edge v-w if it is missing, and add 1 to the counters
       of u, v and w whether or not the edge was new. The counter counts draws, not triangles,
       which is what keeps the graph sparse in triangles.
    """
    n, d, t = params.vertices, params.degree, params.triangles_per_vertex
    adj: list[set[int]] = [set() for _ in range(n)]
    degree = np.zeros(n, dtype=np.int64)
    cap = params.alpha * d
    for v in range(n):
        need = d - len(adj[v])
        if need <= 0:
            continue
        allowed = degree <= cap
        allowed[v] = False
        if adj[v]:
            allowed[list(adj[v])] = False
        pool = np.flatnonzero(allowed).tolist()
        for u in draw_without_replacement(stream, pool, need):
            adj[v].add(u)
            adj[u].add(v)
            degree[u] += 1
        degree[v] = len(adj[v])
    counter = [0] * n
    for u in range(n):
        while counter[u] < t:
            nbrs = sorted(adj[u])
            if len(nbrs) < 2:
                break
            v, w = draw_without_replacement(stream, nbrs, 2)
            adj[v].add(w)
            adj[w].add(v)
            counter[u] += 1
            counter[v] += 1
            counter[w] += 1
    return adj


def draw_without_replacement(stream: Stream, items: list[int], k: int) -> list[int]:
    """``min(k, len(items))`` distinct items in random order (a partial Fisher-Yates shuffle)."""
    items = list(items)
    k = min(k, len(items))
    for i in range(k):
        j = i + stream.below(len(items) - i)
        items[i], items[j] = items[j], items[i]
    return items[:k]


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


def _closes_triangle(adj: list[list[int]], u: int) -> bool:
    nbrs = set(adj[u])
    return any(nbrs.intersection(adj[v]) for v in adj[u])


def _draw_triangle(adj: list[list[int]], stream: Stream) -> tuple[int, int, int]:
    """A vertex u, then an ordered pair (v, w) of distinct neighbours, until v-w is an edge."""
    n = len(adj)
    while True:
        u = stream.below(n)
        nbrs = adj[u]
        if len(nbrs) < 2:
            continue
        i = stream.below(len(nbrs))
        j = stream.below(len(nbrs) - 1)
        v, w = nbrs[i], nbrs[j + (j >= i)]
        if w in adj[v]:
            return u, v, w


def _draw_edge(adj: list[list[int]], stream: Stream) -> tuple[int, int]:
    """A vertex u with at least one neighbour, then one of its neighbours."""
    n = len(adj)
    while True:
        u = stream.below(n)
        if adj[u]:
            return u, stream.choice(adj[u])


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
        self.vocabulary = {TRI, EDGE, SEPARATOR, *self.names}
        self.released_index = {f"<a_{i}>": i for i in range(n)}

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

    def _released_chunks(self, answer: str) -> list[str] | None:
        tokens = answer.split() if isinstance(answer, str) else [""]
        if any(t not in self.vocabulary for t in tokens):
            return None
        return released_text(tokens).split(RELEASED_SEP)

    def compat_valid(self, answer: str) -> bool:
        """The released rule, read literally: exactly three chunks; a is the first vertex of
        edge 1, b and c the two vertices of edge 2; valid if b-a, c-b and a-c are graph edges.
        The second vertex of edge 1 and the whole third edge are never read."""
        chunks = self._released_chunks(answer)
        if chunks is None or len(chunks) != 3:
            return False
        first, second = released_pairs(chunks[0]), released_pairs(chunks[1])
        if first is None or second is None:
            return False
        a, b, c = (self.released_index.get(x) for x in (first[0], *second))
        if a is None or b is None or c is None:
            return False
        return b in self.adj[a] and c in self.adj[b] and a in self.adj[c]

    def compat_canonical(self, answer: str) -> str | None:
        """The released canonical form: the sorted first vertices of the first three chunks
        (a chunk without a vertex, or fewer than three chunks, gives none)."""
        chunks = self._released_chunks(answer)
        if chunks is None or len(chunks) < 3:
            return None
        firsts = []
        for chunk in chunks[:3]:
            at = chunk.find("<a_")
            if at < 0:
                return None
            firsts.append(int(chunk[at + 3 : chunk.index(">", at)]))
        return " ".join(self.names[v] for v in sorted(firsts))


class TriangleTask(Task):
    name = "triangle"
    version = 2  # 2: the released graph construction and training sampler (CHANGELOG.md)
    description = "Name a triangle of a graph seen only as edge facts (combinational)."
    params_class = TriangleParams
    presets = {
        "smoke": {"vertices": 30, "triangles_per_vertex": 2, "train_size": 200, "eval_size": 32},
        "cpu": {"vertices": 500, "train_size": 5000, "eval_size": 1024, "triangle_fraction": 0.05},
        "paper": {"vertices": 999, "train_size": 15000, "eval_size": 1024},
    }
    eval_marker = TRI
    params: TriangleParams

    def tokens_per_sample(self) -> int:
        return 9

    def footprint(self) -> Footprint:
        # build_graph lists each vertex's candidate pool (every other vertex): vertices^2 steps;
        # the graph's adjacency sets and edge names take a few hundred bytes per edge.
        n, p = self.params.vertices, self.params
        edges = n * (p.degree + p.triangles_per_vertex)
        return super().footprint() + Footprint(16 * n + 300 * edges, n * n + edges)

    def build_structure(self, key: int) -> dict[str, Any]:
        adj = build_graph(self.params, Stream(key))
        return {"edges": [[f"V{u}", f"V{v}"] for u, v in edges_of(adj)]}

    def build_train(self, structure: dict[str, Any], key: int) -> list[tuple[str, str]]:
        """The released sampler: a triangle sample picks a vertex u and an ordered pair of its
        neighbours (v, w) until v-w is an edge, and writes ``u v | v w | w u``; an edge fact
        picks a vertex u and one of its neighbours v and writes ``u v | v u``.

        Drawing a vertex first (not a triangle or an edge uniformly) weights triangles and edges
        at low-degree vertices up, as the study's data does. Sample i uses its own random
        stream, so it depends only on (key, i). Where the released code skipped a sample (a vertex
        with too few neighbours), this one draws another vertex, so there are always train_size.
        """
        n = self.params.vertices
        adj = [sorted(a) for a in _adjacency(structure, n)]
        if not any(_closes_triangle(adj, u) for u in range(n)):
            raise CBenchError("the graph has no triangles; raise triangles_per_vertex or degree")
        m = self.params.train_size
        w = words(key, m, 2)
        # A sample is a triangle with probability triangle_fraction (resolution 1e-6).
        is_tri = below(w[:, 0], 1_000_000) < round(self.params.triangle_fraction * 1_000_000)
        out = []
        for i in range(m):
            stream = Stream(int(w[i, 1]))
            if is_tri[i]:
                a, b, c = _draw_triangle(adj, stream)
                out.append((TRI, format_edges([(f"V{a}", f"V{b}"), (f"V{b}", f"V{c}"), (f"V{c}", f"V{a}")])))
            else:
                u, v = _draw_edge(adj, stream)
                out.append((EDGE, f"V{u} V{v} {SEPARATOR} V{v} V{u}"))
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
