"""utils.models: builders make the reference networks and reject bad settings."""

from utils.models import (
    REFERENCE_SETTINGS,
    baseline_model,
    build_mlp,
    hidden_dropout_model,
    visible_dropout_model,
)

import keras
import pytest


def describe(model):
    out = []
    for layer in model.layers:
        if isinstance(layer, keras.layers.Dropout):
            out.append(("dropout", layer.rate))
        else:
            c = layer.kernel_constraint
            out.append(
                (
                    layer.units,
                    keras.activations.serialize(layer.activation),
                    None if c is None else c.max_value,
                )
            )
    return out


def sgd(model):
    opt = model.optimizer
    return type(opt).__name__, float(opt.learning_rate), float(opt.momentum)


def test_baseline_matches_the_spec():
    model = baseline_model()
    assert describe(model) == [(60, "relu", None), (30, "relu", None), (1, "sigmoid", None)]
    assert sgd(model) == ("SGD", pytest.approx(0.01), pytest.approx(0.8))
    assert model.loss == "binary_crossentropy"
    assert model.input_shape == (None, 60)


def test_visible_dropout_matches_the_spec():
    model = visible_dropout_model()
    assert describe(model) == [("dropout", 0.2), (60, "relu", 3.0), (30, "relu", 3.0), (1, "sigmoid", None)]
    assert sgd(model) == ("SGD", pytest.approx(0.1), pytest.approx(0.9))


def test_hidden_dropout_matches_the_spec():
    model = hidden_dropout_model()
    assert describe(model) == [
        (60, "relu", 3.0),
        ("dropout", 0.2),
        (30, "relu", 3.0),
        ("dropout", 0.2),
        (1, "sigmoid", None),
    ]
    assert sgd(model) == ("SGD", pytest.approx(0.1), pytest.approx(0.9))


def test_overrides_and_multiclass():
    model = baseline_model(hidden_units=(8,), n_features=4, n_classes=3)
    assert describe(model) == [(8, "relu", None), (3, "softmax", None)]
    assert model.loss == "sparse_categorical_crossentropy"
    assert set(REFERENCE_SETTINGS) == {"baseline", "visible dropout", "hidden dropout"}


def test_schedule_is_accepted():
    schedule = keras.optimizers.schedules.ExponentialDecay(0.1, decay_steps=100, decay_rate=0.5)
    model = build_mlp(learning_rate=schedule)
    config = model.optimizer.get_config()["learning_rate"]
    assert isinstance(config, dict) and config["class_name"] == "ExponentialDecay"


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(input_dropout=1.0), "input_dropout must be a number in \\[0, 1\\)"),
        (dict(hidden_dropout=-0.1), "hidden_dropout must be a number in \\[0, 1\\)"),
        (dict(hidden_dropout="0.2"), "hidden_dropout must be a number"),
        (dict(hidden_units=(60, 0)), "each entry of hidden_units must be an integer >= 1"),
        (dict(hidden_units=(60.5,)), "each entry of hidden_units must be an integer >= 1"),
        (dict(hidden_units=60), "hidden_units must be a sequence"),
        (dict(max_norm=0), "max_norm must be a positive number"),
        (dict(learning_rate=-1), "learning_rate must be a positive number"),
        (dict(momentum=1.0), "momentum must be a number in \\[0, 1\\)"),
        (dict(n_features=0), "n_features must be an integer >= 1"),
        (dict(n_classes=1), "n_classes must be an integer >= 2"),
    ],
)
def test_bad_arguments_are_rejected(kwargs, message):
    with pytest.raises(ValueError, match=message):
        build_mlp(**kwargs)


def test_presets_work_inside_scikeras(sonar):
    # scikeras passes extra arguments (meta, ...) to builders that take **kwargs: presets must not.
    from utils.evaluation import KerasClassifier

    clf = KerasClassifier(model=baseline_model, epochs=1, batch_size=64, verbose=0, random_state=0)
    clf.fit(sonar.X[::10], sonar.y[::10])
    assert clf.predict(sonar.X[:3]).shape == (3,)
