"""Reading a cross-validation's learning curves honestly: the generalization gap and the held-out loss.

What the chapters that compare dropout with no dropout share, with one meaning each:

- :func:`split_sizes`: rows in a split's training and test sets, for the corrected t-test;
- :func:`smoothed` and :func:`accuracy_gap`: the gap over the epochs, the training fold measured
  with dropout **off** (``history["train_eval_accuracy"]``), never with the thinned networks that
  ``fit`` averages over (``history["accuracy"]``);
- :func:`gap_table`: per model, training and held-out accuracy, their gap and the held-out loss over
  the last epochs (comparing two models on these is :func:`utils.findings.compare` with
  ``quantity=GAP`` or ``HELD_OUT_LOSS``);
- :func:`plot_gap_and_held_out_loss`: the gap and held-out loss figure (learning curves are
  :func:`utils.plotting.plot_learning_curves`);
- :func:`describe_layers`: a comparable description of a Keras model's layers.
"""

from __future__ import annotations

from utils.checks import check_int as _check_int
from utils.results import CVResult

import math
from collections.abc import Mapping, Sequence

import numpy as np

#: History entries measured with dropout off (the engine records them every epoch).
DROPOUT_OFF_KEYS = ("train_eval_loss", "train_eval_accuracy", "val_loss", "val_accuracy")


def _check_result(result, keys=DROPOUT_OFF_KEYS) -> dict[str, np.ndarray]:
    if not isinstance(result, CVResult):
        raise ValueError(f"expected a CVResult, got {type(result).__name__}")
    if result.history is None:
        raise ValueError(
            "this needs a CVResult with per-epoch history (from utils.engine.fast_cv or run_sweep)"
        )
    missing = [key for key in keys if key not in result.history]
    if missing:
        raise ValueError(f"the result's history lacks {missing}: run it through the current utils.engine")
    return result.history


def split_sizes(result: CVResult, n_rows: int) -> tuple[float, float]:
    """Average number of training and test rows of a split, ``(n_train, n_test)``.

    For k-fold cross-validation of ``n_rows`` rows the test folds differ by at most a row, so the
    average is what :func:`utils.stats.corrected_resampled_ttest` and :func:`utils.stats.compare`
    need. Every row not in a split's test fold is assumed to be in its training fold (true of
    ``StratifiedKFold`` and ``RepeatedStratifiedKFold``; not of a subsampling splitter).
    """
    if not isinstance(result, CVResult):
        raise ValueError(f"expected a CVResult, got {type(result).__name__}")
    n_rows = _check_int("n_rows", n_rows)
    sizes = np.array([len(test) for test in result.test_indices], dtype=float)
    if np.any(sizes >= n_rows) or np.any(sizes == 0):
        raise ValueError(f"test folds of {sizes.min():.0f}..{sizes.max():.0f} rows do not fit {n_rows} rows")
    n_test = float(sizes.mean())
    return n_rows - n_test, n_test


def smoothed(values, window: int = 10) -> np.ndarray:
    """Moving average over epochs of the mean over splits.

    Parameters
    ----------
    values:
        ``(n_splits, epochs)`` array, e.g. ``result.history["val_loss"]``.
    window:
        Number of epochs averaged (1 returns the plain mean over splits).

    Returns
    -------
    numpy.ndarray
        ``epochs - window + 1`` values; value ``i`` averages epochs ``i + 1 .. i + window``
        (1-based), so it belongs at epoch ``i + window`` on a plot.
    """
    values = np.asarray(values, dtype=float)
    if values.ndim != 2 or values.size == 0:
        raise ValueError(f"values must be a non-empty (n_splits, epochs) array, got shape {values.shape}")
    window = _check_int("window", window)
    if window > values.shape[1]:
        raise ValueError(f"window {window} is longer than the {values.shape[1]} epochs")
    return np.convolve(values.mean(axis=0), np.ones(window) / window, mode="valid")


def accuracy_gap(result: CVResult, window: int = 10) -> np.ndarray:
    """Training minus held-out accuracy per epoch, mean over splits, smoothed over ``window`` epochs.

    The training accuracy is that of the full network on its training fold, dropout **off**
    (``history["train_eval_accuracy"]``). ``history["accuracy"]`` would not do: it averages the
    epoch's thinned networks, which fit worse than the full network, and so understates the gap of
    every model with dropout. See :func:`smoothed` for the epochs each value belongs to.
    """
    history = _check_result(result)
    return smoothed(history["train_eval_accuracy"] - history["val_accuracy"], window)


def gap_table(results: Mapping[str, CVResult], last: int = 100):
    """Per model, over the last ``last`` epochs (mean over splits): training accuracy with dropout off,
    held-out accuracy, the gap between them (points) and the held-out loss; a pandas DataFrame.

    Raises ``ValueError`` when a run has a split that diverged or collapsed: such a network did not
    train, so the distance between its training and held-out scores says nothing about generalization.
    """
    import pandas as pd

    if not isinstance(results, Mapping) or not results:
        raise ValueError("results must be a non-empty mapping of name -> CVResult")
    last = _check_int("last", last)
    rows = {}
    for name, result in results.items():
        history = _check_result(result)
        epochs = history["val_loss"].shape[1]
        if last > epochs:
            raise ValueError(f"last={last} is more than the {epochs} recorded epochs of {name!r}")
        if result.n_failed:
            raise ValueError(
                f"{name}: {result.failure_note()}; a run that did not train has no generalization gap to report"
            )
        tail = {key: history[key][:, -last:].mean() for key in DROPOUT_OFF_KEYS}
        rows[name] = {
            "training accuracy % (dropout off)": 100 * tail["train_eval_accuracy"],
            "held-out accuracy %": 100 * tail["val_accuracy"],
            "gap (points)": 100 * (tail["train_eval_accuracy"] - tail["val_accuracy"]),
            "held-out loss": tail["val_loss"],
        }
    return pd.DataFrame.from_dict(rows, orient="index").round(3)


def plot_gap_and_held_out_loss(
    results: Mapping[str, CVResult], colors: Sequence[str] | None = None, window: int = 10, axes=None
) -> np.ndarray:
    """Two panels comparing models: the generalization gap (dropout off) and the held-out loss.

    Left: :func:`accuracy_gap` in percentage points (a ``window``-epoch moving average of the mean
    over splits); right: the held-out cross-entropy per epoch, mean over splits.

    Parameters
    ----------
    results:
        ``{name: CVResult}``, one line per model.
    colors:
        One matplotlib colour per model; the course's palette when ``None``.
    """
    from utils.plotting import COLORS, two_axes

    if not isinstance(results, Mapping) or not results:
        raise ValueError("results must be a non-empty mapping of name -> CVResult")
    histories = {name: _check_result(result) for name, result in results.items()}
    palette = [COLORS[k] for k in ("neutral", "train", "accent", "validation", "mine", "rock")]
    colors = list(colors) if colors is not None else palette[: len(results)]
    if len(colors) < len(results):
        raise ValueError(f"need one colour per model: {len(results)} models, {len(colors)} colours")
    axes = two_axes(axes)
    ax_gap, ax_loss = axes
    for (name, result), color in zip(results.items(), colors):
        gap = accuracy_gap(result, window)
        ax_gap.plot(np.arange(len(gap)) + window, 100 * gap, color=color, label=name)
        val_loss = histories[name]["val_loss"].mean(0)
        ax_loss.plot(np.arange(1, len(val_loss) + 1), val_loss, color=color, label=name)
    ax_gap.set(
        xlabel="epoch",
        ylabel="training - held-out accuracy (points)",
        title="generalization gap (training fold, dropout off)",
    )
    ax_loss.set(xlabel="epoch", ylabel="held-out cross-entropy", title="held-out loss")
    ax_gap.axhline(0, color="black", lw=0.8)
    ax_gap.legend()
    return axes


def describe_layers(model) -> list[tuple]:
    """The layers of a Keras model as comparable tuples, to check that two builders agree.

    ``("Dropout", rate)`` for a dropout layer; ``("Dense", units, activation, constraint)`` for a
    dense layer, where ``constraint`` is ``None`` or ``(class name, max_value, axis)``; the class
    name alone for any other layer.
    """
    import keras

    if not isinstance(model, keras.Model):
        raise ValueError(f"expected a Keras model, got {type(model).__name__}")
    out = []
    for layer in model.layers:
        if isinstance(layer, keras.layers.Dropout):
            out.append(("Dropout", float(layer.rate)))
        elif isinstance(layer, keras.layers.Dense):
            c = layer.kernel_constraint
            out.append(
                (
                    "Dense",
                    int(layer.units),
                    keras.activations.serialize(layer.activation),
                    None
                    if c is None
                    else (
                        type(c).__name__,
                        float(getattr(c, "max_value", math.nan)),
                        getattr(c, "axis", None),
                    ),
                )
            )
        else:
            out.append((type(layer).__name__,))
    return out
