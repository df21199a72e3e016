"""Training a model on a task instance with Lightning: resume, graceful stops, and the training figures
(tokens/s, MFU). The callbacks (checkpoints, periodic evaluation, progress) are in ``callbacks``."""

from __future__ import annotations

import json
import os
import signal
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
from torch.utils.data import DataLoader, IterableDataset

from creativity_bench.errors import SIGNAL_EXIT_BASE, CBenchError
from creativity_bench.io import CHECKPOINT_DIR, CURVE_FILE, TRAIN_CONFIG_FILE, atomic_write_text, dumps_json, read_json
from creativity_bench.models.backbone import ModelConfig
from creativity_bench.models.checkpoint import CONFIG_FILE, RESUME_FILE, checkpoint_sidecar, save_weights
from creativity_bench.models.config import PRETRAIN_OBJECTIVE, TrainConfig, settings_difference
from creativity_bench.models.data import StepBatches
from creativity_bench.models.flops import mfu
from creativity_bench.models.tokenizer import Vocabulary, encode_samples, sequence_width
from creativity_bench.tasks.base import Instance


class TrainingInterrupted(CBenchError):
    """Raised after a graceful stop (Ctrl-C / SIGTERM): a resume checkpoint was written.

    The exit code is the conventional 128 + the signal number (Ctrl-C 130, SIGTERM 143), so that
    a scheduler never reads a stopped run as a finished one.
    """

    def __init__(self, message: str, signum: int | None = None) -> None:
        super().__init__(message)
        self.signum = signum
        if signum is not None:
            self.exit_code = SIGNAL_EXIT_BASE + signum


@dataclass
class TrainResult:
    """What a finished training run reports."""

    steps: int
    tokens: int
    answer_tokens: int
    wall_time_s: float
    tokens_per_s: float
    device: str
    dtype: str
    params_total: int
    params_non_embedding: int
    final_loss: float | None
    curve: list[dict[str, Any]] = field(default_factory=list)
    resumed_from: int = 0
    flops_per_step: float = 0.0  # training FLOPs of one step, forward and backward (Objective.training_flops)
    flops: float = 0.0  # of the whole run: steps x flops_per_step (what a compute budget counts)
    mfu: float | None = None  # model FLOPs utilisation (None: the device's peak is unknown)
    mfu_note: str = ""  # how the peak FLOP/s were obtained


@dataclass
class PhasedTrainResult(TrainResult):
    """A run with a next-token phase (``Objective.pretrain_share``): ``flops_per_step`` is a step of
    the objective's own loss, and ``flops`` = pretrain_steps x pretrain_flops_per_step + (steps -
    pretrain_steps) x flops_per_step."""

    pretrain_steps: int = 0  # the next-token phase: steps 0 .. pretrain_steps - 1
    pretrain_flops_per_step: float = 0.0  # training FLOPs of one of its steps (ntp's)


@dataclass
class Pretraining:
    """The next-token phase of a run whose objective trains from scratch first: steps 0 .. steps-1
    train ``objective`` (ntp) on ``rows``, each step charged ``flops_per_step``; the switch, ``steps``,
    is ``config.pretrain_steps`` of the run's steps and both phases' FLOPs per step, so it depends on
    the config alone (not on devices, micro-batches or a resume)."""

    steps: int
    objective: Any
    rows: dict[str, torch.Tensor]
    answer_per_row: float
    flops_per_step: float

    @property
    def width(self) -> int:
        return next(iter(self.rows.values())).shape[1]


def pretraining_for(cfg: TrainConfig, objective, enc, instance: Instance, vocab: Vocabulary, model_cfg: ModelConfig,
                    own_flops: float) -> Pretraining | None:
    """The run's next-token phase, or None when its objective has none (``pretrain_share`` 0)."""
    from creativity_bench.models.config import pretrain_steps
    from creativity_bench.models.objectives import make_objective

    share = objective.pretrain_share()
    if not share:
        return None
    ntp = make_objective(PRETRAIN_OBJECTIVE, instance.name)
    built = ntp.build_rows(enc, instance, vocab)
    rows = {k: torch.from_numpy(v) for k, v in built.arrays.items()}
    width = next(iter(rows.values())).shape[1]
    flops = cfg.batch_size * ntp.training_flops(model_cfg, width)
    return Pretraining(pretrain_steps(cfg.steps, share, flops, own_flops), ntp, rows, float(built.scored.sum()) / built.n, flops)


class PhasedBatches(IterableDataset):
    """The batches of a run with a next-token phase from a (resumed) start step on: ``first`` yields
    the phase's rows up to the switch, ``then`` the objective's from it; both are ``StepBatches``,
    keyed to the global step."""

    def __init__(self, first: StepBatches, then: StepBatches) -> None:
        self.first, self.then = first, then

    def __iter__(self):
        yield from self.first
        yield from self.then


def phased_eval(cfg: TrainConfig, run_dir: Path, instance: Instance, vocab: Vocabulary, objective, settings, pretraining: Pretraining,
                own_flops: float):
    """The periodic evaluation of a run with a next-token phase (a ``PeriodicEval``): a curve row's
    ``flops`` are the FLOPs of the steps before it, each phase's at its own FLOPs per step."""
    from creativity_bench.models.callbacks import PeriodicEval

    def flops_at(step: int) -> float:
        ntp = min(step, pretraining.steps)
        return ntp * pretraining.flops_per_step + (step - ntp) * own_flops

    class PhasedEval(PeriodicEval):
        def evaluate(self, trainer, pl_module) -> None:
            super().evaluate(trainer, pl_module)
            fixed = [{**row, "flops": flops_at(row["step"])} for row in self.curve]
            if fixed != self.curve and trainer.is_global_zero:
                self.curve = fixed
                atomic_write_text(self.run_dir / CURVE_FILE, "".join(json.dumps(r) + "\n" for r in self.curve))

    return PhasedEval(cfg, run_dir, instance, vocab, objective, settings)


def is_ddp_worker() -> bool:
    """Whether this process is a data-parallel worker (global rank > 0) started by Lightning's launcher.

    The launcher re-runs the user's command in each worker with LOCAL_RANK / NODE_RANK set;
    workers train but leave the run directory (files, checkpoint, sampling) to rank 0.
    """
    return os.environ.get("LOCAL_RANK", "0") != "0" or os.environ.get("NODE_RANK", "0") != "0"


def device_of(cfg: TrainConfig) -> str:
    if cfg.accelerator in ("gpu", "cuda") or (cfg.accelerator == "auto" and torch.cuda.is_available()):
        return "cuda"
    return "cpu"


def precision_of(cfg: TrainConfig, device: str) -> str:
    if cfg.precision != "auto":
        return cfg.precision
    return "bf16-mixed" if device == "cuda" else "32-true"


def build_model_config(cfg: TrainConfig, instance: Instance, vocab: Vocabulary, causal: bool) -> ModelConfig:
    return ModelConfig.from_depth(cfg.depth, len(vocab), sequence_width(instance), aspect=cfg.aspect, head_dim=cfg.head_dim, causal=causal, dropout=cfg.dropout,
                                init=cfg.init, bias=cfg.bias, tie_output=cfg.tie_output)


def _check_resume_config(run_dir: Path, cfg: TrainConfig) -> None:
    diff = settings_difference(read_json(run_dir / TRAIN_CONFIG_FILE, "training config"), cfg)
    if diff:
        raise CBenchError(f"--resume with changed settings: {diff}")


def _check_resume_instance(ckpt_dir: Path, instance: Instance) -> None:
    """Refuse to continue a checkpoint on another instance (a task version bump changes it)."""
    from creativity_bench.models.checkpoint import read_sidecar
    from creativity_bench.tasks import stale_version

    if not (ckpt_dir / CONFIG_FILE).is_file():
        return
    saved = read_sidecar(ckpt_dir).get("instance", {})
    if saved.get("fingerprint") != instance.fingerprint:
        why = stale_version(instance.name, saved.get("version")) or "another instance"
        raise CBenchError(f"{ckpt_dir}: cannot resume, the checkpoint was {why}; delete the run directory to redo it")


def start_from(cfg: TrainConfig, objective, module) -> None:
    """Load the --init-from checkpoint's backbone into the module's model, then let the objective
    fill what depends on it (``on_init_from``: grpo's frozen reference)."""
    from creativity_bench.models.init_from import load_start

    load_start(cfg, module.model)
    hook = getattr(objective, "on_init_from", None)
    if hook is not None:
        hook(module.model, module.extra)


def quiet_lightning() -> None:
    """Keep Lightning's banners and tips out of the user's terminal (warnings stay visible)."""
    import logging
    import warnings

    for name in ("lightning.pytorch", "lightning.fabric", "lightning.pytorch.utilities.rank_zero", "lightning.pytorch.accelerators.cuda"):
        logging.getLogger(name).setLevel(logging.ERROR)
    warnings.filterwarnings("ignore", message=r".*LeafSpec.*")
    warnings.filterwarnings("ignore", message=r".*does not have many workers.*")
    warnings.filterwarnings("ignore", message=r".*weights_only.*")
    # Our loader is keyed to the global step, so resuming mid-epoch is exact.
    warnings.filterwarnings("ignore", message=r".*your dataloader is not resumable.*")
    # A frozen reference model (grpo's KL penalty) stays in eval mode on purpose.
    warnings.filterwarnings("ignore", message=r".*module\(s\) in eval mode at the start of training.*")


def read_resume_step(resume_path: Path) -> int | None:
    """The step a resume checkpoint holds (None: there is none)."""
    if not resume_path.is_file():
        return None
    # mmap: only the step is needed here; Lightning reads the tensors once, in fit().
    return int(torch.load(resume_path, map_location="cpu", weights_only=True, mmap=True).get("global_step", 0))


def train(cfg: TrainConfig, instance: Instance, run_dir: Path, objective, resume: bool = False, progress: bool = True,
          extra_callbacks: list | None = None, eval_settings=None) -> tuple[Any, TrainResult]:
    """Train ``objective`` on ``instance``; writes checkpoint/, logs/ and the curve under ``run_dir``.

    The periodic evaluation samples with ``eval_settings`` (default: the objective's standard sampler), so that `cbench run`'s
    curve uses the same decoding as its final metrics.

    Returns the LightningModule (for sampling) and the training figures.
    """
    import lightning as L
    from lightning.pytorch.loggers import CSVLogger
    from lightning.pytorch.utilities.exceptions import SIGTERMException

    from creativity_bench.models.callbacks import Checkpointing, PeriodicEval, TrainingBar
    from creativity_bench.models.data import step_loader
    from creativity_bench.models.lightning_module import CreativityModule

    quiet_lightning()
    cfg = cfg.resolve()
    run_dir = Path(run_dir)
    ckpt_dir = run_dir / CHECKPOINT_DIR
    resume_path = ckpt_dir / RESUME_FILE
    if resume:
        if not resume_path.is_file():
            raise CBenchError(f"{run_dir}: nothing to resume (no {RESUME_FILE}); run without --resume")
        _check_resume_config(run_dir, cfg)
        _check_resume_instance(ckpt_dir, instance)
    elif cfg.init_from:
        from creativity_bench.models.init_from import check_start

        check_start(cfg, instance, build_model_config(cfg, instance, Vocabulary.for_instance(instance), objective.causal))
    if not is_ddp_worker():
        ckpt_dir.mkdir(parents=True, exist_ok=True)
        atomic_write_text(run_dir / TRAIN_CONFIG_FILE, dumps_json(cfg.to_dict()))
        if not resume:
            (run_dir / CURVE_FILE).unlink(missing_ok=True)

    device = device_of(cfg)
    precision = precision_of(cfg, device)
    L.seed_everything(cfg.seed, workers=True, verbose=False)
    if device == "cpu":
        torch.use_deterministic_algorithms(True, warn_only=True)
    vocab = Vocabulary.for_instance(instance)
    enc = encode_samples(vocab, instance.train, sequence_width(instance))
    training_rows = objective.build_rows(enc, instance, vocab)
    rows = {k: torch.from_numpy(v) for k, v in training_rows.arrays.items()}
    model_cfg = build_model_config(cfg, instance, vocab, objective.causal)
    width = next(iter(rows.values())).shape[1]
    own_flops = cfg.batch_size * objective.training_flops(model_cfg, width)  # one step of the objective's loss
    pretraining = pretraining_for(cfg, objective, enc, instance, vocab, model_cfg, own_flops)
    compile_model = cfg.compile == "on" or (cfg.compile == "auto" and device == "cuda")
    module = CreativityModule(model_cfg, objective, cfg, compile_model=compile_model, context=training_rows.context,
                              pretraining=pretraining)
    if cfg.init_from and not resume:  # a resumed run restores its weights (and any reference) from resume.ckpt
        start_from(cfg, objective, module)

    def sidecar(step: int) -> dict[str, Any]:
        return checkpoint_sidecar(cfg, model_cfg, objective, instance, vocab, step)

    start_step = (read_resume_step(resume_path) or 0) if resume else 0
    checkpointing = Checkpointing(cfg, ckpt_dir, sidecar)
    if pretraining is None:
        evaluation = PeriodicEval(cfg, run_dir, instance, vocab, objective, eval_settings)
    else:
        evaluation = phased_eval(cfg, run_dir, instance, vocab, objective, eval_settings, pretraining, own_flops)
    tokens_per_step = cfg.batch_size * next(iter(rows.values())).shape[1]
    bar = TrainingBar(cfg.steps, tokens_per_step, refresh_every=25 if device == "cuda" else 1) if progress else None
    callbacks = [checkpointing, evaluation] + ([bar] if bar else [])
    callbacks += list(extra_callbacks or [])
    trainer = L.Trainer(
        max_steps=cfg.steps,
        max_epochs=1,  # one pass over an iterable that holds exactly the remaining steps
        accelerator=cfg.accelerator,
        devices=int(cfg.devices) if cfg.devices.isdigit() else cfg.devices,
        num_nodes=cfg.num_nodes,
        strategy=cfg.strategy,
        precision=precision,
        gradient_clip_val=cfg.grad_clip or None,
        # A resumed run logs beside the first part instead of overwriting it.
        logger=CSVLogger(str(run_dir), name="logs", version=f"resumed-at-{start_step}" if resume else ""),
        callbacks=callbacks,
        enable_checkpointing=False,
        enable_progress_bar=False,  # TrainingBar, when asked for
        enable_model_summary=False,
        log_every_n_steps=max(1, min(50, cfg.steps // 20)),
        use_distributed_sampler=False,
        deterministic=device == "cpu",
        num_sanity_val_steps=0,
    )

    class Loaders(L.LightningDataModule):
        def train_dataloader(self):
            # By now a resumed trainer has restored global_step: start the data there.
            start = trainer.global_step
            if pretraining is not None:
                return phased_loader(start)
            return step_loader(rows, cfg.batch_size, cfg.seed, start, cfg.steps, trainer.global_rank, trainer.world_size,
                               pin_memory=device == "cuda", replacement=cfg.batches == "replacement")

    def phased_loader(start: int) -> DataLoader:
        # The next-token phase's rows for its steps, then the objective's, every batch keyed to its global step.
        switch, replacement = pretraining.steps, cfg.batches == "replacement"
        first = StepBatches(pretraining.rows, cfg.batch_size, cfg.seed, start, max(start, switch), trainer.global_rank,
                            trainer.world_size, replacement)
        then = StepBatches(rows, cfg.batch_size, cfg.seed, max(start, switch), cfg.steps, trainer.global_rank, trainer.world_size,
                           replacement)
        return DataLoader(PhasedBatches(first, then), batch_size=None, shuffle=False, num_workers=0, pin_memory=device == "cuda")

    previous = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)}

    stop_signal: list[int] = []

    def request_stop(signum, frame):
        if checkpointing.stop_requested:  # a second Ctrl-C stops at once
            raise KeyboardInterrupt
        stop_signal.append(signum)
        checkpointing.stop_requested = True

    t0 = time.perf_counter()
    try:
        for s in previous:
            signal.signal(s, request_stop)
        # Lightning chains its own SIGTERM handler before ours and, after the step ends (and our
        # checkpoint is written), raises SIGTERMException, a SystemExit with status 0: caught
        # here, so that the stop is reported (and exits non-zero) like any other.
        trainer.fit(module, datamodule=Loaders(), ckpt_path=str(resume_path) if resume else None, weights_only=True)
    except SIGTERMException:
        if not stop_signal:
            stop_signal.append(signal.SIGTERM)
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)
    wall = time.perf_counter() - t0
    if trainer.global_rank != 0:
        # Data-parallel workers end here: rank 0 alone writes the weights, samples and scores
        # (Lightning's DDP launcher re-runs the same command in each worker process).
        raise SystemExit(0)
    if stop_signal or checkpointing.stop_requested or trainer.global_step < cfg.steps:
        signum = stop_signal[0] if stop_signal else None
        by = f" by {signal.Signals(signum).name}" if signum is not None else ""
        saved = read_resume_step(resume_path)
        at = f"; the checkpoint holds step {saved}" if saved is not None and saved != trainer.global_step else ""
        raise TrainingInterrupted(f"training stopped{by} at step {trainer.global_step} of {cfg.steps}{at}; continue with --resume",
                                  signum)

    save_weights(ckpt_dir, {"model": module.model, "extra": module.extra}, sidecar(trainer.global_step))
    # Lightning's teardown leaves the module on the CPU: bring it back, so that the caller
    # samples on the device it trained on.
    module.to(trainer.strategy.root_device)
    done_steps = cfg.steps - start_step
    answer_per_row = float(training_rows.scored.sum()) / training_rows.n
    tokens = done_steps * cfg.batch_size * next(iter(rows.values())).shape[1]
    answer_tokens = int(done_steps * cfg.batch_size * answer_per_row)
    if pretraining is not None:  # this process's steps of each phase, each phase's rows counted
        done_ntp = max(0, pretraining.steps - start_step)
        done_own = done_steps - done_ntp
        tokens = cfg.batch_size * (done_ntp * pretraining.width + done_own * width)
        answer_tokens = int(cfg.batch_size * (done_ntp * pretraining.answer_per_row + done_own * answer_per_row))
    loss = trainer.callback_metrics.get("train/loss")
    result = (TrainResult if pretraining is None else PhasedTrainResult)(
        steps=cfg.steps,
        tokens=tokens,
        answer_tokens=answer_tokens,
        wall_time_s=round(wall, 3),
        tokens_per_s=round(tokens / wall, 1) if wall > 0 else 0.0,
        device=torch.cuda.get_device_name() if device == "cuda" else "cpu",
        dtype=precision,
        # Trained parameters: a frozen extra module (a KL reference) is not counted.
        params_total=module.model.num_params() + (sum(p.numel() for p in module.extra.parameters() if p.requires_grad) if module.extra else 0),
        params_non_embedding=module.model.num_params(non_embedding=True),
        final_loss=float(loss) if loss is not None else None,
        curve=evaluation.curve,
        resumed_from=start_step,
    )
    result.flops_per_step = own_flops
    if pretraining is None:
        result.flops = cfg.steps * result.flops_per_step
        result.mfu, result.mfu_note = mfu(result.tokens_per_s, result.flops_per_step / (cfg.batch_size * width), result.device)
        return module, result
    # Each phase's steps at its own FLOPs per step: what a compute budget charged (config.budget_steps).
    assert isinstance(result, PhasedTrainResult)
    result.pretrain_steps, result.pretrain_flops_per_step = pretraining.steps, pretraining.flops_per_step
    result.flops = pretraining.steps * pretraining.flops_per_step + (cfg.steps - pretraining.steps) * own_flops
    done_ntp = max(0, pretraining.steps - start_step)
    done_flops = done_ntp * pretraining.flops_per_step + (done_steps - done_ntp) * own_flops
    result.mfu, result.mfu_note = mfu(result.tokens_per_s, done_flops / tokens if tokens else 0.0, result.device)
    return module, result
