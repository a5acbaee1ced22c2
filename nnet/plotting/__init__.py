r"""Plots of training and evaluation: loss curves, grid-search heatmaps, confusions, fits.

Every function draws on a :class:`matplotlib.axes.Axes` given as ``ax`` (or
on a new figure), returns what it drew on, and never calls
:func:`matplotlib.pyplot.show`: save the figure, or show it yourself.
matplotlib is an optional dependency, imported only when a function is
called; install it with ``pip install "nnet[plot]"``.

====================================== ================================================
function                               draws
====================================== ================================================
:func:`plot_history`                   training/validation loss (and metrics) per epoch
:func:`plot_curves`                    many curves per epoch on one Axes (a study's models)
:func:`plot_heatmap`                   a score over a grid of two hyperparameters
:func:`plot_search_heatmap`            the same from a ``GridSearchCV``'s ``cv_results_``
:func:`plot_confusion_matrix`          counts of true vs predicted classes
:func:`plot_regression_fit`            data points and one or more fitted curves
====================================== ================================================
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from nnet.plotting._heatmap import plot_heatmap, plot_search_heatmap
from nnet.plotting._helpers import (
    AX_PARAMETER,
    RETURNS_AXES,
    _class_labels,
    _curves,
    _draw_curves,
    _metric_names,
    _new_axes,
    _pyplot,
)
from nnet.utils.docstrings import fill_doc

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = [
    "plot_confusion_matrix",
    "plot_curves",
    "plot_heatmap",
    "plot_history",
    "plot_regression_fit",
    "plot_search_heatmap",
]


# ----------------------------------------------------------------------------- history
def plot_history(
    history: Any,
    ax: Any = None,
    metrics: Any = None,
    *,
    log_y: bool = False,
    label: str | None = None,
) -> Figure:
    """Plot the training and validation loss per epoch, and optionally the metrics.

    Epochs are numbered from 1: the point at epoch 1 is the loss recorded
    after (for ``train_loss``, during) the first pass over the data. When
    training ended by restoring the best weights (``history.restored_best``,
    as early stopping does), the best epoch is marked by a dotted vertical
    line "best epoch (restored)"; otherwise the network holds the last
    epoch's weights and no line is drawn.

    Parameters
    ----------
    history : History or mapping
        A :class:`nnet.training.History`, or its :meth:`~nnet.training.History.as_dict`
        (``{"train_loss": [...], "val_loss": [...], "metrics": {...}}``).
    ax : Axes or sequence of Axes, optional
        Where to draw: one Axes per panel (losses first, then one per metric).
        New ones by default.
    metrics : "all" or str or sequence of str, optional
        Metrics to draw, each in its own panel beside the losses, with its
        ``val_`` twin when recorded (``"accuracy"`` draws ``accuracy`` and
        ``val_accuracy``). ``"all"`` draws every recorded metric. By default
        only the losses are drawn.
    log_y : bool, default=False
        A logarithmic loss axis, where late epochs' progress stays visible
        (on a linear axis a loss falling by orders of magnitude looks flat).
    label : str, optional
        Names the history in the legend: its curves are labelled
        ``"<label> train_loss"``, ... so that histories drawn on the same Axes
        can be told apart.

    Returns
    -------
    Figure
        Always the figure of the panels, with or without ``metrics``; the loss
        panel is the first of the Axes drawn on (``fig.axes[0]`` for a new figure).

    Raises
    ------
    ValueError
        If a requested metric was not recorded, or ``ax`` does not have one
        Axes per panel.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from nnet.training import History
    >>> history = History(train_loss=[0.9, 0.5, 0.4], val_loss=[1.0, 0.7, 0.8],
    ...                   metrics={"accuracy": [0.6, 0.8, 0.9], "val_accuracy": [0.5, 0.7, 0.7]},
    ...                   best_epoch=1, restored_best=True)
    >>> fig = plot_history(history)
    >>> [line.get_label() for line in fig.axes[0].get_lines()]
    ['train_loss', 'val_loss', 'best epoch (restored)']
    >>> fig = plot_history(history, metrics="accuracy", log_y=True)
    >>> [(a.get_ylabel(), a.get_yscale()) for a in fig.axes]
    [('loss', 'log'), ('accuracy', 'linear')]
    >>> fig = plot_history(History(train_loss=[0.9, 0.7]), label="lr=0.1")
    >>> fig = plot_history(History(train_loss=[0.8, 0.6]), ax=fig.axes[0], label="lr=0.01")
    >>> [line.get_label() for line in fig.axes[0].get_lines()]
    ['lr=0.1 train_loss', 'lr=0.01 train_loss']
    """
    if label is not None and not isinstance(label, str):
        raise TypeError(f"label must be a str or None, got {label!r:.80}")
    named = (lambda name: name) if label is None else (lambda name: f"{label} {name}")
    train, val, recorded, best = _curves(history)
    names = [] if metrics is None else _metric_names(metrics, recorded)
    n_panels = 1 + len(names)
    if ax is None:
        _, grid = _pyplot().subplots(
            1, n_panels, figsize=(4.8 * n_panels, 4.0), layout="constrained", squeeze=False
        )
        axes = list(grid[0])
    else:
        axes = [ax] if not isinstance(ax, Sequence | np.ndarray) else list(np.ravel(ax))
        if len(axes) != n_panels:
            raise ValueError(
                f"ax must hold {n_panels} Axes (losses, then {names}), got {len(axes)}"
            )
    _draw_curves(axes[0], [(named("train_loss"), train), (named("val_loss"), val)], "loss")
    if log_y:
        axes[0].set_yscale("log")
    for panel, name in zip(axes[1:], names):
        pairs = [(named(key), recorded.get(key, [])) for key in (name, f"val_{name}")]
        _draw_curves(panel, pairs, name)
    if best is not None:
        for panel in axes:
            panel.axvline(best + 1, color="0.4", linestyle=":", label="best epoch (restored)")
            panel.legend()
    return axes[0].figure


@fill_doc(ax=AX_PARAMETER, returns_axes=RETURNS_AXES)
def plot_curves(
    curves: Mapping[str, Sequence[float]],
    ylabel: str = "loss",
    ax: Axes | None = None,
    *,
    log_y: bool = False,
) -> Axes:
    """Draw several curves per epoch on one Axes, each labelled by its key in the legend.

    Epochs are numbered from 1, as in :func:`plot_history`. This draws a study's
    models side by side (:meth:`nnet.Study.plot_histories`).

    Parameters
    ----------
    curves : mapping of str to sequence of float
        Legend label → one value per epoch (an empty curve is skipped).
    ylabel : str, default="loss"
        The y axis's label.
    {ax}
    log_y : bool, default=False
        A logarithmic y axis.

    {returns_axes}

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> ax = plot_curves({"lr=0.1": [0.9, 0.5], "lr=0.01": [0.9, 0.8]}, "val_loss")
    >>> [line.get_label() for line in ax.get_lines()], ax.get_ylabel()
    (['lr=0.1', 'lr=0.01'], 'val_loss')
    """
    if not isinstance(curves, Mapping):
        raise TypeError(f"curves must be a dict of label -> values, got {curves!r:.80}")
    ax = _new_axes(ax)
    _draw_curves(ax, [(str(k), list(v)) for k, v in curves.items()], ylabel)
    if log_y:
        ax.set_yscale("log")
    return ax


# ----------------------------------------------------------------------------- confusion
@fill_doc(ax=AX_PARAMETER, returns_axes=RETURNS_AXES)
def plot_confusion_matrix(
    y_true: Any, y_pred: Any, labels: Sequence[Any] | None = None, ax: Axes | None = None
) -> Axes:
    """Draw the confusion matrix: how many samples of each true class got each prediction.

    Rows are true classes, columns predicted ones, and each cell is annotated
    with its count, as :func:`sklearn.metrics.confusion_matrix` computes it.

    Parameters
    ----------
    y_true, y_pred : array-like
        Class labels of shape (n_samples,), or network outputs / one-hot
        targets of shape (n_samples, n_classes) (the row ``argmax`` is the
        class; ``> 0.5`` for a single column).
    labels : sequence, optional
        The classes, in the order of the rows and columns; by default the
        sorted classes present in either array.
    {ax}

    {returns_axes}

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> ax = plot_confusion_matrix([0, 1, 1, 2], [0, 1, 2, 2])
    >>> [t.get_text() for t in ax.texts]
    ['1', '0', '0', '0', '1', '1', '0', '0', '1']
    >>> ax.get_xlabel(), ax.get_ylabel()
    ('predicted label', 'true label')
    """
    from sklearn.metrics import confusion_matrix

    true, pred = _class_labels(y_true, "y_true"), _class_labels(y_pred, "y_pred")
    if true.shape != pred.shape:
        raise ValueError(
            f"y_true and y_pred must hold as many samples, got {len(true)} and {len(pred)}"
        )
    classes = np.unique(np.concatenate([true, pred])) if labels is None else np.asarray(labels)
    counts = confusion_matrix(true, pred, labels=classes)
    ax = _new_axes(ax, figsize=(1.5 + 0.6 * len(classes), 1.2 + 0.6 * len(classes)))
    ax.imshow(counts, cmap="Blues")
    threshold = counts.max() / 2 if counts.size else 0
    for i in range(len(classes)):
        for j in range(len(classes)):
            color = "white" if counts[i, j] > threshold else "black"
            ax.text(j, i, str(counts[i, j]), ha="center", va="center", color=color)
    names = [str(c) for c in classes]
    ax.set_xticks(range(len(classes)), names)
    ax.set_yticks(range(len(classes)), names)
    ax.set_xlabel("predicted label")
    ax.set_ylabel("true label")
    return ax


# ----------------------------------------------------------------------------- regression
@fill_doc(ax=AX_PARAMETER, returns_axes=RETURNS_AXES)
def plot_regression_fit(
    x: Any, y_true: Any, predictions: Any, ax: Axes | None = None, *, n_grid: int = 300
) -> Axes:
    """Draw data points and fitted curves of a one-input regression.

    Parameters
    ----------
    x : array-like of shape (n_samples,) or (n_samples, 1)
        The input of each sample.
    y_true : array-like of shape (n_samples,) or (n_samples, 1)
        The targets, drawn as points labelled ``"data"``.
    predictions : array-like or dict
        Predictions at ``x`` (one curve, labelled ``"prediction"``), or a dict
        ``{label: predictions at x, a fitted model, or a function}``, one curve
        each. A model (anything with ``predict``, e.g. a
        :class:`~nnet.NeuralNetwork` or a scikit-learn estimator) is evaluated
        on ``n_grid`` points spanning ``x``, given as a column ``(n_grid, 1)``;
        another callable ``f`` (e.g. the true function) as ``f(grid)`` on the
        1-D grid. Both draw smooth curves.
    {ax}
    n_grid : int, default=300
        Number of points at which models are evaluated.

    {returns_axes}

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> x = np.array([0.5, -1.0, 1.0, 0.0])
    >>> ax = plot_regression_fit(x, x**2, {"exact": x**2, "zero": np.zeros(4), "f": np.square})
    >>> [line.get_label() for line in ax.get_lines()]
    ['exact', 'zero', 'f']
    >>> ax.get_lines()[0].get_xdata().tolist()  # sorted by x
    [-1.0, 0.0, 0.5, 1.0]
    """
    xs = np.asarray(x, dtype=float)
    ys = np.asarray(y_true, dtype=float)
    if xs.ndim == 2 and xs.shape[1] == 1:
        xs = xs[:, 0]
    if xs.ndim != 1:
        raise ValueError(f"x must have shape (n_samples,) or (n_samples, 1), got {xs.shape}")
    ys = ys.reshape(-1) if ys.size == xs.size else ys
    if ys.shape != xs.shape:
        raise ValueError(f"y_true must hold one target per x, got shape {np.shape(y_true)}")
    curves = predictions if isinstance(predictions, Mapping) else {"prediction": predictions}
    ax = _new_axes(ax)
    ax.scatter(xs, ys, s=12, color="0.5", alpha=0.7, label="data")
    order = np.argsort(xs, kind="stable")
    grid = np.linspace(xs.min(), xs.max(), n_grid)
    for label, curve in curves.items():
        if callable(getattr(curve, "predict", None)):
            px, py = grid, np.asarray(curve.predict(grid.reshape(-1, 1)), dtype=float).reshape(-1)
        elif callable(curve):
            px, py = grid, np.asarray(curve(grid), dtype=float).reshape(-1)
        else:
            py = np.asarray(curve, dtype=float).reshape(-1)
            if py.shape != xs.shape:
                raise ValueError(
                    f"predictions {label!r} must hold one value per x ({len(xs)}), "
                    f"got shape {np.shape(curve)}"
                )
            px, py = xs[order], py[order]
        ax.plot(px, py, label=str(label))
    ax.set_xlabel("x")
    ax.set_ylabel("y")
    ax.legend()
    return ax
