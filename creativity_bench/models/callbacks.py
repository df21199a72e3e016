"""The Lightning callbacks of a training run: resume checkpoints, periodic evaluation, progress bar."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import lightning as L

from creativity_bench.io import CURVE_FILE, atomic_write_text
from creativity_bench.models.checkpoint import RESUME_FILE, save_weights
from creativity_bench.models.config import TrainConfig
from creativity_bench.models.tokenizer import answer_width
from creativity_bench.scoring.metrics import METRICS


class Checkpointing(L.Callback):
    """Atomic resume checkpoints every ``ckpt_every`` steps and on a graceful stop."""

    def __init__(self, cfg: TrainConfig, ckpt_dir: Path, sidecar: Callable[[int], dict[str, Any]]) -> None:
        self.cfg = cfg
        self.ckpt_dir = ckpt_dir
        self.sidecar = sidecar
        self.stop_requested = False

    def save(self, trainer, pl_module) -> None:
        tmp = self.ckpt_dir / (RESUME_FILE + ".tmp")
        trainer.save_checkpoint(tmp)
        if trainer.is_global_zero:
            os.replace(tmp, self.ckpt_dir / RESUME_FILE)
            save_weights(self.ckpt_dir, {"model": pl_module.model, "extra": pl_module.extra}, self.sidecar(trainer.global_step))

    def on_train_batch_end(self, trainer, pl_module, outputs, batch, batch_idx) -> None:
        step = trainer.global_step
        if self.stop_requested:
            self.save(trainer, pl_module)
            trainer.should_stop = True
        elif self.cfg.ckpt_every and step % self.cfg.ckpt_every == 0 and step < self.cfg.steps:
            self.save(trainer, pl_module)


class PeriodicEval(L.Callback):
    """Sample a subset of the evaluation prompts, score, log: creativity over training.

    ``settings`` (default: the objective's standard sampler) are the sampling settings, so that
    `cbench run`'s curve uses the same decoding as its headline metrics. Each row also records
    ``flops``: the training FLOPs spent up to its step (step x the run's FLOPs per step, the
    number results.json records as ``training.flops_per_step``).
    """

    def __init__(self, cfg: TrainConfig, run_dir: Path, instance, vocab, objective, settings=None) -> None:
        self.cfg, self.run_dir, self.instance, self.vocab, self.objective = cfg, run_dir, instance, vocab, objective
        self.settings = settings
        self.max_new = answer_width(instance)
        self.curve: list[dict[str, Any]] = []
        self.flops_per_step: float | None = None  # computed at the first evaluation
        path = run_dir / CURVE_FILE
        if path.exists():
            self.curve = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]

    def evaluate(self, trainer, pl_module) -> None:
        from creativity_bench.models.sampling import SamplingSettings, generate_answers
        from creativity_bench.scoring import score_answers

        step = trainer.global_step
        if not trainer.is_global_zero or any(r["step"] == step for r in self.curve):
            return
        instance = self.instance
        prompts = instance.eval[: self.cfg.eval_subset or len(instance.eval)]
        answers = generate_answers(self.objective, pl_module.model, pl_module.extra, instance, self.vocab, prompts,
                                   self.settings or SamplingSettings(), self.max_new)
        scores, _ = score_answers(instance, answers, [p.prompt_id for p in prompts])
        loss = trainer.callback_metrics.get("train/loss")
        if self.flops_per_step is None:
            from creativity_bench.models.budget import flops_per_step

            # Cached: a run on a budget computed it already when its config was resolved.
            self.flops_per_step = flops_per_step(self.cfg)
        row = {"step": step, "flops": step * self.flops_per_step, "loss": float(loss) if loss is not None else None, "n": scores.n}
        row.update({m: getattr(scores, m) for m in METRICS})
        self.curve = [r for r in self.curve if r["step"] < step] + [row]
        atomic_write_text(self.run_dir / CURVE_FILE, "".join(json.dumps(r) + "\n" for r in self.curve))
        if trainer.logger is not None:
            trainer.logger.log_metrics({f"eval/{k}": v for k, v in row.items() if k not in ("step", "flops", "n") and v is not None}, step=step)

    def on_train_batch_end(self, trainer, pl_module, outputs, batch, batch_idx) -> None:
        if self.cfg.eval_every and trainer.global_step % self.cfg.eval_every == 0:
            self.evaluate(trainer, pl_module)

    def on_train_end(self, trainer, pl_module) -> None:
        if trainer.global_step >= self.cfg.steps:
            self.evaluate(trainer, pl_module)


class TrainingBar(L.Callback):
    """The training bar: steps done of the total, ETA, tokens/s and loss, nothing else.

    A resumed run starts at its checkpoint's step; tokens/s counts this process's steps only.
    The loss (a host sync on a GPU) is read only on the bar's refresh steps. Drawn on stderr, so
    that stdout keeps the results.
    """

    def __init__(self, steps: int, tokens_per_step: int, refresh_every: int = 1) -> None:
        self.steps, self.tokens_per_step, self.refresh_every = steps, tokens_per_step, max(1, refresh_every)
        self.progress = None

    def on_train_start(self, trainer, pl_module) -> None:
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

        if not trainer.is_global_zero:
            return
        self.progress = Progress(TextColumn("training"), BarColumn(), MofNCompleteColumn(), TextColumn("steps  ETA"),
                                 TimeRemainingColumn(), TextColumn("{task.fields[rate]}  {task.fields[loss]}"),
                                 console=Console(stderr=True), transient=False)
        self.start_step, self.started = trainer.global_step, time.perf_counter()
        self.bar = self.progress.add_task("training", total=self.steps, completed=trainer.global_step, rate="", loss="")
        self.progress.start()

    def on_train_batch_end(self, trainer, pl_module, outputs, batch, batch_idx) -> None:
        step = trainer.global_step
        if self.progress is None or (step % self.refresh_every and step < self.steps):
            return
        elapsed = time.perf_counter() - self.started
        rate = (step - self.start_step) * self.tokens_per_step / elapsed if elapsed > 0 else 0.0
        loss = trainer.callback_metrics.get("train/loss")
        self.progress.update(self.bar, completed=step, rate=f"{rate:,.0f} tokens/s",
                             loss=f"loss {float(loss):.4f}" if loss is not None else "")

    def stop(self) -> None:
        if self.progress is not None:
            self.progress.stop()
            self.progress = None

    def on_train_end(self, trainer, pl_module) -> None:
        self.stop()

    def on_exception(self, trainer, pl_module, exception) -> None:
        self.stop()
