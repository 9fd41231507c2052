"""The result type returned by every cross-validation in the course."""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import numpy as np

#: A split is *collapsed* when its final training loss, measured with dropout off, is at
#: least this fraction of the loss of a constant guess of the class frequencies.
COLLAPSE_FRACTION = 0.95


class TrainingFailureWarning(UserWarning):
    """Some splits of a cross-validation diverged or collapsed (see :class:`CVResult`)."""


def constant_guess_loss(y) -> float:
    """Cross-entropy of the best constant prediction for labels ``y``: the entropy of their frequencies.

    A network that predicts the class frequencies for every input, whatever the input, scores exactly
    this loss on ``y`` (``ln 2`` for two balanced classes, ``ln 10`` for ten).
    """
    y = np.asarray(y)
    if y.ndim != 1 or y.size == 0 or not np.issubdtype(y.dtype, np.integer) or y.min() < 0:
        raise ValueError(f"y must be a non-empty 1-D array of non-negative integer labels, got {y!r:.80}")
    prior = np.bincount(y) / y.size
    prior = prior[prior > 0]
    return float(-np.sum(prior * np.log(prior)))


def collapsed_splits(final_train_loss, constant_loss) -> np.ndarray:
    """Which splits ended no better than a constant guess of the class frequencies.

    Parameters
    ----------
    final_train_loss:
        Each split's loss on its own training fold at the end of training, measured with dropout
        **off** (``history["train_eval_loss"][:, -1]``), one value per split.
    constant_loss:
        :func:`constant_guess_loss` of each split's training labels (one value, or one per split).

    Returns
    -------
    numpy.ndarray
        Boolean per split: ``True`` when the loss is finite and at least ``COLLAPSE_FRACTION`` (95%)
        of the constant guess's loss. Such a network has learned nothing about the inputs: typically
        every ReLU unit of a layer has died and the output layer predicts the class frequencies.
        A split whose loss is not finite has *diverged* instead and is not counted here.
    """
    loss = np.asarray(final_train_loss, dtype=float)
    constant = np.broadcast_to(np.asarray(constant_loss, dtype=float), loss.shape)
    if loss.ndim != 1 or loss.size == 0:
        raise ValueError(f"final_train_loss must be a non-empty 1-D array, got shape {loss.shape}")
    if not np.all(np.isfinite(constant)) or np.any(constant <= 0):
        raise ValueError(
            "constant_loss must be positive and finite (two or more classes in every training fold)"
        )
    return np.isfinite(loss) & (loss >= COLLAPSE_FRACTION * constant)


class TrainedSplit(NamedTuple):
    """One split's trained network, kept by ``fast_cv(..., keep_models=True)`` or ``keras_cv(..., keep_models=True)``."""

    scaler: Any
    """The split's ``sklearn.preprocessing.StandardScaler``, fitted on its training fold: apply it first."""
    model: Any
    """A ``keras.Model`` holding the split's trained weights."""

    def predict(self, X) -> np.ndarray:
        """The model's outputs (dropout off) for unscaled rows ``X``."""
        import keras

        return keras.ops.convert_to_numpy(self.model(self.scaler.transform(np.asarray(X)).astype("float32")))


@dataclass(frozen=True)
class CVResult:
    """Per-fold scores (and, from the fast engine, per-epoch histories).

    Attributes
    ----------
    scores:
        Test accuracy of each split, in split order.
    test_indices:
        The row indices of each split's test fold, so callers can check
        stratification or pair results split by split.
    history:
        ``{"loss", "accuracy", "train_eval_loss", "train_eval_accuracy", "val_loss",
        "val_accuracy"} -> (n_splits, epochs)`` arrays, or ``None`` when the
        evaluation did not record them. As in Keras, ``loss``/``accuracy`` are
        averaged over each epoch's batches with dropout active (what ``fit``
        reports); ``train_eval_*`` are the training fold evaluated at the end of
        each epoch with dropout off (what ``model.evaluate`` on the training rows
        gives: use these for the generalization gap); ``val_*`` are the held-out
        fold at the end of each epoch, dropout off.
    seconds:
        Wall-clock time of the evaluation.
    label:
        A short name for tables and plots.
    diverged:
        Boolean per split, or ``None`` when not checked: the training loss became
        infinite or NaN at some epoch. Its "accuracy" is that of a network
        whose outputs are NaN, not of a trained model.
    collapsed:
        Boolean per split, or ``None`` when not checked: the network ended no
        better than a constant guess of the class frequencies
        (:func:`collapsed_splits`). It did not train, so its score says nothing
        about the method being tested.
    models:
        Each split's trained network and scaler (:class:`TrainedSplit`),
        when the run was asked to keep them (``fast_cv(..., keep_models=True)``);
        ``None`` otherwise.
    """

    scores: np.ndarray
    test_indices: list[np.ndarray] = field(repr=False)
    history: dict[str, np.ndarray] | None = field(default=None, repr=False)
    seconds: float = float("nan")
    label: str = ""
    diverged: np.ndarray | None = field(default=None, repr=False)
    collapsed: np.ndarray | None = field(default=None, repr=False)
    models: list | None = field(default=None, repr=False, compare=False)

    def __post_init__(self):
        scores = np.asarray(self.scores, dtype=float)
        if scores.ndim != 1 or scores.size == 0:
            raise ValueError(f"scores must be a non-empty 1-D array, got shape {scores.shape}")
        if len(self.test_indices) != scores.size:
            raise ValueError(f"got {scores.size} scores but {len(self.test_indices)} test folds")
        object.__setattr__(self, "scores", scores)
        if self.models is not None and len(self.models) != scores.size:
            raise ValueError(f"got {scores.size} scores but {len(self.models)} models")
        for name in ("diverged", "collapsed"):
            flags = getattr(self, name)
            if flags is None:
                continue
            flags = np.asarray(flags)
            if flags.shape != scores.shape or flags.dtype != bool:
                raise ValueError(
                    f"{name} must be a boolean array with one entry per split, got {flags!r:.80}"
                )
            object.__setattr__(self, name, flags)

    @classmethod
    def from_history(
        cls, history: dict, splits, y, *, seconds: float, label: str = "", models: list | None = None
    ) -> CVResult:
        """The result of a finished run from its per-epoch ``history`` (see the class's attributes).

        Each split's score is its last epoch's held-out accuracy; a split *diverged* when its training
        loss was ever not finite, and *collapsed* when it did not diverge and its final training loss
        (dropout off) is at a constant guess's (:func:`collapsed_splits`, against the class frequencies
        of its own training fold ``y[train]``). ``splits`` are the ``(train, test)`` index pairs.
        """
        splits = list(splits)
        missing = {"loss", "train_eval_loss", "val_accuracy"} - set(history)
        if missing:
            raise ValueError(f"history lacks {sorted(missing)}")
        if len(splits) != np.shape(history["loss"])[0]:
            raise ValueError(
                f"history has {np.shape(history['loss'])[0]} splits, but {len(splits)} were given"
            )
        y = np.asarray(y)
        diverged = ~np.all(np.isfinite(history["loss"]), axis=1)
        constant = [constant_guess_loss(y[train]) for train, _ in splits]
        return cls(
            scores=np.asarray(history["val_accuracy"])[:, -1].copy(),
            test_indices=[test for _, test in splits],
            history=history,
            seconds=seconds,
            label=label,
            diverged=diverged,
            collapsed=collapsed_splits(np.asarray(history["train_eval_loss"])[:, -1], constant) & ~diverged,
            models=models,
        )

    @property
    def failed(self) -> np.ndarray:
        """Boolean per split: diverged or collapsed (all ``False`` when not checked)."""
        failed = np.zeros(self.scores.size, dtype=bool)
        for flags in (self.diverged, self.collapsed):
            if flags is not None:
                failed |= flags
        return failed

    @property
    def n_failed(self) -> int:
        """Number of splits that diverged or collapsed."""
        return int(self.failed.sum())

    def failure_note(self) -> str:
        """``'3 of 10 splits collapsed'``-style note, or ``''`` when every split trained."""
        parts = []
        for name, flags in (("diverged", self.diverged), ("collapsed", self.collapsed)):
            if flags is not None and flags.any():
                parts.append(f"{int(flags.sum())} of {flags.size} splits {name}")
        return "; ".join(parts)

    def warn_if_failed(self, stacklevel: int = 2) -> None:
        """Issue a :class:`TrainingFailureWarning` naming how many splits diverged or collapsed."""
        note = self.failure_note()
        if note:
            name = f"{self.label}: " if self.label else ""
            warnings.warn(
                f"{name}{note}; their scores are not those of trained models",
                TrainingFailureWarning,
                stacklevel=stacklevel + 1,
            )

    def _entry(self, key: str) -> np.ndarray:
        if self.history is None:
            raise ValueError(
                f"{self.label or 'this result'} has no per-epoch history (it comes from a run of "
                "utils.engine.fast_cv or run_sweep)"
            )
        if key not in self.history:
            raise ValueError(f"unknown history entry {key!r}; this result has {sorted(self.history)}")
        return self.history[key]

    def final_per_split(self, key: str) -> np.ndarray:
        """Each split's value of history entry ``key`` at the last epoch, e.g. ``"train_eval_accuracy"``."""
        return self._entry(key)[:, -1].copy()

    def final(self, key: str) -> float:
        """The mean over the splits of history entry ``key`` at the last epoch."""
        return float(self.final_per_split(key).mean())

    def curve(self, key: str) -> np.ndarray:
        """The mean over the splits of history entry ``key``, one value per epoch."""
        return self._entry(key).mean(axis=0)

    @property
    def mean(self) -> float:
        """Mean accuracy over the splits."""
        return float(self.scores.mean())

    @property
    def std(self) -> float:
        """Standard deviation of the accuracy over the splits (as ``numpy.std``)."""
        return float(self.scores.std())

    def summary(self) -> str:
        """``'86.1% (6.8)'``: mean and standard deviation in percent, as the source reports.

        When splits diverged or collapsed it says so: ``'47.6% (2.5) [4 of 5 splits diverged]'``.
        """
        note = self.failure_note()
        return f"{100 * self.mean:.1f}% ({100 * self.std:.1f})" + (f" [{note}]" if note else "")

    def __str__(self) -> str:
        name = f"{self.label}: " if self.label else ""
        return f"{name}{self.summary()} over {self.scores.size} splits"
