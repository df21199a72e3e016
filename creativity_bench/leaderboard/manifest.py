"""A submission's manifest: the sha256 of every file, so that any edit after packing is caught.

``submission.json`` carries ``manifest``: ``{"algorithm": "sha256", "files": {PATH: HEX}}``
with every file of the submission folder by its path relative to the folder ('/'-separated,
sorted), except ``submission.json`` itself and ``reproductions.json`` (the audit records that
`cbench leaderboard verify --reproduce` adds later). The submission's digest, the sha256 of
``submission.json``, therefore covers every file; reproduction audits record it.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import Any

from creativity_bench.io import CHECKPOINT_DIR, RESULTS_FILE, SAMPLES_FILE, SECONDARY_SAMPLES_FILE, read_bytes

SUBMISSION_FILE = "submission.json"
AUDIT_FILE = "reproductions.json"
UNHASHED = (SUBMISSION_FILE, AUDIT_FILE)
RUNS_DIR = "runs"
ALGORITHM = "sha256"
# Checkpoint files a submission may carry (`cbench submit --with-checkpoints`); the names are
# creativity_bench.models.checkpoint's WEIGHTS_FILE and CONFIG_FILE (not imported: no torch here).
CHECKPOINT_FILES = ("weights.safetensors", "config.json")
RUN_FILES = (RESULTS_FILE, SAMPLES_FILE, SECONDARY_SAMPLES_FILE, *(f"{CHECKPOINT_DIR}/{name}" for name in CHECKPOINT_FILES))
RUN_FILE_PATH = re.compile(rf"{RUNS_DIR}/([a-z0-9_-]+)/s(\d+)/(.+)")


def file_sha256(path: Path) -> str:
    return hashlib.sha256(read_bytes(path)).hexdigest()


def submission_files(folder: Path) -> list[str]:
    """Every file (or link) under ``folder`` but the unhashed two, as sorted relative paths."""
    folder = Path(folder)
    found = (p for p in folder.rglob("*") if p.is_file() or p.is_symlink())
    return sorted(rel for rel in (p.relative_to(folder).as_posix() for p in found) if rel not in UNHASHED)


def make_manifest(folder: Path) -> dict[str, Any]:
    """The manifest of a packed submission folder."""
    return {"algorithm": ALGORITHM, "files": {rel: file_sha256(Path(folder) / rel) for rel in submission_files(folder)}}


def manifest_problem(folder: Path, manifest: Any) -> str | None:
    """Why the folder's files are not the manifest's (the first file, in path order, that is
    edited, missing, unlisted, a link or not part of a submission), or None."""
    folder = Path(folder)
    if not isinstance(manifest, dict) or manifest.get("algorithm") != ALGORITHM or not isinstance(manifest.get("files"), dict):
        return "submission.json has no sha256 manifest of its files (packed by an older release?); re-pack it with `cbench submit`"
    listed = manifest["files"]
    for rel in sorted(set(listed) | set(submission_files(folder))):
        problem = _file_problem(folder, rel, listed)
        if problem:
            return f"manifest: {rel}: {problem}"
    return None


def _file_problem(folder: Path, rel: str, listed: dict[str, Any]) -> str | None:
    if rel not in listed:
        return "present but not listed in the manifest (added after packing?)"
    if not isinstance(rel, str) or not is_submission_path(rel):
        return "not a file of a submission (runs/TASK/sSEED/ results, samples or checkpoint files)"
    path = folder / rel
    if path.is_symlink():
        return "is a link; a submission holds plain files"
    if not path.is_file():
        return "listed in the manifest but missing"
    if file_sha256(path) != listed[rel]:
        return "sha256 differs from the manifest (edited after packing?)"
    return None


def is_submission_path(rel: str) -> bool:
    """Whether ``rel`` is where a submission keeps one of a run's files."""
    m = RUN_FILE_PATH.fullmatch(rel)
    return bool(m) and m.group(3) in RUN_FILES


def submission_digest(folder: Path) -> str:
    """sha256 of submission.json, which holds the manifest: one hash of the whole submission."""
    return file_sha256(Path(folder) / SUBMISSION_FILE)
