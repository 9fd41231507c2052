"""Reading a cross-validation honestly: the generalization gap, learning curves and the course's answer.

Chapters 3 and 4 both ask what dropout does to the gap between how well a network fits its training
folds and how well it does on held-out folds. This module holds what they share, with one meaning each:

- :func:`split_sizes`: rows in a split's training and test sets, for the corrected t-test;
- :func:`smoothed` and :func:`accuracy_gap`: the gap over the epochs, the training fold measured
  with dropout **off** (``history["train_eval_accuracy"]``), never with the thinned networks that
  ``fit`` averages over (``history["accuracy"]``);
- :func:`gap_report` (a :class:`GapReport`): per-split training and held-out accuracy and loss
  over the last epochs, so that two models can be compared split by split;
- :func:`difference_verdict` and :func:`describe_paired`: a paired difference in something other
  than accuracy (a gap, a held-out loss), with the verdict its confidence interval gives;
- :func:`plot_gap_and_held_out_loss`: the gap and held-out loss figure (learning curves are
  :func:`utils.plotting.plot_learning_curves`);
- :func:`describe_layers`: a comparable description of a Keras model's layers;
- :func:`identical_runs`: whether two cross-validations ran identically on every split (a switch that
  never acted, e.g. a max-norm bound no weight vector reached);
- :func:`sonar_answer`: the course's one answer to "when does dropout help?", with a chapter's
  own confidence-interval half-width.
"""

from __future__ import annotations

from utils.checks import check_int as _check_int
from utils.results import CVResult
from utils.stats import PairedTestResult, corrected_resampled_ttest

import math
import numbers
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

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


@dataclass(frozen=True)
class GapReport:
    """How well a model fits its training folds and does on its held-out folds, dropout off.

    Every per-split array averages the last ``last`` epochs of that split, so two reports of models
    evaluated on the same splits can be compared split by split (e.g. with
    :func:`utils.stats.corrected_resampled_ttest`).

    Attributes
    ----------
    label:
        The result's label.
    last:
        Number of final epochs averaged.
    train_accuracy, train_loss:
        Per split: accuracy and cross-entropy on the training fold, dropout off.
    val_accuracy, val_loss:
        Per split: accuracy and cross-entropy on the held-out fold.
    final_val_loss:
        Per split: held-out cross-entropy at the last epoch.
    best_epoch, best_val_loss:
        The epoch (1-based) at which the held-out loss, averaged over the splits, is lowest, and
        that lowest value.
    """

    label: str
    last: int
    train_accuracy: np.ndarray
    train_loss: np.ndarray
    val_accuracy: np.ndarray
    val_loss: np.ndarray
    final_val_loss: np.ndarray
    best_epoch: int
    best_val_loss: float

    @property
    def accuracy_gaps(self) -> np.ndarray:
        """Per split: training minus held-out accuracy."""
        return self.train_accuracy - self.val_accuracy

    @property
    def gap(self) -> float:
        """The generalization gap: training minus held-out accuracy, mean over the splits."""
        return float(self.accuracy_gaps.mean())

    @property
    def mean_val_loss(self) -> float:
        """Held-out cross-entropy over the last epochs, mean over the splits."""
        return float(self.val_loss.mean())

    @property
    def mean_final_val_loss(self) -> float:
        """Held-out cross-entropy at the last epoch, mean over the splits."""
        return float(self.final_val_loss.mean())

    #: The per-split quantities :meth:`paired_test` can compare.
    PAIRED_QUANTITIES = ("accuracy_gaps", "train_accuracy", "train_loss", "val_accuracy", "val_loss")

    def paired_test(self, other: GapReport, quantity: str, n_train, n_test) -> PairedTestResult:
        """Corrected resampled t-test of this report's per-split ``quantity`` minus ``other``'s.

        Both reports must come from the same splits, in the same order; ``n_train`` and
        ``n_test`` are the rows of one split, as for :func:`utils.stats.corrected_resampled_ttest`.
        """
        if not isinstance(other, GapReport):
            raise TypeError(f"other must be a GapReport, got {type(other).__name__}")
        if quantity not in self.PAIRED_QUANTITIES:
            raise ValueError(f"quantity must be one of {self.PAIRED_QUANTITIES}, got {quantity!r}")
        mine, theirs = getattr(self, quantity), getattr(other, quantity)
        if mine.shape != theirs.shape:
            raise ValueError(
                f"{self.label!r} has {mine.size} splits and {other.label!r} has {theirs.size}: "
                "a paired test needs the same splits"
            )
        return corrected_resampled_ttest(mine, theirs, n_train, n_test)


def gap_report(result: CVResult, last: int = 100) -> GapReport:
    """The generalization gap and held-out loss of ``result`` over its last ``last`` epochs.

    Raises ``ValueError`` when a split diverged or collapsed: such a network did not train, so the
    distance between its training and held-out scores says nothing about generalization.
    """
    history = _check_result(result)
    last = _check_int("last", last)
    epochs = history["val_loss"].shape[1]
    if last > epochs:
        raise ValueError(f"last={last} is more than the {epochs} recorded epochs")
    if result.n_failed:
        raise ValueError(
            f"{result.label or 'result'}: {result.failure_note()}; a run that did not train has "
            "no generalization gap to report"
        )
    tail = {key: history[key][:, -last:].mean(axis=1) for key in DROPOUT_OFF_KEYS}
    curve = history["val_loss"].mean(axis=0)
    best = int(np.argmin(curve))
    return GapReport(
        label=result.label,
        last=last,
        train_accuracy=tail["train_eval_accuracy"],
        train_loss=tail["train_eval_loss"],
        val_accuracy=tail["val_accuracy"],
        val_loss=tail["val_loss"],
        final_val_loss=history["val_loss"][:, -1].copy(),
        best_epoch=best + 1,
        best_val_loss=float(curve[best]),
    )


def difference_verdict(test: PairedTestResult) -> str:
    """``"higher"`` / ``"lower"`` when the confidence interval of ``a - b`` excludes zero (above /
    below), ``"no clear difference"`` when it does not.

    For quantities where neither direction is "better" by itself (a generalization gap, a held-out
    loss); for accuracies use :func:`utils.stats.compare`, which also refuses failed runs.
    """
    if not isinstance(test, PairedTestResult):
        raise ValueError(f"test must be a PairedTestResult, got {type(test).__name__}")
    if not test.significant:
        return "no clear difference"
    return "higher" if test.mean_difference > 0 else "lower"


def describe_paired(
    test: PairedTestResult, name_a: str, name_b: str, *, scale: float = 1.0, digits: int = 3, unit: str = ""
) -> str:
    """``"hidden minus baseline: +1.343 (95% CI [+0.215, +2.470]): higher"``, the verdict by
    :func:`difference_verdict`. ``scale`` multiplies the numbers (100 for accuracies in points),
    ``digits`` sets the decimals and ``unit`` is written after the difference."""
    verdict = difference_verdict(test)
    digits = _check_int("digits", digits, minimum=0)
    unit = f" {unit}" if unit else ""

    def fmt(value):
        return f"{scale * value:+.{digits}f}"

    return (
        f"{name_a} minus {name_b}: {fmt(test.mean_difference)}{unit} "
        f"({100 * (1 - test.alpha):g}% CI [{fmt(test.ci_low)}, {fmt(test.ci_high)}]): {verdict}"
    )


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


def identical_runs(a: CVResult, b: CVResult) -> bool:
    """Whether two cross-validations ran identically: same test folds, same scores, same failure flags
    and the same value of every per-epoch history entry, on every split.

    Two models that differ in one switch (a max-norm bound, a dropout rate) and were trained from the
    same seed give identical runs exactly when the switch never changed a single update, e.g. a
    ``MaxNorm(3)`` bound that no incoming weight vector ever reached. There is then no effect to test:
    say that the switch never acted rather than give a verdict. Identity is decided from the numbers,
    never from the models' names.

    Raises ``ValueError`` unless both are :class:`~utils.results.CVResult` with per-epoch histories
    (scores alone could agree by chance on folds of 20 rows).
    """
    for name, result in (("a", a), ("b", b)):
        if not isinstance(result, CVResult):
            raise ValueError(f"{name} must be a CVResult, got {type(result).__name__}")
        if result.history is None:
            raise ValueError(
                f"{name} has no per-epoch history: identity needs the histories, not only the scores"
            )
    if len(a.test_indices) != len(b.test_indices) or not all(
        np.array_equal(x, y) for x, y in zip(a.test_indices, b.test_indices)
    ):
        return False
    if a.history.keys() != b.history.keys():
        return False
    return (
        np.array_equal(a.scores, b.scores)
        and np.array_equal(a.collapsed, b.collapsed)
        and np.array_equal(a.diverged, b.diverged)
        and all(np.array_equal(a.history[key], b.history[key], equal_nan=True) for key in a.history)
    )


def sonar_answer(half_width: float, design: str) -> str:
    """The course's answer to "when does dropout help?", with a chapter's own resolution on Sonar.

    Parameters
    ----------
    half_width:
        Half-width of the 95% confidence interval of the chapter's comparison, as a fraction
        (0.052 for 5.2 points): the smallest difference in accuracy that design could call real.
    design:
        How the chapter compared the models, e.g. ``"10-fold cross-validation"``.

    Returns
    -------
    str
        Markdown, linking to chapter 5.
    """
    if (
        isinstance(half_width, bool)
        or not isinstance(half_width, numbers.Real)
        or not math.isfinite(half_width)
        or not 0 < half_width < 1
    ):
        raise ValueError(f"half_width must be a fraction in (0, 1), got {half_width!r}")
    if not isinstance(design, str) or not design.strip():
        raise ValueError("design must describe the comparison, e.g. '10-fold cross-validation'")
    return (
        "**When does dropout help?** When the network is large enough to overfit and the training set is "
        "in the intermediate range: enough data to learn from, not enough to stop memorisation "
        "([chapter 5](05_when_dropout_helps.ipynb) shows it on MNIST-1D). Sonar, with 208 rows, cannot "
        f"show it: with {design}, this chapter's comparison can only resolve differences of about "
        f"{100 * half_width:.1f} points either way (the half-width of its 95% confidence interval), of the "
        "same order as the gains dropout brings even where it helps. The null results on Sonar are the "
        "expected outcome, not evidence against dropout."
    )
