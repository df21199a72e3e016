"""Reading a samples file (``{"prompt_id": i, "answer": "..."}`` per line) and scoring it."""

from __future__ import annotations

from pathlib import Path

from creativity_bench.errors import CBenchError
from creativity_bench.io import iter_jsonl
from creativity_bench.scoring.metrics import SampleVerdict, Scores, score_answers
from creativity_bench.tasks.base import Instance


def read_samples(path: Path | str, instance: Instance) -> tuple[list[int], list[str]]:
    """Prompt ids and answers, refusing unknown or duplicated prompt ids and malformed lines.

    An answer that is not a string is kept (and judged invalid): scorers are total, but the
    file's structure must be right so that every sample maps to one evaluation prompt.
    """
    known = {e.prompt_id for e in instance.eval}
    ids: list[int] = []
    answers: list[str] = []
    seen: dict[int, int] = {}
    for line, obj in iter_jsonl(path):
        pid = obj.get("prompt_id")
        if not isinstance(pid, int) or isinstance(pid, bool):
            raise CBenchError(f"{path}:{line}: field 'prompt_id' missing or not an integer")
        if "answer" not in obj:
            raise CBenchError(f"{path}:{line}: field 'answer' missing")
        if pid not in known:
            raise CBenchError(f"{path}:{line}: prompt_id {pid} is not an evaluation prompt of this instance (0..{len(known) - 1})")
        if pid in seen:
            raise CBenchError(f"{path}:{line}: prompt_id {pid} repeats line {seen[pid]}")
        seen[pid] = line
        answer = obj["answer"]
        ids.append(pid)
        answers.append(answer if isinstance(answer, str) else "")
    if not ids:
        raise CBenchError(f"{path}: no samples")
    return ids, answers


def score_file(path: Path | str, instance: Instance) -> tuple[Scores, list[SampleVerdict]]:
    """Score a samples file against an instance."""
    ids, answers = read_samples(path, instance)
    return score_answers(instance, answers, ids)
