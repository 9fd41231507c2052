"""Helpers shared by every chapter of the dropout course.

Importing this package first keeps TensorFlow's start-up chatter (oneDNN and
CPU-feature notices) out of notebooks and selects the TensorFlow backend for
Keras. Each submodule has one job:

- :mod:`utils.data`: load and validate the shipped Sonar data set;
- :mod:`utils.models`: the course's Keras model builders;
- :mod:`utils.evaluation`: the reference scikeras + scikit-learn cross-validation;
- :mod:`utils.engine`: the fast cross-validation engine used for experiments;
- :mod:`utils.results`: the result type both evaluations return;
- :mod:`utils.seed`: one call that makes a run repeatable;
- :mod:`utils.plotting`: the course's plotting style and recurring plots;
- :mod:`utils.logs`: keeps one harmless TensorFlow notice out of the notebooks;
- :mod:`utils.selfcheck`: each chapter's self-check questions, checked and shown with jupyterquiz;
- :mod:`utils.limits`: the run-time limits, set once in ``pyproject.toml``.
"""

import os

# Must happen before TensorFlow is imported anywhere in the process.
os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")


def _import_tensorflow_quietly() -> None:
    """Import TensorFlow with file descriptor 2 pointed at /dev/null.

    Some of TensorFlow's C++ start-up notices ("Could not find cuda drivers",
    "All log messages before absl::InitializeLog()") ignore TF_CPP_MIN_LOG_LEVEL
    and are written straight to the process's stderr. Errors still surface:
    an import failure raises a Python exception as usual.
    """
    import sys

    if "tensorflow" in sys.modules:
        return
    saved = os.dup(2)
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 2)
        import tensorflow  # noqa: F401
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


_import_tensorflow_quietly()

from utils.logs import install_retracing_filter  # noqa: E402

install_retracing_filter()  # the scikeras recipe's expected Keras retracing notices, nothing else

from utils.data import MNIST1DData, MNIST1DDataError, SonarData, SonarDataError, load_mnist1d, load_sonar  # noqa: E402
from utils.results import CVResult  # noqa: E402
from utils.seed import set_seed  # noqa: E402

__all__ = [
    "CVResult",
    "MNIST1DData",
    "MNIST1DDataError",
    "SonarData",
    "SonarDataError",
    "load_mnist1d",
    "load_sonar",
    "set_seed",
]
