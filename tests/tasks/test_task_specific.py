"""Task-specific checks against networkx ground truth and the SPEC's counts."""

from __future__ import annotations

import math
import random

import networkx as nx
import pytest

from creativity_bench.tasks import make_task
from creativity_bench.tasks.edges import shuffled_walks


@pytest.fixture(scope="module")
def paper_triangle():
    return make_task("triangle", "paper").generate(0)


def graph_of(inst):
    g = nx.Graph()
    g.add_nodes_from(f"V{i}" for i in range(inst.task.params.vertices))
    g.add_edges_from(map(tuple, inst.structure["edges"]))
    return g


def test_triangle_construction_matches_spec(paper_triangle):
    inst, p = paper_triangle, paper_triangle.task.params
    g = graph_of(inst)
    degrees = [d for _, d in g.degree()]
    assert min(degrees) >= p.degree
    tri_per_vertex = nx.triangles(g)
    # Closing stops early only where a vertex's neighbourhood became a clique (e.g. a K4), so
    # nearly every vertex lies on at least T triangles and every vertex on at least one.
    short = [v for v, t in tri_per_vertex.items() if t < p.triangles_per_vertex]
    assert len(short) < 0.1 * len(tri_per_vertex)
    assert min(tri_per_vertex.values()) >= 1
    stats = inst.stats()
    assert stats["triangles"] == sum(tri_per_vertex.values()) // 3
    assert stats["edges"] == g.number_of_edges()
    # The study's graph: ~3,730 edges, mean degree ~7.5 (REFERENCE.md).
    assert 3300 < g.number_of_edges() < 4200
    assert 6.5 < stats["mean_degree"] < 8.5
    assert stats["novel_triangles"] > 100


def test_triangle_training_samples_are_graph_triangles(paper_triangle):
    g = graph_of(paper_triangle)
    tri = [s for s in paper_triangle.train if s.prompt == "tri:"]
    edge = [s for s in paper_triangle.train if s.prompt == "edge:"]
    assert 0.28 < len(tri) / len(paper_triangle.train) < 0.39
    for s in edge:
        (a, b), (c, d) = [e.split() for e in s.answer.split(" | ")]
        assert (a, b) == (d, c) and g.has_edge(a, b) and s.seed == ""
    for s in tri[:500]:
        verts = {v for v in s.answer.split() if v != "|"}
        assert len(verts) == 3 and all(g.has_edge(a, b) for a in verts for b in verts if a != b)


def test_triangle_canonical_is_vertex_set(paper_triangle):
    check = paper_triangle.checker.check
    s = next(s for s in paper_triangle.train if s.prompt == "tri:")
    a, b, c = s.answer.split()[0], s.answer.split()[1], s.answer.split()[4]
    rotated = f"{b} {c} | {c} {a} | {a} {b}"
    reflected = f"{a} {c} | {c} {b} | {b} {a}"
    assert check(rotated).canonical == check(reflected).canonical == check(s.answer).canonical


@pytest.mark.parametrize("name,closed", [("circle", True), ("line", False)])
def test_renaming_vertices_keeps_canonical_form(name, closed):
    inst = make_task(name, "paper").generate(0)
    rng = random.Random(0)
    for s in inst.train[:200]:
        perm = list(range(10))
        rng.shuffle(perm)
        renamed = " ".join(f"V{perm[int(t[1:])]}" if t != "|" else t for t in s.answer.split())
        a, b = inst.checker.check(s.answer), inst.checker.check(renamed)
        assert a.valid and b.valid and a.canonical == b.canonical


@pytest.mark.parametrize("name,closed,k,forms", [("circle", True, 4, math.factorial(3)), ("line", False, 3, math.factorial(3))])
def test_number_of_canonical_forms(name, closed, k, forms):
    # Enumerate canonical forms empirically on a tiny instance: it must equal (k-1)! / k!.
    key = "cycle_length" if closed else "path_length"
    inst = make_task(name, "smoke", **{key: k}).generate(0)
    answers = shuffled_walks(7, 4000, inst.task.params.vertices, k, closed)
    found = {inst.checker.check(a).canonical for a in answers}
    assert len(found) == forms == inst.stats()["coherent_canonical_forms"]


def test_paper_coverage_matches_reference():
    # REFERENCE.md: circle training covers ~22% of 40,320 forms, line ~2.7% of 362,880.
    circle = make_task("circle", "paper").generate(0).stats()
    line = make_task("line", "paper").generate(0).stats()
    assert circle["coherent_canonical_forms"] == 40320 and 0.2 < circle["train_coverage"] < 0.24
    assert line["coherent_canonical_forms"] == 362880 and 0.025 < line["train_coverage"] < 0.029


def test_sibling_structure_partitions_children():
    inst = make_task("sibling", "cpu").generate(0)
    parents = inst.structure["parents"]
    p, n = inst.task.params.parents, inst.task.params.children
    firsts = [b for pools in parents.values() for b in pools["first"]]
    seconds = [c for pools in parents.values() for c in pools["second"]]
    assert sorted(firsts) == sorted(f"B{i}" for i in range(p * n))
    assert sorted(seconds) == sorted(f"C{i}" for i in range(p * n))
    answers = [s.answer for s in inst.train]
    assert len(set(answers)) == len(answers)  # drawn without replacement
