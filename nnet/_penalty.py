r"""The L1/L2 penalty of a network's parameters: its value and its gradient.

.. math:: P = \lambda_2 \sum p^2 + \lambda_1 \sum |p|

over every weight matrix, and every bias vector too with ``regularize_bias``. The value
comes twice: written with :mod:`autograd.numpy` (for :meth:`NeuralNetwork.autograd_gradient`)
and in plain NumPy for the training loop, where it is paid at every step.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import autograd.numpy as anp
import numpy as np

__all__ = ["on", "penalized", "penalty", "penalty_gradient", "penalty_value"]


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


def penalty_value(vector: np.ndarray, mask: np.ndarray | None, l1: Any, l2: Any) -> Any:
    """:math:`P` in plain NumPy, from the flat parameter vector (see :mod:`nnet._flat`).

    ``mask`` is 1 on the penalized entries (the weights) and 0 elsewhere, or None
    when every entry is penalized. For a stack, ``vector`` is (K, n_params) and
    ``l1``, ``l2`` are numbers or (K,) arrays; the value is then one per model.
    """
    total: Any = 0.0
    if on(l2):
        squares = vector * vector
        total = total + l2 * (squares @ mask if mask is not None else squares.sum(axis=-1))
    if on(l1):
        absolute = np.abs(vector)
        total = total + l1 * (absolute @ mask if mask is not None else absolute.sum(axis=-1))
    return total


def on(coefficient: Any) -> bool:
    """Whether a penalty coefficient (a number, or an array of per-model values) is in use."""
    return isinstance(coefficient, np.ndarray) or bool(coefficient)


def penalty_gradient(
    vector: np.ndarray,
    grad: np.ndarray,
    mask: np.ndarray | None,
    l1: Any,
    l2: Any,
    scale: Any = 1.0,
) -> None:
    r"""Add ``scale`` times :math:`\partial P/\partial p` to the flat ``grad``, in place.

    For a stack, ``l1``, ``l2`` and ``scale`` may be numbers or (K, 1) columns.
    """
    if on(l2):
        step = vector * (2.0 * l2 * scale)
        if mask is not None:
            step *= mask
        grad += step
    if on(l1):
        step = np.sign(vector)
        step *= l1 * scale
        if mask is not None:
            step *= mask
        grad += step
