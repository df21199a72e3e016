"""Training a model on a task instance with Lightning: checkpoints, resume, periodic evaluation."""

from __future__ import annotations

import dataclasses
import json
import os
import signal
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch

from creativity_bench.errors import CBenchError
from creativity_bench.io import CHECKPOINT_DIR, CURVE_FILE, TRAIN_CONFIG_FILE, atomic_write_text, dumps_json, read_json
from creativity_bench.models.backbone import ModelConfig
from creativity_bench.models.checkpoint import CONFIG_FILE, RESUME_FILE, save_weights
from creativity_bench.models.config import TrainConfig
from creativity_bench.models.tokenizer import Vocabulary, encode_samples, max_answer_tokens, sequence_width
from creativity_bench.tasks.base import Instance


class TrainingInterrupted(CBenchError):
    """Raised after a graceful stop (Ctrl-C / SIGTERM): a resume checkpoint was written."""


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
    return ModelConfig.from_depth(cfg.depth, len(vocab), sequence_width(instance), aspect=cfg.aspect, head_dim=cfg.head_dim, causal=causal, dropout=cfg.dropout)


def checkpoint_sidecar(cfg: TrainConfig, model_cfg: ModelConfig, objective, instance: Instance, vocab: Vocabulary, step: int) -> dict[str, Any]:
    """Everything needed to rebuild the model and its instance from the checkpoint alone."""
    return {
        "train_config": cfg.to_dict(),
        "model_config": model_cfg.to_dict(),
        "objective": {"name": objective.name, "version": objective.version, "params": objective.resolved_params()},
        "instance": {**instance.header(), "fingerprint": instance.fingerprint},
        "vocab": vocab.tokens,
        "step": step,
    }


def _callbacks(cfg, ckpt_dir: Path, run_dir: Path, instance, vocab, objective, sidecar_fn, progress: bool, eval_settings=None):
    import lightning as L

    class Checkpointing(L.Callback):
        """Atomic resume checkpoints every ``ckpt_every`` steps and on a graceful stop."""

        def __init__(self) -> None:
            self.stop_requested = False

        def save(self, trainer, pl_module) -> None:
            tmp = ckpt_dir / (RESUME_FILE + ".tmp")
            trainer.save_checkpoint(tmp)
            if trainer.is_global_zero:
                os.replace(tmp, ckpt_dir / RESUME_FILE)
                save_weights(ckpt_dir, {"model": pl_module.model, "extra": pl_module.extra}, sidecar_fn(trainer.global_step))

        def on_train_batch_end(self, trainer, pl_module, outputs, batch, batch_idx) -> None:
            step = trainer.global_step
            if self.stop_requested:
                self.save(trainer, pl_module)
                trainer.should_stop = True
            elif cfg.ckpt_every and step % cfg.ckpt_every == 0 and step < cfg.steps:
                self.save(trainer, pl_module)

    max_new = max_answer_tokens(instance) + 1

    class PeriodicEval(L.Callback):
        """Sample a subset of the evaluation prompts, score, log: creativity over training."""

        def __init__(self) -> None:
            self.curve: list[dict[str, Any]] = []
            path = run_dir / CURVE_FILE
            if path.exists():
                self.curve = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]

        def evaluate(self, trainer, pl_module) -> None:
            from creativity_bench.models.sampling import SamplingSettings, generate_answers
            from creativity_bench.scoring import score_answers

            step = trainer.global_step
            if not trainer.is_global_zero or any(r["step"] == step for r in self.curve):
                return
            prompts = instance.eval[: cfg.eval_subset or len(instance.eval)]
            answers = generate_answers(objective, pl_module.model, pl_module.extra, instance, vocab, prompts, eval_settings or SamplingSettings(), max_new)
            scores, _ = score_answers(instance, answers, [p.prompt_id for p in prompts])
            loss = trainer.callback_metrics.get("train/loss")
            row = {"step": step, "loss": float(loss) if loss is not None else None, "n": scores.n}
            row.update({m: getattr(scores, m) for m in ("creativity", "memorization", "validity", "diversity")})
            self.curve = [r for r in self.curve if r["step"] < step] + [row]
            atomic_write_text(run_dir / CURVE_FILE, "".join(json.dumps(r) + "\n" for r in self.curve))
            if trainer.logger is not None:
                trainer.logger.log_metrics({f"eval/{k}": v for k, v in row.items() if k not in ("step", "n") and v is not None}, step=step)

        def on_train_batch_end(self, trainer, pl_module, outputs, batch, batch_idx) -> None:
            if cfg.eval_every and trainer.global_step % cfg.eval_every == 0:
                self.evaluate(trainer, pl_module)

        def on_train_end(self, trainer, pl_module) -> None:
            if trainer.global_step >= cfg.steps:
                self.evaluate(trainer, pl_module)

    callbacks = [Checkpointing(), PeriodicEval()]
    if progress:
        from lightning.pytorch.callbacks import RichProgressBar

        class ProgressBar(RichProgressBar):
            """Reads the logged loss (a host sync on a GPU) only on the bar's refresh steps;
            Lightning's own bar reads it after every batch, whatever its refresh rate."""

            def _update_metrics(self, trainer, pl_module) -> None:
                step = trainer.global_step
                if step % self.refresh_rate == 0 or step >= cfg.steps:
                    super()._update_metrics(trainer, pl_module)

        callbacks.append(ProgressBar(refresh_rate=25 if device_of(cfg) == "cuda" else 1, leave=True))
    return callbacks


def _check_resume_config(run_dir: Path, cfg: TrainConfig) -> None:
    saved = read_json(run_dir / TRAIN_CONFIG_FILE, "training config")
    now = cfg.to_dict()
    # A setting added in a later release, absent from an older run, counts as its default.
    defaults = {f.name: f.default for f in dataclasses.fields(TrainConfig) if f.default is not dataclasses.MISSING}
    saved = {**{k: v for k, v in defaults.items() if k not in saved and v is not None}, **saved}
    for key in sorted(set(saved) | set(now)):
        if saved.get(key) != now.get(key):
            raise CBenchError(f"--resume with changed settings: {key} was {saved.get(key)!r}, now {now.get(key)!r}")


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


def train(cfg: TrainConfig, instance: Instance, run_dir: Path, objective, resume: bool = False, progress: bool = True,
          extra_callbacks: list | None = None, eval_settings=None) -> tuple[Any, TrainResult]:
    """Train ``objective`` on ``instance``; writes checkpoint/, logs/ and the curve under ``run_dir``.

    The periodic evaluation samples with ``eval_settings`` (default: greedy), so that `cbench run`'s
    curve uses the same decoding as its final metrics.

    Returns the LightningModule (for sampling) and the training figures.
    """
    import lightning as L
    from lightning.pytorch.loggers import CSVLogger

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
    rows_np = objective.build_rows(enc, instance, vocab)
    rows = {k: torch.from_numpy(v) for k, v in rows_np.items()}
    model_cfg = build_model_config(cfg, instance, vocab, objective.causal)
    compile_model = cfg.compile == "on" or (cfg.compile == "auto" and device == "cuda")
    module = CreativityModule(model_cfg, objective, cfg, compile_model=compile_model)

    def sidecar(step: int) -> dict[str, Any]:
        return checkpoint_sidecar(cfg, model_cfg, objective, instance, vocab, step)

    start_step = 0
    if resume:
        # mmap: only the step is needed here; Lightning reads the tensors once, in fit().
        start_step = int(torch.load(resume_path, map_location="cpu", weights_only=True, mmap=True).get("global_step", 0))
    callbacks = _callbacks(cfg, ckpt_dir, run_dir, instance, vocab, objective, sidecar, progress, eval_settings) + list(extra_callbacks or [])
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
        enable_progress_bar=progress,
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
            return step_loader(rows, cfg.batch_size, cfg.seed, start, cfg.steps, trainer.global_rank, trainer.world_size, pin_memory=device == "cuda")

    checkpointing = callbacks[0]
    previous = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)}

    def request_stop(signum, frame):
        if checkpointing.stop_requested:  # a second Ctrl-C stops at once
            raise KeyboardInterrupt
        checkpointing.stop_requested = True

    t0 = time.perf_counter()
    try:
        for s in previous:
            signal.signal(s, request_stop)
        trainer.fit(module, datamodule=Loaders(), ckpt_path=str(resume_path) if resume else None, weights_only=True)
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)
    wall = time.perf_counter() - t0
    if trainer.global_rank != 0:
        # Data-parallel workers end here: rank 0 alone writes the weights, samples and scores
        # (Lightning's DDP launcher re-runs the same command in each worker process).
        raise SystemExit(0)
    if checkpointing.stop_requested or trainer.global_step < cfg.steps:
        raise TrainingInterrupted(f"training stopped at step {trainer.global_step} of {cfg.steps}; continue with --resume")

    save_weights(ckpt_dir, {"model": module.model, "extra": module.extra}, sidecar(trainer.global_step))
    # Lightning's teardown leaves the module on the CPU: bring it back, so that the caller
    # samples on the device it trained on.
    module.to(trainer.strategy.root_device)
    done_steps = cfg.steps - start_step
    first = next(iter(rows.values()))
    scored = (rows["targets"] != -100) if "targets" in rows else rows.get("region", torch.ones_like(first, dtype=torch.bool))
    answer_per_row = float(scored.sum()) / first.shape[0]
    tokens = done_steps * cfg.batch_size * first.shape[1]
    loss = trainer.callback_metrics.get("train/loss")
    result = TrainResult(
        steps=cfg.steps,
        tokens=tokens,
        answer_tokens=int(done_steps * cfg.batch_size * answer_per_row),
        wall_time_s=round(wall, 3),
        tokens_per_s=round(tokens / wall, 1) if wall > 0 else 0.0,
        device=torch.cuda.get_device_name() if device == "cuda" else "cpu",
        dtype=precision,
        params_total=module.model.num_params() + (sum(p.numel() for p in module.extra.parameters()) if module.extra else 0),
        params_non_embedding=module.model.num_params(non_embedding=True),
        final_loss=float(loss) if loss is not None else None,
        curve=callbacks[1].curve,
        resumed_from=start_step,
    )
    return module, result


def sampling_device(name: str = "auto") -> str:
    """auto: a CUDA GPU when there is one, else the CPU."""
    if name == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if name not in ("cpu", "cuda"):
        raise CBenchError(f"device must be auto, cpu or cuda, got '{name}'")
    if name == "cuda" and not torch.cuda.is_available():
        raise CBenchError("device cuda was asked for, but no CUDA GPU is available")
    return name


def load_for_sampling(ckpt_dir: Path, instance: Instance | None = None, device: str = "cpu"):
    """Rebuild (objective, model, extra, instance, vocab, sidecar) from a checkpoint directory,
    with the model and extra module on ``device`` (cpu, cuda or auto)."""
    from creativity_bench.models.backbone import GPT
    from creativity_bench.models.checkpoint import load_weights, read_sidecar
    from creativity_bench.models.objectives import make_objective
    from creativity_bench.tasks import get_task

    ckpt_dir = Path(ckpt_dir)
    if ckpt_dir.is_file():
        ckpt_dir = ckpt_dir.parent
    side = read_sidecar(ckpt_dir)
    try:
        header, fp = side["instance"], side["instance"]["fingerprint"]
        if instance is None:
            cls = get_task(header["name"])
            if header["version"] != cls.version:
                raise CBenchError(f"{ckpt_dir}: trained on {cls.name} version {header['version']}, this release has {cls.version}")
            instance = cls(cls.params_class.from_dict(header["params"])).generate(header["seed"])
        if instance.fingerprint != fp:
            raise CBenchError(f"{ckpt_dir}: checkpoint was trained on another instance (fingerprint {fp[:12]}, given {instance.fingerprint[:12]})")
        vocab = Vocabulary.for_instance(instance)
        if vocab.tokens != side["vocab"]:
            raise CBenchError(f"{ckpt_dir}: checkpoint vocabulary does not match the instance")
        objective = make_objective(side["objective"]["name"], instance.name, side["objective"]["params"])
        model_cfg = ModelConfig(**side["model_config"])
    except (KeyError, TypeError) as exc:
        raise CBenchError(f"{ckpt_dir / CONFIG_FILE}: malformed checkpoint config ({exc})") from None
    model = GPT(model_cfg)
    extra = objective.extra_module(model_cfg)
    load_weights(ckpt_dir, {"model": model, "extra": extra})
    device = sampling_device(device)
    model.to(device).eval()
    if extra is not None:
        extra.to(device)
    return objective, model, extra, instance, vocab, side
