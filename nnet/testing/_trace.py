r"""A backpropagation trace: every intermediate of one backward pass, under the course's names.

For layer :math:`l` with input :math:`a^{l-1}` (``a_in``), the forward pass is
:math:`z^l = a^{l-1}W^l + b^l`, :math:`a^l = f^l(z^l)`, and the backward pass

.. math::

    \frac{\partial C}{\partial a^L} = C'(a^L, t), \qquad
    \frac{\partial C}{\partial a^{l}} = \frac{\partial C}{\partial z^{l+1}} (W^{l+1})^T,

    \frac{\partial C}{\partial z^l} = \frac{\partial C}{\partial a^l} \odot f'(z^l)
    \ \text{(softmax: its vector-Jacobian product)}, \qquad
    \frac{\partial C}{\partial W^l} = (a^{l-1})^T \frac{\partial C}{\partial z^l}, \qquad
    \frac{\partial C}{\partial b^l} = \sum_{\text{rows}} \frac{\partial C}{\partial z^l},

plus the penalty's gradient on ``dC_dW`` (and ``dC_db`` with ``regularize_bias``).
For softmax + cross-entropy and sigmoid + binary cross-entropy outputs, the
output's :math:`\partial C/\partial z^L` is the *fused* delta :math:`(a - t)/n`
(:math:`n` samples; :math:`n K` elements for binary cross-entropy), which is
what the library computes; the trace says so. Everything is computed here by
this chain rule from the network's public pieces (its layers, activation
objects and cost), independently of :meth:`~nnet.NeuralNetwork.compute_gradient`.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from typing import Any

import numpy as np

from nnet.testing import _fd
from nnet.testing._check import check_net

QUANTITIES = ("a_in", "z", "a", "dC_da", "dC_dz", "dC_dW", "dC_db")


@dataclass(frozen=True)
class LayerTrace:
    """One layer's forward and backward quantities (arrays of the network's dtype).

    Parameters
    ----------
    a_in, z, a, dC_da, dC_dz, dC_dW, dC_db, activation, fused
        The attributes below, by keyword (:func:`trace` fills them).

    Attributes
    ----------
    a_in : ndarray of shape (n_samples, n_in)
        The layer's input (``X`` for the first layer).
    z, a, dC_da, dC_dz : ndarray of shape (n_samples, n_out)
    dC_dW : ndarray of shape (n_in, n_out)
    dC_db : ndarray of shape (n_out,)
    activation : str
    fused : str
        How ``dC_dz`` was obtained when not by the activation's derivative ("" otherwise).
    """

    a_in: np.ndarray
    z: np.ndarray
    a: np.ndarray
    dC_da: np.ndarray
    dC_dz: np.ndarray
    dC_dW: np.ndarray
    dC_db: np.ndarray
    activation: str
    fused: str = ""


@dataclass(frozen=True)
class Trace:
    """The result of :func:`trace`: a :class:`LayerTrace` per layer and the cost.

    ``trace[l]`` is layer ``l + 1``; ``str(trace)`` shows shapes and a few numbers
    per quantity, in the course's order; notebooks show it as an HTML table.

    Parameters
    ----------
    layers : tuple of LayerTrace
        One per layer, first to last.
    cost : float
        The cost of the traced batch, penalty included.
    penalty : float
        The L1/L2 penalty part of ``cost``.
    """

    layers: tuple[LayerTrace, ...]
    cost: float
    penalty: float

    def __getitem__(self, index: int) -> LayerTrace:
        return self.layers[index]

    def __len__(self) -> int:
        return len(self.layers)

    def gradients(self) -> list[tuple[np.ndarray, np.ndarray]]:
        """``[(dC_dW, dC_db), ...]``, the structure of ``compute_gradient``.

        Returns
        -------
        list of (ndarray, ndarray)
            ``(dC_dW, dC_db)`` per layer.
        """
        return [(layer.dC_dW, layer.dC_db) for layer in self.layers]

    def _rows(self) -> list[tuple[str, str, str, str]]:
        rows = []
        for number, layer in enumerate(self.layers, start=1):
            for q in QUANTITIES:
                value = getattr(layer, q)
                note = layer.fused if q == "dC_dz" and layer.fused else ""
                rows.append((f"layer {number} ({layer.activation})", q, str(value.shape),
                             _few(value) + (f"   <- {note}" if note else "")))  # fmt: skip
        return rows

    def __str__(self) -> str:
        head = f"cost C = {self.cost:.6g}" + (
            f" (penalty {self.penalty:.6g} included)" if self.penalty else ""
        )
        lines, last = [head], ""
        for where, q, shape, numbers in self._rows():
            if where != last:
                lines.append(where)
                last = where
            lines.append(f"  {q:6} {shape:12} {numbers}")
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        body = "".join(
            "<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in row) + "</tr>"
            for row in self._rows()
        )
        return (
            f"<p>cost C = {self.cost:.6g}</p><table><thead><tr><th>layer</th><th>quantity</th>"
            f"<th>shape</th><th>first numbers</th></tr></thead><tbody>{body}</tbody></table>"
        )


def _few(value: np.ndarray, n: int = 4) -> str:
    flat = value.ravel()
    shown = " ".join(f"{x: .4g}" for x in flat[:n])
    return f"[{shown}{' ...' if flat.size > n else ''}]"


def _output_dz(net: Any, z: np.ndarray, a: np.ndarray, Y: np.ndarray, dC_da: np.ndarray) -> Any:
    """``dC_dz`` of the output layer and how it was obtained."""
    out, cost = net.activation_funcs[-1], net.cost_fun
    pair = (out.name, cost.name) if out.builtin and cost.builtin else None
    if pair == ("softmax", "cross_entropy"):
        # -sum(t log softmax(z))/n differentiates to (a * sum_k t - t)/n: (a - t)/n for one-hot t.
        return (a * Y.sum(axis=1, keepdims=True) - Y) / len(a), "fused: (a - t)/n"
    if pair == ("sigmoid", "binary_cross_entropy"):
        # sigma'(z) = a(1 - a) cancels the denominator of the BCE gradient.
        return (a - Y) / a.size, "fused: (a - t)/(n K)"
    return np.asarray(out.backward(z, a, dC_da)), ""


def _penalty_grad(net: Any, p: np.ndarray) -> Any:
    return 2.0 * net.l2 * p + net.l1 * np.sign(p)


def trace(net: Any, X: Any, Y: Any) -> Trace:
    """Every intermediate of backpropagation through ``net`` for inputs ``X`` and targets ``Y``.

    Parameters
    ----------
    net : NeuralNetwork
    X : array-like of shape (n_samples, network_input_size)
    Y : array-like of shape (n_samples, n_outputs)

    Returns
    -------
    Trace
        ``trace[l].z``, ``trace[l].dC_dW``... for layer ``l + 1``, ``trace.cost``,
        and ``trace.gradients()`` (equal to ``net.compute_gradient(X, Y)``).

    Examples
    --------
    >>> from nnet import NeuralNetwork
    >>> net = NeuralNetwork(2, [3, 2], ["relu", "softmax"], cost_fun="cross_entropy", seed=0)
    >>> t = trace(net, [[1.0, 2.0]], [[0.0, 1.0]])
    >>> t[1].dC_dz.shape, t[1].fused
    ((1, 2), 'fused: (a - t)/n')
    >>> bool(np.allclose(t[0].dC_dW, net.compute_gradient([[1.0, 2.0]], [[0.0, 1.0]])[0][0]))
    True
    """
    check_net(net)
    net.cost(X, Y)  # the network's own checks of X and Y
    X = np.asarray(X, dtype=net.dtype)
    Y = np.asarray(Y, dtype=net.dtype)
    Y = Y.reshape(-1, 1) if Y.ndim == 1 else Y
    params = [(np.asarray(W), np.asarray(b)) for W, b in net.layers]
    inputs, zs, acts = [], [], []
    a = X
    for (W, b), act in zip(params, net.activation_funcs):
        inputs.append(a)
        zs.append(a @ W + b)
        a = np.asarray(act(zs[-1]))
        acts.append(a)
    dC_da = np.asarray(net.cost_fun.der(a, Y))
    dC_dz, fused = _output_dz(net, zs[-1], a, Y, dC_da)
    layers: list[LayerTrace] = []
    for k in reversed(range(len(params))):
        W, b = params[k]
        if k < len(params) - 1:
            dC_da = layers[0].dC_dz @ params[k + 1][0].T
            dC_dz, fused = np.asarray(net.activation_funcs[k].backward(zs[k], acts[k], dC_da)), ""
        dC_dW = inputs[k].T @ dC_dz + _penalty_grad(net, W)
        dC_db = dC_dz.sum(axis=0) + (_penalty_grad(net, b) if net.regularize_bias else 0.0)
        layers.insert(0, LayerTrace(inputs[k], zs[k], acts[k], dC_da, dC_dz, dC_dW, dC_db,
                                    net.activation_funcs[k].name, fused))  # fmt: skip
    penalty = _fd.penalty(net, params)
    return Trace(tuple(layers), float(net.cost_fun(a, Y)) + penalty, penalty)
