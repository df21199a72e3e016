"""`cbench report`: a results tree into report.md, report.json and PNG figures."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from creativity_bench.errors import CBenchError
from creativity_bench.io import atomic_write_text, dumps_json
from creativity_bench.registry import BUILTIN_OBJECTIVES
from creativity_bench.report import figures
from creativity_bench.report.aggregate import (
    aggregate,
    aggregate_curves,
    collect_runs,
    fmt,
    instance_headers,
    ordered,
    zero_notes,
)
from creativity_bench.report.discovery import aggregate_discovery, discovery_figure, discovery_markdown
from creativity_bench.report.study import study_markdown, study_table
from creativity_bench.report.sweeps import all_points, seed_length_points, seed_temperature_points, sweep_table
from creativity_bench.runs import RUN_METRICS, safe_name
from creativity_bench.scoring.metrics import METRICS
from creativity_bench.tasks import STUDY_ORDER

REPORT_SCHEMA = "creativity-bench/report/2"  # 2: rows record their sampling and the other regime


def metrics_markdown(rows: list[dict[str, Any]]) -> list[str]:
    """The headline table: every run metric in the regime each run was reported in."""
    lines = ["| task | objective | seeds | sampling | " + " | ".join(m.replace("_", " ") for m in RUN_METRICS) + " |",
             "|---|---|---|---|" + "---|" * len(RUN_METRICS)]
    for r in rows:
        cells = " | ".join(fmt(r[m], r[f"{m}_std"]) for m in RUN_METRICS)
        lines.append(f"| {r['task']} | {r['objective']} | {','.join(map(str, r['seeds']))} | {regime(r)} | {cells} |")
    return lines


def regime(row: dict[str, Any]) -> str:
    return row["sampling"] + (" (standard)" if row["standard"] else "")


def regimes_markdown(rows: list[dict[str, Any]]) -> list[str]:
    """Creativity and validity in both regimes side by side."""
    lines = ["| task | objective | sampling | creativity | validity | other regime | creativity | validity |",
             "|---|---|---|---|---|---|---|---|"]
    for r in rows:
        o = r["secondary"]
        lines.append(f"| {r['task']} | {r['objective']} | {regime(r)} | {fmt(r['creativity'], r['creativity_std'])} | "
                     f"{fmt(r['validity'], r['validity_std'])} | {regime(o)} | {fmt(o['creativity'], o['creativity_std'])} | "
                     f"{fmt(o['validity'], o['validity_std'])} |")
    return lines


def sweep_markdown(rows: list[dict[str, Any]]) -> list[str]:
    lines = ["| task | objective | seed length | decoding | " + " | ".join(METRICS) + " |", "|---|---|---|---|" + "---|" * len(METRICS)]
    for r in rows:
        length = "null" if r["seed_length"] == 0 else str(r["seed_length"])
        lines.append(f"| {r['task']} | {r['objective']} | {length} | {r['decoding']} | "
                     + " | ".join(fmt(r[m], r[f"{m}_std"]) for m in METRICS) + " |")
    return lines


def make_report(root: Path, out: Path | None = None, sweep_objectives: list[str] | None = None, sweeps: bool = True,
                on_sweep_point: Callable[[], None] | None = None) -> dict[str, Any]:
    """Aggregate ``root`` and write OUT/report.md, OUT/report.json and OUT/*.png (OUT defaults to ROOT/report)."""
    root = Path(root)
    out = Path(out) if out else root / "report"
    records = collect_runs(root)
    tasks = ordered([r.task for r in records], STUDY_ORDER)
    objectives = ordered([r.objective for r in records], BUILTIN_OBJECTIVES)
    rows = aggregate(records, tasks, objectives)
    curves = aggregate_curves(records)
    preset = records[0].preset
    if sweep_objectives is None:
        sweep_objectives = [objectives[0]]
    unknown = [o for o in sweep_objectives if o not in objectives]
    if unknown:
        raise CBenchError(f"--sweep-objective {unknown[0]}: no runs of it in {root} (found: {', '.join(objectives)})")

    figs = {
        "creativity_memorization": figures.metric_bars(rows, tasks, objectives, out / "creativity_memorization.png"),
        "validity_diversity": figures.metric_bars(rows, tasks, objectives, out / "validity_diversity.png", ("validity", "diversity")),
    }
    if curves:
        figs["training_curves"] = figures.training_curves(curves, tasks, objectives, out / "training_curves.png")
    discovery = aggregate_discovery(records)
    if discovery:
        figs["discovery"] = discovery_figure(discovery, tasks, objectives, out / "discovery.png")
    sweep_rows: list[dict[str, Any]] = []
    if sweeps:
        chosen = [r for r in records if r.objective in sweep_objectives]
        sweep_rows = sweep_table(chosen, root, all_points(), on_sweep_point)
        st_keys = {(p.seed_length, p.decoding) for p in seed_temperature_points()}
        sl_keys = {(p.seed_length, p.decoding) for p in seed_length_points()}
        for objective in sweep_objectives:
            mine = [r for r in sweep_rows if r["objective"] == objective and (r["seed_length"], r["decoding"]) in st_keys]
            figs[f"seed_vs_temperature_{objective}"] = figures.seed_temperature(mine, tasks, objective, out / f"seed_vs_temperature_{safe_name(objective)}.png")
        length_rows = [r for r in sweep_rows if (r["seed_length"], r["decoding"]) in sl_keys]
        figs["seed_length"] = figures.seed_length(length_rows, tasks, sweep_objectives, out / "seed_length.png")

    doc = {"schema": REPORT_SCHEMA, "results": str(root), "preset": preset, "runs": len(records), "tasks": tasks,
           "objectives": objectives, "rows": rows, "sweep_objectives": sweep_objectives if sweeps else [],
           "sweeps": sweep_rows, "curves_axis": figures.curves_axis(curves) if curves else None,
           "study": study_table(rows, sweep_rows, tasks, sweep_objectives, sweeps),
           "discovery": discovery, "instances": instance_headers(records),
           "figures": {k: v.name for k, v in figs.items()}}
    atomic_write_text(out / "report.json", dumps_json(doc))
    atomic_write_text(out / "report.md", report_markdown(doc))
    return doc


# Said under the first figures: what the error bars of the metric figures are (figures.clipped_errors).
ERROR_BARS = ["Bars and points are means over training seeds; their error bars are ± one sample standard deviation, clipped to",
              "[0, 1], where every metric lies (so a bar near 0 or 1 is shorter on that side)."]


def empty_notes(doc: dict[str, Any]) -> list[str]:
    """Why a task's creativity is 0 in every row of the headline table, when it is (the headline
    table has no `-` cells: a task or objective without runs has no row)."""
    by_task: dict[str, list[float]] = {}
    for r in doc["rows"]:
        by_task.setdefault(r["task"], []).append(r["creativity"])
    notes = zero_notes(by_task, doc["preset"], instances=doc.get("instances"))
    return ["", "Empty columns:", "", *notes] if notes else []


def report_markdown(doc: dict[str, Any]) -> str:
    figs = doc["figures"]
    lines = [
        f"# creativity-bench report: `{doc['preset']}` preset",
        "",
        f"Written by `cbench report` from {doc['runs']} runs. Each cell is the mean ± sample standard deviation over",
        "training seeds of the run's final evaluation (every evaluation prompt, fresh seeds), sampled with each",
        "objective's standard sampler unless the suite chose a mode (docs/spec.md, section 6): greedy decoding for",
        "left-to-right objectives, temperature 1 for diffusion.",
        "",
        *metrics_markdown(doc["rows"]),
        *empty_notes(doc),
        "",
        "## Both sampling regimes",
        "",
        "Every run also sampled the same prompts in the other regime (temperature 1 after greedy decoding, greedy",
        "after temperature sampling; same sampling seed), so the choice of sampler can be checked.",
        "",
        *regimes_markdown(doc["rows"]),
        "",
        "## Creativity and memorization",
        "",
        *ERROR_BARS,
        "",
        f"![creativity and memorization]({figs['creativity_memorization']})",
        "",
        f"![validity and diversity]({figs['validity_diversity']})",
    ]
    if "training_curves" in figs:
        if doc.get("curves_axis") == "flops":
            against = ["Periodic evaluation on a subset of the evaluation prompts, mean over seeds, plotted against the",
                       "training FLOPs each objective had spent, so objectives compare at any budget."]
        else:
            against = ["Periodic evaluation on a subset of the evaluation prompts, mean over seeds, plotted against the",
                       "training step (some runs record no training FLOPs)."]
        lines += ["", "## Over training", "", *against, "", f"![training curves]({figs['training_curves']})"]
    if doc.get("discovery"):
        lines += ["", "## Discovery curves (creativity@k)", "",
                  "K draws per evaluation prompt (fresh seeds for greedy decoding, fresh sampling keys otherwise; docs/discovery.md):",
                  "distinct novel coherent forms found, mean ± std over seeds, after 1 and after K draws per prompt.", "",
                  *discovery_markdown(doc["discovery"]), "", f"![discovery curves]({figs['discovery']})"]
    if not doc["sweeps"]:
        lines += ["", "## Seed-conditioning against temperature, and seed length", "",
                  "Not in this report: it was made with `--no-sweeps`, so the checkpoints were not re-sampled and the study's",
                  "seed-vs-temperature and seed-length rows below are marked not measured."]
    if doc["sweeps"]:
        lines += ["", "## Seed-conditioning against temperature, and seed length", "",
                  "Re-sampled from the trained checkpoints (no retraining). A seed of length k below the trained",
                  "length is k fresh random characters followed by fixed filler; the null seed (length 0) is the",
                  "same all-filler seed for every prompt, so greedy decoding gives one answer.", ""]
        for objective in doc["sweep_objectives"]:
            lines += [f"![seed vs temperature, {objective}]({figs[f'seed_vs_temperature_{objective}']})", ""]
        lines += [f"![seed length]({figs['seed_length']})", "", *sweep_markdown(doc["sweeps"])]
    lines += ["", *study_markdown(doc["study"], doc["preset"])]
    return "\n".join(lines) + "\n"
