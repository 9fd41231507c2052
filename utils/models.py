"""Keras model builders for the course.

:func:`build_mlp` makes every network in the course; the three reference
models of the source experiments are thin presets on top of it. Every builder
returns a *compiled* model, so the same function serves the scikeras recipe
(:mod:`utils.evaluation`) and the fast engine (:mod:`utils.engine`).
"""

from __future__ import annotations

from utils.checks import check_int, check_positive, check_rate

import functools
from collections.abc import Sequence

import keras

#: Settings of the three reference experiments (see COURSE_SPEC / chapter 2-4).
REFERENCE_SETTINGS = {
    "baseline": dict(hidden_units=(60, 30), learning_rate=0.01, momentum=0.8),
    "visible dropout": dict(
        hidden_units=(60, 30), input_dropout=0.2, max_norm=3.0, learning_rate=0.1, momentum=0.9
    ),
    "hidden dropout": dict(
        hidden_units=(60, 30), hidden_dropout=0.2, max_norm=3.0, learning_rate=0.1, momentum=0.9
    ),
}


def build_mlp(
    hidden_units: Sequence[int] = (60, 30),
    *,
    input_dropout: float = 0.0,
    hidden_dropout: float = 0.0,
    max_norm: float | None = None,
    learning_rate: float | keras.optimizers.schedules.LearningRateSchedule = 0.01,
    momentum: float = 0.8,
    n_features: int = 60,
    n_classes: int = 2,
) -> keras.Model:
    """Build and compile a ReLU multilayer perceptron trained by SGD with momentum.

    The layout is ``Input -> [Dropout(input_dropout)] -> (Dense(units, relu,
    MaxNorm) -> [Dropout(hidden_dropout)]) per hidden layer -> output``. Dropout
    layers with rate 0 are left out, so ``build_mlp()`` is the plain baseline.

    Parameters
    ----------
    hidden_units:
        Width of each hidden layer, e.g. ``(60, 30)``.
    input_dropout, hidden_dropout:
        Keras dropout *rates* (probability of dropping a unit), in [0, 1).
    max_norm:
        If given, ``MaxNorm(max_norm)`` on every hidden layer's kernel.
    learning_rate:
        SGD learning rate, or a Keras learning-rate schedule.
    momentum:
        SGD momentum, in [0, 1).
    n_features:
        Number of inputs.
    n_classes:
        2 gives one sigmoid unit and binary cross-entropy (labels 0/1); more
        gives a softmax layer and sparse categorical cross-entropy (labels
        ``0 .. n_classes - 1``).

    Returns
    -------
    keras.Model
        A compiled ``keras.Sequential`` model with an ``accuracy`` metric.
    """
    if isinstance(hidden_units, (str, bytes)) or not isinstance(hidden_units, Sequence):
        raise ValueError(f"hidden_units must be a sequence of positive integers, got {hidden_units!r}")
    hidden_units = [check_int("each entry of hidden_units", units) for units in hidden_units]
    input_dropout = check_rate("input_dropout", input_dropout)
    hidden_dropout = check_rate("hidden_dropout", hidden_dropout)
    if max_norm is not None:
        max_norm = check_positive("max_norm", max_norm)
    if not isinstance(learning_rate, keras.optimizers.schedules.LearningRateSchedule):
        learning_rate = check_positive("learning_rate", learning_rate)
    momentum = check_rate("momentum", momentum)
    n_features = check_int("n_features", n_features)
    n_classes = check_int("n_classes", n_classes, minimum=2)

    constraint = keras.constraints.MaxNorm(max_norm) if max_norm is not None else None
    layers: list[keras.layers.Layer] = [keras.Input(shape=(n_features,))]
    if input_dropout > 0:
        layers.append(keras.layers.Dropout(input_dropout))
    for units in hidden_units:
        layers.append(keras.layers.Dense(units, activation="relu", kernel_constraint=constraint))
        if hidden_dropout > 0:
            layers.append(keras.layers.Dropout(hidden_dropout))
    if n_classes == 2:
        layers.append(keras.layers.Dense(1, activation="sigmoid"))
        loss = "binary_crossentropy"
    else:
        layers.append(keras.layers.Dense(n_classes, activation="softmax"))
        loss = "sparse_categorical_crossentropy"

    model = keras.Sequential(layers)
    model.compile(
        optimizer=keras.optimizers.SGD(learning_rate=learning_rate, momentum=momentum),
        loss=loss,
        metrics=["accuracy"],
    )
    return model


def _preset(name: str, doc: str) -> functools.partial:
    # A partial (not a function taking **kwargs) so that scikeras, which inspects the
    # builder's signature, passes it only the arguments build_mlp declares.
    preset = functools.partial(build_mlp, **REFERENCE_SETTINGS[name])
    preset.__doc__ = doc + "\n\nKeyword arguments override any :func:`build_mlp` setting."
    return preset


baseline_model = _preset(
    "baseline", "The source's baseline: 60-60-30-1, no dropout, SGD(lr 0.01, momentum 0.8)."
)
visible_dropout_model = _preset(
    "visible dropout",
    "Dropout(0.2) on the inputs, MaxNorm(3) hidden layers, SGD(lr 0.1, momentum 0.9).",
)
hidden_dropout_model = _preset(
    "hidden dropout",
    "Dropout(0.2) after each MaxNorm(3) hidden layer, SGD(lr 0.1, momentum 0.9).",
)
