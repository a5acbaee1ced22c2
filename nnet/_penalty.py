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


def penalty_value(layers: Sequence[Any], l1: float, l2: float, regularize_bias: bool) -> float:
    """:math:`P` as a float, in plain NumPy: a dot product per array, no squared copy."""
    total = 0.0
    for p in penalized(layers, regularize_bias):
        flat = p.ravel()
        if l2:
            total += l2 * float(np.vdot(flat, flat))
        if l1:
            total += l1 * float(np.abs(flat).sum())
    return total


def penalty_gradient(
    layers: Sequence[Any],
    grads: Sequence[Any],
    l1: float,
    l2: float,
    regularize_bias: bool,
    scale: float = 1.0,
) -> None:
    """Add ``scale`` times :math:`\\partial P/\\partial p` to each array of ``grads``, in place."""
    for p, dp in zip(
        penalized(layers, regularize_bias), penalized(grads, regularize_bias), strict=True
    ):
        if l2:
            dp += (2.0 * l2 * scale) * p
        if l1:
            dp += (l1 * scale) * np.sign(p)
