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
