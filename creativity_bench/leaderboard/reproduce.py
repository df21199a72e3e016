"""`cbench leaderboard verify --reproduce / --resample`: re-make a submission's runs and compare.

``--reproduce`` re-trains runs of a verified submission from their recorded training config
and objective in a temporary folder, samples them under the protocol (both regimes) and
compares; ``--resample`` re-samples the checkpoints a submission carries, without training.
Which runs: ``all``, one ``TASK/sSEED``, or ``K`` drawn at random, the draw seeded by the
submission's digest (the sha256 of submission.json, which holds the manifest of every file) and
a salt (random unless given), so that nobody knows the runs before the audit.

The comparison depends on the environment. Where the run's recorded device is the CPU and this
machine has the recorded torch version, CPU model and CPU capability (the kernels torch picks),
training is deterministic (with the recorded thread count, which the audit sets) and the samples
must be byte-identical: a mismatch names the first differing prompt. The machine is each run's
own (results.json records it; a grid is often sharded over several machines). A run made before
results.json recorded it is taken to be made on the machine submission.json names when its
recorded platform (OS and kernel build) is the submission's, and in another environment if not.
Anywhere else (another torch, CPU or a GPU, where training is not deterministic) the check is
statistical: for each task, the mean of each metric (both regimes) over the n reproduced seeds
must lie within ``Z * scale / sqrt(n)`` of the claimed mean over the same seeds, where the per-run
scale is the larger of DRIFT and sqrt(2) times the claimed across-seed standard deviation of the
metric on the task (a run re-made on another machine is another trajectory, like another seed). A submission
that claims a wide spread to loosen the check widens its interval on the page with it, and ties.

Each audit, passed or rejected, is appended to the submission's reproductions.json (nothing in
it is ever removed or rewritten), which the leaderboard page reads.
"""

from __future__ import annotations

import math
import random
import re
import secrets
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from creativity_bench.environment import cpu_name, machine  # noqa: F401  (re-exported: submissions record it)
from creativity_bench.errors import CBenchError
from creativity_bench.io import (
    CHECKPOINT_DIR,
    RESULTS_FILE,
    SAMPLES_FILE,
    SECONDARY_SAMPLES_FILE,
    atomic_write_text,
    dumps_json,
    read_bytes,
    read_json,
)
from creativity_bench.leaderboard.manifest import AUDIT_FILE, RUNS_DIR, submission_digest
from creativity_bench.leaderboard.protocol import TASKS, protocol_settings
from creativity_bench.scoring.metrics import METRICS

AUDIT_SCHEMA = "creativity-bench/reproductions/1"
# A metric of one run re-made in another environment moves by up to about this much: issue 15's
# pair of the same cpu run on two 2-core machines (sibling ntp seed 0: creativity 0.203 against
# 0.250, teacherless 0.262 against 0.211), and eight ntp cells of the reference suite re-made on a
# second machine (largest change of any metric 0.036, creativity 0.021; benchmarks/reproduce_drift.py
# --compare, docs/leaderboard.md).
DRIFT = 0.05
Z = 3.0
REGIMES = ("metrics", "secondary")  # the headline regime, then the other one
BYTE_IDENTICAL = "byte-identical"
STATISTICAL = "statistical"
RUN_LABEL = re.compile(r"([a-z0-9_-]+)/s(\d+)")


def label(task: str, seed: int) -> str:
    return f"{task}/s{seed}"


# --- the machine ------------------------------------------------------------------------------


MAX_THREADS = 512  # a recorded count beyond this is not honoured (no machine of the protocol has one)


@contextmanager
def torch_threads(count: Any) -> Iterator[None]:
    """Run with ``count`` intra-op threads (the recorded count: it sets the reduction order)."""
    import torch

    before = torch.get_num_threads()
    if isinstance(count, int) and not isinstance(count, bool) and 1 <= count <= MAX_THREADS:
        torch.set_num_threads(count)
    try:
        yield
    finally:
        torch.set_num_threads(before)


def audit_device(recorded: str) -> str:
    """Where to re-make a run: on the CPU when it was made there, else on a GPU if there is one."""
    import torch

    return "cuda" if recorded != "cpu" and torch.cuda.is_available() else "cpu"


def run_machine(sub: dict[str, Any], doc: dict[str, Any]) -> dict[str, Any] | None:
    """The machine a run was made on: the one its results.json records; for a run made before
    results.json recorded it, the submission's machine when the run's platform is the submission's
    (the same OS and kernel build); else None (unknown, so another environment)."""
    env = doc.get("environment") if isinstance(doc.get("environment"), dict) else {}
    if isinstance(env.get("machine"), dict):
        return env["machine"]
    platform = env.get("platform")
    return sub["environment"]["machine"] if platform and platform == sub["environment"].get("platform") else None


def environment_difference(sub: dict[str, Any], doc: dict[str, Any], here: dict[str, Any]) -> str | None:
    """Why a run cannot be expected to reproduce to the bit here (None: it must)."""
    device = doc["training"].get("device")
    if device != "cpu":
        return f"made on {device}, where training is not deterministic"
    if here["device"] != "cpu":
        return f"re-made on {here['device']}"
    env = doc.get("environment") if isinstance(doc.get("environment"), dict) else {}
    recorded = run_machine(sub, doc)
    if recorded is None:
        return f"the run records no machine, and its platform {env.get('platform')!r} is not the submission's"
    packages = env.get("packages")
    torch_version = packages.get("torch") if isinstance(packages, dict) else None
    pairs = (("torch", torch_version), ("cpu", recorded.get("cpu")), ("cpu_capability", recorded.get("cpu_capability")),
             ("threads", recorded.get("threads")))  # the audit sets the recorded count where it can
    for key, value in pairs:
        if value != here[key]:
            return f"{key} {value!r} recorded, {here[key]!r} here"
    return None


# --- which runs ------------------------------------------------------------------------------


def parse_choice(text: str) -> str | int | tuple[str, int]:
    """``all``, a number of runs, or one run ``TASK/sSEED``."""
    text = text.strip()
    if text == "all":
        return "all"
    if re.fullmatch(r"\d+", text):
        return int(text)
    m = RUN_LABEL.fullmatch(text)
    if m:
        return m.group(1), int(m.group(2))
    raise CBenchError(f"--reproduce expects a number of runs, TASK/sSEED or all, got '{text}'")


def choose_runs(choice: str | int | tuple[str, int], runs: list[tuple[str, int]], digest: str, salt: str) -> list[tuple[str, int]]:
    """The runs an audit re-makes, in grid order; a number draws them with a generator seeded by
    the submission's digest and the salt."""
    if choice == "all":
        return list(runs)
    if isinstance(choice, tuple):
        if choice not in runs:
            raise CBenchError(f"--reproduce {label(*choice)}: not a run of this submission (tasks {', '.join(TASKS)}; "
                              f"seeds s0-s{max(s for _, s in runs)})")
        return [choice]
    if not 1 <= choice <= len(runs):
        raise CBenchError(f"--reproduce {choice}: the submission has {len(runs)} runs; give 1 to {len(runs)}, or all")
    rng = random.Random(f"{digest}:{salt}")
    drawn = set(rng.sample(runs, choice))
    return [r for r in runs if r in drawn]


def new_salt() -> str:
    return secrets.token_hex(8)


# --- the objective ---------------------------------------------------------------------------


def objective_problem(sub: dict[str, Any], reference: str) -> str | None:
    """Raise (CBenchError) when the objective's distribution is not installed here at the recorded
    version, saying what to install; return a rejection when its installed source is not the
    recorded one (both hashes named); None when it is."""
    from creativity_bench.leaderboard.submission import install_hint, objective_source_hash

    name, source = sub["objective"]["name"], sub["objective"]["source"]
    dist, version = source.get("distribution"), source.get("version")
    install = install_hint(source)
    try:
        installed = objective_source_hash(reference)
    except CBenchError:
        raise CBenchError(f"objective '{name}' is not installed here: {install}") from None
    if (installed["distribution"], installed["version"]) != (dist, version):
        raise CBenchError(f"objective '{name}' was run from {dist} {version}, here it comes from "
                          f"{installed['distribution']} {installed['version']}: {install}")
    if installed["sha256"] != source["sha256"]:
        return (f"objective '{name}': source sha256 {source['sha256']} in the submission, {installed['sha256']} installed "
                f"({dist} {version}): the installed code is not the code that ran")
    return None


# --- re-making one run ----------------------------------------------------------------------


@dataclass(frozen=True)
class Remade:
    """A re-made run: its samples (in the submission's format) and metrics, both regimes."""

    samples: bytes
    secondary_samples: bytes
    metrics: dict[str, float]
    secondary: dict[str, float]


def retrain(doc: dict[str, Any], device: str) -> Remade:
    """Train the recorded config again in a temporary folder, then sample and score it as the
    protocol does (runs.run: the standard sampler, then the other regime)."""
    from creativity_bench.leaderboard.submission import minimal_samples
    from creativity_bench.models.config import TrainConfig
    from creativity_bench.runs import run

    cfg = TrainConfig.from_dict(doc["training"]["config"])
    if device == "cpu":
        cfg = cfg.replace(accelerator="cpu")
    with tempfile.TemporaryDirectory(prefix="cbench-reproduce-") as tmp:
        out = Path(tmp) / "run"
        made = run(cfg, out, protocol_settings(), progress=False)
        return Remade(minimal_samples(out / SAMPLES_FILE), minimal_samples(out / SECONDARY_SAMPLES_FILE),
                      {m: made["metrics"][m] for m in METRICS}, {m: made["secondary"]["metrics"][m] for m in METRICS})


def resample(run_dir: Path, device: str) -> Remade:
    """Sample a carried checkpoint under the protocol (both regimes), without training."""
    from creativity_bench.leaderboard.submission import minimal_rows
    from creativity_bench.models.checkpoint import load_for_sampling
    from creativity_bench.models.sampling import other_regime
    from creativity_bench.runs import sample_and_score

    objective, model, extra, instance, vocab, _ = load_for_sampling(run_dir / CHECKPOINT_DIR, None, device)
    primary = sample_and_score(objective, model, extra, instance, vocab, protocol_settings())
    secondary = sample_and_score(objective, model, extra, instance, vocab, other_regime(primary.settings))
    samples = [minimal_rows(v.to_dict() for v in e.verdicts) for e in (primary, secondary)]
    return Remade(*samples, {m: getattr(primary.scores, m) for m in METRICS}, {m: getattr(secondary.scores, m) for m in METRICS})


def first_sample_difference(claimed: bytes, remade: bytes) -> str | None:
    """The first prompt whose answer differs (prompt id, claimed answer, re-made answer), or None."""
    import json

    if claimed == remade:
        return None
    a, b = claimed.decode("utf-8", "replace").splitlines(), remade.decode("utf-8", "replace").splitlines()
    for index, (x, y) in enumerate(zip(a, b)):
        if x != y:
            try:
                row, mine = json.loads(x), json.loads(y)
                return f"prompt_id {row['prompt_id']}: claimed {row['answer']!r}, reproduced {mine['answer']!r}"
            except (ValueError, KeyError, TypeError):
                return f"line {index + 1} differs"
    return f"{len(a)} lines claimed, {len(b)} reproduced"


# --- the statistical check ------------------------------------------------------------------


def tolerance(claimed_seeds: list[float], n: int) -> float:
    """How far the mean of ``n`` re-made runs may lie from the claimed mean over the same seeds."""
    from creativity_bench.leaderboard.stats import sample_sd

    scale = max(DRIFT, math.sqrt(2) * sample_sd(claimed_seeds))
    return Z * scale / math.sqrt(n)


def drift_problems(claimed: dict[tuple[str, int], dict[str, dict[str, float]]],
                   remade: dict[tuple[str, int], dict[str, dict[str, float]]]) -> list[str]:
    """Per task: each metric's mean over the re-made seeds against the claimed mean over them."""
    problems = []
    for task in TASKS:
        seeds = sorted(s for t, s in remade if t == task)
        if not seeds:
            continue
        for regime in REGIMES:
            for m in METRICS:
                everyone = [v[regime][m] for (t, _), v in claimed.items() if t == task]
                mine = sum(remade[(task, s)][regime][m] for s in seeds) / len(seeds)
                theirs = sum(claimed[(task, s)][regime][m] for s in seeds) / len(seeds)
                tol = tolerance(everyone, len(seeds))
                if abs(mine - theirs) > tol:
                    what = f"{'secondary ' if regime == 'secondary' else ''}{m}"
                    problems.append(f"{task} (s{', s'.join(map(str, seeds))}): reproduced {what} {mine:.3f} against the claimed {theirs:.3f}, "
                                    f"off by {abs(mine - theirs):.3f}, more than the tolerance {tol:.3f}")
    return problems


# --- the audit ------------------------------------------------------------------------------


@dataclass
class Audit:
    """One audit: which runs, how each was compared, and the problems (none: passed)."""

    kind: str  # "reproduce" or "resample"
    runs: list[tuple[str, int]]
    checks: dict[str, str] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    record: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.problems

    def summary(self) -> str:
        """``reproduced 2 runs (circle/s1, line/s0): byte-identical``, say."""
        how = ", ".join(sorted(set(self.checks.values())))
        runs = f" ({', '.join(self.checks)})" if len(self.checks) <= 4 else ""
        return f"{'reproduced' if self.kind == 'reproduce' else 're-sampled'} {len(self.checks)} runs{runs}: {how}"


def audit(verification, kind: str, runs: list[tuple[str, int]], asked: str, salt: str | None,
          on_run: Callable[[str], None] | None = None) -> Audit:
    """Re-make ``runs`` of a verified submission (``kind`` reproduce: re-train; resample: sample
    the carried checkpoints), compare, and append the audit to its reproductions.json."""
    import torch

    path, sub = Path(verification.path), verification.submission
    result = Audit(kind, runs)
    docs = {r: read_json(path / RUNS_DIR / r[0] / f"s{r[1]}" / RESULTS_FILE, "results file") for r in verification.runs}
    if kind == "resample" and not (path / RUNS_DIR / runs[0][0] / f"s{runs[0][1]}" / CHECKPOINT_DIR).is_dir():
        raise CBenchError(f"{path}: carries no checkpoints to re-sample (pack it with `cbench submit --with-checkpoints`)")
    problem = objective_problem(sub, docs[runs[0]]["training"]["config"]["objective"])
    if problem:
        result.problems.append(problem)
    claimed = {r: {"metrics": {m: doc["metrics"][m] for m in METRICS}, "secondary": {m: doc["secondary"]["metrics"][m] for m in METRICS}}
               for r, doc in docs.items()}
    remade: dict[tuple[str, int], dict[str, dict[str, float]]] = {}
    here = {**machine(), "device": "cpu"}
    for run in runs if not result.problems else []:
        doc, run_dir, name = docs[run], path / RUNS_DIR / run[0] / f"s{run[1]}", label(*run)
        threads = (run_machine(sub, doc) or sub["environment"]["machine"]).get("threads")
        with torch_threads(threads):
            here["threads"] = torch.get_num_threads()
        here["device"] = audit_device(doc["training"].get("device"))
        why = environment_difference(sub, doc, here)
        result.checks[name] = STATISTICAL if why else BYTE_IDENTICAL
        if on_run:
            on_run(f"{'re-training' if kind == 'reproduce' else 're-sampling'} {name}: {result.checks[name]} check" + (f" ({why})" if why else ""))
        with torch_threads(threads):
            made = retrain(doc, here["device"]) if kind == "reproduce" else resample(run_dir, here["device"])
        remade[run] = {"metrics": made.metrics, "secondary": made.secondary}
        if why:
            continue
        for file, mine, what in ((SAMPLES_FILE, made.samples, "samples"), (SECONDARY_SAMPLES_FILE, made.secondary_samples, "secondary samples")):
            diff = first_sample_difference(read_bytes(run_dir / file), mine)
            if diff:
                result.problems.append(f"{name}: {what} differ from the {'re-trained' if kind == 'reproduce' else 're-sampled'} run's "
                                       f"(same environment, so they must be byte-identical), first at {diff}{commit_hint(sub)}")
    statistical = {r: v for r, v in remade.items() if result.checks[label(*r)] == STATISTICAL}
    result.problems += drift_problems(claimed, statistical)
    result.record = audit_record(verification, result, asked, salt, here)
    record_audit(path, result.record)
    return result


def commit_hint(sub: dict[str, Any]) -> str:
    """A note for a byte-identical mismatch when this code is not the code the runs were made with."""
    from creativity_bench.environment import git_commit

    theirs, mine = sub["environment"].get("git_commit"), git_commit()
    if theirs == mine or not theirs or not mine:
        return ""
    return f" (submitted from commit {str(theirs)[:12]}, re-made at {mine[:12]}: other code may train differently)"


def audit_record(verification, result: Audit, asked: str, salt: str | None, here: dict[str, Any]) -> dict[str, Any]:
    from creativity_bench import __version__
    from creativity_bench.environment import git_commit

    now = datetime.now(timezone.utc)
    return {
        "kind": result.kind,
        "utc_date": now.date().isoformat(),
        "utc_time": now.isoformat(timespec="seconds"),
        "submission_sha256": submission_digest(verification.path),
        "asked": asked,
        "salt": salt,
        "runs": list(result.checks),  # the runs re-made (none when the objective's source was refused)
        "checks": dict(result.checks),
        "environment": {**here, "creativity-bench": __version__, "git_commit": git_commit()},
        "verdict": "passed" if result.ok else "rejected",
        "problems": list(result.problems),
    }


def read_audits(folder: Path) -> list[dict[str, Any]]:
    """The audits recorded in a submission folder, oldest first (none: [])."""
    path = Path(folder) / AUDIT_FILE
    if not path.exists():
        return []
    doc = read_json(path, "reproductions file")
    if doc.get("schema") != AUDIT_SCHEMA or not isinstance(doc.get("audits"), list) or not all(isinstance(a, dict) for a in doc["audits"]):
        raise CBenchError(f"{path}: not a creativity-bench reproductions file (schema {doc.get('schema')!r})")
    return doc["audits"]


def record_audit(folder: Path, record: dict[str, Any]) -> None:
    """Append one audit to reproductions.json, atomically; earlier records are kept as they are."""
    audits = read_audits(folder)
    atomic_write_text(Path(folder) / AUDIT_FILE, dumps_json({"schema": AUDIT_SCHEMA, "audits": [*audits, record]}))


def standing(folder: Path) -> dict[str, Any]:
    """What the page shows of a submission's audits of its present content: the runs re-trained in
    passed audits, the date of the latest, how they were checked, whether its checkpoints were
    re-sampled, and the latest audit's problems if it was rejected (audits of other content, made
    before an edit, do not count)."""
    digest = submission_digest(folder)
    mine = [a for a in read_audits(folder) if a.get("submission_sha256") == digest]
    passed = [a for a in mine if a.get("verdict") == "passed"]
    retrained = [a for a in passed if a.get("kind") == "reproduce"]
    runs = sorted({r for a in retrained for r in a.get("runs", []) if isinstance(r, str)})
    checks = sorted({c for a in retrained for c in (a.get("checks") or {}).values() if c in (BYTE_IDENTICAL, STATISTICAL)})
    latest = mine[-1] if mine else None
    return {
        "runs": runs,
        "date": max((str(a.get("utc_date")) for a in retrained), default=None),
        "checks": checks,
        "resampled": any(a.get("kind") == "resample" for a in passed),
        "rejected": (latest.get("problems") or ["rejected"]) if latest and latest.get("verdict") != "passed" else None,
        "rejected_date": str(latest.get("utc_date")) if latest and latest.get("verdict") != "passed" else None,
    }


def run_audits(verification, reproduce: str | None, resample_checkpoints: bool, salt: str | None = None,
               on_run: Callable[[str], None] | None = None) -> list[Audit]:
    """What `cbench leaderboard verify` runs after an accepted verification: re-sample the carried
    checkpoints (``resample_checkpoints``), then re-train the runs ``reproduce`` names (K, TASK/sSEED
    or all). Bad choices fail before anything runs."""
    choice = parse_choice(reproduce) if reproduce is not None else None
    read_audits(verification.path)  # a malformed record fails now, not after the training
    if salt is not None and not isinstance(choice, int):
        raise CBenchError("--salt only seeds the draw of --reproduce K")
    if isinstance(choice, int):
        salt = salt if salt is not None else new_salt()
    chosen = choose_runs(choice, verification.runs, submission_digest(verification.path), salt or "") if choice is not None else []
    audits = []
    if resample_checkpoints:
        audits.append(audit(verification, "resample", verification.runs, "all", None, on_run))
    if chosen:
        audits.append(audit(verification, "reproduce", chosen, reproduce.strip(), salt, on_run))
    return audits
