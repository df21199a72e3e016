"""Metric tests on hand-built sample sets with known answers."""

from __future__ import annotations

import pytest

from creativity_bench.scoring import score_answers
from creativity_bench.tasks import make_task


@pytest.fixture(scope="module")
def circle():
    # 5 vertices, 4-cycles: 3! = 6 canonical forms, 50 training samples cover all of them.
    return make_task("circle", "smoke", train_size=1).generate(0)


def test_hand_built_metrics(circle):
    train = circle.train[0].answer
    t = [e.split() for e in train.split(" | ")]
    # A novel cycle: the same vertex cycle with a different edge order is a new canonical form.
    novel_a = " | ".join(" ".join(e) for e in [t[1], t[0], t[2], t[3]])
    novel_b = " | ".join(" ".join(e) for e in [t[1], t[0], t[3], t[2]])
    renamed_a = novel_a.translate(str.maketrans("01234", "12340"))  # same form as novel_a
    answers = [train, train, novel_a, renamed_a, novel_b, "V0 V1", "garbage", novel_a, ""]
    scores, verdicts = score_answers(circle, answers)
    n = len(answers)
    assert scores.n == n
    assert scores.validity == pytest.approx(6 / n)  # train x2, novel_a x2 (+renamed), novel_b
    assert scores.memorization == pytest.approx(2 / n)
    assert scores.creativity == pytest.approx(2 / n)  # novel_a's form and novel_b's form
    assert scores.diversity == pytest.approx(3 / n)  # train's form + two novel forms
    assert [v.counted for v in verdicts] == [False, False, True, False, True, False, False, False, False]
    assert verdicts[3].canonical == verdicts[2].canonical and verdicts[3].novel
    assert scores.reasons == {"ok": 6, "wrong_length": 1, "bad_token": 1, "empty": 1}
    # compat: raw strings, so the renamed copy counts as a new creation
    assert scores.compat["creativity"] == pytest.approx(3 / n)
    assert scores.compat["memorization"] == pytest.approx(2 / n)


def test_triangle_edge_facts_do_not_count_as_memorized():
    inst = make_task("triangle", "smoke").generate(0)
    assert all(s.prompt == "tri:" for s in inst.train if inst.task.is_memorizable(s))
    edge_fact = next(s.answer for s in inst.train if s.prompt == "edge:")
    scores, verdicts = score_answers(inst, [edge_fact])
    assert not verdicts[0].memorized and not verdicts[0].valid


def test_novel_triangle_counts_as_creative():
    inst = make_task("triangle", "smoke").generate(0)
    from creativity_bench.tasks.triangle import _adjacency, triangles_of

    tris = triangles_of(_adjacency(inst.structure, inst.task.params.vertices))
    novel = [t for t in tris if " ".join(f"V{v}" for v in t) not in inst.train_canonical]
    assert novel, "the smoke instance leaves some triangles out of training"
    a, b, c = (f"V{v}" for v in novel[0])
    scores, _ = score_answers(inst, [f"{a} {b} | {b} {c} | {c} {a}", f"{b} {a} | {a} {c} | {c} {b}"])
    assert scores.creativity == 0.5 and scores.diversity == 0.5 and scores.validity == 1.0
    assert scores.compat["creativity"] == 1.0  # raw strings differ


def test_scores_do_not_depend_on_batching(circle):
    answers = [s.answer for s in make_task("circle", "smoke").generate(3).train]
    whole, _ = score_answers(circle, answers)
    again, _ = score_answers(circle, list(answers))
    assert whole == again
