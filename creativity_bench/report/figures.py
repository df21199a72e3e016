"""The report's PNG figures (matplotlib, headless). Each function writes one file and returns its path."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from creativity_bench.errors import CBenchError


def _plt():
    try:
        import matplotlib
    except ImportError:
        raise CBenchError("figures need matplotlib: pip install 'creativity-bench[report]'") from None
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _grid(plt, rows: int, cols: int, width: float = 3.4, height: float = 2.8):
    fig, axes = plt.subplots(rows, cols, figsize=(width * cols, height * rows), squeeze=False)
    return fig, axes


def _save(fig, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp.png")
    fig.tight_layout()
    fig.savefig(tmp, dpi=110, metadata={"Software": None})
    tmp.replace(path)
    import matplotlib.pyplot as plt

    plt.close(fig)
    return path


def clipped_errors(means: list[float], stds: list[float | None]) -> list[list[float]]:
    """Error bars of mean ± std over seeds, clipped to [0, 1] where every metric lives: the
    (below, above) extents matplotlib's ``yerr`` takes. A bar never reaches below 0 or above 1."""
    below = [min(s or 0.0, m) for m, s in zip(means, stds)]
    above = [min(s or 0.0, 1.0 - m) for m, s in zip(means, stds)]
    return [below, above]


def metric_bars(rows: list[dict[str, Any]], tasks: list[str], objectives: list[str], path: Path,
                metrics: tuple[str, ...] = ("creativity", "memorization")) -> Path:
    """Bars with error bars (standard deviation over seeds): one panel per task and metric."""
    plt = _plt()
    fig, axes = _grid(plt, len(metrics), len(tasks))
    by_key = {(r["task"], r["objective"]): r for r in rows}
    colors = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    for i, metric in enumerate(metrics):
        for j, task in enumerate(tasks):
            ax = axes[i][j]
            present = [o for o in objectives if (task, o) in by_key]
            means = [by_key[(task, o)][metric] for o in present]
            stds = [by_key[(task, o)][f"{metric}_std"] for o in present]
            ax.bar(range(len(present)), means, yerr=clipped_errors(means, stds), capsize=3, color=[colors[k % len(colors)] for k in range(len(present))])
            ax.set_xticks(range(len(present)), present, rotation=35, ha="right", fontsize=8)
            ax.set_ylim(0, 1)
            ax.set_title(f"{task}: {metric}", fontsize=10)
    return _save(fig, path)


def seed_temperature(rows: list[dict[str, Any]], tasks: list[str], objective: str, path: Path) -> Path:
    """Creativity for {seed length 10, null} x {greedy, T = 0.5, 1, 2}, one panel per task."""
    plt = _plt()
    fig, axes = _grid(plt, 1, len(tasks))
    for j, task in enumerate(tasks):
        ax = axes[0][j]
        mine = [r for r in rows if r["task"] == task and r["objective"] == objective]
        decodings = list(dict.fromkeys(r["decoding"] for r in mine))
        for k, (length, label) in enumerate(((10, "seed length 10"), (0, "null seed"))):
            pts = {r["decoding"]: r for r in mine if r["seed_length"] == length}
            xs = [x + (k - 0.5) * 0.38 for x in range(len(decodings))]
            ax.bar(xs, [pts[d]["creativity"] for d in decodings], width=0.38,
                   yerr=clipped_errors([pts[d]["creativity"] for d in decodings], [pts[d]["creativity_std"] for d in decodings]),
                   capsize=3, label=label)
        ax.set_xticks(range(len(decodings)), decodings, fontsize=8)
        ax.set_ylim(0, max(0.05, min(1.0, 1.25 * max([r["creativity"] + r["creativity_std"] for r in mine] or [0.0]))))
        ax.set_title(f"{task} ({objective})", fontsize=10)
        ax.set_ylabel("creativity", fontsize=8)
        if j == 0:
            ax.legend(fontsize=7)
    return _save(fig, path)


def curves_axis(curves: dict[tuple[str, str], dict[str, list[float]]]) -> str:
    """The x axis of the training curves: ``flops`` when every curve has it, else ``step``."""
    return "flops" if curves and all("flops" in c for c in curves.values()) else "step"


def training_curves(curves: dict[tuple[str, str], dict[str, list[float]]], tasks: list[str], objectives: list[str], path: Path,
                    metrics: tuple[str, ...] = ("creativity", "validity")) -> Path:
    """Metric (mean over seeds) against the training FLOPs spent so far, one line per objective, one
    panel per task and metric; against training steps when some curve lacks FLOPs.

    The FLOPs axis is linear: on a budget every objective of a task ends at the same FLOPs, after
    its own number of steps, so the lines compare at any budget and end side by side.
    """
    plt = _plt()
    fig, axes = _grid(plt, len(metrics), len(tasks))
    axis = curves_axis(curves)
    for i, metric in enumerate(metrics):
        for j, task in enumerate(tasks):
            ax = axes[i][j]
            for objective in objectives:
                curve = curves.get((task, objective))
                if curve:
                    ax.plot(curve[axis], curve[metric], marker="o", markersize=3, label=objective)
            ax.set_ylim(0, 1)
            ax.set_xlim(left=0)
            ax.set_title(f"{task}: {metric}", fontsize=10)
            ax.set_xlabel("training FLOPs" if axis == "flops" else "training step", fontsize=8)
            if axis == "flops":
                ax.ticklabel_format(axis="x", style="sci", scilimits=(0, 0))
                ax.xaxis.get_offset_text().set_fontsize(7)
            if i == 0 and j == 0:
                ax.legend(fontsize=7)
    return _save(fig, path)


def seed_length(rows: list[dict[str, Any]], tasks: list[str], objectives: list[str], path: Path) -> Path:
    """Creativity against seed length (greedy decoding), one line per objective, one panel per task."""
    plt = _plt()
    fig, axes = _grid(plt, 1, len(tasks))
    for j, task in enumerate(tasks):
        ax = axes[0][j]
        for objective in objectives:
            mine = sorted((r for r in rows if r["task"] == task and r["objective"] == objective and r["decoding"] == "greedy"),
                          key=lambda r: r["seed_length"])
            if mine:
                ax.errorbar([r["seed_length"] for r in mine], [r["creativity"] for r in mine],
                            yerr=clipped_errors([r["creativity"] for r in mine], [r["creativity_std"] for r in mine]),
                            marker="o", capsize=3, label=objective)
        ax.set_xticks([0, 2, 4, 10])
        ax.set_xlabel("seed length (0 = null)", fontsize=8)
        ax.set_ylabel("creativity", fontsize=8)
        ax.set_ylim(bottom=0)
        ax.set_title(task, fontsize=10)
        if j == 0:
            ax.legend(fontsize=7)
    return _save(fig, path)
