r"""Training with sample weights, as scikit-learn's MLP weighs samples.

With weights :math:`w_i`, scikit-learn's loss of a batch is the weighted mean of
the per-sample losses, and the L2 penalty is divided by the batch's total weight
instead of its size:

.. math:: C = \frac{\sum_i w_i\, \ell_i + \tfrac{\alpha}{2}\sum W^2}{\sum_i w_i}.

nnet's costs are plain means, so the stochastic solvers train with the sample
weights as row weights inside backpropagation (:class:`nnet.training.Engine` with
``sample_weight``, given :data:`ROW_LOSSES`, each sample's loss). L-BFGS minimizes
the weighted full-batch cost through a *twin* network with the same layers and a
weighted version of the cost, whose gradient is the plain one with each sample's
row scaled by :math:`w_i N/\sum w`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from sklearn.utils.validation import _check_sample_weight

from nnet.costs import make_cost
from nnet.lbfgs import LBFGSResult, train_lbfgs
from nnet.network import NeuralNetwork


def _clipped(pred: np.ndarray, high: bool) -> np.ndarray:
    eps = float(np.finfo(pred.dtype).eps)
    return np.clip(pred, eps, 1.0 - eps if high else None)


def _row_mse(p: np.ndarray, t: np.ndarray) -> np.ndarray:
    return np.mean((p - t) ** 2, axis=1)


def _row_bce(p: np.ndarray, t: np.ndarray) -> np.ndarray:
    p = _clipped(p, True)
    return -np.mean(t * np.log(p) + (1.0 - t) * np.log(1.0 - p), axis=1)


def _row_ce(p: np.ndarray, t: np.ndarray) -> np.ndarray:
    return -np.sum(t * np.log(_clipped(p, False)), axis=1)


def _row_poisson(p: np.ndarray, t: np.ndarray) -> np.ndarray:
    p = _clipped(p, False)
    ratio = np.where(t > 0, t, 1.0) / p
    return np.sum(np.where(t > 0, t * np.log(ratio), 0.0) - t + p, axis=1)


ROW_LOSSES: dict[str, Callable[[np.ndarray, np.ndarray], np.ndarray]] = {
    "mse": _row_mse,
    "binary_cross_entropy": _row_bce,
    "cross_entropy": _row_ce,
    "poisson": _row_poisson,
}
"""Per-sample loss of each cost the estimators use; the cost is their mean."""


class _Weights:
    """The weights of the batch in progress, scaled to mean 1: :math:`w_i N / \\sum w`."""

    def __init__(self) -> None:
        self.scaled = np.ones(0)

    def set(self, weights: np.ndarray) -> None:
        self.scaled = weights * (len(weights) / weights.sum())


def _weighted_twin(net: NeuralNetwork, weights: _Weights) -> NeuralNetwork:
    """A network with ``net``'s layers and the weighted version of its cost."""
    base, row_loss = net.cost_fun, ROW_LOSSES[net.cost_fun.name]

    def weighted(pred: Any, target: Any) -> float:
        return float(np.mean(weights.scaled * row_loss(pred, target)))

    def weighted_der(pred: Any, target: Any) -> Any:
        return base.der(pred, target) * weights.scaled[:, None]

    twin = net.clone(cost_fun=make_cost(weighted, weighted_der), seed=0)
    twin.layers = net.layers
    return twin


def lbfgs_weighted(
    net: NeuralNetwork, X: np.ndarray, Y: np.ndarray, sample_weight: np.ndarray, **options: Any
) -> LBFGSResult:
    """:func:`nnet.lbfgs.train_lbfgs` of ``net`` in place on the weighted full-batch cost."""
    weights = _Weights()
    weights.set(sample_weight)
    twin = _weighted_twin(net, weights)
    twin.l2 = net.l2 * X.shape[0] / float(sample_weight.sum())
    result = train_lbfgs(twin, X, Y, **options)
    net.layers = twin.layers
    return result


class SampleWeights:
    """Checked sample weights, and ``alpha`` as the weights make it.

    All-equal weights ``c`` weigh every sample alike, which is the unweighted
    loss with scikit-learn's penalty divided by ``c``: they take the unweighted
    (faster) path with ``alpha / c``. Others go through
    :mod:`nnet.estimators._weighted`.
    """

    def __init__(self, values: np.ndarray | None, alpha: float) -> None:
        self.values, self.alpha = values, alpha

    @classmethod
    def check(cls, sample_weight: Any, X: Any, alpha: float) -> SampleWeights:
        if sample_weight is None:
            return cls(None, alpha)
        values = _check_sample_weight(sample_weight, X, ensure_non_negative=True)
        if not values.any():
            raise ValueError("sample_weight must not be all zero")
        if np.all(values == values[0]):
            return cls(None, alpha / float(values[0]))
        return cls(values, alpha)
