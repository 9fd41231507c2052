"""utils.results: CVResult summarises per-split scores and validates them."""

import numpy as np
import pytest

from utils.results import CVResult


def test_summary_in_percent():
    r = CVResult(scores=[0.8, 0.9], test_indices=[np.arange(2), np.arange(2, 4)], label="m")
    assert r.mean == pytest.approx(0.85) and r.std == pytest.approx(0.05)
    assert r.summary() == "85.0% (5.0)"
    assert str(r) == "m: 85.0% (5.0) over 2 splits"


@pytest.mark.parametrize("scores, folds, message", [
    ([], [], "non-empty 1-D"),
    ([[0.5]], [np.arange(1)], "non-empty 1-D"),
    ([0.5, 0.6], [np.arange(1)], "got 2 scores but 1 test folds"),
])
def test_rejects_inconsistent_results(scores, folds, message):
    with pytest.raises(ValueError, match=message):
        CVResult(scores=scores, test_indices=folds)
