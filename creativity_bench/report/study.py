"""The study, side by side: the small-model findings of the study against this results tree.

One row per (finding, task). "Ours" is the mean ± sample standard deviation over training seeds,
from the report's aggregated rows in the standard sampler's regime (each objective's own) and
from the sampling sweeps (greedy or temperature sampling on the checkpoints of the sweep
objective, ntp by default). With a, b two such means and sa, sb their standard deviations:

1. The null seed with greedy decoding collapses: reproduced where the null-seed greedy sweep
   point's diversity is at most 2/N (N prompts: one or two distinct valid answers).
2. Seed-conditioning is at least as good as temperature: reproduced where seed length 10 with
   greedy decoding has a creativity of at least the best null-seed temperature's (T = 0.5, 1, 2)
   minus the larger of the two standard deviations.
3. Diffusion beats next-token on triangle, circle and line, not on sibling; 5. multi-token
   objectives (teacherless, mtp, diffusion) memorize less than ntp: a difference in the
   study's direction by more than sa + sb is "reproduced", by less "same direction, not
   separated over K seeds"; against it by more than sa + sb "not reproduced", by less "not
   separated".
4. Teacherless gives no gain at small scale: reproduced unless teacherless's creativity is above
   ntp's by more than sa + sb.
6. Longer seeds help (10 > 4 > 2): the rule of 3 on creativity at seed length 10 against 2
   (greedy), where a reproduction also needs 2 <= 4 <= 10 (else "not reproduced").

A finding whose objective or sweep point is missing from the tree is "not measured here (why)";
the sweep findings (1, 2, 6) of a report made without sweeps are "not measured (report run
without sweeps)".
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, NamedTuple

from creativity_bench.report.aggregate import fmt
from creativity_bench.report.sweeps import SEEDED, TEMPERATURES

REPRODUCED = "reproduced"
NOT_REPRODUCED = "not reproduced"
NOT_SEPARATED = "not separated"
NO_SWEEPS = "not measured (report run without sweeps)"
# Finding 3: the study's direction of diffusion against ntp on each of its tasks.
DIFFUSION_BEATS_NTP = {"sibling": False, "triangle": True, "circle": True, "line": True}
MULTI_TOKEN = ("teacherless", "mtp", "diffusion")

RULES = (
    "1: reproduced where the null seed with greedy decoding gives a diversity of at most 2/N (N prompts), "
    "that is one or two distinct valid answers.",
    "2: reproduced where seed length 10 with greedy decoding reaches the best null-seed temperature's creativity "
    "(T = 0.5, 1, 2) less the larger of the two standard deviations.",
    "3 and 5: a difference in the study's direction larger than the sum of the two standard deviations is reproduced, "
    "a smaller one is the same direction, not separated; one against it is not reproduced when larger than that sum, "
    "else not separated.",
    "4: reproduced unless teacherless's creativity is above ntp's by more than the sum of the two standard deviations.",
    "6: the rule of 3 and 5 on creativity at seed length 10 against 2 (greedy), where a reproduction also needs "
    "2 ≤ 4 ≤ 10 (else not reproduced).",
)


class Stat(NamedTuple):
    """A mean ± std over ``seeds`` training seeds; ``note`` names a non-standard sampler."""

    mean: float
    std: float
    seeds: int
    note: str = ""

    def __str__(self) -> str:
        return fmt(self.mean, self.std) + self.note


def not_measured(why: str) -> str:
    return f"not measured here ({why})"


def direction(diff: float, tolerance: float, seeds: int) -> str:
    """The verdict on ``diff`` (positive: the study's direction) against the noise ``tolerance``."""
    if diff > tolerance:
        return REPRODUCED
    if diff > 0:
        return f"same direction, not separated over {seeds} seed{'s' if seeds != 1 else ''}"
    return NOT_REPRODUCED if -diff > tolerance else NOT_SEPARATED


def compare(a: Stat, b: Stat) -> str:
    """Verdict on "a above b"."""
    return direction(a.mean - b.mean, a.std + b.std, min(a.seeds, b.seeds))


@dataclass
class Results:
    """What a report measured: aggregated rows by (task, objective), sweep rows by (task, seed
    length, decoding) for ``sweep_objective`` (``sweeps`` False: the report ran none)."""

    rows: dict[tuple[str, str], dict[str, Any]]
    points: dict[tuple[str, int, str], dict[str, Any]]
    sweep_objective: str | None
    sweeps: bool

    def stat(self, task: str, objective: str, metric: str) -> Stat | None:
        """``metric`` of (task, objective) in its standard sampler's regime (the headline's if neither is)."""
        row = self.rows.get((task, objective))
        if row is None:
            return None
        regime = row if row["standard"] or not row["secondary"]["standard"] else row["secondary"]
        note = "" if regime["standard"] else f" ({regime['sampling']})"
        return Stat(regime[metric], regime[f"{metric}_std"], len(row["seeds"]), note)

    def point(self, task: str, seed_length: int, decoding: str, metric: str) -> Stat | None:
        row = self.points.get((task, seed_length, decoding))
        return None if row is None else Stat(row[metric], row[f"{metric}_std"], row["runs"])

    def missing_sweep(self, task: str, keys: list[tuple[int, str]]) -> str | None:
        """Why a sweep finding cannot be measured on ``task`` (None: it can)."""
        if not self.sweeps:
            return NO_SWEEPS
        if any((task, *k) not in self.points for k in keys):
            return not_measured(f"no {self.sweep_objective} sweep on {task}")
        return None


def null_seed(r: Results, task: str) -> tuple[str, str, str] | None:
    study = "one output, validity 0" if task == "circle" else "one output"  # the study's numbers: validity 0 on circle
    why = r.missing_sweep(task, [(0, "greedy")])
    if why:
        return study, "—", why
    diversity, validity = r.point(task, 0, "greedy", "diversity"), r.point(task, 0, "greedy", "validity")
    n = r.rows[(task, r.sweep_objective)]["n_prompts"]
    ours = f"diversity {diversity}, validity {validity} ({r.sweep_objective}, N = {n})"
    return study, ours, REPRODUCED if diversity.mean <= 2 / n + 1e-12 else NOT_REPRODUCED


def seed_vs_temperature(r: Results, task: str) -> tuple[str, str, str] | None:
    study = "comparable to temperature sampling"
    temperatures = [f"T={t:g}" for t in TEMPERATURES]
    why = r.missing_sweep(task, [(SEEDED, "greedy")] + [(0, d) for d in temperatures])
    if why:
        return study, "—", why
    seeded = r.point(task, SEEDED, "greedy", "creativity")
    best, label = max(((r.point(task, 0, d, "creativity"), d) for d in temperatures), key=lambda p: p[0].mean)
    ours = f"seed {SEEDED}, greedy {seeded} vs null seed, {label} {best} ({r.sweep_objective})"
    return study, ours, REPRODUCED if seeded.mean >= best.mean - max(seeded.std, best.std) else NOT_REPRODUCED


def diffusion_vs_ntp(r: Results, task: str) -> tuple[str, str, str] | None:
    if task not in DIFFUSION_BEATS_NTP:
        return None  # the study has no claim on this task
    above = DIFFUSION_BEATS_NTP[task]
    study = "diffusion > ntp" if above else "diffusion mildly below ntp"
    diffusion, ntp = r.stat(task, "diffusion", "creativity"), r.stat(task, "ntp", "creativity")
    missing = [o for o, s in (("diffusion", diffusion), ("ntp", ntp)) if s is None]
    if missing:
        return study, "—", not_measured(f"no {' or '.join(missing)} runs on {task}")
    ours = f"diffusion {diffusion} vs ntp {ntp}"
    return study, ours, compare(diffusion, ntp) if above else compare(ntp, diffusion)


def teacherless_no_gain(r: Results, task: str) -> tuple[str, str, str] | None:
    study = "teacherless no better than ntp"
    teacherless, ntp = r.stat(task, "teacherless", "creativity"), r.stat(task, "ntp", "creativity")
    missing = [o for o, s in (("teacherless", teacherless), ("ntp", ntp)) if s is None]
    if missing:
        return study, "—", not_measured(f"no {' or '.join(missing)} runs on {task}")
    ours = f"teacherless {teacherless} vs ntp {ntp}"
    return study, ours, NOT_REPRODUCED if teacherless.mean - ntp.mean > teacherless.std + ntp.std else REPRODUCED


def memorize_less(r: Results, task: str) -> tuple[str, str, str] | None:
    study = "memorization below ntp's (small models memorize little)"
    ntp = r.stat(task, "ntp", "memorization")
    others = {o: r.stat(task, o, "memorization") for o in MULTI_TOKEN}
    present = {o: s for o, s in others.items() if s is not None}
    if ntp is None or not present:
        missing = "ntp" if ntp is None else ", ".join(MULTI_TOKEN[:-1]) + f" or {MULTI_TOKEN[-1]}"
        return study, "—", not_measured(f"no {missing} runs on {task}")
    ours = f"ntp {ntp}; " + "; ".join(f"{o} {s}" for o, s in present.items())
    verdicts = [f"{o}: " + (compare(ntp, s) if s is not None else not_measured("no runs")) for o, s in others.items()]
    return study, ours, "; ".join(verdicts)


def longer_seeds(r: Results, task: str) -> tuple[str, str, str] | None:
    study = "creativity 10 > 4 > 2"
    lengths = (2, 4, SEEDED)
    why = r.missing_sweep(task, [(k, "greedy") for k in lengths])
    if why:
        return study, "—", why
    c2, c4, c10 = (r.point(task, k, "greedy", "creativity") for k in lengths)
    ours = f"2: {c2}; 4: {c4}; {SEEDED}: {c10} ({r.sweep_objective}, greedy)"
    verdict = compare(c10, c2)
    if verdict == REPRODUCED and not c2.mean <= c4.mean <= c10.mean:
        verdict = f"{NOT_REPRODUCED} (not 2 ≤ 4 ≤ {SEEDED})"
    return study, ours, verdict


# (number, the study's finding, rule): a rule gives the study's cell, ours and the verdict on a
# task, or None where the study has no claim on it.
FINDINGS = (
    (1, "the null seed with greedy decoding collapses", null_seed),
    (2, "seed-conditioning is at least as good as temperature", seed_vs_temperature),
    (3, "diffusion beats next-token on triangle, circle and line, not on sibling", diffusion_vs_ntp),
    (4, "teacherless gives no gain at small scale", teacherless_no_gain),
    (5, "multi-token objectives memorize less", memorize_less),
    (6, "longer seeds help (10 > 4 > 2)", longer_seeds),
)


def study_table(rows: list[dict[str, Any]], sweep_rows: list[dict[str, Any]], tasks: list[str],
                sweep_objectives: list[str], sweeps: bool) -> list[dict[str, Any]]:
    """One row per (finding, task): finding, its number, task, study, ours and verdict."""
    sweep_objective = ("ntp" if "ntp" in sweep_objectives else sweep_objectives[0]) if sweeps and sweep_objectives else None
    points = {(p["task"], p["seed_length"], p["decoding"]): p for p in sweep_rows if p["objective"] == sweep_objective}
    results = Results({(row["task"], row["objective"]): row for row in rows}, points, sweep_objective, sweeps and bool(sweep_objectives))
    table = []
    for number, finding, rule in FINDINGS:
        for task in tasks:
            cells = rule(results, task)
            if cells is not None:
                study, ours, verdict = cells
                table.append({"number": number, "finding": finding, "task": task, "study": study, "ours": ours, "verdict": verdict})
    return table


def study_markdown(table: list[dict[str, Any]], preset: str) -> list[str]:
    """The section's text: what is compared, the verdict rules, the table (a finding named once)."""
    lines = ["## The study, side by side", "",
             "The study's small-model findings against this results tree, on its tasks. Ours is the mean ± standard",
             "deviation over training seeds, in each objective's standard sampler's regime; the seed findings (1, 2, 6)",
             "come from the sampling sweeps of the sweep objective. Verdict rules, with the standard deviations as the noise:", ""]
    lines += [f"- {rule}" for rule in RULES]
    lines += ["", f"| finding | task | study | ours ({preset} preset, mean ± std over training seeds) | verdict |", "|---|---|---|---|---|"]
    previous = None
    for row in table:
        name = f"{row['number']}. {row['finding']}" if row["number"] != previous else ""
        previous = row["number"]
        lines.append(f"| {name} | {row['task']} | {row['study']} | {row['ours']} | {row['verdict']} |")
    return lines
