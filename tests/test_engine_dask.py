"""utils.engine.run_sweep on a real distributed engine: a local Dask cluster (issue 11, point 7).

Each configuration is pickled, shipped to a worker process, run there, and its CVResult shipped
back; the numbers must be those of the in-process thread backend, and the cluster must shut down
without complaint.
"""

from utils.engine import run_sweep
from utils.models import build_mlp

import asyncio
import functools
import logging
import sys

import joblib
import numpy as np
from dask.distributed import Client, LocalCluster

CONFIGS = {
    "no dropout": functools.partial(build_mlp, hidden_units=(8,), learning_rate=0.05),
    "dropout 0.5": functools.partial(build_mlp, hidden_units=(8,), hidden_dropout=0.5, learning_rate=0.05),
}


async def close_workers(cluster, timeout):
    await asyncio.gather(*(nanny.close(timeout=timeout) for nanny in cluster.workers.values()))


def ran_a_sweep_job():
    return "utils.engine" in sys.modules


def test_a_sweep_on_a_dask_cluster_gives_the_thread_results(sonar, capfd, caplog):
    settings = dict(cv=3, epochs=3, progress=False)
    local = run_sweep(CONFIGS, sonar.X, sonar.y, n_jobs=2, **settings)
    capfd.readouterr()
    with LocalCluster(n_workers=2, processes=True, threads_per_worker=1, dashboard_address=None) as cluster:
        with Client(cluster) as client:
            with joblib.parallel_config(backend="dask"):
                remote = run_sweep(CONFIGS, sonar.X, sonar.y, **settings)
            assert any(client.run(ran_a_sweep_job).values()), "the jobs did not run on the workers"
        # A process with TensorFlow loaded can take several seconds to exit on a busy machine, and a
        # nanny closed by the cluster gives its worker 4 s before it kills it ("Worker process still
        # alive after 4.0 seconds, killing"): close the workers first, with time to exit.
        cluster.sync(close_workers, cluster, timeout=60)
    assert list(remote) == list(CONFIGS)
    for name in CONFIGS:
        np.testing.assert_array_equal(remote[name].scores, local[name].scores)
        for key in local[name].history:
            np.testing.assert_array_equal(remote[name].history[key], local[name].history[key], err_msg=key)
        np.testing.assert_array_equal(remote[name].diverged, local[name].diverged)
        np.testing.assert_array_equal(remote[name].collapsed, local[name].collapsed)
    complaints = [f"{r.name}: {r.getMessage()}" for r in caplog.records if r.levelno >= logging.WARNING]
    assert complaints == []
    err = capfd.readouterr().err
    for noise in ("still alive", "killing", "Traceback", "Exception", "Error", "WARNING"):
        assert noise.lower() not in err.lower(), f"the cluster said {noise!r}:\n{err[-3000:]}"
