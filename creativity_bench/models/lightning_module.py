"""The LightningModule: backbone + objective, AdamW with linear warmup then constant LR."""

from __future__ import annotations

import math

import lightning as L
import torch

from creativity_bench.models.backbone import GPT, ModelConfig
from creativity_bench.models.config import TrainConfig
from creativity_bench.seeding import derive_key


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

    def __init__(self, model_cfg: ModelConfig, objective, cfg: TrainConfig, compile_model: bool = False) -> None:
        super().__init__()
        self.model = GPT(model_cfg)
        self.extra = objective.extra_module(model_cfg)
        self.objective = objective
        self.cfg = cfg
        # The compiled module shares parameters with self.model; weights are always saved
        # from self.model, so checkpoints never carry compiled-module key prefixes.
        self._forward_model = torch.compile(self.model) if compile_model else self.model
        self.tokens_seen = 0

    def training_step(self, batch: dict[str, torch.Tensor], batch_idx: int) -> torch.Tensor:
        # Noise for stochastic objectives is keyed to the step: resumable without RNG replay.
        gen = torch.Generator(device=next(iter(batch.values())).device)
        gen.manual_seed(derive_key("objective-noise", self.cfg.seed, self.global_step, self.global_rank) & ((1 << 63) - 1))
        loss = self.objective.loss(self._forward_model, self.extra, batch, gen)
        self.log("train/loss", loss, prog_bar=True, on_step=True, on_epoch=False)
        return loss

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

    def configure_optimizers(self):
        params = [p for p in self.parameters() if p.requires_grad]
        decay = [p for p in params if p.dim() >= 2]
        no_decay = [p for p in params if p.dim() < 2]
        groups = [{"params": decay, "weight_decay": self.cfg.weight_decay}, {"params": no_decay, "weight_decay": 0.0}]
        fused = torch.cuda.is_available() and self.device.type == "cuda"
        opt = torch.optim.AdamW(groups, lr=self.cfg.lr, betas=(self.cfg.beta1, self.cfg.beta2), fused=fused or None)
        sched = torch.optim.lr_scheduler.LambdaLR(opt, lr_factor(self.cfg))
        return {"optimizer": opt, "lr_scheduler": {"scheduler": sched, "interval": "step"}}
