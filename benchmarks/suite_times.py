"""How long each shard of a results tree took: the sum over its runs of the run's own wall time
(results.json ``run_wall_time_s``: instance, training, both sampling regimes, scoring; a resumed
run counts only its last part) and of training alone (``training.wall_time_s``).

Run times on a shared machine include whatever else ran beside them: runs whose training took
more than ``--busy`` times the median of their task are listed as contended, and each shard is
also given with those runs at their task's median, an estimate of the shard on quiet cores.

    python benchmarks/suite_times.py results/reference/cpu --shards 4 --json benchmarks/results/suite_times_cpu.json
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from machine import machine_info, write_json  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("results", type=Path)
    parser.add_argument("--shards", type=int, default=4)
    parser.add_argument("--busy", type=float, default=1.5, help="a run slower than this x its task's median training time is contended")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()

    from creativity_bench.registry import BUILTIN_OBJECTIVES
    from creativity_bench.suite import DEFAULT_SEEDS, grid, shard_cells
    from creativity_bench.tasks import task_names

    # The grid `cbench suite` made: the built-in objectives, and any other found in the tree, in its order.
    found = sorted({p.name for p in args.results.glob("*/*") if p.is_dir()} - set(BUILTIN_OBJECTIVES) - {"report"})
    cells = grid(task_names(), [*BUILTIN_OBJECTIVES, *found], list(DEFAULT_SEEDS))
    docs = {}
    for cell in cells:
        path = cell.run_dir(args.results) / "results.json"
        if path.is_file():
            docs[cell] = json.loads(path.read_text())
    medians = {}
    for task in task_names():
        times = [d["training"]["wall_time_s"] for c, d in docs.items() if c.task == task]
        medians[task] = statistics.median(times) if times else None
    shards, contended = [], []
    for i in range(1, args.shards + 1):
        mine = shard_cells(cells, (i, args.shards))
        done = [c for c in mine if c in docs]
        run_s = sum(docs[c].get("run_wall_time_s", 0.0) for c in done)
        train_s = sum(docs[c]["training"]["wall_time_s"] for c in done)
        busy = [c for c in done if docs[c]["training"]["wall_time_s"] > args.busy * medians[c.task]]
        quiet = run_s - sum(docs[c]["training"]["wall_time_s"] - medians[c.task] for c in busy)
        contended += [f"{c.label} ({docs[c]['training']['wall_time_s']:.0f} s, median {medians[c.task]:.0f} s)" for c in busy]
        shards.append({"shard": f"{i}/{args.shards}", "runs": len(mine), "finished": len(done), "run_s": round(run_s), "train_s": round(train_s),
                       "contended_runs": len(busy), "run_s_contended_at_median": round(quiet)})
        print(f"shard {i}/{args.shards}: {len(done)}/{len(mine)} runs, {run_s / 60:.0f} min of runs ({train_s / 60:.0f} min training); "
              f"{len(busy)} contended, about {quiet / 60:.0f} min with them at their task's median")
    total = sum(s["run_s"] for s in shards)
    print(f"all: {len(docs)}/{len(cells)} runs, {total / 3600:.2f} h of runs; medians of training per task: "
          + ", ".join(f"{t} {m:.0f} s" for t, m in medians.items() if m))
    if contended:
        print("contended: " + "; ".join(contended))
    if args.json:
        write_json(args.json, {"machine": machine_info(quick=False), "command": " ".join(["python", *sys.argv]), "shards": shards,
                               "training_median_s": medians, "contended": contended})


if __name__ == "__main__":
    main()
