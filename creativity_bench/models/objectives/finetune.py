"""Fine-tuning on verifier rewards: what rejection sampling (``rft``) and group-relative policy
gradient (``grpo``) share. This module registers nothing; ``rft.py`` and ``grpo.py`` do.

Each training row is a prompt: the task's evaluation marker after a fresh seed, drawn from the
row's own key (the training seed and the row's global position, ``RowNoise``), never a training
or evaluation seed. At each step the current model draws G answers per prompt (no gradient,
KV cache, temperature sampling keyed to the training seed and the row, so a row's draws do not
depend on the batch size), the task's checker rewards each draw (``models/rewards.py``), and a
teacher-forced pass over prompt + draw recomputes the draw's token log-probabilities with
gradient. The loss is

    - 1/(B G W) * sum_draws weight(draw) * sum_{answer tokens t} log p(t)

over the B rows of the batch, W the answer width (answer tokens plus eos, the decoding
length), the answer tokens running up to and including the first eos. ``rft`` weighs a draw by
its reward (next-token training on the rewarded draws), ``grpo`` by its advantage in its group.
A constant normaliser keeps each row's share independent of the batch and of answer lengths.

Compute (``training_flops``): per row, G decodings (a forward pass over the row's width), G
teacher-forced forward and backward passes, and with grpo's KL penalty G forward passes of the
frozen reference: each charged as the backbone's FLOPs over the full width whether or not a
draw stopped early, so a compute budget buys a fixed number of steps (docs/finetuning.md).

Start (``pretrain``): with ``pretrain`` 0 the run starts from a trained model (``--init-from``,
which it needs); with ``pretrain`` p > 0 it trains from scratch, its first steps plain next-token
prediction on the training samples (the ``ntp`` objective's rows and loss, run by the trainer)
until they have spent the share p of the run's training FLOPs (``config.pretrain_steps``), then
this loss. A run from ``--init-from`` has ``pretrain`` 0 (TrainConfig fills it in; a given p > 0
with ``--init-from`` is refused).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
import torch
import torch.nn as nn

from creativity_bench.errors import CBenchError
from creativity_bench.models.objectives.base import Objective, ObjectiveParams, TrainingRows
from creativity_bench.models.rewards import Verifier, check_reward
from creativity_bench.seeding import SEED_ALPHABET, derive_key

FINETUNE = "finetune"  # the rows' context: the run's Setup
SEED_IDS = "seed_ids"  # the rows' context: vocabulary ids of the seed characters (moved to the device once)
MAX_DRAWS = 64
# The default share of a from-scratch run's training FLOPs spent on next-token prediction before
# fine-tuning: what a leaderboard entry (default parameters, no --init-from) runs. Untuned: a
# model must write coherent answers to earn rewards, and next-token prediction learns the cpu
# tier's circle in about 560-900 steps, and three quarters of its budget buy 633 of them.
DEFAULT_PRETRAIN = 0.75


@dataclass(frozen=True)
class FinetuneParams(ObjectiveParams):
    """``reward``: valid, novel or creative (docs/finetuning.md); ``draws``: answers drawn per
    prompt at each step (the group, G); ``temperature``: of those draws; ``pretrain``: the share
    of the run's training FLOPs spent on next-token prediction from scratch first (0: start from
    ``--init-from`` instead; a run from ``--init-from`` gets 0)."""

    reward: str = "creative"
    draws: int = 4
    temperature: float = 1.0
    pretrain: float = DEFAULT_PRETRAIN

    def validate(self) -> None:
        check_reward(self.reward)
        if not 0 <= self.pretrain < 1:
            raise CBenchError(f"pretrain must be in [0, 1) (a share of the run's training FLOPs), got {self.pretrain}")
        if not 1 <= self.draws <= MAX_DRAWS:
            raise CBenchError(f"draws must be between 1 and {MAX_DRAWS}, got {self.draws}")
        if not self.temperature > 0:
            raise CBenchError(f"temperature must be positive, got {self.temperature}")


@dataclass(frozen=True)
class Setup:
    """What the loss needs of the instance for the whole run."""

    vocab: Any  # Vocabulary
    verifier: Verifier
    seed_length: int
    max_new: int  # answer width: answer tokens plus eos
    forbidden: frozenset[str]  # training and evaluation seeds


class Reference(nn.Module):
    """A frozen copy of the starting model, the KL penalty's reference: no gradient, never in
    training mode (no dropout); saved and restored with the weights like any extra module."""

    def __init__(self, model_cfg) -> None:
        super().__init__()
        from creativity_bench.models.backbone import GPT

        self.model = GPT(model_cfg)
        self.model.requires_grad_(False)
        self.model.eval()

    def train(self, mode: bool = True) -> Reference:
        return super().train(False)


def prompt_rows(instance, vocab) -> TrainingRows:
    """One row per training sample with the evaluation marker: ``inputs`` hold the marker after
    ``seed_length`` placeholders (the loss puts a fresh seed there) and padding up to the width of
    a teacher-forced prompt + answer; ``scored`` marks the answer positions."""
    from creativity_bench.models.tokenizer import answer_width

    marker = instance.task.eval_marker
    n = sum(s.prompt == marker for s in instance.train)
    if not n:
        raise CBenchError(f"{instance.name}: no training sample has the prompt {marker!r} to fine-tune on")
    length, max_new = instance.task.params.seed_length, answer_width(instance)
    width = length + max_new  # seed + marker + answer + eos, less one (teacher forcing)
    inputs = np.full((n, width), vocab.pad, dtype=np.int64)
    inputs[:, length] = vocab.ids[marker]
    scored = np.zeros((n, width), dtype=bool)
    scored[:, length:] = True
    forbidden = frozenset(s.seed for s in instance.train if s.seed) | frozenset(e.seed for e in instance.eval)
    setup = Setup(vocab, Verifier.for_instance(instance), length, max_new, forbidden)
    seed_ids = torch.tensor([vocab.ids[c] for c in SEED_ALPHABET], dtype=torch.long)
    return TrainingRows({"inputs": inputs}, scored, {FINETUNE: setup, SEED_IDS: seed_ids})


def seed_text(codes: np.ndarray) -> str:
    return "".join(SEED_ALPHABET[c] for c in codes)


def fresh_prompts(noise, markers: torch.Tensor, setup: Setup, seed_ids: torch.Tensor) -> torch.Tensor:
    """Prompts (B, seed_length + 1): a fresh seed per row, keyed to the row, then its marker. A seed
    that is a training or evaluation seed is redrawn from the row's next key."""
    length, alphabet = setup.seed_length, len(SEED_ALPHABET)
    codes = noise.integers("prompt-seed", alphabet, length)
    attempt = 0
    while length:
        bad = [i for i, row in enumerate(codes.cpu().numpy()) if seed_text(row) in setup.forbidden]
        if not bad:
            break
        attempt += 1
        codes[bad] = noise.integers(f"prompt-seed-{attempt}", alphabet, length)[bad]
    return torch.cat([seed_ids[codes], markers[:, None]], dim=1)


def draw_seed(training_seed: int) -> int:
    """The sampling seed of a run's draws: its own, never an evaluation's sampling seed."""
    return derive_key("finetune-draws", training_seed) >> 1


def draw_answers(model, prompts: torch.Tensor, rows: torch.Tensor, params: FinetuneParams, setup: Setup, training_seed: int) -> torch.Tensor:
    """G answers (B*G, max_new) per prompt, grouped by prompt: temperature sampling with the KV
    cache and no gradient, in evaluation mode; draw g of row r has prompt id r*G + g."""
    from creativity_bench.models.sampling import SamplingSettings, decode_left_to_right

    g = params.draws
    grouped = prompts.repeat_interleave(g, dim=0)
    ids = rows.repeat_interleave(g) * g + torch.arange(g, device=rows.device).repeat(rows.numel())
    settings = SamplingSettings(mode="temperature", temperature=params.temperature, seed=draw_seed(training_seed))
    was_training = model.training
    model.eval()
    try:
        return decode_left_to_right(model, grouped, ids, setup.max_new, settings, setup.vocab)
    finally:
        model.train(was_training)


def answer_mask(answers: torch.Tensor, eos: int) -> torch.Tensor:
    """The answer tokens of each draw: up to and including its first eos (all, without one)."""
    is_eos = (answers == eos).long()
    return (is_eos.cumsum(1) - is_eos) == 0


def answer_log_probs(model, prompts: torch.Tensor, answers: torch.Tensor) -> torch.Tensor:
    """log p(answer token | prompt, earlier answer tokens) (B, max_new), by one teacher-forced pass."""
    seq = torch.cat([prompts, answers], dim=1)
    logits = model(seq[:, :-1])[:, prompts.shape[1] - 1 :]
    return torch.log_softmax(logits.float(), dim=-1).gather(-1, answers[..., None]).squeeze(-1)


class FineTuning(Objective):
    """A verifier-reward fine-tuning objective; subclasses weigh each draw (``draw_weights``)."""

    description = "Fine-tuning on the task checker's rewards (abstract)."
    params_class: ClassVar[type[ObjectiveParams]] = FinetuneParams
    params: FinetuneParams
    # A fine-tuner: it starts from a trained model, --init-from's or (pretrain > 0) its own
    # next-token phase's; `needs_init` says which.
    requires_init: ClassVar[bool] = True

    def needs_init(self) -> bool:
        return self.params.pretrain == 0

    def pretrain_share(self) -> float:
        return self.params.pretrain

    def draw_weights(self, rewards: torch.Tensor) -> torch.Tensor:
        """Each draw's weight in the loss (B, G) from its reward (B, G)."""
        raise NotImplementedError

    def kl_weight(self) -> float:
        """The KL penalty's weight (0: none, and no reference model)."""
        return 0.0

    def build_rows(self, enc, instance, vocab) -> TrainingRows:
        return prompt_rows(instance, vocab)

    def training_flops(self, model_cfg, width: int) -> float:
        # Per row: G decodings and, with a KL penalty, G reference passes (forward only, a third
        # of forward and backward), and G teacher-forced forward and backward passes.
        from creativity_bench.models.flops import backbone_training_flops

        train = width * backbone_training_flops(model_cfg, width)
        forwards = 1 + (1 if self.kl_weight() > 0 else 0)
        return self.params.draws * (train + forwards * train / 3)

    def extra_module(self, model_cfg) -> nn.Module | None:
        return Reference(model_cfg) if self.kl_weight() > 0 else None

    def on_init_from(self, model, extra) -> None:
        """Called once the backbone holds the weights fine-tuning starts from: the --init-from
        weights, or at the first step after the next-token phase (pretrain > 0). Not on a resume
        past that point, which restores the reference with everything else. The reference
        becomes a copy of them."""
        if isinstance(extra, Reference):
            extra.model.load_state_dict(model.state_dict())

    def loss(self, model, extra, batch, noise, context) -> torch.Tensor:
        setup: Setup = context[FINETUNE]
        g = self.params.draws
        prompts = fresh_prompts(noise, batch["inputs"][:, setup.seed_length], setup, context[SEED_IDS])
        answers = draw_answers(model, prompts, noise.rows, self.params, setup, noise.seed)
        texts = [setup.vocab.answer_text(row) for row in answers.tolist()]
        rewards = setup.verifier.rewards(self.params.reward, texts, g)
        weights = self.draw_weights(torch.tensor(rewards, dtype=torch.float32, device=answers.device).view(-1, g)).reshape(-1)
        grouped = prompts.repeat_interleave(g, dim=0)
        mask = answer_mask(answers, setup.vocab.eos)
        log_probs = answer_log_probs(model, grouped, answers)
        scale = answers.shape[0] * setup.max_new
        loss = -(weights * (log_probs * mask).sum(1)).sum() / scale
        if self.kl_weight() > 0 and extra is not None:
            with torch.no_grad():
                reference = answer_log_probs(extra.model, grouped, answers)
            delta = reference - log_probs  # k3 = e^d - d - 1 >= 0, an unbiased estimate of KL(model || reference)
            loss = loss + self.kl_weight() * ((delta.exp() - delta - 1) * mask).sum() / scale
        # Logged beside the loss by the training module (train/reward).
        loss.log_values = {"reward": sum(rewards) / len(rewards)}
        return loss
