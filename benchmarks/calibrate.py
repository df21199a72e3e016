"""Calibrate the `cpu` preset: run every task x objective and tabulate what the models learned.

    python benchmarks/calibrate.py --objectives ntp teacherless --out results/calibration

Each cell is one `cbench run TASK --objective OBJ --preset cpu --seed S` in a fresh process,
timed end to end (instance generation, training, sampling, scoring). Writes
OUT/calibration.json (every results.json, plus the wall time) and OUT/calibration.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

from machine import cpu_name, write_json  # benchmarks/machine.py

TASKS = ("sibling", "triangle", "circle", "line")
VALIDITY_TARGET = 0.5
WALL_TARGET_S = 180.0



def run_cell(task: str, objective: str, preset: str, seed: int, workdir: Path, extra: list[str]) -> dict:
    out = workdir / f"{task}-{objective}-s{seed}"
    cmd = ["cbench", "run", task, "--objective", objective, "--preset", preset, "--seed", str(seed), "--out", str(out), "--quiet", *extra]
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    if proc.returncode:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{proc.stderr[-2000:]}")
    doc = json.loads((out / "results.json").read_text())
    return {"task": task, "objective": objective, "seed": seed, "command": " ".join(cmd[:-4] + cmd[-2:]).replace(f" --out {out}", ""), "wall_s": round(wall, 1), "results": doc}


def suite_cells(root: Path, tasks: list[str], objectives: list[str], seed: int, preset: str) -> list[dict]:
    """Cells read from a suite tree (RESULTS/TASK/OBJECTIVE/sSEED/results.json)."""
    cells = []
    for task in tasks:
        for objective in objectives:
            path = root / task / objective / f"s{seed}" / "results.json"
            if not path.exists():
                raise SystemExit(f"{path}: missing; run `cbench suite {root} --preset {preset}` first")
            doc = json.loads(path.read_text())
            if doc["model"]["preset"] != preset:
                raise SystemExit(f"{path}: preset {doc['model']['preset']}, not {preset}")
            cells.append({"task": task, "objective": objective, "seed": seed,
                          "command": f"cbench suite {root} --preset {preset} (cell {task}/{objective}/s{seed})",
                          "wall_s": doc["run_wall_time_s"], "results": doc})
    return cells


def curves_figure(cells: list[dict], out: Path) -> str:
    """Validity and creativity over training of every cell (its periodic evaluation), as a PNG."""
    from creativity_bench.report.figures import training_curves
    from creativity_bench.tasks import STUDY_ORDER

    curves = {}
    for c in cells:
        rows = c["results"].get("curve") or []
        if rows:
            curves[(c["task"], c["objective"])] = {k: [float(r[k]) for r in rows] for k in ("step", "validity", "creativity", "memorization")}
    if not curves:
        return ""
    tasks = [t for t in STUDY_ORDER if any(k[0] == t for k in curves)]
    objectives = list(dict.fromkeys(c["objective"] for c in cells))
    path = training_curves(curves, tasks, objectives, out / "calibration_curves.png", metrics=("validity", "memorization"))
    return (f"\nLearning curves (periodic evaluation on {cells[0]['results']['training']['config']['eval_subset']} prompts, "
            f"same decoding as the final column):\n\n![learning curves]({path.name})\n")


def sampling_label(s: dict, objective: str) -> str:
    """How a cell decoded: greedy, or temperature T; diffusion samplers add their step count."""
    label = "greedy" if s["mode"] == "greedy" else f"T={s['temperature']:g}"
    if objective.startswith("diffusion"):
        label += f", S={s['steps']}" if s.get("steps") else ", S=answer length"
    return label


def markdown(cells: list[dict], machine: str, preset: str) -> str:
    lines = [
        f"# `{preset}` preset calibration",
        "",
        f"Produced by `python benchmarks/calibrate.py` on {machine}, {datetime.now(timezone.utc):%Y-%m-%d}.",
        f"Fresh seeds, N evaluation prompts per run, decoding as in the `sampling` column. Target: validity >= {VALIDITY_TARGET} and",
        f"at most {WALL_TARGET_S:.0f} s per run (whole `cbench run`, wall clock).",
        "",
        "| task | objective | seed | steps | sampling | validity | creativity | memorization | diversity | train fit | N | train s | run s | ok |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for c in cells:
        m, t = c["results"]["metrics"], c["results"]["training"]
        ok = m["validity"] >= VALIDITY_TARGET and c["wall_s"] <= WALL_TARGET_S
        lines.append(
            f"| {c['task']} | {c['objective']} | {c['seed']} | {t['steps']} | {sampling_label(c['results']['sampling'], c['objective'])} | {m['validity']:.3f} | {m['creativity']:.3f} | {m['memorization']:.3f} | "
            f"{m['diversity']:.3f} | {m['train_fit']:.3f} | {m['n']} | {t['wall_time_s']:.0f} | {c['wall_s']:.0f} | {'yes' if ok else 'NO'} |"
        )
    from_suite = sorted({c["objective"] for c in cells if c["command"].startswith("cbench suite")})
    if from_suite:
        lines += ["", f"Cells of {', '.join(from_suite)} are the seed-{cells[0]['seed']} runs of the reference suite "
                  "(`calibrate.py --from-suite`): their run time is the run's own wall time inside `cbench suite` "
                  "(instance, training, sampling, scoring; no process start-up, about 3 s)."]
    return "\n".join(lines) + "\n"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tasks", nargs="+", default=list(TASKS))
    ap.add_argument("--objectives", nargs="+", default=["ntp", "teacherless"])
    ap.add_argument("--preset", default="cpu")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", type=Path, default=Path("results/calibration"))
    ap.add_argument("--keep-runs", action="store_true", help="Keep the run directories under OUT/runs.")
    ap.add_argument("--from-suite", type=Path, default=None, metavar="RESULTS",
                    help="Tabulate the --seed runs of a finished `cbench suite` tree instead of running cells; "
                         "run s is then the run's own wall time (results.json run_wall_time_s, no process start-up).")
    ap.add_argument("extra", nargs="*", help="Extra `cbench run` options after --, e.g. -- --steps 100.")
    args = ap.parse_args()
    args.keep_runs = args.keep_runs or bool(args.from_suite)  # nothing to clean up

    machine = f"{cpu_name()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    workdir = args.out / "runs" if args.keep_runs else Path(tempfile.mkdtemp(prefix="cbench-calibrate-"))
    cells = []
    if args.from_suite:
        cells = suite_cells(args.from_suite, args.tasks, args.objectives, args.seed, args.preset)
    try:
        for task in (args.tasks if not args.from_suite else []):
            for objective in args.objectives:
                cell = run_cell(task, objective, args.preset, args.seed, workdir, args.extra)
                m = cell["results"]["metrics"]
                print(f"{task:9s} {objective:18s} validity={m['validity']:.3f} creativity={m['creativity']:.3f} "
                      f"memorization={m['memorization']:.3f} wall={cell['wall_s']:.0f}s", flush=True)
                cells.append(cell)
    finally:
        if not args.keep_runs:
            shutil.rmtree(workdir, ignore_errors=True)
    args.out.mkdir(parents=True, exist_ok=True)
    # Merge with earlier cells (other objectives), replacing any cell measured again.
    previous = args.out / "calibration.json"
    if previous.exists():
        old = json.loads(previous.read_text())
        if old.get("preset") == args.preset:
            fresh = {(c["task"], c["objective"], c["seed"]) for c in cells}
            cells = [c for c in old["cells"] if (c["task"], c["objective"], c["seed"]) not in fresh] + cells
    order = {t: i for i, t in enumerate(TASKS)}
    cells.sort(key=lambda c: (order.get(c["task"], 99), c["objective"], c["seed"]))
    doc = {"machine": machine, "preset": args.preset, "utc_time": datetime.now(timezone.utc).isoformat(timespec="seconds"), "cells": cells}
    write_json(args.out / "calibration.json", doc)
    (args.out / "calibration.md").write_text(markdown(cells, machine, args.preset) + curves_figure(cells, args.out))
    worst = min(c["results"]["metrics"]["validity"] for c in cells)
    print(f"calibration_min_validity={worst:.3f}")
    sys.exit(0)


if __name__ == "__main__":
    main()
