"""Smoke submissions made with one torch thread (seconds, even beside a busy benchmark)."""

from __future__ import annotations

import pytest

from tests.leaderboard.helpers import one_thread
from tests.test_plugin import plugin_path  # noqa: F401 (the example plugin, pip-installed into a private folder)

COMMAND = "cbench submit --objective ntp --preset smoke --out ntp-smoke"


@pytest.fixture(scope="session")
def smoke_runs(tmp_path_factory):
    """The working results tree the smoke submissions share (its runs are trained once)."""
    return tmp_path_factory.mktemp("smoke-runs") / "runs"


@pytest.fixture(scope="session")
def smoke_submission(smoke_runs, tmp_path_factory):
    """An honest smoke-preset submission of ntp (the protocol's 4 tasks x 3 seeds); it overrides
    the suite-wide fixture of the same name with a one-thread one."""
    from creativity_bench.leaderboard.submission import submit

    out = tmp_path_factory.mktemp("submission") / "ntp-smoke"
    with one_thread():
        submit("ntp", "smoke", out, smoke_runs, COMMAND)
    return out


@pytest.fixture(scope="session")
def checkpointed_submission(smoke_runs, tmp_path_factory):
    """The same submission packed with its checkpoints (`cbench submit --with-checkpoints`)."""
    from creativity_bench.leaderboard.submission import submit

    out = tmp_path_factory.mktemp("checkpointed") / "ntp-smoke"
    with one_thread():
        submit("ntp", "smoke", out, smoke_runs, COMMAND + " --with-checkpoints", with_checkpoints=True)
    return out
