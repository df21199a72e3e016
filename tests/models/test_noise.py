"""Training noise keyed to rows: the torch hash equals the task generators' one, and a row's
draws depend on nothing but (seed, tag, its position)."""

from __future__ import annotations

import numpy as np
import torch

from creativity_bench.models.noise import RowNoise, mix64
from creativity_bench.seeding import _mix_array


def test_torch_hash_is_bit_equal_to_the_numpy_one():
    z = np.random.default_rng(0).integers(0, 2**63, 4096, dtype=np.uint64) * np.uint64(2) + np.uint64(1)
    assert (mix64(torch.from_numpy(z.view(np.int64))).numpy().view(np.uint64) == _mix_array(z)).all()


def test_a_rows_draws_do_not_depend_on_its_batch():
    positions = torch.arange(32, 48)
    whole = RowNoise.for_rows(3, positions, 16)
    part = RowNoise.for_rows(3, positions[5:9], 16)
    assert torch.equal(whole.uniform("mask", 7)[5:9], part.uniform("mask", 7))
    assert torch.equal(whole.stratified("time")[5:9], part.stratified("time"))
    assert torch.equal(whole.integers("token", 11, 7)[5:9], part.integers("token", 11, 7))
    assert not torch.equal(whole.uniform("mask", 7), RowNoise.for_rows(4, positions, 16).uniform("mask", 7))


def test_stratified_times_cover_the_unit_interval_evenly():
    t = RowNoise.for_rows(0, torch.arange(64, 128), 64).stratified("time")
    gaps = torch.diff(torch.sort(t).values)
    assert torch.allclose(gaps, torch.full_like(gaps, 1 / 64))
    u = RowNoise.for_rows(0, torch.arange(10_000), 10_000).uniform("x", 4)
    assert u.min() >= 0 and u.max() < 1 and abs(float(u.mean()) - 0.5) < 0.01
