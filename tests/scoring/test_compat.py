"""The `compat` view against the study's released evaluator (SPEC 4), verdicts worked out by hand.

Each instance is built by hand so that every expected number can be checked on paper against the
released rules: "seen" is the released canonical form among the training set's (per sample, valid
or not); validity is the released, lenient rule; creativity and diversity count distinct RAW
strings. The comment on each answer gives the released evaluator's (seen, valid) verdict.
"""

from __future__ import annotations

import pytest

from creativity_bench.scoring import compat_scores, score_answers
from creativity_bench.tasks import TASKS, make_task
from creativity_bench.tasks.base import EvalPrompt, Instance, Sample


def hand_instance(name: str, structure: dict, train: list[Sample], **params) -> Instance:
    task = make_task(name, "smoke", **params)
    return Instance(task, 0, structure, train, [EvalPrompt(0, "", task.eval_marker)])


@pytest.fixture(scope="module")
def triangle():
    # Triangles {0,1,2} and {2,3,4}, and a pendant edge 4-5; {0,1,2} is the one training triangle.
    edges = [["V0", "V1"], ["V1", "V2"], ["V0", "V2"], ["V2", "V3"], ["V3", "V4"], ["V2", "V4"], ["V4", "V5"]]
    train = [Sample("abc", "tri:", "V0 V1 | V1 V2 | V2 V0"), Sample("", "edge:", "V4 V5 | V5 V4")]
    return hand_instance("triangle", {"edges": edges}, train, vertices=6)


TRIANGLE_ANSWERS = [
    "V1 V2 | V2 V0 | V0 V1",  # seen, valid: the training triangle rotated
    "V0 V2 | V2 V1 | V1 V0",  # seen, valid: ... and reflected
    "V2 V3 | V3 V4 | V4 V2",  # unseen, valid: the novel triangle
    "V3 V2 | V2 V4 | V4 V3",  # unseen, valid: the same triangle in another orientation (another raw string)
    "V2 V5 | V3 V4 | V1 V1",  # unseen, valid: a = first vertex of edge 1, b c = edge 2; the rest is never read
    "V0 V1 | V1 V2",  # not seen, invalid: two chunks
    "V0 V4 | V1 V5 | V2 V3",  # SEEN (first vertices 0 1 2), invalid (1-5 is no edge)
    "V4 V5 | V5 V4",  # not seen, invalid: an edge fact is no triangle
    "V0 V1 V2 | V1 V2 | V2 V0",  # SEEN (first vertices 0 1 2), invalid: edge 1 has three vertices
    "edge: V2 | V3 V4 | V4 V2",  # not seen ({2,3,4}), invalid: "edge:<a_2>" is not two nodes
    "V2 V3 | V3 V4 |",  # not seen (empty third chunk), VALID: the third chunk is never read
]


def test_triangle_compat_by_hand(triangle):
    n = len(TRIANGLE_ANSWERS)
    compat = compat_scores(triangle, TRIANGLE_ANSWERS)
    assert compat["memorization"] == pytest.approx(4 / n)  # answers 1, 2, 7, 9
    assert compat["validity"] == pytest.approx(6 / n)  # 1, 2, 3, 4, 5, 11
    assert compat["unseen"] == pytest.approx(4 / n)  # 3, 4, 5, 11
    assert compat["creativity"] == pytest.approx(4 / n)  # four distinct raw strings
    assert compat["diversity"] == pytest.approx(6 / n)
    strict, _ = score_answers(triangle, TRIANGLE_ANSWERS)
    # The strict view: chains only; one canonical form per triangle.
    assert (strict.validity, strict.memorization, strict.creativity) == pytest.approx((4 / n, 2 / n, 1 / n))


def test_triangle_compat_reads_up_to_the_next_marker(triangle):
    # The released evaluator splits the whole sequence at "tri:", so a marker inside the answer
    # ends it; the cut string lacks the end-of-answer marker, so it is another raw string.
    answers = ["V2 V3 | V3 V4 | V4 V2 tri: V0 V0", "V2 V3 | V3 V4 | V4 V2 tri: V5", "V2 V3 | V3 V4 | V4 V2"]
    marked = compat_scores(triangle, answers)
    assert marked["validity"] == marked["unseen"] == 1.0
    assert marked["creativity"] == pytest.approx(2 / 3)  # the two cut answers read the same
    assert compat_scores(triangle, ["V0 V1 | V1 V2 | V2 V0 tri:"])["memorization"] == 1.0  # seen reads the form


def test_sibling_answer_cut_by_a_marker_is_never_seen():
    # The released sibling evaluator looks the raw string up, end-of-answer marker included.
    inst = make_task("sibling", "smoke").generate(0)
    answer = inst.train[0].answer
    cut = compat_scores(inst, [answer + " <q> B1"])
    assert cut["validity"] == cut["unseen"] == cut["creativity"] == 1.0 and cut["memorization"] == 0.0
    assert compat_scores(inst, [answer])["memorization"] == 1.0


@pytest.fixture(scope="module")
def circle():
    # 4-cycles on 5 vertices; the one training answer has canonical form "0 1 | 1 2 | 2 3 | 3 0".
    return hand_instance("circle", {}, [Sample("abc", "<q>", "V0 V1 | V1 V2 | V2 V3 | V3 V0")], vertices=5, cycle_length=4)


CIRCLE_ANSWERS = [
    "V1 V2 | V2 V3 | V3 V4 | V4 V1",  # seen, valid: a relabelled copy in the same edge order
    "V2 V3 | V1 V2 | V3 V4 | V4 V1",  # unseen, valid: the same cycle in another edge order is another form
    "V0 V1 | V2 V1 | V2 V3 | V3 V0",  # unseen, valid: an undirected cycle (direction is not checked)
    "V0 V1 | V1 V2 | V2 V0",  # unseen, valid: a cycle of the wrong length (length is not checked)
    "V0 V1 | V1 V0",  # unseen, valid: a 2-cycle
    "V3 V3",  # unseen, valid: a self-loop, its vertex appears twice
    "V0 V1 | V1 V0 | V2 V3 | V3 V2",  # invalid: every vertex twice, but two pieces
    "V0 V1 | V1 V2 | V2 V3 | V3 V0 | V0 V1",  # invalid: V0 and V1 three times
    "V0 V1 | | V1 V0",  # invalid and not seen: an empty chunk fails the parse
    "V4 V0 | V0 V1 | V1 V2 | V2 V4",  # seen, valid: another relabelled copy
    "V2 V3 | V1 V2 | V3 V4 | V4 V1",  # answer 2 again: counted per sample, once as a raw string
]


def test_circle_compat_by_hand(circle):
    n = len(CIRCLE_ANSWERS)
    compat = compat_scores(circle, CIRCLE_ANSWERS)
    assert compat["memorization"] == pytest.approx(2 / n)  # 1, 10
    assert compat["validity"] == pytest.approx(8 / n)  # 1-6, 10, 11
    assert compat["unseen"] == pytest.approx(6 / n)  # 2-6, 11
    assert compat["creativity"] == pytest.approx(5 / n)  # 2-6 (11 repeats 2)
    assert compat["diversity"] == pytest.approx(7 / n)  # 1-6, 10
    strict, _ = score_answers(circle, CIRCLE_ANSWERS)
    assert (strict.validity, strict.memorization, strict.creativity) == pytest.approx((4 / n, 2 / n, 1 / n))


@pytest.fixture(scope="module")
def line():
    # 3-edge paths on 5 vertices; the training answer's form is "0 1 | 1 2 | 2 3".
    return hand_instance("line", {}, [Sample("abc", "<q>", "V0 V1 | V1 V2 | V2 V3")], vertices=5, path_length=3)


LINE_ANSWERS = [
    "V3 V2 | V2 V1 | V1 V0",  # seen, valid: the path written backwards relabels to the training form
    "V1 V2 | V0 V1 | V2 V3",  # unseen, valid: another edge order
    "V1 V0 | V1 V2 | V3 V2",  # unseen, valid: an undirected path (direction is not checked)
    "V0 V1",  # unseen, valid: a path of the wrong length (length is not checked)
    "V0 V1 | V1 V2 | V2 V0",  # invalid: a cycle has no ends
    "V0 V1 | V2 V3",  # invalid: four ends
    "V0 V1 | V1 V2 | V3 V4 | V4 V3",  # invalid: two ends and the rest twice, but two pieces
    "V4 V3 | V3 V2 | V2 V1",  # seen, valid: a relabelled copy
]


def test_line_compat_by_hand(line):
    n = len(LINE_ANSWERS)
    compat = compat_scores(line, LINE_ANSWERS)
    assert compat["memorization"] == pytest.approx(2 / n)  # 1, 8
    assert compat["validity"] == pytest.approx(5 / n)  # 1-4, 8
    assert compat["unseen"] == compat["creativity"] == pytest.approx(3 / n)  # 2-4
    assert compat["diversity"] == pytest.approx(5 / n)
    strict, _ = score_answers(line, LINE_ANSWERS)
    assert (strict.validity, strict.memorization, strict.creativity) == pytest.approx((3 / n, 2 / n, 1 / n))  # 1, 2, 8


def test_sibling_compat_equals_strict():
    inst = make_task("sibling", "cpu").generate(0)
    train = [s.answer for s in inst.train[:40]]
    b, c, a = train[0].split()
    other = next(p for p in inst.structure["parents"] if p != a)
    answers = train + [f"{c} {b} {a}", f"{b} {c} {other}", f"{b} {c}", "", "B1 B2 B3 B4"] + [
        f"{x.split()[0]} {y.split()[1]} {y.split()[2]}" for x, y in zip(train, train[1:])
    ]
    strict, _ = score_answers(inst, answers)
    compat = strict.compat
    assert compat["memorization"] == strict.memorization
    assert compat["validity"] == strict.validity
    assert compat["creativity"] == strict.creativity
    assert compat["diversity"] == strict.diversity


@pytest.mark.parametrize("name", list(TASKS))
def test_training_answers_are_seen_and_valid_in_compat(name):
    inst = make_task(name, "cpu").generate(0)
    memo = [s.answer for s in inst.train if inst.task.is_memorizable(s)]
    compat = compat_scores(inst, memo)
    assert compat["memorization"] == compat["validity"] == 1.0
    assert compat["unseen"] == compat["creativity"] == 0.0
