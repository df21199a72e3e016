"""Training batches keyed to the global step, so that a resumed run sees exactly the same data.

The index stream is the concatenation of per-epoch permutations (each seeded by the training
seed and the epoch); batch ``s`` is the slice ``[s*B, (s+1)*B)`` of that stream. A run
resumed at step ``s`` starts its loader at ``s``: no replay, no skipped or repeated data.
Under data parallelism each rank takes every ``world``-th row of the global batch. Each batch
also carries every row's global position in the stream (``ROW_POSITION``), the key of its
training noise (``models/noise.py``).
"""

from __future__ import annotations

import numpy as np
import torch
from torch.utils.data import DataLoader, IterableDataset

from creativity_bench.seeding import below, derive_key, permutation, words

ROW_POSITION = "position"


class StepBatches(IterableDataset):
    """Yields the (rank's share of the) global batch for each step ``start .. stop-1``.

    An iterable, not an indexable dataset: Lightning cannot then re-index it on resume, and
    the position in the data is exactly the restored global step.
    """

    def __init__(self, rows: dict[str, torch.Tensor], batch_size: int, seed: int, start: int, stop: int, rank: int = 0, world: int = 1,
                 replacement: bool = False) -> None:
        self.rows = rows
        self.n = next(iter(rows.values())).shape[0]
        self.batch_size = batch_size
        self.seed = seed
        self.start, self.stop = start, stop
        self.rank, self.world = rank, world
        self.replacement = replacement
        self._perms: dict[int, np.ndarray] = {}

    def _perm(self, epoch: int) -> np.ndarray:
        if epoch not in self._perms:
            if len(self._perms) > 4:
                self._perms.clear()
            self._perms[epoch] = permutation(derive_key("train-order", self.seed, epoch), self.n)
        return self._perms[epoch]

    def indices(self, step: int) -> np.ndarray:
        """Row indices of the global batch at ``step``: the next slice of the epoch permutations,
        or (with replacement) independent uniform draws keyed to (seed, step, slot)."""
        if self.replacement:
            return below(words(derive_key("train-draw", self.seed, step), self.batch_size)[:, 0], self.n)
        first = step * self.batch_size
        out = []
        need = self.batch_size
        pos = first
        while need:
            epoch, offset = divmod(pos, self.n)
            take = min(need, self.n - offset)
            out.append(self._perm(epoch)[offset : offset + take])
            need -= take
            pos += take
        return np.concatenate(out)

    def batch(self, step: int) -> dict[str, torch.Tensor]:
        idx = torch.from_numpy(self.indices(step)[self.rank :: self.world])
        position = torch.arange(step * self.batch_size, (step + 1) * self.batch_size)[self.rank :: self.world]
        return {**{k: v[idx] for k, v in self.rows.items()}, ROW_POSITION: position}

    def __iter__(self):
        for step in range(self.start, self.stop):
            yield self.batch(step)


def step_loader(rows: dict[str, torch.Tensor], batch_size: int, seed: int, start: int, stop: int, rank: int = 0, world: int = 1,
                pin_memory: bool = False, replacement: bool = False) -> DataLoader:
    """A loader over steps ``start..stop-1``; batches are built in the dataset (batch_size=None)."""
    data = StepBatches(rows, batch_size, seed, start, stop, rank, world, replacement)
    return DataLoader(data, batch_size=None, shuffle=False, num_workers=0, pin_memory=pin_memory)
