"""utils.engine: failed splits are flagged, evaluation metrics are model.evaluate's, batches are capped.

Issue 11, points 1, 2 and 4: splits that diverged or collapsed are flagged and named in a warning;
``train_eval_*`` is the training fold as ``model.evaluate`` sees it (dropout off); a batch larger
than the training fold costs no memory and changes nothing. Issue 16: the flags look at the last
epoch, and at the loss with dropout off.
"""

import utils.engine as engine
from utils.engine import fast_cv, run_sweep
from utils.models import baseline_model, build_mlp
from utils.results import TrainingFailureWarning

import functools
import subprocess
import sys
import warnings

import keras
import numpy as np
import pytest
from sklearn.model_selection import StratifiedKFold
from sklearn.preprocessing import StandardScaler

SMALL = functools.partial(build_mlp, hidden_units=(8,), learning_rate=0.05)
EXPLODING = functools.partial(build_mlp, learning_rate=1e3)


def dead_relus():
    """A network whose hidden ReLUs are dead from the start (bias -100): whatever the input, the output
    unit sees zeros, so training can only fit its bias, the class frequencies. It collapses on every
    split and machine, without any chance of diverging."""
    model = keras.Sequential(
        [
            keras.Input(shape=(60,)),
            keras.layers.Dense(8, activation="relu", bias_initializer=keras.initializers.Constant(-100.0)),
            keras.layers.Dense(1, activation="sigmoid"),
        ]
    )
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.1), loss="binary_crossentropy")
    return model


def failure_warnings(record):
    return [str(w.message) for w in record if issubclass(w.category, TrainingFailureWarning)]


def test_a_diverging_run_is_flagged_and_warned_about(sonar):
    with pytest.warns(TrainingFailureWarning, match="5 of 5 splits diverged"):
        result = fast_cv(EXPLODING, sonar.X, sonar.y, cv=5, epochs=5, progress=False)
    assert result.diverged.tolist() == [True] * 5 and result.collapsed.tolist() == [False] * 5
    assert result.n_failed == 5
    assert result.summary().endswith("[5 of 5 splits diverged]")
    assert not np.all(np.isfinite(result.history["loss"]), axis=1).any()


def test_a_collapsing_run_is_flagged_and_warned_about(sonar):
    with pytest.warns(TrainingFailureWarning, match="5 of 5 splits collapsed"):
        result = fast_cv(dead_relus, sonar.X, sonar.y, cv=5, epochs=60, progress=False)
    assert result.collapsed.tolist() == [True] * 5 and result.diverged.tolist() == [False] * 5
    assert np.all(np.isfinite(result.history["loss"]))
    # What "collapsed" means: the training fold's loss is that of a constant guess (about ln 2 here).
    np.testing.assert_allclose(result.history["train_eval_loss"][:, -1], np.log(2), rtol=0.01)


# --- The flags look at the right numbers (issue 16, "tests that do not yet catch real bugs") -------


def test_a_run_that_diverges_in_its_only_epoch_is_flagged(sonar):
    # A divergence check that skipped the last epoch passed every other test: with epochs=1 it flagged
    # nothing although the loss was NaN.
    with pytest.warns(TrainingFailureWarning, match=r"\d of 5 splits diverged"):
        result = fast_cv(EXPLODING, sonar.X, sonar.y, cv=5, epochs=1, progress=False)
    last = result.history["loss"][:, -1]
    assert not np.isfinite(last).all(), "the test needs a split whose loss is not finite"
    assert result.diverged.tolist() == (~np.isfinite(last)).tolist()


def separable(n=100):
    """One feature whose sign is the class (after scaling as well): a network can be exactly right."""
    y = np.repeat([0, 1], n // 2)
    x = np.where(y == 1, 1.0, -1.0) + np.random.default_rng(0).uniform(-0.1, 0.1, n)
    return x[:, None], y


def right_but_nearly_always_dropped():
    """Input dropout 0.999 in front of a unit that is right from the start (weight 10, bias 0).

    With dropout off (evaluate, predict) it classifies every row correctly, with a loss near 0. With
    dropout on, the input is dropped for 99.9% of the rows, the unit sees 0 and predicts 0.5: the loss
    that fit reports is about ln 2, a constant guess's. Training keeps it so: a dropped row gives the
    weight no gradient and, the classes being balanced, the bias none either; a kept one, scaled by
    1000, is predicted correctly with certainty.
    """
    model = keras.Sequential(
        [
            keras.Input((1,)),
            keras.layers.Dropout(0.999),
            keras.layers.Dense(
                1,
                activation="sigmoid",
                kernel_initializer=keras.initializers.Constant(10.0),
                bias_initializer="zeros",
            ),
        ]
    )
    model.compile(keras.optimizers.SGD(0.01), "binary_crossentropy")
    return model


def test_a_healthy_run_at_high_dropout_is_not_flagged_as_collapsed():
    # Collapse judged on the training loss fit reports (dropout on) would flag this run, which predicts
    # its training fold perfectly with dropout off; the flag must follow the dropout-off loss.
    X, y = separable()
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        result = fast_cv(right_but_nearly_always_dropped, X, y, cv=5, epochs=5, progress=False)
    h, ln2 = result.history, np.log(2)
    assert np.all(h["loss"][:, -1] > 0.95 * ln2), "dropout on, the loss must look like a constant guess's"
    assert np.all(h["train_eval_loss"][:, -1] < 0.01 * ln2), "dropout off, the network must be right"
    assert result.scores.tolist() == [1.0] * 5
    assert result.collapsed.tolist() == [False] * 5 and failure_warnings(record) == []


def test_a_healthy_run_flags_nothing_and_warns_nothing(sonar):
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        result = fast_cv(SMALL, sonar.X, sonar.y, cv=5, epochs=5, progress=False)
    assert failure_warnings(record) == []
    assert not result.diverged.any() and not result.collapsed.any() and result.n_failed == 0
    assert "[" not in result.summary()


def test_run_sweep_warns_once_naming_the_failed_configuration(sonar):
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        results = run_sweep(
            {"healthy": SMALL, "exploding": EXPLODING},
            sonar.X,
            sonar.y,
            cv=3,
            epochs=5,
            n_jobs=2,
            progress=False,
        )
    (message,) = failure_warnings(record)
    assert "exploding (3 of 3 splits diverged)" in message and "healthy" not in message
    assert results["healthy"].n_failed == 0 and results["exploding"].diverged.all()


def test_train_eval_is_model_evaluate_on_the_training_fold(monkeypatch, sonar):
    """Copy each trained split into a Keras model: evaluate() on its folds gives the recorded metrics."""
    nets = []

    class Recording(engine._StackedNetwork):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            nets.append(self)

    monkeypatch.setattr(engine, "_StackedNetwork", Recording)
    build = functools.partial(
        build_mlp, hidden_units=(8,), input_dropout=0.2, hidden_dropout=0.5, learning_rate=0.05
    )
    cv = StratifiedKFold(3, shuffle=True, random_state=0)
    h = fast_cv(build, sonar.X, sonar.y, cv=cv, epochs=2, progress=False, warn=False).history
    (net,) = nets  # training folds of 138 and 139 rows take 9 batches of 16: one stack
    for k, (train, test) in enumerate(cv.split(sonar.X, sonar.y)):
        model = build()
        model.set_weights([v.numpy()[k].reshape(w.shape) for v, w in zip(net.variables, model.get_weights())])
        scaler = StandardScaler().fit(sonar.X[train])
        for rows, prefix in ((train, "train_eval_"), (test, "val_")):
            loss, accuracy = model.evaluate(scaler.transform(sonar.X[rows]), sonar.y[rows], verbose=0)
            assert h[prefix + "loss"][k, -1] == pytest.approx(loss, rel=1e-5)
            assert h[prefix + "accuracy"][k, -1] == pytest.approx(accuracy, abs=1e-6)
    # With dropout, what fit reports (epoch average, dropout on) is not the evaluated loss.
    assert np.all(h["train_eval_loss"] != h["loss"])


def test_a_batch_larger_than_the_training_fold_is_one_full_batch(sonar):
    # Sonar's 10-fold training folds have 187 or 188 rows. Any batch_size >= 188 is one batch of the
    # whole fold for every split, exactly as 188 is; 187 is not (188-row folds take two steps).
    kwargs = dict(cv=10, epochs=3, progress=False, warn=False)
    huge = fast_cv(baseline_model, sonar.X, sonar.y, batch_size=10**6, **kwargs).history
    full = fast_cv(baseline_model, sonar.X, sonar.y, batch_size=188, **kwargs).history
    for key in huge:
        np.testing.assert_array_equal(huge[key], full[key], err_msg=key)
    almost = fast_cv(baseline_model, sonar.X, sonar.y, batch_size=187, **kwargs).history
    assert not np.array_equal(huge["loss"], almost["loss"])


PEAK_MEMORY = """
import utils
from utils.engine import fast_cv
from utils.models import baseline_model
X, y = utils.load_sonar()[:2]
fast_cv(baseline_model, X, y, cv=10, epochs=3, batch_size=10**6, progress=False, warn=False)
print(next(line for line in open("/proc/self/status") if line.startswith("VmHWM:")).split()[1])  # KiB
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc/self/status (Linux)")
def test_a_huge_batch_size_costs_no_memory():
    # Padding every batch to batch_size rows took about 9 GB here; capped at the fold, about 0.8 GB
    # (most of it TensorFlow itself). VmHWM, not ru_maxrss: ru_maxrss survives exec, so a child of a
    # large pytest process would start at its parent's peak.
    out = subprocess.run([sys.executable, "-c", PEAK_MEMORY], capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stderr[-2000:]
    peak_gb = int(out.stdout.split()[-1]) / 2**20
    assert peak_gb < 1.3, f"peak memory {peak_gb:.2f} GB"
