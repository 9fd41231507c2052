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


def _history(n_splits=3, epochs=4, train_loss=0.2):
    ones = np.ones((n_splits, epochs))
    return {
        "loss": 0.3 * ones,
        "accuracy": 0.9 * ones,
        "train_eval_loss": train_loss * ones,
        "train_eval_accuracy": 0.95 * ones,
        "val_loss": 0.4 * ones,
        "val_accuracy": np.linspace(0.5, 0.8, epochs) * ones,
    }


def test_from_history_scores_the_last_epoch_and_flags_failed_splits():
    y = np.array([0, 1] * 6)
    splits = [
        (np.arange(12)[np.arange(12) % 3 != k], np.arange(12)[np.arange(12) % 3 == k]) for k in range(3)
    ]
    history = _history()
    history["loss"][1, 2] = np.nan  # split 2 diverged
    history["train_eval_loss"][2, -1] = np.log(
        2
    )  # split 3 ends at the constant guess of two balanced classes
    result = CVResult.from_history(history, splits, y, seconds=1.5, label="run", models=None)
    np.testing.assert_allclose(result.scores, [0.8, 0.8, 0.8])
    assert [t.tolist() for t in result.test_indices] == [s[1].tolist() for s in splits]
    assert result.diverged.tolist() == [False, True, False]
    assert result.collapsed.tolist() == [False, False, True]
    assert result.label == "run" and result.seconds == 1.5 and result.models is None


def test_from_history_refuses_a_history_that_does_not_match():
    y = np.array([0, 1] * 6)
    splits = [(np.arange(8), np.arange(8, 12))]
    with pytest.raises(ValueError, match="history has 3 splits, but 1 were given"):
        CVResult.from_history(_history(), splits, y, seconds=0.0)
    with pytest.raises(ValueError, match=r"history lacks \['val_accuracy'\]"):
        CVResult.from_history(
            {k: v for k, v in _history(1).items() if k != "val_accuracy"}, splits, y, seconds=0.0
        )
