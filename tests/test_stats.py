"""Tests for utils.stats (the corrected resampled t-test)."""

from utils.stats import (
    PairedTestResult,
    corrected_resampled_ttest,
    detectable_difference,
    detection_probability,
    interval_of_mean,
)

import math

import numpy as np
import pytest
from scipy import stats as scipy_stats

A = [0.90, 0.85, 0.80, 0.95, 0.70]
B = [0.85, 0.85, 0.75, 0.90, 0.75]  # differences 0.05, 0, 0.05, 0.05, -0.05


def test_matches_hand_computation():
    # d = [0.05, 0, 0.05, 0.05, -0.05]: mean 0.02, squared deviations sum to 0.008,
    # so the sample variance (ddof=1) is 0.002
    res = corrected_resampled_ttest(A, B, n_train=90, n_test=10)
    mean, var, j = 0.02, 0.002, 5
    se = math.sqrt((1 / j + 10 / 90) * var)
    t = mean / se
    assert res.mean_difference == pytest.approx(mean)
    assert res.t == pytest.approx(t)
    assert res.df == 4 and res.n_splits == 5
    assert res.p_value == pytest.approx(2 * scipy_stats.t.sf(t, 4))
    half = scipy_stats.t.ppf(0.975, 4) * se
    assert res.ci_low == pytest.approx(mean - half)
    assert res.ci_high == pytest.approx(mean + half)
    # hand numbers: se = sqrt((1/5 + 1/9) * 0.002) = 0.024944, t = 0.8018
    assert se == pytest.approx(0.0249444, rel=1e-5)
    assert res.t == pytest.approx(0.80178, rel=1e-4)


def test_correction_widens_the_interval_against_the_naive_test():
    res = corrected_resampled_ttest(A, B, n_train=90, n_test=10)
    naive = scipy_stats.ttest_rel(A, B)
    assert res.p_value > naive.pvalue
    assert abs(res.t) < abs(naive.statistic)


def test_swapping_models_flips_the_sign_only():
    ab = corrected_resampled_ttest(A, B, 90, 10)
    ba = corrected_resampled_ttest(B, A, 90, 10)
    assert ba.mean_difference == pytest.approx(-ab.mean_difference)
    assert ba.t == pytest.approx(-ab.t)
    assert ba.ci_low == pytest.approx(-ab.ci_high)
    assert ba.ci_high == pytest.approx(-ab.ci_low)
    assert ba.p_value == pytest.approx(ab.p_value)


def test_identical_inputs_give_zero_difference_and_p_one():
    res = corrected_resampled_ttest(A, A, 90, 10)
    assert res.mean_difference == 0.0
    assert res.t == 0.0
    assert res.p_value == 1.0
    assert res.ci_low == res.ci_high == 0.0
    assert not res.significant


def test_constant_nonzero_difference_is_certain():
    a = np.array([0.8, 0.7, 0.9])
    res = corrected_resampled_ttest(a + 0.1, a, 90, 10)
    assert res.mean_difference == pytest.approx(0.1)
    assert res.p_value == 0.0 and math.isinf(res.t) and res.t > 0
    assert res.significant


def test_alpha_controls_the_interval_level():
    wide = corrected_resampled_ttest(A, B, 90, 10, alpha=0.01)
    narrow = corrected_resampled_ttest(A, B, 90, 10, alpha=0.2)
    assert wide.ci_high - wide.ci_low > narrow.ci_high - narrow.ci_low


def test_result_is_frozen():
    res = corrected_resampled_ttest(A, B, 90, 10)
    assert isinstance(res, PairedTestResult)
    with pytest.raises(AttributeError):
        res.t = 0.0


@pytest.mark.parametrize(
    "a, b, n_train, n_test, alpha, message",
    [
        ([0.1, 0.2], [0.1], 90, 10, 0.05, "one score per split"),
        ([0.1], [0.2], 90, 10, 0.05, "at least 2"),
        ([[0.1, 0.2]], [[0.1, 0.2]], 90, 10, 0.05, "1-D"),
        ([0.1, float("nan")], [0.1, 0.2], 90, 10, 0.05, "finite"),
        ([0.1, 0.2], [0.1, 0.2], 0, 10, 0.05, "n_train"),
        ([0.1, 0.2], [0.1, 0.2], 90, -1, 0.05, "n_test"),
        ([0.1, 0.2], [0.1, 0.2], 90, True, 0.05, "n_test"),
        ([0.1, 0.2], [0.1, 0.2], 90, 10, 1.5, "alpha"),
    ],
)
def test_bad_inputs_raise_clear_errors(a, b, n_train, n_test, alpha, message):
    with pytest.raises(ValueError, match=message):
        corrected_resampled_ttest(a, b, n_train, n_test, alpha=alpha)


def test_interval_of_mean_uses_the_corrected_variance():
    low, high = interval_of_mean(A, n_train=90, n_test=10)
    half = scipy_stats.t.ppf(0.975, 4) * math.sqrt((1 / 5 + 10 / 90) * np.var(A, ddof=1))
    assert (low, high) == pytest.approx((np.mean(A) - half, np.mean(A) + half))
    for bad in ([0.5], [0.5, float("nan")], [[0.5, 0.6]]):
        with pytest.raises(ValueError, match="scores must be at least 2 finite numbers"):
            interval_of_mean(bad, 90, 10)


def test_detection_probability_is_alpha_at_zero_and_grows_with_the_difference():
    test = corrected_resampled_ttest(A, B, 90, 10)
    assert detection_probability(0.0, test) == pytest.approx(0.05)
    assert detection_probability(0.05, test) == pytest.approx(detection_probability(-0.05, test))
    values = [detection_probability(d, test) for d in (0.01, 0.05, 0.1, 0.2)]
    assert values == sorted(values) and values[-1] > 0.99
    # by simulation: draw t statistics of a design with this se and df, count |t| beyond the critical value
    se = test.half_width / scipy_stats.t.ppf(0.975, test.df)
    rng = np.random.default_rng(0)
    z = rng.normal(0.06 / se, 1, 200_000)
    chi = np.sqrt(rng.chisquare(test.df, 200_000) / test.df)
    simulated = np.mean(np.abs(z / chi) > scipy_stats.t.ppf(0.975, test.df))
    assert detection_probability(0.06, test) == pytest.approx(simulated, abs=0.005)


def test_detectable_difference_inverts_detection_probability():
    test = corrected_resampled_ttest(A, B, 90, 10)
    d = detectable_difference(test, 0.8)
    assert detection_probability(d, test) == pytest.approx(0.8, abs=1e-6)
    assert d > test.half_width  # 80% power needs more than the half-width
    assert detectable_difference(corrected_resampled_ttest(A, A, 90, 10)) == 0.0
    with pytest.raises(ValueError, match="power must exceed alpha"):
        detectable_difference(test, 0.01)
    with pytest.raises(ValueError, match="PairedTestResult"):
        detection_probability(0.1, 0.5)
