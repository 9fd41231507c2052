"""utils.reporting: the generalization gap with dropout off, its table and plots, layer descriptions."""

import matplotlib

matplotlib.use("Agg")

from utils.findings import identical_runs  # noqa: E402
from utils.models import build_mlp, hidden_dropout_model, visible_dropout_model  # noqa: E402
from utils.plotting import plot_learning_curves  # noqa: E402
from utils.reporting import (  # noqa: E402
    accuracy_gap,
    describe_layers,
    gap_table,
    plot_gap_and_held_out_loss,
    smoothed,
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


# --- gap_table ---------------------------------------------------------------------------------------


def test_gap_table_averages_the_last_epochs():
    result = make_result(n=3)
    result.history["val_accuracy"][:, -4:] -= 0.2  # only the last 4 epochs drop
    table = gap_table({"model": result, "other": make_result(val=0.90)}, last=4)
    assert list(table.columns) == [
        "training accuracy % (dropout off)",
        "held-out accuracy %",
        "gap (points)",
        "held-out loss",
    ]
    assert table.loc["model", "training accuracy % (dropout off)"] == pytest.approx(96.0)
    assert table.loc["model", "held-out accuracy %"] == pytest.approx(66.0)
    assert table.loc["model", "gap (points)"] == pytest.approx(30.0)
    assert table.loc["model", "held-out loss"] == pytest.approx(
        result.history["val_loss"][:, -4:].mean(), abs=1e-3
    )
    assert table.loc["other", "gap (points)"] == pytest.approx(5.0)


def test_gap_table_refuses_runs_that_did_not_train_and_bad_windows():
    with pytest.raises(ValueError, match="1 of 3 splits collapsed"):
        gap_table({"x": make_result(collapsed=[False, True, False])}, last=5)
    for last in (0, EPOCHS + 1, 2.0, True):
        with pytest.raises(ValueError, match="last"):
            gap_table({"x": make_result()}, last=last)
    with pytest.raises(ValueError, match="non-empty mapping"):
        gap_table({})


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
