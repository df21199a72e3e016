"""Atomic writes: whole files, and the modes the umask asks for."""

from __future__ import annotations

import os
import stat

import pytest

from creativity_bench.io import atomic_write_text


@pytest.mark.skipif(not hasattr(os, "fchmod"), reason="POSIX file modes")
@pytest.mark.parametrize("mask, mode", [(0o022, 0o644), (0o002, 0o664), (0o077, 0o600)])
def test_atomic_writes_respect_the_umask(tmp_path, mask, mode):
    previous = os.umask(mask)
    try:
        atomic_write_text(tmp_path / "results.json", "{}\n")
        atomic_write_text(tmp_path / "results.json", "{}\n")  # replacing a file too
    finally:
        os.umask(previous)
    assert stat.S_IMODE((tmp_path / "results.json").stat().st_mode) == mode
    assert [p.name for p in tmp_path.iterdir()] == ["results.json"], "no temporary file left"
