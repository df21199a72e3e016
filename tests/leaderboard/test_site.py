"""cbench leaderboard build: markdown and HTML from verified submissions; the page sorts in a browser."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from creativity_bench.errors import CBenchError
from creativity_bench.leaderboard.site import build


@pytest.fixture(scope="module")
def board(smoke_submission, tmp_path_factory):
    """Two entries: the honest submission, and a second one re-packed from the same runs."""
    root = tmp_path_factory.mktemp("board")
    shutil.copytree(smoke_submission, root / "subs" / "ntp-a")
    shutil.copytree(smoke_submission, root / "subs" / "ntp-b")
    entries = build(root / "subs", root / "LEADERBOARD.md", root / "site" / "index.html")
    return root, entries


def test_build_writes_pages_from_verified_numbers(board, smoke_submission):
    root, entries = board
    claimed = json.loads((smoke_submission / "submission.json").read_text())["claimed"]
    assert [e["id"] for e in entries] == ["ntp-a", "ntp-b"]
    assert entries[0]["creativity"] == pytest.approx(claimed["mean"]["creativity"])
    assert entries[0]["creativity_other"] == pytest.approx(claimed["secondary"]["mean"]["creativity"])
    md = (root / "LEADERBOARD.md").read_text()
    assert "| 1 | ntp | smoke |" in md and "cbench submit --objective ntp" in md
    assert "| validity | creativity (other regime) | validity (other regime) |" in md
    assert "../site/leaderboard.png" in md or "site/leaderboard.png" in md
    page = (root / "site" / "index.html").read_text()
    assert page.count('<tr data-id="') == 2
    assert (root / "site" / "leaderboard.png").read_bytes()[:4] == b"\x89PNG"


def test_build_refuses_a_rejected_submission(smoke_submission, tmp_path):
    shutil.copytree(smoke_submission, tmp_path / "subs" / "bad")
    (tmp_path / "subs" / "bad" / "runs" / "line" / "s0" / "samples.jsonl").unlink()
    with pytest.raises(CBenchError, match="rejected: line/s0: samples are missing"):
        build(tmp_path / "subs", tmp_path / "L.md", tmp_path / "index.html")


def browser() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")


def render(page: Path, fragment: str = "") -> str:
    """The DOM after the page's scripts ran, from headless Chromium."""
    cmd = [browser(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--virtual-time-budget=3000",
           "--dump-dom", page.resolve().as_uri() + fragment]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return proc.stdout


def rows(dom: str) -> list[list[str]]:
    body = dom.split("<tbody>")[1].split("</tbody>")[0]
    return [re.findall(r'data-value="([^"]*)"', tr) for tr in body.split("</tr>") if "data-value" in tr]


@pytest.mark.skipif(browser() is None, reason="no Chromium installed (.ci/run installs Debian's chromium)")
def test_page_renders_and_sorts_in_headless_chromium(tmp_path):
    entries = [
        {"id": f"e{i}", "objective": name, "params": {}, "preset": "cpu", "creativity": c, "memorization": 0.5, "validity": v,
         "creativity_other": c / 2, "validity_other": v / 2,
         "tasks": {t: c for t in ("sibling", "triangle", "circle", "line")}, "command": "cbench submit", "commit": "abc", "source_sha256": "0" * 64}
        for i, (name, c, v) in enumerate([("alpha", 0.30, 0.2), ("beta", 0.10, 0.9), ("gamma", 0.20, 0.5)])
    ]
    from creativity_bench.leaderboard.site import leaderboard_html

    page = tmp_path / "index.html"
    page.write_text(leaderboard_html(entries, None))
    dom = render(page)
    assert 'data-ready="yes"' in dom  # the script ran
    assert [r[1] for r in rows(dom)] == ["alpha", "beta", "gamma"]  # as built
    by_validity = render(page, "#sort=validity:desc")
    assert [r[1] for r in rows(by_validity)] == ["beta", "gamma", "alpha"]
    assert 'data-sorted="validity:desc"' in by_validity
    by_name = render(page, "#sort=objective:asc")
    assert [r[1] for r in rows(by_name)] == ["alpha", "beta", "gamma"]
    by_creativity = render(page, "#sort=creativity:asc")
    assert [r[1] for r in rows(by_creativity)] == ["beta", "gamma", "alpha"]
