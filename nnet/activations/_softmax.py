r"""Softmax, the one built-in activation that is not elementwise: the maths in one place.

It has a vector-Jacobian product (:func:`softmax_vjp`) instead of a derivative; its
hot-path twins and registry record sit beside it, as each elementwise activation's do in
``activations/_builtins.py``.
"""

from __future__ import annotations

from typing import Any

import autograd.numpy as anp
import numpy as np

from nnet._kernels import row_maxima, row_sums
from nnet.activations._activation import library_activation

# --- softmax ------------------------------------------------------------------------------------


def softmax(z: Any) -> Any:
    r"""Row-wise softmax; each row is shifted by its maximum, so ``exp`` cannot overflow.

    .. math:: \operatorname{softmax}(z)_{ij} = \frac{e^{z_{ij} - m_i}}{\sum_k e^{z_{ik} - m_i}},
              \qquad m_i = \max_k z_{ik}

    Parameters
    ----------
    z : ndarray of shape (n_samples, n_classes)

    Returns
    -------
    ndarray of shape (n_samples, n_classes)
        Rows of non-negative numbers summing to 1.

    Examples
    --------
    >>> softmax(np.array([[0.0, 0.0], [1000.0, 0.0]]))
    array([[0.5, 0.5],
           [1. , 0. ]])
    """
    with np.errstate(over="ignore"):  # z - max(z) may be -inf (|z| ~ 1e308): exp gives 0
        e = anp.exp(z - anp.max(z, axis=-1, keepdims=True))
    return e / anp.sum(e, axis=-1, keepdims=True)


def softmax_vjp(z: Any, a: Any, grad_a: Any) -> Any:
    r"""Backpropagate through :func:`softmax`: the vector-Jacobian product, row by row.

    With :math:`a = \operatorname{softmax}(z)` and :math:`g = \partial C/\partial a`,

    .. math:: \frac{\partial C}{\partial z_{ij}} = a_{ij}\Big(g_{ij} - \sum_k g_{ik} a_{ik}\Big).

    This is exact for any cost; with cross-entropy it simplifies to
    :math:`a - t` (the fused delta used by :mod:`nnet.costs`).

    Parameters
    ----------
    z : array_like of shape (n_samples, n_classes) or None
        The pre-activations (unused: the rule needs only ``a``).
    a : ndarray of shape (n_samples, n_classes)
        The softmax output, ``softmax(z)``.
    grad_a : ndarray of shape (n_samples, n_classes)
        :math:`\partial C/\partial a`.

    Returns
    -------
    ndarray of shape (n_samples, n_classes)
        :math:`\partial C/\partial z`.

    Examples
    --------
    >>> a = softmax(np.array([[0.0, 0.0]]))
    >>> softmax_vjp(None, a, np.array([[1.0, 1.0]]))  # a constant shift has no effect
    array([[0., 0.]])
    """
    return a * (grad_a - np.sum(grad_a * a, axis=-1, keepdims=True))


def _softmax_forward(z: np.ndarray) -> np.ndarray:
    z -= row_maxima(z)
    np.exp(z, out=z)
    z /= row_sums(z)
    return z


def _softmax_backward(a: np.ndarray, grad: np.ndarray) -> np.ndarray:
    grad -= row_sums(grad * a)  # row-wise <g, a>
    grad *= a
    return grad


SOFTMAX = library_activation(
    "softmax", softmax, None, _softmax_forward, _softmax_backward, softmax_vjp
)
