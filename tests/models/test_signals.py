"""A run stopped by SIGTERM (SLURM, Kubernetes, `timeout`) says so in one line and exits 143, in
a real subprocess: never exit 0, never a half-written results.json, and --resume continues it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from creativity_bench.errors import SIGNAL_EXIT_BASE

LONG = ["--preset", "smoke", "--quiet"]
# Far more steps than the test lets run, and a resume checkpoint every 5: the first one shows that
# training is under way.
TRAIN_SETS = ["--train-set", "ckpt_every=5", "--train-set", "eval_every=0"]


def cbench(*args: str) -> subprocess.Popen:
    code = "import sys; from creativity_bench.cli import run; sys.argv = ['cbench', *sys.argv[1:]]; run()"
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    return subprocess.Popen([sys.executable, "-c", code, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)


def stop_when(proc: subprocess.Popen, marker: Path, timeout: float = 300.0, signum: int = signal.SIGTERM) -> tuple[int, str]:
    """Send ``signum`` once ``marker`` exists (training under way); the exit status and stderr."""
    deadline = time.monotonic() + timeout
    while not marker.exists():
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            out, err = proc.communicate()
            pytest.fail(f"the run ended (or hung) before training started: {proc.returncode}\n{out}\n{err}")
        time.sleep(0.05)
    proc.send_signal(signum)
    _, err = proc.communicate(timeout=timeout)
    return proc.returncode, err


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_a_signal_stops_run_with_its_status_and_a_checkpoint(tmp_path, signum):
    out = tmp_path / "run"
    code, err = stop_when(cbench("run", "line", *LONG, "--steps", "100000", *TRAIN_SETS, "--out", str(out)),
                          out / "checkpoint" / "resume.ckpt", signum=signum)
    assert code == SIGNAL_EXIT_BASE + signum, err  # 143 for SIGTERM, 130 for Ctrl-C
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and signal.Signals(signum).name in lines[0] and "--resume" in lines[0], err
    assert "Traceback" not in err
    assert not (out / "results.json").exists()
    assert (out / "checkpoint" / "resume.ckpt").is_file()


def test_sigterm_stops_suite_as_stopped(tmp_path):
    root = tmp_path / "suite"
    run_dir = root / "line" / "ntp" / "s0"
    proc = cbench("suite", str(root), "--preset", "smoke", "--quiet", "--tasks", "line", "--objectives", "ntp", "--seeds", "0",
                  "--train-set", "steps=100000", *TRAIN_SETS)
    code, err = stop_when(proc, run_dir / "checkpoint" / "resume.ckpt")
    assert code == SIGNAL_EXIT_BASE + signal.SIGTERM, err
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and "line/ntp/s0" in lines[0] and "SIGTERM" in lines[0], err
    assert "finished" not in err and not (run_dir / "results.json").exists()
