"""utils.engine stacks dropout's variants: GaussianDropout, AlphaDropout, DropConnectDense; keep_models;
and refuses, naming utils.training.keras_cv, the layers it cannot stack."""

import utils  # noqa: F401  (first: keeps TensorFlow quiet)
import utils.engine as engine
from utils.engine import estimate_memory, fast_cv
from utils.layers import DropConnectDense

import functools
import math

import keras
import numpy as np
import pytest
import tensorflow as tf


def mlp(*middle, units=8, activation="relu", initializer="glorot_uniform", lr=0.05):
    """Input(60) -> [middle layers] -> Dense(1, sigmoid); a middle entry "dense" is Dense(units)."""
    layers = [keras.Input(shape=(60,))]
    for entry in middle:
        layers.append(
            keras.layers.Dense(units, activation=activation, kernel_initializer=initializer)
            if entry == "dense"
            else entry()
        )
    layers.append(keras.layers.Dense(1, activation="sigmoid"))
    model = keras.Sequential(layers)
    model.compile(
        optimizer=keras.optimizers.SGD(lr, momentum=0.9), loss="binary_crossentropy", metrics=["accuracy"]
    )
    return model


def dropconnect(rate):
    return lambda: DropConnectDense(8, rate, activation="relu")


VARIANTS = {
    "gaussian": lambda rate: functools.partial(mlp, "dense", lambda: keras.layers.GaussianDropout(rate)),
    "alpha": lambda rate: functools.partial(
        mlp, "dense", lambda: keras.layers.AlphaDropout(rate), activation="selu", initializer="lecun_normal"
    ),
    "dropconnect": lambda rate: functools.partial(mlp, dropconnect(rate)),
}
PLAIN = {
    "gaussian": functools.partial(mlp, "dense"),
    "alpha": functools.partial(mlp, "dense", activation="selu", initializer="lecun_normal"),
    "dropconnect": functools.partial(mlp, "dense"),
}


@pytest.mark.parametrize("kind", list(VARIANTS))
def test_at_rate_zero_each_variant_trains_exactly_like_the_plain_network(sonar, kind):
    kwargs = dict(cv=3, epochs=3, progress=False, warn=False, seed=4)
    a = fast_cv(VARIANTS[kind](0.0), sonar.X, sonar.y, **kwargs).history
    b = fast_cv(PLAIN[kind], sonar.X, sonar.y, **kwargs).history
    for key in a:
        np.testing.assert_array_equal(a[key], b[key], err_msg=key)


@pytest.mark.parametrize("kind", list(VARIANTS))
def test_the_kept_models_are_what_the_history_evaluated(sonar, kind):
    result = fast_cv(
        VARIANTS[kind](0.3), sonar.X, sonar.y, cv=3, epochs=3, progress=False, warn=False, keep_models=True
    )
    assert len(result.models) == 3
    for k, (split, test) in enumerate(zip(result.models, result.test_indices)):
        p = split.predict(sonar.X[test])[:, 0]  # dropout off, as the engine's held-out evaluation
        loss = -np.mean(np.where(sonar.y[test] == 1, np.log(p), np.log(1 - p)))
        assert loss == pytest.approx(result.history["val_loss"][k, -1], rel=1e-4)
        assert np.mean((p > 0.5) == sonar.y[test]) == pytest.approx(result.scores[k])
    first, second = (m.model.layers[0].get_weights()[0] for m in result.models[:2])
    assert not np.allclose(first, second), "each split keeps its own weights"


def _net(model, n=2):
    return engine._StackedNetwork(model, n, seed=0)


def test_gaussian_and_alpha_noise_have_keras_moments():
    net = _net(VARIANTS["gaussian"](0.3)())
    ones = tf.ones((2, 500, 400))
    out = net._noise("gaussian", 0.3, ones).numpy()
    assert out.mean() == pytest.approx(1.0, abs=0.01)
    assert out.var() == pytest.approx(0.3 / 0.7, rel=0.03)  # Keras: stddev sqrt(rate / (1 - rate))
    keras_out = keras.ops.convert_to_numpy(
        keras.layers.GaussianDropout(0.3, seed=1)(np.ones((500, 400)), training=True)
    )
    assert keras_out.var() == pytest.approx(out.var(), rel=0.03)
    normal = tf.random.stateless_normal((2, 500, 400), seed=(1, 2))
    alpha = net._noise("alpha", 0.2, normal).numpy()
    assert alpha.mean() == pytest.approx(0.0, abs=0.02) and alpha.var() == pytest.approx(1.0, rel=0.03)
    dropped = np.isclose(
        alpha,
        ((0.8 * (1 + 0.2 * engine._ALPHA_P**2)) ** -0.5) * engine._ALPHA_P
        - ((0.8 * (1 + 0.2 * engine._ALPHA_P**2)) ** -0.5) * engine._ALPHA_P * 0.2,
    )
    assert dropped.mean() == pytest.approx(0.2, abs=0.01), (
        "a dropped unit takes SELU's saturation value, affinely moved"
    )


def test_dropconnect_in_the_stack_masks_weights_per_example_with_inverted_scaling():
    model = functools.partial(
        mlp, lambda: DropConnectDense(300, 0.5, use_bias=False, kernel_initializer="ones")
    )()
    net = _net(model)
    x = tf.one_hot(tf.zeros((2, 64), tf.int32), 60)  # one input on: a unit's input is that weight, masked
    hidden = net.steps[0]
    h = tf.einsum("nbi,nio->nbo", x, hidden[1])
    assert np.allclose(h.numpy(), 1.0)
    # run the first layer as the stack does in training
    kept = []
    for _ in range(3):
        mask_shape = (2, 64, 60, 300)
        keep = tf.cast(keras.random.uniform(mask_shape, seed=net.seed_generator) >= 0.5, tf.float32)
        out = tf.einsum("nbi,nbio->nbo", x, hidden[1][:, None] * keep / 0.5).numpy()
        kept.append(out)
    out = np.stack(kept)
    assert set(np.unique(out)) <= {0.0, 2.0} and out.mean() == pytest.approx(1.0, abs=0.02)
    assert not np.array_equal(out[0, 0, 0], out[0, 0, 1]), "each example has its own mask"
    logits = net.logits(tf.random.normal((2, 64, 60)), training=True)
    assert logits.shape == (2, 64, 1)


def test_layers_the_engine_cannot_stack_are_refused_naming_keras_cv(sonar):
    def conv():
        model = keras.Sequential(
            [
                keras.Input(shape=(60,)),
                keras.layers.Reshape((60, 1)),
                keras.layers.Conv1D(4, 5, padding="same", activation="relu"),
                keras.layers.Flatten(),
                keras.layers.Dense(1, activation="sigmoid"),
            ]
        )
        model.compile(optimizer="adam", loss="binary_crossentropy")
        return model

    with pytest.raises(ValueError, match=r"got Reshape .*utils.training.keras_cv"):
        fast_cv(conv, sonar.X, sonar.y, cv=3, epochs=1, progress=False)
    activation = functools.partial(mlp, "dense", lambda: keras.layers.Activation("relu"))
    with pytest.raises(
        ValueError, match=r"got Activation \('activation\w*'\); train such a model with utils.training"
    ):
        engine.check_model(activation())
    shaped = functools.partial(mlp, "dense", lambda: keras.layers.AlphaDropout(0.2, noise_shape=(None, 1)))
    with pytest.raises(ValueError, match=r"noise_shape"):
        engine.check_model(shaped())


def test_the_memory_estimate_counts_dropconnect_masks():
    plain = estimate_memory(mlp("dense", units=256), 5, 1000, 1000, 64)
    masked = estimate_memory(mlp(lambda: DropConnectDense(256, 0.5)), 5, 1000, 1000, 64)
    assert masked.training_step - plain.training_step >= 4 * 5 * 64 * 60 * 256 * 3 * 0.99


def test_a_dropconnect_network_learns(sonar):
    result = fast_cv(VARIANTS["dropconnect"](0.5), sonar.X, sonar.y, cv=3, epochs=30, progress=False)
    assert result.history["train_eval_loss"][:, -1].mean() < 0.5 * math.log(2) and not result.n_failed
