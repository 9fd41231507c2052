"""utils.evaluation: the scikeras recipe is stratified and shuffled, whatever cv the caller passes."""

import utils.evaluation as evaluation
from utils.evaluation import (
    KerasClassifier,
    check_class_counts,
    check_training_folds,
    make_reference_pipeline,
    reference_cv,
    resolve_cv,
    resolve_splits,
)
from utils.models import build_mlp
from utils.results import TrainingFailureWarning

import numpy as np
import pytest
from sklearn.base import is_classifier
from sklearn.model_selection import KFold, RepeatedStratifiedKFold, StratifiedKFold, check_cv


def tiny_model():
    return build_mlp(hidden_units=(4,), learning_rate=0.05)


def test_wrapper_is_a_classifier_so_integer_cv_is_stratified():
    clf = KerasClassifier(model=tiny_model)
    assert is_classifier(clf)
    y = np.array([0] * 10 + [1] * 10)
    assert isinstance(check_cv(5, y, classifier=is_classifier(clf)), StratifiedKFold)


def test_resolve_cv_integer_is_stratified_and_shuffled():
    cv = resolve_cv(10, seed=3)
    assert isinstance(cv, StratifiedKFold) and cv.shuffle and cv.random_state == 3 and cv.n_splits == 10


def test_resolve_cv_keeps_an_explicit_splitter():
    explicit = KFold(3)
    assert resolve_cv(explicit) is explicit


@pytest.mark.parametrize("bad", [1, 0, True, "10", 2.5, None])
def test_resolve_cv_rejects_bad_values(bad):
    with pytest.raises(ValueError, match="cv must be"):
        resolve_cv(bad)


def test_pipeline_scales_then_classifies():
    pipe = make_reference_pipeline(tiny_model, epochs=3, batch_size=8, seed=1)
    assert [name for name, _ in pipe.steps] == ["scale", "model"]
    assert pipe.named_steps["model"].epochs == 3 and pipe.named_steps["model"].random_state == 1


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(epochs=0), "epochs must be an integer >= 1"),
        (dict(batch_size=-2), "batch_size must be an integer >= 1"),
    ],
)
def test_pipeline_rejects_bad_settings(kwargs, message):
    with pytest.raises(ValueError, match=message):
        make_reference_pipeline(tiny_model, **kwargs)


def test_pipeline_rejects_a_non_callable():
    with pytest.raises(ValueError, match="build_fn must be a callable"):
        make_reference_pipeline("not a model")


def test_reference_cv_on_label_sorted_data_gets_stratified_shuffled_folds(sonar):
    # Sonar's rows are sorted by label: unstratified, unshuffled folds would be one-class.
    result = reference_cv(
        lambda: build_mlp(hidden_units=(4,)), sonar.X, sonar.y, cv=4, epochs=1, batch_size=64, seed=0
    )
    assert result.scores.shape == (4,)
    overall = sonar.y.mean()
    for test in result.test_indices:
        assert abs(sonar.y[test].mean() - overall) < 0.03, "a test fold is not stratified"
        assert not np.all(np.diff(np.sort(test)) == 1), "a test fold is a contiguous block: not shuffled"
    assert np.array_equal(np.sort(np.concatenate(result.test_indices)), np.arange(len(sonar.y)))


def test_reference_cv_rejects_mismatched_data(sonar):
    with pytest.raises(ValueError, match="X must be 2-D and y 1-D"):
        reference_cv(tiny_model, sonar.X, sonar.y[:-1], epochs=1)


def test_reference_cv_flags_failed_folds_and_uses_the_seed_for_its_folds(sonar):
    # Learning rate 1e3, 2 folds, 2 epochs: every fold ends at a constant guess (Keras clips the predicted
    # probabilities in its cross-entropy, so the loss stays finite), is flagged, and is warned about.
    def exploding():
        return build_mlp(learning_rate=1e3)

    with pytest.warns(TrainingFailureWarning, match="2 of 2 splits collapsed"):
        result = reference_cv(exploding, sonar.X, sonar.y, cv=2, epochs=2, batch_size=64, seed=5)
    assert result.diverged.dtype == bool and result.diverged.tolist() == [False, False]
    assert result.collapsed.dtype == bool and result.collapsed.tolist() == [True, True]
    # An integer cv means StratifiedKFold(cv, shuffle=True, random_state=seed): the seed is used.
    want = StratifiedKFold(2, shuffle=True, random_state=5).split(sonar.X, sonar.y)
    for got, (_, test) in zip(result.test_indices, want):
        np.testing.assert_array_equal(got, test)


@pytest.mark.filterwarnings("ignore::utils.results.TrainingFailureWarning")  # 1 epoch: not trained
def test_reference_cv_verbose_prints_one_line_per_fold_on_stdout(sonar, capsys):
    result = reference_cv(
        lambda: build_mlp(hidden_units=(4,)),
        sonar.X,
        sonar.y,
        cv=2,
        epochs=1,
        batch_size=64,
        seed=0,
        verbose=3,
    )
    lines = [line for line in capsys.readouterr().out.splitlines() if line.startswith("[CV] END")]
    assert len(lines) == 2, f"expected one '[CV] END' line per fold on stdout, got {lines}"
    printed = sorted(float(line.split("score=")[1].split()[0]) for line in lines)
    assert printed == sorted(round(float(s), 3) for s in result.scores), (printed, result.scores)


@pytest.mark.filterwarnings("ignore::utils.results.TrainingFailureWarning")  # 1 epoch: not trained
def test_reference_cv_is_silent_by_default(sonar, capsys):
    reference_cv(
        lambda: build_mlp(hidden_units=(4,)), sonar.X, sonar.y, cv=2, epochs=1, batch_size=64, seed=0
    )
    assert "[CV]" not in capsys.readouterr().out


@pytest.mark.parametrize("bad", [-1, True, 1.5, "3"])
def test_reference_cv_rejects_a_bad_verbose(sonar, bad):
    with pytest.raises(ValueError, match="verbose must be an integer >= 0"):
        reference_cv(tiny_model, sonar.X, sonar.y, epochs=1, verbose=bad)


# --- Too few rows of a class, named before any training (issue 16, item 2) -------------------------


def test_check_class_counts_names_each_short_class_with_its_rows():
    y = np.array([0] * 20 + [1] * 3 + [2] * 1)
    with pytest.raises(
        ValueError,
        match=r"^class 1 has only 3 rows and class 2 has only 1 row \(of 24 in y\), but stratified 5-fold "
        r"cross-validation needs at least 5 rows of every class",
    ):
        check_class_counts(y, 5)
    with pytest.raises(ValueError, match=r"class 'M' has only 1 row \(of 11 in y\).*stratified 2-fold"):
        check_class_counts(np.array(["R"] * 10 + ["M"]), 2)
    with pytest.raises(ValueError, match=r"y holds a single class 0 \(5 rows\): classification needs two"):
        check_class_counts(np.zeros(5, int), 2)
    check_class_counts(np.array([0] * 5 + [1] * 5), 5)  # exactly enough


def test_check_training_folds_names_a_split_that_trains_on_one_class():
    y = np.array([0] * 6 + [1] * 6)  # sorted by label, like Sonar
    unshuffled = list(KFold(2).split(np.zeros((12, 1))))
    with pytest.raises(
        ValueError, match=r"split 0's training fold holds only class 1 \(6 rows\).*StratifiedKFold"
    ):
        check_training_folds(y, unshuffled)
    check_training_folds(y, list(StratifiedKFold(2).split(np.zeros((12, 1)), y)))


def test_resolve_splits_checks_stratified_splitters_per_pass(sonar):
    splits = resolve_splits(5, sonar.X, sonar.y, seed=3)
    for (train, test), (want_train, want_test) in zip(
        splits, StratifiedKFold(5, shuffle=True, random_state=3).split(sonar.X, sonar.y)
    ):
        np.testing.assert_array_equal(train, want_train)
        np.testing.assert_array_equal(test, want_test)
    y = np.array([0] * 20 + [1] * 4)
    X = np.zeros((24, 2))
    for cv in (5, StratifiedKFold(5), RepeatedStratifiedKFold(n_splits=5, n_repeats=2)):
        with pytest.raises(ValueError, match="class 1 has only 4 rows.*stratified 5-fold"):
            resolve_splits(cv, X, y)
    with pytest.raises(ValueError, match="X has 23 rows but y has 24 labels"):
        resolve_splits(4, X[:-1], y)


def test_reference_cv_names_a_class_too_small_for_the_folds_before_training(sonar, monkeypatch):
    # One row of a class: on 5d230b1 the folds trained, then the failure check raised about
    # "constant_loss", a name the user never passed.
    def no_training(*args, **kwargs):
        raise AssertionError("trained before checking the classes")

    monkeypatch.setattr(evaluation, "cross_validate", no_training)
    y = sonar.y.copy()
    y[y == 1] = 0
    y[-1] = 1  # a single mine among 207 rocks
    with pytest.raises(ValueError, match=r"class 1 has only 1 row \(of 208 in y\).*stratified 2-fold"):
        reference_cv(tiny_model, sonar.X, y, cv=2, epochs=1)
    with pytest.raises(ValueError, match="split 0's training fold holds only class 1"):
        reference_cv(tiny_model, sonar.X, sonar.y, cv=KFold(2), epochs=1)
