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
from sklearn.model_selection import StratifiedKFold, cross_validate, train_test_split
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
        """Yield ``(train, test)`` index arrays; ``train`` is sorted."""
        y = np.asarray(y)
        folds = StratifiedKFold(self.n_splits, shuffle=True, random_state=self.random_state)
        for k, (train, test) in enumerate(folds.split(np.zeros((len(y), 1)), y)):
            if self.train_size is None or self.train_size == len(train):
                yield train, test
                continue
            if self.train_size > len(train):
                raise ValueError(
                    f"train_size={self.train_size} exceeds the {len(train)} rows of a training fold"
                )
            sample, _ = train_test_split(
                train, train_size=self.train_size, stratify=y[train], random_state=self.random_state + k
            )
            yield np.sort(sample), test

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
    splitter = resolve_cv(cv, seed)
    start = time.perf_counter()
    out = cross_validate(
        pipeline,
        X,
        y,
        cv=splitter,
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
