"""Ablate the training recipe: initialisation, biases, output tying, batches with replacement.

Each variant is one `cbench run` in a fresh process, the same task instance, shape, optimiser
and steps for all; only the recipe differs. Left-to-right objectives are scored greedily, the
diffusion objectives at temperature 1 (their standard samplers, docs/spec.md section 6), on
every evaluation prompt. Writes one JSON with every run's command and metrics, and prints a table.

    python benchmarks/ablate_recipe.py --tasks circle --objectives ntp \\
        --set vertices=10 --set cycle_length=9 --set train_size=10000 --set eval_size=1024 \\
        --train-set depth=4 --train-set aspect=32 --train-set warmup=0 --train-set lr_scaling=none \\
        --steps 906 --batch-size 128 --lr 1e-3 --json results/ablation/recipe_circle_ntp.json
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from machine import machine_info, write_json  # noqa: E402

VARIANTS = {
    "ours": {"init": "small", "bias": "false", "tie_output": "true", "batches": "epochs"},
    "torch-init": {"init": "torch", "bias": "true", "tie_output": "true", "batches": "epochs"},
    "untied": {"init": "small", "bias": "false", "tie_output": "false", "batches": "epochs"},
    "torch-init+untied": {"init": "torch", "bias": "true", "tie_output": "false", "batches": "epochs"},
    "script": {"init": "torch", "bias": "true", "tie_output": "false", "batches": "replacement"},
}
DIFFUSION = ("diffusion", "diffusion-uniform")


def torch_version() -> str:
    import torch

    return torch.__version__


def one_run(task: str, objective: str, variant: str, args, out: Path) -> dict:
    cmd = ["cbench", "run", task, "--objective", objective, "--preset", args.preset, "--seed", str(args.seed), "--out", str(out), "--quiet"]
    for s in args.set:
        cmd += ["--set", s]
    for s in args.train_set + [f"{k}={v}" for k, v in VARIANTS[variant].items()]:
        cmd += ["--train-set", s]
    for flag in ("steps", "batch_size", "lr"):
        if getattr(args, flag) is not None:
            cmd += [f"--{flag.replace('_', '-')}", str(getattr(args, flag))]
    if objective in DIFFUSION:
        cmd += ["--mode", "temperature", "--temperature", "1"]
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{proc.stderr[-2000:]}")
    doc = json.loads((out / "results.json").read_text())
    m = doc["metrics"]
    return {"task": task, "objective": objective, "variant": variant, "command": " ".join(cmd), "wall_s": round(time.perf_counter() - t0, 1),
            "steps": doc["training"]["steps"], **{k: m[k] for k in ("validity", "creativity", "memorization", "diversity")}, "n": m["n"]}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--tasks", nargs="+", default=["circle"])
    ap.add_argument("--objectives", nargs="+", default=["ntp"])
    ap.add_argument("--variants", nargs="+", default=list(VARIANTS), choices=list(VARIANTS))
    ap.add_argument("--preset", default="cpu")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--set", action="append", default=[], help="task parameter, key=value")
    ap.add_argument("--train-set", action="append", default=[], help="training setting, key=value")
    ap.add_argument("--steps", type=int)
    ap.add_argument("--batch-size", type=int)
    ap.add_argument("--lr", type=float)
    ap.add_argument("--json", type=Path, required=True)
    args = ap.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for task in args.tasks:
            for objective in args.objectives:
                for variant in args.variants:
                    row = one_run(task, objective, variant, args, Path(tmp) / f"{task}-{objective}-{variant}")
                    rows.append(row)
                    print(f"{task:9} {objective:18} {variant:18} validity {row['validity']:.3f}  creativity {row['creativity']:.3f}  "
                          f"memorization {row['memorization']:.3f}  ({row['wall_s']:.0f} s)", flush=True)
                    write_json(args.json, {"command": " ".join(sys.argv), "machine": machine_info(False, torch=torch_version()), "rows": rows})


if __name__ == "__main__":
    main()
