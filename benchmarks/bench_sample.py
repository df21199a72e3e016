"""Sampling throughput: left-to-right with and without the KV cache, diffusion at 8/32/128 steps.

    python benchmarks/bench_sample.py            # 1024 prompts per task, cpu-preset backbone
    python benchmarks/bench_sample.py --quick    # 256 prompts, two tasks, < 60 s on 2 cores
    python benchmarks/bench_sample.py --preset paper --rounds 1 --diffusion-steps
                                                 # the paper backbone's cache speed-ups, no diffusion
    python benchmarks/bench_sample.py --tasks sibling --diffusion-steps --pieces
                                                 # where a cached decode spends its time

The model is the preset's backbone with fresh weights: decoding cost does not depend on what
the weights are, and an untrained model never stops early at eos, so this is the worst case.
Prompts are the paper-preset instance's evaluation prompts (seed length 10). Both decoders are
warmed up at full size, then timed in alternating rounds; each keeps its best round.
The last line is the headline: the smallest KV-cache speed-up over all tasks.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import time
from pathlib import Path

import torch
from machine import best_of, machine_info, write_json  # benchmarks/machine.py


def build(task: str, objective_name: str, preset: str, device: str):
    from creativity_bench.models.backbone import GPT, MODEL_PRESETS, ModelConfig
    from creativity_bench.models.objectives import make_objective
    from creativity_bench.models.tokenizer import Vocabulary, sequence_width
    from creativity_bench.tasks import make_task

    instance = make_task(task, "paper").generate(0)
    vocab = Vocabulary.for_instance(instance)
    objective = make_objective(objective_name, task)
    size = MODEL_PRESETS[preset]
    torch.manual_seed(0)
    cfg = ModelConfig.from_depth(size["depth"], len(vocab), sequence_width(instance), aspect=size["aspect"], head_dim=size["head_dim"], causal=objective.causal)
    model = GPT(cfg).to(device).eval()
    return instance, vocab, objective, model


def time_sampling(instance, vocab, objective, model, prompts, settings, device, max_new: int | None = None) -> float:
    from creativity_bench.models.sampling import generate_answers
    from creativity_bench.models.tokenizer import answer_width

    max_new = max_new or answer_width(instance)
    if device == "cuda":
        torch.cuda.synchronize()
    t0 = time.perf_counter()
    generate_answers(objective, model, None, instance, vocab, prompts, settings, max_new, device=device)
    if device == "cuda":
        torch.cuda.synchronize()
    return time.perf_counter() - t0


@torch.no_grad()
def cached_pieces(instance, vocab, model, prompts, device) -> dict:
    """Seconds for the parts of one cached decode: the prompt pass, one further step of the
    Transformer, the output layer and the argmax (best of 5 each, all prompts in one batch)."""
    from creativity_bench.models.tokenizer import prompt_ids as encode_prompt

    ids = torch.tensor([encode_prompt(vocab, e.seed, e.prompt) for e in prompts], dtype=torch.long, device=device)
    b, p = ids.shape

    def prompt_pass():
        model.hidden(ids, model.new_cache(b, p + 1))

    cache = model.new_cache(b, p + 1)
    model.hidden(ids, cache)
    tok = ids[:, -1:]

    def step():
        model.hidden(tok, cache)
        cache.pos -= 1  # undo, so every repeat is the same step

    h = model.hidden(tok, cache)[:, -1]
    cache.pos -= 1
    logits = model.logits(h)
    pieces = {"prompt_pass_s": prompt_pass, "step_transformer_s": step,
              "output_layer_s": lambda: model.logits(h), "argmax_s": lambda: logits.argmax(-1)}
    return {name: best_of(fn, 5, warmup=True) for name, fn in pieces.items()}


def main() -> None:
    from creativity_bench.models.sampling import SamplingSettings

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--preset", default="cpu", help="Backbone size: smoke, cpu or paper.")
    ap.add_argument("--tasks", nargs="+", choices=["sibling", "triangle", "circle", "line"], help="Tasks (default: all four; --quick: sibling and circle).")
    ap.add_argument("--diffusion-steps", nargs="*", type=int, help="Diffusion step counts (default 8 32 128; --quick 8 32); none: skip diffusion.")
    ap.add_argument("--rounds", type=int, help="Timed rounds per decoder, best kept (default 3; --quick 2).")
    ap.add_argument("--pieces", action="store_true", help="Also time the parts of one cached decode step.")
    ap.add_argument("--json", type=Path, default=Path("benchmarks/results/bench_sample.json"))
    args = ap.parse_args()
    device = "cuda" if torch.cuda.is_available() else "cpu"
    n_prompts = 256 if args.quick else 1024
    args.rounds = args.rounds or (2 if args.quick else 3)
    if args.rounds < 1:
        raise SystemExit("--rounds must be at least 1")
    tasks = args.tasks or (["sibling", "circle"] if args.quick else ["sibling", "triangle", "circle", "line"])
    if args.diffusion_steps is not None:
        diffusion_steps = args.diffusion_steps
    else:
        diffusion_steps = [8, 32] if args.quick else [8, 32, 128]
    greedy = SamplingSettings(mode="greedy", batch_size=n_prompts)
    rows = []
    for task in tasks:
        instance, vocab, ntp, model = build(task, "ntp", args.preset, device)
        prompts = instance.eval[:n_prompts]
        no_cache = dataclasses.replace(greedy, use_cache=False)
        # Warm-up at full size (the prompt pass of both decoders), so that neither timed decoder
        # pays for first-touch allocation of the large buffers.
        for settings in (greedy, no_cache):
            time_sampling(instance, vocab, ntp, model, prompts, settings, device, max_new=1)
        cached, uncached = [], []
        for r in range(args.rounds):  # alternate the order, so drifts in machine speed hit both
            order = [(greedy, cached), (no_cache, uncached)]
            for settings, times in order if r % 2 == 0 else order[::-1]:
                times.append(time_sampling(instance, vocab, ntp, model, prompts, settings, device))
        cached, uncached = min(cached), min(uncached)
        row = {"task": task, "prompts": len(prompts), "rounds": args.rounds, "ltr_cache_per_s": round(len(prompts) / cached, 1),
               "ltr_nocache_per_s": round(len(prompts) / uncached, 1), "cache_speedup": round(uncached / cached, 2)}
        if args.pieces:
            row["cached_pieces_s"] = {k: round(v, 4) for k, v in cached_pieces(instance, vocab, model, prompts, device).items()}
        if diffusion_steps:
            instance, vocab, diff, dmodel = build(task, "diffusion", args.preset, device)
        for steps in diffusion_steps:
            s = time_sampling(instance, vocab, diff, dmodel, prompts, dataclasses.replace(greedy, steps=steps), device)
            row[f"diffusion_{steps}_per_s"] = round(len(prompts) / s, 1)
        rows.append(row)
        print(json.dumps(row), flush=True)
    machine = machine_info(args.quick, gpu=torch.cuda.get_device_name() if device == "cuda" else None, torch=torch.__version__, preset=args.preset)
    print(f"machine: {machine['cpu']}, {machine['cores']} cores, torch {machine['torch']}, backbone preset {args.preset}")
    header = ["task", "L2R cache/s", "L2R no-cache/s", "speed-up"] + [f"diff S={s}/s" for s in diffusion_steps]
    print(" | ".join(header))
    for r in rows:
        cells = [r["task"], f"{r['ltr_cache_per_s']:.0f}", f"{r['ltr_nocache_per_s']:.0f}", f"{r['cache_speedup']:.2f}x"]
        cells += [f"{r[f'diffusion_{s}_per_s']:.0f}" for s in diffusion_steps]
        print(" | ".join(cells))
    write_json(args.json, {"machine": machine, "rows": rows})
    print(f"kv_cache_min_speedup={min(r['cache_speedup'] for r in rows):.2f}")


if __name__ == "__main__":
    main()
