"""A run: generate the instance, train, sample, score, and write the run directory (SPEC 8).

    RUN/instance/          task.json, train.jsonl, eval.jsonl (as `cbench generate` writes)
    RUN/checkpoint/        weights.safetensors, config.json, resume.ckpt
    RUN/logs/metrics.csv   training loss and periodic evaluation
    RUN/curve.jsonl        creativity/validity/memorization over training steps
    RUN/samples.jsonl      one line per generation, with its verdict (the headline regime)
    RUN/samples_secondary.jsonl  the same prompts in the other regime (SPEC 6)
    RUN/results.json       everything needed to re-run and compare (written last)

Sampling: the headline regime is the objective's standard sampler unless a mode is given
(greedy for left-to-right objectives, temperature 1 for the diffusions); every run also samples
the other regime, with the same prompts and sampling seed: temperature 1 after greedy decoding,
greedy after temperature sampling (whatever the temperature, top-k or top-p). results.json
records both, resolved (``sampling`` and ``metrics``; ``secondary``).

Without ``--out``, `cbench train` and `run` write to runs/TASK-OBJECTIVE-PRESET-sSEED.
"""

from __future__ import annotations

import re
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from creativity_bench.errors import CBenchError
from creativity_bench.io import (
    CHECKPOINT_DIR,
    DISCOVERY_FILE,
    INSTANCE_DIR,
    RESULTS_FILE,
    SAMPLES_FILE,
    SECONDARY_SAMPLES_FILE,
    TRAIN_CONFIG_FILE,
    atomic_write_bytes,
    atomic_write_text,
    dumps_json,
)
from creativity_bench.phases import SILENT, Phases
from creativity_bench.scoring.metrics import METRICS, SampleVerdict, Scores

# 2: sampling resolved per objective (its standard sampler by default) and the other regime in "secondary".
RESULTS_SCHEMA = "creativity-bench/results/2"
RUN_MARKERS = (RESULTS_FILE, TRAIN_CONFIG_FILE, INSTANCE_DIR, CHECKPOINT_DIR)
TRAIN_FIT_PROMPTS = 256
# The metrics of a run (results.json): the four, and how many training answers it reproduces.
RUN_METRICS = (*METRICS, "train_fit")
RUNS_ROOT = Path("runs")


def sampling_label(sampling: dict[str, Any], mark_standard: bool = False) -> str:
    """A short name for recorded (resolved) sampling settings: ``greedy`` or ``T=1``, then any
    top-k, top-p and diffusion steps (and ``(standard)`` for the objective's standard sampler, if asked)."""
    label = "greedy" if sampling.get("mode") == "greedy" else f"T={sampling.get('temperature', 1.0):g}"
    if sampling.get("top_k"):
        label += f", top-k {sampling['top_k']}"
    if sampling.get("top_p", 1.0) < 1:
        label += f", top-p {sampling['top_p']:g}"
    if sampling.get("steps"):
        label += f", {sampling['steps']} steps"
    return label + (" (standard)" if mark_standard and sampling.get("standard") else "")


def safe_name(objective: str) -> str:
    """A directory name for an objective (plugins may be named ``package.module:Class``)."""
    return re.sub(r"[^A-Za-z0-9_-]+", "_", objective)


def default_run_dir(task: str, objective: str, preset: str, seed: int) -> Path:
    """Where a run goes without ``--out``: runs/TASK-OBJECTIVE-PRESET-sSEED."""
    return RUNS_ROOT / f"{task}-{safe_name(objective)}-{preset}-s{seed}"


def prepare_run_dir(run_dir: Path, resume: bool, overwrite: bool) -> None:
    """Refuse to clobber finished or unfinished runs unless asked; never delete foreign files."""
    if run_dir.exists() and not run_dir.is_dir():
        raise CBenchError(f"{run_dir}: exists and is not a directory")
    if not run_dir.exists() or not any(run_dir.iterdir()):
        if resume:
            raise CBenchError(f"{run_dir}: nothing to resume")
        return
    is_run = any((run_dir / m).exists() for m in RUN_MARKERS)
    if not is_run:
        raise CBenchError(f"{run_dir}: not empty and not a run directory; choose another --out")
    if overwrite:
        shutil.rmtree(run_dir)
        return
    if (run_dir / RESULTS_FILE).exists():
        raise CBenchError(f"{run_dir}: holds a finished run; pass --overwrite to replace it")
    if training_finished(run_dir) and not resume:
        raise CBenchError(f"{run_dir}: holds a trained checkpoint; sample it with `cbench sample`, or pass --overwrite")
    if not resume:
        raise CBenchError(f"{run_dir}: holds an unfinished run; pass --resume to continue it or --overwrite to restart")


def training_finished(run_dir: Path) -> bool:
    """Whether the run directory's checkpoint has reached its configured number of steps."""
    from creativity_bench.models.checkpoint import read_sidecar

    try:
        side = read_sidecar(run_dir / CHECKPOINT_DIR)
        return side["step"] >= side["train_config"]["steps"]
    except (CBenchError, KeyError, TypeError):
        return False


def train_fit(objective, model, extra, instance, vocab, settings, max_new: int, phases: Phases = SILENT) -> dict[str, Any]:
    """Fraction of training prompts (with their seeds) whose sample reproduces the training answer."""
    from creativity_bench.models.sampling import generate_answers
    from creativity_bench.tasks.base import EvalPrompt

    pool = [s for s in instance.train if instance.task.is_memorizable(s)][:TRAIN_FIT_PROMPTS]
    prompts = [EvalPrompt(i, s.seed, s.prompt) for i, s in enumerate(pool)]
    with phases.phase(f"train fit ({len(pool)} training prompts)", total=len(prompts)) as phase:
        answers = generate_answers(objective, model, extra, instance, vocab, prompts, settings, max_new, progress=phase.advance)
        hits = sum(a == " ".join(s.answer.split()) for a, s in zip(answers, pool))
        phase.detail = f"{hits} of {len(pool)} training answers reproduced"
    return {"train_fit": hits / max(len(pool), 1), "n": len(pool)}


@dataclass(frozen=True)
class Evaluation:
    """One sampling regime over every evaluation prompt: the settings as run (resolved for the
    objective), what results record about them, the scores and each sample's verdict."""

    settings: Any
    sampling: dict[str, Any]
    scores: Scores
    verdicts: list[SampleVerdict]


def sample_and_score(objective, model, extra, instance, vocab, settings, progress: Callable | None = None,
                     phases: Phases = SILENT) -> Evaluation:
    """Sample every evaluation prompt (or fresh ones for another seed length) with ``settings``
    resolved for the objective (mode ``standard``: its standard sampler), and score.

    ``progress(n)`` is called as batches of n prompts are done; ``phases`` reports sampling and scoring."""
    from creativity_bench.models.sampling import generate_answers, resolve_sampling, sampling_record
    from creativity_bench.models.tokenizer import answer_width
    from creativity_bench.scoring import score_answers

    settings.validate()
    prompts = instance.eval_prompts(settings.seed_length)
    max_new = answer_width(instance)
    resolved = resolve_sampling(objective, settings, max_new)
    record = sampling_record(objective, resolved, max_new)
    with phases.phase(f"sampling {len(prompts):,} prompts, {sampling_label(record, mark_standard=True)}", total=len(prompts)) as phase:
        def advance(n: int) -> None:
            phase.advance(n)
            if progress is not None:
                progress(n)

        answers = generate_answers(objective, model, extra, instance, vocab, prompts, resolved, max_new, progress=advance)
    with phases.phase("scoring") as phase:
        scores, verdicts = score_answers(instance, answers, [p.prompt_id for p in prompts], [p.seed for p in prompts])
        phase.detail = f"creativity {scores.creativity:.3f}, validity {scores.validity:.3f}, memorization {scores.memorization:.3f}"
    return Evaluation(resolved, record, scores, verdicts)


def sample_draws(objective, model, extra, instance, vocab, settings, k: int, phases: Phases = SILENT,
                 first: list[str] | None = None):
    """K draws for every evaluation prompt (``Instance.draw_prompts``) with ``settings`` resolved for
    the objective, and their discovery curve. Greedy decoding gets K fresh seeds per prompt, other
    samplers K independent sampling keys. ``first``: the answers of draw 0, when already sampled
    (the headline). Returns (the K lists of N answers, DiscoveryCurve)."""
    from creativity_bench.models.sampling import generate_answers, resolve_sampling, sampling_record
    from creativity_bench.models.tokenizer import answer_width
    from creativity_bench.scoring.discovery import discovery_curve

    max_new = answer_width(instance)
    resolved = resolve_sampling(objective, settings, max_new)
    prompt_sets = instance.draw_prompts(k, fresh_seeds=resolved.mode == "greedy", seed_length=settings.seed_length)
    draws = [first] if first is not None else []
    todo = [p for prompts in prompt_sets[len(draws):] for p in prompts]
    label = sampling_label(sampling_record(objective, resolved, max_new), mark_standard=True)
    n = len(prompt_sets[0])
    if todo:
        with phases.phase(f"sampling {k} draws per prompt ({len(todo):,} more), {label}", total=len(todo)) as phase:
            answers = generate_answers(objective, model, extra, instance, vocab, todo, resolved, max_new, progress=phase.advance)
        draws += [answers[i : i + n] for i in range(0, len(answers), n)]
    with phases.phase("discovery curve") as phase:
        curve = discovery_curve(instance, draws)
        end = curve.points[-1]
        phase.detail = f"{end['novel_forms']:,} novel forms in {end['draws']:,} draws" + (
            f", {end['novel_fraction']:.3f} of the {curve.novel_total:,} that exist" if curve.novel_total else "")
    return draws, curve


MAX_SAMPLES_PER_PROMPT = 4096


def check_samples_per_prompt(k: int) -> None:
    if not 1 <= k <= MAX_SAMPLES_PER_PROMPT:
        raise CBenchError(f"samples per prompt must be between 1 and {MAX_SAMPLES_PER_PROMPT}, got {k}")


def curve_lines(curve) -> str:
    """discovery.jsonl: one point a line."""
    import json

    return "".join(json.dumps(p) + "\n" for p in curve.points)


def sample_checkpoint(checkpoint: Path, out: Path, settings, instance_dir: Path | None = None, device: str = "auto",
                      phases: Phases = SILENT, samples_per_prompt: int = 1):
    """`cbench sample`: sample a checkpoint's evaluation prompts and score them; writes OUT (the
    samples with their verdicts) and OUT's .scores.json beside it; with K samples per prompt, also
    the discovery curve (OUT's .discovery.jsonl, summarized in the scores file). Returns
    (instance, scores, the scores file's path)."""
    from creativity_bench.models.checkpoint import load_for_sampling
    from creativity_bench.models.sampling import check_sampling_fits
    from creativity_bench.scoring.report import scores_document, verdict_lines
    from creativity_bench.tasks import load_instance

    settings.validate()
    with phases.phase("loading the checkpoint and its instance") as phase:
        instance = load_instance(instance_dir) if instance_dir else None
        objective, model, extra, instance, vocab, side = load_for_sampling(checkpoint, instance, device)
        phase.detail = f"{side['objective']['name']} at step {side['step']:,}, {instance.name}"
    check_sampling_fits(objective.name, settings)
    evaluation = sample_and_score(objective, model, extra, instance, vocab, settings, phases=phases)
    fit = train_fit(objective, model, extra, instance, vocab, evaluation.settings, evaluation.sampling["max_new_tokens"], phases)
    extra_doc = {}
    if samples_per_prompt > 1:
        _, curve = sample_draws(objective, model, extra, instance, vocab, settings, samples_per_prompt, phases,
                                first=[v.answer for v in evaluation.verdicts])
        curve_path = out.with_name(out.name.removesuffix(".jsonl") + ".discovery.jsonl")
        atomic_write_text(curve_path, curve_lines(curve))
        extra_doc["discovery"] = {**curve.summary(), "file": curve_path.name}
    atomic_write_bytes(out, verdict_lines(evaluation.verdicts))
    meta = out.with_name(out.name.removesuffix(".jsonl") + ".scores.json")
    used = next(model.parameters()).device.type
    sampling = {**evaluation.sampling, "device": used, "dtype": "bf16-autocast" if used == "cuda" else "float32"}
    doc = scores_document(instance, evaluation.scores, samples_file=str(out), checkpoint={"objective": side["objective"], "step": side["step"]},
                          sampling=sampling, train_fit=fit, **extra_doc)
    atomic_write_text(meta, dumps_json(doc))
    return instance, evaluation.scores, meta


def results_document(cfg, instance, objective, train_result, primary: Evaluation, secondary: Evaluation, fit) -> dict[str, Any]:
    """The content of results.json: the headline regime in ``sampling`` and ``metrics``, the other
    regime (samples in SECONDARY_SAMPLES_FILE) in ``secondary``."""
    from creativity_bench.environment import environment

    training = {k: v for k, v in train_result.__dict__.items() if k not in ("curve", "params_total", "params_non_embedding")}
    return {
        "schema": RESULTS_SCHEMA,
        "task": {**instance.header(), "fingerprint": instance.fingerprint},
        "objective": {"name": objective.name, "version": objective.version, "params": objective.resolved_params()},
        "model": {
            "preset": cfg.preset,
            "depth": cfg.depth,
            "aspect": cfg.aspect,
            "head_dim": cfg.head_dim,
            "params_total": train_result.params_total,
            "params_non_embedding": train_result.params_non_embedding,
        },
        "training": {**training, "seed": cfg.seed, "config": cfg.to_dict()},
        "sampling": primary.sampling,
        "metrics": {**primary.scores.to_dict(), "train_fit": fit["train_fit"], "train_fit_n": fit["n"]},
        "secondary": {"sampling": secondary.sampling, "metrics": secondary.scores.to_dict()},
        "curve": train_result.curve,
        "environment": environment(),
    }


def train_run(cfg, run_dir: Path, resume: bool = False, overwrite: bool = False, progress: bool = True, extra_callbacks: list | None = None,
              eval_settings=None, phases: Phases = SILENT):
    """Generate the instance, check the run directory, train: the part `cbench train` and `run` share.

    ``progress`` shows the training bar; ``phases`` reports each phase with its time.
    Returns (resolved config, instance, objective, trained LightningModule, TrainResult).
    """
    from creativity_bench.models.objectives import make_objective
    from creativity_bench.models.train import is_ddp_worker, train
    from creativity_bench.tasks import make_task, write_instance

    run_dir = Path(run_dir)
    cfg = cfg.resolve()
    with phases.phase("instance") as phase:
        instance = make_task(cfg.task, cfg.preset, **cfg.task_overrides).generate(cfg.instance_seed)
        objective = make_objective(cfg.objective, cfg.task, cfg.objective_params)
        if not is_ddp_worker():  # rank 0 owns the run directory; workers only train
            prepare_run_dir(run_dir, resume, overwrite)
            write_instance(instance, run_dir / INSTANCE_DIR)
        phase.detail = f"{instance.name} ({cfg.preset}, seed {cfg.instance_seed}): {len(instance.train):,} training samples, {len(instance.eval):,} evaluation prompts"
    with phases.phase(f"training {cfg.objective}") as phase:
        module, result = train(cfg, instance, run_dir, objective, resume=resume, progress=progress, extra_callbacks=extra_callbacks,
                               eval_settings=eval_settings)
        resumed = f" from step {result.resumed_from:,}" if result.resumed_from else ""
        loss = f", final loss {result.final_loss:.4f}" if result.final_loss is not None else ""
        phase.detail = f"{cfg.steps - result.resumed_from:,} steps{resumed}, {result.tokens_per_s:,.0f} tokens/s{loss}"
    return cfg, instance, objective, module, result


def run(cfg, run_dir: Path, settings, resume: bool = False, overwrite: bool = False, progress: bool = True, extra_callbacks: list | None = None,
        phases: Phases = SILENT, samples_per_prompt: int = 1) -> dict[str, Any]:
    """Generate, train, sample, score; write the run directory; return results.json's content.

    ``progress`` shows the training bar; ``phases`` reports each phase (instance, training,
    sampling in each regime, scoring, train fit) with its time. With ``samples_per_prompt`` K > 1
    the headline regime also draws K samples per prompt: DISCOVERY_FILE and results.json's
    ``discovery``."""
    from creativity_bench.models.sampling import check_sampling_fits, other_regime
    from creativity_bench.models.tokenizer import Vocabulary
    from creativity_bench.scoring.report import verdict_lines

    run_dir = Path(run_dir)
    settings.validate()  # before training, so a bad setting costs nothing
    check_sampling_fits(cfg.objective, settings)
    check_samples_per_prompt(samples_per_prompt)
    started = time.perf_counter()
    # The curve samples with the headline regime (generate_answers resolves mode standard).
    cfg, instance, objective, module, result = train_run(cfg, run_dir, resume, overwrite, progress, extra_callbacks, eval_settings=settings,
                                                         phases=phases)
    vocab = Vocabulary.for_instance(instance)
    model, extra = module.model, module.extra
    primary = sample_and_score(objective, model, extra, instance, vocab, settings, phases=phases)
    fit = train_fit(objective, model, extra, instance, vocab, primary.settings, primary.sampling["max_new_tokens"], phases)
    secondary = sample_and_score(objective, model, extra, instance, vocab, other_regime(primary.settings), phases=phases)
    doc = results_document(cfg, instance, objective, result, primary, secondary, fit)
    if samples_per_prompt > 1:
        _, curve = sample_draws(objective, model, extra, instance, vocab, settings, samples_per_prompt, phases,
                                first=[v.answer for v in primary.verdicts])
        atomic_write_text(run_dir / DISCOVERY_FILE, curve_lines(curve))
        doc["discovery"] = {**curve.summary(), "file": DISCOVERY_FILE}
    # Wall time of this process's part of the run (instance, training, sampling, scoring); a
    # resumed run counts only the part after the resume.
    doc["run_wall_time_s"] = round(time.perf_counter() - started, 2)
    atomic_write_bytes(run_dir / SAMPLES_FILE, verdict_lines(primary.verdicts))
    atomic_write_bytes(run_dir / SECONDARY_SAMPLES_FILE, verdict_lines(secondary.verdicts))
    atomic_write_text(run_dir / RESULTS_FILE, dumps_json(doc))
    return doc
