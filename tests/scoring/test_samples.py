"""Reading samples files: a line whose answer is not a string, or whose prompt_id is not an
integer, is malformed input (a one-line error naming the file and line), never scored as empty."""

from __future__ import annotations

import json

import pytest

from creativity_bench.errors import CBenchError
from creativity_bench.scoring import read_samples, score_file
from creativity_bench.tasks import make_task


@pytest.fixture(scope="module")
def circle():
    return make_task("circle", "smoke").generate(0)


def write(path, rows: list[dict]):
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


@pytest.mark.parametrize(("answer", "kind"), [(42, "a number"), (1.5, "a number"), (None, "null"), (["V0", "V1"], "an array"),
                                              (True, "a boolean"), (False, "a boolean"), ({"text": "V0 V1"}, "an object")])
def test_an_answer_that_is_not_a_string_is_malformed(circle, tmp_path, answer, kind):
    path = write(tmp_path / "samples.jsonl", [{"prompt_id": 0, "answer": "V0 V1"}, {"prompt_id": 1, "answer": answer}])
    for read in (lambda: read_samples(path, circle), lambda: score_file(path, circle)):
        with pytest.raises(CBenchError) as caught:
            read()
        assert str(caught.value) == f"{path}:2: field 'answer' must be a string, got {kind}"


@pytest.mark.parametrize("prompt_id", [True, False, 1.0, "1", None, [1]])
def test_a_prompt_id_that_is_not_an_integer_is_malformed(circle, tmp_path, prompt_id):
    path = write(tmp_path / "samples.jsonl", [{"prompt_id": prompt_id, "answer": "V0 V1"}])
    with pytest.raises(CBenchError, match=r"samples\.jsonl:1: field 'prompt_id' missing or not an integer$"):
        read_samples(path, circle)


def test_any_string_is_an_answer(circle, tmp_path):
    """Empty, garbage or JSON-looking strings are the model's text: read, then judged invalid."""
    path = write(tmp_path / "samples.jsonl", [{"prompt_id": 0, "answer": ""}, {"prompt_id": 1, "answer": "null"},
                                              {"prompt_id": 2, "answer": "42"}])
    samples = read_samples(path, circle)
    assert samples.prompt_ids == [0, 1, 2] and samples.answers == ["", "null", "42"]
    scores, _ = score_file(path, circle)
    assert scores.n == 3 and scores.validity == 0.0
