"""Benchmark: the fast engine against the scikeras recipe on the baseline model.

Both evaluate the source's baseline (60-60-30-1, SGD 0.01 / momentum 0.8) on
Sonar with the same stratified, shuffled 10-fold splits, 300 epochs, batch
size 16, one after the other in this process. Prints both wall-clock times,
the speed-up, and both accuracies; the engine is repeated over several seeds
so that its mean is compared with the recipe's within the noise.

Run from the repository root:

    python benchmarks/engine_vs_recipe.py            # published settings (about 4-5 minutes)
    python benchmarks/engine_vs_recipe.py --epochs 50 --engine-seeds 2   # a quick look
"""

from __future__ import annotations

import utils  # first: quiets TensorFlow
from utils.engine import fast_cv, run_sweep
from utils.evaluation import reference_cv, resolve_cv
from utils.models import baseline_model

import argparse
import platform
import resource
import time

#: How close the two means must be, in accuracy points (fold std on Sonar is 5-9 points).
TOLERANCE = 0.03


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--epochs", type=int, default=300)
    parser.add_argument("--folds", type=int, default=10)
    parser.add_argument("--engine-seeds", type=int, default=5, help="engine repeats (different seeds)")
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args()

    import os

    import keras
    import numpy as np
    import tensorflow as tf

    data = utils.load_sonar()
    utils.set_seed(args.seed)
    cv = resolve_cv(args.folds, args.seed)
    print(
        f"python {platform.python_version()}, tensorflow {tf.__version__}, keras {keras.__version__}, "
        f"{os.cpu_count()} cores"
    )
    print(f"baseline model, {args.folds}-fold stratified CV, {args.epochs} epochs, batch size 16\n")

    start = time.perf_counter()
    recipe = reference_cv(baseline_model, data.X, data.y, cv=cv, epochs=args.epochs, seed=args.seed)
    recipe_s = time.perf_counter() - start
    print(f"scikeras recipe : {recipe_s:7.1f} s   accuracy {recipe.summary()}")

    engine_runs, engine_s = [], []
    for k in range(args.engine_seeds):
        start = time.perf_counter()
        engine_runs.append(
            fast_cv(
                baseline_model, data.X, data.y, cv=cv, epochs=args.epochs, seed=args.seed + k, progress=False
            )
        )
        engine_s.append(time.perf_counter() - start)
        print(f"fast engine #{k + 1} : {engine_s[-1]:7.1f} s   accuracy {engine_runs[-1].summary()}")

    same_splits = all(np.array_equal(a, b) for a, b in zip(recipe.test_indices, engine_runs[0].test_indices))
    engine_means = np.array([r.mean for r in engine_runs])
    first = engine_s[0]
    print()
    print(f"speed-up (recipe / engine, first run incl. tracing): {recipe_s / first:5.1f}x")
    print(f"speed-up (recipe / engine, median of runs)         : {recipe_s / np.median(engine_s):5.1f}x")
    print(f"same test folds in both: {same_splits}")
    diff = engine_means.mean() - recipe.mean
    print(
        f"mean accuracy: recipe {100 * recipe.mean:.1f}%, engine {100 * engine_means.mean():.1f}% "
        f"(over {len(engine_means)} seeds, spread {100 * engine_means.std():.1f}); "
        f"difference {100 * diff:+.1f} points, tolerance {100 * TOLERANCE:.0f}: "
        f"{'AGREE' if abs(diff) <= TOLERANCE else 'DIFFER'}"
    )

    configs = {f"baseline seed-{k}": baseline_model for k in range(4)}
    for n_jobs in (1, -1):
        start = time.perf_counter()
        run_sweep(configs, data.X, data.y, cv=cv, epochs=args.epochs, n_jobs=n_jobs, progress=False)
        print(
            f"run_sweep of {len(configs)} configurations, n_jobs={n_jobs:2d}: {time.perf_counter() - start:6.1f} s"
        )
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory of this process: {peak_mb:.0f} MB")
    return 0 if same_splits and abs(diff) <= TOLERANCE else 1


if __name__ == "__main__":
    raise SystemExit(main())
