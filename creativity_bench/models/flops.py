"""Model FLOPs utilisation: training FLOPs per token against the device's peak, by device name.

Shared by the training summary and ``benchmarks/bench_train.py``. Torch-free: the caller
passes the device name (``torch.cuda.get_device_name()`` or ``"cpu"``).
"""

from __future__ import annotations

import os

# Dense bf16 peak FLOP/s by device name (no sparsity); unknown devices get no MFU. The first
# key found in the name wins, so the PCIe and NVL H100s come before the SXM one.
PEAK_FLOPS = {
    "H100 PCIe": 756e12,
    "H100 NVL": 835e12,
    "H100": 989e12,
    "H200": 989e12,
    "A100": 312e12,
    "A6000": 155e12,
    "L40S": 362e12,
    "4090": 165e12,
}

# A CPU's fp32 peak is estimated as cores x 2.5 GHz x 32 FLOP/cycle (two 8-wide FMA units).
CPU_FLOPS_PER_CORE = 2.5e9 * 32
ESTIMATED = "estimated"


def peak_flops(device_name: str) -> tuple[float | None, str]:
    """(peak FLOP/s, how it was obtained) for a device name."""
    for key, value in PEAK_FLOPS.items():
        if key in device_name:
            return value, f"table: {key} dense bf16"
    if device_name == "cpu":
        cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
        return cores * CPU_FLOPS_PER_CORE, f"{ESTIMATED}: {cores} cores x 2.5 GHz x 32 FLOP/cycle (fp32)"
    return None, "unknown device: no peak-FLOPs entry"


def backbone_training_flops(model_cfg, width: int) -> float:
    """Training FLOPs (forward and backward) per token of a row ``width`` tokens long.

    The matrix multiplies of the blocks (12 d^2 weights per layer) and of the output layer (V d),
    6 FLOPs per weight and token (2 forward, 4 backward), plus attention over the row (QK^T and
    AV: 12 L d T per token, forward and backward): nanoGPT's 6N + 12LdT with N counting the output
    layer, since every objective pays for it. Elementwise work (norms, softmax) is left out.
    """
    d, n_layer = model_cfg.n_embd, model_cfg.n_layer
    weights = 12 * d * d * n_layer + model_cfg.vocab_size * d
    return 6.0 * weights + 12.0 * n_layer * d * width


def mfu(tokens_per_s: float, flops_token: float, device_name: str) -> tuple[float | None, str]:
    """(model FLOPs utilisation, how the peak was obtained); None where the peak is unknown."""
    peak, how = peak_flops(device_name)
    return (round(tokens_per_s * flops_token / peak, 4) if peak else None), how


def mfu_text(value: float | None, how: str) -> str:
    """``41.2%``; ``~0.3%`` against an estimated peak (a CPU's); ``n/a`` for a device without a known peak."""
    if value is None:
        return "n/a"
    return ("~" if how.startswith(ESTIMATED) else "") + f"{value:.1%}"
