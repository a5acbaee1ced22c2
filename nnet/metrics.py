r"""Metrics reported per epoch by :func:`nnet.training.train`, and their registry.

A metric is a callable ``metric(Y_true, Y_pred) -> float`` on arrays of shape
(n_samples, n_outputs). The built-in ones delegate to :mod:`sklearn.metrics`, so
their numbers are scikit-learn's, and they check shapes first: ``Y_true`` and
``Y_pred`` must have the same shape (``accuracy`` also takes integer class labels
of shape (n_samples,) as ``Y_true``), so a 1-D target against a network's
``(n_samples, 1)`` output raises a :class:`ValueError` instead of broadcasting to
an (n_samples, n_samples) table, as ``np.mean((y - net.predict(X)) ** 2)`` does.

======== ===================================== ==========================================
name     computes                              from
======== ===================================== ==========================================
accuracy fraction of samples classified right  :func:`sklearn.metrics.accuracy_score`
mse      mean squared error, all outputs       :func:`sklearn.metrics.mean_squared_error`
r2       coefficient of determination          :func:`sklearn.metrics.r2_score`
======== ===================================== ==========================================

Classes for ``accuracy`` are read off the outputs: the ``argmax`` of each row
for several columns (softmax, one-hot targets), ``value > 0.5`` for a single
column (sigmoid, 0/1 targets), as scikit-learn's ``MLPClassifier`` does; a 1-D
integer array already holds classes.

:func:`evaluate` (or :meth:`nnet.NeuralNetwork.evaluate`) checks the targets
against the network, as training does, and returns the cost and any metrics.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

import numpy as np

from nnet.utils.docstrings import fill_doc
from nnet.utils.types import NetworkLike
from nnet.utils.validation import Registry, check_inputs, check_targets

if TYPE_CHECKING:
    from nnet.network import NeuralNetwork

__all__ = [
    "METRICS",
    "Metric",
    "accuracy",
    "evaluate",
    "get_metric",
    "get_metrics",
    "labels",
    "mse",
    "r2",
    "register_metric",
]

Metric = Callable[[np.ndarray, np.ndarray], float]
"""``metric(Y_true, Y_pred) -> float`` on targets and network outputs, (n_samples, n_outputs)."""

_F = TypeVar("_F", bound=Callable[..., Any])

_SAME_SHAPE = "Targets, the shape of ``Y_pred`` (or 1-D for one output)."


def _metric_doc(y_true: str) -> Callable[[_F], _F]:
    """Fill a metric's ``{parameters}``: ``Y_true`` (described by ``y_true``), ``Y_pred``."""
    return fill_doc(
        parameters="Parameters\n----------\n"
        "Y_true : array_like of shape (n_samples, n_outputs) or (n_samples,)\n"
        f"    {y_true}\n"
        "Y_pred : array_like of shape (n_samples, n_outputs)\n"
        "    The network's outputs."
    )


def labels(Y: Any) -> np.ndarray:
    """Return class labels from outputs or targets: row ``argmax``, or ``> 0.5`` for one column.

    A 1-D integer array is taken as class labels already and returned as is.

    Parameters
    ----------
    Y : array_like of shape (n_samples, n_outputs) or (n_samples,)
        Outputs or targets, or integer class labels.

    Returns
    -------
    ndarray of shape (n_samples,)
        The class of each sample.

    Examples
    --------
    >>> labels(np.array([[0.1, 0.7, 0.2], [0.6, 0.3, 0.1]]))
    array([1, 0])
    >>> labels(np.array([[0.2], [0.9], [0.5]]))
    array([0, 1, 0])
    >>> labels(np.array([2, 0, 1]))
    array([2, 0, 1])
    """
    Y = np.asarray(Y)
    if Y.ndim == 1 and Y.dtype.kind in "iu":
        return Y
    if Y.ndim == 1 or Y.shape[1] == 1:
        return (Y.reshape(-1) > 0.5).astype(np.intp)
    return np.argmax(Y, axis=1)


def _check_shapes(Y_true: Any, Y_pred: Any, class_labels: bool = False) -> tuple[Any, Any]:
    """Return both as arrays, or raise a ValueError if their shapes differ.

    With ``class_labels``, a 1-D integer ``Y_true`` of class labels may face a
    2-D ``Y_pred`` of as many rows.
    """
    true, pred = np.asarray(Y_true), np.asarray(Y_pred)
    if true.shape == pred.shape and true.ndim in (1, 2):
        return true, pred
    if class_labels and true.ndim == 1 and true.dtype.kind in "iu" and pred.ndim == 2:
        if len(true) == len(pred):
            return true, pred
    hint = ""
    if true.ndim + pred.ndim == 3 and len(true) == len(pred):
        hint = (
            f" (a 1-D and a one-column array would broadcast to ({len(true)}, {len(true)})); "
            "reshape the 1-D one with .reshape(-1, 1), or use net.evaluate(X, Y, metrics=[...]),"
            " which checks the targets against the network"
        )
    raise ValueError(
        f"Y_true and Y_pred must have the same shape, (n_samples,) or (n_samples, n_outputs); "
        f"got {true.shape} and {pred.shape}{hint}"
    )


@_metric_doc("Targets: one-hot or 0-1 rows, or integer class labels.")
def accuracy(Y_true: Any, Y_pred: Any) -> float:
    """Fraction of samples whose predicted class (see :func:`labels`) is the target's.

    ``Y_true`` may be one-hot / 0-1 targets of the shape of ``Y_pred``, or
    integer class labels of shape (n_samples,).

    {parameters}

    Returns
    -------
    float
        The fraction of samples classified right, in [0, 1].

    Examples
    --------
    >>> accuracy(np.eye(3), np.array([[0.8, 0.1, 0.1], [0.2, 0.7, 0.1], [0.6, 0.3, 0.1]]))
    0.6666666666666666
    >>> accuracy(np.array([0, 1, 1]), np.array([[0.8, 0.2], [0.3, 0.7], [0.6, 0.4]]))
    0.6666666666666666
    """
    from sklearn.metrics import accuracy_score  # imported on use: it is slow to import

    true, pred = _check_shapes(Y_true, Y_pred, class_labels=True)
    return float(accuracy_score(labels(true), labels(pred)))


@_metric_doc(_SAME_SHAPE)
def mse(Y_true: Any, Y_pred: Any) -> float:
    """Mean squared error over all samples and outputs.

    {parameters}

    Returns
    -------
    float
        The mean of the squared differences.

    Examples
    --------
    >>> mse(np.array([[0.0], [1.0]]), np.array([[1.0], [3.0]]))
    2.5
    >>> mse(np.array([0.0, 1.0]), np.array([[1.0], [3.0]]))  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: Y_true and Y_pred must have the same shape, ...
    """
    from sklearn.metrics import mean_squared_error

    return float(mean_squared_error(*_check_shapes(Y_true, Y_pred)))


@_metric_doc(_SAME_SHAPE)
def r2(Y_true: Any, Y_pred: Any) -> float:
    r"""Coefficient of determination :math:`R^2`, averaged uniformly over outputs.

    {parameters}

    Returns
    -------
    float
        :math:`R^2` (1 is a perfect fit; it can be negative).

    Examples
    --------
    >>> r2(np.array([1.0, 2.0, 3.0]), np.array([1.0, 2.0, 4.0]))
    0.5
    """
    from sklearn.metrics import r2_score

    return float(r2_score(*_check_shapes(Y_true, Y_pred)))


METRICS: dict[str, Metric] = {"accuracy": accuracy, "mse": mse, "r2": r2}
"""Name → metric function, for :func:`get_metric` and ``train(metrics=[...])``."""


_REGISTRY = Registry("metric", "metrics", METRICS, "fn")


def get_metric(spec: Any, argname: str = "metrics", **params: Any) -> tuple[str, Metric]:
    """Return ``(name, function)`` for a name in :data:`METRICS` or a callable.

    Unlike the other registries' ``get_*``, this returns the name too: it labels
    the metric's column in the training history.

    Parameters
    ----------
    spec : str or callable
        A registry name (any case), or a callable ``metric(Y_true, Y_pred) ->
        float``, named by its ``__name__`` (its class name if it has none).
    argname : str, default="metrics"
        The argument name used in error messages.
    **params
        None: no metric takes parameters (the registries share one shape).

    Returns
    -------
    tuple of (str, callable)
        The metric's name (the column label in histories) and its function.

    Examples
    --------
    >>> get_metric("R2")[0]
    'r2'
    >>> def mae(y, p):
    ...     return float(np.mean(np.abs(y - p)))
    >>> get_metric(mae)[0]
    'mae'
    """
    refusal = (
        f"{argname} must hold metric names from {sorted(METRICS)} or callables "
        f"metric(Y_true, Y_pred) -> float, got {spec!r}"
    )
    fn = _REGISTRY.entry_or_callable(spec, params, argname, refusal)
    if isinstance(spec, str):
        return _REGISTRY.key(spec), fn
    return str(getattr(spec, "__name__", type(spec).__name__)), fn


def register_metric(name: str, fn: Metric, *, overwrite: bool = False) -> Metric:
    """Register a metric under ``name``, so ``metrics=[name]`` works everywhere.

    Parameters
    ----------
    name : str
        The new name (names ignore case); the history records the metric under it.
    fn : callable
        ``fn(Y_true, Y_pred) -> float`` on arrays of shape (n_samples, n_outputs).
    overwrite : bool, default=False
        If True, ``name`` may already be one of your metrics (library metrics
        stay as they are).

    Returns
    -------
    Metric
        The function given, stored in :data:`METRICS`.

    Examples
    --------
    >>> def max_error(Y_true, Y_pred):
    ...     return float(np.max(np.abs(Y_true - Y_pred)))
    >>> _ = register_metric("max_error_demo", max_error, overwrite=True)
    >>> get_metric("Max_Error_Demo") == ("max_error_demo", max_error)
    True
    >>> del METRICS["max_error_demo"]  # an entry is a dict item
    """
    if not callable(fn):
        raise TypeError(f"fn must be callable fn(Y_true, Y_pred) -> float, got {fn!r}")
    return _REGISTRY.register(name, lambda: fn, overwrite)


def get_metrics(metrics: Any, argname: str = "metrics") -> list[tuple[str, Metric]]:
    """Return ``[(name, function), ...]`` for one metric or a list of them (None: none).

    Parameters
    ----------
    metrics : str or callable or list of them or None
        Metric names from :data:`METRICS` or callables; None for no metric.
    argname : str, default="metrics"
        The argument's name in error messages.

    Returns
    -------
    list of (str, callable)
        ``(name, function)`` per metric, in the order given.

    Raises
    ------
    TypeError
        If ``metrics`` is not a name, a callable or a list of them.
    ValueError
        For an unknown name, or two metrics of the same name.

    Examples
    --------
    >>> [name for name, _ in get_metrics(["accuracy", "MSE"])]
    ['accuracy', 'mse']
    """
    if metrics is None:
        return []
    specs = [metrics] if isinstance(metrics, str) or callable(metrics) else metrics
    if not isinstance(specs, (list, tuple)):
        raise TypeError(f"{argname} must be a list of names or callables, got {metrics!r}")
    named = [get_metric(spec, argname) for spec in specs]
    names = [name for name, _ in named]
    if len(set(names)) != len(names):
        raise ValueError(f"{argname} must have distinct names, got {names}")
    return named


def evaluate(net: NeuralNetwork, X: Any, Y: Any, metrics: Any = None) -> dict[str, float]:
    """Return the cost of ``net`` on ``(X, Y)`` and each metric, with the shapes checked.

    ``Y`` is checked against the network as :func:`nnet.training.train` checks
    it: a 1-D ``Y`` is one column for a one-output network, and integer class
    labels are one-hot encoded for a cross-entropy network with several
    outputs; any other shape that differs from the output's raises a
    :class:`ValueError` instead of broadcasting.

    Parameters
    ----------
    net : NeuralNetwork
    X : array-like of shape (n_samples, network_input_size)
    Y : array-like of shape (n_samples, n_outputs), or (n_samples,)
    metrics : str, callable or list of them, optional
        Names from :data:`METRICS` (case-insensitive) or callables
        ``metric(Y_true, Y_pred) -> float``, given the checked targets and the
        outputs, both of shape (n_samples, n_outputs).

    Returns
    -------
    dict of str to float
        ``"loss"``: the cost, penalties included (what :meth:`NeuralNetwork.cost`
        returns and :class:`~nnet.callbacks.History` records as ``val_loss``),
        then one entry per metric, by name.

    Examples
    --------
    >>> from nnet import NeuralNetwork
    >>> net = NeuralNetwork(1, [1], ["identity"], seed=0)
    >>> net.layers = [(np.array([[2.0]]), np.array([0.0]))]
    >>> X, y = np.array([[0.0], [1.0], [2.0]]), np.array([0.0, 2.0, 5.0])
    >>> evaluate(net, X, y, metrics=["mse", "r2"])
    {'loss': 0.3333333333333333, 'mse': 0.3333333333333333, 'r2': 0.9210526315789473}
    """
    if not isinstance(net, NetworkLike):  # not NeuralNetwork: nnet.network imports this module
        raise TypeError(f"net must be a NeuralNetwork, got {type(net).__name__}")
    named = get_metrics(metrics)
    X = check_inputs(X, net.network_input_size, net.dtype)
    n_out = net.layer_output_sizes[-1]
    Y = check_targets(Y, X.shape[0], n_out, net.dtype, net.cost_fun.probabilities)
    results = {"loss": float(net.cost(X, Y))}
    pred = net.predict(X)
    results.update({name: float(metric(Y, pred)) for name, metric in named})
    return results
