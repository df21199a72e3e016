"""Discovery curves (creativity@k) on hand-built sample streams whose curve is known exactly."""

from __future__ import annotations

import pytest

from creativity_bench.errors import CBenchError
from creativity_bench.scoring.discovery import curve_points, discovery_curve, novel_total
from creativity_bench.tasks import make_task

# The instance scored against, and a larger training set of the same structure (the structure does
# not depend on train_size), whose extra answers are coherent forms the smaller one never saw.
SIZES = {"sibling": (5, 60), "triangle": (20, 400), "circle": (1, 50), "line": (2, 80)}


def streams(task: str):
    small_size, big_size = SIZES[task]
    small = make_task(task, "smoke", train_size=small_size).generate(0)
    big = make_task(task, "smoke", train_size=big_size).generate(0)
    assert big.structure == small.structure
    check = small.checker.check
    novel, seen = [], set()
    for s in big.train:
        v = check(s.answer)
        if big.task.is_memorizable(s) and v.valid and v.canonical not in small.train_canonical and v.canonical not in seen:
            seen.add(v.canonical)
            novel.append(s.answer)
    memorized = next(s.answer for s in small.train if small.task.is_memorizable(s))
    assert len(novel) >= 3, "the smoke instance leaves novel forms to find"
    return small, novel[:3], memorized


@pytest.mark.parametrize("task", list(SIZES))
def test_curve_of_a_hand_built_stream(task):
    instance, (a, b, c), m = streams(task)
    # 4 prompts x 2 draws, draw-major: draw 0 = [a, m, garbage, a], draw 1 = [b, a, m, c].
    curve = discovery_curve(instance, [[a, m, "garbage", a], [b, a, m, c]])
    assert curve.prompts == 4 and curve.draws_per_prompt == 2
    assert [p["draws"] for p in curve.points] == list(range(1, 9))
    assert [p["novel_forms"] for p in curve.points] == [1, 1, 1, 1, 2, 2, 2, 3]
    assert [p["validity"] for p in curve.points] == pytest.approx([1, 1, 2 / 3, 3 / 4, 4 / 5, 5 / 6, 6 / 7, 7 / 8])
    assert [p["memorization"] for p in curve.points] == pytest.approx([0, 1 / 2, 1 / 3, 1 / 4, 1 / 5, 1 / 6, 2 / 7, 2 / 8])
    total = novel_total(instance)
    assert total == instance.stats()["novel_forms"] and total > 0
    assert curve.at(2)["novel_fraction"] == pytest.approx(3 / total)
    assert curve.summary()["at_k"] == [curve.at(1), curve.at(2)]


def test_at_one_draw_the_curve_is_the_headline_creativity():
    from creativity_bench.scoring import score_answers

    instance, (a, b, c), m = streams("circle")
    draw = [a, b, a, m, c, "x", b]
    scores, _ = score_answers(instance, draw)
    assert discovery_curve(instance, [draw, draw]).at(1)["novel_forms"] == round(scores.creativity * len(draw))


def test_curve_points_keep_every_multiple_of_n_and_are_log_spaced():
    points = curve_points(1024 * 64, 1024)
    assert points[0] == 1 and points[-1] == 1024 * 64
    assert all(k * 1024 in points for k in range(1, 65))
    assert len(points) < 200 and points == sorted(set(points))


def test_draw_prompts_fresh_seeds_for_greedy_keys_for_sampling():
    instance = make_task("circle", "cpu").generate(0)
    n = len(instance.eval)
    greedy = instance.draw_prompts(3, fresh_seeds=True)
    assert greedy[0] == instance.eval
    ids = [p.prompt_id for draw in greedy for p in draw]
    assert ids == list(range(3 * n)), "every draw has its own prompt id (its sampling key)"
    seeds = [p.seed for draw in greedy for p in draw]
    train_seeds = {s.seed for s in instance.train}
    assert len(set(seeds)) == 3 * n and not set(seeds) & train_seeds
    assert instance.draw_prompts(3, fresh_seeds=True) == greedy, "deterministic"
    sampled = instance.draw_prompts(3, fresh_seeds=False)
    assert [p.seed for p in sampled[2]] == [p.seed for p in instance.eval]
    null = instance.draw_prompts(2, fresh_seeds=True, seed_length=0)
    assert len({p.seed for draw in null for p in draw}) == 1, "the null seed has one seed: greedy draws repeat"
    with pytest.raises(CBenchError):
        instance.draw_prompts(0, fresh_seeds=True)
