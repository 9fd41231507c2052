"""Compare utils.engine.estimate_memory with the measured peak memory of real fast_cv runs.

Each configuration runs in a fresh process: TensorFlow is warmed up with a tiny run, then the peak
resident memory (Linux ``VmHWM``) is read before and after one ``fast_cv`` run of two epochs; the
difference is what the run added, which is what the estimate estimates. The per-optimizer constants
in ``utils.engine._UPDATE_TEMPORARIES`` were set from the ``--optimizers`` table.

Usage, from the repository root::

    python benchmarks/engine_memory.py               # networks and batch sizes, SGD and Adam
    python benchmarks/engine_memory.py --optimizers  # every optimizer the engine accepts, one network

A run takes 5-20 s and up to 1.5 GB on top of TensorFlow's 0.7 GB.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys

RUN = """
import functools, json, sys
import utils
import keras
import numpy as np
from utils.engine import _run_estimate, fast_cv
from utils.evaluation import resolve_splits
from utils.models import build_mlp

hidden, splits, batch_size, optimizer, repeat = json.loads(sys.argv[1])
X, y = utils.load_sonar()[:2]
X, y = np.tile(X, (repeat, 1)), np.tile(y, repeat)  # more rows: larger activations


def build():
    model = build_mlp(tuple(hidden), hidden_dropout=0.2)
    model.compile(getattr(keras.optimizers, optimizer["name"])(**optimizer["kwargs"]), "binary_crossentropy")
    return model


fast_cv(functools.partial(build_mlp, (4,)), X[:208], y[:208], cv=2, epochs=1, progress=False, warn=False)
estimate = _run_estimate(build(), resolve_splits(splits, X, y, 0), batch_size)


def peak():  # this process's peak resident memory in bytes (ru_maxrss would include the parent's)
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024


before = peak()
fast_cv(build, X, y, cv=splits, epochs=2, batch_size=batch_size, seed=0, progress=False, warn=False,
        memory_limit=None)
print(json.dumps({"measured": peak() - before, "estimate": estimate.total, "parts": estimate.describe()}))
"""

SGD = {"name": "SGD", "kwargs": {"learning_rate": 1e-3, "momentum": 0.9}}
ADAM = {"name": "Adam", "kwargs": {"learning_rate": 1e-3}}
#: (hidden layers, splits, batch size, optimizer, Sonar repeated this many times)
NETWORKS = [
    ((3000, 3000), 10, 16, SGD, 1),  # issue 16's network: refused by default
    ((2000, 2000), 10, 16, SGD, 1),
    ((1000, 1000), 10, 16, SGD, 1),
    ((3000, 3000), 5, 16, ADAM, 1),
    ((512, 512), 10, 188, SGD, 20),  # activations: evaluation passes over 3,744-row folds
    ((2048,), 10, 10**6, SGD, 20),  # activations: one batch of a whole 3,744-row fold
]
OPTIMIZERS = [
    {"name": "SGD", "kwargs": {"learning_rate": 1e-3}},
    SGD,
    ADAM,
    {"name": "Adam", "kwargs": {"learning_rate": 1e-3, "amsgrad": True}},
    {"name": "AdamW", "kwargs": {"learning_rate": 1e-3}},
    {"name": "RMSprop", "kwargs": {"learning_rate": 1e-3}},
    {"name": "RMSprop", "kwargs": {"learning_rate": 1e-3, "momentum": 0.9, "centered": True}},
    {"name": "Adagrad", "kwargs": {"learning_rate": 1e-3}},
    {"name": "Adamax", "kwargs": {"learning_rate": 1e-3}},
    {"name": "Nadam", "kwargs": {"learning_rate": 1e-3}},
    {"name": "Lion", "kwargs": {"learning_rate": 1e-4}},
    {"name": "Adadelta", "kwargs": {"learning_rate": 1.0}},
    {"name": "Ftrl", "kwargs": {"learning_rate": 1e-3}},
]


def measure(config) -> dict:
    """Run one configuration in a fresh process; return its measured and estimated bytes."""
    out = subprocess.run(
        [sys.executable, "-c", RUN, json.dumps(config)], capture_output=True, text=True, timeout=1200
    )
    if out.returncode != 0:
        raise RuntimeError(out.stderr[-2000:])
    return json.loads(out.stdout.splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--optimizers", action="store_true", help="every optimizer on one network")
    args = parser.parse_args(argv)
    configs = [((2500, 2500), 5, 16, opt, 1) for opt in OPTIMIZERS] if args.optimizers else NETWORKS
    print(
        f"{'hidden':>12} {'splits':>6} {'batch':>7} {'optimizer':<34} {'measured':>9} {'estimate':>9} ratio"
    )
    for config in configs:
        hidden, splits, batch_size, optimizer, repeat = config
        numbers = measure(config)
        name = optimizer["name"] + "".join(
            f" {k}={v}" for k, v in optimizer["kwargs"].items() if k != "learning_rate"
        )
        print(
            f"{str(hidden):>12} {splits:>6} {batch_size:>7} {name:<34} {numbers['measured'] / 1e9:8.2f}G "
            f"{numbers['estimate'] / 1e9:8.2f}G {numbers['measured'] / numbers['estimate']:5.2f}",
            flush=True,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
