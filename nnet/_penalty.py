r"""The L1/L2 penalty of a network's parameters: its value and its gradient.

.. math:: P = \lambda_2 \sum p^2 + \lambda_1 \sum |p|

over every weight matrix, and every bias vector too with ``regularize_bias``. The value
comes twice: written with :mod:`autograd.numpy` (for :meth:`NeuralNetwork.autograd_gradient`)
and in plain NumPy for the training loop, where it is paid at every step.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

import autograd.numpy as anp
import numpy as np

from nnet._kernels import rows_dot

if TYPE_CHECKING:
    from nnet._flat import Layout

__all__ = ["StepPenalty", "on", "penalized", "penalty", "step_penalty"]


def penalized(pairs: Sequence[Any], regularize_bias: bool) -> list[Any]:
    """The arrays of ``[(W, b), ...]`` the penalty applies to: each W, and each b if asked."""
    return [p for W, b in pairs for p in ((W, b) if regularize_bias else (W,))]


def penalty(layers: Sequence[Any], l1: float, l2: float, regularize_bias: bool) -> Any:
    """:math:`P` of ``layers`` (possibly autograd boxes), differentiable by autograd."""
    total = 0.0
    for p in penalized(layers, regularize_bias):
        if l2:
            total = total + l2 * anp.sum(p**2)
        if l1:
            total = total + l1 * anp.sum(anp.abs(p))
    return total


def on(coefficient: Any) -> bool:
    """Whether a penalty coefficient (a number, or an array of per-model values) is in use."""
    return isinstance(coefficient, np.ndarray) or bool(coefficient)


class StepPenalty:
    r"""The penalty's value and scaled gradient at each training step, into one reused buffer.

    With the weight mask :math:`m` laid out once per parameter (and per model in a
    stack) as the coefficients :math:`c_2 = 2\lambda_2 m` and :math:`c_1 = \lambda_1 m`,

    .. math:: \nabla P = c_2 \odot p + c_1 \odot \operatorname{sign}(p), \qquad
              P = \tfrac12 \langle c_2 \odot p,\ p\rangle
              + \langle c_1 \odot \operatorname{sign}(p),\ p\rangle

    (as :math:`\operatorname{sign}(p)\,p = |p|`): for L2, one product gives the
    gradient, one dot product per model the value, and nothing is allocated. A stack's
    parameters are large (K models), and a new temporary of that size per step costs
    more than the arithmetic (fresh pages from the operating system).

    Parameters
    ----------
    vector_shape : tuple of int
        ``(n_params,)``, or ``(K, n_params)`` for a stack.
    mask : ndarray of shape (n_params,) or None
        1 on the penalized entries, 0 elsewhere; None: every entry.
    l1, l2 : float or ndarray of shape (K,)
        The coefficients, one per model for a stack.
    dtype : numpy dtype
        The parameters' dtype.
    """

    def __init__(
        self, vector_shape: tuple[int, ...], mask: np.ndarray | None, l1: Any, l2: Any, dtype: Any
    ) -> None:
        self._c2 = _laid_out(2.0 * np.asarray(l2), vector_shape, mask, dtype) if on(l2) else None
        self._c1 = _laid_out(np.asarray(l1), vector_shape, mask, dtype) if on(l1) else None
        self._buffer = np.empty(vector_shape, dtype)

    def value(self, vector: np.ndarray) -> Any:
        """:math:`P` at ``vector``: a float, or one value per model."""
        return sum((part for _, part in self._terms(vector)), 0.0)

    def add_gradient(self, vector: np.ndarray, grad: np.ndarray, factor: float = 1.0) -> Any:
        r"""Add ``factor`` :math:`\nabla P` to ``grad``; return ``factor`` :math:`P`
        (a float, or one per model)."""
        value: Any = 0.0
        for term, part in self._terms(vector):
            if factor != 1.0:  # sample weights (see Backprop.loss_and_gradient)
                term *= factor
                part = part * factor
            value = value + part
            grad += term
        return value

    def _terms(self, vector: np.ndarray) -> Iterator[tuple[np.ndarray, Any]]:
        """Each penalty's gradient (in the one buffer, valid until the next) and value."""
        for coefficient, signs in ((self._c2, False), (self._c1, True)):
            if coefficient is None:
                continue
            if signs:
                np.sign(vector, out=self._buffer)
            else:  # a copy and an in-place product cost less than a product into a third array
                np.copyto(self._buffer, vector)
            term = np.multiply(self._buffer, coefficient, out=self._buffer)
            yield term, (1.0 if signs else 0.5) * _rows_dot(term, vector)


def step_penalty(layout: Layout, l1: Any, l2: Any, regularize_bias: bool) -> StepPenalty | None:
    """The :class:`StepPenalty` of parameters in ``layout``, or None without ``l1`` and ``l2``."""
    if not (on(l1) or on(l2)):
        return None
    mask = None if regularize_bias else layout.weight_mask()
    return StepPenalty(layout.shape, mask, l1, l2, layout.dtype)


def _laid_out(
    coefficient: np.ndarray, shape: tuple[int, ...], mask: np.ndarray | None, dtype: Any
) -> np.ndarray:
    """``coefficient`` (a number, or one per model) times ``mask``, as an array of ``shape``."""
    per_model = coefficient.reshape(-1, 1) if len(shape) == 2 else coefficient
    values = per_model * (1.0 if mask is None else mask)
    return np.ascontiguousarray(np.broadcast_to(values, shape), dtype)


def _rows_dot(x: np.ndarray, y: np.ndarray) -> Any:
    r""":math:`\langle x, y\rangle`: a float for vectors, one per row for (K, n) arrays."""
    if x.ndim == 1:
        return float(np.dot(x, y))
    return rows_dot(x, y)
