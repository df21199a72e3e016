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
"""

from __future__ import annotations

import argparse
import hashlib
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


def summarise(cells: list[dict]) -> dict:
    """Per regime and metric: largest and RMS change against the first thread count, and the
    mean across-seed standard deviation (per task and objective) at the first thread count."""
    out: dict = {"cells": len(cells), "identical_samples": sum(c["identical"] for c in cells)}
    for regime in ("metrics", "secondary"):
        for m in METRIC_NAMES:
            changes = [abs(r[regime][m] - c["runs"][0][regime][m]) for c in cells for r in c["runs"][1:]]
            groups: dict[tuple[str, str], list[float]] = {}
            for c in cells:
                groups.setdefault((c["task"], c["objective"]), []).append(c["runs"][0][regime][m])
            sds = [sd(v) for v in groups.values() if len(v) > 1]
            out[f"{regime}.{m}"] = {"max_change": max(changes, default=0.0),
                                    "rms_change": math.sqrt(sum(d * d for d in changes) / len(changes)) if changes else 0.0,
                                    "mean_seed_sd": sum(sds) / len(sds) if sds else None}
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--preset", default="cpu")
    ap.add_argument("--tasks", nargs="+", default=["sibling", "circle"])
    ap.add_argument("--objectives", nargs="+", default=["ntp", "teacherless"])
    ap.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2])
    ap.add_argument("--threads", nargs="+", type=int, default=[1, 2], help="Torch thread counts; the first is the reference.")
    ap.add_argument("--runs", type=Path, default=None, help="Keep the run directories here (default: temporary).")
    ap.add_argument("--json", type=Path, default=Path("benchmarks/results/reproduce_drift.json"))
    args = ap.parse_args()
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
    print(f"{summary['identical_samples']} of {summary['cells']} cells gave byte-identical samples across thread counts")
    for key, row in summary.items():
        if isinstance(row, dict):
            seed_sd = "-" if row["mean_seed_sd"] is None else f"{row['mean_seed_sd']:.3f}"
            print(f"{key:24s} max change {row['max_change']:.3f}  rms {row['rms_change']:.3f}  across-seed sd {seed_sd}")
    doc = {"machine": machine_info(False, torch=torch.__version__, cpu_capability=torch.backends.cpu.get_cpu_capability()),
           "preset": args.preset, "threads": args.threads, "summary": summary, "cells": cells}
    write_json(args.json, doc)
    print(f"wrote {args.json}")


if __name__ == "__main__":
    main()
