"""Shared pieces of the edge-list tasks (triangle, circle, line): vertex tokens, parsing, canonical forms."""

from __future__ import annotations

from creativity_bench.tasks.base import SEPARATOR, Checker, Verdict


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


def relabel(edges: list[tuple[int, int]]) -> str:
    """Canonical form: vertices renamed by order of first appearance, edge order kept."""
    first_seen = dict.fromkeys(v for e in edges for v in e)
    name = {v: str(i) for i, v in enumerate(first_seen)}
    return " | ".join(name[a] + " " + name[b] for a, b in edges)


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

    The compat view (the study's released code) does not check the number of edges.
    """

    def __init__(self, vertices: int, k: int, closed: bool) -> None:
        self.index = {t: i for i, t in enumerate(vertex_tokens(vertices))}
        self.k = k
        self.shape_ok = is_single_cycle if closed else is_single_path
        self.shape_reason = "not_a_cycle" if closed else "not_a_path"

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

    def compat_valid(self, answer: str) -> bool:
        edges, _ = parse_edges(answer, self.index)
        return edges is not None and not degree_problem(edges) and self.shape_ok(edges)
