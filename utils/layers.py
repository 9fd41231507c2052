"""Keras layers the course's chapters share.

- :class:`MCDropout`: dropout that stays on at inference, for Monte Carlo dropout without switching
  every other layer (BatchNormalization above all) into training mode.
"""

from __future__ import annotations

import keras


@keras.saving.register_keras_serializable(package="dropout_course")
class MCDropout(keras.layers.Dropout):
    """``keras.layers.Dropout`` that drops units whatever ``training`` flag it is called with.

    ``model(x, training=True)`` would switch *every* layer to training mode; a BatchNormalization
    layer would then normalise with the statistics of the current batch, and a prediction would
    depend on which other examples share its batch. Replacing only the dropout layers with this one
    keeps dropout on (one random thinned network per call) while every other layer stays in
    inference mode. Averaging many calls gives the Monte Carlo dropout prediction
    (Gal and Ghahramani, 2016); their spread is its uncertainty.
    """

    def call(self, inputs, training=None):
        return super().call(inputs, training=True)
