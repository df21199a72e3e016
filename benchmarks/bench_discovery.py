"""Time a discovery curve (creativity@k): K draws for each of the N evaluation prompts of a trained
checkpoint, sampled in batches (KV cache for left-to-right objectives), then scored and
de-duplicated. Prints, and with --json records, seconds for sampling and for the curve.

    python benchmarks/bench_discovery.py results/reference/cpu/circle/ntp/s0/checkpoint -k 64 \\
        --json benchmarks/results/discovery_cpu.json

A checkpoint of the `cpu` tier is made by `cbench run circle --preset cpu` (RUN/checkpoint).
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from machine import machine_info, write_json  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("checkpoints", nargs="+", type=Path, help="RUN/checkpoint directories")
    parser.add_argument("-k", type=int, default=64, help="draws per prompt")
    parser.add_argument("--batch", type=int, default=512, help="prompts per sampling batch")
    parser.add_argument("--json", type=Path, help="write the figures to this JSON file")
    args = parser.parse_args()

    from creativity_bench.models.checkpoint import load_for_sampling
    from creativity_bench.models.sampling import SamplingSettings, generate_answers, resolve_sampling
    from creativity_bench.models.tokenizer import answer_width
    from creativity_bench.scoring.discovery import discovery_curve

    rows = []
    for ckpt in args.checkpoints:
        objective, model, extra, instance, vocab, side = load_for_sampling(ckpt, None, "cpu")
        max_new = answer_width(instance)
        settings = dataclasses.replace(resolve_sampling(objective, SamplingSettings(), max_new), batch_size=args.batch)
        prompt_sets = instance.draw_prompts(args.k, fresh_seeds=settings.mode == "greedy")
        flat = [p for prompts in prompt_sets for p in prompts]
        t0 = time.perf_counter()
        answers = generate_answers(objective, model, extra, instance, vocab, flat, settings, max_new)
        t1 = time.perf_counter()
        n = len(prompt_sets[0])
        curve = discovery_curve(instance, [answers[i : i + n] for i in range(0, len(answers), n)])
        t2 = time.perf_counter()
        end = curve.points[-1]
        row = {"checkpoint": str(ckpt), "task": instance.name, "objective": objective.name, "prompts": n, "k": args.k,
               "draws": len(flat), "batch": args.batch, "sample_s": round(t1 - t0, 2), "curve_s": round(t2 - t1, 2),
               "draws_per_s": round(len(flat) / (t1 - t0), 1), "novel_forms": end["novel_forms"], "novel_fraction": end["novel_fraction"]}
        print(f"{instance.name}/{objective.name}: {len(flat):,} draws sampled in {row['sample_s']:.1f} s ({row['draws_per_s']:,.0f}/s), "
              f"curve in {row['curve_s']:.2f} s; {end['novel_forms']:,} novel forms")
        rows.append(row)
    if args.json:
        write_json(args.json, {"machine": machine_info(quick=False), "command": " ".join(["python", *sys.argv]), "rows": rows})


if __name__ == "__main__":
    main()
