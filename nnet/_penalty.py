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

from nnet import _kernels

__all__ = ["penalized", "penalty", "penalty_gradient", "penalty_value"]


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


def penalty_value(layers: Sequence[Any], l1: Any, l2: Any, regularize_bias: bool) -> Any:
    """:math:`P` in plain NumPy, a dot product per array (no squared copy).

    A float, or one value per model for a stack (each W of shape (K, n_in, n_out));
    ``l1`` and ``l2`` are numbers or hold one value per model, shape (K,).
    """
    total: Any = 0.0
    for p in penalized(layers, regularize_bias):
        if _on(l2):
            total = total + l2 * _kernels.model_dot(p, p)
        if _on(l1):
            total = total + l1 * _kernels.model_sum(np.abs(p))
    return total


def _on(coefficient: Any) -> bool:
    """Whether a penalty coefficient (a number, or an array of per-model values) is in use."""
    return isinstance(coefficient, np.ndarray) or bool(coefficient)


def penalty_gradient(
    layers: Sequence[Any],
    grads: Sequence[Any],
    l1: Any,
    l2: Any,
    regularize_bias: bool,
    scale: Any = 1.0,
) -> None:
    r"""Add ``scale`` times :math:`\partial P/\partial p` to each array of ``grads``, in place.

    For a stack, ``l1``, ``l2`` and ``scale`` may be numbers or (K, 1, 1) arrays.
    """
    for p, dp in zip(
        penalized(layers, regularize_bias), penalized(grads, regularize_bias), strict=True
    ):
        if _on(l2):
            dp += (2.0 * l2 * scale) * p
        if _on(l1):
            dp += (l1 * scale) * np.sign(p)
