"""Presenting scores: the JSON document, the verdicts file and the rich table."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from creativity_bench import __version__
from creativity_bench.io import atomic_write_bytes, atomic_write_text, dumps_json
from creativity_bench.scoring.metrics import METRICS, SampleVerdict, Scores
from creativity_bench.tasks.base import Instance


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


def verdict_lines(verdicts: list[SampleVerdict]) -> bytes:
    """One JSON line per judged sample: prompt_id and answer (what `cbench score` reads) plus the verdict."""
    return "".join(json.dumps(v.to_dict()) + "\n" for v in verdicts).encode()


def write_scores(path: Path, doc: dict[str, Any], verdicts: list[SampleVerdict]) -> Path:
    """Write verdicts then metrics, each atomically; returns the verdicts path."""
    vpath = verdicts_path(path)
    atomic_write_bytes(vpath, verdict_lines(verdicts))
    atomic_write_text(path, dumps_json(doc))
    return vpath


def score_samples_file(instance_dir: Path, samples: Path, out: Path | None = None) -> tuple[Instance, Scores, Path, Path]:
    """`cbench score`: score a samples file against an instance directory; writes the metrics to
    OUT (default: SAMPLES with .scores.json) and the verdicts beside it. Returns (instance,
    scores, metrics path, verdicts path)."""
    from creativity_bench.errors import CBenchError
    from creativity_bench.scoring.samples import score_file
    from creativity_bench.tasks import load_instance

    instance = load_instance(instance_dir)
    scores, verdicts = score_file(samples, instance)
    out = out or samples.with_name(samples.name.removesuffix(".jsonl") + ".scores.json")
    if out.is_dir():
        raise CBenchError(f"{out}: is a directory; --out takes the name of the metrics file")
    doc = scores_document(instance, scores, samples_file=str(samples))
    return instance, scores, out, write_scores(out, doc, verdicts)


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
