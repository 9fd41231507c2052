"""Cross-validation with Keras's own ``fit``, one split after another, for models the engine cannot stack.

:func:`utils.engine.fast_cv` trains every split of a ``Dense``/``Dropout`` network at once and is many
times faster; it refuses any other layer (a convolution, a custom layer) by name. :func:`keras_cv` runs
the same protocol for any compiled Keras model, at Keras's speed:

- the same splits (:func:`utils.evaluation.resolve_splits`: an integer ``cv`` is a stratified,
  shuffled ``StratifiedKFold``), checked against the labels before any training;
- a ``StandardScaler`` fitted on each training fold only;
- ``model.fit(..., epochs, batch_size, shuffle=True)`` on each training fold, with Keras's global seed set
  to ``seed + split`` first, so a run is repeatable;
- the same per-epoch history as the engine: ``loss``/``accuracy`` as ``fit`` reports them (dropout on),
  ``train_eval_*`` (the training fold, dropout off) and ``val_*`` (the held-out fold) measured at the end
  of every epoch by calling the model directly, and the same ``diverged``/``collapsed`` flags.

The result is a :class:`utils.results.CVResult`, so :mod:`utils.findings` compares it with any other run
on the same splits.
"""

from __future__ import annotations

from utils.checks import check_int
from utils.evaluation import resolve_splits
from utils.results import CVResult, TrainedSplit
from utils.seed import DEFAULT_SEED

import time
from collections.abc import Callable

import keras
import numpy as np
from sklearn.preprocessing import StandardScaler

HISTORY_KEYS = ("loss", "accuracy", "train_eval_loss", "train_eval_accuracy", "val_loss", "val_accuracy")


def _losses_and_hits(probabilities: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """Mean cross-entropy and accuracy of predicted probabilities (one sigmoid column, or a softmax)."""
    p = np.asarray(probabilities, dtype=np.float64)
    if p.ndim == 2 and p.shape[1] == 1:
        p1 = np.clip(p[:, 0], 1e-7, 1 - 1e-7)
        loss = -np.mean(y * np.log(p1) + (1 - y) * np.log(1 - p1))
        hits = np.mean((p[:, 0] > 0.5) == (y == 1))
    else:
        loss = -np.mean(np.log(np.clip(p[np.arange(len(y)), y], 1e-7, 1.0)))
        hits = np.mean(p.argmax(axis=1) == y)
    return float(loss), float(hits)


class _EpochMetrics(keras.callbacks.Callback):
    """After every epoch: the training fold and the held-out fold evaluated with dropout off."""

    def __init__(self, X_train, y_train, X_test, y_test):
        super().__init__()
        self.data = ((X_train, y_train), (X_test, y_test))
        self.rows: list[tuple[float, float, float, float]] = []

    def on_epoch_end(self, epoch, logs=None):
        values = []
        for X, y in self.data:
            # one compiled pass over all rows (dropout off), about twice as fast as calling the model
            probabilities = keras.ops.convert_to_numpy(self.model.predict_on_batch(X))
            values.extend(_losses_and_hits(probabilities, y))
        self.rows.append(tuple(values))


def keras_cv(
    build_fn: Callable[[], keras.Model],
    X,
    y,
    *,
    cv=5,
    epochs: int = 100,
    batch_size: int = 64,
    seed: int = DEFAULT_SEED,
    label: str = "",
    progress: bool = True,
    warn: bool = True,
    keep_models: bool = False,
) -> CVResult:
    """Cross-validate the compiled model ``build_fn()`` returns with Keras's ``fit``, split by split.

    Parameters
    ----------
    build_fn:
        Zero-argument callable returning a new compiled Keras model with a sigmoid (binary
        cross-entropy) or softmax (sparse categorical cross-entropy) output and an ``accuracy`` metric.
        Its input is a row of ``X``; a sequence model starts with ``keras.layers.Reshape``.
    X, y:
        Unscaled features (2-D, one row per example) and integer class labels.
    cv:
        Number of stratified, shuffled folds, or any scikit-learn splitter.
    epochs, batch_size:
        As in ``model.fit``.
    seed:
        Seeds the splits (for an integer ``cv``) and, as ``seed + split``, Keras's global generator before
        each split's model is built and trained.
    label:
        Name stored in the result.
    progress:
        Print one line per split as it ends.
    warn:
        Issue a :class:`utils.results.TrainingFailureWarning` when splits diverged or collapsed.
    keep_models:
        Also return every split's trained network and scaler as ``CVResult.models``
        (:class:`utils.results.TrainedSplit`, in split order).
    """
    if isinstance(build_fn, keras.layers.Layer) or not callable(build_fn):
        raise ValueError(
            f"build_fn must be a function that returns a new compiled Keras model, got {build_fn!r:.80}"
        )
    X = np.asarray(X)
    y = np.asarray(y)
    if X.ndim != 2 or y.ndim != 1 or len(X) != len(y) or len(X) == 0:
        raise ValueError(f"X must be 2-D and y 1-D with the same number of rows, got {X.shape} and {y.shape}")
    if not np.issubdtype(X.dtype, np.number) or not np.all(np.isfinite(X)):
        raise ValueError("X must contain finite numbers only")
    if not np.issubdtype(y.dtype, np.integer):
        raise ValueError(f"y must hold integer class labels, got dtype {y.dtype}")
    epochs = check_int("epochs", epochs)
    batch_size = check_int("batch_size", batch_size)
    seed = check_int("seed", seed, minimum=0)
    splits = resolve_splits(cv, X, y, seed)

    history = {key: np.empty((len(splits), epochs)) for key in HISTORY_KEYS}
    models = [] if keep_models else None
    start = time.perf_counter()
    for k, (train, test) in enumerate(splits):
        split_start = time.perf_counter()
        scaler = StandardScaler().fit(X[train])
        X_train, X_test = (scaler.transform(X[rows]).astype("float32") for rows in (train, test))
        keras.utils.set_random_seed(seed + k)
        model = build_fn()
        if not isinstance(model, keras.Model) or getattr(model, "optimizer", None) is None:
            raise ValueError("build_fn must return a compiled Keras model (call model.compile in it)")
        metrics = _EpochMetrics(X_train, y[train], X_test, y[test])
        fitted = model.fit(
            X_train,
            y[train],
            epochs=epochs,
            batch_size=batch_size,
            shuffle=True,
            verbose=0,
            callbacks=[metrics],
        )
        if "accuracy" not in fitted.history:
            raise ValueError("the model must be compiled with metrics=['accuracy']")
        history["loss"][k] = fitted.history["loss"]
        history["accuracy"][k] = fitted.history["accuracy"]
        rows = np.array(metrics.rows)
        if keep_models:
            models.append(TrainedSplit(scaler, model))
        for j, key in enumerate(("train_eval_loss", "train_eval_accuracy", "val_loss", "val_accuracy")):
            history[key][k] = rows[:, j]
        if progress:
            print(
                f"{label or 'keras_cv'}: split {k + 1}/{len(splits)}, test accuracy {rows[-1, 3]:.3f}, "
                f"{time.perf_counter() - split_start:.1f} s",
                flush=True,
            )
    result = CVResult.from_history(
        history, splits, y, seconds=time.perf_counter() - start, label=label, models=models
    )
    if warn:
        result.warn_if_failed()
    return result
