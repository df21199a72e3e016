"""The closed vocabulary of a task instance and the encoding of sequences to token ids.

Every sequence is ``[seed tokens][prompt marker][answer tokens][eos]``, right-padded. Seed
characters are single tokens; entity tokens come from the task. No BPE.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from creativity_bench.seeding import SEED_ALPHABET
from creativity_bench.tasks.base import Instance, Sample

PAD, EOS, DUMMY, MASK = "<pad>", "<eos>", "<dummy>", "<mask>"
SPECIALS = (PAD, EOS, DUMMY, MASK)
MASK_ID = SPECIALS.index(MASK)  # every vocabulary starts with the specials


class Vocabulary:
    """Token strings to ids and back; the same instance params always give the same ids."""

    def __init__(self, tokens: list[str]) -> None:
        if len(set(tokens)) != len(tokens):
            raise ValueError("duplicate tokens in vocabulary")
        self.tokens = list(tokens)
        self.ids = {t: i for i, t in enumerate(self.tokens)}
        self.pad, self.eos, self.dummy, self.mask = (self.ids[t] for t in SPECIALS)

    @classmethod
    def for_instance(cls, instance: Instance) -> Vocabulary:
        return cls(list(SPECIALS) + list(SEED_ALPHABET) + instance.task.entity_tokens())

    def __len__(self) -> int:
        return len(self.tokens)

    def encode(self, text: str) -> list[int]:
        """Space-separated tokens to ids (KeyError on unknown tokens)."""
        return [self.ids[t] for t in text.split()]

    def decode(self, ids) -> str:
        """Ids to space-separated tokens."""
        return " ".join(self.tokens[i] for i in ids)

    def answer_text(self, ids) -> str:
        """Generated answer ids to the answer string: everything before the first eos."""
        out = []
        for i in ids:
            if i == self.eos:
                break
            out.append(self.tokens[i])
        return " ".join(out)


@dataclass
class Encoded:
    """A set of encoded sequences: ids (N, T) right-padded, where each answer starts, and lengths."""

    ids: np.ndarray  # int64 (N, T)
    answer_start: np.ndarray  # int64 (N,) index of the first answer token
    length: np.ndarray  # int64 (N,) tokens including eos


def prompt_ids(vocab: Vocabulary, seed: str, prompt: str) -> list[int]:
    """``[seed chars][prompt marker]`` as ids."""
    return [vocab.ids[c] for c in seed] + [vocab.ids[prompt]]


def encode_samples(vocab: Vocabulary, samples: list[Sample], width: int | None = None) -> Encoded:
    """Encode training samples; ``width`` pads to a fixed sequence length."""
    rows = []
    starts = []
    for s in samples:
        head = prompt_ids(vocab, s.seed, s.prompt)
        rows.append(head + vocab.encode(s.answer) + [vocab.eos])
        starts.append(len(head))
    lengths = np.array([len(r) for r in rows], dtype=np.int64)
    width = width or int(lengths.max())
    ids = np.full((len(rows), width), vocab.pad, dtype=np.int64)
    for i, r in enumerate(rows):
        ids[i, : len(r)] = r
    return Encoded(ids, np.array(starts, dtype=np.int64), lengths)


def max_answer_tokens(instance: Instance) -> int:
    """The longest answer of the task in tokens (every coherent answer has this length)."""
    return max(len(s.answer.split()) for s in instance.train if instance.task.is_memorizable(s))


def answer_width(instance: Instance) -> int:
    """The longest answer plus eos: how many tokens sampling generates after a prompt."""
    return max_answer_tokens(instance) + 1


def sequence_width(instance: Instance) -> int:
    """Seed + prompt + answer + eos: the model's block size for this instance."""
    longest_train = max(len(s.seed) + 1 + len(s.answer.split()) + 1 for s in instance.train)
    longest_eval = instance.task.params.seed_length + 1 + answer_width(instance)
    return max(longest_train, longest_eval)
