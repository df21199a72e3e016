"""The one seeding helper: counter-based random words that are the same on every machine.

Every random draw in task generation is ``splitmix64(key + counter * GOLDEN)`` for a key
derived from (task name, instance seed, purpose). Item ``i`` of a stream is random-access
(no state to replay), vectorises with numpy, and does not depend on numpy's generator
algorithms, which may change between releases.
"""

from __future__ import annotations

import hashlib

import numpy as np

MASK64 = (1 << 64) - 1
GOLDEN = 0x9E3779B97F4A7C15
SEED_ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789"


def derive_key(*parts: object) -> int:
    """A 64-bit key from any sequence of labels (stable: sha256 of their repr)."""
    digest = hashlib.sha256(repr(parts).encode()).digest()
    return int.from_bytes(digest[:8], "little")


def _mix_scalar(z: int) -> int:
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9 & MASK64
    z = (z ^ (z >> 27)) * 0x94D049BB133111EB & MASK64
    return z ^ (z >> 31)


def _mix_array(z: np.ndarray) -> np.ndarray:
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return z ^ (z >> np.uint64(31))


def words(key: int, n: int, width: int = 1) -> np.ndarray:
    """Random uint64 words of shape (n, width); row i depends only on (key, i)."""
    counters = np.arange(1, n * width + 1, dtype=np.uint64).reshape(n, width)
    with np.errstate(over="ignore"):
        return _mix_array(np.uint64(key) + counters * np.uint64(GOLDEN))


def below(w: np.ndarray, bound: int) -> np.ndarray:
    """Map words to integers in [0, bound) (bias at most bound / 2**64)."""
    return (w % np.uint64(bound)).astype(np.int64)


class Stream:
    """A sequential random stream for inherently sequential constructions (graphs)."""

    def __init__(self, key: int) -> None:
        self.key = key
        self.counter = 0

    def word(self) -> int:
        """The next 64-bit word."""
        self.counter += 1
        return _mix_scalar((self.key + self.counter * GOLDEN) & MASK64)

    def below(self, bound: int) -> int:
        """An integer in [0, bound)."""
        return self.word() % bound

    def choice(self, items: list):
        """One element of a non-empty list."""
        return items[self.below(len(items))]


def permutation(key: int, n: int) -> np.ndarray:
    """A random permutation of range(n) (argsort of random words, ties by index)."""
    return np.argsort(words(key, n)[:, 0], kind="stable")


def sample_without_replacement(key: int, space: int, n: int) -> np.ndarray:
    """``n`` distinct integers from [0, space), uniformly, in random order.

    Dense draws take a prefix of a random permutation; sparse ones draw with replacement
    and redraw collisions (the earlier index keeps its value) under a fresh key per round.
    """
    if n > space:
        raise ValueError(f"cannot draw {n} distinct values from {space}")
    if n * 4 >= space:
        return permutation(key, space)[:n]
    values = below(words(key, n)[:, 0], space)
    todo = _repeats(values, np.zeros(0, dtype=np.int64))
    attempt = 0
    while todo.size:
        attempt += 1
        fresh = below(words(derive_key(key, "redraw", attempt), todo.size)[:, 0], space)
        values[todo] = fresh
        keep = np.setdiff1d(np.arange(n), todo, assume_unique=True)
        todo = todo[_repeats(values[todo], values[keep])]
        todo = np.sort(todo)
    return values


def _repeats(candidates: np.ndarray, accepted: np.ndarray) -> np.ndarray:
    """Positions in ``candidates`` that repeat an accepted value or an earlier candidate."""
    _, first = np.unique(candidates, return_index=True)
    dup = np.ones(candidates.size, dtype=bool)
    dup[first] = False
    dup |= np.isin(candidates, accepted)
    return np.flatnonzero(dup)


def seed_strings(key: int, n: int, length: int) -> np.ndarray:
    """``n`` random seed strings of ``length`` characters from a-z0-9 (may repeat)."""
    alphabet = np.frombuffer(SEED_ALPHABET.encode(), dtype=np.uint8)
    codes = alphabet[below(words(key, n, length), len(SEED_ALPHABET))]
    return codes.view(f"S{length}").reshape(n).astype(f"U{length}")


def unique_seed_strings(key: int, n: int, length: int, forbidden: frozenset[str] = frozenset()) -> list[str]:
    """``n`` distinct seed strings, none in ``forbidden``; redraws collisions deterministically."""
    if length == 0:
        return [""] * n
    seeds = seed_strings(key, n, length)
    attempt = 0
    while True:
        seen: set[str] = set(forbidden)
        bad = []
        for i, s in enumerate(seeds.tolist()):
            if s in seen:
                bad.append(i)
            else:
                seen.add(s)
        if not bad:
            return seeds.tolist()
        attempt += 1
        seeds[bad] = seed_strings(derive_key(key, "redraw", attempt), len(bad), length)
