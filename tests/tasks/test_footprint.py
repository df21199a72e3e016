"""Instances too large to build are refused in one line before anything is allocated, and the
estimate behind the refusal tracks what the generators really use."""

from __future__ import annotations

import tracemalloc

import pytest

from creativity_bench.errors import CBenchError
from creativity_bench.tasks import TASKS, make_task
from creativity_bench.tasks.footprint import Footprint, check_footprint

PRESETS = ("smoke", "cpu", "paper")


@pytest.mark.parametrize("task", list(TASKS))
@pytest.mark.parametrize("preset", PRESETS)
def test_presets_are_accepted(task, preset):
    make_task(task, preset)


@pytest.mark.parametrize(
    "task, overrides, fragment",
    [
        ("circle", {"vertices": 100_000_000}, "vertices=100000000"),
        ("line", {"vertices": 10_000_000}, "of memory"),
        ("sibling", {"children": 100_000_000}, "children=100000000"),
        ("circle", {"train_size": 1_000_000_000}, "train_size=1000000000"),
        ("triangle", {"vertices": 1_000_000}, "hours to build"),
    ],
)
def test_absurd_instances_are_refused_before_building(task, overrides, fragment):
    tracemalloc.start()
    try:
        with pytest.raises(CBenchError, match=fragment):
            make_task(task, "cpu", **overrides)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 50 * 2**20, "refused before allocating"


def test_memory_limit_is_the_memory_available():
    check_footprint("toy", {"n": 1}, Footprint(10**9, 1), memory=2 * 10**9)
    with pytest.raises(CBenchError, match="1.9 GiB of memory.*0.9 GiB is available"):
        check_footprint("toy", {"n": 1}, Footprint(2 * 10**9, 1), memory=10**9)


@pytest.mark.parametrize(
    "task, overrides",
    [("circle", {"vertices": 2000, "train_size": 2000}), ("line", {"vertices": 1000, "train_size": 3000}),
     ("sibling", {"children": 20000, "train_size": 2000}), ("triangle", {"vertices": 1500, "train_size": 2000})],
)
def test_estimate_tracks_the_generators_peak_memory(task, overrides):
    """Within a factor of 10 above the traced peak (an estimate errs large), never below a third."""
    t = make_task(task, "cpu", **overrides)
    tracemalloc.start()
    try:
        assert t.generate(0).fingerprint
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    estimate = t.footprint().bytes
    assert peak / 3 <= estimate <= 10 * peak, (estimate, peak)
