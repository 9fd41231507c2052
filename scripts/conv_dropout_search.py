"""When does channel-wise dropout beat element-wise dropout in a small Conv1D network on MNIST-1D?

Chapter 8 compares ``Dropout(0.2)`` and ``SpatialDropout1D(0.2)`` after each convolution of one network
(three ``Conv1D(32, 5)`` ReLU layers, ``Flatten``, softmax; Adam 1e-3; 60 epochs; three splits of
1,000 training rows). This script varies one thing at a time (global average pooling instead of
``Flatten``, the kernel size, the width, the depth) and compares the two on the chapter's splits with
the corrected resampled t-test, so the chapter's question can be asked of other architectures::

    python scripts/conv_dropout_search.py            # every architecture (about 10 minutes on 2 cores)
    python scripts/conv_dropout_search.py --only gap # one of them

It prints one line per architecture: both mean accuracies and the finding of channel-wise against
element-wise dropout.
"""

from __future__ import annotations

import utils  # first: keeps TensorFlow's start-up messages out of the output
from utils.evaluation import SubsampledStratifiedKFold
from utils.findings import compare
from utils.training import keras_cv

import argparse
import functools
import time

import keras

ARCHITECTURES = {
    "base": dict(),
    "gap": dict(pool="gap"),
    "kernel 9": dict(kernel=9),
    "width 64": dict(width=64),
    "depth 5": dict(depth=5),
}


def conv_net(noise=None, *, depth=3, width=32, kernel=5, pool="flatten"):
    """`depth` Conv1D(width, kernel) ReLU layers, `noise()` after each, then Flatten or global pooling."""
    layers = [keras.Input(shape=(40,)), keras.layers.Reshape((40, 1))]
    for _ in range(depth):
        layers.append(keras.layers.Conv1D(width, kernel, padding="same", activation="relu"))
        if noise is not None:
            layers.append(noise())
    layers.append(keras.layers.GlobalAveragePooling1D() if pool == "gap" else keras.layers.Flatten())
    layers.append(keras.layers.Dense(10, activation="softmax"))
    model = keras.Sequential(layers)
    model.compile(
        keras.optimizers.Adam(1e-3),
        "sparse_categorical_crossentropy",
        metrics=["accuracy"],
        jit_compile=False,
        steps_per_execution=16,
    )
    return model


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", choices=sorted(ARCHITECTURES), help="run one architecture")
    parser.add_argument("--epochs", type=int, default=60)
    args = parser.parse_args()
    seed = utils.set_seed(42)
    data = utils.load_mnist1d()
    X, y = data.X, data.y
    splits = SubsampledStratifiedKFold(3, train_size=1000, random_state=seed)
    sizes = dict(n_train=len(y) * 2 / 3, n_test=len(y) / 3)
    names = [args.only] if args.only else list(ARCHITECTURES)
    for name in names:
        start = time.perf_counter()
        runs = {
            label: keras_cv(
                functools.partial(conv_net, noise, **ARCHITECTURES[name]),
                X,
                y,
                cv=splits,
                epochs=args.epochs,
                seed=seed,
                label=label,
                progress=False,
            )
            for label, noise in (
                ("element-wise", lambda: keras.layers.Dropout(0.2)),
                ("channel-wise", lambda: keras.layers.SpatialDropout1D(0.2)),
            )
        }
        finding = compare(runs["channel-wise"], runs["element-wise"], **sizes)
        print(
            f"{name:>9}: element-wise {100 * runs['element-wise'].scores.mean():.1f}%, "
            f"channel-wise {100 * runs['channel-wise'].scores.mean():.1f}%; channel-wise vs. element-wise: "
            f"{finding.verdict} ({finding.difference:+.1f} points, 95% CI "
            f"[{finding.interval[0]:+.1f}, {finding.interval[1]:+.1f}]) ({time.perf_counter() - start:.0f} s)",
            flush=True,
        )


if __name__ == "__main__":
    main()
