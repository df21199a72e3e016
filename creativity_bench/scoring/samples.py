"""Reading a samples file (``{"prompt_id": i, "answer": "..."}`` per line) and scoring it.

The one reader of samples files: `cbench score`, the leaderboard verifier and papers use it.
"""

from __future__ import annotations

from pathlib import Path
from typing import NamedTuple

from creativity_bench.errors import CBenchError
from creativity_bench.io import iter_jsonl
from creativity_bench.scoring.metrics import SampleVerdict, Scores, score_answers
from creativity_bench.tasks.base import Instance


class Samples(NamedTuple):
    """A samples file's prompt ids, answers and (read with ``seeds=True``) seeds, in file order."""

    prompt_ids: list[int]
    answers: list[str]
    seeds: list[str] | None = None


def json_type(value: object) -> str:
    """The JSON name of a value's type, for error messages."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    return {list: "an array", dict: "an object"}.get(type(value), type(value).__name__)


def read_samples(path: Path | str, instance: Instance, seeds: bool = False, complete: bool = False) -> Samples:
    """Prompt ids and answers, refusing unknown or duplicated prompt ids and malformed lines.

    An answer must be a string (the model's text, possibly empty or garbage, which is judged
    invalid); a number, null, list or object is malformed input, refused with its line.
    ``seeds``: every line carries its prompt's seed, which must be the instance's (samples of
    another instance are refused); ``complete``: every evaluation prompt has a sample.
    """
    seed_of = {e.prompt_id: e.seed for e in instance.eval}
    ids: list[int] = []
    answers: list[str] = []
    line_seeds: list[str] = []
    seen: dict[int, int] = {}
    for line, obj in iter_jsonl(path):
        pid = obj.get("prompt_id")
        if not isinstance(pid, int) or isinstance(pid, bool):
            raise CBenchError(f"{path}:{line}: field 'prompt_id' missing or not an integer")
        if "answer" not in obj:
            raise CBenchError(f"{path}:{line}: field 'answer' missing")
        if not isinstance(obj["answer"], str):
            raise CBenchError(f"{path}:{line}: field 'answer' must be a string, got {json_type(obj['answer'])}")
        if pid not in seed_of:
            raise CBenchError(f"{path}:{line}: prompt_id {pid} is not an evaluation prompt of this instance (0..{len(seed_of) - 1})")
        if pid in seen:
            raise CBenchError(f"{path}:{line}: prompt_id {pid} repeats line {seen[pid]}")
        if seeds:
            if not isinstance(obj.get("seed"), str):
                raise CBenchError(f"{path}:{line}: field 'seed' missing or not a string")
            if obj["seed"] != seed_of[pid]:
                raise CBenchError(f"{path}:{line}: prompt_id {pid} has another seed than this instance's (from another instance?)")
            line_seeds.append(obj["seed"])
        seen[pid] = line
        answer = obj["answer"]
        ids.append(pid)
        answers.append(answer)
    if not ids:
        raise CBenchError(f"{path}: no samples")
    missing = len(seed_of) - len(seen)
    if complete and missing:
        raise CBenchError(f"{path}: {missing} of {len(seed_of)} evaluation prompts have no sample")
    return Samples(ids, answers, line_seeds if seeds else None)


def score_file(path: Path | str, instance: Instance) -> tuple[Scores, list[SampleVerdict]]:
    """Score a samples file against an instance."""
    samples = read_samples(path, instance)
    return score_answers(instance, samples.answers, samples.prompt_ids)
