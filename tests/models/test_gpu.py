"""The CUDA path end to end: bf16 training (fused AdamW, compiled trunk) and bf16 sampling.

Marked ``gpu``: skipped where no CUDA device is present (see tests/conftest.py).
"""

from __future__ import annotations

import json
import math

import pytest

from tests.models.helpers import STANDARD, smoke_config

pytestmark = pytest.mark.gpu


@pytest.mark.parametrize("objective", ["ntp", "diffusion"])
def test_bf16_cuda_training_smoke(objective, tmp_path):
    from creativity_bench.runs import run, sample_checkpoint

    doc = run(smoke_config("circle", objective), tmp_path / "run", STANDARD, progress=False)
    training = doc["training"]
    assert training["dtype"] == "bf16-mixed" and training["device"] != "cpu"
    assert math.isfinite(training["final_loss"])
    assert training["mfu"] is None or 0 < training["mfu"] < 1
    assert doc["metrics"]["n"] == 32

    out = tmp_path / "cuda.jsonl"
    _, scores, meta = sample_checkpoint(tmp_path / "run" / "checkpoint", out, STANDARD, device="cuda")
    sampling = json.loads(meta.read_text())["sampling"]
    assert sampling["device"] == "cuda" and sampling["dtype"] == "bf16-autocast"
    assert scores.n == 32 and len(out.read_text().splitlines()) == 32
