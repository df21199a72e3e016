"""A run: generate the instance, train, sample, score, and write the run directory (SPEC 8).

    RUN/instance/          task.json, train.jsonl, eval.jsonl (as `cbench generate` writes)
    RUN/checkpoint/        weights.safetensors, config.json, resume.ckpt
    RUN/logs/metrics.csv   training loss and periodic evaluation
    RUN/curve.jsonl        creativity/validity/memorization over training steps
    RUN/samples.jsonl      one line per generation, with its verdict
    RUN/results.json       everything needed to re-run and compare (written last)

Without ``--out``, `cbench train` and `run` write to runs/TASK-OBJECTIVE-PRESET-sSEED.
"""

from __future__ import annotations

import re
import shutil
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from creativity_bench.errors import CBenchError
from creativity_bench.io import (
    CHECKPOINT_DIR,
    INSTANCE_DIR,
    RESULTS_FILE,
    SAMPLES_FILE,
    TRAIN_CONFIG_FILE,
    atomic_write_bytes,
    atomic_write_text,
    dumps_json,
)
from creativity_bench.scoring.metrics import METRICS

RESULTS_SCHEMA = "creativity-bench/results/1"
RUN_MARKERS = (RESULTS_FILE, TRAIN_CONFIG_FILE, INSTANCE_DIR, CHECKPOINT_DIR)
TRAIN_FIT_PROMPTS = 256
# The metrics of a run (results.json): the four, and how many training answers it reproduces.
RUN_METRICS = (*METRICS, "train_fit")
RUNS_ROOT = Path("runs")


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


def train_fit(objective, model, extra, instance, vocab, settings, max_new: int) -> dict[str, Any]:
    """Fraction of training prompts (with their seeds) whose sample reproduces the training answer."""
    from creativity_bench.models.sampling import generate_answers
    from creativity_bench.tasks.base import EvalPrompt

    pool = [s for s in instance.train if instance.task.is_memorizable(s)][:TRAIN_FIT_PROMPTS]
    prompts = [EvalPrompt(i, s.seed, s.prompt) for i, s in enumerate(pool)]
    answers = generate_answers(objective, model, extra, instance, vocab, prompts, settings, max_new)
    hits = sum(a == " ".join(s.answer.split()) for a, s in zip(answers, pool))
    return {"train_fit": hits / max(len(pool), 1), "n": len(pool)}


def sample_and_score(objective, model, extra, instance, vocab, settings, progress: Callable | None = None):
    """Sample every evaluation prompt (or fresh ones for another seed length) and score."""
    from creativity_bench.models.sampling import generate_answers
    from creativity_bench.models.tokenizer import answer_width
    from creativity_bench.scoring import score_answers

    settings.validate()
    prompts = instance.eval_prompts(settings.seed_length)
    max_new = answer_width(instance)
    answers = generate_answers(objective, model, extra, instance, vocab, prompts, settings, max_new, progress=progress)
    scores, verdicts = score_answers(instance, answers, [p.prompt_id for p in prompts], [p.seed for p in prompts])
    fit = train_fit(objective, model, extra, instance, vocab, settings, max_new)
    return scores, verdicts, fit, max_new


def sample_checkpoint(checkpoint: Path, out: Path, settings, instance_dir: Path | None = None, device: str = "auto"):
    """`cbench sample`: sample a checkpoint's evaluation prompts and score them; writes OUT (the
    samples with their verdicts) and OUT's .scores.json beside it. Returns (instance, scores, that path)."""
    from creativity_bench.models.checkpoint import load_for_sampling
    from creativity_bench.models.sampling import check_sampling_fits
    from creativity_bench.scoring.report import scores_document, verdict_lines
    from creativity_bench.tasks import load_instance

    settings.validate()
    instance = load_instance(instance_dir) if instance_dir else None
    objective, model, extra, instance, vocab, side = load_for_sampling(checkpoint, instance, device)
    check_sampling_fits(objective.name, settings)
    scores, verdicts, fit, max_new = sample_and_score(objective, model, extra, instance, vocab, settings)
    atomic_write_bytes(out, verdict_lines(verdicts))
    meta = out.with_name(out.name.removesuffix(".jsonl") + ".scores.json")
    used = next(model.parameters()).device.type
    sampling = {**settings.to_dict(), "max_new_tokens": max_new, "device": used, "dtype": "bf16-autocast" if used == "cuda" else "float32"}
    doc = scores_document(instance, scores, samples_file=str(out), checkpoint={"objective": side["objective"], "step": side["step"]},
                          sampling=sampling, train_fit=fit)
    atomic_write_text(meta, dumps_json(doc))
    return instance, scores, meta


def results_document(cfg, instance, objective, train_result, settings, scores, fit, max_new: int) -> dict[str, Any]:
    """The content of results.json."""
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
        "sampling": {**settings.to_dict(), "max_new_tokens": max_new},
        "metrics": {**scores.to_dict(), "train_fit": fit["train_fit"], "train_fit_n": fit["n"]},
        "curve": train_result.curve,
        "environment": environment(),
    }


def train_run(cfg, run_dir: Path, resume: bool = False, overwrite: bool = False, progress: bool = True, extra_callbacks: list | None = None,
              eval_settings=None):
    """Generate the instance, check the run directory, train: the part `cbench train` and `run` share.

    Returns (resolved config, instance, objective, trained LightningModule, TrainResult).
    """
    from creativity_bench.models.objectives import make_objective
    from creativity_bench.models.train import is_ddp_worker, train
    from creativity_bench.tasks import make_task, write_instance

    run_dir = Path(run_dir)
    cfg = cfg.resolve()
    instance = make_task(cfg.task, cfg.preset, **cfg.task_overrides).generate(cfg.instance_seed)
    objective = make_objective(cfg.objective, cfg.task, cfg.objective_params)
    if not is_ddp_worker():  # rank 0 owns the run directory; workers only train
        prepare_run_dir(run_dir, resume, overwrite)
        write_instance(instance, run_dir / INSTANCE_DIR)
    module, result = train(cfg, instance, run_dir, objective, resume=resume, progress=progress, extra_callbacks=extra_callbacks,
                           eval_settings=eval_settings)
    return cfg, instance, objective, module, result


def run(cfg, run_dir: Path, settings, resume: bool = False, overwrite: bool = False, progress: bool = True, extra_callbacks: list | None = None) -> dict[str, Any]:
    """Generate, train, sample, score; write the run directory; return results.json's content."""
    from creativity_bench.models.sampling import check_sampling_fits
    from creativity_bench.models.tokenizer import Vocabulary
    from creativity_bench.scoring.report import verdict_lines

    run_dir = Path(run_dir)
    settings.validate()  # before training, so a bad setting costs nothing
    check_sampling_fits(cfg.objective, settings)
    started = time.perf_counter()
    cfg, instance, objective, module, result = train_run(cfg, run_dir, resume, overwrite, progress, extra_callbacks, eval_settings=settings)
    vocab = Vocabulary.for_instance(instance)
    scores, verdicts, fit, max_new = sample_and_score(objective, module.model, module.extra, instance, vocab, settings)
    doc = results_document(cfg, instance, objective, result, settings, scores, fit, max_new)
    # Wall time of this process's part of the run (instance, training, sampling, scoring); a
    # resumed run counts only the part after the resume.
    doc["run_wall_time_s"] = round(time.perf_counter() - started, 2)
    atomic_write_bytes(run_dir / SAMPLES_FILE, verdict_lines(verdicts))
    atomic_write_text(run_dir / RESULTS_FILE, dumps_json(doc))
    return doc
