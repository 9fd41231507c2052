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

import numbers
import time
from collections.abc import Callable

import numpy as np
import scikeras.wrappers
from sklearn.model_selection import StratifiedKFold, cross_validate
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils import ClassifierTags

from utils.results import CVResult
from utils.seed import DEFAULT_SEED


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
        return StratifiedKFold(n_splits=int(cv), shuffle=True, random_state=seed)
    if hasattr(cv, "split") and hasattr(cv, "get_n_splits"):
        return cv
    raise ValueError(
        f"cv must be a number of folds or a scikit-learn splitter such as "
        f"StratifiedKFold(10, shuffle=True, random_state=0), got {cv!r}"
    )


def make_reference_pipeline(
    build_fn: Callable, *, epochs: int = 300, batch_size: int = 16, seed: int = DEFAULT_SEED
) -> Pipeline:
    """``StandardScaler`` followed by a :class:`KerasClassifier` wrapping ``build_fn``.

    ``build_fn`` takes no arguments and returns a compiled Keras model.
    """
    if not callable(build_fn):
        raise ValueError(f"build_fn must be a callable returning a compiled Keras model, got {build_fn!r}")
    for name, value in (("epochs", epochs), ("batch_size", batch_size)):
        if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
            raise ValueError(f"{name} must be a positive integer, got {value!r}")
    clf = KerasClassifier(
        model=build_fn, epochs=epochs, batch_size=batch_size, verbose=0, random_state=seed
    )
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
) -> CVResult:
    """Cross-validate ``build_fn`` with the scikeras recipe; return per-fold accuracies.

    Slow by design (it is the recipe as readers will write it): use
    :func:`utils.engine.fast_cv` for experiments.
    """
    X = np.asarray(X)
    y = np.asarray(y)
    if X.ndim != 2 or y.ndim != 1 or len(X) != len(y):
        raise ValueError(f"X must be 2-D and y 1-D with as many rows, got {X.shape} and {y.shape}")
    pipeline = make_reference_pipeline(build_fn, epochs=epochs, batch_size=batch_size, seed=seed)
    splitter = resolve_cv(cv, seed)
    start = time.perf_counter()
    out = cross_validate(pipeline, X, y, cv=splitter, scoring="accuracy", return_indices=True)
    return CVResult(
        scores=out["test_score"],
        test_indices=list(out["indices"]["test"]),
        seconds=time.perf_counter() - start,
        label=label,
    )
