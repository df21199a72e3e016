"""cbench leaderboard build: markdown and HTML from verified, reproduced submissions; the page shows
each entry's interval, ties and reproduced runs, and sorts in a browser."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from creativity_bench.errors import CBenchError
from creativity_bench.leaderboard.reproduce import read_audits, record_audit
from creativity_bench.leaderboard.site import build, leaderboard_html, leaderboard_markdown, rank_entries
from tests.leaderboard.helpers import cli_without_torch, one_thread

TASKS = ("sibling", "triangle", "circle", "line")


@pytest.fixture(scope="module")
def reproduced(smoke_submission, tmp_path_factory):
    """The honest submission with one run reproduced (`verify --reproduce line/s0`)."""
    from creativity_bench.leaderboard.reproduce import run_audits
    from creativity_bench.leaderboard.verify import verify

    folder = tmp_path_factory.mktemp("reproduced") / "ntp"
    shutil.copytree(smoke_submission, folder)
    with one_thread():
        [audit] = run_audits(verify(folder), "line/s0", False)
    assert audit.ok, audit.problems
    return folder


@pytest.fixture(scope="module")
def board(reproduced, tmp_path_factory):
    """Two entries: the honest submission twice (the same numbers: tied)."""
    root = tmp_path_factory.mktemp("board")
    shutil.copytree(reproduced, root / "subs" / "ntp-a")
    shutil.copytree(reproduced, root / "subs" / "ntp-b")
    entries = build(root / "subs", root / "LEADERBOARD.md", root / "site" / "index.html")
    return root, entries


def test_build_writes_pages_from_verified_numbers(board, smoke_submission):
    root, entries = board
    claimed = json.loads((smoke_submission / "submission.json").read_text())["claimed"]
    assert [e["id"] for e in entries] == ["ntp-a", "ntp-b"]
    assert entries[0]["creativity"] == pytest.approx(claimed["mean"]["creativity"])
    assert entries[0]["creativity_other"] == pytest.approx(claimed["secondary"]["mean"]["creativity"])
    assert entries[0]["ci_low"] <= entries[0]["creativity"] <= entries[0]["ci_high"] and entries[0]["seeds"] == 3
    assert [(e["rank"], e["tied"]) for e in entries] == [(1, True), (1, True)]
    date = read_audits(root / "subs" / "ntp-a")[0]["utc_date"]
    md = (root / "LEADERBOARD.md").read_text()
    assert "| =1 | ntp | smoke |" in md and "cbench submit --objective ntp" in md
    assert "| validity | creativity (other regime) | validity (other regime) | reproduced |" in md
    assert f"| 1/12 ({date}) |" in md
    assert f"reproduced 1 of 12 runs (line/s0), last on {date}: byte-identical samples" in md
    assert "../site/leaderboard.png" in md or "site/leaderboard.png" in md
    page = (root / "site" / "index.html").read_text()
    assert page.count('<tr data-id="') == 2
    assert f'<td data-value="1">1/12 ({date})</td>' in page and '<td data-value="1">=1</td>' in page
    assert (root / "site" / "leaderboard.png").read_bytes()[:4] == b"\x89PNG"


def test_build_refuses_a_rejected_submission(reproduced, tmp_path):
    shutil.copytree(reproduced, tmp_path / "subs" / "bad")
    (tmp_path / "subs" / "bad" / "runs" / "line" / "s0" / "samples.jsonl").unlink()
    with pytest.raises(CBenchError, match="rejected: manifest: runs/line/s0/samples.jsonl: listed in the manifest but missing"):
        build(tmp_path / "subs", tmp_path / "L.md", tmp_path / "index.html")


def test_build_refuses_an_entry_never_reproduced(smoke_submission, reproduced, tmp_path):
    from typer.testing import CliRunner

    from creativity_bench.cli import app

    shutil.copytree(reproduced, tmp_path / "subs" / "good")
    shutil.copytree(smoke_submission, tmp_path / "subs" / "never")
    folder = tmp_path / "subs" / "never"
    message = f"{folder}: none of its runs was ever reproduced; run `cbench leaderboard verify {folder} --reproduce 1`"
    with pytest.raises(CBenchError) as caught:
        build(tmp_path / "subs", tmp_path / "L.md", tmp_path / "index.html")
    assert str(caught.value) == message
    result = CliRunner().invoke(app, ["leaderboard", "build", "--dir", str(tmp_path / "subs"), "--markdown", str(tmp_path / "L.md")])
    assert result.exit_code == 2 and result.stderr.strip() == f"error: {message}"
    assert not (tmp_path / "L.md").exists()


def test_audits_of_other_content_do_not_count(reproduced, tmp_path):
    folder = tmp_path / "subs" / "edited"
    shutil.copytree(reproduced, folder)
    doc = json.loads((folder / "submission.json").read_text())
    doc["command"] += " --quiet"  # still verifies, but it is not what was audited
    (folder / "submission.json").write_text(json.dumps(doc))
    with pytest.raises(CBenchError, match="none of its runs was ever reproduced"):
        build(tmp_path / "subs", tmp_path / "L.md", tmp_path / "index.html")


def test_build_refuses_an_entry_whose_latest_audit_rejected_it(reproduced, tmp_path):
    folder = tmp_path / "subs" / "doubted"
    shutil.copytree(reproduced, folder)
    record = {**read_audits(folder)[0], "utc_date": "2099-01-01", "verdict": "rejected", "problems": ["line/s0: samples differ"]}
    record_audit(folder, record)
    with pytest.raises(CBenchError, match=r"doubted: its latest reproduction audit \(2099-01-01\) rejected it: line/s0: samples differ$"):
        build(tmp_path / "subs", tmp_path / "L.md", tmp_path / "index.html")
    record_audit(folder, read_audits(folder)[0])  # a later audit that passes (say, in the recorded environment) stands
    assert build(tmp_path / "subs", tmp_path / "L.md", tmp_path / "index.html")[0]["reproduced"]["runs"] == ["line/s0"]


def hand_entry(name: str, creativity: float, low: float, high: float, preset: str = "cpu", validity: float = 0.5, runs: int = 2) -> dict:
    return {"id": name, "objective": name, "params": {}, "preset": preset, "creativity": creativity, "memorization": 0.5, "validity": validity,
            "creativity_other": creativity / 2, "validity_other": validity / 2, "tasks": {t: creativity for t in TASKS},
            "command": "cbench submit", "commit": "abc", "source_sha256": "0" * 64, "seeds": 3, "ci_low": low, "ci_high": high, "runs": 12,
            "reproduced": {"runs": [f"line/s{s}" for s in range(runs)], "date": "2026-11-24", "checks": ["byte-identical"], "resampled": False,
                           "rejected": None, "rejected_date": None}}


def test_page_shows_intervals_ties_and_reproduced_runs():
    entries = rank_entries([hand_entry("gamma", 0.10, 0.05, 0.15, runs=12), hand_entry("beta", 0.28, 0.20, 0.33),
                            hand_entry("alpha", 0.30, 0.25, 0.35), hand_entry("delta", 0.40, 0.10, 0.70, preset="paper")])
    assert [(e["id"], e["rank"], e["tied"]) for e in entries] == [("delta", 1, False), ("alpha", 1, True), ("beta", 1, True), ("gamma", 3, False)]
    md = leaderboard_markdown(entries)
    assert "| 1 | delta | paper | 0.400 | [0.100, 0.700] |" in md  # alone in its preset: ranked, not tied
    assert "| =1 | alpha | cpu | 0.300 | [0.250, 0.350] |" in md and "| =1 | beta | cpu | 0.280 | [0.200, 0.330] |" in md
    assert "| 3 | gamma | cpu | 0.100 | [0.050, 0.150] |" in md
    assert "| 2/12 (2026-11-24) |" in md and "| 12/12 (2026-11-24) |" in md
    assert "reproduced 12 of 12 runs (line/s0, " in md and "95% t-interval" in md
    page = leaderboard_html(entries, None)
    assert '<td data-value="1">=1</td>' in page and '<td data-value="3">3</td>' in page
    assert '<td data-value="0.25">[0.250, 0.350]</td>' in page and '<td data-value="12">12/12 (2026-11-24)</td>' in page


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
    entries = [hand_entry(name, c, c - 0.01, c + 0.01, validity=v) for name, c, v in [("alpha", 0.30, 0.2), ("beta", 0.10, 0.9), ("gamma", 0.20, 0.5)]]
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


def test_page_says_why_a_task_column_is_all_zeros():
    """A task on which every entry scores 0 is explained under the table: here the smoke circle
    instance, whose training set covers every coherent form (no novel form exists)."""
    entries = rank_entries([hand_entry("alpha", 0.30, 0.25, 0.35, preset="smoke"), hand_entry("beta", 0.20, 0.15, 0.25, preset="smoke")])
    for e in entries:
        e["tasks"]["circle"] = 0.0
    md = leaderboard_markdown(entries)
    assert "Empty columns:" in md and "- `circle`: every creativity is 0: the training set covers every coherent form" in md
    assert "`line`" not in md.split("Empty columns:")[1].split("## Entries")[0]
    page = leaderboard_html(entries, None)
    assert '<ul id="empty-columns"><li><code>circle</code>: every creativity is 0' in page
    for e in entries:
        e["tasks"]["circle"] = 0.1
    assert "Empty columns:" not in leaderboard_markdown(entries) and "empty-columns" not in leaderboard_html(entries, None)


def test_build_needs_no_torch(reproduced, tmp_path):
    """Building the pages re-verifies (re-scores) and reads the recorded audits: no torch needed.
    The pages equal those built where torch is installed."""
    shutil.copytree(reproduced, tmp_path / "subs" / "ntp")
    with_torch = tmp_path / "with"
    build(tmp_path / "subs", with_torch / "LEADERBOARD.md", with_torch / "site" / "index.html")
    without = tmp_path / "without"
    codes, out, err = cli_without_torch(["leaderboard", "build", "--dir", tmp_path / "subs", "--markdown", without / "LEADERBOARD.md",
                                         "--html", without / "site" / "index.html"])
    assert codes == [0], out + err
    assert "leaderboard: 1 verified entries" in out
    assert (without / "LEADERBOARD.md").read_text() == (with_torch / "LEADERBOARD.md").read_text()
    assert (without / "site" / "index.html").read_text() == (with_torch / "site" / "index.html").read_text()


def test_empty_columns_are_judged_per_preset():
    """Presets are ranked apart and their instances differ: a task column that is all zeros within
    one preset's entries is explained for that preset, named, even when another preset's are not."""
    entries = rank_entries([hand_entry("alpha", 0.30, 0.25, 0.35, preset="smoke"), hand_entry("beta", 0.20, 0.15, 0.25, preset="smoke"),
                            hand_entry("gamma", 0.10, 0.05, 0.15, preset="cpu")])
    for e in entries:
        e["tasks"]["circle"] = 0.0 if e["preset"] == "smoke" else 0.1
    notes = leaderboard_markdown(entries).split("Empty columns:")[1].split("## Entries")[0].strip().splitlines()
    assert notes == ["- `circle` (`smoke` entries): every creativity is 0: the training set covers every coherent form of the `smoke` "
                     "instance, so no novel form exists: creativity is 0 by construction."]
    assert "<li><code>circle</code> (<code>smoke</code> entries): every creativity is 0" in leaderboard_html(entries, None)
    for e in entries:
        e["tasks"]["line"] = 0.0 if e["preset"] == "cpu" else 0.2
    notes = leaderboard_markdown(entries).split("Empty columns:")[1].split("## Entries")[0].strip().splitlines()
    assert len(notes) == 2 and notes[1].startswith("- `circle` (`smoke` entries)")  # in the page's order of presets: cpu first
    assert notes[0].startswith("- `line` (`cpu` entries): every creativity is 0: no run produced a novel coherent answer, although "
                               "353,027 novel forms exist")
