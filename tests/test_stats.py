"""Tests for utils.stats (the corrected resampled t-test)."""

from utils.stats import PairedTestResult, corrected_resampled_ttest, describe_difference

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


def test_sentence_verdict_follows_the_numbers():
    not_sig = describe_difference(corrected_resampled_ttest(A, B, 90, 10), "dropout", "baseline")
    assert "not distinguishable from zero at the 5% level" in not_sig
    assert not_sig.startswith("dropout minus baseline: +2.0 points (95% CI [")
    a = np.linspace(0.8, 0.9, 10)
    sig = describe_difference(
        corrected_resampled_ttest(a + 0.05, a + np.r_[0, 0.001].repeat(5), 90, 10), "x", "y"
    )
    assert "distinguishable from zero" in sig and "not distinguishable" not in sig
    with pytest.raises(ValueError, match="PairedTestResult"):
        describe_difference(0.5, "x", "y")
