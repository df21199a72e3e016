"""What the leaderboard tests share: one-thread training, and re-hashing an edited submission."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def one_thread() -> Iterator[None]:
    """Train with one torch thread: as fast as two on an idle 2-core machine, far faster on a busy
    one; the submission records the count and reproduction uses it."""
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(before)


def rehash(folder: Path) -> None:
    """Recompute submission.json's manifest to match the folder, as a forger who edited files would."""
    path = folder / "submission.json"
    doc = json.loads(path.read_text())
    files = sorted(p for p in folder.rglob("*") if p.is_file() and p.relative_to(folder).as_posix() not in ("submission.json", "reproductions.json"))
    doc["manifest"] = {"algorithm": "sha256", "files": {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest() for p in files}}
    path.write_text(json.dumps(doc))


def swap_two_answers(path: Path) -> tuple[int, str, str]:
    """Swap the answers of the first two prompts of a samples file whose answers differ; returns
    (the first prompt's id, its answer before, its answer after)."""
    rows = [json.loads(line) for line in path.read_text().splitlines()]
    i = 0
    j = next(k for k in range(1, len(rows)) if rows[k]["answer"] != rows[i]["answer"])
    before = rows[i]["answer"]
    rows[i]["answer"], rows[j]["answer"] = rows[j]["answer"], rows[i]["answer"]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return rows[i]["prompt_id"], before, rows[i]["answer"]


def different_answers(path: Path) -> bool:
    return len({json.loads(line)["answer"] for line in path.read_text().splitlines()}) > 1
