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

:func:`corrected_resampled_ttest` computes it, :func:`interval_of_mean` gives one model's
mean with the same correction, :func:`seeds_paired_ttest` compares two models trained with a few
seeds and scored on one shared test set (the design of a single train/validation/test split), and :func:`detection_probability` / :func:`detectable_difference`
say what a design can resolve: how often it would call a true difference real. Turning a test into
the course's verdict and sentence is :mod:`utils.findings`' job.
"""

from __future__ import annotations

from utils.checks import check_number, check_positive, check_probability

import math
from dataclasses import dataclass

import numpy as np
from scipy import optimize as _optimize
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
        Degrees of freedom: ``J - 1`` for ``J`` splits (:func:`seeds_paired_ttest` gives a
        Welch-Satterthwaite value, not always a whole number).
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
    df: float
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
    try:
        return check_positive(name, value)
    except ValueError:
        raise ValueError(f"{name} must be a positive number of rows, got {value!r}") from None


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
    alpha = check_probability("alpha", alpha)

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


def seeds_paired_ttest(correct_a, correct_b, alpha: float = 0.05) -> PairedTestResult:
    """Paired comparison of two models trained with the same ``J`` seeds and scored on one test set.

    Parameters
    ----------
    correct_a, correct_b:
        Boolean arrays of shape ``(J, m)``: whether model ``a`` (``b``) trained with seed ``j``
        classified test example ``i`` correctly. Row ``j`` of both arrays comes from the same seed.
    alpha:
        Significance level.

    Returns
    -------
    PairedTestResult
        The mean over seeds of ``accuracy_a - accuracy_b`` and its ``1 - alpha`` interval. Two sources
        of noise are added: the training runs' randomness, ``v_seeds = s^2 / J`` with ``s`` the standard
        deviation of the per-seed differences, and the test set's sampling, ``v_test = var_i(e_i) / m``
        with ``e_i`` the per-example difference (+1, 0 or -1) averaged over the seeds. (Each estimate
        also contains the seed-by-example noise, so their sum is slightly conservative.) The interval
        uses a t distribution with the Welch-Satterthwaite degrees of freedom,
        ``(v_seeds + v_test)^2 / (v_seeds^2 / (J - 1) + v_test^2 / (m - 1))``, stored in ``df``.
    """
    a = np.asarray(correct_a)
    b = np.asarray(correct_b)
    if a.dtype != bool or b.dtype != bool or a.ndim != 2 or a.shape != b.shape:
        raise ValueError(
            "correct_a and correct_b must be boolean arrays of the same shape (seeds, test examples), got "
            f"{a.dtype} {a.shape} and {b.dtype} {b.shape}"
        )
    j, m = a.shape
    if j < 2 or m < 2:
        raise ValueError(f"need at least 2 seeds and 2 test examples, got {j} seeds and {m} examples")
    alpha = check_probability("alpha", alpha)
    per_seed = a.mean(axis=1) - b.mean(axis=1)
    per_example = (a.astype(float) - b.astype(float)).mean(axis=0)
    v_seeds = float(per_seed.var(ddof=1)) / j
    v_test = float(per_example.var(ddof=1)) / m
    mean = float(per_seed.mean())
    se = math.sqrt(v_seeds + v_test)
    if se == 0.0:
        t, p = (0.0, 1.0) if mean == 0.0 else (math.copysign(math.inf, mean), 0.0)
        return PairedTestResult(mean, mean, mean, t, p, j - 1, alpha, j)
    df = (v_seeds + v_test) ** 2 / (v_seeds**2 / (j - 1) + v_test**2 / (m - 1))
    t = mean / se
    p = float(2.0 * _scipy_stats.t.sf(abs(t), df))
    half = _t_critical(df, alpha) * se
    return PairedTestResult(mean, mean - half, mean + half, float(t), p, df, alpha, j)


def _t_critical(df: int, alpha: float) -> float:
    return float(_scipy_stats.t.ppf(1.0 - alpha / 2.0, df))


def interval_of_mean(scores, n_train, n_test, alpha: float = 0.05) -> tuple[float, float]:
    """The corrected ``1 - alpha`` confidence interval of one model's mean score over ``J`` splits.

    The same correction as :func:`corrected_resampled_ttest`, for a single model: the variance of
    the mean is ``(1/J + n_test/n_train) s^2`` rather than ``s^2 / J``, because the splits' training
    sets overlap. Returns ``(low, high)``.
    """
    scores = np.asarray(scores, dtype=float)
    if scores.ndim != 1 or scores.size < 2 or not np.all(np.isfinite(scores)):
        raise ValueError(f"scores must be at least 2 finite numbers, one per split, got {scores!r:.80}")
    n_train = _check_size("n_train", n_train)
    n_test = _check_size("n_test", n_test)
    alpha = check_probability("alpha", alpha)
    j = scores.size
    se = math.sqrt((1.0 / j + n_test / n_train) * float(scores.var(ddof=1)))
    half = _t_critical(j - 1, alpha) * se
    mean = float(scores.mean())
    return mean - half, mean + half


def detection_probability(difference: float, test: PairedTestResult) -> float:
    """How often a design like ``test``'s would call a true mean difference ``difference`` real.

    "A design like this one" has the same number of splits and the same corrected standard error of
    the mean difference as ``test`` (its observed one: the answer is an estimate, not a guarantee).
    The t statistic then follows a noncentral t distribution with ``J - 1`` degrees of freedom and
    noncentrality ``difference / se``; the probability is that of landing beyond either critical
    value. For a true difference of zero it is ``alpha``. ``difference`` is in the scores' units
    (0.073 for 7.3 points of accuracy).
    """
    if not isinstance(test, PairedTestResult):
        raise ValueError(f"test must be a PairedTestResult, got {type(test).__name__}")
    difference = check_number("difference", difference)
    critical = _t_critical(test.df, test.alpha)
    se = test.half_width / critical
    if se == 0.0:
        return 1.0 if difference != 0 else 0.0
    shift = difference / se
    noncentral = _scipy_stats.nct(test.df, shift)
    probability = float(noncentral.sf(critical) + noncentral.cdf(-critical))
    if not np.isfinite(probability):  # scipy's noncentral t gives NaN far in the tail: certain detection
        probability = float(_scipy_stats.norm.sf(critical - abs(shift)))
    return min(max(probability, 0.0), 1.0)


def detectable_difference(test: PairedTestResult, power: float = 0.8) -> float:
    """The true difference a design like ``test``'s detects with probability ``power`` (in the scores'
    units): the inverse of :func:`detection_probability`. About 1.4 times the interval's half-width at
    80% power (1.39 with 10 splits, 1.42 with 50: relative to the half-width, which grows with the t
    quantile, it hardly depends on the number of splits)."""
    if not isinstance(test, PairedTestResult):
        raise ValueError(f"test must be a PairedTestResult, got {type(test).__name__}")
    power = check_probability("power", power)
    if power <= test.alpha:
        raise ValueError(f"power must exceed alpha = {test.alpha}, got {power}")
    se = test.half_width / _t_critical(test.df, test.alpha)
    if se == 0.0:
        return 0.0
    critical = _t_critical(test.df, test.alpha)
    # beyond critical + 8 standard errors detection is certain for any power < 1 worth asking about
    return float(
        _optimize.brentq(
            lambda d: detection_probability(d, test) - power, 0.0, (critical + 8.0) * se, xtol=1e-12 * se
        )
    )
