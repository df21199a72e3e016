"""latent_graph: an instance's hidden graph as networkx, checked against the training samples."""

from __future__ import annotations

import networkx as nx
import pytest

from creativity_bench.errors import CBenchError
from creativity_bench.graphs import latent_graph
from creativity_bench.tasks import make_task


@pytest.mark.parametrize("preset", ["smoke", "cpu"])
def test_triangle_graph_holds_every_training_triangle_and_edge(preset):
    inst = make_task("triangle", preset).generate(0)
    g = latent_graph(inst)
    assert g.number_of_nodes() == inst.task.params.vertices and g.number_of_edges() == inst.stats()["edges"]
    assert sum(nx.triangles(g).values()) // 3 == inst.stats()["coherent_canonical_forms"]
    for s in inst.train:
        pairs = [e.split() for e in s.answer.split(" | ")]
        assert all(g.has_edge(a, b) for a, b in pairs)


@pytest.mark.parametrize("preset", ["smoke", "cpu"])
def test_sibling_graph_is_the_parent_child_bipartite_graph(preset):
    inst = make_task("sibling", preset).generate(0)
    g = latent_graph(inst)
    p, n = inst.task.params.parents, inst.task.params.children
    kinds = nx.get_node_attributes(g, "kind")
    assert sorted(kinds.values()).count("parent") == p and g.number_of_nodes() == p + 2 * p * n
    assert nx.is_bipartite(g) and all(g.degree(v) == 1 for v, k in kinds.items() if k != "parent")
    # A coherent triple names two children of one parent: a path of length 2 through it.
    for s in inst.train:
        b, c, a = s.answer.split()
        assert kinds[a] == "parent" and g.has_edge(a, b) and g.has_edge(a, c)
        assert (kinds[b], kinds[c]) == ("first", "second")


@pytest.mark.parametrize("name", ["circle", "line"])
def test_tasks_without_a_latent_graph_say_so(name):
    with pytest.raises(CBenchError, match=f"{name} has no latent graph"):
        latent_graph(make_task(name, "smoke").generate(0))
