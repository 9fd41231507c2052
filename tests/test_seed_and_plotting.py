"""utils.seed and utils.plotting."""

import matplotlib

matplotlib.use("Agg")

from utils.plotting import plot_fold_scores, plot_learning_curves, set_style  # noqa: E402
from utils.results import CVResult  # noqa: E402
from utils.seed import set_seed  # noqa: E402

import keras  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402


def test_set_seed_repeats_keras_initialisation():
    assert set_seed(3) == 3
    a = keras.layers.Dense(4)
    a.build((None, 2))
    set_seed(3)
    b = keras.layers.Dense(4)
    b.build((None, 2))
    np.testing.assert_array_equal(a.kernel.numpy(), b.kernel.numpy())


@pytest.mark.parametrize("bad", [-1, 1.5, "1", True, None])
def test_set_seed_rejects_bad_values(bad):
    with pytest.raises(ValueError, match="seed must be an integer >= 0"):
        set_seed(bad)


def fake_result(with_history=True):
    rng = np.random.default_rng(0)
    history = {
        k: rng.random((3, 5))
        for k in ("loss", "accuracy", "train_eval_loss", "train_eval_accuracy", "val_loss", "val_accuracy")
    }
    return CVResult(
        scores=[0.8, 0.85, 0.9],
        test_indices=[np.arange(2)] * 3,
        history=history if with_history else None,
        label="model",
    )


def test_learning_curves_draw_two_panels_with_two_lines_each():
    set_style()
    axes = plot_learning_curves(fake_result())
    assert len(axes) == 2 and all(len(ax.lines) == 2 for ax in axes)
    assert axes[0].figure._suptitle.get_text() == "model"
    plt.close("all")


def test_learning_curves_need_a_history():
    with pytest.raises(ValueError, match="per-epoch history"):
        plot_learning_curves(fake_result(with_history=False))
    old = fake_result()
    del old.history["train_eval_loss"]
    with pytest.raises(ValueError, match="lacks"):
        plot_learning_curves(old)


def test_fold_scores_plot_has_one_box_per_model():
    ax = plot_fold_scores({"a": fake_result(), "b": fake_result()}, reference=0.86)
    assert [t.get_text() for t in ax.get_xticklabels()] == ["a", "b"]
    plt.close("all")
    with pytest.raises(ValueError, match="non-empty collection of CVResult"):
        plot_fold_scores({})


def test_plot_findings_draws_intervals_and_marks_runs_that_did_not_train():
    import matplotlib

    matplotlib.use("Agg")
    from utils.findings import Findings, compare
    from utils.plotting import plot_findings
    from utils.results import CVResult

    import matplotlib.pyplot as plt

    folds = [np.arange(k, 20, 4) for k in range(4)]

    def run(scores, label, **flags):
        return CVResult(scores=np.asarray(scores, float), test_indices=folds, label=label, **flags)

    base = run([0.8, 0.7, 0.75, 0.85], "base")
    findings = Findings(
        {
            "better": compare(run([0.9, 0.82, 0.86, 0.95], "better"), base, n_train=15, n_test=5),
            "failed": compare(
                run([0.5] * 4, "failed", collapsed=np.ones(4, bool)), base, n_train=15, n_test=5
            ),
        }
    )
    ax = plot_findings(findings, title="t")
    assert [t.get_text() for t in ax.get_yticklabels()] == ["better", "failed"]
    low, high = findings["better"].interval
    assert any(np.allclose(line.get_xdata(), [low, high]) for line in ax.lines), "the interval is drawn"
    assert any(a.get_text().strip() == "training failed" for a in ax.texts), (
        "the failed run is named, not drawn"
    )
    assert ax.get_xlabel() == "difference in test accuracy (points), 95% CI"
    plt.close(ax.figure)
    with pytest.raises(ValueError, match="non-empty mapping"):
        plot_findings({"x": 1})
