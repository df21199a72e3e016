"""Training throughput: our Lightning training step against a bare PyTorch loop, same run.

    python benchmarks/bench_train.py            # cpu preset backbone on the circle task
    python benchmarks/bench_train.py --quick    # < 60 s on 2 CPU cores

Both loops train the same model (same initialisation) on the same batches with the same
optimizer, schedule and gradient clipping; they alternate so that machine noise hits both.
Tokens/s counts every position of every sequence (padding included), as the hardware sees it.
On CUDA the paper preset is measured too, in bf16, with estimated MFU.
The last line is the headline figure: ``train_ratio=<ours / bare>``.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import torch
from machine import machine_info, write_json  # benchmarks/machine.py

from creativity_bench.models.flops import peak_flops


def setup(task: str, preset: str, objective_name: str = "ntp", batch_size: int | None = None):
    from creativity_bench.models.config import TrainConfig
    from creativity_bench.models.objectives import make_objective
    from creativity_bench.models.tokenizer import Vocabulary, encode_samples, sequence_width
    from creativity_bench.models.train import build_model_config
    from creativity_bench.tasks import make_task

    cfg = TrainConfig(task=task, preset=preset, objective=objective_name, eval_every=0, ckpt_every=0, batch_size=batch_size).resolve()
    instance = make_task(task, preset).generate(0)
    objective = make_objective(objective_name, task)
    vocab = Vocabulary.for_instance(instance)
    rows = objective.build_rows(encode_samples(vocab, instance.train, sequence_width(instance)), instance, vocab)
    model_cfg = build_model_config(cfg, instance, vocab, objective.causal)
    return cfg, instance, objective, rows, model_cfg


def bare_loop(cfg, objective, rows, model_cfg, warm: int, steps: int, device: str) -> float:
    """Seconds per step of a plain PyTorch loop (what Lightning must keep up with)."""
    import lightning as L

    from creativity_bench.models.backbone import GPT
    from creativity_bench.models.data import ROW_POSITION, StepBatches
    from creativity_bench.models.lightning_module import lr_factor
    from creativity_bench.models.noise import RowNoise

    L.seed_everything(cfg.seed, verbose=False)
    model = GPT(model_cfg).to(device)
    if device == "cuda":
        model.compile_trunk()  # as our training does on CUDA (compile=auto)
    opt = torch.optim.AdamW(model.parameters(), lr=cfg.lr, betas=(cfg.beta1, cfg.beta2), weight_decay=cfg.weight_decay, fused=device == "cuda" or None)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lr_factor(cfg))
    data = StepBatches({k: torch.from_numpy(v) for k, v in rows.arrays.items()}, cfg.batch_size, cfg.seed, 0, warm + steps)
    context = {k: v.to(device) if isinstance(v, torch.Tensor) else v for k, v in rows.context.items()}
    autocast = torch.autocast(device_type="cuda", dtype=torch.bfloat16) if device == "cuda" else torch.autocast("cpu", enabled=False)
    t0 = None
    for step, batch in enumerate(data):
        if step == warm:
            if device == "cuda":
                torch.cuda.synchronize()
            t0 = time.perf_counter()
        batch = {k: v.to(device, non_blocking=True) for k, v in batch.items()}
        with autocast:
            noise = RowNoise.for_rows(cfg.seed, batch.pop(ROW_POSITION), cfg.batch_size)
            loss = objective.loss(model, None, batch, noise, context)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), cfg.grad_clip)
        opt.step()
        sched.step()
    if device == "cuda":
        torch.cuda.synchronize()
    return (time.perf_counter() - t0) / steps


def lightning_loop(cfg, instance, objective, warm: int, steps: int) -> float:
    """Seconds per step of creativity-bench's own training (Lightning, our module and loader)."""
    import dataclasses

    import lightning as L

    from creativity_bench.models.train import train

    class Timer(L.Callback):
        t0 = t1 = None

        def on_train_batch_start(self, trainer, pl_module, batch, batch_idx):
            if trainer.global_step == warm:
                if torch.cuda.is_available():
                    torch.cuda.synchronize()
                self.t0 = time.perf_counter()

        def on_train_batch_end(self, trainer, pl_module, outputs, batch, batch_idx):
            if trainer.global_step == warm + steps:
                if torch.cuda.is_available():
                    torch.cuda.synchronize()
                self.t1 = time.perf_counter()

    timer = Timer()
    run_cfg = dataclasses.replace(cfg, steps=warm + steps, eval_every=0, ckpt_every=0)
    with tempfile.TemporaryDirectory() as tmp:
        train(run_cfg, instance, Path(tmp), objective, progress=False, extra_callbacks=[timer])
    return (timer.t1 - timer.t0) / steps


def measure(task: str, preset: str, warm: int, steps: int, rounds: int, batch_size: int | None = None) -> dict:
    cfg, instance, objective, rows, model_cfg = setup(task, preset, batch_size=batch_size)
    device = "cuda" if torch.cuda.is_available() else "cpu"
    seq = next(iter(rows.arrays.values())).shape[1]
    tokens_per_step = cfg.batch_size * seq
    bare, ours = [], []
    for _ in range(rounds):  # alternate, so drifts in machine speed hit both
        # Each loop compiles its model afresh (CUDA): clear dynamo's caches first, so that the
        # later rows never hit its recompile limit and silently fall back to eager mode.
        torch._dynamo.reset()
        bare.append(bare_loop(cfg, objective, rows, model_cfg, warm, steps, device))
        torch._dynamo.reset()
        ours.append(lightning_loop(cfg, instance, objective, warm, steps))
    from creativity_bench.models.backbone import GPT

    n_non_emb = GPT(model_cfg).num_params(non_embedding=True)
    best_bare, best_ours = min(bare), min(ours)
    out = {
        "task": task,
        "preset": preset,
        "device": torch.cuda.get_device_name() if device == "cuda" else "cpu",
        "batch_size": cfg.batch_size,
        "seq_len": seq,
        "params_non_embedding": n_non_emb,
        "bare_tokens_per_s": round(tokens_per_step / best_bare, 1),
        "ours_tokens_per_s": round(tokens_per_step / best_ours, 1),
        "ratio": round(best_bare / best_ours, 4),
        "rounds": rounds,
        "steps_timed": steps,
    }
    peak, how = peak_flops(out["device"])
    fpt = objective.training_flops(model_cfg, seq) / seq  # what the training summary's MFU counts too
    out["flops_per_token"] = fpt
    out["mfu"] = round(out["ours_tokens_per_s"] * fpt / peak, 4) if peak else None
    out["mfu_note"] = how
    return out



def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="Fewer steps and rounds (< 60 s on 2 cores).")
    ap.add_argument("--task", default="circle")
    ap.add_argument("--paper-batch", type=int, default=256, help="Batch size of the paper-backbone row (CUDA only).")
    ap.add_argument("--json", type=Path, default=Path("benchmarks/results/bench_train.json"))
    args = ap.parse_args()
    warm, steps, rounds = (5, 30, 2) if args.quick else (10, 150, 3)
    from creativity_bench.models.train import quiet_lightning

    quiet_lightning()
    rows = [measure(args.task, "cpu", warm, steps, rounds)]  # the headline row
    rows.append(measure(args.task, "smoke", warm, steps, rounds))
    if torch.cuda.is_available():
        rows.append(measure(args.task, "paper", warm, steps, rounds, batch_size=args.paper_batch))
    else:
        print("paper backbone: measured on CUDA only (one step of batch 64 takes tens of seconds on 2 CPU cores)")
    machine = machine_info(
        args.quick,
        torch_threads=torch.get_num_threads(),
        gpu=torch.cuda.get_device_name() if torch.cuda.is_available() else None,
        torch=torch.__version__,
    )
    print(f"machine: {machine['cpu']}, {machine['cores']} cores, torch {machine['torch']}" + (f", {machine['gpu']}" if machine["gpu"] else ""))
    print(f"{'task':8s} {'preset':6s} {'device':10s} {'batch':>5s} {'bare tok/s':>11s} {'ours tok/s':>11s} {'ratio':>6s} {'MFU':>6s}")
    for r in rows:
        mfu = f"{r['mfu']:.1%}" + ("*" if r["mfu_note"].startswith("estimated") else "") if r["mfu"] is not None else "n/a"
        print(f"{r['task']:8s} {r['preset']:6s} {r['device'][:10]:10s} {r['batch_size']:5d} {r['bare_tokens_per_s']:11,.0f} {r['ours_tokens_per_s']:11,.0f} {r['ratio']:6.3f} {mfu:>6s}")
    if any(r["mfu_note"].startswith("estimated") for r in rows):
        print("* MFU against an estimated peak (" + next(r["mfu_note"] for r in rows if r["mfu_note"].startswith("estimated")) + ")")
    write_json(args.json, {"machine": machine, "rows": rows})
    print(f"train_ratio={rows[0]['ratio']:.3f}")


if __name__ == "__main__":
    main()
