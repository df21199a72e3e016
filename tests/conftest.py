"""Shared fixtures and the GPU marker: GPU-only tests are skipped where CUDA is absent."""

from __future__ import annotations

import pytest


def pytest_collection_modifyitems(config, items):
    try:
        import torch

        has_gpu = torch.cuda.is_available()
    except ImportError:
        has_gpu = False
    if has_gpu:
        return
    skip = pytest.mark.skip(reason="needs a CUDA GPU")
    for item in items:
        if "gpu" in item.keywords:
            item.add_marker(skip)


SUITE_TASKS = ("sibling", "circle")
SUITE_OBJECTIVES = ("ntp", "diffusion")
SUITE_SEEDS = (0, 1)


@pytest.fixture(scope="session")
def smoke_suite(tmp_path_factory):
    """A finished smoke-preset suite: 2 tasks x 2 objectives x 2 seeds, unsharded."""
    from creativity_bench.models.sampling import SamplingSettings
    from creativity_bench.suite import grid, run_suite

    root = tmp_path_factory.mktemp("suite") / "results"
    outcome = run_suite(root, grid(SUITE_TASKS, SUITE_OBJECTIVES, SUITE_SEEDS), "smoke", SamplingSettings())
    assert len(outcome["new"]) == 8
    return root


@pytest.fixture(scope="session")
def smoke_submission(tmp_path_factory):
    """An honest smoke-preset submission of ntp (the protocol's 4 tasks x 3 seeds)."""
    from creativity_bench.leaderboard.submission import submit

    base = tmp_path_factory.mktemp("submission")
    submit("ntp", "smoke", base / "ntp-smoke", base / "runs", "cbench submit --objective ntp --preset smoke --out ntp-smoke")
    return base / "ntp-smoke"
