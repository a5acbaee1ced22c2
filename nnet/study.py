"""The result of :func:`nnet.sweep.sweep`: many trained networks, their parameters and histories.

A :class:`Study` lists the models in the grid's :func:`itertools.product` order
and answers the questions a study asks: a table of the results (or a pandas
DataFrame, or in a notebook an HTML table, best first), the best model by a loss
or a score, a heatmap of a result over two grid keys, averaged over the others, and
every model's curves.
"""

from __future__ import annotations

import html
import math
import numbers
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from nnet.callbacks import History
from nnet.network import NeuralNetwork

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["Study"]

_SEQUENCE_KEYS = ("layer_output_sizes", "activation_funcs")
"""Grid keys whose values are lists themselves."""

_LOSS_WORDS = ("loss", "error", "mse", "mae")
"""A result whose name contains one of these is a loss (lower is better); others are scores."""


def lower_is_better(name: str) -> bool:
    """Whether the result ``name`` is a loss (``val_loss``, ``mse``) rather than a score."""
    return any(word in name for word in _LOSS_WORDS) or name in ("best_epoch", "epochs_run")


class Study:
    """Trained networks of a sweep, with their grid parameters and histories.

    Parameters
    ----------
    params : list of dict
        Each model's grid values, ``{key: value}``.
    networks : list of NeuralNetwork
        The trained networks, in the same order.
    histories : list of History
        Their histories, in the same order.
    grid : dict of str to list, optional
        The grid, which orders the keys and values of tables and heatmaps (by
        default, the keys and values as they appear in ``params``).
    early_stopping : int or None, default=None
        The patience the models were trained with: it decides which epoch's results
        belong to the returned networks (see :meth:`table`).
    interrupted : bool, default=False
        Whether the sweep was interrupted (Ctrl-C) before every model was trained.

    Notes
    -----
    NumPy numbers in ``params`` are kept as Python numbers (``0.01``, not
    ``np.float64(0.01)``). In a notebook a study shows itself as an HTML table of
    :meth:`table`, best model first (see :meth:`_repr_html_`).

    Attributes
    ----------
    params, networks, histories : list
        As given.
    grid : dict of str to list
    interrupted : bool

    Examples
    --------
    >>> from nnet import NeuralNetwork, sweep
    >>> X = np.linspace(-1, 1, 20).reshape(-1, 1)
    >>> net = NeuralNetwork(1, [4, 1], ["tanh", "identity"], seed=0)
    >>> study = sweep(net, "sgd", X, X**2, grid={"learning_rate": [0.01, 0.1]}, epochs=5, seed=0)
    >>> len(study), study.params[1]
    (2, {'learning_rate': 0.1})
    >>> study.best("train_loss")[0]
    {'learning_rate': 0.1}
    >>> sorted(study.table()[0])
    ['best_epoch', 'best_train_loss', 'epochs_run', 'learning_rate', 'stop_reason', 'train_loss']
    """

    def __init__(
        self,
        params: Sequence[Mapping[str, Any]],
        networks: Sequence[NeuralNetwork],
        histories: Sequence[History],
        *,
        grid: Mapping[str, Sequence[Any]] | None = None,
        early_stopping: int | None = None,
        interrupted: bool = False,
    ) -> None:
        if not len(params) == len(networks) == len(histories):
            raise ValueError(
                "params, networks and histories must have the same length, got "
                f"{len(params)}, {len(networks)} and {len(histories)}"
            )
        self.params = [{k: _python(v) for k, v in p.items()} for p in params]
        self.networks = list(networks)
        self.histories = list(histories)
        self.grid = _grid_of(self.params) if grid is None else {k: list(v) for k, v in grid.items()}
        self.early_stopping = early_stopping
        self.interrupted = bool(interrupted)

    def __len__(self) -> int:
        return len(self.params)

    def __repr__(self) -> str:
        reasons: dict[str, int] = {}
        for h in self.histories:
            reasons[str(h.stop_reason)] = reasons.get(str(h.stop_reason), 0) + 1
        shown = ", ".join(f"{n} {r}" for r, n in reasons.items())
        note = ", interrupted" if self.interrupted else ""
        return f"Study({len(self)} models over {list(self.grid)}: {shown}{note})"

    HTML_ROWS = 20
    """The models the notebook table shows at most (the best ones)."""

    def _repr_html_(self) -> str:
        """:meth:`table` as HTML, best first (by ``val_loss``, else ``train_loss``): for notebooks.

        Returns
        -------
        str
            A ``<table>`` of the :attr:`HTML_ROWS` best models, captioned by the ``repr``.

        Examples
        --------
        >>> from nnet.callbacks import History
        >>> study = Study([{"lr": 0.1}, {"lr": 1.0}], [None, None],
        ...               [History(train_loss=[0.5]), History(train_loss=[0.2])])
        >>> page = study._repr_html_()
        >>> page.index("<td>1</td>") < page.index("<td>0.1</td>")  # the best first
        True
        """
        rows = self.table()
        by = "val_loss" if "val_loss" in (rows[0] if rows else {}) else "train_loss"
        order = np.argsort(self._column(by), kind="stable").tolist() if rows else []  # NaN last
        header = list(rows[0]) if rows else []
        cells = "".join(
            "<tr>" + "".join(f"<td>{html.escape(_cell(rows[i][k]))}</td>" for k in header) + "</tr>"
            for i in order[: self.HTML_ROWS]
        )
        more = len(rows) - self.HTML_ROWS
        caption = repr(self) + (f"; the best {self.HTML_ROWS} by {by}" if more > 0 else "")
        head = "".join(f"<th>{html.escape(k)}</th>" for k in header)
        return (
            f"<table><caption>{html.escape(caption)}</caption><thead><tr>{head}</tr></thead>"
            f"<tbody>{cells}</tbody></table>"
        )

    # ----------------------------------------------------------------- results
    def table(self) -> list[dict[str, Any]]:
        """One row per model: its grid values, final and best results, best epoch, stop reason.

        For every curve the histories recorded (``train_loss``, ``val_loss``,
        each metric and its ``val_`` twin), ``<name>`` is the value of the
        returned network: the last epoch's, or with early stopping the best
        epoch's, whose weights training restored. ``best_<name>`` is the best
        value over all epochs (the lowest loss, the highest score). Then
        ``best_epoch`` (0-based), ``epochs_run`` and ``stop_reason`` (e.g.
        ``"diverged"``). A model without any epoch has NaN results.

        Returns
        -------
        list of dict
            Plain values: ready for :mod:`csv` or :class:`pandas.DataFrame`.
        """
        names = self._curve_names()
        rows = []
        for params, history in zip(self.params, self.histories):
            row = dict(params)
            epoch = self._model_epoch(history)
            for name in names:
                curve = _curve(history, name)
                row[name] = curve[epoch] if epoch is not None and epoch < len(curve) else math.nan
                finite = [v for v in curve if math.isfinite(v)]
                best = min if lower_is_better(name) else max
                row[f"best_{name}"] = best(finite) if finite else math.nan
            row.update(
                best_epoch=history.best_epoch,
                epochs_run=history.epochs_run,
                stop_reason=history.stop_reason,
            )
            rows.append(row)
        return rows

    def to_frame(self) -> Any:
        """:meth:`table` as a :class:`pandas.DataFrame` (pandas is optional).

        Returns
        -------
        pandas.DataFrame
            One row per model, the columns of :meth:`table`.

        Raises
        ------
        ImportError
            When pandas is not installed.
        """
        try:
            import pandas as pd
        except ImportError as err:
            raise ImportError(
                "Study.to_frame needs pandas: pip install pandas (or use Study.table())"
            ) from err
        return pd.DataFrame(self.table())

    def best(self, metric: str = "val_loss") -> tuple[dict[str, Any], NeuralNetwork]:
        """The ``(params, network)`` of the best model by ``metric``, a column of :meth:`table`.

        Losses (names with ``loss``, ``error``, ``mse`` or ``mae``) are minimized,
        scores (``accuracy``, ``r2``, ...) maximized; NaN results are ignored and
        ties go to the first model in grid order.

        Parameters
        ----------
        metric : str, default="val_loss"
            A column of :meth:`table`.

        Returns
        -------
        params : dict
            The best model's grid values.
        network : NeuralNetwork
            The best model's trained network.

        Raises
        ------
        ValueError
            When the study has no such column or no model has a finite value.
        """
        values = self._column(metric)
        finite = np.isfinite(values)
        if not finite.any():
            raise ValueError(f"no model has a finite {metric!r}")
        masked = np.where(finite, values, np.inf if lower_is_better(metric) else -np.inf)
        i = int(np.argmin(masked) if lower_is_better(metric) else np.argmax(masked))
        return dict(self.params[i]), self.networks[i]

    def heatmap(
        self, x: str, y: str, value: str = "val_loss", ax: Axes | None = None, **kwargs: Any
    ) -> Axes:
        """Draw ``value`` over grid keys ``x`` and ``y``: the mean over the other keys.

        Each cell is annotated with the mean and, when several models share it,
        their standard deviation (``0.95\\n±0.02``). A numeric axis whose positive
        values span a factor of 100 or more is labelled as a log axis. The best
        cell (lowest loss, highest score) is outlined.

        Parameters
        ----------
        x, y : str
            Grid keys of the columns and rows.
        value : str, default="val_loss"
            A column of :meth:`table`, e.g. ``"val_accuracy"``.
        ax : Axes, optional
            Where to draw; a new figure by default.
        **kwargs
            Passed on to :func:`nnet.plotting.plot_heatmap` (``fmt``, ``cmap``,
            ``colorbar_label``).

        Returns
        -------
        Axes
        """
        from nnet.plotting import plot_heatmap

        for name, key in (("x", x), ("y", y)):
            if not isinstance(key, str):
                raise TypeError(f"{name} must be a grid key (a str), got {key!r:.80}")
            if key not in self.grid:
                raise ValueError(f"{key!r} is not a grid key; expected one of {list(self.grid)}")
        if x == y:
            raise ValueError(f"x and y must be different grid keys, got {x!r} twice")
        values = self._column(value)
        xs, ys = self.grid[x], self.grid[y]
        mean = np.full((len(ys), len(xs)), np.nan)
        spread = np.zeros_like(mean)
        counts = np.zeros(mean.shape, dtype=int)
        for i, yv in enumerate(ys):
            for j, xv in enumerate(xs):
                cell = [
                    v
                    for p, v in zip(self.params, values)
                    if _same(p[x], xv) and _same(p[y], yv) and math.isfinite(v)
                ]
                counts[i, j] = len(cell)
                if cell:
                    mean[i, j], spread[i, j] = np.mean(cell), np.std(cell)
        log_x, log_y = _is_log(xs), _is_log(ys)
        kwargs.setdefault("highlight", "min" if lower_is_better(value) else "max")
        kwargs.setdefault("colorbar_label", value)
        fmt = kwargs.pop("fmt", ".3g")
        ax = plot_heatmap(
            mean,
            _axis_values(xs),
            _axis_values(ys),
            x,
            y,
            ax=ax,
            log_x=log_x,
            log_y=log_y,
            fmt=fmt,
            **kwargs,
        )
        if not _numeric(xs):
            ax.set_xticks(range(len(xs)), [_label(v) for v in xs])
        if not _numeric(ys):
            ax.set_yticks(range(len(ys)), [_label(v) for v in ys])
        if counts.max() > 1:
            for text, m, s in zip(ax.texts, mean.ravel(), spread.ravel()):
                if math.isfinite(m):
                    text.set_text(f"{format(m, fmt)}\n±{format(s, '.2g')}")
            others = [k for k in self.grid if k not in (x, y)]
            ax.set_title(f"mean ± std over {', '.join(others) or 'repeats'}")
        return ax

    def plot_histories(
        self,
        curve: str | None = None,
        where: Mapping[str, Any] | Callable[[dict[str, Any]], bool] | None = None,
        ax: Axes | None = None,
        *,
        log_y: bool = False,
    ) -> Axes:
        """Draw every model's ``curve`` per epoch on one Axes, labelled by its grid values.

        Parameters
        ----------
        curve : str, optional
            A curve the histories recorded: ``"train_loss"``, ``"val_loss"``, a
            metric or its ``val_`` twin. By default ``"val_loss"`` if recorded,
            else ``"train_loss"``.
        where : dict or callable, optional
            The models to draw: ``{key: value}`` or ``{key: [values]}`` of grid
            keys (models whose parameters match every key), or a function of a
            model's parameters returning True for those to draw. All by default.
        ax : Axes, optional
            Where to draw; a new figure by default.
        log_y : bool, default=False
            A logarithmic y axis.

        Returns
        -------
        Axes

        Raises
        ------
        ValueError
            For an unknown curve or grid key, or when ``where`` selects no model.

        Examples
        --------
        >>> import matplotlib
        >>> matplotlib.use("Agg")
        >>> from nnet import NeuralNetwork, sweep
        >>> X = np.linspace(-1, 1, 20).reshape(-1, 1)
        >>> net = NeuralNetwork(1, [4, 1], ["tanh", "identity"], seed=0)
        >>> study = sweep(net, "sgd", X, X**2, {"learning_rate": [0.01, 0.1], "l2": [0, 1e-3]},
        ...               epochs=5, seed=0)
        >>> ax = study.plot_histories(where={"l2": 0})
        >>> [line.get_label() for line in ax.get_lines()]
        ['learning_rate=0.01, l2=0', 'learning_rate=0.1, l2=0']
        """
        from nnet.plotting import plot_curves

        names = self._curve_names()
        curve = curve if curve is not None else ("val_loss" if "val_loss" in names else names[0])
        if curve not in names:
            raise ValueError(f"curve must be one of the recorded curves {names}, got {curve!r}")
        chosen = self._where(where)
        shown = [k for k, values in self.grid.items() if len(values) > 1] or list(self.grid)
        curves = {
            ", ".join(f"{k}={_label(self.params[i][k])}" for k in shown if k in self.params[i]):
            _curve(self.histories[i], curve)
            for i in chosen
        }  # fmt: skip
        return plot_curves(curves, curve, ax, log_y=log_y)

    def _where(self, where: Any) -> list[int]:
        """The models ``where`` selects (see :meth:`plot_histories`), in grid order."""
        if where is None:
            return list(range(len(self)))
        if callable(where):
            chosen = [i for i, p in enumerate(self.params) if where(dict(p))]
        elif isinstance(where, Mapping):
            for key in where:
                if key not in self.grid:
                    raise ValueError(f"where: {key!r} is not a grid key; expected one of "
                                     f"{list(self.grid)}")  # fmt: skip
            wanted = {
                k: v if isinstance(v, (list, tuple)) and k not in _SEQUENCE_KEYS else [v]
                for k, v in where.items()
            }
            chosen = [
                i for i, p in enumerate(self.params)
                if all(any(_same(p.get(k), v) for v in values) for k, values in wanted.items())
            ]  # fmt: skip
        else:
            raise TypeError(f"where must be a dict of grid values or a function, got {where!r:.80}")
        if not chosen:
            raise ValueError(f"where={where!r:.80} selects no model of the study")
        return chosen

    # ----------------------------------------------------------------- helpers
    def _curve_names(self) -> list[str]:
        names = ["train_loss"]
        if any(h.val_loss for h in self.histories):
            names.append("val_loss")
        for h in self.histories:  # a curve named like a grid key would hide its column
            names += [k for k in h.metrics if k not in names and k not in self.grid]
        return names

    def _model_epoch(self, history: History) -> int | None:
        """The epoch whose weights the returned network holds (see :meth:`table`)."""
        if history.epochs_run == 0:
            return None
        restored = self.early_stopping is not None and history.stop_reason in (
            "completed",
            "early_stopping",
            "callback",
        )
        return history.best_epoch if restored else history.epochs_run - 1

    def _column(self, name: str) -> np.ndarray:
        """The numeric result ``name`` of every model (NaN where a model has none)."""
        if not isinstance(name, str):
            raise TypeError(f"the result must be a column name (a str), got {name!r:.80}")
        rows = self.table()
        numeric = [k for k in (rows[0] if rows else []) if k not in self.grid]
        numeric = [k for k in numeric if _numeric_column(rows, k)]
        if name not in numeric:
            what = (
                f"{name!r} is not a numeric result"
                if rows and name in rows[0]
                else (f"unknown result {name!r}")
            )
            raise ValueError(f"{what}; expected one of {numeric}")
        return np.array(
            [r[name] if isinstance(r[name], numbers.Real) else math.nan for r in rows], dtype=float
        )


def _numeric_column(rows: list[dict[str, Any]], key: str) -> bool:
    """Whether every row's ``key`` is a number (or None: a model without epochs)."""
    return all(isinstance(r[key], numbers.Real) or r[key] is None for r in rows)


def _python(value: Any) -> Any:
    """A NumPy number as the Python number it holds; anything else as it is."""
    return value.item() if isinstance(value, np.generic) else value


def _cell(value: Any) -> str:
    """A table cell: numbers to 4 significant digits, anything else as ``str``."""
    if isinstance(value, numbers.Real) and not isinstance(value, bool):
        return f"{value:.4g}"
    return _label(value) if value is not None else ""


def _grid_of(params: list[dict[str, Any]]) -> dict[str, list[Any]]:
    """Each key's distinct values, in order of appearance."""
    grid: dict[str, list[Any]] = {}
    for p in params:
        for key, value in p.items():
            seen = grid.setdefault(key, [])
            if not any(_same(value, v) for v in seen):
                seen.append(value)
    return grid


def _curve(history: History, name: str) -> list[float]:
    if name in ("train_loss", "val_loss"):
        return list(getattr(history, name))
    return list(history.metrics.get(name, []))


def _same(a: Any, b: Any) -> bool:
    """Equality of grid values, which may be lists or arrays."""
    if a is b:
        return True
    try:
        return bool(np.array_equal(np.asarray(a, dtype=object), np.asarray(b, dtype=object)))
    except (TypeError, ValueError):
        return False


def _numeric(values: Sequence[Any]) -> bool:
    return all(isinstance(v, numbers.Real) and not isinstance(v, bool) for v in values)


def _is_log(values: Sequence[Any]) -> bool:
    """A numeric axis whose positive values (>= 2 of them) span a factor of 100 or more."""
    if not _numeric(values) or any(v < 0 for v in values):
        return False
    positive = [float(v) for v in values if v > 0]
    return len(positive) >= 2 and max(positive) >= 100 * min(positive)


def _axis_values(values: Sequence[Any]) -> list[float]:
    return (
        [float(v) for v in values] if _numeric(values) else [float(i) for i in range(len(values))]
    )


def _label(value: Any) -> str:
    if isinstance(value, (list, tuple)):
        return "-".join(_label(v) for v in value)
    name = getattr(value, "name", None)
    if isinstance(name, str):
        return name
    if isinstance(value, str):
        return value
    return type(value).__name__ if hasattr(value, "step") else repr(value)
