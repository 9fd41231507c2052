"""Keras layers the course's chapters share.

- :class:`MCDropout`: dropout that stays on at inference, for Monte Carlo dropout without switching
  every other layer (BatchNormalization above all) into training mode;
- :class:`DropConnectDense`: a ``Dense`` layer that drops individual weights instead of units
  (DropConnect), with inverted scaling, the identity of ``Dense`` at inference.
"""

from __future__ import annotations

import keras


@keras.saving.register_keras_serializable(package="dropout_course")
class MCDropout(keras.layers.Dropout):
    """``keras.layers.Dropout`` that drops units whatever ``training`` flag it is called with.

    ``model(x, training=True)`` would switch *every* layer to training mode; a BatchNormalization
    layer would then normalise with the statistics of the current batch, and a prediction would
    depend on which other examples share its batch. Replacing only the dropout layers with this one
    keeps dropout on (a new mask for every example on every call) while every other layer stays in
    inference mode. Averaging many calls gives the Monte Carlo dropout prediction
    (Gal and Ghahramani, 2016); their spread is its uncertainty.
    """

    def call(self, inputs, training=None):
        return super().call(inputs, training=True)


@keras.saving.register_keras_serializable(package="dropout_course")
class DropConnectDense(keras.layers.Dense):
    """A ``Dense`` layer that drops *weights* at random during training: DropConnect (Wan et al., 2013).

    Dropout zeroes a unit's output, and with it every weight leaving that unit; DropConnect zeroes each
    weight of the kernel independently, with probability ``rate``, drawing a fresh mask for every
    example of the batch. As in Keras's inverted dropout the kept weights are divided by ``1 - rate``,
    so the expected output equals that of the full layer, and at inference (``training`` false, what
    ``evaluate`` and ``predict`` use) the layer is exactly a ``Dense`` layer with the same weights.

    This inference rule is the common simplification. Wan et al. instead approximate the distribution of
    each unit's input by a Gaussian (moment matching) and average the activation over samples from it,
    which differs from scaling the weights once a nonlinearity follows. The bias is never dropped.

    Parameters
    ----------
    units:
        Number of output units, as for ``Dense``.
    rate:
        Probability of dropping each weight, in [0, 1).
    seed:
        Seed of the layer's own random generator (``None``: drawn from Keras's global one).
    **kwargs:
        Anything ``keras.layers.Dense`` takes (``activation``, ``kernel_constraint``, ...).
    """

    def __init__(self, units, rate, *, seed=None, **kwargs):
        from utils.checks import check_rate

        super().__init__(units, **kwargs)
        self.rate = check_rate("rate", rate)
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed)

    def call(self, inputs, training=None):
        if not training or self.rate == 0:
            return super().call(inputs)
        batch = keras.ops.shape(inputs)[0]
        shape = (batch, *keras.ops.shape(self.kernel))  # one mask per example: (batch, inputs, units)
        keep = keras.random.uniform(shape, seed=self.seed_generator) >= self.rate
        kernels = self.kernel * keras.ops.cast(keep, self.kernel.dtype) / (1.0 - self.rate)
        outputs = keras.ops.einsum("bi,bio->bo", inputs, kernels)
        if self.use_bias:
            outputs = outputs + self.bias
        return self.activation(outputs) if self.activation is not None else outputs

    def get_config(self):
        return {**super().get_config(), "rate": self.rate, "seed": self.seed}
