"""Comparing two models evaluated on the same cross-validation splits.

Per-split scores from k-fold (or repeated k-fold) cross-validation are not
independent: every two training sets share most of their rows. A plain paired
t-test over the splits therefore underestimates the variance of the mean
difference and declares differences "significant" far too often.
Nadeau and Bengio (2003) proposed the *corrected resampled t-test*: it inflates
the variance of the mean difference from ``s^2 / J`` to
``(1 / J + n_test / n_train) * s^2`` for ``J`` paired splits, and keeps a
t distribution with ``J - 1`` degrees of freedom. Bouckaert and Frank (2004)
recommend it with repeated (e.g. 10 x 10) cross-validation.

:func:`corrected_resampled_ttest` computes it; :func:`describe_difference`
turns its result into a sentence whose verdict is chosen by the numbers, and
:func:`compare` turns two cross-validation results into the course's verdict
(*helped*, *hurt*, *no clear effect*, or *training failed* when a split diverged
or collapsed, so that a failed run is never read as an effect).
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass

import numpy as np
from scipy import stats as _scipy_stats


@dataclass(frozen=True)
class PairedTestResult:
    """Outcome of a paired comparison of two models over the same splits.

    Attributes
    ----------
    mean_difference:
        Mean over the splits of ``score_a - score_b`` (in the scores' units).
    ci_low, ci_high:
        The two-sided ``1 - alpha`` confidence interval of the mean difference.
    t:
        The corrected t statistic (``0.0`` when every difference is zero,
        ``+/-inf`` when all differences are equal and non-zero).
    p_value:
        Two-sided p-value from a t distribution with ``df`` degrees of freedom.
    df:
        Degrees of freedom, ``J - 1`` for ``J`` splits.
    alpha:
        Significance level the interval was computed for.
    n_splits:
        Number of paired splits ``J``.
    """

    mean_difference: float
    ci_low: float
    ci_high: float
    t: float
    p_value: float
    df: int
    alpha: float = 0.05
    n_splits: int = 0

    @property
    def significant(self) -> bool:
        """True when the two-sided p-value is below ``alpha`` (the interval excludes zero)."""
        return self.p_value < self.alpha

    @property
    def half_width(self) -> float:
        """Half the width of the confidence interval: the smallest observed difference this
        design would call significant. A true effect must be about 1.4 times larger to be
        detected 80% of the time."""
        return (self.ci_high - self.ci_low) / 2.0


def _check_size(name: str, value) -> float:
    if (
        isinstance(value, bool)
        or not isinstance(value, numbers.Real)
        or not math.isfinite(value)
        or value <= 0
    ):
        raise ValueError(f"{name} must be a positive number of rows, got {value!r}")
    return float(value)


def corrected_resampled_ttest(scores_a, scores_b, n_train, n_test, alpha: float = 0.05) -> PairedTestResult:
    """Nadeau and Bengio's corrected resampled t-test of ``scores_a - scores_b``.

    Parameters
    ----------
    scores_a, scores_b:
        Scores of two models on the same ``J`` splits, in the same split order
        (e.g. ``CVResult.scores`` from :func:`utils.engine.run_sweep`).
    n_train, n_test:
        Number of training and test rows of one split (use the average when
        the folds differ by a row). For k-fold CV, ``n_test / n_train = 1 / (k - 1)``.
    alpha:
        Significance level; the confidence interval has level ``1 - alpha``.

    Returns
    -------
    PairedTestResult
        Mean difference, confidence interval, t statistic, two-sided p-value and
        degrees of freedom ``J - 1``.

    Notes
    -----
    With differences ``d_j``, mean ``d̄`` and sample variance ``s^2`` (``ddof=1``),
    ``t = d̄ / sqrt((1/J + n_test/n_train) s^2)`` and the interval is
    ``d̄ ± t_{1-alpha/2, J-1} sqrt((1/J + n_test/n_train) s^2)``. When ``s^2 = 0``
    the interval collapses to the point ``d̄``; the p-value is 1 if ``d̄ = 0``
    and 0 otherwise.
    """
    a = np.asarray(scores_a, dtype=float)
    b = np.asarray(scores_b, dtype=float)
    if a.ndim != 1 or b.ndim != 1:
        raise ValueError(f"scores_a and scores_b must be 1-D, got shapes {a.shape} and {b.shape}")
    if a.size != b.size:
        raise ValueError(
            f"scores_a and scores_b must have one score per split, paired: got {a.size} and {b.size} scores"
        )
    if a.size < 2:
        raise ValueError(f"need at least 2 paired splits, got {a.size}")
    if not (np.all(np.isfinite(a)) and np.all(np.isfinite(b))):
        raise ValueError("scores must be finite numbers")
    n_train = _check_size("n_train", n_train)
    n_test = _check_size("n_test", n_test)
    if isinstance(alpha, bool) or not isinstance(alpha, numbers.Real) or not 0 < alpha < 1:
        raise ValueError(f"alpha must be a number in (0, 1), got {alpha!r}")

    diff = a - b
    j = diff.size
    df = j - 1
    mean = float(diff.mean())
    variance = float(diff.var(ddof=1))
    # Identical differences give a rounding-level variance; treat it as exactly zero.
    if variance <= (1e-12 * max(1.0, float(np.abs(diff).max()))) ** 2:
        variance = 0.0
    se = math.sqrt((1.0 / j + n_test / n_train) * variance)
    if se == 0.0:
        if mean == 0.0:
            t, p = 0.0, 1.0
        else:
            t, p = math.copysign(math.inf, mean), 0.0
        return PairedTestResult(mean, mean, mean, t, p, df, float(alpha), j)
    t = mean / se
    p = float(2.0 * _scipy_stats.t.sf(abs(t), df))
    half = float(_scipy_stats.t.ppf(1.0 - alpha / 2.0, df)) * se
    return PairedTestResult(mean, mean - half, mean + half, float(t), p, df, float(alpha), j)


def describe_difference(
    result: PairedTestResult, name_a: str, name_b: str, *, scale: float = 100.0, unit: str = "points"
) -> str:
    """One sentence stating the difference, its interval and the verdict the numbers give.

    Parameters
    ----------
    result:
        A :class:`PairedTestResult` of ``name_a`` minus ``name_b``.
    name_a, name_b:
        Names of the two models, as the reader knows them.
    scale:
        Multiplier applied to the difference (100 turns accuracies into
        percentage points).
    unit:
        Unit written after the numbers.

    Returns
    -------
    str
        E.g. ``"visible dropout minus baseline: +1.2 points (95% CI [-3.1, +5.5],
        p = 0.57), not distinguishable from zero at the 5% level."``
    """
    if not isinstance(result, PairedTestResult):
        raise ValueError(f"result must be a PairedTestResult, got {type(result).__name__}")
    level = 100 * (1 - result.alpha)
    verdict = (
        f"distinguishable from zero at the {100 * result.alpha:g}% level"
        if result.significant
        else f"not distinguishable from zero at the {100 * result.alpha:g}% level"
    )
    p_text = "p < 0.001" if result.p_value < 0.001 else f"p = {result.p_value:.3f}"
    return (
        f"{name_a} minus {name_b}: {scale * result.mean_difference:+.1f} {unit} "
        f"({level:g}% CI [{scale * result.ci_low:+.1f}, {scale * result.ci_high:+.1f}], {p_text}), "
        f"{verdict}"
    )


#: The verdicts :func:`compare` gives.
VERDICTS = ("helped", "hurt", "no clear effect", "training failed")


@dataclass(frozen=True)
class Comparison:
    """The course's verdict on model ``a`` against model ``b`` over the same splits.

    Attributes
    ----------
    verdict:
        ``"helped"`` / ``"hurt"`` when the corrected confidence interval of the mean
        difference in accuracy excludes zero (above / below), ``"no clear effect"`` when it
        does not, ``"training failed"`` when a split of either model diverged or collapsed:
        such a score is not that of a trained model, so no effect is read from it.
    test:
        The :class:`PairedTestResult` of ``a - b`` (``None`` when training failed).
    failure:
        What failed, e.g. ``"dropout 0.8: 5 of 5 splits collapsed"``; ``""`` otherwise.
    """

    verdict: str
    test: PairedTestResult | None
    failure: str = ""

    def __str__(self) -> str:
        if self.test is None:
            return f"{self.verdict} ({self.failure})"
        t = self.test
        return (
            f"{self.verdict} ({100 * t.mean_difference:+.1f} points, "
            f"{100 * (1 - t.alpha):g}% CI [{100 * t.ci_low:+.1f}, {100 * t.ci_high:+.1f}])"
        )


def compare(a, b, n_train, n_test, alpha: float = 0.05) -> Comparison:
    """Verdict on ``a`` minus ``b``, two :class:`utils.results.CVResult` on the same splits.

    Parameters
    ----------
    a, b:
        Results of the two models, evaluated on the same splits in the same order
        (checked through their ``test_indices``).
    n_train, n_test:
        Rows in one split's training and test sets, for the corrected resampled t-test
        (:func:`corrected_resampled_ttest`).
    alpha:
        Significance level.

    Returns
    -------
    Comparison
        ``"training failed"`` if any split of either model diverged or collapsed (see
        ``CVResult.diverged`` / ``collapsed``); otherwise the verdict of the corrected test.
    """
    for name, result in (("a", a), ("b", b)):
        if not hasattr(result, "scores") or not hasattr(result, "test_indices"):
            raise ValueError(f"{name} must be a CVResult, got {type(result).__name__}")
    if len(a.test_indices) != len(b.test_indices) or not all(
        np.array_equal(x, y) for x, y in zip(a.test_indices, b.test_indices)
    ):
        raise ValueError(
            "a and b were not evaluated on the same splits: a paired comparison needs the same splits"
        )
    failures = [f"{r.label or name}: {r.failure_note()}" for name, r in (("a", a), ("b", b)) if r.n_failed]
    if failures:
        return Comparison("training failed", None, "; ".join(failures))
    test = corrected_resampled_ttest(a.scores, b.scores, n_train, n_test, alpha)
    if test.significant:
        return Comparison("helped" if test.mean_difference > 0 else "hurt", test)
    return Comparison("no clear effect", test)
