"""The report's figures: error bars stay inside [0, 1], where every metric lives."""

from __future__ import annotations

import pytest

from creativity_bench.report.figures import clipped_errors


def test_error_bars_are_clipped_to_the_unit_interval():
    below, above = clipped_errors([0.02, 0.5, 0.98, 0.0], [0.05, 0.1, 0.05, None])
    assert below == pytest.approx([0.02, 0.1, 0.05, 0.0])
    assert above == pytest.approx([0.05, 0.1, 0.02, 0.0])
    means = [0.02, 0.5, 0.98]
    lo, hi = clipped_errors(means, [0.3, 0.3, 0.3])
    assert min(m - b for m, b in zip(means, lo)) >= 0 and max(m + a for m, a in zip(means, hi)) <= 1


def test_report_notes_an_all_zero_column():
    from creativity_bench.report.build import empty_notes

    doc = {"preset": "smoke", "rows": [{"task": "circle", "creativity": 0.0}, {"task": "circle", "creativity": 0.0},
                                       {"task": "sibling", "creativity": 0.2}]}
    notes = empty_notes(doc)
    assert notes[1] == "Empty columns:" and len(notes) == 4 and notes[3].startswith("- `circle`: every creativity is 0: the training set covers")
    assert empty_notes({"preset": "smoke", "rows": [{"task": "sibling", "creativity": 0.2}]}) == []
