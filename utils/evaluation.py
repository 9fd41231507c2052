"""The reference evaluation: scikeras + scikit-learn, exactly as the source did it.

StandardScaler and a scikeras ``KerasClassifier`` in a ``Pipeline`` (so the
scaler is fitted on the training folds only), scored by accuracy over
stratified, shuffled k-fold cross-validation.

A pitfall is handled here. With scikit-learn >= 1.7, scikeras 0.13's
``KerasClassifier`` does not report itself as a classifier
(``sklearn.base.is_classifier`` is False), so an integer ``cv=10`` silently
means *unshuffled, unstratified* ``KFold``. On Sonar, whose rows are sorted by
label, that puts mostly one class in some test folds. :class:`KerasClassifier`
below restores the classifier tags, and :func:`resolve_cv` turns an integer
into an explicit ``StratifiedKFold(shuffle=True)``, so no caller gets
unstratified folds by accident.

:func:`resolve_splits` makes the splits of both this recipe and the fast engine, and checks them
against the labels before any training: a class with fewer rows than stratified k-fold needs
(:func:`check_class_counts`), or a training fold of a single class (:func:`check_training_folds`),
is named with its counts.
"""

from __future__ import annotations

from utils.checks import check_int
from utils.results import CVResult, collapsed_splits, constant_guess_loss
from utils.seed import DEFAULT_SEED

import numbers
import time
from collections.abc import Callable

import numpy as np
import scikeras.wrappers
from sklearn.model_selection import RepeatedStratifiedKFold, StratifiedKFold, cross_validate, train_test_split
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils import ClassifierTags


class KerasClassifier(scikeras.wrappers.KerasClassifier):
    """scikeras' ``KerasClassifier`` that scikit-learn recognises as a classifier."""

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.estimator_type = "classifier"
        tags.classifier_tags = ClassifierTags()
        return tags


def resolve_cv(cv, seed: int = DEFAULT_SEED):
    """Return a splitter: an integer ``k`` becomes ``StratifiedKFold(k, shuffle=True)``.

    Parameters
    ----------
    cv:
        Number of folds (>= 2), or any scikit-learn splitter (an object with
        ``split`` and ``get_n_splits``), which is returned unchanged.
    seed:
        ``random_state`` of the stratified splitter made from an integer.
    """
    if isinstance(cv, numbers.Integral) and not isinstance(cv, bool):
        if cv < 2:
            raise ValueError(f"cv must be at least 2 folds, got {cv}")
        return StratifiedKFold(
            n_splits=int(cv), shuffle=True, random_state=check_int("seed", seed, minimum=0)
        )
    if hasattr(cv, "split") and hasattr(cv, "get_n_splits"):
        return cv
    raise ValueError(
        f"cv must be a number of folds or a scikit-learn splitter such as "
        f"StratifiedKFold(10, shuffle=True, random_state=0), got {cv!r}"
    )


def _rows(count: int) -> str:
    return f"{count} row" if count == 1 else f"{count} rows"


def _class_name(label) -> str:
    """``class 2`` or ``class 'M'``: a label as the user wrote it (NumPy scalars as Python values)."""
    value = label.item() if isinstance(label, np.generic) else label
    return f"class {value!r}"


def check_labels(y, X=None) -> np.ndarray:
    """Return ``y`` as a 1-D array, or raise ``ValueError`` unless it holds one label per row of ``X``.

    ``X`` may be ``None`` (only ``y`` is checked).
    """
    if y is None:
        raise ValueError("y must be the class labels, one per row of X (a 1-D array), got None")
    labels = np.asarray(y)
    if labels.ndim != 1 or labels.size == 0:
        raise ValueError(f"y must be a non-empty 1-D array of class labels, got shape {labels.shape}")
    if X is not None and len(X) != labels.size:
        raise ValueError(
            f"X has {len(X)} rows but y has {labels.size} labels: they must match, one label per row"
        )
    return labels


def check_class_counts(y, n_splits: int) -> None:
    """Raise ``ValueError`` unless ``y`` has two or more classes and at least ``n_splits`` rows of each.

    Stratified ``n_splits``-fold cross-validation puts rows of every class into every test fold; a
    class with fewer rows leaves some folds without it (scikit-learn only warns), and a class with one
    row leaves a training fold without it. The message names each class that is short, with its count.
    """
    n_splits = check_int("n_splits", n_splits, minimum=2)
    classes, counts = np.unique(check_labels(y), return_counts=True)
    if len(classes) < 2:
        raise ValueError(
            f"y holds a single {_class_name(classes[0])} ({_rows(int(counts[0]))}): classification needs two "
            "or more classes"
        )
    short = [f"{_class_name(c)} has only {_rows(int(n))}" for c, n in zip(classes, counts) if n < n_splits]
    if short:
        raise ValueError(
            f"{' and '.join(short)} (of {len(y)} in y), but stratified {n_splits}-fold cross-validation needs at least "
            f"{n_splits} rows of every class (one in each test fold): use fewer folds, or collect more rows "
            "of that class"
        )


def check_training_folds(y, splits) -> None:
    """Raise ``ValueError`` naming the first split whose training fold holds fewer than two classes.

    A network trained on one class learns nothing, and the engine's check for failed training (a loss no
    better than a constant guess of the class frequencies) needs two classes to mean anything.
    ``splits`` is a sequence of ``(train, test)`` index arrays.
    """
    labels = check_labels(y)
    for k, (train, _) in enumerate(splits):
        classes, counts = np.unique(labels[np.asarray(train)], return_counts=True)
        if len(classes) < 2:
            held = f"only {_class_name(classes[0])} ({_rows(int(counts[0]))})" if len(classes) else "no rows"
            raise ValueError(
                f"split {k}'s training fold holds {held}: every training fold needs two or more classes. "
                "Use a stratified, shuffled splitter, e.g. cv=StratifiedKFold(5, shuffle=True, random_state=0)"
            )


def _folds_per_pass(splitter) -> int | None:
    """The number of stratified folds each pass of ``splitter`` makes, or ``None`` if it is not k-fold stratified."""
    if isinstance(splitter, (StratifiedKFold, SubsampledStratifiedKFold)):
        return splitter.n_splits
    if isinstance(splitter, RepeatedStratifiedKFold):
        return splitter.cvargs.get("n_splits")
    return None


def resolve_splits(cv, X, y, seed: int = DEFAULT_SEED) -> list[tuple[np.ndarray, np.ndarray]]:
    """The ``(train, test)`` index arrays of ``cv`` (see :func:`resolve_cv`) on ``X, y``, checked before training.

    Raises ``ValueError`` naming the class and its rows when a stratified k-fold ``cv`` has fewer than k
    rows of a class (:func:`check_class_counts`), and naming the split when a training fold would hold
    a single class (:func:`check_training_folds`), so that no mistake shows only after training.
    """
    splitter = resolve_cv(cv, seed)
    labels = check_labels(y, X)
    folds = _folds_per_pass(splitter)
    if folds is not None:
        check_class_counts(labels, folds)
    splits = [(np.asarray(train), np.asarray(test)) for train, test in splitter.split(X, labels)]
    check_training_folds(labels, splits)
    return splits


class SubsampledStratifiedKFold:
    """Stratified, shuffled k-fold cross-validation with training folds cut down to ``train_size`` rows.

    Each split tests on one whole fold (so every row is tested exactly once over the ``n_splits``
    splits) and trains on a stratified random sample of ``train_size`` rows of the other folds.
    This measures how a model does with *less* training data while keeping the test folds large,
    which a learning-curve experiment needs: with 5,000 rows and ``n_splits=5``, every training set
    of 100 to 4,000 rows is scored on 1,000 test rows.

    For the corrected resampled t-test of the resulting scores, use ``n_train`` and ``n_test`` of
    the *full* folds (e.g. 4,000 and 1,000): subsampled training sets overlap less than full folds,
    so that correction is, if anything, conservative.

    Parameters
    ----------
    n_splits:
        Number of folds (>= 2).
    train_size:
        Training rows per split, or ``None`` for the whole training fold. Must not exceed the
        training fold's size.
    random_state:
        Seeds the folds and the subsamples: the same value gives the same splits.
    """

    def __init__(self, n_splits: int = 5, train_size: int | None = None, *, random_state: int = DEFAULT_SEED):
        self.n_splits = check_int("n_splits", n_splits, minimum=2)
        self.train_size = (
            None if train_size is None else check_int("train_size (or None)", train_size, minimum=2)
        )
        self.random_state = check_int("random_state", random_state, minimum=0)

    def get_n_splits(self, X=None, y=None, groups=None) -> int:
        """Number of splits."""
        return self.n_splits

    def split(self, X, y, groups=None):
        """Yield ``(train, test)`` index arrays; ``train`` is sorted.

        ``X`` may be ``None``; if given, it must have one row per label. Every split is checked before
        the first is yielded: ``ValueError`` names a class with fewer than ``n_splits`` rows, and a
        ``train_size`` that a stratified sample of a training fold cannot have.
        """
        y = check_labels(y, X)
        check_class_counts(y, self.n_splits)
        folds = StratifiedKFold(self.n_splits, shuffle=True, random_state=self.random_state)
        splits = list(folds.split(np.zeros((len(y), 1)), y))
        if self.train_size is not None:
            for train, _ in splits:
                self._check_train_size(y, train)
        for k, (train, test) in enumerate(splits):
            if self.train_size is None or self.train_size == len(train):
                yield train, test
                continue
            sample, _ = train_test_split(
                train, train_size=self.train_size, stratify=y[train], random_state=self.random_state + k
            )
            yield np.sort(sample), test

    def _check_train_size(self, y, train) -> None:
        """Raise ``ValueError`` unless a stratified sample of ``train_size`` rows can be drawn from ``train``."""
        size, rows = self.train_size, len(train)
        if size > rows:
            raise ValueError(
                f"train_size={size} exceeds the {rows} rows of a training fold ({self.n_splits}-fold splits of "
                f"{len(y)} rows): use train_size=None for the whole fold, or at most {rows}"
            )
        if size == rows:
            return
        classes, counts = np.unique(y[train], return_counts=True)
        if size < len(classes) or rows - size < len(classes):
            raise ValueError(
                f"train_size={size}: a stratified sample of a {rows}-row training fold keeps at least one row of "
                f"each of the {len(classes)} classes and leaves at least one of each out, so train_size must lie "
                f"between {len(classes)} and {rows - len(classes)} (or be {rows}, or None for the whole fold)"
            )
        if counts.min() < 2:
            short = classes[counts < 2]
            raise ValueError(
                f"{_class_name(short[0])} has {_rows(int((y == short[0]).sum()))} in all, so a training fold "
                f"holds only {_rows(int(counts.min()))} of it; a stratified sample of a training fold needs at "
                "least 2 rows of every class there: collect more rows of that class, or use train_size=None"
            )

    def __repr__(self) -> str:
        return (
            f"SubsampledStratifiedKFold(n_splits={self.n_splits}, train_size={self.train_size}, "
            f"random_state={self.random_state})"
        )


def make_reference_pipeline(
    build_fn: Callable, *, epochs: int = 300, batch_size: int = 16, seed: int = DEFAULT_SEED
) -> Pipeline:
    """``StandardScaler`` followed by a :class:`KerasClassifier` wrapping ``build_fn``.

    ``build_fn`` takes no arguments and returns a compiled Keras model.
    """
    if not callable(build_fn):
        raise ValueError(f"build_fn must be a callable returning a compiled Keras model, got {build_fn!r}")
    epochs = check_int("epochs", epochs)
    batch_size = check_int("batch_size", batch_size)
    seed = check_int("seed", seed, minimum=0)
    clf = KerasClassifier(model=build_fn, epochs=epochs, batch_size=batch_size, verbose=0, random_state=seed)
    return Pipeline([("scale", StandardScaler()), ("model", clf)])


def reference_cv(
    build_fn: Callable,
    X: np.ndarray,
    y: np.ndarray,
    *,
    cv=10,
    epochs: int = 300,
    batch_size: int = 16,
    seed: int = DEFAULT_SEED,
    label: str = "",
    verbose: int = 0,
) -> CVResult:
    """Cross-validate ``build_fn`` with the scikeras recipe; return per-fold accuracies.

    Slow by design (it is the recipe as readers will write it): use
    :func:`utils.engine.fast_cv` for experiments. Each fold's network is
    checked as the engine checks its splits: ``diverged`` when its training
    loss became non-finite, ``collapsed`` when its loss on its own training
    fold (dropout off) is no better than a constant guess; either raises a
    :class:`utils.results.TrainingFailureWarning`.

    ``verbose`` is passed to :func:`sklearn.model_selection.cross_validate`:
    0 is silent; 3 prints one line per fold to standard output as the fold
    ends (``[CV] END ..., score=0.857 total time=  13.2s``), so a reader sees
    the slow recipe progress; joblib adds a summary line on standard error.
    """
    X = np.asarray(X)
    y = np.asarray(y)
    if X.ndim != 2 or y.ndim != 1 or len(X) != len(y):
        raise ValueError(f"X must be 2-D and y 1-D with as many rows, got {X.shape} and {y.shape}")
    verbose = check_int("verbose", verbose, minimum=0)
    pipeline = make_reference_pipeline(build_fn, epochs=epochs, batch_size=batch_size, seed=seed)
    splits = resolve_splits(cv, X, y, seed)  # checked before any training
    start = time.perf_counter()
    out = cross_validate(
        pipeline,
        X,
        y,
        cv=splits,
        scoring="accuracy",
        return_indices=True,
        return_estimator=True,
        verbose=int(verbose),
    )
    seconds = time.perf_counter() - start
    diverged, train_loss, constant = [], [], []
    for fitted, train in zip(out["estimator"], out["indices"]["train"]):
        diverged.append(not np.all(np.isfinite(fitted[-1].history_["loss"])))
        proba = fitted.predict_proba(X[train])  # the training fold, dropout off
        p_true = np.clip(proba[np.arange(len(train)), np.searchsorted(fitted.classes_, y[train])], 1e-7, 1.0)
        train_loss.append(float(-np.mean(np.log(p_true))) if np.all(np.isfinite(proba)) else float("nan"))
        constant.append(constant_guess_loss(np.searchsorted(fitted.classes_, y[train])))
    diverged = np.array(diverged)
    result = CVResult(
        scores=out["test_score"],
        test_indices=list(out["indices"]["test"]),
        seconds=seconds,
        label=label,
        diverged=diverged,
        collapsed=collapsed_splits(train_loss, constant) & ~diverged,
    )
    result.warn_if_failed()
    return result
