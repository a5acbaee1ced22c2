r"""Metrics reported per epoch by :func:`nnet.training.train`, and their registry.

A metric is a callable ``metric(Y_true, Y_pred) -> float`` on arrays of shape
(n_samples, n_outputs) (a 1-D array is one column). The built-in ones delegate
to :mod:`sklearn.metrics`, so their numbers are scikit-learn's:

======== ===================================== ==========================================
name     computes                              from
======== ===================================== ==========================================
accuracy fraction of samples classified right  :func:`sklearn.metrics.accuracy_score`
mse      mean squared error, all outputs       :func:`sklearn.metrics.mean_squared_error`
r2       coefficient of determination          :func:`sklearn.metrics.r2_score`
======== ===================================== ==========================================

Classes for ``accuracy`` are read off the outputs: the ``argmax`` of each row
for several columns (softmax, one-hot targets), ``value > 0.5`` for a single
column (sigmoid, 0/1 targets), as scikit-learn's ``MLPClassifier`` does.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

__all__ = ["METRICS", "Metric", "accuracy", "get_metric", "labels", "mse", "r2"]

Metric = Callable[[np.ndarray, np.ndarray], float]
"""``metric(Y_true, Y_pred) -> float`` on targets and network outputs, (n_samples, n_outputs)."""


def labels(Y: Any) -> np.ndarray:
    """Return class labels from outputs or targets: row ``argmax``, or ``> 0.5`` for one column.

    Examples
    --------
    >>> labels(np.array([[0.1, 0.7, 0.2], [0.6, 0.3, 0.1]]))
    array([1, 0])
    >>> labels(np.array([[0.2], [0.9], [0.5]]))
    array([0, 1, 0])
    """
    Y = np.asarray(Y)
    if Y.ndim == 1 or Y.shape[1] == 1:
        return (Y.reshape(-1) > 0.5).astype(np.intp)
    return np.argmax(Y, axis=1)


def accuracy(Y_true: Any, Y_pred: Any) -> float:
    """Fraction of samples whose predicted class (see :func:`labels`) is the target's.

    Examples
    --------
    >>> accuracy(np.eye(3), np.array([[0.8, 0.1, 0.1], [0.2, 0.7, 0.1], [0.6, 0.3, 0.1]]))
    0.6666666666666666
    """
    from sklearn.metrics import accuracy_score  # imported on use: it is slow to import

    return float(accuracy_score(labels(Y_true), labels(Y_pred)))


def mse(Y_true: Any, Y_pred: Any) -> float:
    """Mean squared error over all samples and outputs.

    Examples
    --------
    >>> mse(np.array([[0.0], [1.0]]), np.array([[1.0], [3.0]]))
    2.5
    """
    from sklearn.metrics import mean_squared_error

    return float(mean_squared_error(Y_true, Y_pred))


def r2(Y_true: Any, Y_pred: Any) -> float:
    r"""Coefficient of determination :math:`R^2`, averaged uniformly over outputs.

    Examples
    --------
    >>> r2(np.array([1.0, 2.0, 3.0]), np.array([1.0, 2.0, 4.0]))
    0.5
    """
    from sklearn.metrics import r2_score

    return float(r2_score(Y_true, Y_pred))


METRICS: dict[str, Metric] = {"accuracy": accuracy, "mse": mse, "r2": r2}
"""Name → metric function, for :func:`get_metric` and ``train(metrics=[...])``."""


def get_metric(spec: Any, argname: str = "metrics") -> tuple[str, Metric]:
    """Return ``(name, function)`` for a name in :data:`METRICS` or a callable.

    A callable is named by its ``__name__`` (its class name if it has none).

    Examples
    --------
    >>> get_metric("r2")[0]
    'r2'
    >>> def mae(y, p):
    ...     return float(np.mean(np.abs(y - p)))
    >>> get_metric(mae)[0]
    'mae'
    """
    if isinstance(spec, str):
        if spec not in METRICS:
            raise ValueError(
                f"{argname}: unknown metric {spec!r}; expected one of {sorted(METRICS)}"
            )
        return spec, METRICS[spec]
    if callable(spec):
        return str(getattr(spec, "__name__", type(spec).__name__)), spec
    raise TypeError(
        f"{argname} must hold metric names from {sorted(METRICS)} or callables "
        f"metric(Y_true, Y_pred) -> float, got {spec!r}"
    )
