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
  (SGD with momentum, Adam, ...) update each slice as they would alone;
* ``Dropout`` draws an independent mask for every split and example, inverted
  scaling as in Keras.

Training and held-out metrics are recorded every epoch, so chapters draw
learning curves without training again. :func:`run_sweep` runs several
configurations through joblib, so a large sweep can be handed to any joblib
backend (threads here; Dask or Ray on a cluster) without other changes.
"""

from __future__ import annotations

import math
import numbers
import threading
import time
from collections.abc import Callable, Mapping

import joblib
import keras
import numpy as np
import tensorflow as tf
from sklearn.preprocessing import StandardScaler
from tqdm.std import tqdm

from utils.evaluation import resolve_cv
from utils.results import CVResult
from utils.seed import DEFAULT_SEED

HISTORY_KEYS = ("loss", "accuracy", "val_loss", "val_accuracy")
_BINARY_LOSSES = {"binary_crossentropy", "bce"}
_MULTICLASS_LOSSES = {"sparse_categorical_crossentropy"}


def _loss_name(loss) -> str:
    if isinstance(loss, str):
        return loss.lower()
    if isinstance(loss, keras.losses.Loss):
        config = loss.get_config()
        if config.get("from_logits") or config.get("label_smoothing"):
            raise ValueError("fast_cv supports losses without from_logits or label_smoothing")
        return {
            "BinaryCrossentropy": "binary_crossentropy",
            "SparseCategoricalCrossentropy": "sparse_categorical_crossentropy",
        }.get(type(loss).__name__, type(loss).__name__)
    return getattr(loss, "__name__", repr(loss))


class _StackedNetwork:
    """``n`` independent copies of a compiled Sequential Dense/Dropout model."""

    def __init__(self, model: keras.Model, n: int, seed: int):
        if not isinstance(model, keras.Sequential):
            raise ValueError(f"fast_cv needs a keras.Sequential model, got {type(model).__name__}")
        if getattr(model, "optimizer", None) is None:
            raise ValueError("fast_cv needs a compiled model: call model.compile(...) in the builder")
        layer_seeds = iter(np.random.SeedSequence(seed).generate_state(4 * len(model.layers) * n))
        self.steps: list[tuple] = []
        self.variables: list[keras.Variable] = []
        dense = [layer for layer in model.layers if isinstance(layer, keras.layers.Dense)]
        if not dense:
            raise ValueError("fast_cv needs at least one Dense layer")
        for layer in model.layers:
            if isinstance(layer, keras.layers.InputLayer):
                continue
            if isinstance(layer, keras.layers.Dropout):
                if layer.noise_shape is not None:
                    raise ValueError(f"layer '{layer.name}': Dropout with noise_shape is not supported")
                self.steps.append(("dropout", float(layer.rate)))
            elif isinstance(layer, keras.layers.Dense):
                self.steps.append(("dense", *self._stack_dense(layer, n, layer_seeds)))
            else:
                raise ValueError(
                    f"fast_cv supports Dense and Dropout layers only, got {type(layer).__name__} "
                    f"('{layer.name}'); evaluate such a model with utils.evaluation.reference_cv"
                )
        self.n_features = int(dense[0].kernel.shape[0])
        out = dense[-1]
        self.n_outputs = int(out.units)
        activation = keras.activations.serialize(out.activation)
        activation = activation if isinstance(activation, str) else activation.get("config", activation)
        loss = _loss_name(model.loss)
        if self.n_outputs == 1 and "sigmoid" in str(activation) and loss in _BINARY_LOSSES:
            self.task = "binary"
        elif self.n_outputs > 1 and "softmax" in str(activation) and loss in _MULTICLASS_LOSSES:
            self.task = "multiclass"
        else:
            raise ValueError(
                "fast_cv supports a Dense(1, sigmoid) output with binary_crossentropy or a "
                f"Dense(k, softmax) output with sparse_categorical_crossentropy; got {self.n_outputs} "
                f"unit(s), activation {activation!r}, loss {loss!r}"
            )
        config = model.optimizer.get_config()
        for key in ("clipnorm", "global_clipnorm", "clipvalue"):
            if config.get(key) is not None:
                raise ValueError(f"fast_cv does not support optimizers with {key}")
        if config.get("use_ema"):
            raise ValueError("fast_cv does not support optimizers with use_ema")
        self.optimizer = type(model.optimizer).from_config(config)
        self.optimizer.build(self.variables)
        self.seed_generator = keras.random.SeedGenerator(int(next(layer_seeds)))

    def _stack_dense(self, layer, n, layer_seeds):
        if layer.kernel_regularizer or layer.bias_regularizer or layer.activity_regularizer:
            raise ValueError(f"layer '{layer.name}': regularizers are not supported by fast_cv")
        if layer.bias_constraint is not None or layer.lora_rank:
            raise ValueError(f"layer '{layer.name}': bias constraints and LoRA are not supported")
        constraint = layer.kernel_constraint
        if constraint is not None:
            if not isinstance(constraint, keras.constraints.MaxNorm):
                raise ValueError(
                    f"layer '{layer.name}': only MaxNorm kernel constraints are supported, got "
                    f"{type(constraint).__name__}"
                )
            axis = constraint.axis if isinstance(constraint.axis, int) else tuple(constraint.axis)
            shifted = axis + 1 if isinstance(axis, int) else tuple(a + 1 for a in axis)
            if (isinstance(axis, int) and axis < 0) or (not isinstance(axis, int) and min(axis) < 0):
                raise ValueError(f"layer '{layer.name}': MaxNorm with a negative axis is not supported")
            constraint = keras.constraints.MaxNorm(constraint.max_value, axis=shifted)

        def stacked(initializer, shape):
            config = initializer.get_config()
            slices = []
            for _ in range(n):
                if "seed" in config:
                    config["seed"] = int(next(layer_seeds))
                slices.append(np.asarray(type(initializer).from_config(config)(shape)))
            return np.stack(slices).astype("float32")

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

    def logits(self, x, training: bool):
        """Forward pass of all copies: ``x`` is ``(n, batch, features)``."""
        dense_steps = [s for s in self.steps if s[0] == "dense"]
        last_dense = dense_steps[-1]
        h = x
        for step in self.steps:
            if step[0] == "dropout":
                if training and step[1] > 0:
                    h = keras.random.dropout(h, step[1], seed=self.seed_generator)
                continue
            _, kernel, bias, activation = step
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
        grads = tape.gradient(total, self.variables)
        self.optimizer.apply(grads, self.variables)  # also applies MaxNorm, as in Keras
        return per_copy * tf.reduce_sum(weight, -1), tf.reduce_sum(hits * weight, -1)


def _weighted_mean(values, weights):
    """Mean of ``values`` over the last axis counting only rows with weight 1."""
    return tf.reduce_sum(values * weights, -1) / tf.maximum(tf.reduce_sum(weights, -1), 1.0)


def _check_int(name: str, value, minimum: int = 1) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value!r}")
    return int(value)


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


def _train_group(build_fn, X, y, splits, *, epochs, batch_size, seed, on_epoch):
    """Train one stack of splits that all have the same number of steps per epoch."""
    n = len(splits)
    net = _StackedNetwork(build_fn(), n, seed)
    if net.n_features != X.shape[1]:
        raise ValueError(f"the model expects {net.n_features} features, X has {X.shape[1]}")
    n_classes = 2 if net.task == "binary" else net.n_outputs
    if y.min() < 0 or y.max() >= n_classes:
        raise ValueError(f"labels must lie in 0..{n_classes - 1} for this model, got {y.min()}..{y.max()}")

    n_train = [len(train) for train, _ in splits]
    n_test = [len(test) for _, test in splits]
    rows, d = max(n_train), X.shape[1]
    Xtr = np.zeros((n, rows, d), "float32")
    ytr = np.zeros((n, rows), "float32")
    Xte = np.zeros((n, max(n_test), d), "float32")
    yte = np.zeros((n, max(n_test)), "float32")
    wte = np.zeros((n, max(n_test)), "float32")
    for k, (train, test) in enumerate(splits):
        scaler = StandardScaler().fit(X[train])  # training fold only: no leakage
        Xtr[k, : len(train)] = scaler.transform(X[train])
        ytr[k, : len(train)] = y[train]
        Xte[k, : len(test)] = scaler.transform(X[test])
        yte[k, : len(test)] = y[test]
        wte[k, : len(test)] = 1.0
    steps = math.ceil(rows / batch_size)
    Xtr, ytr, Xte, yte, wte = map(tf.constant, (Xtr, ytr, Xte, yte, wte))
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
        val_loss, val_hits = net.losses_and_hits(net.logits(Xte, training=False), yte)
        return (loss_sum / sample_count, hit_sum / sample_count,
                _weighted_mean(val_loss, wte), _weighted_mean(val_hits, wte))

    history = {key: np.empty((n, epochs)) for key in HISTORY_KEYS}
    for epoch in range(epochs):
        index = np.zeros((steps, n, batch_size), "int32")
        weight = np.zeros((steps, n, batch_size), "float32")
        for k, size in enumerate(n_train):
            order = np.zeros(steps * batch_size, "int32")
            order[:size] = rng.permutation(size)  # a fresh shuffle each epoch, as fit(shuffle=True)
            mask = np.zeros(steps * batch_size, "float32")
            mask[:size] = 1.0
            index[:, k] = order.reshape(steps, batch_size)
            weight[:, k] = mask.reshape(steps, batch_size)
        # Sanity: every training row of every split is used exactly once this epoch.
        assert np.array_equal(weight.sum(axis=(0, 2)), n_train), "a split's epoch is not one full pass"
        values = run_epoch(tf.constant(index), tf.constant(weight))
        for key, value in zip(HISTORY_KEYS, values):
            history[key][:, epoch] = value.numpy()
        if on_epoch is not None:
            on_epoch()
    return history


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
) -> CVResult:
    """Cross-validate the model that ``build_fn`` returns, all splits at once.

    Parameters
    ----------
    build_fn:
        Zero-argument callable returning a compiled ``keras.Sequential`` of
        ``Dense`` (optionally ``MaxNorm``-constrained) and ``Dropout`` layers
        with a sigmoid or softmax output -- e.g. ``utils.models.baseline_model``
        or ``functools.partial(build_mlp, hidden_dropout=0.5)``.
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

    Returns
    -------
    CVResult
        Per-split test accuracies and per-epoch histories.
    """
    if not callable(build_fn):
        raise ValueError(f"build_fn must be a callable returning a compiled Keras model, got {build_fn!r}")
    X, y = _check_data(X, y)
    epochs = _check_int("epochs", epochs)
    batch_size = _check_int("batch_size", batch_size)
    seed = _check_int("seed", seed, minimum=0)
    splits = [(np.asarray(tr), np.asarray(te)) for tr, te in resolve_cv(cv, seed).split(X, y)]

    # Splits are stacked only when they take the same number of steps per epoch.
    groups: dict[int, list[int]] = {}
    for k, (train, _) in enumerate(splits):
        groups.setdefault(math.ceil(len(train) / batch_size), []).append(k)

    start = time.perf_counter()
    bar = tqdm(total=epochs * len(groups), desc=label or "fast_cv", disable=not progress,
               mininterval=0.5, leave=False)
    history = {key: np.empty((len(splits), epochs)) for key in HISTORY_KEYS}

    def tick():
        bar.update()
        if on_epoch is not None:
            on_epoch()

    with bar:
        for g, members in enumerate(groups.values()):
            group_history = _train_group(
                build_fn, X, y, [splits[k] for k in members], epochs=epochs,
                batch_size=batch_size, seed=seed + 7919 * g, on_epoch=tick,
            )
            for key in HISTORY_KEYS:
                history[key][members] = group_history[key]
    return CVResult(
        scores=history["val_accuracy"][:, -1].copy(),
        test_indices=[te for _, te in splits],
        history=history,
        seconds=time.perf_counter() - start,
        label=label,
    )


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
) -> dict[str, CVResult]:
    """Run :func:`fast_cv` for every ``{label: build_fn}`` in ``configs``.

    Every configuration gets the same splits and the same seed, so results can
    be compared split by split. Configurations are dispatched with
    ``joblib.Parallel(n_jobs=n_jobs, prefer="threads")`` (``-1``: one thread
    per core): threads share one TensorFlow runtime, so memory does not grow
    with ``n_jobs``, and TensorFlow releases the GIL while it computes. Inside a
    ``joblib.parallel_config(backend=...)`` block the chosen backend (e.g.
    Dask or Ray) is used instead.

    Returns
    -------
    dict
        ``{label: CVResult}`` in the order of ``configs``.
    """
    if not isinstance(configs, Mapping) or not configs:
        raise ValueError("configs must be a non-empty mapping of label -> build_fn")
    for name, fn in configs.items():
        if not callable(fn):
            raise ValueError(f"configs[{name!r}] must be a callable returning a compiled Keras model")
    epochs = _check_int("epochs", epochs)
    n_jobs = n_jobs if n_jobs == -1 else _check_int("n_jobs", n_jobs)
    settings = dict(cv=cv, epochs=epochs, batch_size=batch_size, seed=seed)
    backend, _ = joblib.parallel.get_active_backend(prefer="threads")
    in_process = isinstance(backend, (joblib.parallel.ThreadingBackend, joblib.parallel.SequentialBackend))
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
    return {name: results[name] for name in configs}


def _sweep_job(name, build_fn, X, y, settings, on_epoch):
    """One configuration of a sweep (module level, so that remote backends can pickle it)."""
    return fast_cv(build_fn, X, y, label=name, progress=False, on_epoch=on_epoch, **settings)
