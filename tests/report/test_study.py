"""The study, side by side: every verdict branch of every finding, on hand-made aggregated and sweep rows."""

from __future__ import annotations

import pytest

from creativity_bench.report.study import (
    NO_SWEEPS,
    NOT_REPRODUCED,
    NOT_SEPARATED,
    REPRODUCED,
    study_markdown,
    study_table,
)
from creativity_bench.scoring.metrics import METRICS

SAME = "same direction, not separated over 3 seeds"


def row(task: str, objective: str, standard: bool = True, n_prompts: int = 100, **metrics: tuple[float, float]) -> dict:
    """An aggregated row as aggregate() makes it; unnamed metrics are 0 ± 0. The other regime holds
    other numbers (0.99), so a test notices when it is read instead of the standard one."""
    out = {"task": task, "objective": objective, "seeds": [0, 1, 2], "sampling": "greedy" if standard else "T=0.7",
           "standard": standard, "n_prompts": n_prompts, "secondary": {"sampling": "T=1", "standard": not standard}}
    for m in (*METRICS, "train_fit"):
        out[m], out[f"{m}_std"] = metrics.get(m, (0.0, 0.0))
        out["secondary"][m], out["secondary"][f"{m}_std"] = (0.99, 0.0)
    return out


def point(task: str, seed_length: int, decoding: str, objective: str = "ntp", **metrics: tuple[float, float]) -> dict:
    out = {"task": task, "objective": objective, "seed_length": seed_length, "decoding": decoding, "runs": 3}
    for m in METRICS:
        out[m], out[f"{m}_std"] = metrics.get(m, (0.0, 0.0))
    return out


def sweep(task: str, null_diversity: float = 0.01, seeded: tuple[float, float] = (0.3, 0.02),
          temperatures: tuple[float, float, float] = (0.1, 0.2, 0.1), temperature_std: float = 0.05,
          lengths: tuple[float, float] = (0.1, 0.2), length_std: float = 0.02) -> list[dict]:
    """The ten sweep points of ``task``: creativity at seed 10 greedy, null seed at T = 0.5, 1, 2, and
    seed lengths 2 and 4 (greedy); the null seed's greedy diversity."""
    points = [point(task, 10, "greedy", creativity=seeded), point(task, 0, "greedy", diversity=(null_diversity, 0.0))]
    points += [point(task, 0, d, creativity=(c, temperature_std)) for d, c in zip(("T=0.5", "T=1", "T=2"), temperatures, strict=True)]
    points += [point(task, 10, d, creativity=(0.0, 0.0)) for d in ("T=0.5", "T=1", "T=2")]
    points += [point(task, k, "greedy", creativity=(c, length_std)) for k, c in zip((2, 4), lengths, strict=True)]
    return points


def verdicts(table: list[dict], number: int) -> dict[str, str]:
    return {r["task"]: r["verdict"] for r in table if r["number"] == number}


def cell(table: list[dict], number: int, task: str, key: str = "ours") -> str:
    return next(r[key] for r in table if r["number"] == number and r["task"] == task)


def test_null_seed_collapse():
    rows = [row(t, "ntp") for t in ("sibling", "circle", "line")]
    # N = 100: 2/N = 0.02 is two distinct answers; 0.03 is three.
    sweeps = sweep("sibling", null_diversity=0.02) + sweep("circle", null_diversity=0.03)
    table = study_table(rows, sweeps, ["sibling", "circle", "line"], ["ntp"], sweeps=True)
    assert verdicts(table, 1) == {"sibling": REPRODUCED, "circle": NOT_REPRODUCED, "line": "not measured here (no ntp sweep on line)"}
    assert cell(table, 1, "circle") == "diversity 0.030 ± 0.000, validity 0.000 ± 0.000 (ntp, N = 100)"
    assert cell(table, 1, "circle", "study") == "one output, validity 0" and cell(table, 1, "sibling", "study") == "one output"
    no_sweeps = study_table(rows, [], ["sibling", "circle"], [], sweeps=False)
    assert set(verdicts(no_sweeps, 1).values()) == set(verdicts(no_sweeps, 2).values()) == set(verdicts(no_sweeps, 6).values()) == {NO_SWEEPS}


def test_seed_against_best_temperature():
    rows = [row(t, "ntp") for t in ("sibling", "circle")]
    # sibling: 0.30 ± 0.02 against the best temperature, T=1 at 0.33 ± 0.05: within 0.05.
    # circle: 0.30 ± 0.02 against T=2 at 0.40 ± 0.05: below by more than 0.05.
    sweeps = sweep("sibling", temperatures=(0.1, 0.33, 0.2)) + sweep("circle", temperatures=(0.1, 0.2, 0.4))
    table = study_table(rows, sweeps, ["sibling", "circle"], ["ntp"], sweeps=True)
    assert verdicts(table, 2) == {"sibling": REPRODUCED, "circle": NOT_REPRODUCED}
    assert cell(table, 2, "sibling") == "seed 10, greedy 0.300 ± 0.020 vs null seed, T=1 0.330 ± 0.050 (ntp)"
    assert "T=2 0.400 ± 0.050" in cell(table, 2, "circle")


def test_diffusion_against_ntp_every_branch():
    tasks = ["sibling", "triangle", "circle", "line", "mytask"]
    rows = [
        row("circle", "ntp", creativity=(0.3, 0.05)), row("circle", "diffusion", creativity=(0.5, 0.05)),  # above by 0.2 > 0.1
        row("triangle", "ntp", creativity=(0.3, 0.05)), row("triangle", "diffusion", creativity=(0.35, 0.05)),  # above by 0.05
        row("line", "ntp", creativity=(0.5, 0.01)), row("line", "diffusion", creativity=(0.1, 0.01)),  # below, separated
        row("sibling", "ntp", creativity=(0.3, 0.05)), row("sibling", "diffusion", creativity=(0.32, 0.05)),  # study: below; above within noise
        row("mytask", "ntp"), row("mytask", "diffusion"),
    ]
    table = study_table(rows, [], tasks, [], sweeps=False)
    # The study makes no claim on a task of its own (mytask): no row.
    assert verdicts(table, 3) == {"sibling": NOT_SEPARATED, "triangle": SAME, "circle": REPRODUCED, "line": NOT_REPRODUCED}
    assert cell(table, 3, "circle") == "diffusion 0.500 ± 0.050 vs ntp 0.300 ± 0.050"
    assert cell(table, 3, "sibling", "study") == "diffusion mildly below ntp" and cell(table, 3, "line", "study") == "diffusion > ntp"
    # On sibling the study's direction is diffusion below ntp.
    rows[6:8] = [row("sibling", "ntp", creativity=(0.5, 0.05)), row("sibling", "diffusion", creativity=(0.2, 0.05))]
    rows[2:4] = [row("triangle", "ntp", creativity=(0.3, 0.05))]  # no diffusion on triangle
    table = study_table(rows, [], tasks, [], sweeps=False)
    assert verdicts(table, 3)["sibling"] == REPRODUCED
    assert verdicts(table, 3)["triangle"] == "not measured here (no diffusion runs on triangle)"


def test_teacherless_no_gain():
    rows = [
        row("sibling", "ntp", creativity=(0.3, 0.01)), row("sibling", "teacherless", creativity=(0.5, 0.01)),  # a gain
        row("circle", "ntp", creativity=(0.3, 0.05)), row("circle", "teacherless", creativity=(0.35, 0.05)),  # within noise
        row("line", "ntp", creativity=(0.3, 0.01)), row("line", "teacherless", creativity=(0.1, 0.01)),  # below
        row("triangle", "teacherless", creativity=(0.1, 0.01)),
    ]
    table = study_table(rows, [], ["sibling", "circle", "line", "triangle"], [], sweeps=False)
    assert verdicts(table, 4) == {"sibling": NOT_REPRODUCED, "circle": REPRODUCED, "line": REPRODUCED,
                                  "triangle": "not measured here (no ntp runs on triangle)"}
    assert cell(table, 4, "sibling") == "teacherless 0.500 ± 0.010 vs ntp 0.300 ± 0.010"


def test_multi_token_memorize_less():
    rows = [row("circle", "ntp", memorization=(0.5, 0.05)),
            row("circle", "teacherless", memorization=(0.1, 0.05)),  # below by 0.4
            row("circle", "mtp", memorization=(0.45, 0.05)),  # below by 0.05
            row("line", "ntp", memorization=(0.1, 0.01)),
            row("line", "diffusion", memorization=(0.5, 0.01)),  # above, separated
            row("line", "mtp", memorization=(0.1, 0.01)),  # equal
            row("sibling", "ntp"),
            row("triangle", "teacherless")]
    table = study_table(rows, [], ["circle", "line", "sibling", "triangle"], [], sweeps=False)
    found = verdicts(table, 5)
    assert found["circle"] == f"teacherless: {REPRODUCED}; mtp: {SAME}; diffusion: not measured here (no runs)"
    assert found["line"] == f"teacherless: not measured here (no runs); mtp: {NOT_SEPARATED}; diffusion: {NOT_REPRODUCED}"
    assert found["sibling"] == "not measured here (no teacherless, mtp or diffusion runs on sibling)"
    assert found["triangle"] == "not measured here (no ntp runs on triangle)"
    assert cell(table, 5, "circle") == "ntp 0.500 ± 0.050; teacherless 0.100 ± 0.050; mtp 0.450 ± 0.050"


@pytest.mark.parametrize(("lengths", "seeded", "expected"), [
    ((0.1, 0.2), 0.4, REPRODUCED),  # 2 ≤ 4 ≤ 10, 10 above 2 by 0.3 > 0.04
    ((0.1, 0.5), 0.4, f"{NOT_REPRODUCED} (not 2 ≤ 4 ≤ 10)"),  # 4 above 10
    ((0.1, 0.11), 0.12, SAME),  # up, within noise
    ((0.4, 0.3), 0.1, NOT_REPRODUCED),  # down, separated
    ((0.2, 0.19), 0.2, NOT_SEPARATED),  # flat
])
def test_longer_seeds(lengths, seeded, expected):
    sweeps = sweep("circle", seeded=(seeded, 0.02), lengths=lengths, length_std=0.02)
    table = study_table([row("circle", "ntp")], sweeps, ["circle"], ["ntp"], sweeps=True)
    assert verdicts(table, 6) == {"circle": expected}
    assert cell(table, 6, "circle") == f"2: {lengths[0]:.3f} ± 0.020; 4: {lengths[1]:.3f} ± 0.020; 10: {seeded:.3f} ± 0.020 (ntp, greedy)"


def test_sweep_findings_use_the_sweep_objective():
    """Sweeps of another objective only: the seed findings read that objective's points."""
    rows = [row("circle", "ntp"), row("circle", "mtp")]
    sweeps = [dict(p, objective="mtp") for p in sweep("circle", null_diversity=0.5)]
    table = study_table(rows, sweeps, ["circle"], ["mtp"], sweeps=True)
    assert verdicts(table, 1) == {"circle": NOT_REPRODUCED} and "(mtp, N = 100)" in cell(table, 1, "circle")


def test_standard_regime_is_compared():
    """A row whose headline is not the standard sampler is read in its other (standard) regime."""
    rows = [row("circle", "ntp", standard=False, creativity=(0.3, 0.01)), row("circle", "diffusion", creativity=(0.5, 0.01))]
    table = study_table(rows, [], ["circle"], [], sweeps=False)
    assert cell(table, 3, "circle") == "diffusion 0.500 ± 0.010 vs ntp 0.990 ± 0.000"
    assert verdicts(table, 3) == {"circle": NOT_REPRODUCED}


def test_markdown_names_each_finding_once():
    rows = [row(t, o) for t in ("sibling", "circle") for o in ("ntp", "diffusion")]
    table = study_table(rows, [], ["sibling", "circle"], [], sweeps=False)
    lines = study_markdown(table, "cpu")
    assert lines[0] == "## The study, side by side"
    head = lines.index("| finding | task | study | ours (cpu preset, mean ± std over training seeds) | verdict |")
    body = lines[head + 2:]
    assert len(body) == len(table) == 6 * 2
    assert body[0].startswith("| 1. the null seed with greedy decoding collapses | sibling |")
    assert body[1].startswith("|  | circle |")
    assert sum(line.startswith("| 3. diffusion beats next-token") for line in body) == 1
    assert all(f"| {r['verdict']} |" in line for r, line in zip(table, body, strict=True))
