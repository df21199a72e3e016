"""Training presets: model size and optimisation per preset, with per-task step counts.

``paper`` follows the study's released small-model code: AdamW (0.9, 0.999),
lr 1e-4, 2,000 warmup steps then constant, batch 64, no weight decay. ``cpu`` was tuned so that
every task x objective run learns (validity >= 0.5 with fresh seeds) in at most 3 minutes on
2 CPU cores; ``smoke`` only has to run end to end in seconds.
"""

from __future__ import annotations

from typing import Any

TRAIN_PRESETS: dict[str, dict[str, Any]] = {
    "smoke": {"batches": "epochs", "schedule": "constant", "steps": 30, "batch_size": 16, "lr": 3e-3, "warmup": 5, "eval_every": 15, "eval_subset": 32},
    "cpu": {"batches": "epochs", "schedule": "constant", "steps": 2500, "batch_size": 64, "lr": 3e-3, "warmup": 100, "eval_every": 500, "eval_subset": 128},
    "paper": {"batches": "epochs", "schedule": "constant", "steps": 40_000, "batch_size": 64, "lr": 1e-4, "warmup": 2000, "eval_every": 4000, "eval_subset": 1024},
}

# Per-task departures from a preset. The study trained far longer on the combinational tasks
# (800k NTP steps for sibling and triangle, 40k for circle and line). On the `cpu` preset,
# circle needs a lower learning rate and a short run: at 3e-3 teacherless training with the
# study's mix (three fully-dummy copies per sample) collapses to repeating one vertex; at 1e-3
# both objectives learn, and past ~1,000 steps memorization of the seeds erodes validity on
# fresh seeds (see results/README.md).
TASK_OVERRIDES: dict[tuple[str, str], dict[str, Any]] = {
    ("paper", "sibling"): {"steps": 800_000},
    ("paper", "triangle"): {"steps": 800_000},
    ("cpu", "sibling"): {"steps": 1000},
    ("cpu", "triangle"): {"steps": 3500},
    ("cpu", "circle"): {"steps": 1000, "lr": 1e-3},
}


# Per-objective departures on the `cpu` preset, which is bounded by wall time (3 minutes per run
# on 2 cores), not by steps. Each objective gets the most steps that fit the budget, up to
# what the left-to-right objectives use: mtp with 4 heads runs three extra Transformer blocks
# per step (about 2.5-3x an ntp step), so it gets fewer steps on triangle and line; the
# diffusion objectives cost about 1.3x an ntp step and learn more slowly per step, so they get
# more steps on sibling and circle (at circle's shared rate of 3e-3, not ntp's 1e-3). See
# results/calibration/ for what each reaches.
OBJECTIVE_OVERRIDES: dict[tuple[str, str, str], dict[str, Any]] = {
    ("cpu", "triangle", "mtp"): {"steps": 1500},
    ("cpu", "line", "mtp"): {"steps": 1000},
    ("cpu", "triangle", "diffusion"): {"steps": 3000},
    ("cpu", "line", "diffusion"): {"steps": 3000},
    ("cpu", "circle", "diffusion"): {"steps": 2500, "lr": 3e-3},
    ("cpu", "sibling", "diffusion"): {"steps": 2000},
    ("cpu", "triangle", "diffusion-uniform"): {"steps": 3000},
    ("cpu", "line", "diffusion-uniform"): {"steps": 3000},
    ("cpu", "circle", "diffusion-uniform"): {"steps": 2500, "lr": 3e-3},
    ("cpu", "sibling", "diffusion-uniform"): {"steps": 2000},
}


def train_preset(preset: str, task: str, objective: str | None = None) -> dict[str, Any]:
    """Optimisation settings for (preset, task[, objective])."""
    return {**TRAIN_PRESETS[preset], **TASK_OVERRIDES.get((preset, task), {}), **OBJECTIVE_OVERRIDES.get((preset, task, objective or ""), {})}
