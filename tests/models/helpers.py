"""Small helpers shared by the model tests."""

from __future__ import annotations

import os
import signal

import lightning as L
import torch

from creativity_bench.models.config import TrainConfig
from creativity_bench.models.noise import RowNoise
from creativity_bench.models.sampling import SamplingSettings


def smoke_config(task: str = "circle", objective: str = "ntp", **kw) -> TrainConfig:
    return TrainConfig(task=task, preset="smoke", objective=objective, **kw)


STANDARD = SamplingSettings()  # each objective's standard sampler


class InterruptAt(L.Callback):
    """Sends this process SIGINT after ``step`` optimizer steps, like a user's Ctrl-C."""

    def __init__(self, step: int) -> None:
        self.step = step
        self.sent = False

    def on_train_batch_end(self, trainer, pl_module, outputs, batch, batch_idx) -> None:
        if trainer.global_step >= self.step and not self.sent:
            self.sent = True
            os.kill(os.getpid(), signal.SIGINT)


def noise_for(n: int, seed: int = 0, step: int = 0) -> RowNoise:
    """The noise of rows 0..n-1 of one global batch of n rows at ``step``."""
    return RowNoise.for_rows(seed, torch.arange(step * n, (step + 1) * n), n)


def tensors(rows) -> dict[str, torch.Tensor]:
    """A TrainingRows' arrays as one batch of tensors."""
    return {k: torch.from_numpy(v) for k, v in rows.arrays.items()}
