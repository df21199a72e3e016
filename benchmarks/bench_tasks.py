"""Instance generation and scoring throughput, `cbench --help` latency, and the no-torch check.

    python benchmarks/bench_tasks.py            # best of 3 (5 for --help)
    python benchmarks/bench_tasks.py --quick    # best of 1 (3 for --help), < 60 s on 2 cores

Targets (task-suite issue): each paper-preset instance generated and all its files written in
<= 2 s; 100,000 samples of any task scored in <= 2 s; `cbench --help` in < 0.5 s; the CLI, tasks
and scoring import no torch.

Generation is timed as `cbench generate` does it: make_task + generate + write_instance into a
fresh directory. Scoring times `score_answers` on a freshly generated instance each repetition,
so the lazily built checker and training canonical forms are paid for, as `cbench score` pays
them. The answers are built honestly: about half coherent (new samples drawn with a key other
than the training set's), half corrupted in several ways, and nearly all distinct strings
(the scorer caches repeated answers, so repeats would flatter it). Triangle is the exception
the task imposes: its graph has only a few thousand triangles, so its coherent half repeats.

The last line printed is the headline: the slowest generation or scoring time of all tasks.
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
from machine import best_of, cpu_name, write_json  # benchmarks/machine.py

N_SCORE = 100_000
PRESET = "paper"
INSTANCE_SEED = 0
TARGETS = {"generate_write_s": 2.0, "score_100k_s": 2.0, "help_s": 0.5}



def machine_info(quick: bool) -> dict:
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:
        usable = os.cpu_count()
    return {
        "cpu": cpu_name(),
        "cpu_count": os.cpu_count(),
        "usable_cores": usable,
        "platform": platform.platform(),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "utc_time": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "quick": quick,
    }


# --- answers to score -------------------------------------------------------------------------


def sibling_answers(instance, n: int, rng: np.random.Generator) -> list[str]:
    """Half coherent triples; half wrong parent, wrong type order or wrong length."""
    p = instance.task.params
    parents = instance.structure["parents"]
    names = list(parents)
    first = np.array([parents[a]["first"] for a in names])
    second = np.array([parents[a]["second"] for a in names])
    par = rng.integers(0, p.parents, n)
    b = first[par, rng.integers(0, p.children, n)]
    other = (par + rng.integers(1, max(p.parents, 2), n)) % p.parents  # a different parent (when P > 1)
    same = np.arange(n) % 2 == 0
    c = second[np.where(same, par, other), rng.integers(0, p.children, n)]
    a = np.array(names)[par]
    out = []
    for i, (bi, ci, ai) in enumerate(zip(b.tolist(), c.tolist(), a.tolist(), strict=True)):
        if same[i] or i % 6 == 1:
            out.append(f"{bi} {ci} {ai}" if p.order == "parent_last" else f"{ai} {bi} {ci}")
        elif i % 6 == 3:
            out.append(f"{ai} {ci} {bi}")  # wrong type order
        else:
            out.append(f"{bi} {ci}")  # wrong length
    return out


def triangle_answers(instance, n: int, rng: np.random.Generator) -> list[str]:
    """Half triangles of the graph in a random orientation; half broken chains or non-edges."""
    from creativity_bench.tasks.triangle import ORIENTATIONS, _adjacency, triangles_of

    p = instance.task.params
    tris = np.array(triangles_of(_adjacency(instance.structure, p.vertices)))
    picked = tris[rng.integers(0, len(tris), n)]
    turn = np.array(ORIENTATIONS)[rng.integers(0, 6, n)]
    abc = np.take_along_axis(picked, turn, axis=1)
    stranger = rng.integers(0, p.vertices, n)
    out = []
    for i, (x, y, z) in enumerate(abc.tolist()):
        if i % 2 == 0:
            out.append(f"V{x} V{y} | V{y} V{z} | V{z} V{x}")
        elif i % 6 == 1:
            w = int(stranger[i])  # usually no edge to the third vertex
            out.append(f"V{x} V{y} | V{y} V{w} | V{w} V{x}")
        elif i % 6 == 3:
            out.append(f"V{x} V{y} | V{z} V{y} | V{z} V{x}")  # not a chain
        else:
            out.append(f"V{x} V{y} | V{y} V{z}")  # wrong length
    return out


def walk_answers(instance, n: int, key: int) -> list[str]:
    """Circle/line: half fresh shuffled walks; half with two targets swapped, an edge dropped or a bad token."""
    from creativity_bench.tasks.edges import shuffled_walks

    p = instance.task.params
    closed = instance.name == "circle"
    k = p.cycle_length if closed else p.path_length
    out = []
    for i, answer in enumerate(shuffled_walks(key, n, p.vertices, k, closed)):
        if i % 2 == 0:
            out.append(answer)
            continue
        t = answer.split()
        if i % 6 == 1:
            t[1], t[4] = t[4], t[1]  # breaks the cycle/path (or repeats a vertex)
        elif i % 6 == 3:
            t = t[:-3]  # one edge short
        else:
            t[-1] = f"V{p.vertices}"  # outside the vocabulary
        out.append(" ".join(t))
    return out


def answers_to_score(instance, n: int) -> list[str]:
    """``n`` answers for ``instance``, drawn with a key unrelated to the training set's."""
    from creativity_bench.seeding import derive_key

    key = derive_key("bench-answers", instance.fingerprint)
    if instance.name == "sibling":
        return sibling_answers(instance, n, np.random.default_rng(key % 2**63))
    if instance.name == "triangle":
        return triangle_answers(instance, n, np.random.default_rng(key % 2**63))
    return walk_answers(instance, n, key)


# --- timing -------------------------------------------------------------------------------------


def bench_task(name: str, reps: int, workdir: Path) -> dict:
    from creativity_bench.scoring import score_answers
    from creativity_bench.tasks import make_task, write_instance

    counter = iter(range(10**6))

    def generate_and_write() -> None:
        instance = make_task(name, PRESET).generate(INSTANCE_SEED)
        write_instance(instance, workdir / f"{name}-{next(counter)}")

    gen_s = best_of(generate_and_write, reps)
    fresh = make_task(name, PRESET).generate(INSTANCE_SEED)
    answers = answers_to_score(fresh, N_SCORE)
    score_s = best_of(
        lambda inst: score_answers(inst, answers), reps, setup=lambda: make_task(name, PRESET).generate(INSTANCE_SEED)
    )
    scores, _ = score_answers(fresh, answers)
    return {
        "task": name,
        "generate_write_s": round(gen_s, 3),
        "score_100k_s": round(score_s, 3),
        "train_samples": len(fresh.train),
        "eval_prompts": len(fresh.eval),
        "distinct_answers": len(set(answers)),
        "validity_of_bench_answers": round(scores.validity, 3),
        "memorization_of_bench_answers": round(scores.memorization, 3),
    }


def help_latency(reps: int) -> float:
    exe = Path(sys.executable).parent / "cbench"
    cmd = [str(exe) if exe.is_file() else "cbench", "--help"]
    times = []
    for _ in range(reps):
        t0 = time.perf_counter()
        subprocess.run(cmd, capture_output=True, check=True)
        times.append(time.perf_counter() - t0)
    return min(times)


def torch_imported() -> bool:
    probe = subprocess.run(
        [sys.executable, "-c", "import sys, creativity_bench.cli, creativity_bench.tasks, creativity_bench.scoring; "
         "print('torch' in sys.modules)"],
        capture_output=True, text=True, check=True,
    )
    return probe.stdout.strip() == "True"


def print_table(rows: list[dict], summary: dict, machine: dict) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"{PRESET} preset, seed {INSTANCE_SEED}, best of {summary['repetitions']}")
    for col in ("task", "generate + write s", "score 100k s", "distinct answers", "valid"):
        table.add_column(col, justify="left" if col == "task" else "right")
    for r in rows:
        table.add_row(r["task"], f"{r['generate_write_s']:.3f}", f"{r['score_100k_s']:.3f}",
                      f"{r['distinct_answers']:,}", f"{r['validity_of_bench_answers']:.3f}")
    console = Console(width=100)
    console.print(f"machine: {machine['cpu']}, {machine['usable_cores']} usable cores, Python {machine['python']}, "
                  f"numpy {machine['numpy']}, {machine['utc_time']}", highlight=False)
    console.print(table)
    console.print(f"cbench --help: {summary['help_s']:.3f} s (best of {summary['help_repetitions']}); "
                  f"torch imported by cli/tasks/scoring: {summary['torch_imported']}", highlight=False)
    console.print(f"targets met: {summary['targets_met']}", highlight=False)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="one repetition (three for --help)")
    ap.add_argument("--json", type=Path, default=Path("benchmarks/results/bench_tasks.json"), help="results file")
    args = ap.parse_args()
    reps, help_reps = (1, 3) if args.quick else (3, 5)

    from creativity_bench.tasks import TASKS

    with tempfile.TemporaryDirectory() as tmp:
        rows = [bench_task(name, reps, Path(tmp)) for name in TASKS]
    summary = {
        "repetitions": reps,
        "help_s": round(help_latency(help_reps), 3),
        "help_repetitions": help_reps,
        "torch_imported": torch_imported(),
        "worst_generate_write_s": max(r["generate_write_s"] for r in rows),
        "worst_score_100k_s": max(r["score_100k_s"] for r in rows),
    }
    summary["targets"] = TARGETS
    summary["targets_met"] = (
        summary["worst_generate_write_s"] <= TARGETS["generate_write_s"]
        and summary["worst_score_100k_s"] <= TARGETS["score_100k_s"]
        and summary["help_s"] < TARGETS["help_s"]
        and not summary["torch_imported"]
    )
    machine = machine_info(args.quick)
    print_table(rows, summary, machine)

    command = "python benchmarks/bench_tasks.py" + (" --quick" if args.quick else "")
    write_json(args.json, {"command": command, "machine": machine, "rows": rows, "summary": summary})
    worst = max(summary["worst_generate_write_s"], summary["worst_score_100k_s"])
    print(f"tasks_worst_s={worst:.3f}")


if __name__ == "__main__":
    main()
