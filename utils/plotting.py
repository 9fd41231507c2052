"""The course's plotting style and the plots that recur across chapters."""

from __future__ import annotations

from utils.results import CVResult

from collections.abc import Mapping, Sequence

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np

#: One colour per role, used consistently in every chapter.
COLORS = {
    "train": "#1f77b4",
    "validation": "#d62728",
    "rock": "#8c564b",
    "mine": "#2ca02c",
    "accent": "#ff7f0e",
    "neutral": "#7f7f7f",
}


def set_style() -> None:
    """Apply the course's matplotlib style (call once at the top of a chapter)."""
    mpl.rcParams.update(
        {
            "figure.figsize": (7.0, 4.0),
            "figure.dpi": 110,
            "savefig.dpi": 110,
            "savefig.bbox": "tight",
            "axes.grid": True,
            "grid.alpha": 0.3,
            "axes.spines.top": False,
            "axes.spines.right": False,
            "axes.titlesize": 12,
            "axes.labelsize": 11,
            "legend.frameon": False,
            "font.size": 10,
        }
    )


def two_axes(axes=None) -> np.ndarray:
    """The two side-by-side axes a two-panel figure draws on: new ones when ``axes`` is ``None``."""
    if axes is None:
        _, axes = plt.subplots(1, 2, figsize=(10, 3.8))
    axes = np.asarray(axes).ravel()
    if axes.size != 2:
        raise ValueError(f"axes must hold exactly two Axes, got {axes.size}")
    return axes


def plot_learning_curves(
    result: CVResult,
    axes: Sequence[plt.Axes] | None = None,
    title: str | None = None,
    *,
    training: str = "evaluate",
    dropout_on: bool = False,
) -> np.ndarray:
    """Training vs. held-out loss and accuracy over epochs, mean over splits with a band.

    The band spans the 10th to 90th percentile of the splits.

    Parameters
    ----------
    result:
        A :class:`CVResult` with ``history`` (from :func:`utils.engine.fast_cv`).
    axes:
        Two axes to draw on; a new figure with two panels when ``None``.
    title:
        Figure title; the result's label when ``None``.
    training:
        Which training curve to draw: ``"evaluate"`` (default), the training fold
        evaluated at the end of each epoch with dropout off (``train_eval_*``, what
        ``model.evaluate`` gives: the one to compare with the held-out fold), or
        ``"fit"``, the training metric as ``fit`` reports it (averaged over the epoch's
        mini-batches, with dropout on).
    dropout_on:
        With ``training="evaluate"``, also draw the ``fit`` curve, dashed and labelled.

    Returns
    -------
    numpy.ndarray
        The two axes (loss, accuracy).
    """
    if not isinstance(result, CVResult) or result.history is None:
        raise ValueError("plot_learning_curves needs a CVResult with per-epoch history (from fast_cv)")
    if training not in ("evaluate", "fit"):
        raise ValueError(f"training must be 'evaluate' or 'fit', got {training!r}")
    history = result.history
    prefix, text = (
        ("train_eval_", "training fold, dropout off") if training == "evaluate" else ("", "training")
    )
    needed = [f"{prefix}loss", f"{prefix}accuracy", "val_loss", "val_accuracy"] + (
        ["loss", "accuracy"] * dropout_on
    )
    missing = [key for key in needed if key not in history]
    if missing:
        raise ValueError(f"the result's history lacks {missing}: record it with utils.engine.fast_cv")
    axes = two_axes(axes)
    epochs = np.arange(1, history["val_loss"].shape[1] + 1)
    for ax, metric, name in zip(axes, ("loss", "accuracy"), ("cross-entropy loss", "accuracy")):
        for key, role, label in (
            (f"{prefix}{metric}", "train", text),
            (f"val_{metric}", "validation", "held-out fold"),
        ):
            values = history[key]
            ax.plot(epochs, values.mean(0), color=COLORS[role], label=label)
            lo, hi = np.percentile(values, [10, 90], axis=0)
            ax.fill_between(epochs, lo, hi, color=COLORS[role], alpha=0.15, linewidth=0)
        if dropout_on and training == "evaluate":
            ax.plot(
                epochs,
                history[metric].mean(0),
                color=COLORS["train"],
                ls="--",
                lw=1,
                alpha=0.8,
                label="training, dropout on (as fit reports it)",
            )
        ax.set_xlabel("epoch")
        ax.set_ylabel(name)
    axes[0].legend()
    title = result.label if title is None else title
    if title:
        axes[0].figure.suptitle(title)
    return axes


def plot_findings(findings, ax: plt.Axes | None = None, title: str | None = None) -> plt.Axes:
    """Each finding's difference and confidence interval as a horizontal bar, one row per finding.

    Rows whose verdict is *helped* or *hurt* are drawn in the course's accent colours, *no clear effect*
    in grey; a finding with no test (training failed, never acted, identical runs) gets a black cross at
    zero and its verdict written beside it, so that no failed run is drawn as if it had a difference.

    Parameters
    ----------
    findings:
        A :class:`utils.findings.Findings` (or any mapping of label -> Finding), drawn top to bottom.
    ax:
        Axes to draw on; a new figure when ``None``.
    title:
        Axes title.
    """
    from utils.findings import Finding

    items = list(findings.items()) if hasattr(findings, "items") else None
    if not items or not all(isinstance(f, Finding) for _, f in items):
        raise ValueError("findings must be a non-empty mapping of label -> Finding")
    if ax is None:
        _, ax = plt.subplots(figsize=(8, 0.45 * len(items) + 1.2))
    colors = {"helped": COLORS["mine"], "hurt": COLORS["validation"], "no clear effect": COLORS["neutral"]}
    for row, (_, finding) in enumerate(items):
        if finding.tested:
            low, high = finding.interval
            color = colors[finding.verdict]
            ax.plot([low, high], [row, row], color=color, lw=3, solid_capstyle="butt")
            ax.plot(finding.difference, row, "o", color=color)
        else:
            ax.plot(0, row, "x", color="black", ms=8, mew=2)
            ax.annotate(f"  {finding.verdict}", (0, row), va="center", fontsize=8)
    ax.axvline(0, color="black", lw=0.8)
    ax.set_yticks(range(len(items)), [str(label) for label, _ in items])
    ax.invert_yaxis()
    quantity = items[0][1].quantity
    unit = f" ({quantity.unit})" if quantity.unit else ""
    ax.set_xlabel(f"difference in {quantity.name}{unit}, 95% CI")
    if title:
        ax.set_title(title)
    return ax


def plot_fold_scores(
    results: Mapping[str, CVResult] | Sequence[CVResult],
    ax: plt.Axes | None = None,
    reference: float | None = None,
) -> plt.Axes:
    """Per-split accuracies of several models as a box plot with the points on top.

    Boxes span the quartiles with the median as a grey line; dots are the
    splits; an orange diamond marks each model's mean.

    Parameters
    ----------
    results:
        ``{label: CVResult}`` or a sequence of labelled results.
    ax:
        Axes to draw on; a new figure when ``None``.
    reference:
        Optional accuracy (0-1) drawn as a dashed horizontal line.
    """
    if isinstance(results, Mapping):
        items = list(results.items())
    else:
        items = [(r.label, r) for r in results]
    if not items or not all(isinstance(r, CVResult) for _, r in items):
        raise ValueError("results must be a non-empty collection of CVResult")
    if ax is None:
        _, ax = plt.subplots(figsize=(max(4.0, 1.3 * len(items) + 2), 4))
    data = [100 * r.scores for _, r in items]
    ax.boxplot(data, showfliers=False, widths=0.5, medianprops={"color": COLORS["neutral"]})
    rng = np.random.default_rng(0)  # jitter only; fixed so figures do not change between runs
    for i, values in enumerate(data, start=1):
        ax.scatter(
            i + rng.uniform(-0.12, 0.12, len(values)),
            values,
            s=12,
            alpha=0.6,
            color=COLORS["train"],
            zorder=3,
        )
        ax.scatter(
            [i],
            [values.mean()],
            marker="D",
            color=COLORS["accent"],
            zorder=4,
            label="mean" if i == 1 else None,
        )
    ax.set_xticks(range(1, len(items) + 1), [name for name, _ in items], rotation=15 if len(items) > 4 else 0)
    ax.set_ylabel("test accuracy per split (%)")
    if reference is not None:
        ax.axhline(100 * reference, ls="--", color=COLORS["neutral"], lw=1)
    ax.legend(loc="lower right")
    return ax
