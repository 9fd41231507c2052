"""utils.findings.compare on accuracies (more cases in test_findings.py) and utils.evaluation.SubsampledStratifiedKFold."""

from utils.evaluation import SubsampledStratifiedKFold
from utils.findings import compare
from utils.results import CVResult

import numpy as np
import pytest

FOLDS = [np.array([0, 1]), np.array([2, 3]), np.array([4, 5]), np.array([6, 7]), np.array([8, 9])]


def result(scores, label="", folds=FOLDS, **flags):
    return CVResult(
        scores=np.asarray(scores, float),
        test_indices=folds,
        label=label,
        **{k: np.asarray(v, bool) for k, v in flags.items()},
    )


def test_compare_helped_hurt_and_no_clear_effect():
    base = result([0.50, 0.52, 0.48, 0.51, 0.49])
    better = result([0.60, 0.63, 0.57, 0.62, 0.58])
    noisy = result([0.60, 0.42, 0.58, 0.41, 0.49])
    assert compare(better, base, n_train=4000, n_test=1000).verdict == "helped"
    assert compare(base, better, n_train=4000, n_test=1000).verdict == "hurt"
    c = compare(noisy, base, n_train=4000, n_test=1000)
    assert c.verdict == "no clear effect" and c.test.ci_low < 0 < c.test.ci_high and c.contains(0.0)
    assert str(compare(better, base, n_train=4000, n_test=1000)).startswith("helped (+10.0 points, 95% CI [")


def test_a_collapsed_or_diverged_split_is_never_read_as_an_effect():
    base = result([0.50, 0.52, 0.48, 0.51, 0.49], "none")
    # Scores far below the baseline, but because the splits collapsed, not because of the method.
    dead = result([0.1, 0.1, 0.1, 0.1, 0.1], "rate 0.8", collapsed=[True] * 5, diverged=[False] * 5)
    c = compare(dead, base, n_train=4000, n_test=1000)
    assert c.verdict == "training failed" and c.test is None
    assert c.failure == "rate 0.8: 5 of 5 splits collapsed"
    nan = result([0.5] * 5, "big lr", diverged=[True, False, False, False, False], collapsed=[False] * 5)
    assert compare(base, nan, n_train=4000, n_test=1000).verdict == "training failed"
    assert "1 of 5 splits diverged" in str(compare(base, nan, n_train=4000, n_test=1000))


def test_compare_needs_the_same_splits():
    other = [f + 10 for f in FOLDS]
    with pytest.raises(ValueError, match="same splits"):
        compare(result([0.5] * 5), result([0.5] * 5, folds=other), n_train=100, n_test=10)
    with pytest.raises(ValueError, match="must be a CVResult"):
        compare([0.5] * 5, result([0.5] * 5), n_train=100, n_test=10)


def test_half_width_is_the_ci_radius():
    c = compare(
        result([0.60, 0.42, 0.58, 0.41, 0.49]),
        result([0.50, 0.52, 0.48, 0.51, 0.49]),
        n_train=4000,
        n_test=1000,
    )
    assert c.test.half_width == pytest.approx((c.test.ci_high - c.test.ci_low) / 2)
    assert c.test.ci_low == pytest.approx(c.test.mean_difference - c.test.half_width)


def labels(n_per_class=(300, 200, 100)):
    return np.repeat(np.arange(len(n_per_class)), n_per_class)  # sorted by label, like Sonar


@pytest.mark.parametrize("train_size", [30, 120, 480])
def test_subsampled_folds_are_stratified_disjoint_and_cover_every_row_once(train_size):
    y = labels()
    splits = list(SubsampledStratifiedKFold(5, train_size, random_state=3).split(np.zeros((len(y), 2)), y))
    assert len(splits) == 5
    tested = np.concatenate([test for _, test in splits])
    assert np.array_equal(np.sort(tested), np.arange(len(y))), "each row is tested exactly once"
    for train, test in splits:
        assert len(train) == train_size and np.all(np.diff(train) > 0)
        assert not set(train) & set(test)
        # stratified: class shares of the sample within one row of the population's
        expected = np.bincount(y) / len(y) * train_size
        assert np.all(np.abs(np.bincount(y[train], minlength=3) - expected) <= 1.0)
        assert np.all(np.abs(np.bincount(y[test], minlength=3) - np.bincount(y) / 5) <= 1.0)


def test_subsample_lies_in_its_own_fold_and_full_size_means_the_whole_fold():
    y = labels()
    full = list(SubsampledStratifiedKFold(5, None, random_state=3).split(None, y))
    sub = list(SubsampledStratifiedKFold(5, 100, random_state=3).split(None, y))
    same = list(SubsampledStratifiedKFold(5, 480, random_state=3).split(None, y))
    for (ftrain, ftest), (strain, stest), (atrain, _atest) in zip(full, sub, same):
        assert np.array_equal(ftest, stest) and set(strain) <= set(ftrain)
        assert np.array_equal(ftrain, atrain)  # 480 rows is the whole training fold


def test_subsampling_is_seeded():
    y = labels()
    a = [tr for tr, _ in SubsampledStratifiedKFold(5, 50, random_state=1).split(None, y)]
    b = [tr for tr, _ in SubsampledStratifiedKFold(5, 50, random_state=1).split(None, y)]
    c = [tr for tr, _ in SubsampledStratifiedKFold(5, 50, random_state=2).split(None, y)]
    assert all(np.array_equal(p, q) for p, q in zip(a, b))
    assert not all(np.array_equal(p, q) for p, q in zip(a, c))


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(n_splits=1), "n_splits"),
        (dict(n_splits=2.5), "n_splits"),
        (dict(train_size=1), "train_size"),
        (dict(train_size="all"), "train_size"),
        (dict(random_state=-1), "random_state"),
    ],
)
def test_subsampled_kfold_rejects_bad_settings(kwargs, message):
    with pytest.raises(ValueError, match=message):
        SubsampledStratifiedKFold(**kwargs)


def test_subsample_larger_than_the_fold_is_an_error():
    with pytest.raises(ValueError, match="exceeds the 480 rows"):
        list(SubsampledStratifiedKFold(5, 500).split(None, labels()))


# --- Bad input named in the user's terms (issue 16, item 4) ----------------------------------------


@pytest.mark.parametrize(
    "X, y, message",
    [
        (np.zeros((30, 2)), None, r"y must be the class labels, one per row of X \(a 1-D array\), got None"),
        (np.zeros((10, 2)), labels((25, 25)), "X has 10 rows but y has 50 labels"),
        (None, labels((30, 2)), r"class 1 has only 2 rows \(of 32 in y\), but stratified 5-fold"),
        (None, np.zeros((6, 2)), "y must be a non-empty 1-D array"),
    ],
    ids=["y None", "X and y of different lengths", "a class of 2 rows", "2-D y"],
)
def test_subsampled_kfold_names_the_problem_with_the_data(X, y, message):
    with pytest.raises(ValueError, match=message):
        list(SubsampledStratifiedKFold(5, 20).split(X, y))


@pytest.mark.parametrize(
    "n_splits, train_size, y, message",
    [
        (5, 2, labels(), r"train_size=2: .* must lie between 3 and 477"),
        (5, 479, labels(), r"train_size=479: .* must lie between 3 and 477 \(or be 480"),
        (2, 10, labels((30, 2)), r"class 1 has 2 rows in all, so a training fold holds only 1 row of it"),
    ],
)
def test_subsampled_kfold_names_a_sample_it_cannot_draw(n_splits, train_size, y, message):
    with pytest.raises(ValueError, match=message):
        list(SubsampledStratifiedKFold(n_splits, train_size).split(None, y))


def test_subsampled_kfold_checks_every_split_before_yielding_one():
    # 11 rows in 2 folds: training folds of 5 and 6 rows. train_size=5 is the whole first fold, but a
    # stratified 5 of the second's 6 rows would leave 1 row out for 2 classes: refused before the
    # first split is used, not after.
    splits = SubsampledStratifiedKFold(2, 5).split(None, labels((6, 5)))
    with pytest.raises(ValueError, match=r"train_size=5: .* a 6-row training fold"):
        next(splits)
