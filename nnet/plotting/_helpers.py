"""Helpers of :mod:`nnet.plotting`: the lazy pyplot import, new axes, and reading what to draw.

Like :mod:`nnet.plotting`, this module never imports matplotlib at import time.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from nnet.utils.validation import is_real

if TYPE_CHECKING:
    from matplotlib.axes import Axes

AX_PARAMETER = """
ax : Axes, optional
    Where to draw; a new figure by default.
"""
"""The ``{ax}`` entry of a plotting function's Parameters (see :mod:`nnet.utils.docstrings`)."""
RETURNS_AXES = """
Returns
-------
Axes
"""
"""The ``{returns_axes}`` section of a plotting function that draws on one Axes."""

_INSTALL_HINT = 'nnet.plotting needs matplotlib; install it with: pip install "nnet[plot]"'


def _pyplot() -> Any:
    """Import :mod:`matplotlib.pyplot` on first use, with an install hint if it is missing."""
    try:
        import matplotlib.pyplot as plt
    except ImportError as err:
        raise ImportError(_INSTALL_HINT) from err
    return plt


def _new_axes(ax: Axes | None, figsize: tuple[float, float] = (6.4, 4.8)) -> Axes:
    """``ax`` (a TypeError if it is not an Axes), or the Axes of a new figure."""
    if ax is not None:
        from matplotlib.axes import Axes

        if not isinstance(ax, Axes):
            raise TypeError(f"ax must be a matplotlib Axes or None, got {ax!r:.80}")
        return ax
    _, new = _pyplot().subplots(figsize=figsize, layout="constrained")
    return new


# ----------------------------------------------------------------------------- history
def _curves(history: Any) -> tuple[list[float], list[float], dict[str, list[float]], int | None]:
    """Read (train_loss, val_loss, metrics, best epoch) off a History or its ``as_dict()``.

    The best epoch is None unless its weights were restored (``restored_best``):
    otherwise the network holds the last epoch's weights, and a line marking the
    best one would mislead.
    """
    if isinstance(history, Mapping):
        get: Callable[[str, Any], Any] = history.get
    else:
        get = lambda key, default: getattr(history, key, default)  # noqa: E731
    train, val = get("train_loss", None), get("val_loss", [])
    metrics, best = get("metrics", {}), get("best_epoch", None)
    if not get("restored_best", False):
        best = None
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
def _use_log_labels(values: Sequence[Any], log: bool | str) -> bool:
    """``log`` itself, or for ``"auto"``: positive numbers spanning two decades or more."""
    if log != "auto":
        return bool(log)
    positive = [float(v) for v in values if is_real(v) and v > 0]
    return len(positive) >= 2 and max(positive) / min(positive) >= 100


def _tick_label(value: Any, log: bool) -> str:
    """On a log axis, every positive number as ``$m{\times}10^{k}$`` (``$10^{k}$`` for a
    power of ten; ``m`` to 3 digits); elsewhere ``%g`` (``str`` for non-numbers)."""
    if not is_real(value):
        return str(value)
    if log and value > 0:
        exponent = math.floor(math.log10(value))
        mantissa = float(f"{value / 10.0**exponent:.3g}")
        if mantissa >= 10:  # 9.996e-4 rounds to 10e-4
            mantissa, exponent = mantissa / 10, exponent + 1
        power = f"10^{{{exponent}}}"
        return f"${power}$" if mantissa == 1 else f"${mantissa:g}{{\\times}}{power}$"
    return f"{value:g}"


def _cell_text(value: float, fmt: str, max_chars: int = 7) -> str:
    """``value`` written with ``fmt``, or with ``.3g`` when that is longer than ``max_chars``."""
    text = format(value, fmt)
    return format(value, ".3g") if len(text) > max_chars and np.isfinite(value) else text


def _colour_limits(
    values: np.ndarray, vmin: float | None, vmax: float | None, robust: bool
) -> tuple[float | None, float | None]:
    """The colour range: ``vmin``/``vmax``, else (with ``robust``) the 2nd/98th percentiles.

    The percentiles are taken inward (``higher``/``lower``), so on a small grid
    they leave out the single most extreme cell, as seaborn's ``robust`` means.
    """
    finite = values[np.isfinite(values)]
    if robust and finite.size:
        if vmin is None:
            vmin = float(np.percentile(finite, 2, method="higher"))
        if vmax is None:
            vmax = float(np.percentile(finite, 98, method="lower"))
    return vmin, vmax


def _fit_font_size(ax: Axes, n_rows: int, n_cols: int, longest: int) -> float:
    """A font size (points) at which ``longest`` characters fit in one cell, at most 10."""
    box = ax.get_window_extent()  # pixels
    points_per_pixel = 72 / ax.figure.dpi
    cell_w = box.width * points_per_pixel / n_cols * 0.8  # the layout may shrink the axes
    cell_h = box.height * points_per_pixel / n_rows * 0.8
    return float(max(4.0, min(10.0, cell_w / (0.62 * max(longest, 1) + 0.6), 0.7 * cell_h)))


def _axis_values(values: Any) -> list[Any]:
    """The values of a heatmap axis as a list: numbers as floats, anything else as given."""
    items = list(np.ravel(values)) if isinstance(values, np.ndarray) else list(values)
    return [float(v) if is_real(v) else v for v in items]


def _ordered(values: list[Any]) -> list[Any]:
    """Distinct values, increasing for numbers, else in order of first appearance."""
    distinct = list(dict.fromkeys(values))
    return sorted(distinct) if all(is_real(v) for v in distinct) else distinct


def _pivot_cv_results(
    cv_results: Mapping[str, Any], x_param: str, y_param: str, score: str
) -> tuple[np.ndarray, list[Any], list[Any]]:
    """(grid of the best score per pair, x values, y values) from a ``cv_results_``."""
    if score not in cv_results:
        raise ValueError(f"score {score!r} is not in cv_results; it has {sorted(cv_results)}")
    columns = {}
    for param in (x_param, y_param):
        key = param if param.startswith("param_") else f"param_{param}"
        if key not in cv_results:
            params = sorted(k.removeprefix("param_") for k in cv_results if k.startswith("param_"))
            raise ValueError(f"parameter {param!r} is not in cv_results; it has {params}")
        # Masked where a candidate lacks the parameter; hashable values (a tuple stays a tuple).
        column = cv_results[key]
        mask = np.ma.getmaskarray(column) if np.ma.isMaskedArray(column) else None
        columns[param] = [
            None if mask is not None and mask[i] else (v.item() if hasattr(v, "item") else v)
            for i, v in enumerate(np.ma.getdata(column) if mask is not None else column)
        ]
    xs = _ordered([v for v in columns[x_param] if v is not None])
    ys = _ordered([v for v in columns[y_param] if v is not None])
    grid = np.full((len(ys), len(xs)), np.nan)
    for x, y, value in zip(columns[x_param], columns[y_param], cv_results[score]):
        if x is None or y is None or not np.isfinite(value):
            continue
        i, j = ys.index(y), xs.index(x)
        grid[i, j] = value if np.isnan(grid[i, j]) else max(grid[i, j], value)
    return grid, xs, ys


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
