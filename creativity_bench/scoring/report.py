"""Presenting scores: the JSON document, the verdicts file and the rich table."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from creativity_bench import __version__
from creativity_bench.io import atomic_write_bytes, atomic_write_text, dumps_json
from creativity_bench.scoring.metrics import SampleVerdict, Scores
from creativity_bench.tasks.base import Instance

METRICS = ("creativity", "memorization", "validity", "diversity")


def scores_document(instance: Instance, scores: Scores, **extra: Any) -> dict[str, Any]:
    """Everything needed to tell what was scored against what."""
    doc = {
        "schema": "creativity-bench/scores/1",
        "creativity_bench_version": __version__,
        "scored_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "instance": {**instance.header(), "fingerprint": instance.fingerprint},
        "n_prompts": len(instance.eval),
    }
    doc.update(extra)
    doc["metrics"] = scores.to_dict()
    return doc


def verdicts_path(scores_path: Path) -> Path:
    """Where the per-sample verdicts of a scores file go."""
    return scores_path.with_name(scores_path.name.removesuffix(".json") + ".verdicts.jsonl")


def write_scores(path: Path, doc: dict[str, Any], verdicts: list[SampleVerdict]) -> Path:
    """Write verdicts then metrics, each atomically; returns the verdicts path."""
    vpath = verdicts_path(path)
    atomic_write_bytes(vpath, "".join(json.dumps(v.to_dict()) + "\n" for v in verdicts).encode())
    atomic_write_text(path, dumps_json(doc))
    return vpath


def scores_table(instance: Instance, scores: Scores):
    """A rich table of the metrics, strict and compat."""
    from rich.table import Table

    table = Table(title=f"{instance.name} v{instance.task.version} (seed {instance.seed}), N={scores.n}")
    table.add_column("metric")
    table.add_column("value", justify="right")
    table.add_column("compat", justify="right")
    for m in METRICS:
        table.add_row(m, f"{getattr(scores, m):.4f}", f"{scores.compat[m]:.4f}")
    table.add_row("reasons", ", ".join(f"{k}={v}" for k, v in scores.reasons.items()), "")
    return table
