"""utils.findings: one implementation of every outcome the course reports, on small synthetic results."""

from utils.findings import (
    ACCURACY,
    FIT_THRESHOLD,
    GAP,
    HELD_OUT_LOSS,
    STILL_RISING,
    TRAINING_ACCURACY,
    VERDICTS,
    CurveSummary,
    Finding,
    Findings,
    Quantity,
    compare,
    compare_on_test_set,
    curve_summary,
    estimate,
    fit_note,
    identical_runs,
    rank,
)
from utils.results import CVResult
from utils.stats import corrected_resampled_ttest, interval_of_mean

import math
import sys

import numpy as np
import pytest
from scipy import stats as scipy_stats

FOLDS = [np.arange(k, 20, 4) for k in range(4)]  # 4 splits of a 20-row data set
EPOCHS = 5
SIZES = dict(n_train=15, n_test=5)


def history(train_accuracy=1.0, val_loss=0.5, gap=0.1, splits=4, seed=0):
    """A per-epoch history whose final values are given; earlier epochs vary a little."""
    rng = np.random.default_rng(seed)
    noise = rng.normal(0, 0.001, (splits, EPOCHS))
    val_accuracy = np.full((splits, EPOCHS), train_accuracy - gap) + noise
    return {
        "loss": np.full((splits, EPOCHS), 0.3) + noise,
        "accuracy": np.full((splits, EPOCHS), 0.9) + noise,
        "train_eval_loss": np.full((splits, EPOCHS), 0.1) + noise,
        "train_eval_accuracy": np.full((splits, EPOCHS), train_accuracy),
        "val_loss": np.full((splits, EPOCHS), val_loss) + noise,
        "val_accuracy": val_accuracy,
    }


def run(scores, label, *, hist=None, collapsed=None, diverged=None, folds=FOLDS):
    n = len(scores)
    return CVResult(
        scores=np.asarray(scores, float),
        test_indices=folds[:n],
        history=hist,
        label=label,
        collapsed=np.zeros(n, bool) if collapsed is None else np.asarray(collapsed),
        diverged=np.zeros(n, bool) if diverged is None else np.asarray(diverged),
    )


BASE = [0.80, 0.70, 0.75, 0.85]
BETTER = [0.90, 0.82, 0.86, 0.95]  # +10, +12, +11, +10 points: tight, clearly above zero
NOISY = [0.95, 0.55, 0.90, 0.70]  # +15, -15, +15, -15: centred on zero


# ------------------------------------------------------------------ helped / hurt / no clear effect


def test_a_clear_gain_helped_and_a_clear_loss_hurt():
    up = compare(run(BETTER, "dropout"), run(BASE, "standard"), **SIZES)
    down = compare(run(BASE, "standard"), run(BETTER, "dropout"), **SIZES)
    assert (up.verdict, down.verdict) == ("helped", "hurt")
    test = corrected_resampled_ttest(BETTER, BASE, 15, 5)
    assert up.difference == pytest.approx(100 * test.mean_difference)
    assert up.interval == pytest.approx((100 * test.ci_low, 100 * test.ci_high))
    assert up.interval[0] > 0 and down.interval[1] < 0
    assert str(up).startswith(f"helped ({up.difference:+.1f} points, 95% CI [{up.interval[0]:+.1f}, ")
    assert (
        f"dropout against standard: **helped** in test accuracy ({up.difference:+.1f} points" in up.sentence()
    )


def test_an_interval_containing_zero_is_no_clear_effect_and_says_what_the_design_resolves():
    finding = compare(run(NOISY, "dropout"), run(BASE, "standard"), **SIZES)
    assert finding.verdict == "no clear effect" and finding.contains(0.0)
    sentence = finding.sentence()
    assert f"beyond about ±{finding.half_width:.1f} points" in sentence
    assert f"detect a true difference of {finding.detectable:.1f} points four times in five" in sentence
    assert finding.detectable > finding.half_width  # a true effect must exceed the half-width to be seen 80%


def test_a_difference_that_rounds_to_zero_is_never_minus_zero():
    from utils.findings import _signed

    assert _signed(-0.0004, 1) == "+0.0" and _signed(-0.04, 1) == "+0.0" and _signed(-0.06, 1) == "-0.1"
    assert _signed(0.25, 1) in ("+0.2", "+0.3") and _signed(3.14159, 3) == "+3.142"


def test_equal_scores_on_every_split_are_said_to_be_equal():
    finding = compare(run(BASE, "a"), run(BASE, "b"), **SIZES)  # no histories: not "identical runs"
    assert finding.verdict == "no clear effect"
    assert "the same test accuracy on every split" in finding.sentence()


def test_for_a_quantity_where_lower_is_better_a_decrease_helped():
    low, high = run(BASE, "a", hist=history(val_loss=0.4)), run(BASE, "b", hist=history(val_loss=0.9, seed=1))
    assert compare(low, high, quantity=HELD_OUT_LOSS, **SIZES).verdict == "helped"
    assert compare(high, low, quantity=HELD_OUT_LOSS, **SIZES).verdict == "hurt"
    narrow, wide = run(BASE, "a", hist=history(gap=0.02)), run(BASE, "b", hist=history(gap=0.2, seed=1))
    finding = compare(narrow, wide, quantity=GAP, **SIZES)
    assert finding.verdict == "helped" and finding.difference == pytest.approx(-18, abs=0.5)
    assert f"in generalization gap ({finding.difference:+.1f} points, 95% CI" in finding.sentence()


def test_history_quantities_average_the_last_epochs():
    h = history()
    h["val_loss"][:, -2:] = [[1.0, 3.0]] * 4
    result = run(BASE, "a", hist=h)
    np.testing.assert_allclose(HELD_OUT_LOSS.values(result, last=1), 3.0)
    np.testing.assert_allclose(HELD_OUT_LOSS.values(result, last=2), 2.0)
    with pytest.raises(ValueError, match="last=6 is more than the 5 recorded epochs"):
        HELD_OUT_LOSS.values(result, last=6)
    with pytest.raises(ValueError, match="no per-epoch history"):
        HELD_OUT_LOSS.values(run(BASE, "plain"))
    np.testing.assert_allclose(TRAINING_ACCURACY.values(result), 1.0)
    np.testing.assert_allclose(ACCURACY.values(result), BASE)


# ------------------------------------------------------------------ runs that did not train


@pytest.mark.parametrize("which", ["a", "b"])
def test_a_failed_split_in_either_run_is_training_failed_never_an_effect(which):
    flags = [False, True, True, False]
    a = run(BETTER, "dropout 0.8", collapsed=flags if which == "a" else None)
    b = run(BASE, "standard", diverged=flags if which == "b" else None)
    finding = compare(a, b, **SIZES)
    assert finding.verdict == "training failed" and finding.test is None
    name, kind = ("dropout 0.8", "collapsed") if which == "a" else ("standard", "diverged")
    assert finding.failure == f"{name}: 2 of 4 splits {kind}"
    assert str(finding) == f"training failed ({name}: 2 of 4 splits {kind})"
    if which == "a":
        assert finding.failed == "a" and "the change stopped the network from training" in finding.sentence()
    else:
        assert (
            finding.failed == "b"
            and "standard, the run it is compared with, did not train" in finding.sentence()
        )
    assert math.isnan(finding.difference) and math.isnan(finding.half_width)
    with pytest.raises(ValueError, match="no test"):
        finding.detection_probability(5.0)


def test_training_failed_takes_precedence_over_identical_runs():
    h = history()
    a = run(BASE, "a", hist=h, collapsed=[True, False, False, False])
    b = run(BASE, "b", hist=h, collapsed=[True, False, False, False])
    assert compare(a, b, **SIZES).verdict == "training failed"


# ------------------------------------------------------------------ identical runs and never acted


def test_runs_identical_on_every_split_and_epoch_are_identical_runs():
    a, b = run(BASE, "max-norm 3", hist=history()), run(BASE, "no max-norm", hist=history())
    assert identical_runs(a, b)
    finding = compare(a, b, **SIZES)
    assert finding.verdict == "identical runs" and not finding.tested
    assert "made no difference" in finding.sentence()


def test_one_differing_history_entry_is_not_identical():
    h = history()
    h2 = {key: value.copy() for key, value in h.items()}
    h2["val_loss"][3, 2] += 1e-9
    a, b = run(BASE, "a", hist=h), run(BASE, "b", hist=h2)
    assert not identical_runs(a, b)
    assert compare(a, b, **SIZES).verdict != "identical runs"


def test_a_run_identical_to_its_twin_never_acted():
    bound3 = run(BETTER, "max-norm 3", hist=history())
    bound1000 = run(BETTER, "max-norm 1000", hist=history())
    none = run(BASE, "no max-norm", hist=history(seed=5))
    finding = compare(bound3, none, twin=bound1000, **SIZES)
    assert finding.verdict == "never acted" and finding.twin == "max-norm 1000"
    assert str(finding) == "never acted (identical to max-norm 1000 on every split)"
    # a twin that differs leaves the ordinary verdict
    other = run(BETTER, "max-norm 1000", hist=history(seed=9))
    assert compare(bound3, none, twin=other, **SIZES).verdict == "helped"


def test_identity_needs_histories():
    with pytest.raises(ValueError, match="no per-epoch history"):
        identical_runs(run(BASE, "a"), run(BASE, "b", hist=history()))
    assert not identical_runs(run(BASE, "a", hist=history()), run(BASE[:3], "b", hist=history(splits=3)))


# ------------------------------------------------------------------ fit: a run that had not finished learning


def test_a_loss_by_a_run_that_did_not_fit_its_training_rows_carries_a_note():
    slow = run(BASE, "hidden 0.8", hist=history(train_accuracy=0.90))
    fast = run(BETTER, "hidden 0.2", hist=history(train_accuracy=1.0, seed=2))
    finding = compare(slow, fast, **SIZES)
    assert finding.verdict == "hurt"
    assert "hidden 0.8 fit only 90.0% of its training rows (dropout off) after 5 epochs" in finding.note
    assert finding.note in finding.sentence()
    # the same difference by a run that fit is plain
    fitted = run(BASE, "hidden 0.8", hist=history(train_accuracy=FIT_THRESHOLD))
    assert compare(fitted, fast, **SIZES).note == ""
    # a gain over a run that did not fit is noted too (the loser is the slow one)
    assert "standard fit only" in compare(fast, run(BASE, "standard", hist=history(0.9)), **SIZES).note
    assert compare(slow, fast, check_fit=False, **SIZES).note == ""


def rising_history(start, end, epochs=8, splits=4):
    """A history whose training accuracy (dropout off) climbs linearly from start to end."""
    base = history(splits=splits)
    curve = np.linspace(start, end, epochs)
    return {k: np.resize(v, (splits, epochs)) for k, v in base.items()} | {
        "train_eval_accuracy": np.tile(curve, (splits, 1))
    }


def test_a_run_that_did_not_fit_is_told_apart_by_whether_it_was_still_rising():
    # 8 epochs: the last quarter is 2 epochs; linear 0.70 -> 0.84 climbs 0.04 over them
    rising = fit_note(run(BASE, "slow", hist=rising_history(0.70, 0.84)))
    assert rising.startswith(
        "But slow fit only 84.0% of its training rows (dropout off) after 8 epochs, still rising"
    )
    assert "(+4.0 points over its last 2 epochs)" in rising and "training speed, not generalization" in rising
    # flat at 60%: it underfits; the note must not blame training speed
    flat = fit_note(run(BASE, "small", hist=history(train_accuracy=0.60)))
    assert (
        "small fit only 60.0%" in flat and "had stopped rising (+0.0 points over its last 1 epochs)" in flat
    )
    assert "underfits" in flat and "not about training speed" in flat
    # a gain above STILL_RISING over the last quarter is still rising, one below it has stopped
    just_more = rising_history(0.5, 0.5 + 8 * STILL_RISING, epochs=8)  # 2 epochs gain 2.3 x STILL_RISING
    assert "still rising" in fit_note(run(BASE, "m", hist=just_more))
    just_less = rising_history(0.5, 0.5 + 3 * STILL_RISING, epochs=8)  # 2 epochs gain 0.86 x STILL_RISING
    assert "stopped rising" in fit_note(run(BASE, "l", hist=just_less))
    # too few epochs to tell: hedged
    short = {k: v[:, :3] for k, v in history(train_accuracy=0.6).items()}
    assert "may be training speed" in fit_note(run(BASE, "s", hist=short))
    # fitted, or without a history: no note
    assert fit_note(run(BASE, "f", hist=history(train_accuracy=FIT_THRESHOLD))) == ""
    assert fit_note(run(BASE, "n")) == ""
    with pytest.raises(ValueError, match="result must be a CVResult, got dict"):
        fit_note({})
    # compare uses it on the worse run
    finding = compare(
        run(BASE, "small", hist=history(train_accuracy=0.6)),
        run(BETTER, "big", hist=history(seed=2)),
        **SIZES,
    )
    assert finding.verdict == "hurt" and finding.note == flat


# ------------------------------------------------------------------ bad input


def test_runs_on_different_splits_are_refused():
    shifted = [np.arange(k + 1, 21, 4) for k in range(4)]
    with pytest.raises(ValueError, match="not evaluated on the same splits"):
        compare(run(BASE, "a"), run(BASE, "b", folds=shifted), **SIZES)
    with pytest.raises(ValueError, match="twin were not evaluated on the same splits"):
        compare(run(BASE, "a"), run(BASE, "b"), twin=run(BASE, "t", folds=shifted), **SIZES)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(a=[0.1, 0.2]), "a must be a CVResult, got list"),
        (dict(quantity="accuracy"), "quantity must be a Quantity"),
        (dict(alpha=1.5), r"alpha must be a finite number in \(0, 1\)"),
        (dict(n_train=0), "n_train must be a positive number of rows"),
    ],
)
def test_bad_arguments_are_named(kwargs, message):
    args = dict(a=run(BASE, "a"), b=run(BASE, "b"), **SIZES) | kwargs
    a, b = args.pop("a"), args.pop("b")
    with pytest.raises(ValueError, match=message):
        compare(a, b, **args)


def test_a_finding_checks_its_own_fields():
    with pytest.raises(ValueError, match="verdict must be one of"):
        Finding("better", "a", "b")
    with pytest.raises(ValueError, match="needs its test"):
        Finding("helped", "a", "b")
    with pytest.raises(ValueError, match="failed must be"):
        Finding("training failed", "a", "b", failed="x")
    with pytest.raises(ValueError, match="better must be 'higher' or 'lower'"):
        Quantity("x", "up", "scores")
    with pytest.raises(ValueError, match="source must be"):
        Quantity("x", "higher", "nope")
    assert set(VERDICTS) == {
        "helped",
        "hurt",
        "no clear effect",
        "training failed",
        "never acted",
        "identical runs",
    }


# ------------------------------------------------------------------ resolution


def test_detection_probability_of_the_design():
    finding = compare(run(NOISY, "a"), run(BASE, "b"), **SIZES)
    assert finding.detection_probability(0.0) == pytest.approx(0.05, abs=1e-9)
    assert finding.detection_probability(finding.detectable) == pytest.approx(0.8, abs=1e-6)
    probabilities = [
        finding.detection_probability(d) for d in (5, 10, 20, 40, 80)
    ]  # a 4-split design: +-42 points
    assert probabilities == sorted(probabilities) and probabilities[-1] > 0.9


def test_the_sonar_example_of_issue_17_reads_about_two_in_three():
    # A 10-fold design whose interval is +-6.2 points detects a true gain of 7.3 points about 2 times in 3.
    from utils.stats import PairedTestResult, detection_probability

    test = PairedTestResult(0.0, -0.062, 0.062, 0.0, 1.0, df=9, alpha=0.05, n_splits=10)
    assert detection_probability(0.073, test) == pytest.approx(2 / 3, abs=0.03)


# ------------------------------------------------------------------ several findings


def test_findings_table_labels_and_markdown():
    findings = Findings(
        {
            100: compare(run(NOISY, "dropout"), run(BASE, "standard"), **SIZES),
            500: compare(run(BETTER, "dropout"), run(BASE, "standard"), **SIZES),
            1000: compare(run(BETTER, "dropout", collapsed=[True] * 4), run(BASE, "standard"), **SIZES),
        }
    )
    assert findings.labels("helped") == [500]
    assert findings.labels("no clear effect", "training failed") == [100, 1000]
    table = findings.table()
    assert list(table.columns) == [
        "verdict",
        "difference",
        "95% CI",
        "resolves ±",
        "detects (4 in 5)",
        "note",
    ]
    assert table.loc[100, "detects (4 in 5)"] == round(findings[100].detectable, 1)
    assert (
        table.loc[500, "verdict"] == "helped"
        and table.loc[1000, "note"] == "dropout: 4 of 4 splits collapsed"
    )
    assert findings._repr_markdown_().count("\n- ") == 2
    assert findings._repr_markdown_().startswith("- 100: dropout against standard: **no clear effect**")
    rows = Findings(dict(findings), label="{} training rows")._repr_markdown_()
    assert "\n- 500 training rows: dropout against standard: **helped**" in rows
    with pytest.raises(ValueError, match="must be a Finding"):
        Findings({1: "helped"})
    with pytest.raises(ValueError, match="non-empty mapping"):
        Findings({})
    with pytest.raises(ValueError, match="format string"):
        Findings(dict(findings), label="rows")
    with pytest.raises(ValueError, match="verdicts must be among"):
        findings.labels("better")


def test_estimate_is_the_corrected_interval_of_the_mean():
    result = run(BASE, "baseline")
    est = estimate(result, **SIZES)
    j, s2 = 4, np.var(BASE, ddof=1)
    half = scipy_stats.t.ppf(0.975, j - 1) * math.sqrt((1 / j + 5 / 15) * s2)
    assert (est.ci_low, est.ci_high) == pytest.approx((np.mean(BASE) - half, np.mean(BASE) + half))
    assert (est.ci_low, est.ci_high) == pytest.approx(interval_of_mean(BASE, 15, 5))
    assert est.contains(0.78) and not est.contains(0.99)
    assert "baseline: **77.5%**" in est.sentence()
    failed = estimate(run(BASE, "x", collapsed=[True, False, False, False]), **SIZES)
    assert "Not the accuracy of a trained model: 1 of 4 splits collapsed" in failed.sentence()


def test_rank_finds_the_best_its_ties_the_worse_and_the_failed():
    results = {
        0.0: run(BASE, "rate 0"),
        0.2: run(BETTER, "rate 0.2"),
        0.5: run([0.91, 0.80, 0.88, 0.93], "rate 0.5"),
        0.8: run(BASE, "rate 0.8", collapsed=[True] * 4),
    }
    ranking = rank(results, **SIZES)
    assert ranking.best == 0.2 and ranking.tied == (0.5,) and list(ranking.worse) == [0.0]
    assert ranking.failed == {0.8: "4 of 4 splits collapsed"} and ranking.top == (0.2, 0.5)
    text = ranking.sentence()
    assert "Highest mean: **0.2** (88.2%). Not distinguishable from it: 0.5." in text
    assert "Did not train: 0.8 (4 of 4 splits collapsed)" in text
    with pytest.raises(ValueError, match="no run trained"):
        rank({1: results[0.8]}, **SIZES)
    with pytest.raises(ValueError, match="non-empty mapping"):
        rank({}, **SIZES)


# ------------------------------------------------------------------ learning curves


def test_curve_summary_reads_the_mean_curves():
    h = history()
    h["val_loss"][:] = [0.6, 0.4, 0.5, 0.7, 0.9]  # lowest at epoch 2, ends 2.25 times higher
    h["val_accuracy"][:] = [0.5, 0.7, 0.78, 0.8, 0.805]  # within a point of the end from epoch 4
    summary = curve_summary(run(BASE, "baseline", hist=h))
    assert isinstance(summary, CurveSummary)
    assert (summary.best_epoch, summary.best_val_loss, summary.final_val_loss) == (2, 0.4, 0.9)
    assert summary.rise == pytest.approx(2.25) and summary.overfits_in_loss
    assert summary.settled_epoch == 4 and summary.fits and summary.gap == pytest.approx(0.195)
    assert "then rises, to 0.900 at epoch 5 (2.2 times its minimum)" in summary.sentence()
    h["val_loss"][:] = [0.6, 0.4, 0.41, 0.42, 0.43]
    h["train_eval_accuracy"][:] = 0.9
    flat = curve_summary(run(BASE, "dropout", hist=h))
    assert not flat.overfits_in_loss and not flat.fits
    assert "within 10% of that minimum" in flat.sentence() and "it has not fit them" in flat.sentence()
    with pytest.raises(ValueError, match="did not train"):
        curve_summary(run(BASE, "x", hist=h, diverged=[True] * 4))


# ------------------------------------------------------------------ CVResult accessors


def test_cvresult_final_and_curve():
    h = history()
    h["val_loss"][:, -1] = [1.0, 2.0, 3.0, 4.0]
    result = run(BASE, "a", hist=h)
    np.testing.assert_array_equal(result.final_per_split("val_loss"), [1, 2, 3, 4])
    assert result.final("val_loss") == 2.5
    assert result.curve("val_loss")[-1] == 2.5 and result.curve("val_loss").shape == (EPOCHS,)
    with pytest.raises(ValueError, match="unknown history entry 'nope'"):
        result.final("nope")
    with pytest.raises(ValueError, match="no per-epoch history"):
        run(BASE, "plain").final("val_loss")


def test_findings_and_stats_load_no_tensorflow():
    import subprocess

    code = "import utils.findings, utils.stats, utils.limits, sys; print('tensorflow' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "False"


# ------------------------------------------------------------------ one test set, a few seeds


def test_seeds_paired_ttest_adds_seed_noise_and_test_set_noise():
    from utils.stats import seeds_paired_ttest

    rng = np.random.default_rng(0)
    a = rng.random((3, 400)) < 0.6
    b = rng.random((3, 400)) < 0.5
    test = seeds_paired_ttest(a, b)
    per_seed = a.mean(1) - b.mean(1)
    per_example = (a.astype(float) - b).mean(0)
    v1, v2 = per_seed.var(ddof=1) / 3, per_example.var(ddof=1) / 400
    df = (v1 + v2) ** 2 / (v1**2 / 2 + v2**2 / 399)
    half = scipy_stats.t.ppf(0.975, df) * math.sqrt(v1 + v2)
    assert test.mean_difference == pytest.approx(per_seed.mean())
    assert test.df == pytest.approx(df) and 2 <= test.df <= 402 and test.n_splits == 3
    assert (test.ci_low, test.ci_high) == pytest.approx((per_seed.mean() - half, per_seed.mean() + half))
    with pytest.raises(ValueError, match="boolean arrays of the same shape"):
        seeds_paired_ttest(a.astype(int), b)
    with pytest.raises(ValueError, match="at least 2 seeds"):
        seeds_paired_ttest(a[:1], b[:1])


def test_seeds_paired_ttest_covers_the_truth_about_95_percent_of_the_time():
    # Simulate: a true gain of 5 points, seed effects of 2 points, 500 test examples, 3 seeds.
    from utils.stats import seeds_paired_ttest

    rng = np.random.default_rng(3)
    covered, trials = 0, 400
    for _ in range(trials):
        hard = rng.random(500)  # how hard each test example is
        seed_a, seed_b = rng.normal(0, 0.02, 3), rng.normal(0, 0.02, 3)
        a = rng.random((3, 500)) < np.clip(0.55 - 0.3 * (hard - 0.5) + seed_a[:, None], 0, 1)
        b = rng.random((3, 500)) < np.clip(0.50 - 0.3 * (hard - 0.5) + seed_b[:, None], 0, 1)
        test = seeds_paired_ttest(a, b)
        covered += test.ci_low <= 0.05 <= test.ci_high
    assert 0.9 <= covered / trials <= 0.995, covered / trials


def test_compare_on_test_set_gives_the_course_verdicts():
    rng = np.random.default_rng(1)
    base = rng.random((3, 1000)) < 0.4
    better = base | (rng.random((3, 1000)) < 0.2)  # about 12 points more, on the same examples
    found = compare_on_test_set(better, base, a="dropout", b="standard")
    assert found.verdict == "helped" and found.difference > 5
    assert compare_on_test_set(base, better, a="standard", b="dropout").verdict == "hurt"
    same = compare_on_test_set(base, base[[1, 2, 0]], a="x", b="y")
    assert same.verdict == "no clear effect"
    with pytest.raises(ValueError, match="a must be a non-empty string"):
        compare_on_test_set(better, base, a="", b="standard")


def test_compare_on_test_set_refuses_to_read_a_failed_run_as_an_effect():
    rng = np.random.default_rng(2)
    base = rng.random((3, 200)) < 0.4
    y_train = np.repeat(np.arange(10), 10)  # a constant guess scores ln 10 = 2.303
    found = compare_on_test_set(
        base,
        base,
        a="dropout",
        b="standard",
        train_loss_a=[0.5, 2.30, 2.29],
        train_loss_b=[0.4, float("nan"), 0.3],
        y_train=y_train,
    )
    assert found.verdict == "training failed" and found.failed == "both"
    assert found.failure == "dropout: 2 of 3 runs collapsed; standard: 1 of 3 runs diverged"
    assert "Neither run trained" in found.sentence()
    trained = compare_on_test_set(
        base, base, a="x", b="y", train_loss_a=[0.5] * 3, train_loss_b=[0.6] * 3, y_train=y_train
    )
    assert trained.verdict == "no clear effect"
    with pytest.raises(ValueError, match="y_train is needed"):
        compare_on_test_set(base, base, a="x", b="y", train_loss_a=[0.5] * 3)
