"""Ablate the training recipe: initialisation, biases, output tying, batches with replacement.

Each variant is one `cbench run` in a fresh process, the same task instance, shape, optimiser
and budget for all; only the recipe differs. Every run is scored with its objective's standard
sampler (greedy left to right, temperature 1 for diffusion; docs/spec.md section 6) on every
evaluation prompt, the other regime beside it. Writes one JSON with every run's command and
metrics, and prints a table. With --runs the runs are kept and an interrupted ablation resumes;
with --suite the variant that is the preset's own recipe is read from the reference suite's run of
the same cell (the same command), not trained twice:

    python benchmarks/ablate_recipe.py --tasks sibling triangle circle line \\
        --objectives ntp teacherless mtp diffusion diffusion-uniform \\
        --variants small-init+tied torch-init+untied --suite results/reference/cpu \\
        --runs ablation-runs --json results/ablation/recipe_cpu_tier.json

    python benchmarks/ablate_recipe.py --tasks circle --objectives ntp \\
        --set vertices=10 --set cycle_length=9 --set train_size=10000 --set eval_size=1024 \\
        --train-set depth=4 --train-set aspect=32 --train-set warmup=0 --train-set lr_scaling=none \\
        --steps 906 --batch-size 128 --lr 1e-3 --json results/ablation/recipe_circle_ntp.json

    python benchmarks/ablate_recipe.py --json results/ablation/recipe_cpu_tier.json --table-only
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

# The recipe knobs. "small-init+tied" was the project's first default (GPT-2's N(0, 0.02), no
# biases, output layer tied to the embedding); "torch-init+untied" is the `cpu` tier's default
# since the ablation (PyTorch's initialisation, biases, untied output layer); "script" adds
# batches drawn with replacement, as the untuned script of the issue did.
VARIANTS = {
    "small-init+tied": {"init": "small", "bias": "false", "tie_output": "true", "batches": "epochs"},
    "torch-init": {"init": "torch", "bias": "true", "tie_output": "true", "batches": "epochs"},
    "untied": {"init": "small", "bias": "false", "tie_output": "false", "batches": "epochs"},
    "torch-init+untied": {"init": "torch", "bias": "true", "tie_output": "false", "batches": "epochs"},
    "script": {"init": "torch", "bias": "true", "tie_output": "false", "batches": "replacement"},
}
METRIC_NAMES = ("validity", "creativity", "memorization", "diversity")


def torch_version() -> str:
    import torch

    return torch.__version__


def is_preset_default(variant: str, args) -> bool:
    """Whether ``variant`` with no other changes is the preset's own recipe (then a suite run is the same run)."""
    from creativity_bench.models.backbone import MODEL_PRESETS
    from creativity_bench.models.presets import TRAIN_PRESETS

    if args.set or args.train_set or args.steps or args.batch_size or args.lr:
        return False
    preset = {**MODEL_PRESETS[args.preset], **TRAIN_PRESETS[args.preset]}
    return all(str(preset.get(k)).lower() == v for k, v in VARIANTS[variant].items())


def command(task: str, objective: str, variant: str, args, out: Path) -> list[str]:
    cmd = ["cbench", "run", task, "--objective", objective, "--preset", args.preset, "--seed", str(args.seed), "--out", str(out), "--quiet"]
    for s in args.set:
        cmd += ["--set", s]
    for s in args.train_set + [f"{k}={v}" for k, v in VARIANTS[variant].items()]:
        cmd += ["--train-set", s]
    for flag in ("steps", "batch_size", "lr"):
        if getattr(args, flag) is not None:
            cmd += [f"--{flag.replace('_', '-')}", str(getattr(args, flag))]
    return cmd


def row_of(task: str, objective: str, variant: str, cmd: list[str], doc: dict, wall_s: float | None, source: str) -> dict:
    m, other = doc["metrics"], doc["secondary"]["metrics"]
    return {"task": task, "objective": objective, "variant": variant, "command": " ".join(cmd), "source": source,
            "wall_s": wall_s, "steps": doc["training"]["steps"], "flops": doc["training"].get("flops"),
            "sampling": doc["sampling"]["mode"], **{k: m[k] for k in METRIC_NAMES}, "n": m["n"],
            "secondary": {"sampling": doc["secondary"]["sampling"]["mode"], **{k: other[k] for k in METRIC_NAMES}}}


def one_run(task: str, objective: str, variant: str, args, runs: Path) -> dict:
    """One cell: reused from the suite tree or from an earlier (interrupted) ablation, else trained."""
    out = runs / f"{task}-{objective}-{variant}"
    cmd = command(task, objective, variant, args, out)
    if args.suite and is_preset_default(variant, args):
        suite_run = args.suite / task / objective / f"s{args.seed}"
        if (suite_run / "results.json").is_file():
            doc = json.loads((suite_run / "results.json").read_text())
            return row_of(task, objective, variant, cmd, doc, doc.get("run_wall_time_s"), f"suite run {task}/{objective}/s{args.seed}")
    if (out / "results.json").is_file():
        doc = json.loads((out / "results.json").read_text())
        return row_of(task, objective, variant, cmd, doc, doc.get("run_wall_time_s"), "this ablation")
    if out.exists():
        cmd.append("--resume" if (out / "checkpoint").is_dir() else "--overwrite")
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{proc.stderr[-2000:]}")
    doc = json.loads((out / "results.json").read_text())
    return row_of(task, objective, variant, cmd, doc, round(time.perf_counter() - t0, 1), "this ablation")


def markdown_table(rows: list[dict]) -> str:
    """One line per task and objective, one column per variant: validity / creativity / memorization."""
    variants = list(dict.fromkeys(r["variant"] for r in rows))
    cells: dict[tuple[str, str], dict[str, dict]] = {}
    for r in rows:
        cells.setdefault((r["task"], r["objective"]), {})[r["variant"]] = r
    lines = ["| task | objective | steps | " + " | ".join(variants) + " |", "|---|---|---|" + "---|" * len(variants)]
    for (task, objective), by_variant in cells.items():
        steps = "/".join(dict.fromkeys(str(r["steps"]) for r in by_variant.values()))
        shown = [" / ".join(f"{by_variant[v][k]:.3f}" for k in ("validity", "creativity", "memorization")) if v in by_variant else "-"
                 for v in variants]
        lines.append(f"| {task} | {objective} | {steps} | " + " | ".join(shown) + " |")
    tasks = list(dict.fromkeys(task for task, _ in cells))
    lines += ["", "| task | objectives | " + " | ".join(f"mean creativity, {v}" for v in variants) + " |", "|---|---|" + "---|" * len(variants)]
    for task in tasks:
        mine = [by for (t, _), by in cells.items() if t == task and all(v in by for v in variants)]
        means = [sum(by[v]["creativity"] for by in mine) / len(mine) if mine else float("nan") for v in variants]
        lines.append(f"| {task} | {len(mine)} | " + " | ".join(f"{m:.3f}" for m in means) + " |")
    return "\n".join(lines)


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
    ap.add_argument("--runs", type=Path, help="keep the runs here (an interrupted ablation then resumes); default: a temporary folder")
    ap.add_argument("--suite", type=Path, help="a results tree of the same preset: the variant that is the preset's own recipe is "
                                                 "read from its finished run of the cell instead of trained again")
    ap.add_argument("--json", type=Path, required=True)
    ap.add_argument("--table-only", action="store_true", help="train nothing: print the markdown table of --json")
    args = ap.parse_args()
    if args.table_only:
        print(markdown_table(json.loads(args.json.read_text())["rows"]))
        return
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        runs = args.runs or Path(tmp)
        for task in args.tasks:
            for objective in args.objectives:
                for variant in args.variants:
                    row = one_run(task, objective, variant, args, runs)
                    rows.append(row)
                    print(f"{task:9} {objective:18} {variant:18} validity {row['validity']:.3f}  creativity {row['creativity']:.3f}  "
                          f"memorization {row['memorization']:.3f}  ({row['source']})", flush=True)
                    write_json(args.json, {"command": " ".join(sys.argv), "machine": machine_info(False, torch=torch_version()), "rows": rows})
    print(markdown_table(rows))


if __name__ == "__main__":
    main()
