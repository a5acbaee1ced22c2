"""The heatmaps of :mod:`nnet.plotting`: a score over a grid of two hyperparameters.

Documented and imported as :func:`nnet.plotting.plot_heatmap` and
:func:`nnet.plotting.plot_search_heatmap`; like them, never imports matplotlib
at import time.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from nnet.plotting._helpers import (
    AX_PARAMETER,
    RETURNS_AXES,
    _axis_values,
    _cell_text,
    _colour_limits,
    _fit_font_size,
    _new_axes,
    _pivot_cv_results,
    _tick_label,
    _use_log_labels,
)
from nnet.utils.docstrings import fill_doc

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["plot_heatmap", "plot_search_heatmap"]


@fill_doc(ax=AX_PARAMETER, returns_axes=RETURNS_AXES)
def plot_heatmap(
    scores: Any,
    x_values: Sequence[Any] | np.ndarray,
    y_values: Sequence[Any] | np.ndarray,
    x_label: str,
    y_label: str,
    ax: Axes | None = None,
    log_x: bool | Literal["auto"] = "auto",
    log_y: bool | Literal["auto"] = "auto",
    fmt: str = ".2f",
    *,
    cmap: str = "viridis",
    colorbar_label: str | None = None,
    highlight: Literal["max", "min"] | None = None,
    vmin: float | None = None,
    vmax: float | None = None,
    robust: bool = False,
) -> Axes:
    r"""Draw a score over a grid of two hyperparameters, one annotated cell per pair.

    Cell ``(i, j)`` shows ``scores[i, j]``, the score at ``y_values[i]`` and
    ``x_values[j]``, written with ``fmt`` (or ``.3g`` when that would be longer
    than 7 characters, e.g. for an exploded loss), in a font small enough to
    stay inside the cell. Cells are equally wide, so a grid made with
    :func:`numpy.logspace` reads as a logarithmic axis. NaN scores (e.g. a
    diverged run) are left blank and annotated ``nan``.

    Parameters
    ----------
    scores : array-like of shape (len(y_values), len(x_values))
        Rows follow ``y_values`` (bottom to top), columns ``x_values`` (left to right).
    x_values, y_values : sequence of float or str
        The hyperparameter values of the columns and rows; non-numbers (e.g.
        activation names) are labelled with ``str``.
    x_label, y_label : str
        Axis labels, e.g. ``r"learning rate $\eta$"`` and ``r"$\lambda$"``.
    {ax}
    log_x, log_y : bool or "auto", default="auto"
        Label exact powers of ten on that axis as ``$10^{-3}$`` (other values
        with ``%g``). ``"auto"`` does so when the positive values span two
        decades or more (a :func:`numpy.logspace` grid), not for a grid such as
        1, 2, 3 layers or 16, 32, 64 units.
    fmt : str, default=".2f"
        Format spec of the annotations, e.g. ``".3f"`` or ``".1%"``.
    cmap : str, default="viridis"
        Colormap name.
    colorbar_label : str, optional
        Label of the colorbar; none is drawn when None.
    highlight : {"max", "min"}, optional
        Outline the cell of the best score (ignoring NaN).
    vmin, vmax : float, optional
        The score range of the colormap; by default that of the finite scores.
    robust : bool, default=False
        Without ``vmin``/``vmax``, take the range from the 2nd and 98th
        percentiles (rounded inwards), so that one exploded run does not wash
        out every other cell's colour.

    {returns_axes}

    Notes
    -----
    Scores outside ``[vmin, vmax]`` are drawn in the colormap's end colours
    (clipped), and marked: their annotation ends with ``▲`` (above ``vmax``)
    or ``▼`` (below ``vmin``), and the colorbar gets pointed ends.

    Raises
    ------
    ValueError
        If the shape of ``scores`` does not match the values.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> scores = np.array([[0.91, 0.95, 0.2], [0.80, np.nan, 3e19]])
    >>> ax = plot_heatmap(scores, [1e-4, 1e-3, 1e-2], [0.0, 1e-4], "eta", "lambda", vmax=1)
    >>> [t.get_text() for t in ax.texts]
    ['0.91', '0.95', '0.20', '0.80', 'nan', '3e+19▲']
    >>> [t.get_text() for t in ax.get_xticklabels()], [t.get_text() for t in ax.get_yticklabels()]
    (['$10^{-4}$', '$10^{-3}$', '$10^{-2}$'], ['0', '0.0001'])
    """
    values = np.asarray(scores, dtype=float)
    xs, ys = _axis_values(x_values), _axis_values(y_values)
    if values.shape != (len(ys), len(xs)):
        raise ValueError(
            f"scores must have shape (len(y_values), len(x_values)) = ({len(ys)}, {len(xs)}), "
            f"got {values.shape}"
        )
    if highlight not in ("max", "min", None):
        raise ValueError(f"highlight must be 'max', 'min' or None, got {highlight!r}")
    ax = _new_axes(ax, figsize=(1.0 + 0.9 * len(xs), 1.0 + 0.7 * len(ys)))
    low, high = _colour_limits(values, vmin, vmax, robust)
    image = ax.imshow(
        np.ma.masked_invalid(values), cmap=cmap, origin="lower", aspect="auto", vmin=low, vmax=high
    )
    low, high = image.get_clim()
    with np.errstate(invalid="ignore"):
        above, below = values > high, values < low
    texts = [
        [_cell_text(v, fmt) + ("▲" if up else "▼" if down else "") for v, up, down in zip(*row)]
        for row in zip(values, above, below)
    ]
    size = _fit_font_size(ax, len(ys), len(xs), max(len(t) for row in texts for t in row))
    cmap_object = image.get_cmap()
    for i in range(len(ys)):
        for j in range(len(xs)):
            v = values[i, j]
            shade = cmap_object(image.norm(v)) if np.isfinite(v) else (1.0, 1.0, 1.0, 1.0)
            dark = 0.299 * shade[0] + 0.587 * shade[1] + 0.114 * shade[2] < 0.5
            ax.text(
                j, i, texts[i][j], ha="center", va="center", fontsize=size,
                color="white" if dark else "black", clip_on=True,
            )  # fmt: skip
    ax.set_xticks(range(len(xs)), [_tick_label(v, _use_log_labels(xs, log_x)) for v in xs])
    ax.set_yticks(range(len(ys)), [_tick_label(v, _use_log_labels(ys, log_y)) for v in ys])
    ax.set_xlabel(x_label)
    ax.set_ylabel(y_label)
    if colorbar_label is not None:
        extend = {(True, True): "both", (True, False): "min", (False, True): "max"}
        ax.figure.colorbar(
            image, ax=ax, label=colorbar_label,
            extend=extend.get((bool(below.any()), bool(above.any())), "neither"),
        )  # fmt: skip
    if highlight is not None and np.isfinite(values).any():
        flat = np.nanargmax(values) if highlight == "max" else np.nanargmin(values)
        row, col = (int(k) for k in np.unravel_index(flat, values.shape))
        from matplotlib.patches import Rectangle

        ax.add_patch(
            Rectangle((col - 0.5, row - 0.5), 1, 1, fill=False, edgecolor="red", linewidth=2.5)
        )
    return ax


@fill_doc(ax=AX_PARAMETER, returns_axes=RETURNS_AXES)
def plot_search_heatmap(
    cv_results: Mapping[str, Any],
    x_param: str,
    y_param: str,
    score: str = "mean_test_score",
    ax: Axes | None = None,
    **heatmap_kwargs: Any,
) -> Axes:
    """Draw a scikit-learn search's ``cv_results_`` as a heatmap of two named parameters.

    scikit-learn keeps the parameters of a grid in alphabetical order, so which
    one varies along which axis is easy to get wrong; here each is named:
    ``x_param`` along the columns, ``y_param`` along the rows, each in
    increasing order (or in order of first appearance, for non-numbers).
    When other parameters vary too, each cell shows the best (highest) score
    over them, as "the best this pair can do".

    Parameters
    ----------
    cv_results : dict
        ``GridSearchCV(...).fit(...).cv_results_`` (or ``RandomizedSearchCV``'s).
    x_param, y_param : str
        Parameter names as given to the search (``"learning_rate"``, or
        ``"net__l2"`` in a pipeline), with or without the ``param_`` prefix.
    score : str, default="mean_test_score"
        The key of ``cv_results`` to draw. scikit-learn's scores are "higher is
        better" (an MSE appears as ``neg_mean_squared_error``).
    {ax}
    **heatmap_kwargs
        Passed to :func:`plot_heatmap` (``fmt``, ``highlight``, ``vmin``, ...).

    {returns_axes}

    Raises
    ------
    ValueError
        If a parameter or the score is not in ``cv_results``.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> results = {"param_alpha": [1, 1, 2, 2], "param_lr": [0.1, 0.01, 0.1, 0.01],
    ...            "mean_test_score": [0.5, 0.6, 0.7, 0.8]}
    >>> ax = plot_search_heatmap(results, "lr", "alpha")
    >>> [t.get_text() for t in ax.texts]
    ['0.60', '0.50', '0.80', '0.70']
    >>> ax.get_xlabel(), [t.get_text() for t in ax.get_xticklabels()]
    ('lr', ['0.01', '0.1'])
    """
    grid, xs, ys = _pivot_cv_results(cv_results, x_param, y_param, score)
    kwargs = {"colorbar_label": score, **heatmap_kwargs}
    return plot_heatmap(
        grid, xs, ys, x_param.removeprefix("param_"), y_param.removeprefix("param_"), ax, **kwargs
    )
