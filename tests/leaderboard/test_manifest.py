"""The manifest: submission.json lists the sha256 of every file; verify checks it first."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from creativity_bench.leaderboard.verify import verify
from tests.leaderboard.helpers import rehash, swap_two_answers

SAMPLES = "runs/circle/s1/samples_secondary.jsonl"


def copy_of(submission: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "sub"
    shutil.copytree(submission, copy)
    return copy


def test_manifest_lists_every_file_sorted(smoke_submission, checkpointed_submission):
    plain = json.loads((smoke_submission / "submission.json").read_text())["manifest"]
    assert plain["algorithm"] == "sha256"
    files = list(plain["files"])
    assert files == sorted(files) and len(files) == 4 * 3 * 3
    assert "runs/line/s2/samples_secondary.jsonl" in files and "submission.json" not in files
    with_ckpt = json.loads((checkpointed_submission / "submission.json").read_text())["manifest"]["files"]
    assert len(with_ckpt) == 4 * 3 * 5
    assert "runs/circle/s0/checkpoint/weights.safetensors" in with_ckpt and "runs/circle/s0/checkpoint/config.json" in with_ckpt
    assert verify(checkpointed_submission).ok


EDITS = {
    "edited": (lambda d: (d / SAMPLES).write_text((d / SAMPLES).read_text() + "\n"), f"manifest: {SAMPLES}: sha256 differs from the manifest"),
    "missing": (lambda d: (d / SAMPLES).unlink(), f"manifest: {SAMPLES}: listed in the manifest but missing"),
    "unlisted": (lambda d: (d / "runs/circle/s1/notes.txt").write_text("hi"), "manifest: runs/circle/s1/notes.txt: present but not listed"),
    "results edited": (lambda d: (d / "runs/line/s0/results.json").write_text((d / "runs/line/s0/results.json").read_text() + " "),
                       "manifest: runs/line/s0/results.json: sha256 differs"),
}


@pytest.mark.parametrize("kind", list(EDITS))
def test_any_edit_is_the_one_problem_named(smoke_submission, tmp_path, kind):
    edit, message = EDITS[kind]
    copy = copy_of(smoke_submission, tmp_path)
    edit(copy)
    verdict = verify(copy)
    assert len(verdict.problems) == 1 and verdict.problems[0].startswith(message), verdict.problems


def test_first_file_in_path_order_is_named(smoke_submission, tmp_path):
    copy = copy_of(smoke_submission, tmp_path)
    for rel in ("runs/line/s0/samples.jsonl", "runs/circle/s2/samples.jsonl"):
        (copy / rel).write_text((copy / rel).read_text() + "\n")
    assert verify(copy).problems == ["manifest: runs/circle/s2/samples.jsonl: sha256 differs from the manifest (edited after packing?)"]


def test_swapped_answers_leave_metrics_unchanged_but_fail_the_manifest(smoke_submission, tmp_path):
    copy = copy_of(smoke_submission, tmp_path)
    swap_two_answers(copy / SAMPLES)
    assert verify(copy).problems == [f"manifest: {SAMPLES}: sha256 differs from the manifest (edited after packing?)"]
    rehash(copy)
    assert verify(copy).ok  # every number is what the samples give: only re-making the run can tell


def test_a_file_outside_the_format_is_refused_even_when_listed(smoke_submission, tmp_path):
    copy = copy_of(smoke_submission, tmp_path)
    (copy / "runs/circle/s1/notes.txt").write_text("hi")
    rehash(copy)
    assert verify(copy).problems[0].startswith("manifest: runs/circle/s1/notes.txt: not a file of a submission")


def test_listed_path_outside_the_folder_is_refused(smoke_submission, tmp_path):
    copy = copy_of(smoke_submission, tmp_path)
    doc = json.loads((copy / "submission.json").read_text())
    doc["manifest"]["files"]["../outside.json"] = "0" * 64
    (copy / "submission.json").write_text(json.dumps(doc))
    assert verify(copy).problems[0].startswith("manifest: ../outside.json: not a file of a submission")


def test_no_manifest_is_refused_and_the_audit_file_is_not_hashed(smoke_submission, tmp_path):
    copy = copy_of(smoke_submission, tmp_path)
    (copy / "reproductions.json").write_text("{}")
    assert verify(copy).ok
    doc = json.loads((copy / "submission.json").read_text())
    del doc["manifest"]
    (copy / "submission.json").write_text(json.dumps(doc))
    assert verify(copy).problems == ["submission.json has no sha256 manifest of its files (packed by an older release?); re-pack it with `cbench submit`"]


def test_an_old_protocol_without_manifest_is_refused_by_its_version(smoke_submission, tmp_path):
    copy = copy_of(smoke_submission, tmp_path)
    doc = json.loads((copy / "submission.json").read_text())
    del doc["manifest"]
    doc["protocol"]["version"] = 1
    (copy / "submission.json").write_text(json.dumps(doc))
    assert verify(copy).problems[0].startswith("protocol version 1: this release verifies protocol version 2")


def test_checkpoints_for_some_runs_only_are_refused(checkpointed_submission, tmp_path):
    copy = copy_of(checkpointed_submission, tmp_path)
    shutil.rmtree(copy / "runs/line/s2/checkpoint")
    rehash(copy)
    assert verify(copy).problems == ["checkpoints are carried for 11 of the 12 runs; carry all or none"]


def test_a_checkpoint_of_another_run_is_refused(checkpointed_submission, tmp_path):
    copy = copy_of(checkpointed_submission, tmp_path)
    for name in ("weights.safetensors", "config.json"):
        shutil.copy(copy / "runs/circle/s0/checkpoint" / name, copy / "runs/circle/s1/checkpoint" / name)
    rehash(copy)
    assert verify(copy).problems == ["circle/s1: the checkpoint's training config, objective, instance or step is not the run's"]
