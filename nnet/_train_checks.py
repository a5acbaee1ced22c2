"""The checks of :func:`nnet.training.train`'s arguments, run before anything changes.

:func:`check_train_args` checks every argument in a fixed order (so the first
mistake is the one reported) and returns a :class:`TrainOptions`, the checked
values the loop needs. :func:`split_validation` makes ``validation_split``'s
hold-out set. :func:`check_validation` and :func:`check_metrics` are shared with
the stacked engine of :func:`nnet.sweep.sweep`.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np

from nnet._validation import check_inputs, check_positive_int, check_targets, make_rng
from nnet.callbacks import Callback
from nnet.metrics import Metric, get_metrics
from nnet.network import NeuralNetwork
from nnet.optimizers import Optimizer, get_optimizer

__all__ = [
    "TrainOptions",
    "check_callbacks",
    "check_metrics",
    "check_train_args",
    "check_validation",
    "split_validation",
]


@dataclasses.dataclass(frozen=True)
class TrainOptions:
    """The arguments of one :func:`~nnet.training.train` call, checked and converted."""

    net: NeuralNetwork
    optimizer: Any  # an Optimizer, or any object with step(layer_grads)
    data: tuple[np.ndarray, np.ndarray]  # (X, Y) as the network's dtype
    validation: tuple[np.ndarray, np.ndarray] | None
    metrics: list[tuple[str, Metric]]
    batch_size: int | None
    patience: int | None  # early stopping
    callbacks: list[Callback]
    order: np.random.Generator | None  # the shuffling generator, None without shuffling


def check_train_args(
    net: Any,
    optimizer: Any,
    X: Any,
    Y: Any,
    *,
    epochs: Any,
    batch_size: Any,
    validation_data: Any,
    metrics: Any,
    early_stopping: Any,
    callbacks: Any,
    seed: Any,
    rng: Any,
    shuffle: Any,
) -> TrainOptions:
    """Check every argument of :func:`~nnet.training.train`, changing nothing.

    Parameters
    ----------
    net, optimizer, X, Y, epochs, batch_size, validation_data, metrics, early_stopping, \
callbacks, seed, rng, shuffle
        As given to :func:`~nnet.training.train`.

    Returns
    -------
    TrainOptions
        The checked values.

    Raises
    ------
    TypeError, ValueError
        For the first argument refused, in the order of the signature.
    """
    if not isinstance(net, NeuralNetwork):
        raise TypeError(f"net must be a NeuralNetwork, got {type(net).__name__}")
    opt = get_optimizer(optimizer)
    if isinstance(opt, Optimizer):  # its state must fit this network's parameters
        layout = net.parameters.layout
        opt.check_fits(layout.shapes, layout.shape, layout.dtype)
    data = net._check_XY(X, Y)
    check_positive_int(epochs, "epochs")
    if batch_size is not None:
        check_positive_int(batch_size, "batch_size")
    validation = check_validation(net, validation_data)
    named_metrics = check_metrics(metrics)
    patience = (
        None if early_stopping is None else check_positive_int(early_stopping, "early_stopping")
    )
    hooks = check_callbacks(callbacks)
    if not isinstance(shuffle, (bool, np.bool_)):
        raise TypeError(f"shuffle must be True or False, got {shuffle!r}")
    generator = make_rng(seed, rng)
    return TrainOptions(
        net=net,
        optimizer=opt,
        data=data,
        validation=validation,
        metrics=named_metrics,
        batch_size=batch_size,
        patience=patience,
        callbacks=hooks,
        order=generator if shuffle else None,
    )


def split_validation(
    net: Any, X: Any, Y: Any, fraction: Any, validation_data: Any, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray, tuple[np.ndarray, np.ndarray]]:
    """Hold out ``fraction`` of the rows, chosen by ``rng``: (X_train, Y_train, (X_val, Y_val))."""
    if validation_data is not None:
        raise ValueError("give validation_data or validation_split, not both")
    if isinstance(fraction, bool) or not isinstance(fraction, (int, float, np.floating)):
        raise TypeError(f"validation_split must be a float in (0, 1), got {fraction!r}")
    if not 0 < fraction < 1:
        raise ValueError(f"validation_split must be a float in (0, 1), got {fraction!r}")
    if not isinstance(net, NeuralNetwork):
        raise TypeError(f"net must be a NeuralNetwork, got {type(net).__name__}")
    X = check_inputs(X, net.network_input_size, net.dtype)
    n_out, probabilities = net.layer_output_sizes[-1], net.cost_fun.probabilities
    Y = check_targets(Y, len(X), n_out, net.dtype, probabilities)
    n_val = round(fraction * len(X))
    if not 0 < n_val < len(X):
        raise ValueError(
            f"validation_split={fraction} of {len(X)} samples leaves {n_val} for validation "
            f"and {len(X) - n_val} for training; both need at least one"
        )
    rows = rng.permutation(len(X))
    val, kept = np.sort(rows[:n_val]), np.sort(rows[n_val:])
    return X[kept], Y[kept], (X[val], Y[val])


def check_validation(net: NeuralNetwork, data: Any) -> tuple[np.ndarray, np.ndarray] | None:
    """``validation_data`` checked against ``net``: ``(X_val, Y_val)`` as arrays, or None."""
    if data is None:
        return None
    if not isinstance(data, (tuple, list)) or len(data) != 2:
        raise TypeError(f"validation_data must be a pair (X_val, Y_val), got {data!r:.80}")
    Xv = check_inputs(data[0], net.network_input_size, net.dtype, "validation_data[0]")
    n_out = net.layer_output_sizes[-1]
    probabilities = net.cost_fun.probabilities
    Yv = check_targets(data[1], len(Xv), n_out, net.dtype, probabilities, "validation_data[1]")
    return Xv, Yv


def check_metrics(metrics: Any) -> list[tuple[str, Metric]]:
    """``metrics`` as ``(name, function)`` pairs (see :func:`nnet.metrics.get_metrics`)."""
    return get_metrics(metrics, "metrics")


def check_callbacks(callbacks: Any) -> list[Callback]:
    """``callbacks`` (one callable, a list of them, or None) as a list."""
    if callbacks is None:
        return []
    hooks = [callbacks] if callable(callbacks) else callbacks
    if not isinstance(hooks, (list, tuple)) or not all(callable(h) for h in hooks):
        raise TypeError(
            "callbacks must be a list of callables callback(epoch, history, net), "
            f"got {callbacks!r}"
        )
    return list(hooks)
