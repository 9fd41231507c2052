"""What a chapter found: comparisons of runs as objects that carry their numbers, verdict and sentence.

Every experiment in the course ends in one of a few outcomes, and each has one meaning, decided
here and nowhere else:

- **helped** / **hurt**: the corrected 95% confidence interval of the paired difference
  (:func:`utils.stats.corrected_resampled_ttest`) lies wholly on the better / worse side of zero;
- **no clear effect**: the interval contains zero; the finding also says what the design can
  resolve (the interval's half-width, and the difference it would detect four times in five);
- **training failed**: a split of either run diverged or collapsed, so its score is not that of a
  trained model; the finding says which run and how many splits, and reads no effect on accuracy from
  it (when only the changed run failed, that *is* an effect of the change, on whether the network
  trains at all, and the sentence says so);
- **never acted**: the changed run ran identically, on every split and epoch, to a *twin* that has
  the same change with another setting (e.g. a max-norm bound of 1000 instead of 3): the setting
  that tells them apart never altered a single update;
- **identical runs**: the two runs are identical on every split and epoch: the change made no
  difference at all.

:func:`compare` returns a :class:`Finding` for two cross-validated runs and
:func:`compare_on_test_set` for two models trained with a few seeds and scored on one test set; a notebook that ends a cell with it shows its sentence
(``_repr_markdown_``), in the built book and in Jupyter alike. :class:`Findings` holds several (a
table, the labels with a given verdict), :func:`rank` finds the best of several runs and the ones
it cannot be told from, :func:`estimate` gives one run's mean with its interval, and
:func:`curve_summary` reads a run's learning curves. Nothing here imports TensorFlow.
"""

from __future__ import annotations

from utils.checks import check_int, check_probability, check_text
from utils.results import CVResult
from utils.stats import (
    PairedTestResult,
    corrected_resampled_ttest,
    detectable_difference,
    detection_probability,
    interval_of_mean,
    seeds_paired_ttest,
)

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field

import numpy as np

#: Every outcome a finding can have.
VERDICTS = ("helped", "hurt", "no clear effect", "training failed", "never acted", "identical runs")

#: A run "fit" its training rows when its final training accuracy, measured with dropout off, is at
#: least this; below it, a difference in test accuracy is partly one of training speed, unless the
#: training accuracy had stopped rising (see :data:`STILL_RISING`).
FIT_THRESHOLD = 0.98

#: A run that did not fit its training rows was "still rising" when its training accuracy (dropout
#: off, mean over the splits) gained more than this over the last quarter of its epochs; otherwise it
#: had stopped rising, and it underfits rather than trains slowly.
STILL_RISING = 0.01

#: The chance of detection that :attr:`Finding.detectable` is quoted at ("four times in five").
POWER = 0.8


@dataclass(frozen=True)
class Quantity:
    """A per-split quantity two runs can be compared on, and how to show it.

    Attributes
    ----------
    name:
        What a reader calls it, e.g. ``"test accuracy"``.
    better:
        ``"higher"`` or ``"lower"``: which direction counts as *helped*.
    source:
        Where the per-split values come from: ``"scores"`` (the runs' test accuracies) or a key
        of :data:`SOURCES` (a history quantity averaged over a run's last epochs).
    scale, unit, digits:
        How a value is shown: ``scale * value`` with ``digits`` decimals, then ``unit``.
    """

    name: str
    better: str
    source: str
    scale: float = 1.0
    unit: str = ""
    digits: int = 3

    def __post_init__(self):
        check_text("name", self.name)
        if self.better not in ("higher", "lower"):
            raise ValueError(f"better must be 'higher' or 'lower', got {self.better!r}")
        if self.source != "scores" and self.source not in SOURCES:
            raise ValueError(f"source must be 'scores' or one of {sorted(SOURCES)}, got {self.source!r}")
        check_int("digits", self.digits, minimum=0)

    def values(self, result: CVResult, last: int = 1) -> np.ndarray:
        """The per-split values of ``result``; history quantities average the last ``last`` epochs."""
        if self.source == "scores":
            return result.scores
        history = _history(result, SOURCES[self.source])
        last = check_int("last", last)
        epochs = next(iter(history.values())).shape[1]
        if last > epochs:
            raise ValueError(f"last={last} is more than the {epochs} recorded epochs")
        return SOURCES_FN[self.source](history)[:, -last:].mean(axis=1)

    def show(self, value: float, sign: bool = True) -> str:
        """``value`` in the quantity's units: ``+7.3 points``, ``0.412``."""
        text = f"{self.scale * value:{'+' if sign else ''}.{self.digits}f}"
        return f"{text} {self.unit}" if self.unit else text


#: History entries each history quantity needs.
SOURCES = {
    "val_loss": ("val_loss",),
    "gap": ("train_eval_accuracy", "val_accuracy"),
    "train_accuracy": ("train_eval_accuracy",),
}
SOURCES_FN = {
    "val_loss": lambda h: h["val_loss"],
    "gap": lambda h: h["train_eval_accuracy"] - h["val_accuracy"],
    "train_accuracy": lambda h: h["train_eval_accuracy"],
}

ACCURACY = Quantity("test accuracy", "higher", "scores", scale=100.0, unit="points", digits=1)
HELD_OUT_LOSS = Quantity("held-out loss", "lower", "val_loss")
#: Training accuracy (training fold, dropout off) minus held-out accuracy.
GAP = Quantity("generalization gap", "lower", "gap", 100.0, "points", 1)
TRAINING_ACCURACY = Quantity(
    "training accuracy (dropout off)", "higher", "train_accuracy", 100.0, "points", 1
)


def _signed(value: float, digits: int) -> str:
    """``value`` with its sign and ``digits`` decimals; a value that rounds to zero is ``+0.0``, never ``-0.0``."""
    text = f"{value:+.{digits}f}"
    return "+" + text[1:] if float(text) == 0 else text


def _history(result: CVResult, keys) -> dict[str, np.ndarray]:
    if not isinstance(result, CVResult):
        raise ValueError(f"expected a CVResult, got {type(result).__name__}")
    if result.history is None:
        raise ValueError(
            f"{result.label or 'this result'} has no per-epoch history: this needs a run of "
            "utils.engine.fast_cv or run_sweep"
        )
    missing = [key for key in keys if key not in result.history]
    if missing:
        raise ValueError(f"the result's history lacks {missing}: run it through the current utils.engine")
    return result.history


def _same_splits(a: CVResult, b: CVResult) -> bool:
    return len(a.test_indices) == len(b.test_indices) and all(
        np.array_equal(x, y) for x, y in zip(a.test_indices, b.test_indices)
    )


def identical_runs(a: CVResult, b: CVResult) -> bool:
    """Whether two cross-validations ran identically: the same test folds, scores and failure flags, and
    the same value of every per-epoch history entry on every split.

    Two runs that differ in one setting and share a seed are identical exactly when the setting never
    changed a single update (e.g. a ``MaxNorm`` bound no weight vector reached). Decided from the
    numbers, never from the runs' names. Raises ``ValueError`` unless both runs have per-epoch
    histories: scores alone can agree by chance on small test folds.
    """
    for name, result in (("a", a), ("b", b)):
        if not isinstance(result, CVResult):
            raise ValueError(f"{name} must be a CVResult, got {type(result).__name__}")
        if result.history is None:
            raise ValueError(
                f"{name} has no per-epoch history: identity needs the histories, not only the scores"
            )
    if not _same_splits(a, b) or a.history.keys() != b.history.keys():
        return False
    return (
        np.array_equal(a.scores, b.scores)
        and np.array_equal(a.collapsed, b.collapsed)
        and np.array_equal(a.diverged, b.diverged)
        and all(np.array_equal(a.history[key], b.history[key], equal_nan=True) for key in a.history)
    )


def _fit_accuracy(result: CVResult) -> float | None:
    """Final training accuracy with dropout off, mean over the splits (``None`` without a history)."""
    if result.history is None or "train_eval_accuracy" not in result.history:
        return None
    return result.final("train_eval_accuracy")


@dataclass(frozen=True)
class Finding:
    """The outcome of comparing run ``a`` with run ``b`` on the same splits (see the module docstring).

    Attributes
    ----------
    verdict:
        One of :data:`VERDICTS`.
    a, b:
        The runs' names: ``a`` is the changed run, ``b`` the one it is compared with.
    quantity:
        What was compared (:data:`ACCURACY` unless told otherwise).
    test:
        The corrected resampled t-test of ``a - b``; ``None`` when training failed or nothing
        was tested (never acted, identical runs).
    failure:
        Which run failed and how, e.g. ``"hidden 0.8: 5 of 5 splits collapsed"``.
    note:
        A caution the numbers call for: a run that did not fit its training rows (under
        :data:`FIT_THRESHOLD` training accuracy with dropout off), so that a difference is partly
        one of training speed.
    twin:
        For *never acted*: the name of the twin run ``a`` matched.
    failed:
        For *training failed*: which runs did not train, ``"a"``, ``"b"`` or ``"both"``.
    """

    verdict: str
    a: str
    b: str
    quantity: Quantity = ACCURACY
    test: PairedTestResult | None = None
    failure: str = ""
    note: str = ""
    twin: str = ""
    failed: str = ""

    def __post_init__(self):
        if self.verdict not in VERDICTS:
            raise ValueError(f"verdict must be one of {VERDICTS}, got {self.verdict!r}")
        if self.verdict in ("helped", "hurt", "no clear effect") and self.test is None:
            raise ValueError(f"a {self.verdict!r} finding needs its test")
        if self.failed not in ("", "a", "b", "both"):
            raise ValueError(f"failed must be '', 'a', 'b' or 'both', got {self.failed!r}")

    # -- numbers, in the quantity's units --------------------------------------------------------
    def _scaled(self, value: float) -> float:
        return self.quantity.scale * value

    @property
    def tested(self) -> bool:
        """Whether a difference was tested (helped, hurt or no clear effect)."""
        return self.test is not None

    @property
    def difference(self) -> float:
        """Mean paired difference ``a - b`` in the quantity's units (e.g. points); NaN if untested."""
        return self._scaled(self.test.mean_difference) if self.test else float("nan")

    @property
    def interval(self) -> tuple[float, float]:
        """The 95% (``1 - alpha``) confidence interval of the difference, in the quantity's units."""
        if not self.test:
            return (float("nan"), float("nan"))
        return (self._scaled(self.test.ci_low), self._scaled(self.test.ci_high))

    @property
    def half_width(self) -> float:
        """Half the interval's width: the smallest observed difference this design calls real."""
        return self._scaled(self.test.half_width) if self.test else float("nan")

    @property
    def detectable(self) -> float:
        """The true difference this design would detect with probability :data:`POWER` (80%)."""
        return self._scaled(detectable_difference(self.test, POWER)) if self.test else float("nan")

    def detection_probability(self, difference: float) -> float:
        """How often a design like this one would call a true ``difference`` (in the quantity's units,
        e.g. points) real: :func:`utils.stats.detection_probability`."""
        if not self.test:
            raise ValueError(
                f"a {self.verdict!r} finding has no test to compute a detection probability from"
            )
        return detection_probability(difference / self.quantity.scale, self.test)

    def contains(self, difference: float) -> bool:
        """Whether ``difference`` (in the quantity's units) lies inside the confidence interval."""
        low, high = self.interval
        return bool(low <= difference <= high)

    # -- words --------------------------------------------------------------------------------
    def _interval_text(self) -> str:
        q, t = self.quantity, self.test
        unit = f" {q.unit}" if q.unit else ""
        return (
            f"{_signed(q.scale * t.mean_difference, q.digits)}{unit}, {100 * (1 - t.alpha):g}% CI "
            f"[{_signed(q.scale * t.ci_low, q.digits)}, {_signed(q.scale * t.ci_high, q.digits)}]"
        )

    def __str__(self) -> str:
        """Short form for tables: ``helped (+7.3 points, 95% CI [+4.1, +10.5])``."""
        if self.verdict == "training failed":
            return f"training failed ({self.failure})"
        if self.verdict == "never acted":
            return f"never acted (identical to {self.twin} on every split)"
        if self.verdict == "identical runs":
            return "identical runs (no difference on any split or epoch)"
        return f"{self.verdict} ({self._interval_text()})"

    def sentence(self) -> str:
        """The finding in one or two sentences of Markdown, with its numbers."""
        head = f"{self.a} against {self.b}: **{self.verdict}**"
        q = self.quantity
        unit = f" {q.unit}" if q.unit else ""
        if self.verdict == "training failed":
            consequence = {
                "a": f"{self.a} did not train at these settings while {self.b} did: the change stopped the "
                "network from training, so its effect on accuracy cannot be read",
                "b": f"{self.b}, the run it is compared with, did not train, so no difference in accuracy can be read",
                "both": "Neither run trained, so no difference in accuracy can be read",
            }.get(
                self.failed,
                "A run that did not train measures no accuracy, so no difference in accuracy can be read",
            )
            return f"{head} ({self.failure}). {consequence}."
        if self.verdict == "never acted":
            return (
                f"{head}: it ran identically to {self.twin} on every split and epoch, so the setting that "
                "tells them apart never changed a single update."
            )
        if self.verdict == "identical runs":
            return (
                f"{head}: the two runs are identical on every split and epoch; the change made no difference."
            )
        text = f"{head} in {q.name} ({self._interval_text()})."
        if self.verdict == "no clear effect":
            if self.test.half_width == 0 and self.test.mean_difference == 0:
                text += f" The two runs have the same {q.name} on every split."
            else:
                text += (
                    f" This design resolves only differences beyond about ±{q.scale * self.test.half_width:.{q.digits}f}"
                    f"{unit}; it would detect a true difference of {self.detectable:.{q.digits}f}{unit} four "
                    "times in five."
                )
        if self.note:
            text += f" {self.note}"
        return text

    def _repr_markdown_(self) -> str:
        return self.sentence()


def compare(
    a: CVResult,
    b: CVResult,
    *,
    n_train: float,
    n_test: float,
    quantity: Quantity = ACCURACY,
    last: int = 1,
    twin: CVResult | None = None,
    alpha: float = 0.05,
    check_fit: bool = True,
) -> Finding:
    """The course's finding on run ``a`` against run ``b``, two results on the same splits.

    Parameters
    ----------
    a, b:
        :class:`utils.results.CVResult` of the changed run and of the one it is compared with,
        evaluated on the same splits in the same order (checked through their test folds).
    n_train, n_test:
        Rows in one split's training and test sets, for the corrected resampled t-test.
    quantity:
        What to compare: :data:`ACCURACY` (the default), :data:`HELD_OUT_LOSS`, :data:`GAP`,
        :data:`TRAINING_ACCURACY`, or another :class:`Quantity`.
    last:
        For a history quantity, how many final epochs each split's value averages.
    twin:
        Optional run with the same change as ``a`` at another setting (e.g. a max-norm bound of
        1000): if ``a`` ran identically to it, the verdict is *never acted*.
    alpha:
        Significance level of the test.
    check_fit:
        Add a note when the worse run of a *helped* / *hurt* finding did not fit its training rows
        (final training accuracy with dropout off below :data:`FIT_THRESHOLD`).

    Returns
    -------
    Finding
        In order of precedence: *training failed* if any split of ``a`` or ``b`` diverged or
        collapsed; *identical runs* if the two ran identically; *never acted* if ``a`` ran
        identically to ``twin``; otherwise *helped*, *hurt* or *no clear effect* by the interval.
    """
    for name, result in (("a", a), ("b", b), ("twin", twin)):
        if name == "twin" and result is None:
            continue
        if not isinstance(result, CVResult):
            raise ValueError(f"{name} must be a CVResult, got {type(result).__name__}")
    if not isinstance(quantity, Quantity):
        raise ValueError(f"quantity must be a Quantity such as ACCURACY, got {type(quantity).__name__}")
    check_probability("alpha", alpha)
    name_a, name_b = a.label or "a", b.label or "b"
    for other, name in ((b, "b"), (twin, "twin")):
        if other is not None and not _same_splits(a, other):
            raise ValueError(
                f"a and {name} were not evaluated on the same splits: a paired comparison needs the same splits"
            )
    failures = [f"{r.label or n}: {r.failure_note()}" for n, r in (("a", a), ("b", b)) if r.n_failed]
    if failures:
        which = "both" if a.n_failed and b.n_failed else ("a" if a.n_failed else "b")
        return Finding("training failed", name_a, name_b, quantity, failure="; ".join(failures), failed=which)
    if a.history is not None and b.history is not None and identical_runs(a, b):
        return Finding("identical runs", name_a, name_b, quantity)
    if twin is not None and a.history is not None and twin.history is not None and identical_runs(a, twin):
        return Finding("never acted", name_a, name_b, quantity, twin=twin.label or "its twin")
    test = corrected_resampled_ttest(
        quantity.values(a, last), quantity.values(b, last), n_train, n_test, alpha
    )
    if not test.significant:
        verdict = "no clear effect"
    else:
        up = test.mean_difference > 0
        verdict = "helped" if up == (quantity.better == "higher") else "hurt"
    note = ""
    if check_fit and verdict in ("helped", "hurt"):
        note = fit_note(a if verdict == "hurt" else b)
    return Finding(verdict, name_a, name_b, quantity, test, note=note)


def fit_note(result: CVResult) -> str:
    """The caution a difference calls for when ``result``, the worse run, did not fit its training rows.

    Empty when the run fit them (final training accuracy with dropout off at least
    :data:`FIT_THRESHOLD`) or has no such history. Otherwise the note says how much it fit and whether
    its training accuracy was still rising over the last quarter of its epochs (by more than
    :data:`STILL_RISING`): then it had not finished learning and part of the difference is training
    speed; if not, it had stopped rising, and the difference is what the run can fit at all.
    """
    if not isinstance(result, CVResult):
        raise ValueError(f"result must be a CVResult, got {type(result).__name__}")
    fit = _fit_accuracy(result)
    if fit is None or fit >= FIT_THRESHOLD:
        return ""
    curve = np.asarray(result.history["train_eval_accuracy"], float).mean(axis=0)
    epochs = curve.size
    head = (
        f"But {result.label or 'the worse run'} fit only {100 * fit:.1f}% of its training rows (dropout off) "
        f"after {epochs} epochs"
    )
    quarter = epochs // 4
    if quarter == 0:
        return head + ": it had not finished learning, so part of this difference may be training speed."
    rise = curve[-1] - curve[-1 - quarter]
    over = f"{100 * rise:+.1f} points over its last {quarter} epochs"
    if rise > STILL_RISING:
        return (
            head + f", still rising ({over}): it had not finished learning, so part of this difference is "
            "training speed, not generalization."
        )
    return (
        head + f" and had stopped rising ({over}): it underfits, so this difference is about what it can "
        "fit at all, not about training speed or overfitting."
    )


def compare_on_test_set(
    correct_a,
    correct_b,
    *,
    a: str,
    b: str,
    train_loss_a=None,
    train_loss_b=None,
    y_train=None,
    alpha: float = 0.05,
) -> Finding:
    """The course's finding on model ``a`` against model ``b``, each trained with the same seeds and
    scored on one shared test set (:func:`utils.stats.seeds_paired_ttest`).

    Parameters
    ----------
    correct_a, correct_b:
        Boolean arrays ``(seeds, test examples)``: which test examples each seed's model got right.
    a, b:
        The models' names.
    train_loss_a, train_loss_b, y_train:
        Optional: each seed's final loss on the training rows with dropout off
        (``model.evaluate(X_train, y_train)``) and the training labels. A run whose loss is not
        finite *diverged*; one whose loss is at least 95% of a constant guess's *collapsed*
        (:func:`utils.results.collapsed_splits`); either makes the finding *training failed*.
    alpha:
        Significance level.
    """
    from utils.results import collapsed_splits, constant_guess_loss

    a = check_text("a", a)
    b = check_text("b", b)
    failures, failed_arms = [], []
    for arm, name, losses in (("a", a, train_loss_a), ("b", b, train_loss_b)):
        if losses is None:
            continue
        if y_train is None:
            raise ValueError("y_train is needed to judge the training losses against a constant guess")
        losses = np.asarray(losses, dtype=float)
        diverged = ~np.isfinite(losses)
        collapsed = collapsed_splits(losses, constant_guess_loss(y_train))
        for flags, word in ((diverged, "diverged"), (collapsed, "collapsed")):
            if flags.any():
                failures.append(f"{name}: {int(flags.sum())} of {flags.size} runs {word}")
                failed_arms.append(arm)
    if failures:
        which = "both" if {"a", "b"} <= set(failed_arms) else failed_arms[0]
        return Finding("training failed", a, b, ACCURACY, failure="; ".join(failures), failed=which)
    test = seeds_paired_ttest(correct_a, correct_b, alpha)
    verdict = (
        "no clear effect" if not test.significant else ("helped" if test.mean_difference > 0 else "hurt")
    )
    return Finding(verdict, a, b, ACCURACY, test)


class Findings(Mapping):
    """Several findings under labels (e.g. one per training-set size), in order.

    Shows as a bulleted list, each sentence after its label (``label`` formats it: ``"{} training
    rows"`` shows the key 500 as "500 training rows"); :meth:`table` gives a DataFrame and
    :meth:`labels` the labels with a given verdict.
    """

    def __init__(self, findings: Mapping, label: str = "{}"):
        if not isinstance(findings, Mapping) or not findings:
            raise ValueError("Findings needs a non-empty mapping of label -> Finding")
        for key, finding in findings.items():
            if not isinstance(finding, Finding):
                raise ValueError(f"findings[{key!r}] must be a Finding, got {type(finding).__name__}")
        if not isinstance(label, str) or "{}" not in label:
            raise ValueError(f"label must be a format string with one {{}}, got {label!r}")
        self._items = dict(findings)
        self._label = label

    def __getitem__(self, label):
        return self._items[label]

    def __iter__(self) -> Iterator:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def labels(self, *verdicts: str) -> list:
        """Labels whose verdict is one of ``verdicts``, in order."""
        unknown = [v for v in verdicts if v not in VERDICTS]
        if unknown or not verdicts:
            raise ValueError(f"verdicts must be among {VERDICTS}, got {verdicts}")
        return [label for label, finding in self._items.items() if finding.verdict in verdicts]

    def table(self):
        """One row per finding: verdict, difference, its interval, its half-width (the smallest observed
        difference the design calls real), the true difference it detects four times in five, and notes."""
        import pandas as pd

        rows = {}
        for label, f in self._items.items():
            low, high = f.interval
            rows[label] = {
                "verdict": f.verdict,
                "difference": round(f.difference, f.quantity.digits) if f.tested else None,
                "95% CI": f"[{low:+.{f.quantity.digits}f}, {high:+.{f.quantity.digits}f}]"
                if f.tested
                else "",
                "resolves ±": round(f.half_width, f.quantity.digits) if f.tested else None,
                "detects (4 in 5)": round(f.detectable, f.quantity.digits) if f.tested else None,
                "note": f.failure or f.note or (f"identical to {f.twin}" if f.twin else ""),
            }
        return pd.DataFrame.from_dict(rows, orient="index")

    def _repr_markdown_(self) -> str:
        return "\n".join(f"- {self._label.format(key)}: {f.sentence()}" for key, f in self._items.items())


@dataclass(frozen=True)
class Estimate:
    """One run's mean score with its confidence interval (corrected for overlapping training sets)."""

    label: str
    mean: float
    std: float
    ci_low: float
    ci_high: float
    n_splits: int
    failure: str = ""

    def contains(self, value: float) -> bool:
        """Whether ``value`` (an accuracy, 0-1) lies inside the interval."""
        return bool(self.ci_low <= value <= self.ci_high)

    @property
    def half_width(self) -> float:
        return (self.ci_high - self.ci_low) / 2

    def sentence(self) -> str:
        text = (
            f"{self.label}: **{100 * self.mean:.1f}%** ({100 * self.std:.1f}) over {self.n_splits} splits; "
            f"95% CI of the mean [{100 * self.ci_low:.1f}, {100 * self.ci_high:.1f}]."
        )
        if self.failure:
            text += f" Not the accuracy of a trained model: {self.failure}."
        return text

    def _repr_markdown_(self) -> str:
        return self.sentence()


def estimate(result: CVResult, *, n_train: float, n_test: float, alpha: float = 0.05) -> Estimate:
    """The mean accuracy of ``result`` with its corrected ``1 - alpha`` confidence interval
    (:func:`utils.stats.interval_of_mean`)."""
    if not isinstance(result, CVResult):
        raise ValueError(f"expected a CVResult, got {type(result).__name__}")
    low, high = interval_of_mean(result.scores, n_train, n_test, alpha)
    return Estimate(
        result.label or "result",
        result.mean,
        result.std,
        low,
        high,
        result.scores.size,
        result.failure_note(),
    )


@dataclass(frozen=True)
class Ranking:
    """The best of several runs on the same splits, and what cannot be told from it.

    Attributes
    ----------
    best:
        Label of the run with the highest mean score among those that trained.
    tied:
        Labels (other than ``best``) whose finding against it is *no clear effect* (or identical).
    worse:
        ``{label: Finding}`` for the runs clearly worse than ``best``.
    failed:
        ``{label: failure note}`` for the runs some of whose splits did not train.
    means:
        ``{label: mean score}`` of every run.
    """

    best: str
    tied: tuple
    worse: dict = field(default_factory=dict)
    failed: dict = field(default_factory=dict)
    means: dict = field(default_factory=dict)

    @property
    def top(self) -> tuple:
        """The best run and the ones tied with it."""
        return (self.best, *self.tied)

    def sentence(self) -> str:
        def names(labels):
            labels = [str(x) for x in labels]
            return labels[0] if len(labels) == 1 else ", ".join(labels[:-1]) + " and " + labels[-1]

        text = f"Highest mean: **{self.best}** ({100 * self.means[self.best]:.1f}%)."
        text += (
            f" Not distinguishable from it: {names(self.tied)}."
            if self.tied
            else " Every other run that trained is clearly worse."
        )
        if self.worse:
            text += " Clearly worse: " + "; ".join(f"{label}, {f}" for label, f in self.worse.items()) + "."
        if self.failed:
            text += (
                " Did not train: "
                + "; ".join(f"{label} ({note})" for label, note in self.failed.items())
                + "; their scores are not accuracies of trained models."
            )
        return text

    def _repr_markdown_(self) -> str:
        return self.sentence()


def rank(results: Mapping, *, n_train: float, n_test: float, alpha: float = 0.05) -> Ranking:
    """Rank ``{label: CVResult}`` run on the same splits: the best mean among the runs that trained,
    the runs that cannot be told from it (:func:`compare`), the clearly worse ones and the failed ones."""
    if not isinstance(results, Mapping) or not results:
        raise ValueError("results must be a non-empty mapping of label -> CVResult")
    for label, result in results.items():
        if not isinstance(result, CVResult):
            raise ValueError(f"results[{label!r}] must be a CVResult, got {type(result).__name__}")
    failed = {label: r.failure_note() for label, r in results.items() if r.n_failed}
    trained = [label for label in results if label not in failed]
    if not trained:
        raise ValueError("no run trained on every split: there is nothing to rank")
    best = max(trained, key=lambda label: results[label].mean)
    tied, worse = [], {}
    for label in trained:
        if label == best:
            continue
        finding = compare(results[label], results[best], n_train=n_train, n_test=n_test, alpha=alpha)
        if finding.verdict == "hurt":
            worse[label] = finding
        else:
            tied.append(label)
    return Ranking(best, tuple(tied), worse, failed, {label: r.mean for label, r in results.items()})


@dataclass(frozen=True)
class CurveSummary:
    """What a run's learning curves show, from the split-mean curves (training fold with dropout off).

    Attributes
    ----------
    label, epochs:
        The run's name and number of epochs.
    best_epoch, best_val_loss:
        The epoch (1-based) at which the mean held-out loss is lowest, and that value.
    final_val_loss, final_train_loss:
        Held-out loss and training loss (dropout off) at the last epoch.
    final_train_accuracy, final_val_accuracy:
        Training accuracy (dropout off) and held-out accuracy at the last epoch.
    settled_epoch:
        First epoch from which the mean held-out accuracy stays within one point of its final value.
    """

    label: str
    epochs: int
    best_epoch: int
    best_val_loss: float
    final_val_loss: float
    final_train_loss: float
    final_train_accuracy: float
    final_val_accuracy: float
    settled_epoch: int

    #: The held-out loss "rises after its minimum" when it ends at least this many times above it.
    RISE = 1.1

    @property
    def rise(self) -> float:
        """Final held-out loss over its minimum."""
        return self.final_val_loss / self.best_val_loss

    @property
    def overfits_in_loss(self) -> bool:
        """Whether the held-out loss ends more than 10% above its minimum."""
        return self.rise >= self.RISE

    @property
    def gap(self) -> float:
        """Final training accuracy (dropout off) minus held-out accuracy."""
        return self.final_train_accuracy - self.final_val_accuracy

    @property
    def fits(self) -> bool:
        """Whether the run fit its training rows (:data:`FIT_THRESHOLD`)."""
        return self.final_train_accuracy >= FIT_THRESHOLD

    def sentence(self) -> str:
        text = (
            f"{self.label}: the held-out loss is lowest at epoch {self.best_epoch} ({self.best_val_loss:.3f})"
        )
        if self.overfits_in_loss:
            text += f" and then rises, to {self.final_val_loss:.3f} at epoch {self.epochs} ({self.rise:.1f} times its minimum)"
        else:
            text += (
                f" and ends at {self.final_val_loss:.3f}, within {100 * (self.RISE - 1):.0f}% of that minimum"
            )
        text += (
            f". On its training rows (dropout off) it ends at {100 * self.final_train_accuracy:.1f}% accuracy, loss "
            f"{self.final_train_loss:.3f}"
            + ("" if self.fits else f": it has not fit them (under {100 * FIT_THRESHOLD:.0f}%)")
            + f"; held-out accuracy {100 * self.final_val_accuracy:.1f}%, a gap of {100 * self.gap:.1f} points. "
            f"The held-out accuracy stays within a point of its final value from epoch {self.settled_epoch}."
        )
        return text

    def _repr_markdown_(self) -> str:
        return self.sentence()


def curve_summary(result: CVResult) -> CurveSummary:
    """Read the split-mean learning curves of ``result`` (a run of the fast engine)."""
    history = _history(result, ("train_eval_loss", "train_eval_accuracy", "val_loss", "val_accuracy"))
    if result.n_failed:
        raise ValueError(
            f"{result.label or 'result'}: {result.failure_note()}; a run that did not train has no learning "
            "curves to read"
        )
    val_loss = history["val_loss"].mean(axis=0)
    val_accuracy = history["val_accuracy"].mean(axis=0)
    best = int(np.argmin(val_loss))
    outside = np.flatnonzero(np.abs(val_accuracy - val_accuracy[-1]) > 0.01)
    return CurveSummary(
        label=result.label or "result",
        epochs=int(val_loss.size),
        best_epoch=best + 1,
        best_val_loss=float(val_loss[best]),
        final_val_loss=float(val_loss[-1]),
        final_train_loss=result.final("train_eval_loss"),
        final_train_accuracy=result.final("train_eval_accuracy"),
        final_val_accuracy=float(val_accuracy[-1]),
        settled_epoch=int(outside[-1]) + 2 if outside.size else 1,
    )
