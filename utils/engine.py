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
  scaling as in Keras.

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
from utils.evaluation import resolve_splits
from utils.results import CVResult, TrainingFailureWarning, collapsed_splits, constant_guess_loss
from utils.seed import DEFAULT_SEED

import math
import threading
import time
import warnings
from collections.abc import Callable, Mapping

import joblib
import keras
import numpy as np
import tensorflow as tf
from sklearn.preprocessing import StandardScaler
from tqdm.std import tqdm

HISTORY_KEYS = ("loss", "accuracy", "train_eval_loss", "train_eval_accuracy", "val_loss", "val_accuracy")
_BINARY_LOSSES = {"binary_crossentropy", "bce"}
_MULTICLASS_LOSSES = {"sparse_categorical_crossentropy"}

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
        if type(model.optimizer) not in _ELEMENTWISE_OPTIMIZERS:
            allowed = ", ".join(cls.__name__ for cls in _ELEMENTWISE_OPTIMIZERS)
            raise ValueError(
                f"fast_cv cannot train a model compiled with {type(model.optimizer).__name__}: it trains "
                "all splits with one optimizer over stacked weights, which is exact only for optimizers "
                f"that update every weight from its own gradient alone ({allowed}). Others would couple the "
                "splits: Lamb, Adafactor and Muon normalise each update over a whole (stacked) variable, "
                "LossScaleOptimizer skips every split's step when one split's gradient is not finite, and "
                "a subclass may change the update. Evaluate this model with utils.evaluation.reference_cv, "
                "or compile it with one of those optimizers"
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


def _train_group(build_fn, X, y, splits, *, epochs, batch_size, seed, on_epoch):
    """Train one stack of splits that all have the same number of steps per epoch."""
    n = len(splits)
    net = _StackedNetwork(_build(build_fn), n, seed)
    if net.n_features != X.shape[1]:
        raise ValueError(f"the model expects {net.n_features} features, X has {X.shape[1]}")
    n_classes = 2 if net.task == "binary" else net.n_outputs
    if y.min() < 0 or y.max() >= n_classes:
        raise ValueError(f"labels must lie in 0..{n_classes - 1} for this model, got {y.min()}..{y.max()}")

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
    for k, (train, test) in enumerate(splits):
        scaler = StandardScaler().fit(X[train])  # training fold only: no leakage
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
    warn: bool = True,
) -> CVResult:
    """Cross-validate the model that ``build_fn`` returns, all splits at once.

    Parameters
    ----------
    build_fn:
        Zero-argument callable returning a compiled ``keras.Sequential`` of
        ``Dense`` (optionally ``MaxNorm``-constrained) and ``Dropout`` layers
        with a sigmoid or softmax output -- e.g. ``utils.models.baseline_model``
        (the function, not ``baseline_model()``) or
        ``functools.partial(build_mlp, hidden_dropout=0.5)``. The model starts
        with ``keras.Input(shape=(n_features,))`` and is compiled with SGD,
        Adam, AdamW, RMSprop, Adagrad, Adamax, Nadam, Lion, Adadelta or Ftrl.
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
    splits = resolve_splits(cv, X, y, seed)  # a class too small for the folds is named before training

    # Splits are stacked only when they take the same number of steps per epoch.
    groups: dict[int, list[int]] = {}
    for k, (train, _) in enumerate(splits):
        groups.setdefault(math.ceil(len(train) / batch_size), []).append(k)

    start = time.perf_counter()
    bar = tqdm(
        total=epochs * len(groups),
        desc=label or "fast_cv",
        disable=not progress,
        mininterval=0.5,
        leave=False,
    )
    history = {key: np.empty((len(splits), epochs)) for key in HISTORY_KEYS}

    def tick():
        bar.update()
        if on_epoch is not None:
            on_epoch()

    with bar:
        for g, members in enumerate(groups.values()):
            group_history = _train_group(
                build_fn,
                X,
                y,
                [splits[k] for k in members],
                epochs=epochs,
                batch_size=batch_size,
                seed=seed + 7919 * g,
                on_epoch=tick,
            )
            for key in HISTORY_KEYS:
                history[key][members] = group_history[key]
    diverged = ~np.all(np.isfinite(history["loss"]), axis=1)
    constant = [constant_guess_loss(y[train]) for train, _ in splits]
    result = CVResult(
        scores=history["val_accuracy"][:, -1].copy(),
        test_indices=[te for _, te in splits],
        history=history,
        seconds=time.perf_counter() - start,
        label=label,
        diverged=diverged,
        collapsed=collapsed_splits(history["train_eval_loss"][:, -1], constant) & ~diverged,
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
    failures = [f"{name} ({results[name].failure_note()})" for name in configs if results[name].n_failed]
    if failures:
        warnings.warn(
            "splits that did not train, their scores are not those of trained models: " + "; ".join(failures),
            TrainingFailureWarning,
            stacklevel=2,
        )
    return {name: results[name] for name in configs}


def _sweep_job(name, build_fn, X, y, settings, on_epoch):
    """One configuration of a sweep (module level, so that remote backends can pickle it)."""
    return fast_cv(build_fn, X, y, label=name, progress=False, on_epoch=on_epoch, warn=False, **settings)
