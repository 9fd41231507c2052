"""Benchmark: seconds per epoch of Keras's ``fit`` with NumPy arrays against a ``tf.data`` pipeline.

Chapter 4 feeds ``fit`` its training and validation rows as ``tf.data`` pipelines; this measures why.
The network and data are chapter 4's (two hidden layers of 256 units with dropout 0.5, SGD, 1,000
MNIST-1D training rows in batches of 64, 250 validation rows, ``steps_per_execution=16``). For each
way of passing the rows it trains a fresh network for a few warm-up epochs (tracing), then times
``--epochs`` more, with and without validation data, and prints the seconds per epoch.

Run from the repository root, on an otherwise idle machine::

    python benchmarks/keras_input.py
    python benchmarks/keras_input.py --epochs 20 --repeats 1   # a quick look
"""

from __future__ import annotations

import utils  # first: quiets TensorFlow

import argparse
import statistics
import time

import keras
import tensorflow as tf


def build(mean, variance) -> keras.Model:
    """Chapter 4's network with dropout 0.5, compiled as chapter 4 compiles it."""
    model = keras.Sequential(
        [keras.Input(shape=(40,)), keras.layers.Normalization(mean=mean, variance=variance)]
        + [
            layer
            for _ in range(2)
            for layer in (keras.layers.Dense(256, activation="relu"), keras.layers.Dropout(0.5))
        ]
        + [keras.layers.Dense(10, activation="softmax")]
    )
    model.compile(
        keras.optimizers.SGD(learning_rate=0.05, momentum=0.9),
        "sparse_categorical_crossentropy",
        metrics=["accuracy"],
        jit_compile=False,
        steps_per_execution=16,
    )
    return model


def batches(X, y, shuffle=False) -> tf.data.Dataset:
    """The rows as a tf.data pipeline of batches of 64, reshuffled every epoch if shuffle (chapter 4's)."""
    rows = tf.data.Dataset.from_tensor_slices((X, y))
    return (rows.shuffle(len(X)) if shuffle else rows).batch(64)


def seconds_per_epoch(fit_args: dict, X, epochs: int) -> float:
    """Train a fresh network for 3 warm-up epochs, then time ``epochs`` more; seconds per epoch."""
    model = build(X.mean(0), X.var(0))
    model.fit(**fit_args, epochs=3, verbose=0)
    start = time.perf_counter()
    model.fit(**fit_args, epochs=epochs, verbose=0)
    return (time.perf_counter() - start) / epochs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=50, help="timed epochs per measurement (default 50)")
    parser.add_argument("--repeats", type=int, default=3, help="measurements per case; the median is shown")
    args = parser.parse_args()
    if args.epochs < 1 or args.repeats < 1:
        parser.error("--epochs and --repeats must be at least 1")

    utils.set_seed(0)
    data = utils.load_mnist1d()
    X, y = data.X_train[:1000].astype("float32"), data.y_train[:1000]
    X_val, y_val = data.X_train[1000:1250].astype("float32"), data.y_train[1000:1250]
    cases = {
        "NumPy arrays": dict(x=X, y=y, batch_size=64),
        "NumPy arrays + validation": dict(x=X, y=y, batch_size=64, validation_data=(X_val, y_val)),
        "tf.data": dict(x=batches(X, y, shuffle=True), shuffle=False),
        "tf.data + validation": dict(
            x=batches(X, y, shuffle=True), validation_data=batches(X_val, y_val), shuffle=False
        ),
    }
    print(f"seconds per epoch, median of {args.repeats} x {args.epochs} epochs (1,000 rows, batches of 64)")
    results = {}
    for name, fit_args in cases.items():
        times = [seconds_per_epoch(fit_args, X, args.epochs) for _ in range(args.repeats)]
        results[name] = statistics.median(times)
        print(f"  {name:28s} {1000 * results[name]:6.1f} ms", flush=True)
    ratio = results["NumPy arrays + validation"] / results["tf.data + validation"]
    print(f"with validation, NumPy arrays take {ratio:.1f}x as long per epoch as tf.data pipelines")


if __name__ == "__main__":
    main()
