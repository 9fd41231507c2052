"""Keep one harmless TensorFlow warning about the course's own use of Keras out of the notebooks."""

from __future__ import annotations

import logging


class KerasRetracingFilter(logging.Filter):
    """Drop TensorFlow's "triggered tf.function retracing" warning about Keras's own step functions.

    The scikeras recipe (:func:`utils.evaluation.reference_cv`, and ``KerasClassifier`` inside
    ``cross_validate`` or ``GridSearchCV``) builds a fresh model for every fit, as the protocol
    requires, and Keras gives each model new train/test/predict functions. TensorFlow counts the
    traces of all of them as retraces of one function and, after five, warns that tracing is
    "expensive" -- expected and harmless here, and nothing a reader can change. This filter drops
    exactly that message when it names one of Keras's ``TensorFlowTrainer.make_*_function`` steps;
    every other record, including a retracing warning about any other function, passes. (The
    engine's own ``run_epoch`` is traced explicitly once per stack, so it never triggers the warning.)
    Installed on the ``"tensorflow"`` logger by ``import utils``.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        return not ("triggered tf.function retracing" in message and "TensorFlowTrainer.make_" in message)


def install_retracing_filter() -> None:
    """Add one :class:`KerasRetracingFilter` to the ``"tensorflow"`` logger (idempotent)."""
    logger = logging.getLogger("tensorflow")
    if not any(type(f).__name__ == KerasRetracingFilter.__name__ for f in logger.filters):
        logger.addFilter(KerasRetracingFilter())
