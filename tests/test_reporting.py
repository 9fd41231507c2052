"""utils.reporting: the generalization gap with dropout off, its plots, layer descriptions, the course's answer."""

import matplotlib

matplotlib.use("Agg")

from utils.models import build_mlp, hidden_dropout_model, visible_dropout_model  # noqa: E402
from utils.plotting import plot_learning_curves  # noqa: E402
from utils.reporting import (  # noqa: E402
    GapReport,
    accuracy_gap,
    describe_layers,
    describe_paired,
    difference_verdict,
    gap_report,
    identical_runs,
    plot_gap_and_held_out_loss,
    smoothed,
    sonar_answer,
    split_sizes,
)
from utils.results import CVResult  # noqa: E402

import keras  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

EPOCHS = 20


def make_result(n=3, epochs=EPOCHS, train_on=0.80, train_off=0.95, val=0.85, collapsed=None, label="model"):
    """A result whose histories are constant per split: split k adds 0.01 * k to every accuracy."""
    bump = 0.01 * np.arange(n)[:, None] * np.ones((1, epochs))
    history = {
        "loss": np.full((n, epochs), 0.4),
        "accuracy": train_on + bump,
        "train_eval_loss": np.full((n, epochs), 0.1),
        "train_eval_accuracy": train_off + bump,
        "val_loss": np.tile(np.linspace(1.0, 0.5, epochs), (n, 1)),
        "val_accuracy": val + bump,
    }
    history["val_loss"][:, epochs // 2 :] += np.linspace(0, 1, epochs - epochs // 2)  # minimum mid-run
    flags = np.zeros(n, bool) if collapsed is None else np.asarray(collapsed)
    return CVResult(
        scores=history["val_accuracy"][:, -1],
        test_indices=[np.arange(5 * k, 5 * k + 5) for k in range(n)],
        history=history,
        label=label,
        diverged=np.zeros(n, bool),
        collapsed=flags,
    )


# --- smoothed / accuracy_gap ------------------------------------------------------------------------


def test_smoothed_is_a_moving_average_of_the_mean_over_splits():
    values = np.array([[0.0, 2.0, 4.0, 6.0], [2.0, 4.0, 6.0, 8.0]])  # mean over splits: 1, 3, 5, 7
    np.testing.assert_allclose(smoothed(values, window=2), [2.0, 4.0, 6.0])
    np.testing.assert_allclose(smoothed(values, window=1), [1.0, 3.0, 5.0, 7.0])
    np.testing.assert_allclose(smoothed(values, window=4), [4.0])


@pytest.mark.parametrize(
    "values, window, message",
    [
        (np.ones(5), 2, "n_splits, epochs"),
        (np.ones((2, 3)), 4, "longer than the 3 epochs"),
        (np.ones((2, 3)), 0, "window must be an integer >= 1"),
        (np.ones((2, 3)), 1.5, "window must be an integer >= 1"),
    ],
)
def test_smoothed_rejects_bad_input(values, window, message):
    with pytest.raises(ValueError, match=message):
        smoothed(values, window)


def test_accuracy_gap_uses_the_training_fold_with_dropout_off():
    result = make_result(train_on=0.80, train_off=0.95, val=0.85)
    gap = accuracy_gap(result, window=5)
    assert gap.shape == (EPOCHS - 4,)
    np.testing.assert_allclose(gap, 0.10)  # 0.95 - 0.85, not 0.80 - 0.85


def test_accuracy_gap_needs_dropout_off_history():
    result = make_result()
    old = CVResult(
        scores=result.scores,
        test_indices=result.test_indices,
        history={k: v for k, v in result.history.items() if not k.startswith("train_eval")},
    )
    with pytest.raises(ValueError, match="lacks"):
        accuracy_gap(old)
    with pytest.raises(ValueError, match="per-epoch history"):
        accuracy_gap(CVResult(scores=[0.5], test_indices=[np.arange(2)]))
    with pytest.raises(ValueError, match="expected a CVResult"):
        accuracy_gap(result.history)


# --- gap_report ----------------------------------------------------------------------------------------


def test_gap_report_averages_the_last_epochs_per_split():
    result = make_result(n=3)
    result.history["val_accuracy"][:, -4:] -= 0.2  # only the last 4 epochs drop
    report = gap_report(result, last=4)
    assert isinstance(report, GapReport) and report.last == 4 and report.label == "model"
    np.testing.assert_allclose(report.train_accuracy, [0.95, 0.96, 0.97])
    np.testing.assert_allclose(report.val_accuracy, [0.65, 0.66, 0.67])
    np.testing.assert_allclose(report.accuracy_gaps, 0.30)
    assert report.gap == pytest.approx(0.30)
    np.testing.assert_allclose(report.train_loss, 0.1)
    np.testing.assert_allclose(report.final_val_loss, result.history["val_loss"][:, -1])
    assert report.mean_val_loss == pytest.approx(result.history["val_loss"][:, -4:].mean())
    assert report.mean_final_val_loss == pytest.approx(result.history["val_loss"][:, -1].mean())
    curve = result.history["val_loss"].mean(0)
    assert report.best_epoch == int(np.argmin(curve)) + 1 and report.best_val_loss == pytest.approx(
        curve.min()
    )
    assert 1 < report.best_epoch < EPOCHS  # the fake loss has its minimum mid-run


def test_gap_report_refuses_runs_that_did_not_train():
    with pytest.raises(ValueError, match="1 of 3 splits collapsed"):
        gap_report(make_result(collapsed=[False, True, False]), last=5)


def test_paired_test_compares_two_reports_split_by_split():
    from utils.stats import corrected_resampled_ttest

    a = gap_report(make_result(n=4, val=0.80, label="a"), last=5)
    b = gap_report(make_result(n=4, val=0.85, label="b"), last=5)
    b_noisy = GapReport(**{**b.__dict__, "val_accuracy": b.val_accuracy + [0.01, -0.02, 0.0, 0.03]})
    test = b_noisy.paired_test(a, "val_accuracy", n_train=90, n_test=10)
    expected = corrected_resampled_ttest(b_noisy.val_accuracy, a.val_accuracy, 90, 10)
    assert test == expected and test.mean_difference == pytest.approx(0.055)
    gap_test = a.paired_test(b_noisy, "accuracy_gaps", 90, 10)
    assert gap_test.mean_difference == pytest.approx((a.accuracy_gaps - b_noisy.accuracy_gaps).mean())


def test_paired_test_refuses_other_quantities_other_splits_and_other_types():
    a = gap_report(make_result(n=4, label="a"), last=5)
    with pytest.raises(ValueError, match="quantity must be one of"):
        a.paired_test(a, "gap", 90, 10)
    with pytest.raises(ValueError, match="'a' has 4 splits and 'c' has 3"):
        a.paired_test(gap_report(make_result(n=3, label="c"), last=5), "val_loss", 90, 10)
    with pytest.raises(TypeError, match="GapReport"):
        a.paired_test(make_result(n=4), "val_loss", 90, 10)


@pytest.mark.parametrize("last", [0, EPOCHS + 1, 2.0, True])
def test_gap_report_rejects_bad_windows(last):
    with pytest.raises(ValueError, match="last"):
        gap_report(make_result(), last=last)


# --- split_sizes ---------------------------------------------------------------------------------------


def test_split_sizes_average_the_test_folds():
    result = CVResult(scores=[0.5, 0.5], test_indices=[np.arange(20), np.arange(21)])
    assert split_sizes(result, 208) == (pytest.approx(187.5), pytest.approx(20.5))


@pytest.mark.parametrize("n_rows", [0, 10, 2.5])
def test_split_sizes_rejects_impossible_sizes(n_rows):
    result = CVResult(scores=[0.5, 0.5], test_indices=[np.arange(20), np.arange(21)])
    with pytest.raises(ValueError, match="n_rows|do not fit"):
        split_sizes(result, n_rows)


# --- plots ---------------------------------------------------------------------------------------------


def test_learning_curves_plot_the_dropout_off_training_curve():
    result = make_result(train_on=0.80, train_off=0.95)
    axes = plot_learning_curves(result, dropout_on=True)
    acc_lines = {line.get_label(): line.get_ydata() for line in axes[1].get_lines()}
    np.testing.assert_allclose(acc_lines["training fold, dropout off"], 0.96)  # mean of 0.95, 0.96, 0.97
    np.testing.assert_allclose(acc_lines["training, dropout on (as fit reports it)"], 0.81)
    assert "held-out fold" in acc_lines
    axes = plot_learning_curves(result)
    assert len(axes[0].get_lines()) == 2
    fit = {
        line.get_label(): line.get_ydata()
        for line in plot_learning_curves(result, training="fit")[1].get_lines()
    }
    np.testing.assert_allclose(fit["training"], 0.81)  # the dropout-on curve, as fit reports it
    with pytest.raises(ValueError, match="training must be"):
        plot_learning_curves(result, training="batch")
    plt.close("all")


def test_gap_and_loss_plot_one_line_per_model():
    a, b = make_result(label="a"), make_result(train_off=0.90, label="b")
    ax_gap, ax_loss = plot_gap_and_held_out_loss({"a": a, "b": b}, window=5)
    gaps = {
        line.get_label(): line.get_ydata()
        for line in ax_gap.get_lines()
        if not line.get_label().startswith("_")
    }
    np.testing.assert_allclose(gaps["a"], 10.0)
    np.testing.assert_allclose(gaps["b"], 5.0)
    assert len(ax_loss.get_lines()) == 2
    with pytest.raises(ValueError, match="one colour per model"):
        plot_gap_and_held_out_loss({"a": a, "b": b}, colors=["red"])
    with pytest.raises(ValueError, match="non-empty mapping"):
        plot_gap_and_held_out_loss([a, b])
    plt.close("all")


# --- describe_layers ---------------------------------------------------------------------------------


def test_describe_layers_tells_models_apart():
    visible = describe_layers(visible_dropout_model())
    assert visible[0] == ("Dropout", 0.2)
    assert visible[1] == ("Dense", 60, "relu", ("MaxNorm", 3.0, 0))
    assert visible[-1] == ("Dense", 1, "sigmoid", None)
    hidden = describe_layers(hidden_dropout_model())
    assert [d for d in hidden if d[0] == "Dropout"] == [("Dropout", 0.2)] * 2
    assert describe_layers(build_mlp((60, 30))) != describe_layers(build_mlp((60, 30), max_norm=3.0))
    assert describe_layers(visible_dropout_model()) == visible


def test_describe_layers_rejects_non_models():
    with pytest.raises(ValueError, match="expected a Keras model"):
        describe_layers(keras.layers.Dense(3))


# --- sonar_answer --------------------------------------------------------------------------------------


def test_sonar_answer_states_the_chapters_resolution_and_links_chapter_5():
    text = sonar_answer(0.0523, "5 x 10 repeated cross-validation")
    assert "about 5.2 points" in text and "5 x 10 repeated cross-validation" in text
    assert "(05_when_dropout_helps.ipynb)" in text
    assert "intermediate range" in text and "expected outcome" in text


@pytest.mark.parametrize(
    "half_width, design", [(0.0, "x"), (1.5, "x"), (float("nan"), "x"), (True, "x"), (0.05, ""), (0.05, None)]
)
def test_sonar_answer_rejects_bad_input(half_width, design):
    with pytest.raises(ValueError):
        sonar_answer(half_width, design)


# --- difference_verdict / describe_paired ----------------------------------------------------------


def test_difference_verdict_follows_the_confidence_interval():
    from utils.stats import corrected_resampled_ttest

    base = np.array([0.5, 0.6, 0.55, 0.52, 0.58, 0.61, 0.49, 0.57, 0.54, 0.53])
    up = corrected_resampled_ttest(base + 0.3 + 0.01 * np.arange(10) % 3, base, 180, 20)
    down = corrected_resampled_ttest(base - 0.3 - 0.01 * np.arange(10) % 3, base, 180, 20)
    noise = corrected_resampled_ttest(base + np.array([0.1, -0.1] * 5), base, 180, 20)
    assert up.ci_low > 0 and difference_verdict(up) == "higher"
    assert down.ci_high < 0 and difference_verdict(down) == "lower"
    assert noise.ci_low < 0 < noise.ci_high and difference_verdict(noise) == "no clear difference"
    text = describe_paired(up, "a", "b")
    assert text.startswith(f"a minus b: {up.mean_difference:+.3f} (95% CI [{up.ci_low:+.3f}, ")
    assert text.endswith(": higher")
    assert describe_paired(noise, "a", "b", scale=100, digits=1, unit="points").startswith(
        "a minus b: +0.0 points (95% CI"
    )
    with pytest.raises(ValueError, match="PairedTestResult"):
        difference_verdict(0.3)


# --- identical_runs --------------------------------------------------------------------------------------


def test_identical_runs_needs_every_split_and_epoch_to_match():
    a, b = make_result(label="a"), make_result(label="b")  # labels differ, numbers do not
    assert identical_runs(a, b) and identical_runs(b, a)
    c = make_result()
    c.history["val_loss"][1, 3] += 1e-6  # one epoch of one split differs, the scores do not
    assert np.array_equal(c.scores, a.scores) and not identical_runs(a, c)
    assert not identical_runs(a, make_result(val=0.86))  # different scores
    assert not identical_runs(a, make_result(collapsed=[False, True, False]))  # different flags
    assert not identical_runs(a, make_result(n=2))  # different splits
    moved = make_result()
    shifted = CVResult(
        scores=moved.scores, test_indices=[t + 1 for t in moved.test_indices], history=moved.history
    )
    assert not identical_runs(a, shifted)  # same numbers, other test folds


def test_identical_runs_refuses_results_without_history():
    a = make_result()
    bare = CVResult(scores=a.scores, test_indices=a.test_indices)
    with pytest.raises(ValueError, match="history"):
        identical_runs(a, bare)
    with pytest.raises(ValueError, match="CVResult"):
        identical_runs(a, a.scores)
