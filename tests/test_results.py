"""utils.results: CVResult summarises per-split scores and flags, and validates them."""

from utils.results import (
    COLLAPSE_FRACTION,
    CVResult,
    TrainingFailureWarning,
    collapsed_splits,
    constant_guess_loss,
)

import numpy as np
import pytest


def test_summary_in_percent():
    r = CVResult(scores=[0.8, 0.9], test_indices=[np.arange(2), np.arange(2, 4)], label="m")
    assert r.mean == pytest.approx(0.85) and r.std == pytest.approx(0.05)
    assert r.summary() == "85.0% (5.0)"
    assert str(r) == "m: 85.0% (5.0) over 2 splits"


@pytest.mark.parametrize(
    "scores, folds, message",
    [
        ([], [], "non-empty 1-D"),
        ([[0.5]], [np.arange(1)], "non-empty 1-D"),
        ([0.5, 0.6], [np.arange(1)], "got 2 scores but 1 test folds"),
    ],
)
def test_rejects_inconsistent_results(scores, folds, message):
    with pytest.raises(ValueError, match=message):
        CVResult(scores=scores, test_indices=folds)


# --- Failure flags (issue 11, point 1) -------------------------------------------------------------


@pytest.mark.parametrize(
    "y, want",
    [
        (np.array([0, 1] * 50), np.log(2)),  # two balanced classes
        (np.arange(10).repeat(7), np.log(10)),  # ten balanced classes
        (np.array([0, 0, 0, 1]), -(0.75 * np.log(0.75) + 0.25 * np.log(0.25))),
        (np.array([2, 2, 5, 5]), np.log(2)),  # unused labels do not count
        (np.array([1, 1, 1]), 0.0),  # one class: a constant guess is perfect
    ],
)
def test_constant_guess_loss_is_the_entropy_of_the_class_frequencies(y, want):
    assert constant_guess_loss(y) == pytest.approx(want)


@pytest.mark.parametrize(
    "bad",
    [np.array([], int), np.array([[0, 1]]), np.array([0.0, 1.0]), np.array([-1, 0]), np.array(["a", "b"])],
)
def test_constant_guess_loss_rejects_bad_labels(bad):
    with pytest.raises(ValueError, match="non-empty 1-D array of non-negative integer labels"):
        constant_guess_loss(bad)


def test_collapsed_splits_are_those_no_better_than_a_constant_guess():
    ln2 = np.log(2)
    loss = [0.1, COLLAPSE_FRACTION * ln2 * 0.999, COLLAPSE_FRACTION * ln2, ln2, 5.0, np.nan, np.inf]
    assert collapsed_splits(loss, ln2).tolist() == [False, False, True, True, True, False, False]
    # One constant loss per split is used split by split.
    assert collapsed_splits([0.5, 0.5], [0.5, 2.0]).tolist() == [True, False]


@pytest.mark.parametrize(
    "loss, constant, message",
    [
        ([], 0.7, "non-empty 1-D"),
        ([[0.5]], 0.7, "non-empty 1-D"),
        ([0.5], 0.0, "positive and finite"),
        ([0.5], np.nan, "positive and finite"),
        ([0.5, 0.5], [0.7, -1.0], "positive and finite"),
    ],
)
def test_collapsed_splits_rejects_bad_input(loss, constant, message):
    with pytest.raises(ValueError, match=message):
        collapsed_splits(loss, constant)


FOLDS = [np.arange(2), np.arange(2, 4), np.arange(4, 6)]


def test_flags_are_counted_summarised_and_warned_about():
    r = CVResult(
        scores=[0.5, 0.9, 0.5],
        test_indices=FOLDS,
        label="m",
        diverged=np.array([True, False, False]),
        collapsed=np.array([False, False, True]),
    )
    assert r.failed.tolist() == [True, False, True] and r.n_failed == 2
    assert r.failure_note() == "1 of 3 splits diverged; 1 of 3 splits collapsed"
    assert r.summary() == "63.3% (18.9) [1 of 3 splits diverged; 1 of 3 splits collapsed]"
    with pytest.warns(TrainingFailureWarning, match="^m: 1 of 3 splits diverged; 1 of 3 splits collapsed"):
        r.warn_if_failed()


def test_unchecked_or_clean_flags_mean_no_failure(recwarn):
    for flags in (None, np.zeros(3, bool)):
        r = CVResult(scores=[0.5, 0.9, 0.5], test_indices=FOLDS, diverged=flags, collapsed=flags)
        assert r.n_failed == 0 and r.failure_note() == "" and "[" not in r.summary()
        r.warn_if_failed()
    assert not [w for w in recwarn if issubclass(w.category, TrainingFailureWarning)]


@pytest.mark.parametrize("name", ["diverged", "collapsed"])
@pytest.mark.parametrize(
    "flags",
    [
        np.array([True, False]),  # one entry short
        np.array([[True, False, True]]),  # 2-D
        np.array([1, 0, 1]),  # not boolean
        np.array([np.nan, 0.0, 1.0]),
    ],
)
def test_flags_must_be_one_boolean_per_split(name, flags):
    with pytest.raises(ValueError, match=f"{name} must be a boolean array with one entry per split"):
        CVResult(scores=[0.5, 0.9, 0.5], test_indices=FOLDS, **{name: flags})


def test_flags_given_as_a_list_of_bools_become_an_array():
    r = CVResult(scores=[0.5, 0.9, 0.5], test_indices=FOLDS, diverged=[True, False, False])
    assert isinstance(r.diverged, np.ndarray) and r.diverged.dtype == bool and r.n_failed == 1
