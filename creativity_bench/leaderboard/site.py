"""`cbench leaderboard build`: verified submissions into LEADERBOARD.md and a static HTML page.

Every submission folder under the leaderboard directory is verified first; the build fails,
naming the folder and the reason, if any is rejected, if none of its runs was ever reproduced
(reproductions.json, written by `cbench leaderboard verify --reproduce`), or if its latest
reproduction audit rejected it, so the page never shows an unverified or unreproduced number.
Each entry shows its mean creativity over the four tasks (recomputed by the verifier) with a 95%
t-interval over its training seeds, and how many of its runs were reproduced and when. Entries
are ranked within a preset by stats.tied_ranks: one plus the number of entries whose interval
lies wholly above, ties shown as ``=k``. The HTML page is self-contained (inline CSS and JavaScript): click a column header to sort by it, or open
it with ``#sort=COLUMN:asc|desc``.
"""

from __future__ import annotations

import html
import os
import re
from pathlib import Path
from typing import Any

from creativity_bench.errors import CBenchError
from creativity_bench.io import atomic_write_text
from creativity_bench.leaderboard.protocol import INSTANCE_SEED, TASKS
from creativity_bench.leaderboard.reproduce import BYTE_IDENTICAL, standing
from creativity_bench.leaderboard.stats import mean_interval, rank_label, tied_ranks
from creativity_bench.leaderboard.submission import SUBMISSION_FILE
from creativity_bench.leaderboard.verify import verify

FIGURE = "leaderboard.png"


def collect_entries(directory: Path) -> list[dict[str, Any]]:
    """Verify every submission under ``directory``; one entry per submission, best first."""
    directory = Path(directory)
    folders = sorted(p.parent for p in directory.glob(f"*/{SUBMISSION_FILE}"))
    if not folders:
        raise CBenchError(f"{directory}: no submissions (folders with {SUBMISSION_FILE})")
    entries = []
    for folder in folders:
        result = verify(folder)
        if not result.ok:
            raise CBenchError(f"{folder}: rejected: {result.problems[0]}")
        audits = standing(folder)
        if audits["rejected"]:
            raise CBenchError(f"{folder}: its latest reproduction audit ({audits['rejected_date']}) rejected it: {audits['rejected'][0]}")
        if not audits["runs"]:
            raise CBenchError(f"{folder}: none of its runs was ever reproduced; run `cbench leaderboard verify {folder} --reproduce 1`")
        sub, rec = result.submission, result.recomputed
        per_seed = [sum(result.per_run[t][f"s{s}"]["creativity"] for t in TASKS) / len(TASKS) for s in result.seeds]
        _, low, high = mean_interval(per_seed)
        entries.append({
            "id": folder.name,
            "objective": sub["objective"]["name"],
            "params": sub["objective"]["params"],
            "preset": sub["preset"],
            "creativity": rec["mean"]["creativity"],
            "memorization": rec["mean"]["memorization"],
            "validity": rec["mean"]["validity"],
            "creativity_other": rec["secondary"]["mean"]["creativity"],
            "validity_other": rec["secondary"]["mean"]["validity"],
            "tasks": {t: rec["tasks"][t]["creativity"] for t in TASKS},
            "command": sub.get("command", ""),
            "commit": (sub.get("environment") or {}).get("git_commit") or "unknown",
            "source_sha256": sub["objective"]["source"]["sha256"],
            "seeds": len(per_seed),
            "ci_low": low,
            "ci_high": high,
            "runs": len(result.runs),
            "reproduced": audits,
        })
    return rank_entries(entries)


def rank_entries(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rank within each preset (presets are not comparable) by stats.tied_ranks; best first."""
    for preset in {e["preset"] for e in entries}:
        mine = [e for e in entries if e["preset"] == preset]
        for e, (rank, tied) in zip(mine, tied_ranks(mine)):
            e["rank"], e["tied"] = rank, tied
    order = {"paper": 0, "cpu": 1}
    return sorted(entries, key=lambda e: (order.get(e["preset"], 2), e["preset"], e["rank"], -e["creativity"], e["objective"], e["id"]))


def columns() -> list[tuple[str, str]]:
    return [("rank", "#"), ("objective", "objective"), ("preset", "preset"), ("creativity", "creativity (mean)"), ("ci", "95% CI"),
            *[(f"task_{t}", t) for t in TASKS], ("memorization", "memorization"), ("validity", "validity"),
            ("creativity_other", "creativity (other regime)"), ("validity_other", "validity (other regime)"), ("reproduced", "reproduced")]


def cell_value(entry: dict[str, Any], key: str, rank: int) -> Any:
    """A cell's value, for sorting: numbers for the numeric columns."""
    if key == "rank":
        return entry.get("rank", rank)
    if key == "ci":
        return entry["ci_low"]
    if key == "reproduced":
        return len(entry["reproduced"]["runs"])
    if key.startswith("task_"):
        return entry["tasks"][key[5:]]
    return entry[key]


def cell_text(entry: dict[str, Any], key: str, rank: int) -> str:
    """A cell as shown: ``=2`` for a tied rank, the interval, ``3/12 (date)`` for reproduced runs."""
    if key == "rank":
        return rank_label(entry.get("rank", rank), entry.get("tied", False))
    if key == "ci":
        return f"[{entry['ci_low']:.3f}, {entry['ci_high']:.3f}]"
    if key == "reproduced":
        audits = entry["reproduced"]
        return f"{len(audits['runs'])}/{entry['runs']} ({audits['date']})"
    value = cell_value(entry, key, rank)
    return f"{value:.3f}" if isinstance(value, float) else str(value)


def reproduced_text(entry: dict[str, Any]) -> str:
    """One sentence on an entry's audits: which runs were re-trained, when, how compared."""
    audits = entry["reproduced"]
    how = "byte-identical samples" if audits["checks"] == [BYTE_IDENTICAL] else (
        "metrics within the cross-environment tolerance" if BYTE_IDENTICAL not in audits["checks"] else "byte-identical samples or metrics within tolerance")
    text = f"reproduced {len(audits['runs'])} of {entry['runs']} runs ({', '.join(audits['runs'])}), last on {audits['date']}: {how}"
    return text + ("; checkpoints re-sampled" if audits.get("resampled") else "")


def md_text(text: str) -> str:
    """Text safe inside a markdown table cell or list item: one line, no table or emphasis syntax."""
    return " ".join(text.split()).replace("\\", "\\\\").replace("|", "\\|").replace("*", "\\*").replace("_", "\\_").replace("`", "'")


def md_code(text: str) -> str:
    """A one-line inline code span that the text cannot break out of."""
    return "`" + " ".join(text.split()).replace("`", "'") + "`"


def empty_column_notes(entries: list[dict[str, Any]]) -> list[str]:
    """Why a task column is all zeros when it is (markdown lines; the HTML page shows the same).
    Presets are judged apart (their instances differ); a page of several names the preset."""
    from creativity_bench.report.aggregate import zero_notes

    presets = list(dict.fromkeys(e["preset"] for e in entries))
    notes = []
    for preset in presets:
        mine = [e for e in entries if e["preset"] == preset]
        label = f" (`{preset}` entries)" if len(presets) > 1 else ""
        notes += zero_notes({t: [e["tasks"][t] for e in mine] for t in TASKS}, preset,
                            instances={t: {"seed": INSTANCE_SEED} for t in TASKS}, label=label)
    return notes


def leaderboard_markdown(entries: list[dict[str, Any]], figure: str | None = None) -> str:
    cols = columns()
    lines = [
        "# creativity-bench leaderboard",
        "",
        "Written by `cbench leaderboard build` from the verified submissions in `results/leaderboard/`; every",
        "number was recomputed from the submitted samples by `cbench leaderboard verify`. Creativity is the",
        "fraction of generations that are valid, not in the training set, and distinct (docs/spec.md,",
        "section 4); the first column is its mean over the four tasks, each a mean over the training seeds, with",
        "a 95% t-interval over the seeds (of each seed's four-task mean; n-1 degrees of freedom). An entry's rank",
        "is one plus the number of entries whose interval lies wholly above its own; a shared rank is shown as `=k`",
        "(so two entries whose intervals overlap can still differ in rank, through a third above one of them only).",
        "Every objective samples with its family's standard sampler (greedy for left-to-right",
        "objectives, temperature 1 for diffusion); the two columns marked other regime are the other one",
        "(temperature 1, resp. greedy) on the same prompts. The last column counts the runs re-trained by",
        "`cbench leaderboard verify --reproduce` and gives the date of the latest. Protocol: `docs/leaderboard.md`.",
        "",
        "| " + " | ".join(label for _, label in cols) + " |",
        "|" + "---|" * len(cols),
    ]
    for rank, e in enumerate(entries, 1):
        lines.append("| " + " | ".join(md_text(cell_text(e, k, rank)) for k, _ in cols) + " |")
    notes = empty_column_notes(entries)
    if notes:
        lines += ["", "Empty columns:", "", *notes]
    if figure:
        lines += ["", f"![creativity per task]({figure})"]
    lines += ["", "## Entries", ""]
    for e in entries:
        lines += [f"- **{md_text(e['objective'])}** ({md_code(e['id'])}, {md_text(e['preset'])}): {md_code(e['command'])} "
                  f"at commit {md_code(str(e['commit']))}, objective source sha256 `{e['source_sha256'][:16]}`, "
                  f"{e['seeds']} training seeds; {md_text(reproduced_text(e))}"]
    return "\n".join(lines) + "\n"


SCRIPT = """
function sortTable(key, dir) {
  var table = document.getElementById('leaderboard');
  var body = table.tBodies[0];
  var rows = Array.prototype.slice.call(body.rows);
  var idx = -1;
  var heads = table.tHead.rows[0].cells;
  for (var i = 0; i < heads.length; i++) {
    heads[i].removeAttribute('data-dir');
    if (heads[i].getAttribute('data-key') === key) idx = i;
  }
  if (idx < 0) return;
  var numeric = heads[idx].getAttribute('data-type') === 'number';
  rows.sort(function (a, b) {
    var x = a.cells[idx].getAttribute('data-value'), y = b.cells[idx].getAttribute('data-value');
    var c = numeric ? parseFloat(x) - parseFloat(y) : x.localeCompare(y);
    return dir === 'asc' ? c : -c;
  });
  rows.forEach(function (r) { body.appendChild(r); });
  heads[idx].setAttribute('data-dir', dir);
  table.setAttribute('data-sorted', key + ':' + dir);
}
document.addEventListener('DOMContentLoaded', function () {
  var heads = document.querySelectorAll('#leaderboard thead th');
  heads.forEach(function (th) {
    th.addEventListener('click', function () {
      var dir = th.getAttribute('data-dir') === 'desc' ? 'asc' : 'desc';
      sortTable(th.getAttribute('data-key'), dir);
    });
  });
  var m = /sort=([A-Za-z_]+):(asc|desc)/.exec(location.hash);
  if (m) sortTable(m[1], m[2]);
  document.body.setAttribute('data-ready', 'yes');
});
"""

STYLE = """
body { font-family: system-ui, sans-serif; margin: 2em; color: #222; }
table { border-collapse: collapse; }
th, td { padding: 4px 10px; border-bottom: 1px solid #ddd; text-align: right; }
th { cursor: pointer; background: #f4f4f4; user-select: none; }
th[data-dir=asc]::after { content: ' \\25B2'; } th[data-dir=desc]::after { content: ' \\25BC'; }
td.text, th.text { text-align: left; }
code { font-size: 0.85em; }
"""


def leaderboard_html(entries: list[dict[str, Any]], figure: str | None) -> str:
    cols = columns()
    text_cols = ("objective", "preset")
    head = "".join(
        f'<th data-key="{k}" data-type="text" class="text">{html.escape(label)}</th>' if k in text_cols
        else f'<th data-key="{k}" data-type="number">{html.escape(label)}</th>'
        for k, label in cols
    )
    body = []
    for rank, e in enumerate(entries, 1):
        cells = []
        for k, _ in cols:
            v = cell_value(e, k, rank)
            cls = ' class="text"' if k in ("objective", "preset") else ""
            cells.append(f'<td data-value="{html.escape(str(v))}"{cls}>{html.escape(cell_text(e, k, rank))}</td>')
        body.append(f'<tr data-id="{html.escape(e["id"])}">' + "".join(cells) + "</tr>")
    entries_html = "".join(
        f"<li><b>{html.escape(e['objective'])}</b> ({html.escape(e['preset'])}): <code>{html.escape(e['command'])}</code> "
        f"at commit <code>{html.escape(e['commit'])}</code>, {e['seeds']} training seeds; {html.escape(reproduced_text(e))}</li>"
        for e in entries
    )
    fig = f'<p><img src="{html.escape(figure)}" alt="creativity per task" style="max-width:100%"></p>' if figure else ""
    notes = empty_column_notes(entries)
    if notes:  # the markdown notes, as a list: `code` spans become <code>
        items = "".join("<li>" + re.sub(r"`([^`]*)`", r"<code>\1</code>", html.escape(n.removeprefix("- "))) + "</li>" for n in notes)
        fig = f'<p>Empty columns:</p><ul id="empty-columns">{items}</ul>\n' + fig
    return (
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>creativity-bench leaderboard</title>"
        f"<style>{STYLE}</style></head><body>\n<h1>creativity-bench leaderboard</h1>\n"
        "<p>Every number was recomputed from the submitted samples by <code>cbench leaderboard verify</code>. "
        "The 95% CI is a t-interval over the training seeds; an entry's rank is one plus the number of entries whose interval lies wholly above its own (a shared rank: =k). "
        "Each objective samples with its family's standard sampler; the columns marked <i>other regime</i> are the "
        "other one (temperature 1 for left-to-right objectives, greedy for diffusion). <i>reproduced</i> counts the runs "
        "re-trained by <code>cbench leaderboard verify --reproduce</code>, with the date of the latest. Click a column to sort.</p>\n"
        f'<table id="leaderboard"><thead><tr>{head}</tr></thead><tbody>\n' + "\n".join(body) + "\n</tbody></table>\n"
        f"{fig}\n<h2>Entries</h2><ul>{entries_html}</ul>\n<script>{SCRIPT}</script>\n</body></html>\n"
    )


def creativity_figure(entries: list[dict[str, Any]], path: Path) -> Path | None:
    """Grouped bars: creativity per task, one bar per entry."""
    try:
        import matplotlib
    except ImportError:
        return None
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(8, 3.2))
    width = 0.8 / max(len(entries), 1)
    for i, e in enumerate(entries):
        xs = [t + (i - (len(entries) - 1) / 2) * width for t in range(len(TASKS))]
        ax.bar(xs, [e["tasks"][t] for t in TASKS], width=width, label=f"{e['objective']} ({e['preset']})")
    ax.set_xticks(range(len(TASKS)), TASKS)
    ax.set_ylabel("creativity")
    ax.legend(fontsize=7, ncol=2)
    fig.tight_layout()
    tmp = path.with_name(path.name + ".tmp.png")
    fig.savefig(tmp, dpi=110, metadata={"Software": None})
    tmp.replace(path)
    plt.close(fig)
    return path


def build(directory: Path, markdown_path: Path, html_path: Path) -> list[dict[str, Any]]:
    """Verify, rank, and write the markdown page, the HTML page and the figure (beside the HTML)."""
    entries = collect_entries(directory)
    html_path = Path(html_path)
    html_path.parent.mkdir(parents=True, exist_ok=True)
    figure = creativity_figure(entries, html_path.parent / FIGURE)
    atomic_write_text(html_path, leaderboard_html(entries, FIGURE if figure else None))
    rel = os.path.relpath(figure, Path(markdown_path).parent) if figure else None
    atomic_write_text(markdown_path, leaderboard_markdown(entries, rel))
    return entries
