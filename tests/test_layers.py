"""utils.layers.MCDropout: dropout that stays on at inference, and nothing else changes."""

import utils  # noqa: F401  (first: keeps TensorFlow quiet)
from utils.layers import MCDropout

import keras
import numpy as np


def test_mcdropout_drops_at_inference_with_the_inverted_scale():
    layer = MCDropout(0.5, seed=1)
    ones = np.ones((200, 50), "float32")
    for out in (layer(ones), layer(ones, training=False), layer(ones, training=True)):
        out = keras.ops.convert_to_numpy(out)
        assert set(np.unique(out)) == {0.0, 2.0}  # dropped, or kept and scaled by 1 / (1 - 0.5)
        assert abs((out == 0).mean() - 0.5) < 0.03


def test_in_a_model_predict_is_random_and_batchnorm_keeps_its_learned_statistics():
    model = keras.Sequential(
        [
            keras.Input(shape=(4,)),
            keras.layers.BatchNormalization(),
            MCDropout(0.5, seed=0),
            keras.layers.Dense(1),
        ]
    )
    x = np.random.default_rng(0).normal(size=(8, 4)).astype("float32")
    first, second = model.predict(x, verbose=0), model.predict(x, verbose=0)
    assert not np.allclose(first, second), "each prediction is one random thinned network"
    # BatchNormalization stayed in inference mode: one row alone gets the same normalization as in a batch
    bn = model.layers[0]
    np.testing.assert_allclose(
        keras.ops.convert_to_numpy(bn(x[:1])), keras.ops.convert_to_numpy(bn(x))[:1], rtol=1e-6
    )


def test_mcdropout_survives_saving(tmp_path):
    model = keras.Sequential([keras.Input(shape=(3,)), MCDropout(0.25), keras.layers.Dense(2)])
    path = tmp_path / "m.keras"
    model.save(path)
    loaded = keras.models.load_model(path)
    assert isinstance(loaded.layers[0], MCDropout) and loaded.layers[0].rate == 0.25


# ------------------------------------------------------------------ DropConnectDense


def _layer(rate=0.5, units=300, inputs=40, seed=3):
    from utils.layers import DropConnectDense

    layer = DropConnectDense(units, rate, seed=seed, use_bias=False)
    layer.build((None, inputs))
    layer.kernel.assign(np.ones((inputs, units), "float32"))
    return layer


def test_dropconnect_drops_weights_not_units_with_inverted_scaling():
    layer = _layer(rate=0.5)
    x = np.zeros((1, 40), "float32")
    x[0, 0] = 1.0  # one input: output j is that input's weight to unit j, after the mask
    out = keras.ops.convert_to_numpy(layer(x, training=True))[0]
    assert set(np.unique(out)) <= {0.0, 2.0}  # dropped, or kept and scaled by 1 / (1 - 0.5)
    assert abs((out == 0).mean() - 0.5) < 0.1  # each weight dropped with probability 0.5
    # with all 40 inputs on, a unit keeps a random number of its weights: not all-or-nothing like dropout
    full = keras.ops.convert_to_numpy(layer(np.ones((1, 40), "float32"), training=True))[0]
    assert 0 < full.min() and full.max() < 80 and len(np.unique(full)) > 5


def test_dropconnect_keeps_the_expected_output_and_fresh_masks_per_example():
    layer = _layer(rate=0.3, units=50)
    x = np.tile(np.linspace(-1, 1, 40, dtype="float32"), (4000, 1))
    out = keras.ops.convert_to_numpy(layer(x, training=True))
    expected = x[0].sum()  # all weights are 1: the full layer's output for every unit
    assert abs(out.mean() - expected) < 0.02 + 4 * out.std() / np.sqrt(out.size)
    assert not np.allclose(out[0], out[1]), "each example draws its own mask"


def test_dropconnect_is_the_dense_layer_at_inference():
    from utils.layers import DropConnectDense

    layer = DropConnectDense(7, 0.5, activation="relu", seed=0)
    x = np.random.default_rng(0).normal(size=(5, 3)).astype("float32")
    layer.build((None, 3))
    dense = keras.layers.Dense(7, activation="relu")
    dense.build((None, 3))
    dense.set_weights(layer.get_weights())
    for out in (layer(x), layer(x, training=False)):
        np.testing.assert_allclose(
            keras.ops.convert_to_numpy(out), keras.ops.convert_to_numpy(dense(x)), rtol=1e-6
        )


def test_dropconnect_gradient_flows_through_the_kept_weights_only():
    import tensorflow as tf

    layer = _layer(rate=0.5, units=6, inputs=4)
    x = tf.constant([[1.0, 2.0, 3.0, 4.0]])
    with tf.GradientTape() as tape:
        out = layer(x, training=True)
        total = tf.reduce_sum(out)
    grad = tape.gradient(total, layer.kernel).numpy()
    # the output is sum_ij x_i w_ij m_ij / 0.5, so d/dw_ij = 2 x_i m_ij, and out_j = sum_i 2 x_i m_ij (w = 1)
    mask = grad / (2 * x.numpy().T)
    assert set(np.unique(mask)) <= {0.0, 1.0}
    np.testing.assert_allclose(out.numpy()[0], (2 * x.numpy().T * mask).sum(axis=0), rtol=1e-6)


def test_dropconnect_checks_its_rate_and_survives_saving(tmp_path):
    from utils.layers import DropConnectDense

    import pytest

    with pytest.raises(ValueError, match=r"rate must be a number in \[0, 1\)"):
        DropConnectDense(3, 1.0)
    model = keras.Sequential([keras.Input(shape=(3,)), DropConnectDense(2, 0.25, seed=1)])
    model.save(tmp_path / "m.keras")
    loaded = keras.models.load_model(tmp_path / "m.keras")
    assert isinstance(loaded.layers[0], DropConnectDense) and loaded.layers[0].rate == 0.25
