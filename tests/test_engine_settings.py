"""utils.engine: every model setting the engine reads is honoured as Keras's fit does, or refused.

Issue 16, item 1: a model compiled with ``BinaryCrossentropy(reduction="sum")`` or ``loss_weights=[10]``
was accepted and trained as plain binary cross-entropy. A setting that changes training is now either
honoured (checked here against ``model.fit`` step by step, to 1e-5) or refused with a message that
names it and the alternative, ``utils.evaluation.reference_cv``.
"""

import utils.engine as engine
from utils.engine import _StackedNetwork, check_model, fast_cv

import keras
import numpy as np
import pytest
import tensorflow as tf

RNG = np.random.default_rng(0)
X6 = RNG.normal(size=(6, 3)).astype("float32")


def net(*layers, n_features=3):
    return keras.Sequential([keras.Input((n_features,)), *layers])


def compiled(model, optimizer=None, loss="binary_crossentropy", **compile_kwargs):
    model.compile(optimizer or keras.optimizers.SGD(0.1, momentum=0.9), loss, **compile_kwargs)
    return model


def binary(**dense_kwargs):
    return net(
        keras.layers.Dense(5, activation="relu", **dense_kwargs), keras.layers.Dense(1, activation="sigmoid")
    )


# --- Honoured: the stacked network's steps are Keras's fit steps ---------------------------------

HONOURED = {
    "BinaryCrossentropy()": lambda: compiled(binary(), loss=keras.losses.BinaryCrossentropy()),
    "reduction='mean'": lambda: compiled(binary(), loss=keras.losses.BinaryCrossentropy(reduction="mean")),
    "binary_crossentropy function": lambda: compiled(binary(), loss=keras.losses.binary_crossentropy),
    "'bce'": lambda: compiled(binary(), loss="bce"),
    "use_bias=False": lambda: compiled(
        net(
            keras.layers.Dense(5, activation="relu", use_bias=False),
            keras.layers.Dense(1, activation="sigmoid", use_bias=False),
        )
    ),
    "activations and initializers": lambda: compiled(
        net(
            keras.layers.Dense(
                5,
                activation="tanh",
                kernel_initializer=keras.initializers.HeNormal(seed=3),
                bias_initializer=keras.initializers.Constant(0.1),
            ),
            keras.layers.Dense(4, activation="elu"),
            keras.layers.Dense(1, activation="sigmoid"),
        )
    ),
    "Adam(weight_decay, amsgrad, clipvalue)": lambda: compiled(
        binary(), keras.optimizers.Adam(0.05, weight_decay=0.01, amsgrad=True, clipvalue=0.05)
    ),
    "SGD(nesterov, loss_scale_factor)": lambda: compiled(
        binary(), keras.optimizers.SGD(0.1, momentum=0.9, nesterov=True, loss_scale_factor=128.0)
    ),
    "SGD(gradient_accumulation_steps=2)": lambda: compiled(
        binary(), keras.optimizers.SGD(0.1, momentum=0.5, gradient_accumulation_steps=2)
    ),
    "RMSprop with a schedule": lambda: compiled(
        binary(),
        keras.optimizers.RMSprop(
            keras.optimizers.schedules.ExponentialDecay(0.05, decay_steps=1, decay_rate=0.5),
            momentum=0.5,
            centered=True,
        ),
    ),
    "jit_compile, steps_per_execution, loss_weights=[1], metrics": lambda: compiled(
        binary(),
        jit_compile=True,
        steps_per_execution=2,
        loss_weights=[1.0],
        metrics=["accuracy"],
    ),
    "run_eagerly, metrics": lambda: compiled(binary(), run_eagerly=True, metrics=[keras.metrics.AUC()]),
    "SparseCategoricalCrossentropy(reduction='mean_with_sample_weight')": lambda: compiled(
        net(keras.layers.Dense(5, activation="relu"), keras.layers.Dense(3, activation="softmax")),
        loss=keras.losses.SparseCategoricalCrossentropy(reduction="mean_with_sample_weight"),
    ),
}


@pytest.mark.parametrize("name", list(HONOURED))
def test_honoured_settings_train_as_keras_fit_does(name):
    keras.utils.set_random_seed(1)
    model = HONOURED[name]()
    stack = _StackedNetwork(model, n=2, seed=0)
    for var, w in zip(stack.variables, model.get_weights(), strict=True):  # slice 0 := the Keras model
        value = var.numpy()
        value[0] = w.reshape(value[0].shape)
        var.assign(value)
    n_classes = 2 if stack.task == "binary" else stack.n_outputs
    y = np.arange(6) % n_classes
    # Keras: 4 full-batch steps of the 6 rows. The stack: the same rows padded to 8 with weight 0.
    model.fit(X6, y, batch_size=6, epochs=4, shuffle=False, verbose=0)
    xp = np.concatenate([X6, np.zeros((2, 3), "float32")])
    yp = np.concatenate([y, [0, 0]]).astype("float32")
    wp = np.array([1.0] * 6 + [0.0] * 2, "float32")
    for _ in range(4):
        stack.train_step(*(tf.constant(np.stack([a, a])) for a in (xp, yp, wp)))
    for var, w in zip(stack.variables, model.get_weights()):
        np.testing.assert_allclose(var.numpy()[0].reshape(w.shape), w, rtol=1e-5, atol=1e-5, err_msg=name)
    assert not np.allclose(model.get_weights()[0], stack.variables[0].numpy()[1]), "slice 1 was not trained"


def test_the_honoured_settings_do_change_training():
    # Without this, the comparison above could pass for settings the engine dropped: gradient
    # accumulation and clipvalue each give other weights than the plain optimizer. (loss_scale_factor
    # gives the same weights when honoured; dropped, it would divide the engine's gradients by 128.)
    def weights_after_fit(optimizer):
        keras.utils.set_random_seed(1)
        model = compiled(binary(), optimizer)
        model.fit(X6, np.arange(6) % 2, batch_size=6, epochs=4, shuffle=False, verbose=0)
        return model.get_weights()[0]

    plain = weights_after_fit(keras.optimizers.SGD(0.1, momentum=0.5))
    for changed in (
        keras.optimizers.SGD(0.1, momentum=0.5, gradient_accumulation_steps=2),
        keras.optimizers.SGD(0.1, momentum=0.5, clipvalue=0.01),
    ):
        assert not np.allclose(weights_after_fit(changed), plain, atol=1e-4)


# --- Refused: a message naming the setting and the alternative -------------------------------------


class MCDropout(keras.layers.Dropout):
    """Dropout that stays on at inference: the engine's evaluation (dropout off) would not be this layer's."""

    def call(self, inputs, training=None):
        return super().call(inputs, training=True)


class MyDense(keras.layers.Dense):
    pass


class MyMaxNorm(keras.constraints.MaxNorm):
    pass


def binary_crossentropy(y_true, y_pred):
    """Not Keras's: twice its loss, under its name."""
    return 2 * keras.losses.binary_crossentropy(y_true, y_pred)


def frozen_first_layer():
    model = binary()
    model.layers[0].trainable = False
    return compiled(model)


def frozen_model():
    model = binary()
    model.trainable = False
    return compiled(model)


def excluding_biases_from_weight_decay():
    optimizer = keras.optimizers.AdamW(0.01)
    optimizer.exclude_from_weight_decay(var_names=["bias"])
    return compiled(binary(), optimizer)


REFUSED = {
    # issue 16's two cases
    "reduction='sum'": (
        lambda: compiled(binary(), loss=keras.losses.BinaryCrossentropy(reduction="sum")),
        r"BinaryCrossentropy\(reduction='sum'\) loss as Keras would: it trains every split on the mean loss",
    ),
    "loss_weights=[10]": (
        lambda: compiled(binary(), loss_weights=[10]),
        r"a model compiled with loss_weights=\[10\] as Keras would: .* a weight scales every gradient",
    ),
    # the audit
    "reduction=None": (
        lambda: compiled(binary(), loss=keras.losses.BinaryCrossentropy(reduction=None)),
        r"BinaryCrossentropy\(reduction=None\)",
    ),
    "label_smoothing": (
        lambda: compiled(binary(), loss=keras.losses.BinaryCrossentropy(label_smoothing=0.1)),
        r"BinaryCrossentropy\(label_smoothing=0.1\) loss .* with its default settings only",
    ),
    "ignore_class": (
        lambda: compiled(
            net(keras.layers.Dense(3, activation="softmax")),
            loss=keras.losses.SparseCategoricalCrossentropy(ignore_class=0),
        ),
        r"SparseCategoricalCrossentropy\(ignore_class=0\)",
    ),
    "loss dtype": (
        lambda: compiled(binary(), loss=keras.losses.BinaryCrossentropy(dtype="float64")),
        r"BinaryCrossentropy\(dtype='float64'\)",
    ),
    "mixed_bfloat16 layer": (
        lambda: compiled(binary(dtype="mixed_bfloat16")),
        r"layer 'dense\w*' \(Dense\) with dtype policy 'mixed_bfloat16' .* every weight in float32",
    ),
    "float64 layer": (lambda: compiled(binary(dtype="float64")), r"with dtype policy 'float64'"),
    "Dropout subclass": (
        lambda: compiled(net(MCDropout(0.2), keras.layers.Dense(1, activation="sigmoid"))),
        r"supports Dense and Dropout layers only .*got MCDropout .*utils.training.keras_cv",
    ),
    "Dense subclass": (
        lambda: compiled(net(MyDense(1, activation="sigmoid"))),
        r"supports Dense and Dropout layers only .*got MyDense",
    ),
    "dropout after the output": (
        lambda: compiled(net(keras.layers.Dense(1, activation="sigmoid"), keras.layers.Dropout(0.2))),
        r"layer 'dropout\w*' after the output layer as Keras would",
    ),
    "frozen layer": (frozen_first_layer, r"\(Dense\) with trainable=False"),
    "frozen model": (frozen_model, r"a model with trainable=False"),
    "exclude_from_weight_decay": (excluding_biases_from_weight_decay, r"exclude_from_weight_decay"),
    "clipnorm": (
        lambda: compiled(binary(), keras.optimizers.SGD(0.1, clipnorm=1.0)),
        r"an optimizer with clipnorm=1.0 .* one split's gradient would limit the others'",
    ),
    "global_clipnorm": (
        lambda: compiled(binary(), keras.optimizers.Adam(global_clipnorm=1.0)),
        r"global_clipnorm=1.0",
    ),
    "use_ema": (lambda: compiled(binary(), keras.optimizers.Adam(use_ema=True)), r"Adam\(use_ema=True\)"),
    "kernel_regularizer": (lambda: compiled(binary(kernel_regularizer="l2")), r"with a kernel_regularizer"),
    "activity_regularizer": (
        lambda: compiled(binary(activity_regularizer="l2")),
        r"with a activity_regularizer|with an activity_regularizer",
    ),
    "bias_constraint": (
        lambda: compiled(binary(bias_constraint=keras.constraints.MaxNorm(1.0))),
        r"with a bias_constraint",
    ),
    "NonNeg kernel constraint": (
        lambda: compiled(binary(kernel_constraint=keras.constraints.NonNeg())),
        r"NonNeg kernel_constraint .* only MaxNorm",
    ),
    "MaxNorm subclass": (
        lambda: compiled(binary(kernel_constraint=MyMaxNorm(2.0))),
        r"MyMaxNorm kernel_constraint",
    ),
    "MaxNorm(axis=-1)": (
        lambda: compiled(binary(kernel_constraint=keras.constraints.MaxNorm(2.0, axis=-1))),
        r"MaxNorm\(axis=-1\)",
    ),
    "plain-function initializer": (
        lambda: compiled(binary(kernel_initializer=lambda shape, dtype=None: tf.ones(shape, dtype))),
        r"kernel_initializer is a plain function",
    ),
    "3-D input": (
        lambda: compiled(
            keras.Sequential([keras.Input((4, 3)), keras.layers.Dense(1, activation="sigmoid")])
        ),
        r"a model whose input has shape \(4, 3\)",
    ),
    "a sigmoid look-alike": (
        lambda: compiled(net(keras.layers.Dense(1, activation=lambda x: keras.activations.sigmoid(2 * x)))),
        r"supports a Dense\(1, sigmoid\) output .* activation '<lambda>'",
    ),
    "a loss function named like binary_crossentropy": (
        lambda: compiled(binary(), loss=binary_crossentropy),
        r"this model is compiled with the loss 'binary_crossentropy'",
    ),
}


@pytest.mark.parametrize("name", list(REFUSED))
def test_settings_that_change_training_are_refused_naming_the_setting_and_the_alternative(name, sonar):
    build, message = REFUSED[name]
    with pytest.raises(ValueError, match=message) as error:
        check_model(build())
    assert "utils.evaluation.reference_cv" in str(error.value)
    # fast_cv refuses it too, before training a single epoch
    X = sonar.X[:, :3]
    if name == "3-D input":
        X = sonar.X[:, :12]
    with pytest.raises(ValueError, match=message):
        fast_cv(build, X, sonar.y, cv=2, epochs=1, progress=False)


def test_refusals_come_before_any_training(sonar, monkeypatch):
    def no_training(*args, **kwargs):
        raise AssertionError("trained before checking the model")

    monkeypatch.setattr(engine, "_train_group", no_training)
    build = REFUSED["reduction='sum'"][0]
    with pytest.raises(ValueError, match="reduction='sum'"):
        fast_cv(build, sonar.X[:, :3], sonar.y, cv=2, epochs=1, progress=False)
