"""The LightningModule: backbone + objective, AdamW with linear warmup then constant LR."""

from __future__ import annotations

import math
from typing import Any

import lightning as L
import torch

from creativity_bench.models.backbone import GPT, ModelConfig
from creativity_bench.models.config import TrainConfig
from creativity_bench.models.data import ROW_POSITION
from creativity_bench.models.noise import RowNoise


def lr_factor(cfg: TrainConfig):
    """Linear warmup, then constant (the study) or cosine decay to 10% of the peak."""
    warmup = max(1, cfg.warmup or 1)
    total = max(cfg.steps, warmup + 1)

    def factor(step: int) -> float:
        if step < warmup:
            return (step + 1) / warmup
        if cfg.schedule == "cosine":
            progress = min(1.0, (step - warmup) / (total - warmup))
            return 0.1 + 0.45 * (1 + math.cos(math.pi * progress))
        return 1.0

    return factor


class CreativityModule(L.LightningModule):
    """Trains any registered objective on the shared backbone."""

    def __init__(self, model_cfg: ModelConfig, objective, cfg: TrainConfig, compile_model: bool = False,
                 context: dict[str, Any] | None = None, pretraining=None) -> None:
        super().__init__()
        # A next-token phase (models/train.py, Pretraining): its first ``pretraining.steps`` steps
        # train ``pretraining.objective`` (ntp) instead of ``objective``. None: no such phase.
        self.pretraining = pretraining
        self.model = GPT(model_cfg)
        self.extra = objective.extra_module(model_cfg)
        self.objective = objective
        self.cfg = cfg
        if compile_model:
            self.model.compile_trunk()
        self.context = dict(context or {})  # the rows' context (TrainingRows.context)
        self._context_device: torch.device | None = None
        self.tokens_seen = 0

    def context_on(self, device: torch.device) -> dict[str, Any]:
        """The rows' context with its tensors on ``device``, moved there once."""
        if self._context_device != device:
            self.context = {k: v.to(device) if isinstance(v, torch.Tensor) else v for k, v in self.context.items()}
            self._context_device = device
        return self.context

    def training_step(self, batch: dict[str, torch.Tensor], batch_idx: int) -> torch.Tensor:
        # Every random draw is keyed to the row (its global position), not to the batch or the
        # rank: batch size, devices and resume leave each row's noise unchanged.
        batch = dict(batch)
        rows = batch.pop(ROW_POSITION)
        noise = RowNoise.for_rows(self.cfg.seed, rows, self.cfg.batch_size)
        if self.pretraining is not None:
            loss = self.phased_loss(batch, noise, rows.device)
        else:
            loss = self.objective.loss(self.model, self.extra, batch, noise, self.context_on(rows.device))
        self.log("train/loss", loss, prog_bar=True, on_step=True, on_epoch=False)
        # Figures an objective attaches to its loss (the fine-tuning objectives' mean reward).
        for name, value in getattr(loss, "log_values", {}).items():
            self.log(f"train/{name}", value, on_step=True, on_epoch=False)
        return loss

    def phased_loss(self, batch: dict[str, torch.Tensor], noise: RowNoise, device: torch.device) -> torch.Tensor:
        """The loss of a run with a next-token phase: ntp's before the switch, the objective's from
        it. The phase follows the global step, as the loader's rows do (train.PhasedBatches), so
        it is the same on every rank and after a resume. The first step after the phase hands the
        model to the objective (``on_init_from``: grpo's KL reference becomes a copy of it); a run
        resumed past it restored that with the weights."""
        step, switch = self.global_step, self.pretraining.steps
        if step < switch:
            return self.pretraining.objective.loss(self.model, None, batch, noise, {})
        hook = getattr(self.objective, "on_init_from", None)
        if step == switch and hook is not None:
            hook(self.model, self.extra)
        return self.objective.loss(self.model, self.extra, batch, noise, self.context_on(device))

    def on_save_checkpoint(self, checkpoint: dict) -> None:
        # Dropout draws from the global generators: keep them so a resumed run continues exactly.
        checkpoint["rng_cpu"] = torch.get_rng_state()
        if torch.cuda.is_available():
            checkpoint["rng_cuda"] = torch.cuda.get_rng_state_all()

    def on_load_checkpoint(self, checkpoint: dict) -> None:
        if "rng_cpu" in checkpoint:
            self._restored_rng = checkpoint

    def on_train_start(self) -> None:
        # Restore after Lightning's own seeding, right before the first resumed step.
        saved = getattr(self, "_restored_rng", None)
        if saved is not None:
            torch.set_rng_state(saved["rng_cpu"])
            if torch.cuda.is_available() and "rng_cuda" in saved:
                torch.cuda.set_rng_state_all(saved["rng_cuda"])

    def _grad_scaler(self):
        """The precision plugin's grad scaler (float16 mixed precision only), else None."""
        trainer = self._trainer
        return getattr(trainer.precision_plugin, "scaler", None) if trainer is not None else None

    def configure_gradient_clipping(self, optimizer, gradient_clip_val=None, gradient_clip_algorithm=None) -> None:
        # Lightning's mixed-precision plugin refuses to clip for a fused optimizer (the fused
        # AdamW used on GPU), because it assumes a grad scaler, which bf16 never has. Without a
        # scaler the gradients are the true ones: clip those here, by norm and in the
        # optimizer's parameter order, as Lightning would. Every other case is Lightning's own.
        if not gradient_clip_val:
            return
        raw = getattr(optimizer, "optimizer", optimizer)  # a LightningOptimizer wraps the torch one
        if getattr(raw, "_step_supports_amp_scaling", False) and self._grad_scaler() is None:
            params = [p for group in raw.param_groups for p in group["params"]]
            if gradient_clip_algorithm in (None, "norm"):
                torch.nn.utils.clip_grad_norm_(params, gradient_clip_val)
            else:
                torch.nn.utils.clip_grad_value_(params, gradient_clip_val)
        else:
            self.clip_gradients(optimizer, gradient_clip_val, gradient_clip_algorithm)

    def fused_adamw(self) -> bool:
        """Fused AdamW on GPU; not with a float16 grad scaler, which must unscale before clipping."""
        return torch.cuda.is_available() and self.device.type == "cuda" and self._grad_scaler() is None

    def configure_optimizers(self):
        params = [p for p in self.parameters() if p.requires_grad]
        decay = [p for p in params if p.dim() >= 2]
        no_decay = [p for p in params if p.dim() < 2]
        groups = [{"params": decay, "weight_decay": self.cfg.weight_decay}, {"params": no_decay, "weight_decay": 0.0}]
        opt = torch.optim.AdamW(groups, lr=self.cfg.lr, betas=(self.cfg.beta1, self.cfg.beta2), fused=self.fused_adamw() or None)
        sched = torch.optim.lr_scheduler.LambdaLR(opt, lr_factor(self.cfg))
        return {"optimizer": opt, "lr_scheduler": {"scheduler": sched, "interval": "step"}}
