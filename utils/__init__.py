"""Helpers shared by every chapter of the dropout course.

Import this package first, before Keras or TensorFlow: it selects the TensorFlow backend for Keras
and arranges for TensorFlow's start-up chatter (oneDNN and CPU-feature notices written straight to
the process's standard error) to stay out of the notebooks whenever TensorFlow is first imported.
Importing the package itself does not load TensorFlow: the modules that do not need it
(:mod:`utils.stats`, :mod:`utils.findings`, :mod:`utils.limits`, :mod:`utils.checks`,
:mod:`utils.results`, :mod:`utils.data`) import in a fraction of a second.

Each submodule has one job:

- :mod:`utils.data`: load and check the shipped data sets (Sonar, MNIST-1D) and a reader's own CSV file;
- :mod:`utils.models`: the course's Keras model builders;
- :mod:`utils.evaluation`: the reference scikeras + scikit-learn cross-validation and the splitters;
- :mod:`utils.engine`: the fast cross-validation engine used for experiments;
- :mod:`utils.results`: the result type every cross-validation returns, and failure flags;
- :mod:`utils.stats`: the corrected resampled t-test, intervals and what a design can detect;
- :mod:`utils.findings`: what a comparison found (helped, hurt, no clear effect, training failed,
  never acted, identical runs), with its numbers and its sentence;
- :mod:`utils.reporting`: generalization gaps, held-out loss plots and layer descriptions;
- :mod:`utils.plotting`: the course's plotting style and recurring plots;
- :mod:`utils.interactive`: interactive plotly figures for the book (no kernel), JupyterLab and Colab;
- :mod:`utils.seed`: one call that makes a run repeatable;
- :mod:`utils.checks`: the argument checks every module uses;
- :mod:`utils.selfcheck`: each chapter's self-check questions, checked and shown with jupyterquiz;
- :mod:`utils.limits`: the run-time limits, set once in ``pyproject.toml``;
- :mod:`utils.logs`: keeps one harmless TensorFlow notice out of the notebooks.
"""

import os
import sys

# Must happen before TensorFlow is imported anywhere in the process.
os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")


class _StderrSilenced:
    """Point file descriptor 2 at /dev/null for the duration of a ``with`` block.

    Some of TensorFlow's C++ start-up notices ("Could not find cuda drivers", "All log messages
    before absl::InitializeLog()") ignore TF_CPP_MIN_LOG_LEVEL and go straight to the process's
    standard error. Python errors still surface: an import failure raises as usual.
    """

    def __enter__(self):
        sys.stderr.flush()
        self._saved = os.dup(2)
        self._devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(self._devnull, 2)

    def __exit__(self, *exc):
        os.dup2(self._saved, 2)
        os.close(self._saved)
        os.close(self._devnull)
        return False


class _QuietLoader:
    """Wraps TensorFlow's own loader: executes the package with standard error silenced."""

    def __init__(self, loader):
        self._loader = loader

    def create_module(self, spec):
        return self._loader.create_module(spec)

    def exec_module(self, module):
        with _StderrSilenced():
            self._loader.exec_module(module)

    def __getattr__(self, name):  # everything else (resources, is_package, ...) is TensorFlow's loader's
        return getattr(self._loader, name)


class _QuietTensorFlowFinder:
    """Finds the ``tensorflow`` package as usual, and hands it a loader that silences its start-up."""

    def find_spec(self, fullname, path=None, target=None):
        if fullname != "tensorflow":
            return None
        for finder in sys.meta_path:
            if finder is self or not hasattr(finder, "find_spec"):
                continue
            spec = finder.find_spec(fullname, path, target)
            if spec is not None:
                if spec.loader is not None:
                    spec.loader = _QuietLoader(spec.loader)
                return spec
        return None


if "tensorflow" not in sys.modules and not any(
    type(f).__name__ == "_QuietTensorFlowFinder" for f in sys.meta_path
):
    sys.meta_path.insert(0, _QuietTensorFlowFinder())

from utils.logs import install_retracing_filter  # noqa: E402

install_retracing_filter()  # the scikeras recipe's expected Keras retracing notices, nothing else

from utils.data import (  # noqa: E402
    CSVData,
    CSVDataError,
    MNIST1DData,
    MNIST1DDataError,
    SonarData,
    SonarDataError,
    load_csv,
    load_mnist1d,
    load_sonar,
)
from utils.results import CVResult  # noqa: E402
from utils.seed import set_seed  # noqa: E402

__all__ = [
    "CSVData",
    "CSVDataError",
    "CVResult",
    "MNIST1DData",
    "MNIST1DDataError",
    "SonarData",
    "SonarDataError",
    "load_csv",
    "load_mnist1d",
    "load_sonar",
    "set_seed",
]
