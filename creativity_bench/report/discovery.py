"""Discovery curves in the report: each run's curve (results.json ``discovery``, its file beside
it), averaged over training seeds per task and objective, as a table at k = 1 and k = K and as a
figure with one line per objective on log-scaled draws (docs/discovery.md)."""

from __future__ import annotations

import json
import math
from collections import defaultdict
from pathlib import Path
from typing import Any

from creativity_bench.errors import CBenchError


def run_curve(record) -> dict[str, Any] | None:
    """One run's discovery curve: its summary and points (None: the run drew one sample per prompt)."""
    summary = record.results.get("discovery")
    if not summary:
        return None
    path = record.path / summary.get("file", "discovery.jsonl")
    try:
        points = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    except (OSError, json.JSONDecodeError):
        raise CBenchError(f"{path}: missing or malformed discovery curve (results.json records one)") from None
    return {"summary": summary, "points": points}


def _mean_std(values: list[float]) -> tuple[float, float]:
    mean = sum(values) / len(values)
    std = math.sqrt(sum((v - mean) ** 2 for v in values) / (len(values) - 1)) if len(values) > 1 else 0.0
    return mean, std


def aggregate_discovery(records) -> list[dict[str, Any]]:
    """Per (task, objective): mean and std over seeds of novel forms (and their fraction),
    validity and memorization at every curve point the seeds share."""
    groups: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for record in records:
        curve = run_curve(record)
        if curve is not None:
            groups[(record.task, record.objective)].append(curve)
    rows = []
    for (task, objective), curves in groups.items():
        shared = set.intersection(*({p["draws"] for p in c["points"]} for c in curves))
        by_draws = [{p["draws"]: p for p in c["points"]} for c in curves]
        points = []
        for n in sorted(shared):
            point: dict[str, Any] = {"draws": n, "k": by_draws[0][n]["k"]}
            for key in ("novel_forms", "novel_fraction", "validity", "memorization"):
                values = [d[n][key] for d in by_draws]
                if all(isinstance(v, (int, float)) for v in values):
                    point[key], point[f"{key}_std"] = _mean_std([float(v) for v in values])
                else:
                    point[key] = point[f"{key}_std"] = None
            points.append(point)
        first = curves[0]["summary"]
        rows.append({"task": task, "objective": objective, "seeds": len(curves), "prompts": first["prompts"],
                     "draws_per_prompt": min(c["summary"]["draws_per_prompt"] for c in curves),
                     "novel_total": first["novel_total"], "points": points})
    return rows


def discovery_markdown(rows: list[dict[str, Any]]) -> list[str]:
    """The table: novel forms found (mean ± std over seeds) after 1 and K draws per prompt."""
    if not rows:
        return []
    lines = ["| task | objective | seeds | N | K | novel forms @1 | novel forms @K | fraction of the novel forms @K | validity @K | memorization @K |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        n = r["prompts"]
        one = next(p for p in r["points"] if p["draws"] == n)
        end = r["points"][-1]
        frac = f"{end['novel_fraction']:.3f} ± {end['novel_fraction_std']:.3f}" if end["novel_fraction"] is not None else "-"
        lines.append(f"| {r['task']} | {r['objective']} | {r['seeds']} | {n} | {r['draws_per_prompt']} | "
                     f"{one['novel_forms']:.0f} ± {one['novel_forms_std']:.0f} | {end['novel_forms']:.0f} ± {end['novel_forms_std']:.0f} | "
                     f"{frac} | {end['validity']:.3f} | {end['memorization']:.3f} |")
    if any(r["points"][-1]["novel_fraction"] is None for r in rows):
        lines.append("")
        lines.append("`-`: the task cannot count the novel forms that exist, or none exist (the training set covers every form).")
    return lines


def discovery_figure(rows: list[dict[str, Any]], tasks: list[str], objectives: list[str], path: Path) -> Path:
    """One panel per task: distinct novel forms found (as a fraction of those that exist where
    countable) against draws, log-scaled, one line per objective (mean over seeds, band ± std)."""
    from creativity_bench.report.figures import _grid, _plt, _save

    plt = _plt()
    present = [t for t in tasks if any(r["task"] == t for r in rows)]
    fig, axes = _grid(plt, 1, max(len(present), 1), width=3.6, height=3.0)
    colors = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    for j, task in enumerate(present):
        ax = axes[0][j]
        fraction = all(r["points"][-1]["novel_fraction"] is not None for r in rows if r["task"] == task)
        key = "novel_fraction" if fraction else "novel_forms"
        for i, objective in enumerate(objectives):
            row = next((r for r in rows if r["task"] == task and r["objective"] == objective), None)
            if row is None:
                continue
            xs = [p["draws"] for p in row["points"]]
            ys = [p[key] for p in row["points"]]
            sd = [p[f"{key}_std"] for p in row["points"]]
            color = colors[i % len(colors)]
            ax.plot(xs, ys, label=objective, color=color, linewidth=1.4)
            low = [max(0.0, y - s) for y, s in zip(ys, sd)]
            high = [min(1.0, y + s) if fraction else y + s for y, s in zip(ys, sd)]
            ax.fill_between(xs, low, high, color=color, alpha=0.15, linewidth=0)
        ax.set_xscale("log")
        ax.set_xlabel("draws (N prompts x k)", fontsize=8)
        ax.set_ylabel("fraction of novel forms found" if fraction else "novel forms found", fontsize=8)
        ax.set_title(task, fontsize=10)
        ax.legend(fontsize=7)
    return _save(fig, path)
