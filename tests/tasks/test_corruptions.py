"""Systematic corruptions of valid samples are invalid, each with the right reason code."""

from __future__ import annotations

import pytest

from creativity_bench.tasks import make_task


@pytest.fixture(scope="module")
def sibling():
    return make_task("sibling", "cpu").generate(0)


@pytest.fixture(scope="module")
def triangle():
    return make_task("triangle", "cpu").generate(0)


def edges(answer):
    return [e.split() for e in answer.split(" | ")]


def join(es):
    return " | ".join(" ".join(e) for e in es)


def test_sibling_corruptions(sibling):
    check = sibling.checker.check
    b, c, a = sibling.train[0].answer.split()
    assert check(f"{b} {c} {a}").valid
    assert check(f"{c} {b} {a}").reason == "wrong_type"  # swapped tokens
    other = next(p for p in sibling.structure["parents"] if p != a)
    assert check(f"{b} {c} {other}").reason == "wrong_parent"
    c_other = sibling.structure["parents"][other]["second"][0]
    assert check(f"{b} {c_other} {a}").reason == "wrong_parent"
    assert check(f"{b} {c}").reason == "wrong_length"
    assert check(f"{b} {c} {a} {a}").reason == "wrong_length"
    assert check(f"{b} C99999 {a}").reason == "bad_token"
    assert check("").reason == "empty"


def test_sibling_parent_first_order():
    inst = make_task("sibling", "smoke", order="parent_first").generate(0)
    a, b, c = inst.train[0].answer.split()
    assert a.startswith("A") and b.startswith("B") and c.startswith("C")
    assert inst.checker.check(f"{a} {b} {c}").valid
    assert inst.checker.check(f"{b} {c} {a}").reason == "wrong_type"


def test_triangle_corruptions(triangle):
    check = triangle.checker.check
    sample = next(s for s in triangle.train if s.prompt == "tri:")
    (a, b), (_, c), _ = edges(sample.answer)
    assert check(sample.answer).valid
    # reversed edge breaks the chain
    assert check(join([[b, a], [b, c], [c, a]])).reason == "not_a_chain"
    assert check(join([[a, b], [b, c]])).reason == "wrong_length"  # dropped edge
    assert check(join([[a, b], [b, a], [a, a]])).reason == "repeated_vertex"
    adj = {}
    for u, v in triangle.structure["edges"]:
        adj.setdefault(u, set()).add(v)
        adj.setdefault(v, set()).add(u)
    far = next(v for v in adj if v not in adj[a] and v not in (a, b))
    assert check(join([[a, b], [b, far], [far, a]])).reason == "edge_missing"
    assert check(sample.answer.replace(" | ", " ")).reason == "bad_format"
    assert check(sample.answer.replace(a, "V99999")).reason == "bad_token"
    # The released rule reads a (edge 1's first vertex) and edge 2 only: a reversed third edge
    # still counts there, a reversed first edge does not.
    assert triangle.checker.compat_valid(join([[a, b], [b, c], [a, c]]))
    assert not triangle.checker.compat_valid(join([[b, a], [b, c], [c, a]]))


@pytest.mark.parametrize("name", ["circle", "line"])
def test_walk_corruptions(name):
    inst = make_task(name, "paper").generate(0)
    check = inst.checker.check
    shape_reason = "not_a_cycle" if name == "circle" else "not_a_path"
    es = edges(inst.train[0].answer)
    assert check(join(es)).valid
    assert check(join(es[:-1])).reason == "wrong_length"  # dropped edge
    rev = [list(reversed(es[0]))] + es[1:]
    assert check(join(rev)).reason in ("repeated_vertex", shape_reason)  # reversed edge
    rep = [list(e) for e in es]
    rep[1][1] = rep[0][1]  # two edges into the same vertex
    assert check(join(rep)).reason == "repeated_vertex"
    swapped = [list(e) for e in es]
    swapped[0][0] = "V99"
    assert check(join(swapped)).reason == "bad_token"
    assert check(join(es) + " |").reason == "bad_format"


def test_circle_two_cycles_is_not_a_cycle():
    inst = make_task("circle", "smoke").generate(0)  # 5 vertices, cycles of 4
    assert inst.checker.check("V0 V1 | V1 V0 | V2 V3 | V3 V2").reason == "not_a_cycle"
    assert inst.checker.check("V0 V1 | V1 V2 | V2 V3 | V3 V0").valid
    assert not inst.checker.check("V0 V1 | V1 V2 | V2 V0").valid  # a 3-cycle is the wrong length
    assert inst.checker.compat_valid("V0 V1 | V1 V2 | V2 V0")  # ...but the compat view allows it


def test_line_cycle_is_not_a_path():
    inst = make_task("line", "smoke").generate(0)  # 5 vertices, paths of 4 edges
    assert inst.checker.check("V0 V1 | V1 V2 | V2 V0 | V3 V4").reason == "not_a_path"
    assert inst.checker.check("V3 V4 | V0 V1 | V2 V3 | V1 V2").valid
