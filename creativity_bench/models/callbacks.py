"""The Lightning callbacks of a training run: resume checkpoints, periodic evaluation, progress bar."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import lightning as L
from lightning.pytorch.callbacks import RichProgressBar

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


class ProgressBar(RichProgressBar):
    """Reads the logged loss (a host sync on a GPU) only on the bar's refresh steps; Lightning's
    own bar reads it after every batch, whatever its refresh rate."""

    def __init__(self, steps: int, refresh_rate: int) -> None:
        super().__init__(refresh_rate=refresh_rate, leave=True)
        self.steps = steps

    def _update_metrics(self, trainer, pl_module) -> None:
        step = trainer.global_step
        if step % self.refresh_rate == 0 or step >= self.steps:
            super()._update_metrics(trainer, pl_module)
