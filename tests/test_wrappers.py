"""What chapter 2 states about scikeras' KerasClassifier and keras.wrappers.SKLearnClassifier.

These tests pin the behaviour of the pinned environment (Keras 3.15.1, scikeras 0.13.0, scikit-learn
1.9): if an upgrade changes any of it, a test fails and the chapter's section "Keras' own wrapper,
beside scikeras" needs another look. Few networks are trained, for one or two epochs each.
"""

import utils  # noqa: F401  (first: quietens TensorFlow)
from utils.evaluation import KerasClassifier

import importlib.metadata
import inspect

import keras
import numpy as np
import pytest
import scikeras.wrappers
from keras.wrappers import SKLearnClassifier
from scikeras.utils.transformers import ClassifierLabelEncoder
from sklearn.base import clone, is_classifier
from sklearn.model_selection import GridSearchCV, KFold, StratifiedKFold, check_cv, cross_validate
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler


def sigmoid_net():
    """The source's output: one sigmoid unit (no arguments, as scikeras calls it)."""
    model = keras.Sequential([keras.Input(shape=(60,)), keras.layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer="sgd", loss="binary_crossentropy")
    return model


def softmax_net(X, y, hidden_units=4):
    """One softmax unit per class, as SKLearnClassifier needs (it calls model(X=X, y=y, **model_kwargs))."""
    model = keras.Sequential(
        [
            keras.Input(shape=(X.shape[1],)),
            keras.layers.Dense(hidden_units, activation="relu"),
            keras.layers.Dense(y.shape[1], activation="softmax"),
        ]
    )
    model.compile(optimizer="sgd", loss="categorical_crossentropy")
    return model


def in_pipeline(wrapper):
    return Pipeline([("scale", StandardScaler()), ("model", wrapper)])


WRAPPERS = {
    "scikeras": lambda: scikeras.wrappers.KerasClassifier(model=sigmoid_net, epochs=300, batch_size=16),
    "course": lambda: KerasClassifier(model=sigmoid_net, epochs=300, batch_size=16),
    "keras": lambda: SKLearnClassifier(model=softmax_net),
}


@pytest.fixture
def small(sonar):
    """40 Sonar rows, 20 of each class: enough to fit a network for an epoch."""
    rows = np.r_[0:20, 188:208]
    return sonar.X[rows], sonar.y[rows]


def test_the_pinned_versions():
    assert keras.__version__ == "3.15.1"
    assert importlib.metadata.version("scikeras") == "0.13.0"


@pytest.mark.parametrize(
    "name, classifier, splitter",
    [("scikeras", False, KFold), ("course", True, StratifiedKFold), ("keras", True, StratifiedKFold)],
)
def test_is_classifier_and_what_an_integer_cv_becomes(sonar, name, classifier, splitter):
    pipeline = in_pipeline(WRAPPERS[name]())
    assert is_classifier(pipeline) is classifier
    cv = check_cv(10, sonar.y, classifier=is_classifier(pipeline))
    assert type(cv) is splitter and cv.n_splits == 10 and not cv.shuffle


def test_keras_wrapper_integer_cv_holds_out_one_block_of_each_class(sonar):
    cv = check_cv(10, sonar.y, classifier=is_classifier(in_pipeline(WRAPPERS["keras"]())))
    first_test = next(cv.split(sonar.X, sonar.y))[1]
    blocks = np.split(first_test, np.flatnonzero(np.diff(first_test) != 1) + 1)
    assert [(b[0], b[-1]) for b in blocks] == [(0, 9), (97, 107)]


def accepts(pipeline, name, value):
    try:
        clone(pipeline).set_params(**{name: value})
        return "accepted"
    except (ValueError, AttributeError) as error:
        return type(error).__name__


@pytest.mark.parametrize(
    "name, value, scikeras_says, keras_says",
    [
        ("model__epochs", 100, "accepted", "ValueError"),
        ("model__batch_size", 32, "accepted", "ValueError"),
        ("model__model__hidden_units", 30, "accepted", "AttributeError"),
        ("model__fit_kwargs", {"epochs": 100}, "ValueError", "accepted"),
        ("model__model_kwargs", {"hidden_units": 30}, "ValueError", "accepted"),
    ],
)
def test_which_grid_entries_each_wrapper_accepts(name, value, scikeras_says, keras_says):
    assert accepts(in_pipeline(WRAPPERS["course"]()), name, value) == scikeras_says
    assert accepts(in_pipeline(WRAPPERS["keras"]()), name, value) == keras_says


def test_keras_wrapper_parameters():
    names = sorted(k for k in in_pipeline(WRAPPERS["keras"]()).get_params() if k.startswith("model__"))
    assert names == ["model__fit_kwargs", "model__model", "model__model_kwargs", "model__warm_start"]


def test_clone_drops_fit_kwargs_and_keras_then_trains_one_epoch(small):
    configured = SKLearnClassifier(model=softmax_net, fit_kwargs={"epochs": 2, "verbose": 0})
    assert clone(configured).fit_kwargs is None
    assert inspect.signature(keras.Model.fit).parameters["epochs"].default == 1
    out = cross_validate(
        in_pipeline(configured),
        *small,
        cv=StratifiedKFold(2, shuffle=True, random_state=0),
        return_estimator=True,
    )
    assert [len(e.named_steps["model"].history_.epoch) for e in out["estimator"]] == [1, 1]


def test_scikeras_clone_keeps_epochs():
    assert clone(in_pipeline(WRAPPERS["course"]())).named_steps["model"].epochs == 300


def test_fit_parameters_reach_keras_fit_through_cross_validate(small):
    out = cross_validate(
        in_pipeline(SKLearnClassifier(model=softmax_net)),
        *small,
        cv=StratifiedKFold(2, shuffle=True, random_state=0),
        return_estimator=True,
        params={"model__epochs": 2, "model__batch_size": 16, "model__verbose": 0},
    )
    assert [len(e.named_steps["model"].history_.epoch) for e in out["estimator"]] == [2, 2]


def test_grid_search_over_fit_kwargs_and_model_kwargs(small):
    keras.config.disable_interactive_logging()  # predict() has no verbose switch
    try:
        search = GridSearchCV(
            in_pipeline(SKLearnClassifier(model=softmax_net)),
            {
                "model__fit_kwargs": [{"epochs": 1, "verbose": 0}, {"epochs": 2, "verbose": 0}],
                "model__model_kwargs": [{"hidden_units": 3}],
            },
            cv=StratifiedKFold(2, shuffle=True, random_state=0),
        ).fit(*small)
    finally:
        keras.config.enable_interactive_logging()
    assert len(search.cv_results_["params"]) == 2
    best = search.best_estimator_.named_steps["model"]
    assert len(best.history_.epoch) == search.best_params_["model__fit_kwargs"]["epochs"]
    assert best.model_.layers[0].units == 3


def test_keras_wrapper_one_hot_encodes_the_target(small):
    fitted = SKLearnClassifier(model=softmax_net).fit(*small, epochs=1, verbose=0)
    assert fitted.model_.output_shape == (None, 2)
    assert fitted.classes_.tolist() == [0, 1]
    assert set(fitted.predict(small[0]).tolist()) <= {0, 1}


def test_keras_wrapper_refuses_a_single_sigmoid_output(small):
    with pytest.raises(ValueError, match=r"target.shape=\(None, 2\), output.shape=\(None, 1\)"):
        SKLearnClassifier(model=lambda X, y: sigmoid_net()).fit(*small, epochs=1, verbose=0)


def test_keras_wrapper_calls_the_model_function_with_x_and_y(small):
    with pytest.raises(TypeError, match="unexpected keyword argument 'X'"):
        SKLearnClassifier(model=sigmoid_net).fit(*small, epochs=1, verbose=0)


def test_scikeras_keeps_a_two_class_target_as_one_column(sonar):
    assert ClassifierLabelEncoder(loss=None).fit(sonar.y).transform(sonar.y).shape == (len(sonar.y), 1)
