"""An instance's latent graph as a networkx graph, for papers that analyse the generators.

    from creativity_bench.graphs import latent_graph
    g = latent_graph(make_task("triangle", "paper").generate(0))
    sum(nx.triangles(g).values()) // 3          # the coherent triangles

The graph is the structure the model never sees and must infer from training samples:
triangle's undirected graph over ``V0..V{n-1}``, and sibling's bipartite parent-child graph
(node attribute ``kind``: ``parent``, ``first`` or ``second`` sibling). Circle and line have
none (any cycle or path over their vertices is coherent).
"""

from __future__ import annotations

import networkx as nx

from creativity_bench.errors import CBenchError
from creativity_bench.tasks.base import Instance


def triangle_graph(instance: Instance) -> nx.Graph:
    """Every vertex, and the edges a coherent triangle must use."""
    g = nx.Graph()
    g.add_nodes_from(f"V{i}" for i in range(instance.task.params.vertices))
    g.add_edges_from(tuple(edge) for edge in instance.structure["edges"])
    return g


def sibling_graph(instance: Instance) -> nx.Graph:
    """Parents joined to their children: two children are siblings when they share a neighbour."""
    g = nx.Graph()
    for parent, pools in instance.structure["parents"].items():
        g.add_node(parent, kind="parent")
        for kind in ("first", "second"):
            g.add_nodes_from(pools[kind], kind=kind)
            g.add_edges_from((parent, child) for child in pools[kind])
    return g


LATENT_GRAPHS = {"triangle": triangle_graph, "sibling": sibling_graph}


def latent_graph(instance: Instance) -> nx.Graph:
    """The instance's latent graph (triangle and sibling); other tasks have none."""
    build = LATENT_GRAPHS.get(instance.name)
    if build is None:
        raise CBenchError(f"task {instance.name} has no latent graph (tasks with one: {', '.join(LATENT_GRAPHS)})")
    return build(instance)
