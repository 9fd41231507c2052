"""One call that makes a run repeatable."""

from __future__ import annotations

from utils.checks import check_int

DEFAULT_SEED = 42


def set_seed(seed: int = DEFAULT_SEED) -> int:
    """Seed Python's, NumPy's and Keras/TensorFlow's random number generators.

    After this call, building and training the same model on the same data
    gives the same numbers on the same machine (TensorFlow's op determinism is
    switched on too).

    Parameters
    ----------
    seed:
        A non-negative integer (a NumPy integer will do).

    Returns
    -------
    int
        The seed, so a notebook can write ``SEED = set_seed(42)``.
    """
    seed = check_int("seed", seed, minimum=0)
    import keras
    import tensorflow as tf

    keras.utils.set_random_seed(seed)  # Python, NumPy and the TF/Keras global generators
    tf.config.experimental.enable_op_determinism()
    return seed
