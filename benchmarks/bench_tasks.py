"""Instance generation and scoring throughput, `cbench --help` latency, and the no-torch check.

    python benchmarks/bench_tasks.py            # best of 3
    python benchmarks/bench_tasks.py --quick    # best of 1, < 60 s on 2 cores

Targets (task-suite issue): each paper-preset instance generated and written in <= 2 s;
100,000 samples of any task scored in <= 2 s; `cbench --help` in < 0.5 s; the CLI, tasks and
scoring import no torch. Samples to score are built to be mostly distinct (the cache of
repeated answers would otherwise flatter the scorer) and about half of them coherent.
The last line is the headline: the slowest of all generation and scoring times.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

N_SCORE = 100_000


def cpu_name() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def answers_to_score(instance, n: int) -> list[str]:
    """About half coherent, half corrupted, nearly all distinct."""
    from creativity_bench.seeding import below, derive_key, words
    from creativity_bench.tasks.edges import shuffled_walks
    from creativity_bench.tasks.triangle import _adjacency, triangles_of

    p = instance.task.params
    key = derive_key("bench-answers", instance.fingerprint)
    w = words(key, n, 4)
    if instance.name == "sibling":
        parents = instance.structure["parents"]
        names = list(parents)
        par = below(w[:, 0], len(names))
        other = below(w[:, 3], len(names))
        out = []
        for i in range(n):
            a = names[par[i]]
            b = parents[a]["first"][below(w[i : i + 1, 1], p.children)[0]]
            c_parent = a if i % 2 == 0 else names[other[i]]
            c = parents[c_parent]["second"][below(w[i : i + 1, 2], p.children)[0]]
            out.append(f"{b} {c} {a}")
        return out
    if instance.name == "triangle":
        tris = triangles_of(_adjacency(instance.structure, p.vertices))
        pick, v = below(w[:, 0], len(tris)), below(w[:, 1], p.vertices)
        out = []
        for i in range(n):
            a, b, c = tris[pick[i]]
            if i % 2:
                c = int(v[i])  # usually not a triangle
            out.append(f"V{a} V{b} | V{b} V{c} | V{c} V{a}")
        return out
    closed = instance.name == "circle"
    k = p.cycle_length if closed else p.path_length
    walks = shuffled_walks(key, n, p.vertices, k, closed)
    # Corrupt every other answer by swapping two target vertices (breaks the structure).
    out = []
    for i, a in enumerate(walks):
        if i % 2:
            t = a.split()
            t[1], t[4] = t[4], t[1]
            if t[1] == t[0] or t[4] == t[3]:
                t[1], t[4] = t[4], t[1]
            a = " ".join(t)
        out.append(a)
    return out


def best_of(fn, reps: int) -> float:
    times = []
    for _ in range(reps):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--json", type=Path, default=Path("benchmarks/results/bench_tasks.json"))
    args = ap.parse_args()
    reps = 1 if args.quick else 3

    from creativity_bench.scoring import score_answers
    from creativity_bench.tasks import TASKS, make_task, write_instance

    rows = []
    for name in TASKS:
        def generate_and_write():
            inst = make_task(name, "paper").generate(0)
            with tempfile.TemporaryDirectory() as tmp:
                write_instance(inst, Path(tmp) / "inst")

        gen_s = best_of(generate_and_write, reps)
        instance = make_task(name, "paper").generate(0)
        answers = answers_to_score(instance, N_SCORE)
        score_s = best_of(lambda: score_answers(instance, answers), reps)
        scores, _ = score_answers(instance, answers)
        rows.append({
            "task": name, "generate_write_s": round(gen_s, 3), "score_100k_s": round(score_s, 3),
            "distinct_answers": len(set(answers)), "validity_of_bench_answers": round(scores.validity, 3),
        })

    help_times = []
    for _ in range(3 if args.quick else 5):
        t0 = time.perf_counter()
        subprocess.run(["cbench", "--help"], capture_output=True, check=True)
        help_times.append(time.perf_counter() - t0)
    probe = subprocess.run(
        [sys.executable, "-c", "import sys, creativity_bench.cli, creativity_bench.tasks, creativity_bench.scoring; print('torch' in sys.modules)"],
        capture_output=True, text=True, check=True,
    )
    machine = {
        "cpu": cpu_name(), "cores": os.cpu_count(), "python": platform.python_version(), "numpy": np.__version__,
        "utc_time": datetime.now(timezone.utc).isoformat(timespec="seconds"), "quick": args.quick,
    }
    summary = {"help_s": round(min(help_times), 3), "torch_imported": probe.stdout.strip() == "True"}
    print(f"machine: {machine['cpu']}, {machine['cores']} cores, Python {machine['python']}, numpy {machine['numpy']}")
    print(f"{'task':9s} {'generate+write s':>17s} {'score 100k s':>13s} {'distinct':>9s} {'valid':>6s}")
    for r in rows:
        print(f"{r['task']:9s} {r['generate_write_s']:17.3f} {r['score_100k_s']:13.3f} {r['distinct_answers']:9d} {r['validity_of_bench_answers']:6.3f}")
    print(f"cbench --help: {summary['help_s']:.3f} s; torch imported by cli/tasks/scoring: {summary['torch_imported']}")
    args.json.parent.mkdir(parents=True, exist_ok=True)
    tmp = args.json.with_suffix(".tmp")
    tmp.write_text(json.dumps({"machine": machine, "rows": rows, "summary": summary}, indent=1) + "\n")
    os.replace(tmp, args.json)
    worst = max(max(r["generate_write_s"], r["score_100k_s"]) for r in rows)
    print(f"tasks_worst_s={worst:.3f}")


if __name__ == "__main__":
    main()
