"""utils.engine: the splits of a stack never influence each other (issue 11, point 3).

One optimizer updates the stacked weights of all splits. That is exact only when its update of a
weight depends on that weight's own gradient and slots alone; the engine accepts those optimizers
only, and rejects the others (which normalise over a whole variable) with a pointer to reference_cv.
"""

import utils.engine as engine
from utils.engine import fast_cv

import functools

import keras
import numpy as np
import pytest

# Three blocks of 12 rows: split 0 trains on A and tests on B, split 1 trains on C and tests on B.
# Changing C changes split 1's data only.
A, B, C = np.arange(12), np.arange(12, 24), np.arange(24, 36)


class FixedSplits:
    """A splitter that yields the given (train, test) pairs."""

    def __init__(self, splits):
        self.splits = splits

    def split(self, X, y=None, groups=None):
        return iter(self.splits)

    def get_n_splits(self, X=None, y=None, groups=None):
        return len(self.splits)


SPLITS = FixedSplits([(A, B), (C, B)])


def data(variant):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(36, 3))
    y = np.tile([0, 1], 18)
    if variant:  # split 1's training rows only: new features, other labels
        X[C] = np.random.default_rng(variant).normal(2.0, 3.0, size=(12, 3))
        y[C] = np.random.default_rng(variant).permutation(y[C])
    return X, y


def tiny(optimizer):
    m = keras.Sequential(
        [
            keras.Input((3,)),
            keras.layers.Dense(4, activation="relu"),
            keras.layers.Dropout(0.25),
            keras.layers.Dense(1, activation="sigmoid"),
        ]
    )
    m.compile(optimizer(), "binary_crossentropy", metrics=["accuracy"])
    return m


def histories(optimizer):
    return [
        fast_cv(
            functools.partial(tiny, optimizer),
            *data(variant),
            cv=SPLITS,
            epochs=3,
            batch_size=5,
            progress=False,
            warn=False,
        ).history
        for variant in (0, 1)
    ]


@pytest.mark.parametrize(
    "optimizer",
    [
        functools.partial(keras.optimizers.SGD, 0.1, momentum=0.9, nesterov=True),
        functools.partial(keras.optimizers.Adam, 0.01, amsgrad=True),
        functools.partial(keras.optimizers.AdamW, 0.01),
        functools.partial(keras.optimizers.RMSprop, 0.01, momentum=0.5, centered=True),
        functools.partial(keras.optimizers.Adagrad, 0.1),
        functools.partial(keras.optimizers.Adamax, 0.01),
        functools.partial(keras.optimizers.Nadam, 0.01),
        functools.partial(keras.optimizers.Lion, 0.01),
        functools.partial(keras.optimizers.Adadelta, 1.0),
        functools.partial(keras.optimizers.Ftrl, 0.1, l1_regularization_strength=0.01),
    ],
    ids=lambda p: p.func.__name__,
)
def test_a_split_trains_the_same_whatever_another_split_sees(optimizer):
    before, after = histories(optimizer)
    assert not np.array_equal(before["loss"][1], after["loss"][1])  # split 1 did change
    for key in before:
        np.testing.assert_array_equal(before[key][0], after[key][0], err_msg=f"split 0's {key} changed")


def test_the_check_detects_an_optimizer_that_couples_the_splits(monkeypatch):
    # Lamb scales each update by the norm of the whole (stacked) variable: let it through and split 0
    # changes with split 1's data. This is why such optimizers are rejected.
    monkeypatch.setattr(engine, "_ELEMENTWISE_OPTIMIZERS", (keras.optimizers.Lamb,))
    before, after = histories(functools.partial(keras.optimizers.Lamb, 0.01))
    assert not np.array_equal(before["loss"][0], after["loss"][0])


class MyAdam(keras.optimizers.Adam):
    """A subclass may change the update: not trusted."""


@pytest.mark.parametrize(
    "optimizer",
    [
        keras.optimizers.Lamb,
        keras.optimizers.Adafactor,
        keras.optimizers.Muon,
        keras.optimizers.ScheduleFreeAdamW,
        lambda: keras.optimizers.LossScaleOptimizer(keras.optimizers.SGD()),
        MyAdam,
    ],
)
def test_optimizers_that_would_couple_the_splits_are_rejected(optimizer):
    X, y = data(0)
    with pytest.raises(
        ValueError,
        match=r"cannot train a model compiled with \w+: .* Others would couple the "
        r"splits: .* Evaluate this model with utils.evaluation.reference_cv",
    ):
        fast_cv(functools.partial(tiny, optimizer), X, y, cv=SPLITS, epochs=1, progress=False)
