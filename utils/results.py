"""The result type returned by every cross-validation in the course."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


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
        ``{"loss", "accuracy", "val_loss", "val_accuracy"} -> (n_splits, epochs)``
        arrays, or ``None`` when the evaluation did not record them. As in
        Keras, ``loss``/``accuracy`` are averaged over each epoch's batches
        with dropout active, ``val_*`` are measured on the held-out fold at
        the end of each epoch with dropout off.
    seconds:
        Wall-clock time of the evaluation.
    label:
        A short name for tables and plots.
    """

    scores: np.ndarray
    test_indices: list[np.ndarray] = field(repr=False)
    history: dict[str, np.ndarray] | None = field(default=None, repr=False)
    seconds: float = float("nan")
    label: str = ""

    def __post_init__(self):
        scores = np.asarray(self.scores, dtype=float)
        if scores.ndim != 1 or scores.size == 0:
            raise ValueError(f"scores must be a non-empty 1-D array, got shape {scores.shape}")
        if len(self.test_indices) != scores.size:
            raise ValueError(
                f"got {scores.size} scores but {len(self.test_indices)} test folds"
            )
        object.__setattr__(self, "scores", scores)

    @property
    def mean(self) -> float:
        """Mean accuracy over the splits."""
        return float(self.scores.mean())

    @property
    def std(self) -> float:
        """Standard deviation of the accuracy over the splits (as ``numpy.std``)."""
        return float(self.scores.std())

    def summary(self) -> str:
        """``'86.1% (6.8)'``: mean and standard deviation in percent, as the source reports."""
        return f"{100 * self.mean:.1f}% ({100 * self.std:.1f})"

    def __str__(self) -> str:
        name = f"{self.label}: " if self.label else ""
        return f"{name}{self.summary()} over {self.scores.size} splits"
