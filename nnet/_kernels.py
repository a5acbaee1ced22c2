"""Plain-NumPy fast paths of the library's activations and costs, for the training hot path.

The public functions in :mod:`nnet.activations` and :mod:`nnet.costs` are written with
``autograd.numpy`` so that autograd can differentiate them; each call pays autograd's
dispatch. The network's own forward and backward passes use these equivalents instead:

* ``*_forward(z)`` computes the activation **in place** in ``z`` (a fresh ``a @ W + b``
  that nothing else holds) and returns it;
* ``*_backward(a, grad)`` returns :math:`\\partial C/\\partial z` from the layer's *output*
  ``a`` and :math:`\\partial C/\\partial a`, overwriting ``grad``. Needing only ``a``, the
  network need not keep ``z``: one array per layer instead of two;
* ``*_loss(pred, target)`` is the cost as a float (one per model for a stack of
  outputs ``(K, n, m)``, see :mod:`nnet._flat`).

Each is tested equal to its public twin over the registries (tests/test_kernels.py).
"""

from __future__ import annotations

import functools
from typing import Any

import numpy as np
from scipy.special import expit


@functools.cache
def _limits(dtype: np.dtype) -> tuple[float, float]:
    """(eps, tiny) of a float dtype; np.finfo costs a microsecond per call, this a lookup."""
    info = np.finfo(dtype)
    return float(info.eps), float(info.tiny)


def sigmoid_forward(z: np.ndarray) -> np.ndarray:
    return expit(z, out=z)  # one ufunc call (scikit-learn's too), never overflows


def sigmoid_backward(a: np.ndarray, grad: np.ndarray) -> np.ndarray:
    grad *= a
    grad *= 1.0 - a  # sigma' = a (1 - a)
    return grad


def tanh_forward(z: np.ndarray) -> np.ndarray:
    return np.tanh(z, out=z)


def tanh_backward(a: np.ndarray, grad: np.ndarray) -> np.ndarray:
    grad *= 1.0 - a * a  # tanh' = 1 - a^2
    return grad


def relu_forward(z: np.ndarray) -> np.ndarray:
    return np.maximum(z, 0.0, out=z)


def relu_backward(a: np.ndarray, grad: np.ndarray) -> np.ndarray:
    grad *= a > 0  # a > 0 exactly where z > 0
    return grad


def leaky_relu_forward(z: np.ndarray, alpha: float = 0.01) -> np.ndarray:
    if alpha <= 1.0:  # then max(z, alpha z) is z for z > 0 and alpha z for z <= 0
        return np.maximum(z, alpha * z, out=z)  # ~10x faster than a masked multiply
    return np.multiply(z, alpha, out=z, where=z <= 0)


def leaky_relu_backward(a: np.ndarray, grad: np.ndarray, alpha: float = 0.01) -> np.ndarray:
    # With alpha >= 0, a <= 0 exactly where z <= 0.
    one, slope = a.dtype.type(1.0), a.dtype.type(alpha)  # a float32 net stays float32
    grad *= np.where(a > 0, one, slope)  # ~3x faster than multiply(..., where=a <= 0)
    return grad


def elu_forward(z: np.ndarray, alpha: float = 1.0) -> np.ndarray:
    # max(z, 0) + alpha expm1(min(z, 0)): one term is exactly 0 on either side of 0, and
    # expm1 never sees a large z (no overflow); no masked ufunc (those are ~10x slower).
    negative_part = np.minimum(z, 0.0)
    np.expm1(negative_part, out=negative_part)
    negative_part *= alpha
    np.maximum(z, 0.0, out=z)
    z += negative_part
    return z


def elu_backward(a: np.ndarray, grad: np.ndarray, alpha: float = 1.0) -> np.ndarray:
    # For z <= 0: f'(z) = alpha e^z = a + alpha (absolute error <= eps * alpha), and a <= 0
    # exactly there (alpha >= 0).
    grad *= np.where(a > 0, 1.0, a + alpha)
    return grad


def identity_forward(z: np.ndarray) -> np.ndarray:
    return z


def identity_backward(a: np.ndarray, grad: np.ndarray) -> np.ndarray:
    return grad


@functools.cache
def _ones_column(n: int, dtype: np.dtype) -> np.ndarray:
    return np.ones((n, 1), dtype)


def row_sums(x: np.ndarray) -> np.ndarray:
    """``x.sum(axis=-1, keepdims=True)`` as a matrix product with ones: reductions over a
    short last axis (a few classes) run row by row and cost several times more."""
    return x @ _ones_column(x.shape[-1], x.dtype)


def row_maxima(x: np.ndarray) -> np.ndarray:
    """``x.max(axis=-1, keepdims=True)``; for a few columns, a pairwise maximum of columns
    (several times faster than a reduction over a short last axis)."""
    if x.shape[-1] > 8 or x.size < 512:  # few rows: the reduction is the faster
        return np.maximum.reduce(x, axis=-1, keepdims=True)
    out = x[..., :1].copy()
    for column in range(1, x.shape[-1]):
        np.maximum(out, x[..., column : column + 1], out=out)
    return out


def softmax_forward(z: np.ndarray) -> np.ndarray:
    z -= row_maxima(z)
    np.exp(z, out=z)
    z /= row_sums(z)
    return z


def softmax_backward(a: np.ndarray, grad: np.ndarray) -> np.ndarray:
    grad -= row_sums(grad * a)  # row-wise <g, a>
    grad *= a
    return grad


def model_sum(x: np.ndarray) -> Any:
    """The sum of ``x`` per model: a float for 2-D ``x``, one per model for a stack (K, n, m)."""
    if x.ndim == 2:
        return float(np.add.reduce(x.ravel()))
    return np.add.reduce(x.reshape(len(x), -1), axis=1)


def model_dot(x: np.ndarray, y: np.ndarray) -> Any:
    r""":math:`\sum x y` per model: a float for 2-D arrays, one per model for a stack."""
    if x.ndim == 2 and y.ndim == 2:
        return float(np.vdot(x, y))
    if y.ndim == 2:  # a target shared by every model
        return np.einsum("kij,ij->k", x, y)
    if x.ndim == 2:
        return np.einsum("ij,kij->k", x, y)
    return np.einsum("kij,kij->k", x, y)


def mse_loss(pred: np.ndarray, target: np.ndarray) -> Any:
    diff = pred - target
    return model_dot(diff, diff) / (diff.shape[-2] * diff.shape[-1])


def binary_cross_entropy_loss(pred: np.ndarray, target: np.ndarray) -> Any:
    eps = _limits(pred.dtype)[0]
    p = np.clip(pred, eps, 1.0 - eps)
    log_p, log_q = np.log(p), np.log1p(-p)
    log_p -= log_q
    log_p *= target
    log_p += log_q
    return -model_sum(log_p) / (pred.shape[-2] * pred.shape[-1])


def cross_entropy_loss(pred: np.ndarray, target: np.ndarray) -> Any:
    tiny = _limits(pred.dtype)[1]
    log_p = np.maximum(pred, tiny)
    np.log(log_p, out=log_p)
    return -model_dot(target, log_p) / pred.shape[-2]


def softmax_cross_entropy_from_logits(z: np.ndarray, target: np.ndarray) -> Any:
    r"""Cross-entropy of ``softmax(z)``, from the logits: :math:`\sum_k t_k (\mathrm{lse}(z) - z_k)`
    per row, averaged over rows; exact where the probabilities underflow (no clipping)."""
    shifted = z - row_maxima(z)
    log_sums = np.log(row_sums(np.exp(shifted)))
    return (model_sum(row_sums(target) * log_sums) - model_dot(target, shifted)) / z.shape[-2]


def sigmoid_binary_cross_entropy_from_logits(z: np.ndarray, target: np.ndarray) -> Any:
    r"""Binary cross-entropy of ``sigmoid(z)``, from the logits: the mean of
    :math:`\log(1 + e^z) - t z`, exact where the probabilities round to 0 or 1."""
    return (model_sum(np.logaddexp(0.0, z)) - model_dot(target, z)) / (z.shape[-2] * z.shape[-1])


def cross_entropy_clips(pred: np.ndarray) -> bool:
    """Whether :func:`cross_entropy_loss` floors a probability of ``pred`` (one <= tiny)."""
    return bool(np.minimum.reduce(pred, axis=None) <= _limits(pred.dtype)[1])


def binary_cross_entropy_clips(pred: np.ndarray) -> bool:
    """Whether :func:`binary_cross_entropy_loss` clips ``pred`` to [eps, 1 - eps]."""
    eps = _limits(pred.dtype)[0]
    return bool(
        np.minimum.reduce(pred, axis=None) < eps or np.maximum.reduce(pred, axis=None) > 1 - eps
    )
