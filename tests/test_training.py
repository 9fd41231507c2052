"""utils.training.keras_cv: the engine's protocol with Keras's own fit, split by split."""

import utils  # noqa: F401  (first: keeps TensorFlow quiet)
from utils.results import TrainingFailureWarning
from utils.training import _EpochMetrics, _losses_and_hits, keras_cv

import keras
import numpy as np
import pytest
from sklearn.model_selection import StratifiedKFold


def small_mlp():
    model = keras.Sequential(
        [
            keras.Input(shape=(60,)),
            keras.layers.Dense(8, activation="relu"),
            keras.layers.Dense(1, activation="sigmoid"),
        ]
    )
    model.compile(optimizer=keras.optimizers.SGD(0.05), loss="binary_crossentropy", metrics=["accuracy"])
    return model


def small_conv():
    model = keras.Sequential(
        [
            keras.Input(shape=(40,)),
            keras.layers.Reshape((40, 1)),
            keras.layers.Conv1D(4, 5, padding="same", activation="relu"),
            keras.layers.SpatialDropout1D(0.2),
            keras.layers.Flatten(),
            keras.layers.Dense(10, activation="softmax"),
        ]
    )
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def test_keras_cv_runs_the_engines_protocol_and_records_its_history(sonar, capsys):
    result = keras_cv(small_mlp, sonar.X, sonar.y, cv=3, epochs=4, batch_size=32, seed=5, label="mlp")
    folds = list(StratifiedKFold(3, shuffle=True, random_state=5).split(sonar.X, sonar.y))
    assert all(np.array_equal(a, test) for a, (_, test) in zip(result.test_indices, folds))
    assert set(result.history) == {
        "loss",
        "accuracy",
        "train_eval_loss",
        "train_eval_accuracy",
        "val_loss",
        "val_accuracy",
    }
    assert all(v.shape == (3, 4) for v in result.history.values())
    np.testing.assert_array_equal(result.scores, result.history["val_accuracy"][:, -1])
    assert result.label == "mlp" and result.diverged.tolist() == [False] * 3
    assert capsys.readouterr().out.count("mlp: split") == 3  # one progress line per split


def test_keras_cv_is_repeatable_with_its_seed(sonar):
    kwargs = dict(cv=3, epochs=3, batch_size=32, progress=False)
    a = keras_cv(small_mlp, sonar.X, sonar.y, seed=1, **kwargs)
    b = keras_cv(small_mlp, sonar.X, sonar.y, seed=1, **kwargs)
    c = keras_cv(small_mlp, sonar.X, sonar.y, seed=2, **kwargs)
    for key in a.history:
        np.testing.assert_array_equal(a.history[key], b.history[key], err_msg=key)
    assert not np.array_equal(a.history["loss"], c.history["loss"])


def test_epoch_metrics_are_what_evaluate_gives():
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(50, 60)).astype("float32"), rng.integers(0, 2, 50)
    model = small_mlp()
    callback = _EpochMetrics(X, y, X[:20], y[:20])
    model.fit(X, y, epochs=2, verbose=0, callbacks=[callback])
    loss, accuracy = model.evaluate(X, y, verbose=0)
    assert callback.rows[-1][0] == pytest.approx(loss, rel=1e-5) and callback.rows[-1][1] == pytest.approx(
        accuracy
    )
    softmax = np.array([[0.7, 0.2, 0.1], [0.1, 0.1, 0.8]])
    assert _losses_and_hits(softmax, np.array([0, 1])) == pytest.approx(
        (-(np.log(0.7) + np.log(0.1)) / 2, 0.5)
    )


def test_keras_cv_trains_a_convolutional_network_the_engine_cannot_stack():
    data = utils.load_mnist1d()
    rows = np.arange(300)
    result = keras_cv(
        small_conv, data.X[rows], data.y[rows], cv=3, epochs=2, seed=0, progress=False, keep_models=True
    )
    assert result.scores.shape == (3,) and np.all((result.scores >= 0) & (result.scores <= 1))
    for split, test, score in zip(result.models, result.test_indices, result.scores):
        predicted = split.predict(data.X[rows][test]).argmax(axis=1)
        assert np.mean(predicted == data.y[rows][test]) == pytest.approx(score)


def test_keras_cv_flags_a_collapsed_run(sonar):
    def dead():
        model = keras.Sequential(
            [
                keras.Input(shape=(60,)),
                keras.layers.Dense(
                    8, activation="relu", bias_initializer=keras.initializers.Constant(-100.0)
                ),
                keras.layers.Dense(1, activation="sigmoid"),
            ]
        )
        model.compile(optimizer=keras.optimizers.SGD(0.1), loss="binary_crossentropy", metrics=["accuracy"])
        return model

    with pytest.warns(TrainingFailureWarning, match="3 of 3 splits collapsed"):
        result = keras_cv(dead, sonar.X, sonar.y, cv=3, epochs=30, progress=False)
    assert result.collapsed.all() and not result.diverged.any()


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(build_fn=small_mlp()), "build_fn must be a function"),
        (dict(X=np.zeros((10, 4, 2))), "X must be 2-D"),
        (dict(y=np.zeros(208)), "integer class labels"),
        (dict(epochs=0), "epochs must be an integer >= 1"),
        (
            dict(build_fn=lambda: keras.Sequential([keras.Input(shape=(60,)), keras.layers.Dense(1)])),
            "compiled",
        ),
    ],
)
def test_keras_cv_names_bad_input(sonar, kwargs, message):
    args = dict(build_fn=small_mlp, X=sonar.X, y=sonar.y) | kwargs
    with pytest.raises(ValueError, match=message):
        keras_cv(
            args.pop("build_fn"),
            args.pop("X"),
            args.pop("y"),
            cv=3,
            epochs=kwargs.get("epochs", 1),
            progress=False,
        )
