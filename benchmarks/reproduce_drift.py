"""How far a run's metrics move when it is re-made in another environment: the tolerance of
`cbench leaderboard verify --reproduce` across environments (leaderboard/reproduce.py, DRIFT).

The same protocol run (TrainConfig of the preset, the objective's standard sampler, then the
other regime) is trained once per torch thread count in one process. Another thread count is
another float reduction order, so another but equally valid trajectory, as on another machine.
For every cell it records both regimes' metrics per thread count and whether the samples are
byte-identical, and summarises per metric the largest and the root-mean-square change against
the first thread count, beside the across-seed standard deviation of the same cells (a re-made
run in another environment is like another seed: its change should be about sqrt(2) times it).

    python benchmarks/reproduce_drift.py --preset cpu --tasks sibling circle --objectives ntp teacherless \\
        --seeds 0 1 2 --threads 1 2 --json benchmarks/results/reproduce_drift_cpu.json

    python benchmarks/reproduce_drift.py --preset smoke   # checks that it runs (seconds; smoke metrics are ~0)

With ``--compare CLAIMED REMADE`` it trains nothing: it compares two results trees
(TASK/OBJECTIVE/sSEED/results.json, as `cbench suite` writes them), the same runs made on two
machines (say the reference suite's cells and the same cells re-made elsewhere by
`cbench suite REMADE --objectives ntp --tasks .. --seeds ..`), over the cells both hold; the
across-seed spread is taken over every seed CLAIMED holds of the cell's task and objective.

    python benchmarks/reproduce_drift.py --compare results/reference/cpu runs/remade \
        --json benchmarks/results/reproduce_drift_machines_cpu.json
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from machine import machine_info, write_json  # noqa: E402

METRIC_NAMES = ("creativity", "memorization", "validity", "diversity")


def one_run(task: str, objective: str, preset: str, seed: int, threads: int, runs: Path | None) -> dict:
    """Train and sample one protocol run with ``threads`` torch threads; its metrics and sample hashes."""
    import torch

    from creativity_bench.leaderboard.protocol import INSTANCE_SEED, protocol_settings
    from creativity_bench.models.config import TrainConfig
    from creativity_bench.runs import run

    before = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        with tempfile.TemporaryDirectory(prefix="drift-") as tmp:
            out = (runs or Path(tmp)) / f"{task}-{objective}-s{seed}-t{threads}"
            started = time.perf_counter()
            cfg = TrainConfig(task=task, preset=preset, objective=objective, seed=seed, instance_seed=INSTANCE_SEED, accelerator="cpu")
            doc = run(cfg, out, protocol_settings(), overwrite=True, progress=False)
            wall = time.perf_counter() - started
            hashes = {name: hashlib.sha256((out / name).read_bytes()).hexdigest() for name in ("samples.jsonl", "samples_secondary.jsonl")}
    finally:
        torch.set_num_threads(before)
    return {"threads": threads, "wall_s": round(wall, 1), "final_loss": doc["training"]["final_loss"],
            "metrics": {m: doc["metrics"][m] for m in METRIC_NAMES},
            "secondary": {m: doc["secondary"]["metrics"][m] for m in METRIC_NAMES}, "samples_sha256": hashes}


def sd(values: list[float]) -> float:
    if len(values) < 2:
        return 0.0
    mean = sum(values) / len(values)
    return math.sqrt(sum((v - mean) ** 2 for v in values) / (len(values) - 1))


def summarise(cells: list[dict], seed_groups: dict[tuple[str, str], list[dict]] | None = None) -> dict:
    """Per regime and metric: largest and RMS change against the first run of each cell, and the
    mean across-seed standard deviation (per task and objective) of ``seed_groups``, the runs of
    every seed per task and objective (default: the first run of each cell)."""
    if seed_groups is None:
        seed_groups = {}
        for c in cells:
            seed_groups.setdefault((c["task"], c["objective"]), []).append(c["runs"][0])
    out: dict = {"cells": len(cells), "identical_samples": sum(c["identical"] for c in cells)}
    for regime in ("metrics", "secondary"):
        for m in METRIC_NAMES:
            changes = [abs(r[regime][m] - c["runs"][0][regime][m]) for c in cells for r in c["runs"][1:]]
            sds = [sd([r[regime][m] for r in rows]) for rows in seed_groups.values() if len(rows) > 1]
            out[f"{regime}.{m}"] = {"max_change": max(changes, default=0.0),
                                    "rms_change": math.sqrt(sum(d * d for d in changes) / len(changes)) if changes else 0.0,
                                    "mean_seed_sd": sum(sds) / len(sds) if sds else None}
    return out


def read_run(run_dir: Path) -> dict:
    """One committed run as one_run describes it: metrics of both regimes, sample hashes, where made."""
    doc = json.loads((run_dir / "results.json").read_text())
    env = doc.get("environment", {})
    hashes = {name: hashlib.sha256((run_dir / name).read_bytes()).hexdigest() for name in ("samples.jsonl", "samples_secondary.jsonl")}
    return {"platform": env.get("platform"), "machine": env.get("machine"), "utc_time": env.get("utc_time"),
            "git_commit": env.get("git_commit"), "final_loss": doc["training"]["final_loss"],
            "metrics": {m: doc["metrics"][m] for m in METRIC_NAMES},
            "secondary": {m: doc["secondary"]["metrics"][m] for m in METRIC_NAMES}, "samples_sha256": hashes}


def compare(claimed: Path, remade: Path) -> tuple[list[dict], dict[tuple[str, str], list[dict]]]:
    """The cells both trees hold, as (claimed, remade) pairs, and every claimed seed per cell."""
    cells, groups = [], {}
    for found in sorted(remade.glob("*/*/s*/results.json")):
        task, objective, seed = found.parts[-4], found.parts[-3], found.parts[-2]
        mine = claimed / task / objective / seed
        if not (mine / "results.json").is_file():
            continue
        runs = [read_run(mine), read_run(found.parent)]
        identical = runs[0]["samples_sha256"] == runs[1]["samples_sha256"]
        cells.append({"task": task, "objective": objective, "seed": int(seed[1:]), "identical": identical, "runs": runs})
        if (task, objective) not in groups:
            groups[(task, objective)] = [read_run(d.parent) for d in sorted((claimed / task / objective).glob("s*/results.json"))]
        print(f"{task}/{objective}/{seed}: creativity (headline/other) claimed {runs[0]['metrics']['creativity']:.3f}/"
              f"{runs[0]['secondary']['creativity']:.3f}  re-made {runs[1]['metrics']['creativity']:.3f}/"
              f"{runs[1]['secondary']['creativity']:.3f}  {'identical' if identical else 'differ'}", flush=True)
    if not cells:
        raise SystemExit(f"error: {remade} holds no run that {claimed} also holds")
    return cells, groups


def print_summary(summary: dict, what: str) -> None:
    print(f"{summary['identical_samples']} of {summary['cells']} cells gave byte-identical samples {what}")
    for key, row in summary.items():
        if isinstance(row, dict):
            seed_sd = "-" if row["mean_seed_sd"] is None else f"{row['mean_seed_sd']:.3f}"
            print(f"{key:24s} max change {row['max_change']:.3f}  rms {row['rms_change']:.3f}  across-seed sd {seed_sd}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--preset", default="cpu")
    ap.add_argument("--tasks", nargs="+", default=["sibling", "circle"])
    ap.add_argument("--objectives", nargs="+", default=["ntp", "teacherless"])
    ap.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2])
    ap.add_argument("--threads", nargs="+", type=int, default=[1, 2], help="Torch thread counts; the first is the reference.")
    ap.add_argument("--runs", type=Path, default=None, help="Keep the run directories here (default: temporary).")
    ap.add_argument("--compare", type=Path, nargs=2, metavar=("CLAIMED", "REMADE"),
                    help="Train nothing: compare two results trees of the same runs made on two machines.")
    ap.add_argument("--json", type=Path, default=Path("benchmarks/results/reproduce_drift.json"))
    args = ap.parse_args()
    if args.compare:
        cells, groups = compare(*args.compare)
        summary = summarise(cells, groups)
        print_summary(summary, "on the two machines")
        write_json(args.json, {"compared": [str(p) for p in args.compare], "machine": machine_info(False), "summary": summary, "cells": cells})
        print(f"wrote {args.json}")
        return
    if len(args.threads) < 2:
        ap.error("give at least two thread counts to compare")
    import torch

    cells = []
    for task in args.tasks:
        for objective in args.objectives:
            for seed in args.seeds:
                runs = [one_run(task, objective, args.preset, seed, t, args.runs) for t in args.threads]
                identical = all(r["samples_sha256"] == runs[0]["samples_sha256"] for r in runs)
                cells.append({"task": task, "objective": objective, "seed": seed, "identical": identical, "runs": runs})
                shown = "  ".join(f"t{r['threads']}: {r['metrics']['creativity']:.3f}/{r['secondary']['creativity']:.3f}" for r in runs)
                print(f"{task}/{objective}/s{seed}: creativity (headline/other) {shown}  {'identical' if identical else 'differ'}", flush=True)
    summary = summarise(cells)
    print_summary(summary, "across thread counts")
    doc = {"machine": machine_info(False, torch=torch.__version__, cpu_capability=torch.backends.cpu.get_cpu_capability()),
           "preset": args.preset, "threads": args.threads, "summary": summary, "cells": cells}
    write_json(args.json, doc)
    print(f"wrote {args.json}")


if __name__ == "__main__":
    main()
