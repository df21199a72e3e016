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


# Run in a fresh interpreter where importing torch, Lightning or safetensors fails as it does
# where the train extra is not installed; each command's exit code is printed as "exit N".
WITHOUT_TORCH = """
import json, sys
for name in ("torch", "lightning", "safetensors"):
    sys.modules[name] = None
from creativity_bench.cli import app
for args in json.loads(sys.argv[1]):
    try:
        app(args)
        code = 0
    except SystemExit as exc:
        code = exc.code or 0
    print("exit", code, flush=True)
print("torch imported:", sys.modules.get("torch") is not None)
"""


def cli_without_torch(*commands: list[str]) -> tuple[list[int], str, str]:
    """Run cbench commands in one interpreter that cannot import the train extra: (exit codes, stdout, stderr)."""
    import subprocess
    import sys

    proc = subprocess.run([sys.executable, "-c", WITHOUT_TORCH, json.dumps([[str(a) for a in c] for c in commands])],
                          check=False, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0 and proc.stdout.strip().endswith("torch imported: False"), proc.stdout + proc.stderr
    codes = [int(line.split()[1]) for line in proc.stdout.splitlines() if line.startswith("exit ")]
    return codes, proc.stdout, proc.stderr
