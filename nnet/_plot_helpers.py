"""Helpers of :mod:`nnet.plotting`: the lazy pyplot import, new axes, and reading what to draw.

Like :mod:`nnet.plotting`, this module never imports matplotlib at import time.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from matplotlib.axes import Axes

_INSTALL_HINT = 'nnet.plotting needs matplotlib; install it with: pip install "nnet[plot]"'


def _pyplot() -> Any:
    """Import :mod:`matplotlib.pyplot` on first use, with an install hint if it is missing."""
    try:
        import matplotlib.pyplot as plt
    except ImportError as err:
        raise ImportError(_INSTALL_HINT) from err
    return plt


def _new_axes(ax: Axes | None, figsize: tuple[float, float] = (6.4, 4.8)) -> Axes:
    if ax is not None:
        return ax
    _, new = _pyplot().subplots(figsize=figsize, layout="constrained")
    return new


# ----------------------------------------------------------------------------- history
def _curves(history: Any) -> tuple[list[float], list[float], dict[str, list[float]], int | None]:
    """Read (train_loss, val_loss, metrics, best_epoch) off a History or its ``as_dict()``."""
    if isinstance(history, Mapping):
        get: Callable[[str, Any], Any] = history.get
    else:
        get = lambda key, default: getattr(history, key, default)  # noqa: E731
    train, val = get("train_loss", None), get("val_loss", [])
    metrics, best = get("metrics", {}), get("best_epoch", None)
    if train is None or not isinstance(metrics, Mapping):
        raise TypeError(
            "history must be a nnet.training.History or a mapping with 'train_loss' "
            f"(and optionally 'val_loss', 'metrics'), got {type(history).__name__}"
        )
    as_list = lambda values: [float(v) for v in values]  # noqa: E731
    return (
        as_list(train),
        as_list(val or []),
        {str(k): as_list(v) for k, v in metrics.items()},
        best,
    )


def _metric_names(requested: str | Sequence[str], recorded: Mapping[str, list[float]]) -> list[str]:
    """Base metric names to draw, each with its ``val_`` twin when recorded."""
    bases = list(dict.fromkeys(k.removeprefix("val_") for k in recorded))
    if isinstance(requested, str) and requested == "all":
        return bases
    names = [requested] if isinstance(requested, str) else list(requested)
    chosen = list(dict.fromkeys(str(n).removeprefix("val_") for n in names))
    missing = [n for n in chosen if n not in bases]
    if missing:
        raise ValueError(f"metrics {missing} were not recorded; the history has {bases}")
    return chosen


def _draw_curves(ax: Axes, curves: Sequence[tuple[str, list[float]]], ylabel: str) -> None:
    for label, values in curves:
        if values:
            marker = "." if len(values) < 30 else None
            ax.plot(np.arange(1, len(values) + 1), values, label=label, marker=marker)
    from matplotlib.ticker import MaxNLocator

    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel("epoch")
    ax.set_ylabel(ylabel)
    ax.grid(True, alpha=0.3)
    ax.legend()


# ----------------------------------------------------------------------------- heatmap
def _tick_label(value: float, log: bool) -> str:
    """``1e-03``-style labels for log axes (exact powers of ten as ``$10^{k}$``), else ``%g``."""
    if not log or value <= 0:
        return f"{value:g}"
    exponent = math.log10(value)
    if math.isclose(exponent, round(exponent), abs_tol=1e-9):
        return f"$10^{{{round(exponent)}}}$"
    return f"{value:.0e}"


# ----------------------------------------------------------------------------- confusion
def _class_labels(y: Any, name: str) -> np.ndarray:
    """Class labels from 1-D labels, or 2-D one-hot rows / probabilities (row ``argmax``)."""
    array = np.asarray(y)
    if array.ndim == 1:
        return array
    if array.ndim == 2 and array.shape[1] == 1:
        return (array[:, 0] > 0.5).astype(np.intp)
    if array.ndim == 2:
        return np.argmax(array, axis=1)
    raise ValueError(f"{name} must be 1-D labels or 2-D scores, got shape {array.shape}")
