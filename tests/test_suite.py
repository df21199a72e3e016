"""cbench suite: the grid, shards, skipping finished runs and resuming interrupted ones."""

from __future__ import annotations

import json

import pytest

from creativity_bench.errors import CBenchError
from creativity_bench.models.sampling import SamplingSettings
from creativity_bench.models.train import TrainingInterrupted
from creativity_bench.suite import Cell, cell_state, grid, parse_shard, run_suite, shard_cells
from tests.conftest import SUITE_OBJECTIVES, SUITE_SEEDS, SUITE_TASKS
from tests.models.helpers import InterruptAt

CELLS = grid(SUITE_TASKS, SUITE_OBJECTIVES, SUITE_SEEDS)


def outputs(root, cell: Cell) -> tuple[dict, bytes]:
    """What a run produced that must not depend on how the grid was scheduled."""
    run_dir = cell.run_dir(root)
    doc = json.loads((run_dir / "results.json").read_text())
    values = doc["metrics"] | {"fingerprint": doc["task"]["fingerprint"], "final_loss": doc["training"]["final_loss"], "secondary": doc["secondary"]}
    return values, (run_dir / "samples.jsonl").read_bytes() + (run_dir / "samples_secondary.jsonl").read_bytes()


def test_shards_partition_the_grid():
    for n in (1, 2, 3, 5, 8, 11):
        parts = [shard_cells(CELLS, (i, n)) for i in range(1, n + 1)]
        flat = [c for part in parts for c in part]
        assert sorted(flat, key=CELLS.index) == CELLS
        assert len(set(flat)) == len(CELLS)


@pytest.mark.parametrize("text", ["0/2", "3/2", "1-2", "a/b", "2", "1/0"])
def test_bad_shard_is_a_one_line_error(text):
    with pytest.raises(CBenchError, match="shard"):
        parse_shard(text)


def test_grid_refuses_duplicates_and_empty():
    with pytest.raises(CBenchError, match="twice"):
        grid(["sibling", "sibling"], ["ntp"], [0])
    with pytest.raises(CBenchError, match="empty"):
        grid([], ["ntp"], [0])


def test_suite_runs_every_cell(smoke_suite):
    for cell in CELLS:
        assert cell_state(cell.run_dir(smoke_suite)) == "done"
        doc = json.loads((cell.run_dir(smoke_suite) / "results.json").read_text())
        assert (doc["task"]["name"], doc["objective"]["name"], doc["training"]["seed"]) == (cell.task, cell.objective, cell.seed)


def test_two_shards_equal_the_unsharded_grid(smoke_suite, tmp_path):
    root = tmp_path / "sharded"
    for i in (2, 1):  # order does not matter
        run_suite(root, shard_cells(CELLS, (i, 2)), "smoke", SamplingSettings())
    for cell in CELLS:
        assert outputs(root, cell) == outputs(smoke_suite, cell), cell.label


def test_interrupted_suite_resumes_without_redoing_finished_runs(smoke_suite, tmp_path):
    root = tmp_path / "interrupted"
    victim = CELLS[2]
    with pytest.raises(TrainingInterrupted):
        run_suite(root, CELLS, "smoke", SamplingSettings(), callbacks_for=lambda c: [InterruptAt(10)] if c == victim else [])
    finished = {c: c.run_dir(root).joinpath("results.json").stat().st_mtime_ns for c in CELLS[:2]}
    assert cell_state(victim.run_dir(root)) == "resume"
    assert all(cell_state(c.run_dir(root)) == "new" for c in CELLS[3:])

    outcome = run_suite(root, CELLS, "smoke", SamplingSettings())
    assert outcome["done"] == CELLS[:2]
    assert outcome["resume"] == [victim]
    assert outcome["new"] == CELLS[3:]
    assert {c: c.run_dir(root).joinpath("results.json").stat().st_mtime_ns for c in CELLS[:2]} == finished
    for cell in CELLS:  # the resumed run ends where an uninterrupted one does
        assert outputs(root, cell) == outputs(smoke_suite, cell), cell.label

    again = run_suite(root, CELLS, "smoke", SamplingSettings())
    assert again["done"] == CELLS


def test_suite_refuses_a_tree_made_with_other_settings(smoke_suite):
    with pytest.raises(CBenchError, match="preset"):
        run_suite(smoke_suite, CELLS[:1], "cpu", SamplingSettings())
    with pytest.raises(CBenchError, match="sampling"):
        run_suite(smoke_suite, CELLS[:1], "smoke", SamplingSettings(mode="temperature"))


def test_suite_restarts_a_run_stopped_before_its_first_checkpoint(tmp_path):
    root = tmp_path / "r"
    cell = Cell("sibling", "ntp", 0)
    run_dir = cell.run_dir(root)
    run_dir.mkdir(parents=True)
    (run_dir / "train_config.json").write_text("{}")
    assert cell_state(run_dir) == "restart"
    outcome = run_suite(root, [cell], "smoke", SamplingSettings())
    assert outcome["restart"] == [cell] and cell_state(run_dir) == "done"


def edit_schema(doc):
    doc["schema"] = "creativity-bench/results/1"  # as if made before both sampling regimes were recorded


STALE_RUNS = {
    "other settings": (lambda doc: doc["training"]["config"].update(steps=999), "steps = 999"),
    # as if made before the task's version was bumped
    "another task version": (lambda doc: doc["task"].update(version=0), "made with sibling version 0, this release has version 1.*stale"),
    "results schema 1": (edit_schema, "results schema 'creativity-bench/results/1'.*both sampling regimes"),
}


@pytest.mark.parametrize("kind", list(STALE_RUNS))
def test_suite_refuses_a_finished_run_it_cannot_reuse(smoke_suite, tmp_path, kind):
    import shutil

    root = tmp_path / "copy"
    shutil.copytree(smoke_suite, root)
    cell = CELLS[0]
    assert cell.task == "sibling"
    path = cell.run_dir(root) / "results.json"
    doc = json.loads(path.read_text())
    edit, message = STALE_RUNS[kind]
    edit(doc)
    path.write_text(json.dumps(doc))
    with pytest.raises(CBenchError, match=message):
        run_suite(root, [cell], "smoke", SamplingSettings())
