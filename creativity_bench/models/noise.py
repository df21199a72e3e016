"""Training noise keyed to each row, not to the batch: the same row gets the same draws whatever
the batch size, the number of devices or the gradient accumulation.

A row's key is its global position in the training stream (``step * batch_size + slot``), so it
also encodes the step. Draws are counter-based (splitmix64, as ``creativity_bench.seeding``),
computed on the batch's device with integer tensor ops: no host round trip on a GPU.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from creativity_bench.seeding import GOLDEN, derive_key

_MASK53 = (1 << 53) - 1


def _signed(x: int) -> int:
    """A 64-bit constant as the int64 that has its bits (torch has no uint64 arithmetic)."""
    return x - (1 << 64) if x >= 1 << 63 else x


_M1, _M2, _GOLDEN = _signed(0xBF58476D1CE4E5B9), _signed(0x94D049BB133111EB), _signed(GOLDEN)


def _shr(z: torch.Tensor, k: int) -> torch.Tensor:
    """Logical right shift of int64 bit patterns (torch's >> is arithmetic)."""
    return (z >> k) & ((1 << (64 - k)) - 1)


def mix64(z: torch.Tensor) -> torch.Tensor:
    """splitmix64's finaliser on int64 tensors (wrapping arithmetic), bit-equal to seeding's."""
    z = (z ^ _shr(z, 30)) * _M1
    z = (z ^ _shr(z, 27)) * _M2
    return z ^ _shr(z, 31)


def keyed_words(key: int, counters: torch.Tensor) -> torch.Tensor:
    """Random 64-bit words (as int64), word i depending only on (key, counters[i])."""
    return mix64(_signed(key & ((1 << 64) - 1)) + (counters + 1) * _GOLDEN)


def to_unit(words: torch.Tensor) -> torch.Tensor:
    """Words to float64 uniforms in [0, 1) (53 random bits)."""
    return (_shr(words, 11) & _MASK53).double() * (1.0 / (1 << 53))


@dataclass(frozen=True)
class RowNoise:
    """The random draws of one batch of training rows.

    ``rows`` holds each row's global position (step * global_batch + slot); every draw depends
    only on (training seed, tag, row position, element), so splitting the global batch over
    devices or micro-batches gives every row the noise it would get in one batch.
    """

    seed: int
    rows: torch.Tensor  # (B,) int64
    global_batch: int

    def _key(self, *tag: object) -> int:
        return derive_key("objective-noise", self.seed, *tag)

    def uniform(self, tag: str, width: int | None = None) -> torch.Tensor:
        """Float64 uniforms, (B,) or (B, width)."""
        if width is None:
            return to_unit(keyed_words(self._key(tag), self.rows))
        counters = self.rows[:, None] * width + torch.arange(width, device=self.rows.device)[None, :]
        return to_unit(keyed_words(self._key(tag, width), counters))

    def integers(self, tag: str, high: int, width: int) -> torch.Tensor:
        """Integers in [0, high), (B, width) (bias at most high / 2**53)."""
        return (self.uniform(tag, width) * high).long().clamp_(max=high - 1)

    def stratified(self, tag: str) -> torch.Tensor:
        """Low-discrepancy uniforms: row k of a step's global batch gets (u_step + k / B) mod 1,
        with u_step one uniform per step, so the batch covers [0, 1) evenly (MDLM's time sampler)."""
        step = torch.div(self.rows, self.global_batch, rounding_mode="floor")
        slot = self.rows - step * self.global_batch
        offset = to_unit(keyed_words(self._key(tag, "step"), step))
        return torch.remainder(offset + slot.double() / self.global_batch, 1.0)

    @classmethod
    def for_rows(cls, seed: int, rows: torch.Tensor, global_batch: int) -> RowNoise:
        return cls(seed, rows.long(), global_batch)
