"""Shared pieces of the edge-list tasks (triangle, circle, line): vertex tokens, parsing, canonical forms."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Hashable
from typing import Any, ClassVar

from creativity_bench.tasks.base import PROMPT, SEPARATOR, Checker, Instance, Task, Verdict
from creativity_bench.tasks.footprint import Footprint

# The study's released evaluator reads an answer as a string in its own format: vertex i is
# ``<a_i>``, the separator ``<sep>``. The compat view writes an answer so and applies the
# released rules to that string, quirks included (SPEC 4); marker tokens such as ``edge:``
# are plain text there, as in the study's data.
RELEASED_SEP = "<sep>"


def vertex_tokens(n: int) -> list[str]:
    """``V0 .. V{n-1}``."""
    return [f"V{i}" for i in range(n)]


def format_edges(edges: list[tuple[str, str]]) -> str:
    """``Va Vb | Vc Vd | ...``."""
    return f" {SEPARATOR} ".join(f"{a} {b}" for a, b in edges)


def parse_edges(answer: str, index: dict[str, int]) -> tuple[list[tuple[int, int]] | None, str]:
    """Parse ``Va Vb | Vc Vd | ...`` into index pairs, or (None, reason code).

    Reasons: ``empty``, ``bad_token`` (a token outside the vocabulary), ``bad_format``
    (an edge that is not exactly two vertices between separators).
    """
    if not isinstance(answer, str):
        return None, "bad_format"
    tokens = answer.split()
    if not tokens:
        return None, "empty"
    # Fast path: well-formed answers alternate "a b |", so separators sit at 2, 5, 8, ...
    n = len(tokens)
    if n % 3 == 2 and tokens[2::3].count(SEPARATOR) == n // 3:
        try:
            return list(zip([index[t] for t in tokens[0::3]], [index[t] for t in tokens[1::3]])), "ok"
        except KeyError:
            pass
    if any(t != SEPARATOR and t not in index for t in tokens):
        return None, "bad_token"
    return None, "bad_format"


def relabel(edges: list[tuple[Hashable, Hashable]]) -> str:
    """Canonical form: vertices renamed by order of first appearance, edge order kept."""
    first_seen = dict.fromkeys(v for e in edges for v in e)
    name = {v: str(i) for i, v in enumerate(first_seen)}
    return " | ".join(name[a] + " " + name[b] for a, b in edges)


def released_text(tokens: list[str]) -> str:
    """The answer's tokens in the released format (``V3 V7 | ...`` becomes ``<a_3><a_7><sep>...``)."""
    return "".join(RELEASED_SEP if t == SEPARATOR else f"<a_{t[1:]}>" if t[:1] == "V" else t for t in tokens)


def _bracketed(node: str) -> str:
    # The released parser splits "<a_1><a_2>" at "><" and puts the lost brackets back.
    return ("" if node.startswith("<") else "<") + node + ("" if node.endswith(">") else ">")


def released_pairs(chunk: str) -> tuple[str, str] | None:
    """One released-format edge, split at ``><`` into exactly two nodes, or None."""
    parts = chunk.split("><")
    return (_bracketed(parts[0]), _bracketed(parts[1])) if len(parts) == 2 else None


def released_edges(text: str) -> list[tuple[str, str]] | None:
    """Every ``<sep>``-separated chunk as a two-node edge, or None if any chunk is not one."""
    edges = [released_pairs(chunk) for chunk in text.split(RELEASED_SEP)]
    return None if any(e is None for e in edges) else edges  # type: ignore[return-value]


def _connected(edges: list[tuple[str, str]]) -> bool:
    """Whether the edges, taken as undirected, form one connected piece."""
    nbrs: dict[str, set[str]] = {}
    for a, b in edges:
        nbrs.setdefault(a, set()).add(b)
        nbrs.setdefault(b, set()).add(a)
    start = next(iter(nbrs))
    todo, seen = [start], {start}
    while todo:
        for w in nbrs[todo.pop()] - seen:
            seen.add(w)
            todo.append(w)
    return len(seen) == len(nbrs)


def released_cycle(edges: list[tuple[str, str]]) -> bool:
    """The released circle rule: every node appears exactly twice and the edges, undirected,
    are connected. No length and no direction is checked (``V1 V2 | V1 V2`` passes)."""
    counts = Counter(v for e in edges for v in e)
    return bool(edges) and all(c == 2 for c in counts.values()) and _connected(edges)


def released_path(edges: list[tuple[str, str]]) -> bool:
    """The released line rule: exactly two nodes appear once, the rest twice, and the edges,
    undirected, are connected. No length and no direction is checked."""
    counts = Counter(v for e in edges for v in e).values()
    return bool(edges) and sum(c == 1 for c in counts) == 2 and all(c in (1, 2) for c in counts) and _connected(edges)


def degree_problem(edges: list[tuple[int, int]]) -> bool:
    """True if some vertex is a source twice or a target twice."""
    sources = [a for a, _ in edges]
    targets = [b for _, b in edges]
    return len(set(sources)) != len(sources) or len(set(targets)) != len(targets)


def is_single_cycle(edges: list[tuple[int, int]]) -> bool:
    """Whether the edges (each vertex at most once as source/target) form one directed cycle."""
    succ = dict(edges)
    if set(succ) != set(succ.values()):
        return False
    start = edges[0][0]
    v, steps = succ[start], 1
    while v != start:
        v = succ[v]
        steps += 1
    return steps == len(edges)


def is_single_path(edges: list[tuple[int, int]]) -> bool:
    """Whether the edges (each vertex at most once as source/target) form one directed path."""
    succ = dict(edges)
    starts = set(succ) - set(succ.values())
    if len(starts) != 1:
        return False
    v, steps = starts.pop(), 0
    while v in succ:
        v = succ[v]
        steps += 1
        if steps > len(edges):
            return False
    return steps == len(edges)


def shuffled_walks(key: int, m: int, vertices: int, edges: int, closed: bool) -> list[str]:
    """``m`` answers, each a random cycle (closed) or path of ``edges`` edges, edges shuffled.

    A cycle visits ``edges`` distinct vertices, a path ``edges + 1``; vertex order and edge
    order come from independent random words, so sample i depends only on (key, i).
    """
    import numpy as np

    from creativity_bench.seeding import derive_key, words

    span = edges if closed else edges + 1
    order = np.argsort(words(derive_key(key, "vertices"), m, vertices), axis=1, kind="stable")[:, :span]
    src = order[:, :edges]
    dst = np.roll(order, -1, axis=1)[:, :edges] if closed else order[:, 1 : edges + 1]
    shuffle = np.argsort(words(derive_key(key, "edges"), m, edges), axis=1, kind="stable")
    src = np.take_along_axis(src, shuffle, axis=1)
    dst = np.take_along_axis(dst, shuffle, axis=1)
    names = vertex_tokens(vertices)
    out = []
    for s_row, d_row in zip(src.tolist(), dst.tolist()):
        out.append(f" {SEPARATOR} ".join(f"{names[a]} {names[b]}" for a, b in zip(s_row, d_row)))
    return out


class WalkChecker(Checker):
    """Checks a shuffled cycle (closed) or path of exactly ``k`` edges; canonical by relabelling.

    The compat view (the study's released evaluator) checks neither the number of edges nor
    their direction, and relabels whatever two-node chunks the answer has.
    """

    def __init__(self, vertices: int, k: int, closed: bool) -> None:
        self.index = {t: i for i, t in enumerate(vertex_tokens(vertices))}
        self.k = k
        self.shape_ok = is_single_cycle if closed else is_single_path
        self.shape_reason = "not_a_cycle" if closed else "not_a_path"
        self.released_shape = released_cycle if closed else released_path

    def check(self, answer: str) -> Verdict:
        edges, reason = parse_edges(answer, self.index)
        if edges is None:
            return Verdict(False, reason, None)
        canonical = relabel(edges)
        if len(edges) != self.k:
            return Verdict(False, "wrong_length", canonical)
        if degree_problem(edges):
            return Verdict(False, "repeated_vertex", canonical)
        if not self.shape_ok(edges):
            return Verdict(False, self.shape_reason, canonical)
        return Verdict(True, "ok", canonical)

    def _released(self, answer: str) -> list[tuple[str, str]] | None:
        tokens = answer.split() if isinstance(answer, str) else [""]
        if any(t != SEPARATOR and t not in self.index for t in tokens):
            return None
        return released_edges(released_text(tokens))

    def compat_valid(self, answer: str) -> bool:
        edges = self._released(answer)
        return edges is not None and self.released_shape(edges)

    def compat_canonical(self, answer: str) -> str | None:
        edges = self._released(answer)
        return None if edges is None else relabel(edges)


class WalkTask(Task):
    """Circle and line construction: shuffled edges of a random cycle (closed) or path, no latent
    structure. A subclass names its length parameter and whether the walk is closed."""

    closed: ClassVar[bool]
    length_param: ClassVar[str]  # the params field holding the number of edges

    @property
    def walk_edges(self) -> int:
        return getattr(self.params, self.length_param)

    def build_structure(self, key: int) -> dict[str, Any]:
        return {}

    def tokens_per_sample(self) -> int:
        return 3 * self.walk_edges + 1

    def footprint(self) -> Footprint:
        # shuffled_walks draws one random word per (sample, vertex) and argsorts each row: about
        # six 8-byte arrays of train_size x vertices at its peak (numpy: ~10 elements a step).
        cells = self.params.train_size * self.params.vertices
        return super().footprint() + Footprint(48 * cells + 100 * self.params.vertices, cells // 10 + self.params.vertices)

    def build_train(self, structure: dict[str, Any], key: int) -> list[tuple[str, str]]:
        answers = shuffled_walks(key, self.params.train_size, self.params.vertices, self.walk_edges, closed=self.closed)
        return [(PROMPT, a) for a in answers]

    def checker(self, structure: dict[str, Any]) -> Checker:
        return WalkChecker(self.params.vertices, self.walk_edges, closed=self.closed)

    def entity_tokens(self) -> list[str]:
        return [PROMPT, SEPARATOR] + vertex_tokens(self.params.vertices)

    def coherent_count(self, instance: Instance) -> int:
        # Relabelled by first appearance, a form is a vertex order up to renaming, in an edge
        # order: k! edge orders of a path; a cycle's k rotations give the same edge set, so (k-1)!.
        return math.factorial(self.walk_edges - 1 if self.closed else self.walk_edges)
