"""Fast cross-validation: every split of a model trained at once, as one stacked network.

The reference recipe (:func:`utils.evaluation.reference_cv`) trains ten tiny
networks one after another, and nearly all of its time is Keras's per-step and
per-epoch overhead. This engine follows the same protocol -- a scaler fitted
on each training fold only, the same splits, epochs, batch size, initializers,
optimizer and layers, taken from the very model the builder returns -- but
stacks the ``n_splits`` copies of the network along a leading axis, so that a
single batched matrix product trains all of them in one step:

* a ``Dense(units)`` layer becomes a kernel of shape ``(n_splits, inputs, units)``;
  each slice is initialised by the layer's own initializer and keeps the
  layer's ``MaxNorm`` constraint (applied per unit, per split);
* each split draws its own shuffled mini-batches from its own training fold
  (a short last batch is padded and the padding gets zero weight, so every
  split sees exactly the batches ``fit(batch_size=...)`` would give it);
* the loss is the sum of the splits' mean batch losses, so each slice's
  gradient is exactly its own network's gradient, and element-wise optimizers
  (SGD with momentum, Adam, ...) update each slice as they would alone; the
  others (Lamb, Adafactor, Muon, LossScaleOptimizer, ...), which would couple
  the splits, are rejected with a pointer to the reference recipe;
* ``Dropout`` draws an independent mask for every split and example, inverted
  scaling as in Keras;
* every other setting of the model is either honoured exactly or refused before
  training, with a pointer to the reference recipe (the list is in :func:`fast_cv`);
* a stack whose estimated memory (:func:`estimate_memory`: weights, optimizer
  state, data, a training step, an evaluation pass) exceeds ``memory_limit``
  (1 GB by default, which keeps a chapter within Binder's 2 GB) is refused before
  training, with the estimate in the message.

Training and held-out metrics are recorded every epoch, so chapters draw
learning curves without training again: the training loss and accuracy as
``fit`` reports them (averaged over the epoch, dropout on), the training fold
evaluated at the end of the epoch with dropout off (``train_eval_*``, what
``model.evaluate`` gives), and the held-out fold. Splits whose training loss
became non-finite (*diverged*) or that ended no better than a constant guess
(*collapsed*) are flagged in the result and named in a warning. :func:`run_sweep` runs several
configurations through joblib, so a large sweep can be handed to any joblib
backend (threads here; Dask or Ray on a cluster) without other changes.
"""

from __future__ import annotations

from utils.checks import check_int as _check_int
from utils.checks import check_positive as _check_positive
from utils.evaluation import resolve_splits
from utils.layers import DropConnectDense
from utils.results import (
    CVResult,
    TrainedSplit,
    TrainingFailureWarning,
)
from utils.seed import DEFAULT_SEED

import math
import threading
import time
import warnings
from collections.abc import Callable, Mapping
from typing import NamedTuple

import joblib
import keras
import numpy as np
import tensorflow as tf
from sklearn.preprocessing import StandardScaler
from tqdm.std import tqdm

HISTORY_KEYS = ("loss", "accuracy", "train_eval_loss", "train_eval_accuracy", "val_loss", "val_accuracy")

#: The layer types the engine stacks (exactly these types: a subclass may compute something else).
STACKABLE_LAYERS = (
    keras.layers.Dense,
    DropConnectDense,
    keras.layers.Dropout,
    keras.layers.GaussianDropout,
    keras.layers.AlphaDropout,
)
_NOISE_LAYERS = {
    keras.layers.Dropout: "dropout",
    keras.layers.GaussianDropout: "gaussian",
    keras.layers.AlphaDropout: "alpha",
}
#: SELU's negative saturation value, -scale * alpha: where AlphaDropout puts a dropped unit.
_ALPHA_P = -1.6732632423543772848170429916717 * 1.0507009873554804934193349852946

#: Optimizers whose update of a weight depends only on that weight, its own gradient and its own
#: slots (plus global counters such as the step number), so that one optimizer over the stacked
#: variables updates every split exactly as a separate optimizer would. Exact types: a subclass may
#: override ``update_step``. Lamb, Adafactor and Muon normalise each update over a whole variable
#: (i.e. over all the splits at once), LossScaleOptimizer skips the step of every split when one
#: split's gradient is not finite, and ScheduleFreeAdamW evaluates at weights other than the ones it
#: trains: all of those would silently couple the folds or change the protocol.
_ELEMENTWISE_OPTIMIZERS = (
    keras.optimizers.SGD,
    keras.optimizers.Adam,
    keras.optimizers.AdamW,
    keras.optimizers.RMSprop,
    keras.optimizers.Adagrad,
    keras.optimizers.Adamax,
    keras.optimizers.Nadam,
    keras.optimizers.Lion,
    keras.optimizers.Adadelta,
    keras.optimizers.Ftrl,
)

_BUILD_FN_HELP = (
    "build_fn must be a function that takes no arguments and returns a new compiled "
    "keras.Sequential, such as utils.models.baseline_model or "
    "functools.partial(utils.models.build_mlp, hidden_dropout=0.2)"
)


def _check_build_fn(build_fn, name: str = "build_fn") -> None:
    """Reject the commonest mistakes before any work: a model or a non-callable instead of a builder."""
    if isinstance(build_fn, keras.layers.Layer):  # a Model is a Layer, and it is callable
        raise ValueError(
            f"{name} is a {type(build_fn).__name__} model, not a function that builds one: pass the "
            "builder itself, e.g. baseline_model and not baseline_model() (a fresh network is built "
            f"for every split). {_BUILD_FN_HELP}"
        )
    if not callable(build_fn):
        raise ValueError(
            f"{name} must be a callable returning a compiled Keras model, got {build_fn!r}. {_BUILD_FN_HELP}"
        )


def _build(build_fn) -> keras.Model:
    """Call ``build_fn`` and check that it gave a built, compiled Sequential model."""
    model = build_fn()
    if model is None:
        raise ValueError(f"build_fn returned None: end it with `return model`. {_BUILD_FN_HELP}")
    if not isinstance(model, keras.Sequential):
        raise ValueError(
            f"fast_cv needs a keras.Sequential model, got {type(model).__name__}. {_BUILD_FN_HELP}"
        )
    if not model.built:
        raise ValueError(
            "build_fn returned a Sequential model without an input shape, so its layers have no "
            "weights yet: make keras.Input(shape=(n_features,)) the first entry of the layer list in "
            "build_fn, e.g. keras.Sequential([keras.Input(shape=(60,)), keras.layers.Dense(60, "
            "activation='relu'), ..., keras.layers.Dense(1, activation='sigmoid')])"
        )
    return model


#: Loss reductions that give the mean loss over a batch when there are no sample weights (the engine's).
_MEAN_REDUCTIONS = {"sum_over_batch_size", "mean", "mean_with_sample_weight"}
#: The losses the engine computes, by task: the strings, functions and classes Keras accepts for them.
_LOSSES = {
    "binary": (
        {"binary_crossentropy", "bce"},
        keras.losses.binary_crossentropy,
        keras.losses.BinaryCrossentropy,
    ),
    "multiclass": (
        {"sparse_categorical_crossentropy"},
        keras.losses.sparse_categorical_crossentropy,
        keras.losses.SparseCategoricalCrossentropy,
    ),
}
_ALTERNATIVE = (
    "To train it with this setting, evaluate the model with utils.evaluation.reference_cv (Keras's own "
    "fit, one split at a time), or change the setting"
)


def _refusal(setting: str, why: str) -> ValueError:
    """The error for a model setting the engine does not honour: the setting, why, and what to do instead."""
    return ValueError(f"fast_cv does not train {setting} as Keras would: {why}. {_ALTERNATIVE}")


def _loss_task(loss) -> str:
    """``"binary"`` or ``"multiclass"`` for a loss the engine computes exactly as compiled; else raise.

    Accepted: the loss's name, its function, or its class with default settings, except a ``reduction``
    that, without sample weights, is the batch mean as well (``"mean"``, ``"mean_with_sample_weight"``).
    """
    for task, (names, function, cls) in _LOSSES.items():
        if isinstance(loss, str) and loss.lower() in names:
            return task
        if loss is function:
            return task
        if type(loss) is cls:
            config, default = loss.get_config(), cls().get_config()
            if config["reduction"] not in _MEAN_REDUCTIONS:
                raise _refusal(
                    f"a {cls.__name__}(reduction={config['reduction']!r}) loss",
                    "it trains every split on the mean loss of each batch (reduction='sum_over_batch_size'), "
                    "and a sum or an unreduced loss changes every step",
                )
            changed = {
                key: value
                for key, value in config.items()
                if key not in ("name", "reduction") and value != default.get(key)
            }
            if changed or loss.dtype != "float32":
                setting = (
                    ", ".join(f"{key}={value!r}" for key, value in changed.items()) or f"dtype={loss.dtype!r}"
                )
                raise _refusal(
                    f"a {cls.__name__}({setting}) loss",
                    f"it computes {cls.__name__} with its default settings only",
                )
            return task
    raise ValueError(
        "fast_cv supports a Dense(1, sigmoid) output with binary_crossentropy or a Dense(k, softmax) output "
        f"with sparse_categorical_crossentropy; this model is compiled with the loss {_shown_loss(loss)!r}. "
        f"{_ALTERNATIVE}"
    )


def _shown_loss(loss) -> str:
    """A loss as a reader wrote it: its string, its function's name or its class's name."""
    return loss if isinstance(loss, str) else getattr(loss, "__name__", type(loss).__name__)


def _check_compile(model: keras.Model) -> None:
    """Refuse compile settings that change training and that the engine would otherwise drop.

    ``metrics``, ``weighted_metrics``, ``run_eagerly``, ``jit_compile`` and ``steps_per_execution`` do not
    change what a training step computes (the engine records loss and accuracy every epoch, and runs
    each epoch as one compiled TensorFlow graph), so they are accepted and not used.
    """
    weights = model.get_compile_config().get("loss_weights")
    flat = weights if isinstance(weights, (list, tuple)) else [weights]
    if weights is not None and (len(flat) != 1 or flat[0] != 1):
        raise _refusal(
            f"a model compiled with loss_weights={weights!r}",
            "it trains on the loss itself (a weight of 1), and a weight scales every gradient",
        )


def _check_optimizer(optimizer) -> None:
    """Refuse optimizers and optimizer settings that would couple the stacked splits or be dropped."""
    if type(optimizer) not in _ELEMENTWISE_OPTIMIZERS:
        allowed = ", ".join(cls.__name__ for cls in _ELEMENTWISE_OPTIMIZERS)
        raise ValueError(
            f"fast_cv cannot train a model compiled with {type(optimizer).__name__}: it trains "
            "all splits with one optimizer over stacked weights, which is exact only for optimizers "
            f"that update every weight from its own gradient alone ({allowed}). Others would couple the "
            "splits: Lamb, Adafactor and Muon normalise each update over a whole (stacked) variable, "
            "LossScaleOptimizer skips every split's step when one split's gradient is not finite, and "
            "a subclass may change the update. Evaluate this model with utils.evaluation.reference_cv, "
            "or compile it with one of those optimizers"
        )
    name = type(optimizer).__name__
    config = optimizer.get_config()
    for key in ("clipnorm", "global_clipnorm"):
        if config.get(key) is not None:
            raise _refusal(
                f"an optimizer with {key}={config[key]!r}",
                "it clips by the norm of a whole stacked variable, which holds every split's weights, so one "
                "split's gradient would limit the others' (clipvalue, which clips each number alone, is honoured)",
            )
    if config.get("use_ema"):
        raise _refusal(f"a {name}(use_ema=True) optimizer", "it does not keep moving averages of the weights")
    if getattr(optimizer, "_exclude_from_weight_decay", None) or getattr(
        optimizer, "_exclude_from_weight_decay_pattern", None
    ):
        raise _refusal(
            "an optimizer with exclude_from_weight_decay(...)",
            "its stacked weights have names and identities of their own, so the exclusion would not carry over",
        )


def _check_layers(model: keras.Model) -> list[keras.layers.Layer]:
    """Refuse layers and layer settings the engine does not honour; return the Dense and Dropout layers.

    Layer types are compared exactly: a subclass (``SpatialDropout1D``, a Monte Carlo dropout layer that
    stays on at inference, ...) may compute something else.
    """
    if len(model.inputs[0].shape) != 2:
        raise _refusal(
            f"a model whose input has shape {tuple(model.inputs[0].shape)[1:]}",
            "it trains on rows of features, keras.Input(shape=(n_features,))",
        )
    if not model.trainable:
        raise _refusal("a model with trainable=False", "it trains every weight")
    layers = [layer for layer in model.layers if not isinstance(layer, keras.layers.InputLayer)]
    for layer in layers:
        if type(layer) not in STACKABLE_LAYERS:
            raise ValueError(
                f"fast_cv supports Dense and Dropout layers only (and GaussianDropout, AlphaDropout and "
                f"utils.layers.DropConnectDense), got {type(layer).__name__} ('{layer.name}'); train such a "
                "model with utils.training.keras_cv (Keras's own fit, split by split, the same protocol) "
                "or utils.evaluation.reference_cv"
            )
        what = f"layer '{layer.name}' ({type(layer).__name__})"
        if layer.dtype_policy.name != "float32":
            raise _refusal(
                f"{what} with dtype policy {layer.dtype_policy.name!r}",
                "it computes and stores every weight in float32",
            )
        if not layer.trainable:
            raise _refusal(f"{what} with trainable=False", "it trains every weight, frozen or not")
        if isinstance(layer, keras.layers.Dense):
            _check_dense(layer, what)
        elif getattr(layer, "noise_shape", None) is not None:
            raise _refusal(
                f"{what} with noise_shape={layer.noise_shape!r}",
                "it drops every unit of every example independently",
            )
    dense = [layer for layer in layers if isinstance(layer, keras.layers.Dense)]
    if not dense:
        raise ValueError("fast_cv needs at least one Dense layer")
    if layers[-1] is not dense[-1]:
        raise _refusal(
            f"layer '{layers[-1].name}' after the output layer",
            "it applies dropout to hidden layers and inputs, not to the predicted probabilities",
        )
    return layers


def _check_dense(layer: keras.layers.Dense, what: str) -> None:
    """Refuse the Dense settings the engine does not honour (regularizers, constraints but MaxNorm, ...)."""
    for setting in ("kernel_regularizer", "bias_regularizer", "activity_regularizer", "bias_constraint"):
        if getattr(layer, setting) is not None:
            raise _refusal(
                f"{what} with a {setting}", "it adds no penalty to the loss and no bias constraint"
            )
    if layer.lora_enabled or getattr(layer, "quantization_mode", None):
        raise _refusal(f"{what} with LoRA or quantization", "it trains full float weights")
    constraint = layer.kernel_constraint
    if constraint is not None:
        if type(constraint) is not keras.constraints.MaxNorm:
            raise _refusal(
                f"{what} with a {type(constraint).__name__} kernel_constraint",
                "only MaxNorm kernel constraints are supported",
            )
        axes = [constraint.axis] if isinstance(constraint.axis, int) else list(constraint.axis)
        if min(axes) < 0:
            raise _refusal(
                f"{what} with MaxNorm(axis={constraint.axis!r})", "a negative axis is not supported"
            )
    for setting in ("kernel_initializer", "bias_initializer"):
        if not isinstance(getattr(layer, setting), keras.initializers.Initializer):
            raise _refusal(
                f"{what} whose {setting} is a plain function",
                "it draws each split's weights from a keras.initializers.Initializer (e.g. HeNormal(seed=...))",
            )


def _output_task(model: keras.Model, dense: keras.layers.Dense) -> str:
    """The task the output layer and the loss make together, ``"binary"`` or ``"multiclass"``; else raise."""
    task = _loss_task(model.loss)
    units = int(dense.units)
    if task == "binary" and units == 1 and dense.activation is keras.activations.sigmoid:
        return task
    if task == "multiclass" and units > 1 and dense.activation is keras.activations.softmax:
        return task
    activation = getattr(dense.activation, "__name__", repr(dense.activation))
    raise ValueError(
        "fast_cv supports a Dense(1, sigmoid) output with binary_crossentropy or a "
        f"Dense(k, softmax) output with sparse_categorical_crossentropy; got {units} "
        f"unit(s), activation {activation!r}, loss {_shown_loss(model.loss)!r}. {_ALTERNATIVE}"
    )


def check_model(model: keras.Model) -> str:
    """Check that :func:`fast_cv` trains ``model`` exactly as Keras's ``fit`` would; return its task.

    Raises ``ValueError`` naming the first setting the engine would not honour (see :func:`fast_cv`
    for the list), and what to do instead. Returns ``"binary"`` (a sigmoid unit) or ``"multiclass"``.
    """
    if not isinstance(model, keras.Sequential):
        raise ValueError(f"fast_cv needs a keras.Sequential model, got {type(model).__name__}")
    if getattr(model, "optimizer", None) is None:
        raise ValueError("fast_cv needs a compiled model: call model.compile(...) in the builder")
    layers = _check_layers(model)
    _check_compile(model)
    _check_optimizer(model.optimizer)
    return _output_task(model, layers[-1])


class _StackedNetwork:
    """``n`` independent copies of a compiled Sequential Dense/Dropout model."""

    def __init__(self, model: keras.Model, n: int, seed: int):
        self.task = check_model(model)
        layer_seeds = iter(np.random.SeedSequence(seed).generate_state(4 * len(model.layers) * n))
        self.steps: list[tuple] = []
        self.variables: list[keras.Variable] = []
        dense = [layer for layer in model.layers if isinstance(layer, keras.layers.Dense)]
        for layer in model.layers:
            if type(layer) in _NOISE_LAYERS:
                self.steps.append((_NOISE_LAYERS[type(layer)], float(layer.rate)))
            elif isinstance(layer, keras.layers.Dense):  # a DropConnectDense drops weights at this rate
                rate = float(layer.rate) if type(layer) is DropConnectDense else 0.0
                self.steps.append(("dense", *self._stack_dense(layer, n, layer_seeds), rate))
        self.n_features = int(dense[0].kernel.shape[0])
        self.n_outputs = int(dense[-1].units)
        self.optimizer = type(model.optimizer).from_config(model.optimizer.get_config())
        self.optimizer.build(self.variables)
        self.seed_generator = keras.random.SeedGenerator(int(next(layer_seeds)))

    def _stack_dense(self, layer, n, layer_seeds):
        constraint = layer.kernel_constraint
        if constraint is not None:  # a MaxNorm on a non-negative axis (check_model); the stack adds axis 0
            axis = constraint.axis
            shifted = axis + 1 if isinstance(axis, int) else tuple(a + 1 for a in axis)
            constraint = keras.constraints.MaxNorm(constraint.max_value, axis=shifted)

        def stacked(initializer, shape):
            config = initializer.get_config()
            out = np.empty((n, *shape), "float32")  # filled slice by slice: no list of n copies
            for k in range(n):
                if "seed" in config:
                    config["seed"] = int(next(layer_seeds))
                out[k] = np.asarray(type(initializer).from_config(config)(shape))
            return out

        shape = tuple(int(d) for d in layer.kernel.shape)
        kernel = keras.Variable(stacked(layer.kernel_initializer, shape), name=f"{layer.name}_kernel")
        kernel.constraint = constraint  # applied by the optimizer after every update, as in Keras
        self.variables.append(kernel)
        bias = None
        if layer.use_bias:
            bias = keras.Variable(stacked(layer.bias_initializer, (1, shape[1])), name=f"{layer.name}_bias")
            self.variables.append(bias)
        last = layer.activation
        return kernel, bias, last

    def _noise(self, kind: str, rate: float, h):
        """What a training-mode ``Dropout`` / ``GaussianDropout`` / ``AlphaDropout`` does to ``h``, drawn
        independently for every split, example and unit (as Keras's layers, ``keras/src/layers/regularization``)."""
        if kind == "dropout":  # zero with probability rate, scale the kept units by 1 / (1 - rate)
            return keras.random.dropout(h, rate, seed=self.seed_generator)
        if kind == "gaussian":  # multiply by noise of mean 1 and variance rate / (1 - rate)
            return h * keras.random.normal(
                h.shape, mean=1.0, stddev=math.sqrt(rate / (1.0 - rate)), seed=self.seed_generator
            )
        kept = tf.cast(keras.random.uniform(h.shape, seed=self.seed_generator) >= rate, h.dtype)
        a = ((1 - rate) * (1 + rate * _ALPHA_P**2)) ** -0.5  # keeps SELU's mean 0 and variance 1
        b = -a * _ALPHA_P * rate
        return a * (h * kept + _ALPHA_P * (1 - kept)) + b

    def logits(self, x, training: bool):
        """Forward pass of all copies: ``x`` is ``(n, batch, features)``."""
        dense_steps = [s for s in self.steps if s[0] == "dense"]
        last_dense = dense_steps[-1]
        h = x
        for step in self.steps:
            if step[0] != "dense":
                if training and step[1] > 0:
                    h = self._noise(step[0], step[1], h)
                continue
            _, kernel, bias, activation, rate = step
            if training and rate > 0:  # DropConnect: a fresh mask over the kernel for every example
                mask_shape = (*h.shape[:2], *kernel.shape[1:])  # (n, batch, inputs, units)
                kept = tf.cast(keras.random.uniform(mask_shape, seed=self.seed_generator) >= rate, h.dtype)
                h = tf.einsum("nbi,nbio->nbo", h, kernel[:, None] * kept / (1.0 - rate))
            else:
                h = tf.matmul(h, kernel)
            if bias is not None:
                h = h + bias
            if step is not last_dense:
                h = activation(h)
        return h  # the output layer's pre-activation

    def losses_and_hits(self, logits, y):
        """Per-example loss and correctness (1.0 / 0.0), both ``(n, batch)``."""
        if self.task == "binary":
            z = logits[..., 0]
            loss = tf.nn.sigmoid_cross_entropy_with_logits(labels=y, logits=z)
            hits = tf.cast(tf.equal(tf.cast(z > 0, y.dtype), y), tf.float32)
        else:
            labels = tf.cast(y, tf.int32)
            loss = tf.nn.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=logits)
            hits = tf.cast(tf.equal(tf.argmax(logits, -1, output_type=tf.int32), labels), tf.float32)
        return loss, hits

    def train_step(self, x, y, weight):
        """One optimizer step of every copy, each on its own batch.

        ``x`` is ``(n, batch, features)``, ``y`` and ``weight`` are ``(n, batch)``;
        padding rows have weight 0. Returns each copy's summed loss and number of
        correct predictions over its real rows (for the epoch's running metrics).
        """
        with tf.GradientTape() as tape:
            loss, hits = self.losses_and_hits(self.logits(x, training=True), y)
            per_copy = _weighted_mean(loss, weight)  # each copy's mean batch loss, as in Keras
            total = tf.reduce_sum(per_copy)  # d total / d slice k == d loss_k / d slice k
            total = self.optimizer.scale_loss(total)  # loss_scale_factor, undone in apply, as in Keras's fit
        grads = tape.gradient(total, self.variables)
        self.optimizer.apply(grads, self.variables)  # also applies MaxNorm, as in Keras
        return per_copy * tf.reduce_sum(weight, -1), tf.reduce_sum(hits * weight, -1)


def _weighted_mean(values, weights):
    """Mean of ``values`` over the last axis counting only rows with weight 1."""
    return tf.reduce_sum(values * weights, -1) / tf.maximum(tf.reduce_sum(weights, -1), 1.0)


def _check_data(X, y):
    X = np.asarray(X)
    y = np.asarray(y)
    if X.ndim != 2 or y.ndim != 1 or len(X) != len(y) or len(X) == 0:
        raise ValueError(f"X must be 2-D and y 1-D with the same number of rows, got {X.shape} and {y.shape}")
    if not np.issubdtype(X.dtype, np.number) or not np.all(np.isfinite(X)):
        raise ValueError("X must contain finite numbers only")
    if not np.issubdtype(y.dtype, np.integer):
        if np.issubdtype(y.dtype, np.floating) and np.all(y == np.round(y)):
            y = y.astype(np.int64)
        else:
            raise ValueError("y must hold integer class labels (0/1 for a sigmoid output)")
    return X, y


def _epoch_batches(rng, n_train, steps, batch_size):
    """One epoch's batches: ``index`` (rows) and ``weight`` (1 real, 0 padding), ``(steps, n, batch_size)``.

    Split ``k`` gets a fresh shuffle of its own rows each epoch (as ``fit(shuffle=True)``), cut into
    ``steps`` batches; its last batch is padded with weight-0 rows.
    """
    n = len(n_train)
    index = np.zeros((steps, n, batch_size), "int32")
    weight = np.zeros((steps, n, batch_size), "float32")
    for k, size in enumerate(n_train):
        order = np.zeros(steps * batch_size, "int32")
        order[:size] = rng.permutation(size)
        mask = np.zeros(steps * batch_size, "float32")
        mask[:size] = 1.0
        index[:, k] = order.reshape(steps, batch_size)
        weight[:, k] = mask.reshape(steps, batch_size)
    # Sanity: every training row of every split is used exactly once this epoch.
    assert np.array_equal(weight.sum(axis=(0, 2)), n_train), "a split's epoch is not one full pass"
    return index, weight


def _check_model_fits_data(model: keras.Model, X, y) -> None:
    """Raise ``ValueError`` unless ``model`` is one the engine honours and takes ``X``'s features and ``y``'s labels."""
    task = check_model(model)
    n_features = int(model.inputs[0].shape[-1])
    if n_features != X.shape[1]:
        raise ValueError(f"the model expects {n_features} features, X has {X.shape[1]}")
    n_classes = 2 if task == "binary" else int(model.layers[-1].units)
    if y.min() < 0 or y.max() >= n_classes:
        raise ValueError(f"labels must lie in 0..{n_classes - 1} for this model, got {y.min()}..{y.max()}")


def _train_group(model, X, y, splits, *, epochs, batch_size, seed, on_epoch, build_fn=None):
    """Train one stack of splits, copies of ``model``, that all have the same number of steps per epoch.

    Returns the history and, when ``build_fn`` is given, one :class:`TrainedSplit` per split: a fresh
    model from ``build_fn`` holding that split's trained weights, and the split's scaler.
    """
    n = len(splits)
    net = _StackedNetwork(model, n, seed)

    n_train = [len(train) for train, _ in splits]
    n_test = [len(test) for _, test in splits]
    rows, d = max(n_train), X.shape[1]
    # As in fit: a batch never holds more rows than the training fold, so memory is bounded by the
    # data, not by batch_size (the results are those of batch_size=len(train) either way).
    batch_size = min(batch_size, rows)
    Xtr = np.zeros((n, rows, d), "float32")
    ytr = np.zeros((n, rows), "float32")
    wtr = np.zeros((n, rows), "float32")
    Xte = np.zeros((n, max(n_test), d), "float32")
    yte = np.zeros((n, max(n_test)), "float32")
    wte = np.zeros((n, max(n_test)), "float32")
    scalers = []
    for k, (train, test) in enumerate(splits):
        scaler = StandardScaler().fit(X[train])  # training fold only: no leakage
        scalers.append(scaler)
        Xtr[k, : len(train)] = scaler.transform(X[train])
        ytr[k, : len(train)] = y[train]
        wtr[k, : len(train)] = 1.0
        Xte[k, : len(test)] = scaler.transform(X[test])
        yte[k, : len(test)] = y[test]
        wte[k, : len(test)] = 1.0
    steps = math.ceil(rows / batch_size)
    Xtr, ytr, wtr, Xte, yte, wte = map(tf.constant, (Xtr, ytr, wtr, Xte, yte, wte))
    rng = np.random.default_rng(seed)
    sample_count = tf.constant(n_train, tf.float32)

    @tf.function
    def run_epoch(index, weight):
        loss_sum = tf.zeros((n,))
        hit_sum = tf.zeros((n,))
        for s in tf.range(steps):
            xb = tf.gather(Xtr, index[s], batch_dims=1)  # (n, batch, features): split k's own rows
            yb = tf.gather(ytr, index[s], batch_dims=1)
            batch_loss, batch_hits = net.train_step(xb, yb, weight[s])
            loss_sum += batch_loss
            hit_sum += batch_hits
        # The training fold as model.evaluate sees it (dropout off), then the held-out fold.
        train_loss, train_hits = net.losses_and_hits(net.logits(Xtr, training=False), ytr)
        val_loss, val_hits = net.losses_and_hits(net.logits(Xte, training=False), yte)
        return (
            loss_sum / sample_count,
            hit_sum / sample_count,
            _weighted_mean(train_loss, wtr),
            _weighted_mean(train_hits, wtr),
            _weighted_mean(val_loss, wte),
            _weighted_mean(val_hits, wte),
        )

    # Traced once, here, and called directly: an accidental retrace would be an error, not a slowdown,
    # and TensorFlow's "triggered tf.function retracing" warning (which counts the traces of every
    # run_epoch of the process, one per stack) is not raised for a function traced explicitly.
    spec = (steps, n, batch_size)
    run_epoch = run_epoch.get_concrete_function(
        tf.TensorSpec(spec, tf.int32), tf.TensorSpec(spec, tf.float32)
    )

    history = {key: np.empty((n, epochs)) for key in HISTORY_KEYS}
    for epoch in range(epochs):
        index, weight = _epoch_batches(rng, n_train, steps, batch_size)
        values = run_epoch(tf.constant(index), tf.constant(weight))
        for key, value in zip(HISTORY_KEYS, values):
            history[key][:, epoch] = value.numpy()
        if on_epoch is not None:
            on_epoch()
    if build_fn is None:
        return history, None
    trained = []
    for k, scaler in enumerate(scalers):
        copy = _build(build_fn)
        for variable, stacked in zip(copy.trainable_variables, net.variables):
            variable.assign(stacked.numpy()[k].reshape(variable.shape))
        trained.append(TrainedSplit(scaler, copy))
    return history, trained


#: The default of ``memory_limit`` (GB): with TensorFlow's own 0.7-0.8 GB and a chapter's data and
#: plots, a run of this size keeps a chapter within Binder's 2 GB per session.
MEMORY_LIMIT_GB = 1.0

#: Weight-sized temporary tensors an optimizer's update allocates for the largest stacked variable,
#: besides one per slot, and two at least (set from the peak resident memory of real runs,
#: ``python benchmarks/engine_memory.py --optimizers``).
_UPDATE_TEMPORARIES = {
    keras.optimizers.SGD: 1.0,
    keras.optimizers.Adam: 1.5,
    keras.optimizers.AdamW: 3.0,
    keras.optimizers.RMSprop: 3.5,
    keras.optimizers.Adagrad: 3.0,
    keras.optimizers.Adamax: 3.0,
    keras.optimizers.Nadam: 2.5,
    keras.optimizers.Lion: 4.5,
    keras.optimizers.Adadelta: 4.0,
    keras.optimizers.Ftrl: 4.0,
}


class MemoryEstimate(NamedTuple):
    """Bytes :func:`fast_cv` needs at its peak to train a stack of splits at once (:func:`estimate_memory`)."""

    weights: int
    optimizer_state: int
    data: int
    training_step: int
    evaluation: int

    @property
    def total(self) -> int:
        """The peak: what stays for the whole run, plus the larger of a training step and an evaluation."""
        return self.weights + self.optimizer_state + self.data + max(self.training_step, self.evaluation)

    def describe(self) -> str:
        """``'about 1.52 GB (weights 0.37, optimizer state 0.37, ...)'``, in GB (10**9 bytes)."""
        parts = (
            ("weights", self.weights),
            ("optimizer state", self.optimizer_state),
            ("data", self.data),
            ("a training step", self.training_step),
            ("an evaluation pass", self.evaluation),
        )
        return (
            f"about {self.total / 1e9:.2f} GB ("
            + ", ".join(f"{name} {size / 1e9:.2f}" for name, size in parts)
            + ")"
        )


def estimate_memory(
    model: keras.Model, n_splits: int, n_train: int, n_test: int, batch_size: int
) -> MemoryEstimate:
    """Estimate the memory :func:`fast_cv` needs to train ``n_splits`` copies of ``model`` at once.

    ``model`` is one the engine accepts (:func:`check_model`); ``n_train`` and ``n_test`` are the rows of
    the largest training and test fold; ``batch_size`` is capped at ``n_train``, as in training.
    Counted in float32 (4 bytes a number), for the whole stack:

    - the weights, ``n_splits`` copies;
    - the optimizer's state, measured by building the model's optimizer for one copy (SGD with
      momentum keeps one number per weight, Adam two, ...);
    - the data: every split's scaled training and test fold;
    - a training step: the gradients (one per weight), the temporary tensors of the optimizer's update
      (for the largest variable, one per slot plus a measured number per optimizer), and a batch's
      activations forward and backward;
    - an evaluation pass: every layer's outputs for every row of a training and a test fold.

    A step ends before the evaluation starts, so :attr:`MemoryEstimate.total` counts the larger of the
    last two. TensorFlow's own memory (about 0.7 GB) is not included. ``benchmarks/engine_memory.py``
    compares the estimate with the measured peak of real runs, and ``tests/test_engine_memory.py``
    checks one.
    """
    n_splits = _check_int("n_splits", n_splits)
    n_train = _check_int("n_train", n_train)
    n_test = _check_int("n_test", n_test)
    batch_size = min(_check_int("batch_size", batch_size), n_train)
    check_model(model)
    variables = model.trainable_variables
    per_copy = sum(int(np.prod(v.shape)) for v in variables)
    largest = max(int(np.prod(v.shape)) for v in variables)
    probe = type(model.optimizer).from_config(model.optimizer.get_config())
    probe.build(variables)  # one copy's slots: small next to the stack being estimated
    slots = sum(int(np.prod(v.shape)) for v in probe.variables) / per_copy
    measured = _UPDATE_TEMPORARIES.get(type(model.optimizer), max(_UPDATE_TEMPORARIES.values()))
    temporaries = max(2.0, measured + slots)  # plain SGD: 2 measured
    n_features = int(model.inputs[0].shape[-1])
    dense = n_features + sum(
        int(layer.units) for layer in model.layers if isinstance(layer, keras.layers.Dense)
    )
    dropout = sum(int(layer.output.shape[-1]) for layer in model.layers if type(layer) in _NOISE_LAYERS)
    # DropConnect draws a mask over the kernel for every example: the mask, the masked kernels and their
    # gradient, each batch_size times the kernel
    dropconnect = sum(
        int(np.prod(layer.kernel.shape)) for layer in model.layers if type(layer) is DropConnectDense
    )
    stack = 4 * n_splits  # bytes of one float32 number in every copy
    return MemoryEstimate(
        weights=stack * per_copy,
        optimizer_state=round(stack * per_copy * slots),
        data=stack * (n_train + n_test) * (n_features + 2),
        training_step=round(
            stack * (per_copy + temporaries * largest + batch_size * (2 * dense + dropout + 3 * dropconnect))
        ),
        evaluation=round(1.5 * stack * (n_train + n_test) * dense),
    )


def _step_groups(splits, batch_size: int) -> list[list[int]]:
    """The splits, by index, grouped by steps per epoch: each group is trained as one stack."""
    groups: dict[int, list[int]] = {}
    for k, (train, _) in enumerate(splits):
        groups.setdefault(math.ceil(len(train) / batch_size), []).append(k)
    return list(groups.values())


def _run_estimate(model: keras.Model, splits, batch_size: int) -> MemoryEstimate:
    """The memory of the largest stack :func:`fast_cv` trains for ``splits`` (the stacks train one after another)."""
    return estimate_memory(
        model,
        max(len(group) for group in _step_groups(splits, batch_size)),
        max(len(train) for train, _ in splits),
        max(len(test) for _, test in splits),
        batch_size,
    )


def _memory_limit_bytes(memory_limit) -> float:
    """``memory_limit`` (GB, or ``None`` for no limit) in bytes; ``ValueError`` for anything else."""
    if memory_limit is None:
        return math.inf
    try:
        return _check_positive("memory_limit", memory_limit) * 1e9
    except ValueError:
        raise ValueError(
            f"memory_limit must be a positive number of GB (or None for no limit), got {memory_limit!r}"
        ) from None


def _refuse_above_limit(what: str, estimate: str, needed: float, memory_limit, advice: str = "") -> None:
    """Raise ``ValueError`` when ``needed`` bytes exceed ``memory_limit`` GB, with the estimate and what to do."""
    if needed > _memory_limit_bytes(memory_limit):
        raise ValueError(
            f"{what} would need {estimate}, more than memory_limit={memory_limit:g} GB (the default, "
            f"{MEMORY_LIMIT_GB:g} GB, keeps a chapter within Binder's 2 GB, TensorFlow's own 0.7 GB "
            f"included). {advice}Use narrower or fewer layers, fewer splits (cv) or a smaller batch_size; "
            "or, on a machine with the memory, pass a larger memory_limit (in GB), or memory_limit=None"
        )


def fast_cv(
    build_fn: Callable[[], keras.Model],
    X,
    y,
    *,
    cv=10,
    epochs: int = 300,
    batch_size: int = 16,
    seed: int = DEFAULT_SEED,
    label: str = "",
    progress: bool = True,
    on_epoch: Callable[[], None] | None = None,
    warn: bool = True,
    memory_limit: float | None = MEMORY_LIMIT_GB,
    keep_models: bool = False,
) -> CVResult:
    """Cross-validate the model that ``build_fn`` returns, all splits at once.

    The model is trained as Keras's ``fit`` would train it, or not at all: every setting the engine
    reads is either honoured (the stacked network's steps equal ``fit``'s, checked to 1e-5 in
    ``tests/test_engine_settings.py``) or refused before training with a ``ValueError`` that names the
    setting and the alternative, :func:`utils.evaluation.reference_cv` (Keras's own ``fit``).

    Honoured:

    * layers ``keras.Input(shape=(n_features,))``, ``Dense`` and ``Dropout`` (exactly these types);
    * ``Dense``: ``units``, any ``activation``, ``use_bias`` (``True`` or ``False``), any
      ``keras.initializers.Initializer`` for kernel and bias (each split draws its own weights), and a
      ``MaxNorm`` kernel constraint (applied per unit and per split);
    * ``Dropout``: ``rate`` (each split and example draws its own mask; the layer's ``seed`` is replaced
      by ``seed`` below);
    * output and loss: ``Dense(1, sigmoid)`` with binary cross-entropy or ``Dense(k, softmax)`` with
      sparse categorical cross-entropy, given as a name (``"binary_crossentropy"``, ``"bce"``), as
      Keras's function, or as the loss class with default settings; ``reduction`` may be any that
      averages over the batch (``"sum_over_batch_size"``, ``"mean"``, ``"mean_with_sample_weight"``:
      the same without sample weights);
    * optimizers SGD, Adam, AdamW, RMSprop, Adagrad, Adamax, Nadam, Lion, Adadelta and Ftrl with all
      their settings, learning-rate schedules, ``weight_decay``, ``clipvalue``, ``loss_scale_factor``
      and ``gradient_accumulation_steps``;
    * ``compile``'s ``loss_weights`` of 1; ``metrics``, ``weighted_metrics``, ``run_eagerly``,
      ``jit_compile`` and ``steps_per_execution`` change how ``fit`` runs, not what a step computes,
      and are not used (the engine records loss and accuracy every epoch in one compiled graph).

    Refused: any other layer type, including subclasses of ``Dense`` or ``Dropout`` (e.g.
    ``SpatialDropout1D``, a Monte Carlo dropout layer); ``Dropout`` with ``noise_shape`` or after the
    output layer; a dtype policy other than ``float32`` (e.g. ``mixed_bfloat16``, ``float64``);
    ``trainable=False`` on the model or a layer; kernel, bias or activity regularizers; a bias
    constraint, a kernel constraint other than ``MaxNorm`` (or a ``MaxNorm`` with a negative axis);
    initializers that are plain functions; LoRA and quantized layers; an input of more than one
    dimension; any other loss, activation of the output, ``from_logits``, ``label_smoothing``,
    ``ignore_class``, a non-default loss ``axis`` or ``dtype``, ``reduction="sum"`` or ``None``;
    ``loss_weights`` other than 1; other optimizers (Lamb, Adafactor, Muon, LossScaleOptimizer,
    subclasses, ...), ``clipnorm``, ``global_clipnorm``, ``use_ema`` and
    ``exclude_from_weight_decay``.

    Parameters
    ----------
    build_fn:
        Zero-argument callable returning a compiled ``keras.Sequential`` as above -- e.g.
        ``utils.models.baseline_model`` (the function, not ``baseline_model()``) or
        ``functools.partial(build_mlp, hidden_dropout=0.5)``. :func:`check_model` tells whether a
        model is accepted.
    X, y:
        Features (unscaled; each training fold gets its own ``StandardScaler``)
        and integer class labels.
    cv:
        Number of folds (stratified and shuffled with ``seed``) or any
        scikit-learn splitter, e.g. ``RepeatedStratifiedKFold``.
    epochs, batch_size:
        As in ``model.fit``.
    seed:
        Seeds the splits (for an integer ``cv``), the initial weights, the
        batch order and the dropout masks: the same seed gives the same scores.
    label:
        Name stored in the result.
    progress:
        Show a progress bar over epochs.
    on_epoch:
        Called after every epoch (used by :func:`run_sweep` for its progress bar).
    warn:
        Issue a :class:`utils.results.TrainingFailureWarning` when splits
        diverged or collapsed.
    memory_limit:
        Refuse, before training, a run whose :func:`estimate_memory` exceeds
        this many GB (10**9 bytes); the default, :data:`MEMORY_LIMIT_GB`,
        keeps a chapter within Binder's 2 GB. ``None``: no limit.
    keep_models:
        Also return every split's trained network, as ``CVResult.models``
        (one :class:`TrainedSplit` per split, in split order), to look inside it.

    Returns
    -------
    CVResult
        Per-split test accuracies, per-epoch histories, and per-split
        ``diverged`` / ``collapsed`` flags.
    """
    _check_build_fn(build_fn)
    X, y = _check_data(X, y)
    epochs = _check_int("epochs", epochs)
    batch_size = _check_int("batch_size", batch_size)
    seed = _check_int("seed", seed, minimum=0)
    _memory_limit_bytes(memory_limit)
    splits = resolve_splits(cv, X, y, seed)  # a class too small for the folds is named before training
    model = _build(build_fn)
    _check_model_fits_data(model, X, y)  # every setting the engine would not honour, before training
    estimate = _run_estimate(model, splits, batch_size)
    _refuse_above_limit(
        f"fast_cv, training {len(splits)} splits of this model at once,",
        estimate.describe(),
        estimate.total,
        memory_limit,
    )
    groups = _step_groups(splits, batch_size)  # a stack per number of steps per epoch

    start = time.perf_counter()
    bar = tqdm(
        total=epochs * len(groups),
        desc=label or "fast_cv",
        disable=not progress,
        mininterval=0.5,
        leave=False,
    )
    history = {key: np.empty((len(splits), epochs)) for key in HISTORY_KEYS}
    models: list | None = [None] * len(splits) if keep_models else None

    def tick():
        bar.update()
        if on_epoch is not None:
            on_epoch()

    with bar:
        for g, members in enumerate(groups):
            group_history, trained = _train_group(
                model if g == 0 else _build(build_fn),
                X,
                y,
                [splits[k] for k in members],
                epochs=epochs,
                batch_size=batch_size,
                seed=seed + 7919 * g,
                on_epoch=tick,
                build_fn=build_fn if keep_models else None,
            )
            for key in HISTORY_KEYS:
                history[key][members] = group_history[key]
            if keep_models:
                for k, split_model in zip(members, trained):
                    models[k] = split_model
    result = CVResult.from_history(
        history, splits, y, seconds=time.perf_counter() - start, label=label, models=models
    )
    if warn:
        result.warn_if_failed()
    return result


def run_sweep(
    configs: Mapping[str, Callable[[], keras.Model]],
    X,
    y,
    *,
    cv=10,
    epochs: int = 300,
    batch_size: int = 16,
    seed: int = DEFAULT_SEED,
    n_jobs: int = -1,
    progress: bool = True,
    memory_limit: float | None = MEMORY_LIMIT_GB,
) -> dict[str, CVResult]:
    """Run :func:`fast_cv` for every ``{label: build_fn}`` in ``configs``.

    Every configuration gets the same splits and the same seed, so results can
    be compared split by split. Configurations are dispatched with
    ``joblib.Parallel(n_jobs=n_jobs, prefer="threads")`` (``-1``: one thread
    per core): threads share one TensorFlow runtime, so memory does not grow
    with ``n_jobs``, and TensorFlow releases the GIL while it computes. Inside a
    ``joblib.parallel_config(backend=...)`` block the chosen backend (e.g.
    Dask or Ray) is used instead.

    A configuration some of whose splits diverged or collapsed is named in one
    :class:`utils.results.TrainingFailureWarning`.

    Before any training, every configuration is checked as :func:`fast_cv` checks it, and in this
    process (threads) the configurations that may train at the same time must fit within
    ``memory_limit`` GB together: the sum of the largest ``n_jobs`` estimates
    (:func:`estimate_memory`). ``n_jobs=1`` trains one at a time. With a distributed backend each
    job is checked on its worker.

    Returns
    -------
    dict
        ``{label: CVResult}`` in the order of ``configs``.
    """
    if not isinstance(configs, Mapping) or not configs:
        raise ValueError("configs must be a non-empty mapping of label -> build_fn")
    for name, fn in configs.items():
        _check_build_fn(fn, f"configs[{name!r}]")
    epochs = _check_int("epochs", epochs)
    n_jobs = n_jobs if n_jobs == -1 else _check_int("n_jobs", n_jobs)
    settings = dict(cv=cv, epochs=epochs, batch_size=batch_size, seed=seed, memory_limit=memory_limit)
    backend, _ = joblib.parallel.get_active_backend(prefer="threads")
    in_process = isinstance(backend, (joblib.parallel.ThreadingBackend, joblib.parallel.SequentialBackend))
    if in_process:
        _check_sweep_memory(configs, X, y, n_jobs=n_jobs, **settings)
    bar = tqdm(total=epochs * len(configs), desc="sweep", disable=not progress, mininterval=0.5)
    lock = threading.Lock()

    def tick():
        with lock:
            bar.update()

    # In this process the bar moves every epoch; with a distributed backend (Dask, Ray) the
    # jobs must be picklable, so it moves as each configuration comes back.
    on_epoch = tick if in_process else None
    jobs = (joblib.delayed(_sweep_job)(name, fn, X, y, settings, on_epoch) for name, fn in configs.items())
    results = {}
    with bar:
        for result in joblib.Parallel(n_jobs=n_jobs, prefer="threads", return_as="generator")(jobs):
            results[result.label] = result
            if on_epoch is None:
                bar.update(epochs)
    failures = [f"{name} ({results[name].failure_note()})" for name in configs if results[name].n_failed]
    if failures:
        warnings.warn(
            "splits that did not train, their scores are not those of trained models: " + "; ".join(failures),
            TrainingFailureWarning,
            stacklevel=2,
        )
    return {name: results[name] for name in configs}


def _check_sweep_memory(configs, X, y, *, n_jobs, cv, epochs, batch_size, seed, memory_limit) -> None:
    """Check every configuration as fast_cv would, and that the ones trained at once fit ``memory_limit``."""
    X, y = _check_data(X, y)
    batch_size = _check_int("batch_size", batch_size)
    _memory_limit_bytes(memory_limit)
    splits = resolve_splits(cv, X, y, _check_int("seed", seed, minimum=0))
    estimates = {}
    for name, build_fn in configs.items():
        model = _build(build_fn)
        _check_model_fits_data(model, X, y)
        estimates[name] = _run_estimate(model, splits, batch_size)
    at_once = min(joblib.effective_n_jobs(n_jobs), len(configs))
    largest = sorted(estimates, key=lambda name: estimates[name].total, reverse=True)[:at_once]
    needed = sum(estimates[name].total for name in largest)
    if at_once == 1:
        what, shown, advice = f"run_sweep, training {largest[0]!r},", estimates[largest[0]].describe(), ""
    else:
        what = f"run_sweep, training up to {at_once} configurations at once (n_jobs={n_jobs}),"
        shown = f"about {needed / 1e9:.2f} GB for " + " and ".join(
            f"{name!r} ({estimates[name].total / 1e9:.2f} GB)" for name in largest
        )
        advice = "Pass n_jobs=1 to train one configuration at a time. "
    _refuse_above_limit(what, shown, needed, memory_limit, advice)


def _sweep_job(name, build_fn, X, y, settings, on_epoch):
    """One configuration of a sweep (module level, so that remote backends can pickle it)."""
    return fast_cv(build_fn, X, y, label=name, progress=False, on_epoch=on_epoch, warn=False, **settings)
