"""Plain-NumPy reductions shared by the hot-path twins of the built-in activations and costs.

Each built-in keeps its own in-place kernels beside its reference function (in
``nnet/activations/_builtins.py`` and ``nnet/costs/_builtins.py``); what they share lives
here: sums and maxima along the last axis (the few classes of a softmax), and sums per
model of a stack of outputs ``(K, n, m)`` (see :mod:`nnet._flat`).
"""

from __future__ import annotations

import functools
from typing import Any

import numpy as np


@functools.cache
def _ones_column(n: int, dtype: np.dtype) -> np.ndarray:
    return np.ones((n, 1), dtype)


def row_sums(x: np.ndarray) -> np.ndarray:
    """``x.sum(axis=-1, keepdims=True)`` as a matrix product with ones: reductions over a
    short last axis (a few classes) run row by row and cost several times more."""
    return x @ _ones_column(x.shape[-1], x.dtype)


def row_maxima(x: np.ndarray) -> np.ndarray:
    """``x.max(axis=-1, keepdims=True)``; for many rows of a few columns, a pairwise
    maximum of columns.

    A reduction over a short last axis costs ~35 ns per row; the pairwise maximum
    ~1 us per column plus ~1 ns per row and column, so it wins from about 25 rows per
    column (a stack's (K, n, classes) outputs), up to several times.
    """
    columns = x.shape[-1]
    if columns > 32 or x.size < 25 * columns * columns:  # few rows: the reduction
        return np.maximum.reduce(x, axis=-1, keepdims=True)
    out = x[..., :1].copy()
    for column in range(1, x.shape[-1]):
        np.maximum(out, x[..., column : column + 1], out=out)
    return out


def model_sum(x: np.ndarray) -> Any:
    """The sum of ``x`` per model: a float for 2-D ``x``, one per model for a stack (K, n, m).

    A stack's sums are a matrix product with ones: reducing many short rows costs
    about twice as much.
    """
    if x.ndim == 2:
        return float(np.add.reduce(x.ravel()))
    rows = x.reshape(len(x), -1)
    return rows @ _ones_column(rows.shape[1], x.dtype)[:, 0]


def model_dot(x: np.ndarray, y: np.ndarray) -> Any:
    r""":math:`\sum x y` per model: a float for 2-D arrays, one per model for a stack."""
    if x.ndim == 2 and y.ndim == 2:
        return float(np.vdot(x, y))
    # As matrix products (BLAS dot products), about twice as fast as einsum.
    if y.ndim == 2:  # a target shared by every model
        return x.reshape(len(x), -1) @ y.ravel()
    if x.ndim == 2:
        return y.reshape(len(y), -1) @ x.ravel()
    return rows_dot(x.reshape(len(x), -1), y.reshape(len(y), -1))


def rows_dot(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    r""":math:`\langle x_k, y_k\rangle` for each row ``k`` of two (K, n) arrays: K dot
    products in one batched matrix product (``np.vecdot`` from NumPy 2 on)."""
    return np.matmul(x[:, None, :], y[:, :, None])[:, 0, 0]
