"""Does fine-tuning on the task checker's reward make a model more creative, or only more valid and narrower?

The starts are a suite's next-token runs (SUITE/TASK/ntp/sSEED/checkpoint). For every task and
training seed the study writes, under OUT/TASK/ARM/sSEED/:

- ``before``: the start itself, sampled again with its standard sampler (greedy, fresh seeds) and
  K draws per evaluation prompt, as `cbench sample START -k K` does (``runs.sample_checkpoint``:
  samples.jsonl, samples.scores.json, samples.discovery.jsonl, and before.json last);
- ``ALGO-REWARD`` (rft or grpo x reward valid, novel or creative): the start fine-tuned on the
  checker's reward for EXTRA training FLOPs (``runs.run`` with ``init_from``; a run directory);
- ``ntp-more``: the control, the start trained further with plain next-token prediction on the
  same EXTRA FLOPs: is a gain the reward's, or only more training's?

EXTRA = --extra x the preset's own budget (``flops_budget``; a preset trained on a step count, such
as smoke, has the FLOPs of its ntp run instead); every other training setting is the preset's
(--lr may override the learning rate, for every trained arm alike). OUT/table.md and table.json
give mean ± std over seeds of the headline metrics, of creativity@K (novel forms after K draws
per prompt) and of the other regime's creativity and diversity (temperature 1: did a collapse of the
greedy answer reach the sampling distribution?), each with its paired difference to ``before``;
OUT/discovery_TASK.png the curves.

The default --suite is results/reference/cpu, whose checkpoints stay out of git: where they are
not on this machine, make the starts in a tree of their own (the committed results stay as they
are), then the study (a missing start is reported and its task and seed skipped):

    cbench suite runs/ft-starts --preset cpu --objectives ntp --tasks sibling,triangle,circle,line --seeds 0,1,2
    python benchmarks/finetune_study.py --suite runs/ft-starts --out results/finetune/cpu --dry-run
    python benchmarks/finetune_study.py --suite runs/ft-starts --out results/finetune/cpu            # or --shard i/n
    python benchmarks/finetune_study.py --out results/finetune/cpu --table-only

Run again to continue: finished runs (same settings) are skipped, interrupted ones resumed or
restarted as `cbench suite` does. The smoke check: `cbench suite /tmp/ft-smoke/suite --preset smoke
--objectives ntp --tasks sibling,line --seeds 0,1`, then this script with --preset smoke --suite
/tmp/ft-smoke/suite --out /tmp/ft-smoke/out --tasks sibling line --seeds 0 1 --k 4 --extra 1.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import math
import re
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from creativity_bench.errors import CBenchError
from creativity_bench.io import RESULTS_FILE, atomic_write_text, dumps_json

STUDY_FILE = "study.json"
STUDY_SCHEMA = "creativity-bench/finetune-study/1"
BEFORE, CONTROL = "before", "ntp-more"
BEFORE_FILE = "before.json"  # written last in a `before` directory: its "finished" marker
BEFORE_SAMPLES = "samples.jsonl"  # cbench sample's OUT; .scores.json and .discovery.jsonl beside it
HEADLINE = ("creativity", "validity", "memorization", "diversity")
AT_K = ("novel_forms", "novel_fraction")
# The other regime (temperature 1 for left-to-right objectives), one sample per prompt: does a
# collapse of the greedy headline reach the sampling distribution too?
OTHER = ("other_creativity", "other_diversity")
# The settings every run of one study shares: a study folder made with others is refused.
CHECKED = ("schema", "preset", "instance_seed", "extra", "lr", "k", "sampling")


@dataclass(frozen=True)
class Cell:
    task: str
    arm: str
    seed: int

    @property
    def label(self) -> str:
        return f"{self.task}/{self.arm}/s{self.seed}"

    def run_dir(self, out: Path) -> Path:
        return out / self.task / self.arm / f"s{self.seed}"


def arm_names(algos: list[str], rewards: list[str]) -> list[str]:
    return [BEFORE, *(f"{a}-{r}" for a in algos for r in rewards), CONTROL]


def arm_objective(arm: str) -> tuple[str, dict[str, Any]]:
    """The objective and objective parameters of a trained arm."""
    if arm == CONTROL:
        return "ntp", {}
    algo, _, reward = arm.rpartition("-")
    return algo, finetune_params(algo, reward)


def finetune_params(algo: str, reward: str) -> dict[str, Any]:
    """{"reward": REWARD}, plus pretrain=0 (fine-tune only, no from-scratch phase) where the
    objective's parameters have a ``pretrain`` field (added to rft/grpo after this script)."""
    from creativity_bench.models.objectives import get_objective

    params: dict[str, Any] = {"reward": reward}
    fields = {f.name: f for f in dataclasses.fields(get_objective(algo).params_class)}
    if "pretrain" in fields:
        kind = fields["pretrain"].type if isinstance(fields["pretrain"].type, str) else fields["pretrain"].type.__name__
        params["pretrain"] = {"bool": False, "int": 0}.get(kind.split()[0], 0.0)
    return params


def start_of(suite: Path, task: str, seed: int) -> Path:
    return suite / task / "ntp" / f"s{seed}" / "checkpoint"


def missing_start(start: Path) -> str | None:
    """Why a start cannot be used (None: it is there)."""
    from creativity_bench.models.checkpoint import CONFIG_FILE, WEIGHTS_FILE

    if not start.is_dir():
        return "no such checkpoint directory"
    missing = [n for n in (CONFIG_FILE, WEIGHTS_FILE) if not (start / n).is_file()]
    return f"no {' or '.join(missing)}" if missing else None


_BUDGETS: dict[tuple[str, str], tuple[float, str]] = {}


def base_budget(preset: str, task: str) -> tuple[float, str]:
    """The preset's own training FLOPs for ``task`` and where the number comes from."""
    if (preset, task) not in _BUDGETS:
        from creativity_bench.models.budget import flops_per_step
        from creativity_bench.models.config import TrainConfig
        from creativity_bench.models.presets import train_preset

        budget = train_preset(preset, task).get("flops_budget")
        if budget:
            _BUDGETS[preset, task] = float(budget), f"the {preset} preset's flops_budget"
        else:
            cfg = TrainConfig(task=task, preset=preset, objective="ntp").resolve()
            _BUDGETS[preset, task] = cfg.steps * flops_per_step(cfg), f"the {preset} preset's ntp run ({cfg.steps} steps)"
    return _BUDGETS[preset, task]


def train_config(cell: Cell, args):
    """The (unresolved) TrainConfig of a trained arm: everything not named here is the preset's."""
    from creativity_bench.models.config import TrainConfig

    objective, params = arm_objective(cell.arm)
    return TrainConfig(task=cell.task, preset=args.preset, instance_seed=args.instance_seed, objective=objective, objective_params=params,
                       seed=cell.seed, init_from=str(start_of(args.suite, cell.task, cell.seed)),
                       flops_budget=args.extra * base_budget(args.preset, cell.task)[0], lr=args.lr)


def sampling_settings(args):
    """The headline sampler of every arm: the objective's standard one (greedy left to right),
    the instance's seed length, sampling seed 0, all explicit."""
    from creativity_bench.models.sampling import SamplingSettings

    return SamplingSettings(mode="standard", temperature=1.0, top_k=0, top_p=1.0, steps=0, seed=args.sample_seed, seed_length=None)


def study_settings(args) -> dict[str, Any]:
    return {"schema": STUDY_SCHEMA, "preset": args.preset, "instance_seed": args.instance_seed, "extra": args.extra, "lr": args.lr,
            "k": args.k, "sampling": sampling_settings(args).to_dict() | {"batch_size": None}}


def read_study_file(args) -> dict[str, Any]:
    """OUT/study.json as it is ({} if none), refused where its shared settings are not these."""
    path = args.out / STUDY_FILE
    expected = study_settings(args)
    try:
        doc = json.loads(path.read_text()) if path.is_file() else {}
    except (OSError, json.JSONDecodeError):
        raise CBenchError(f"{path}: unreadable study file") from None
    for key in CHECKED:
        if doc and doc.get(key) != expected[key]:
            raise CBenchError(f"{args.out}: the study there was made with {key} = {doc.get(key)!r}, not {expected[key]!r}; "
                              f"use another --out")
    return doc


def write_study_file(args, tasks: list[str]) -> dict[str, Any]:
    """OUT/study.json: the shared settings (a folder made with others is refused), the FLOPs of
    each task, the arms and where the starts came from."""
    path = args.out / STUDY_FILE
    expected = study_settings(args)
    doc = read_study_file(args)
    budgets = dict(doc.get("budgets", {}))
    for task in tasks:
        base, source = base_budget(args.preset, task)
        budgets[task] = {"base_flops": base, "base_from": source, "extra_flops": args.extra * base}
    new = {**expected, "suite": doc.get("suite", str(args.suite)), "arms": doc.get("arms", arm_names(args.algos, args.rewards)),
           "objective_params": {arm: arm_objective(arm)[1] for arm in arm_names(args.algos, args.rewards)[1:]},
           "other_settings": "the preset's", "budgets": dict(sorted(budgets.items())),
           "made_with": doc.get("made_with", " ".join(["python", *sys.argv]))}
    if new != doc:
        args.out.mkdir(parents=True, exist_ok=True)
        atomic_write_text(path, dumps_json(new))
    return new


# ------------------------------------------------------------------ states


def finished_difference(cell: Cell, run_dir: Path, args) -> str | None:
    """Why a finished run is not this cell's run with today's settings (None: it is)."""
    from creativity_bench.models.config import LEARNING_SETTINGS, settings_difference
    from creativity_bench.models.objectives import make_objective
    from creativity_bench.runs import RESULTS_SCHEMA

    doc = json.loads((run_dir / RESULTS_FILE).read_text())
    if doc.get("schema") != RESULTS_SCHEMA:
        return f"results schema {doc.get('schema')!r}, this release writes {RESULTS_SCHEMA!r}"
    cfg = train_config(cell, args).resolve()
    try:
        saved = doc["training"]["config"]
        found = (doc["task"]["name"], saved["objective"], doc["training"]["seed"], doc["model"]["preset"])
        draws = (doc.get("discovery") or {}).get("draws_per_prompt")
    except (KeyError, TypeError):
        return "malformed results.json"
    if found != (cfg.task, cfg.objective, cfg.seed, cfg.preset):
        return f"holds {found[0]}/{found[1]}/s{found[2]} on preset {found[3]}"
    diff = settings_difference(saved, cfg, [k for k in LEARNING_SETTINGS if k != "objective_params"])
    if diff:
        return diff
    # Parameters compared as used (results.json records them resolved). A run recorded before the
    # fine-tuners had ``pretrain`` started from its --init-from checkpoint, i.e. had pretrain 0.
    ours = make_objective(cfg.objective, cfg.task, cfg.objective_params).resolved_params()
    theirs = dict(doc.get("objective", {}).get("params") or {})
    if "pretrain" in ours and "pretrain" not in theirs:
        theirs["pretrain"] = 0.0
    if ours != theirs:
        return f"objective parameters {theirs}, the study's {ours}"
    if draws != args.k:
        return f"{draws} draws per prompt, the study takes {args.k}"
    return None


def before_difference(cell: Cell, run_dir: Path, args) -> str | None:
    from creativity_bench.models.init_from import weights_sha256

    doc = json.loads((run_dir / BEFORE_FILE).read_text())
    start = start_of(args.suite, cell.task, cell.seed)
    if doc.get("start_sha256") != weights_sha256(start):
        return f"sampled from other weights (sha256 {str(doc.get('start_sha256'))[:12]}...) than {start}"
    if doc.get("k") != args.k or doc.get("sampling_settings") != study_settings(args)["sampling"]:
        return "sampled with other settings"
    return None


def cell_state(cell: Cell, args) -> tuple[str, str | None]:
    """(state, why): ``no start``; ``done``, ``resume``, ``restart`` or ``new`` (as `cbench suite`
    reads a run directory); ``stale`` (finished with other settings: left alone)."""
    from creativity_bench import suite

    run_dir = cell.run_dir(args.out)
    why = missing_start(start_of(args.suite, cell.task, cell.seed))
    if why:
        return "no start", why
    if cell.arm == BEFORE:
        if (run_dir / BEFORE_FILE).is_file():
            diff = before_difference(cell, run_dir, args)
            return ("stale", diff) if diff else ("done", None)
        return ("restart" if run_dir.is_dir() and any(run_dir.iterdir()) else "new"), None
    state = suite.cell_state(run_dir)
    if state == "done":
        diff = finished_difference(cell, run_dir, args)
        return ("stale", diff) if diff else ("done", None)
    return state, None


# ------------------------------------------------------------------ runs


def run_before(cell: Cell, args) -> dict[str, Any]:
    """`cbench sample START -k K` into the cell's directory, then before.json."""
    from creativity_bench.models.init_from import weights_sha256
    from creativity_bench.runs import sample_checkpoint

    run_dir = cell.run_dir(args.out)
    run_dir.mkdir(parents=True, exist_ok=True)
    start = start_of(args.suite, cell.task, cell.seed)
    sha = weights_sha256(start)
    t0 = time.perf_counter()
    _, _, meta = sample_checkpoint(start, run_dir / BEFORE_SAMPLES, sampling_settings(args), device="auto", samples_per_prompt=args.k)
    scores = json.loads(meta.read_text())
    doc = {"arm": BEFORE, "task": cell.task, "seed": cell.seed, "preset": args.preset, "start": str(start), "start_sha256": sha,
           "start_step": scores["checkpoint"]["step"], "k": args.k, "sampling_settings": study_settings(args)["sampling"],
           "sampling": scores["sampling"], "metrics": {**scores["metrics"], "train_fit": scores["train_fit"]["train_fit"]},
           "discovery": scores["discovery"], "scores_file": meta.name, "run_wall_time_s": round(time.perf_counter() - t0, 2)}
    if sha != weights_sha256(start):
        raise CBenchError(f"{start}: the weights changed while they were sampled; run again")
    suite_results = start.parent / RESULTS_FILE  # the start's own headline (same machine: the same) and other regime
    if suite_results.is_file():
        try:
            start_doc = json.loads(suite_results.read_text())
            doc["start_results_metrics"] = {k: start_doc["metrics"][k] for k in HEADLINE}
            doc["start_results_secondary"] = {"sampling": start_doc["secondary"]["sampling"],
                                              "metrics": {k: start_doc["secondary"]["metrics"][k] for k in HEADLINE}}
        except (OSError, json.JSONDecodeError, KeyError, TypeError):
            pass
    atomic_write_text(run_dir / BEFORE_FILE, dumps_json(doc))
    return doc


def run_trained(cell: Cell, state: str, args) -> dict[str, Any]:
    from creativity_bench.runs import run

    return run(train_config(cell, args), cell.run_dir(args.out), sampling_settings(args), resume=state == "resume",
               overwrite=state == "restart", progress=False, samples_per_prompt=args.k)


def summary_text(doc: dict[str, Any]) -> str:
    m, end = doc["metrics"], doc["discovery"]["at_k"][-1]
    frac = f" ({end['novel_fraction']:.3f} of {doc['discovery']['novel_total']:,})" if end.get("novel_fraction") is not None else ""
    return (f"creativity {m['creativity']:.3f}, validity {m['validity']:.3f}, memorization {m['memorization']:.3f}, "
            f"diversity {m['diversity']:.3f}; {end['novel_forms']:,} novel forms @{doc['discovery']['draws_per_prompt']}{frac}")


def describe(cell: Cell, args) -> str:
    if cell.arm == BEFORE:
        return f"sample the start, {args.k} draws per prompt"
    cfg = train_config(cell, args).resolve()
    params = ", ".join(f"{k}={v}" for k, v in cfg.objective_params.items())
    return f"{cfg.objective}{f' ({params})' if params else ''}, {cfg.steps:,} steps, {cfg.flops_budget:.3g} FLOPs, lr {cfg.lr:g}"


def run_grid(cells: list[Cell], args) -> int:
    """Run (or, with --dry-run, list) every cell; returns the exit status."""
    from creativity_bench.models.train import TrainingInterrupted

    counts: dict[str, int] = {}
    no_start: set[tuple[str, int]] = set()
    failed = 0
    for cell in cells:
        try:
            state, why = cell_state(cell, args)
        except (CBenchError, OSError, json.JSONDecodeError) as exc:
            state, why = "stale", str(exc)
        counts[state] = counts.get(state, 0) + 1
        if state == "no start":
            if (cell.task, cell.seed) not in no_start:
                no_start.add((cell.task, cell.seed))
                print(f"missing start {start_of(args.suite, cell.task, cell.seed)} ({why}): skipping {cell.task} s{cell.seed}", flush=True)
            continue
        if state == "stale":
            print(f"stale   {cell.label}: {why}; left alone (delete {cell.run_dir(args.out)} to redo it)", flush=True)
            continue
        if args.dry_run:
            try:
                what = describe(cell, args)
            except CBenchError as exc:
                what = f"refused: {exc}"
            print(f"{state:8}{cell.label}: {what}", flush=True)
            continue
        if state == "done":
            print(f"skip    {cell.label}: finished", flush=True)
            continue
        try:
            print(f"start   {cell.label} ({state}): {describe(cell, args)}", flush=True)
            t0 = time.perf_counter()
            doc = run_before(cell, args) if cell.arm == BEFORE else run_trained(cell, state, args)
        except TrainingInterrupted as exc:
            print(f"stopped {cell.label}: {exc}".removesuffix("; continue with --resume") + "; run the study again to continue", flush=True)
            return getattr(exc, "exit_code", 130)
        except KeyboardInterrupt:
            print(f"stopped {cell.label}: interrupted; run the study again to continue", flush=True)
            return 130
        except CBenchError as exc:
            failed += 1
            print(f"failed  {cell.label}: {exc}", flush=True)
            continue
        print(f"done    {cell.label} in {time.perf_counter() - t0:,.0f} s: {summary_text(doc)}", flush=True)
    order = ("done", "new", "resume", "restart", "stale", "no start")
    tally = ", ".join(f"{counts[s]} {s}" for s in order if counts.get(s))
    verb = "would run" if args.dry_run else "ran"
    print(f"study: {len(cells)} cells ({tally}); {verb} {sum(counts.get(s, 0) for s in ('new', 'resume', 'restart'))}"
          + (f", {failed} failed" if failed else "")
          + (f"; {len(no_start)} starts missing (task, seed skipped)" if no_start else ""), flush=True)
    return 1 if failed or counts.get("stale") else 0


# ------------------------------------------------------------------ table and figures


@dataclass(frozen=True)
class Record:
    """One finished cell, shaped as report/discovery.py reads a run (``objective``: the arm)."""

    task: str
    objective: str
    seed: int
    path: Path
    results: dict[str, Any]


def collect(out: Path) -> list[Record]:
    records = []
    for path in sorted(out.glob("*/*/s*")):
        if not (path.is_dir() and re.fullmatch(r"s\d+", path.name)):
            continue
        arm = path.parent.name
        doc_path = path / (BEFORE_FILE if arm == BEFORE else RESULTS_FILE)
        if not doc_path.is_file():
            continue
        try:
            doc = json.loads(doc_path.read_text())
            if not (isinstance(doc["metrics"]["creativity"], (int, float)) and doc["discovery"]["at_k"]):
                raise KeyError("at_k")
        except (OSError, json.JSONDecodeError, KeyError, TypeError):
            print(f"warning: {doc_path}: unreadable or without a discovery curve; left out of the table", file=sys.stderr)
            continue
        records.append(Record(path.parent.parent.name, arm, int(path.name[1:]), path, doc))
    return records


def mean_std(values: list[float]) -> tuple[float, float]:
    mean = sum(values) / len(values)
    return mean, (math.sqrt(sum((v - mean) ** 2 for v in values) / (len(values) - 1)) if len(values) > 1 else 0.0)


def values_of(record: Record) -> dict[str, float | None]:
    m, end = record.results["metrics"], record.results["discovery"]["at_k"][-1]
    # a run's other regime is its own; a start's, the one its run recorded (before.json keeps it)
    other = (record.results.get("secondary") or record.results.get("start_results_secondary") or {}).get("metrics") or {}
    return {**{k: float(m[k]) for k in HEADLINE}, **{k: end.get(k) for k in AT_K},
            **{k: other.get(k.removeprefix("other_")) for k in OTHER}}


def ordered(found: set[str], preferred: list[str]) -> list[str]:
    return [x for x in preferred if x in found] + sorted(found - set(preferred))


def aggregate(records: list[Record], tasks: list[str], arms: list[str]) -> list[dict[str, Any]]:
    """Per task and arm: each quantity's values by seed, mean, std, and the mean paired difference
    to ``before`` over the seeds both have (with its std)."""
    by_cell = {(r.task, r.objective, r.seed): r for r in records}
    rows = []
    for task in ordered({r.task for r in records}, tasks):
        before = {s: values_of(r) for (t, a, s), r in by_cell.items() if t == task and a == BEFORE}
        for arm in ordered({r.objective for r in records if r.task == task}, arms):
            runs = sorted((r for r in records if r.task == task and r.objective == arm), key=lambda r: r.seed)
            row: dict[str, Any] = {"task": task, "arm": arm, "n": len(runs), "seeds": [r.seed for r in runs],
                                   "steps": [r.results.get("training", {}).get("steps", 0) for r in runs],
                                   "run_wall_time_s": [r.results.get("run_wall_time_s") for r in runs],
                                   "k": min(r.results["discovery"]["draws_per_prompt"] for r in runs),
                                   "prompts": runs[0].results["discovery"]["prompts"],
                                   "novel_total": runs[0].results["discovery"]["novel_total"], "metrics": {}}
            for key in (*HEADLINE, *AT_K, *OTHER):
                vals = {r.seed: values_of(r)[key] for r in runs}
                entry: dict[str, Any] = {"values": vals, "mean": None, "std": None, "delta": None, "delta_std": None, "delta_n": 0}
                if all(v is not None for v in vals.values()):
                    entry["mean"], entry["std"] = mean_std(list(vals.values()))
                    paired = [vals[s] - before[s][key] for s in vals if s in before and before[s][key] is not None]
                    if paired and arm != BEFORE:
                        (entry["delta"], entry["delta_std"]), entry["delta_n"] = mean_std(paired), len(paired)
                row["metrics"][key] = entry
            rows.append(row)
    return rows


def cell_text(entry: dict[str, Any], digits: int) -> str:
    if entry["mean"] is None:
        return "-"
    text = f"{entry['mean']:.{digits}f} ± {entry['std']:.{digits}f}"
    if entry["delta"] is not None:
        text += f" ({entry['delta']:+.{digits}f})"
    return text


def table_markdown(rows: list[dict[str, Any]], study: dict[str, Any], notes: list[str]) -> str:
    extra = study.get("extra")
    lr = "the preset's learning rate" if study.get("lr") is None else f"lr {study['lr']:g}"
    lines = ["# Fine-tuning on the checker's reward: more creative, or only more valid?", "",
             f"Preset `{study.get('preset', '?')}`; starts: the ntp runs of `{study.get('suite', '?')}`; every trained arm gets "
             f"{extra if extra is not None else '?'} x the preset's training FLOPs on top of its start, at "
             f"{lr}; K = {study.get('k', '?')} "
             "draws per evaluation prompt, each arm's standard sampler (greedy, a fresh seed per draw).", "",
             "Each cell: mean ± sample std over the n training seeds; in brackets the mean paired difference to `before` "
             "(same seed). creativity, validity, memorization, diversity: the headline sample (one per prompt). "
             "novel forms @K: distinct novel coherent forms in the N x K draws (creativity@K); fraction: of the novel forms that exist. "
             "T = 1: creativity and diversity of the other regime (temperature 1, one sample per prompt; a start's as its run "
             "recorded it).",
             "",
             "| task | arm | n | steps | creativity | validity | memorization | diversity | novel forms @K | fraction @K "
             "| creativity, T = 1 | diversity, T = 1 |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        m = r["metrics"]
        steps = "-" if r["arm"] == BEFORE else f"{sum(r['steps']) / len(r['steps']):,.0f}"
        lines.append(f"| {r['task']} | {r['arm']} | {r['n']} | {steps} | " + " | ".join(cell_text(m[k], 3) for k in HEADLINE)
                     + f" | {cell_text(m['novel_forms'], 1)} | {cell_text(m['novel_fraction'], 3)} | "
                     + " | ".join(cell_text(m[k], 3) for k in OTHER) + " |")
    if notes:
        lines += ["", *notes]
    return "\n".join(lines) + "\n"


def table_notes(rows: list[dict[str, Any]], tasks: list[str], arms: list[str]) -> list[str]:
    notes = []
    present = {(r["task"], r["arm"]) for r in rows}
    for task in ordered({r["task"] for r in rows} | set(tasks), tasks):
        empty = [a for a in arms if (task, a) not in present]
        if empty:
            notes.append(f"- `{task}`: no finished runs of {', '.join(f'`{a}`' for a in empty)} (left out).")
        if any(r["task"] == task for r in rows) and (task, BEFORE) not in present:
            notes.append(f"- `{task}`: no `before` runs, so no differences.")
        row = next((r for r in rows if r["task"] == task), None)
        if row is not None and row["novel_total"] == 0:
            notes.append(f"- `{task}`: the training set covers every coherent form of this instance, so no novel form exists: "
                         "creativity is 0 by construction, and the novel and creative rewards are never earned.")
    if any(r["metrics"][k]["mean"] is None for r in rows for k in OTHER):
        notes.append("- T = 1 `-`: a run (or a start's run) without a recorded other regime.")
    if any(r["metrics"]["novel_fraction"]["mean"] is None for r in rows):
        notes.append("- fraction `-`: the task cannot count the novel forms that exist.")
    return notes


def write_table(args) -> None:
    from creativity_bench.report.discovery import aggregate_discovery, discovery_figure

    study_path = args.out / STUDY_FILE
    study = json.loads(study_path.read_text()) if study_path.is_file() else {}
    arms = study.get("arms") or arm_names(args.algos, args.rewards)
    arms = [a for a in arm_names(args.algos, args.rewards) if a in arms] + [a for a in arms if a not in arm_names(args.algos, args.rewards)]
    records = collect(args.out)
    rows = aggregate(records, args.tasks, arms)
    notes = table_notes(rows, args.tasks, arms)
    atomic_write_text(args.out / "table.md", table_markdown(rows, study, notes))
    atomic_write_text(args.out / "table.json", dumps_json({"schema": "creativity-bench/finetune-table/1", "study": study,
                                                           "rows": rows, "notes": notes}))
    written = ["table.md", "table.json"]
    for task in ordered({r.task for r in records}, args.tasks):
        curves = aggregate_discovery([r for r in records if r.task == task])
        if curves:
            try:
                discovery_figure(curves, [task], ordered({c["objective"] for c in curves}, arms), args.out / f"discovery_{task}.png")
            except CBenchError as exc:
                print(f"figure left out: {exc}", file=sys.stderr)
                continue
            written.append(f"discovery_{task}.png")
    print(f"table: {len(records)} finished runs in {len(rows)} rows; wrote {', '.join(str(args.out / w) for w in written)}", flush=True)


# ------------------------------------------------------------------ main


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--suite", type=Path, default=Path("results/reference/cpu"), help="the starts: SUITE/TASK/ntp/sSEED/checkpoint")
    ap.add_argument("--out", type=Path, default=Path("results/finetune/cpu"))
    ap.add_argument("--preset", default="cpu")
    ap.add_argument("--tasks", nargs="+", default=["sibling", "triangle", "circle", "line"])
    ap.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2])
    ap.add_argument("--algos", nargs="+", default=["rft", "grpo"])
    ap.add_argument("--rewards", nargs="+", default=["valid", "novel", "creative"])
    ap.add_argument("--extra", type=float, default=0.25, help="fine-tuning FLOPs as a fraction of the preset's budget")
    ap.add_argument("--lr", type=float, help="learning rate of every trained arm (default: the preset's)")
    ap.add_argument("--k", type=int, default=16, help="draws per evaluation prompt (the discovery curve)")
    ap.add_argument("--instance-seed", type=int, default=0, help="the task instance's seed (the starts' own)")
    ap.add_argument("--sample-seed", type=int, default=0, help="sampling seed of every arm")
    ap.add_argument("--shard", help="i/n: every n-th cell of the grid, from the i-th")
    ap.add_argument("--dry-run", action="store_true", help="list the cells and their states; run nothing")
    ap.add_argument("--table-only", action="store_true", help="only rebuild the table and figures from what exists")
    return ap.parse_args(argv)


def check_args(args) -> list[Cell]:
    from creativity_bench.models.objectives import get_objective, make_objective
    from creativity_bench.suite import parse_shard
    from creativity_bench.tasks import get_task

    for name in ("tasks", "seeds", "algos", "rewards"):
        values = getattr(args, name)
        if len(set(values)) != len(values):
            raise CBenchError(f"a value of --{name} is listed twice: {' '.join(map(str, values))}")
    if any(s < 0 for s in args.seeds):
        raise CBenchError("training seeds must be non-negative")
    if not args.extra > 0:
        raise CBenchError(f"--extra must be positive, got {args.extra}")
    if not 2 <= args.k <= 4096:
        raise CBenchError(f"--k must be between 2 and 4096 (a discovery curve), got {args.k}")
    if args.lr is not None and not args.lr > 0:
        raise CBenchError(f"--lr must be positive, got {args.lr}")
    for task in args.tasks:
        get_task(task)
    for algo in args.algos:
        if not getattr(get_objective(algo), "requires_init", False):
            raise CBenchError(f"--algos: '{algo}' is not a fine-tuning objective (rft, grpo, or a plugin that needs --init-from)")
        for reward in args.rewards:
            make_objective(algo, args.tasks[0], finetune_params(algo, reward))
    sampling_settings(args).validate()
    i, n = parse_shard(args.shard)
    arms = arm_names(args.algos, args.rewards)
    cells = [Cell(t, a, s) for t in args.tasks for a in arms for s in args.seeds]
    return [c for j, c in enumerate(cells) if j % n == i - 1]


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        if args.table_only:
            if not args.out.is_dir():
                raise CBenchError(f"{args.out}: no such study folder")
            write_table(args)
            return 0
        cells = check_args(args)
        if args.dry_run:
            read_study_file(args)
            return run_grid(cells, args)
        write_study_file(args, args.tasks)
        t0 = time.perf_counter()
        status = run_grid(cells, args)
        print(f"study: {time.perf_counter() - t0:,.0f} s", flush=True)
        if status < 128:  # not stopped by a signal
            write_table(args)
        return status
    except CBenchError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
