r"""The Poisson loss and its ``exp`` output, registered for ``NeuralNetRegressor(loss="poisson")``.

scikit-learn's ``MLPRegressor(loss="poisson")`` models counts with an exponential
output :math:`p = e^z` (so predictions are positive) and the half Poisson deviance

.. math:: C = \frac{1}{N}\sum_{i,k} t_{ik}\log\frac{t_{ik}}{p_{ik}} - t_{ik} + p_{ik},

whose gradient through the exponential is the canonical :math:`(p - t)/N`.
They are registered under the names ``"exp"`` and ``"poisson"`` through the public
:func:`~nnet.activations.register_activation` and :func:`~nnet.costs.register_cost`,
so networks using them save and load like any other.
"""

from __future__ import annotations

from typing import Any

import autograd.numpy as anp
import numpy as np

from nnet.activations import ACTIVATIONS, register_activation
from nnet.costs import COSTS, register_cost


def exp(z: Any) -> Any:
    """The exponential, :math:`e^z`: the Poisson regressor's output activation."""
    return anp.exp(z)


def exp_der(z: Any) -> Any:
    """Derivative of :func:`exp`: :math:`e^z`."""
    return np.exp(z)


def _floor(pred: Any) -> float:
    """Machine epsilon of ``pred``'s float type: predictions are floored there, as the
    cross-entropies clip theirs, so an output that is not an exponential (or one that
    underflows) gives finite values."""
    return float(np.finfo(np.result_type(getattr(pred, "dtype", float), np.float32)).eps)


def poisson(pred: Any, target: Any) -> Any:
    """Half Poisson deviance, summed over outputs and averaged over samples."""
    p = anp.maximum(pred, _floor(pred))
    positive = target > 0
    safe_target = anp.where(positive, target, 1.0)
    log_ratio = anp.where(positive, target * anp.log(safe_target / p), 0.0)
    return anp.sum(log_ratio - target + p) / pred.shape[0]


def poisson_der(pred: Any, target: Any) -> Any:
    """Gradient of :func:`poisson` with respect to ``pred``: :math:`(1 - t/p)/N`."""
    return (1.0 - target / np.maximum(pred, _floor(pred))) / pred.shape[0]


def register() -> None:
    """Register ``"exp"`` and ``"poisson"`` once (a no-op when already there)."""
    if "exp" not in ACTIVATIONS:
        register_activation("exp", exp, exp_der)
    if "poisson" not in COSTS:
        register_cost("poisson", poisson, poisson_der)


register()
