"""Scale-out: 2 data-parallel CPU processes (gloo) train to the same weights as 1 process."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
import torch
from safetensors.torch import load_file

COMMON = ["train", "circle", "--preset", "smoke", "--seed", "3", "--steps", "20", "--batch-size", "16",
          "--train-set", "eval_every=0", "--train-set", "accelerator=cpu", "--quiet"]


def cbench(args, cwd):
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    env.pop("MASTER_PORT", None)
    return subprocess.run([sys.executable, "-m", "creativity_bench.cli", *args], capture_output=True, text=True, cwd=cwd, env=env, timeout=600)


# Diffusion draws training noise (mask times, masked positions, noise tokens): keyed to each row,
# two processes of 8 rows draw exactly what one process of 16 does.
@pytest.mark.skipif(not torch.distributed.is_available() or not torch.distributed.is_gloo_available(), reason="no gloo backend")
@pytest.mark.parametrize("objective", ["ntp", "diffusion", "diffusion-uniform"])
def test_two_gloo_processes_equal_one_process(tmp_path, objective):
    common = [*COMMON, "--objective", objective]
    one = cbench([*common, "--out", str(tmp_path / "one")], tmp_path)
    assert one.returncode == 0, one.stderr[-3000:]
    two = cbench([*common, "--devices", "2", "--strategy", "ddp", "--out", str(tmp_path / "two")], tmp_path)
    assert two.returncode == 0, two.stderr[-3000:]
    a = load_file(tmp_path / "one" / "checkpoint" / "weights.safetensors")
    b = load_file(tmp_path / "two" / "checkpoint" / "weights.safetensors")
    assert a.keys() == b.keys()
    for key in a:
        torch.testing.assert_close(b[key], a[key], rtol=1e-4, atol=1e-5, msg=key)
    cfg_two = json.loads((tmp_path / "two" / "train_config.json").read_text())
    assert cfg_two["devices"] == "2" and cfg_two["strategy"] == "ddp"
