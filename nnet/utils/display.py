"""How networks and histories show themselves: a network's ``repr`` and :meth:`summary
<nnet.NeuralNetwork.summary>` (the :class:`NetworkDisplay` mixin), and the notebook
displays (``_repr_html_``) of both, in plain HTML and SVG.

Nothing here needs matplotlib: a history's curve is a small inline SVG polyline.
"""

from __future__ import annotations

import html
import math
from typing import TYPE_CHECKING, cast

if TYPE_CHECKING:
    from nnet.callbacks import History
    from nnet.network import NeuralNetwork

_CURVE_COLOURS = {"train_loss": "#1f77b4", "val_loss": "#ff7f0e"}


def _table(header: list[str], rows: list[list[str]], caption: str) -> str:
    head = "".join(f"<th>{html.escape(cell)}</th>" for cell in header)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(cell)}</td>" for cell in row) + "</tr>" for row in rows
    )
    return (
        f"<table><caption>{html.escape(caption)}</caption>"
        f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
    )


def _network_rows(net: NeuralNetwork, arrow: str) -> tuple[str, list[list[str]], str]:
    """The summary's title, one row per layer, and its footer (which names the kernel set the
    network's training would use now: see :mod:`nnet.kernels`)."""
    sizes = f" {arrow} ".join(str(s) for s in (net.network_input_size, *net.layer_output_sizes))
    rows = [
        [str(i), str(W.shape), str(b.shape), act.name, str(W.size + b.size)]
        for i, ((W, b), act) in enumerate(zip(net.layers, net.activation_funcs), start=1)
    ]
    title = f"NeuralNetwork: {sizes}, cost={net.cost_fun.name}, dtype={net.dtype.name}"
    kernels = net._kernel_set()  # the network's (its module sits above nnet.kernels)
    footer = f"total parameters: {net.n_params} (l1={net.l1}, l2={net.l2}), kernels={kernels}"
    return title, rows, footer


_HEADER = ["layer", "W shape", "b shape", "activation", "params"]


class NetworkDisplay:
    """How a network shows itself: its ``repr``, :meth:`summary` and notebook table.

    Mixed into :class:`~nnet.NeuralNetwork`; it reads only the network's attributes.
    """

    def __repr__(self) -> str:
        net = cast("NeuralNetwork", self)
        acts = [a.name for a in net.activation_funcs]
        extras = "".join(f", {k}={v!r}" for k, v in (("l1", net.l1), ("l2", net.l2)) if v)
        return (
            f"NeuralNetwork(network_input_size={net.network_input_size}, "
            f"layer_output_sizes={list(net.layer_output_sizes)}, activation_funcs={acts}, "
            f"cost_fun={net.cost_fun.name!r}{extras}, dtype={net.dtype.name!r})"
        )

    def summary(self) -> str:
        """Return a table of the layers: shapes, activation and parameter counts.

        Returns
        -------
        str
            The table, one line per layer; the last line gives the number of parameters,
            the penalties and the kernel set its training would run now (``kernels=numpy``
            or ``kernels=numba``: see :mod:`nnet.kernels`).

        Examples
        --------
        >>> from nnet import NeuralNetwork
        >>> net = NeuralNetwork(4, [8, 3], ["sigmoid", "softmax"], cost_fun="cross_entropy")
        >>> print(net.summary())
        NeuralNetwork: 4 -> 8 -> 3, cost=cross_entropy, dtype=float64
        layer  W shape  b shape  activation  params
        1      (4, 8)   (8,)     sigmoid         40
        2      (8, 3)   (3,)     softmax         27
        total parameters: 67 (l1=0.0, l2=0.0), kernels=numpy
        """
        title, rows, footer = _network_rows(cast("NeuralNetwork", self), "->")
        rows = [_HEADER, *rows]
        widths = [max(len(row[c]) for row in rows) for c in range(5)]
        lines = [
            "  ".join(cell.ljust(w) for cell, w in zip(row[:4], widths))
            + "  "
            + row[4].rjust(widths[4])
            for row in rows
        ]
        return "\n".join([title, *lines, footer])

    def _repr_html_(self) -> str:
        """The :meth:`summary` as an HTML table, for notebooks."""
        caption, rows, footer = _network_rows(cast("NeuralNetwork", self), "→")
        table = _table(_HEADER, rows, caption)
        return f"<div class='nnet-network'>{table}<p>{html.escape(footer)}</p></div>"


def _polyline(values: list[float], low: float, high: float, width: int, height: int) -> str:
    """SVG points of ``values`` scaled into a ``width`` x ``height`` box (y grows downwards)."""
    span = (high - low) or 1.0
    step = width / max(len(values) - 1, 1)
    return " ".join(
        f"{i * step:.1f},{height - (v - low) / span * height:.1f}" for i, v in enumerate(values)
    )


def curve_svg(curves: dict[str, list[float]], width: int = 240, height: int = 80) -> str:
    """A small SVG of the curves on one linear scale (non-finite values are left out)."""
    finite = {k: [v for v in vs if math.isfinite(v)] for k, vs in curves.items()}
    finite = {k: vs for k, vs in finite.items() if vs}
    if not finite:
        return ""
    low = min(min(vs) for vs in finite.values())
    high = max(max(vs) for vs in finite.values())
    lines = "".join(
        f"<polyline class='{html.escape(name)}' fill='none' stroke-width='1.5' "
        f"stroke='{_CURVE_COLOURS.get(name, '#2ca02c')}' "
        f"points='{_polyline(values, low, high, width, height)}'><title>{html.escape(name)}"
        "</title></polyline>"
        for name, values in finite.items()
    )
    return (
        f"<svg xmlns='http://www.w3.org/2000/svg' width='{width}' height='{height}' "
        f"viewBox='-2 -2 {width + 4} {height + 4}' role='img'>{lines}</svg>"
    )


def history_html(history: History) -> str:
    """The final numbers of a history, and a small SVG of its loss curves."""
    rows = [["epochs run", str(history.epochs_run)], ["stop reason", str(history.stop_reason)]]
    if history.best_epoch is not None:
        restored = " (weights restored)" if history.restored_best else ""
        rows.append(["best epoch", f"{history.best_epoch}{restored}"])
    curves = {"train_loss": history.train_loss, "val_loss": history.val_loss, **history.metrics}
    rows += [[f"final {name}", f"{values[-1]:.4g}"] for name, values in curves.items() if values]
    if history.epoch_time:
        rows.append(["seconds per epoch", f"{sum(history.epoch_time) / history.epochs_run:.3g}"])
    table = _table(["", "value"], rows, "History")
    losses = {k: v for k, v in curves.items() if k in _CURVE_COLOURS and v}
    return f"<div class='nnet-history'>{table}{curve_svg(losses)}</div>"
