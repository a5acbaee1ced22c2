"""The autograd reference: the network's maths written once more, for autograd to differentiate.

:meth:`NeuralNetwork.autograd_compliant_predict
<nnet.network.NeuralNetwork.autograd_compliant_predict>` and
:meth:`~nnet.network.NeuralNetwork.autograd_gradient` are these functions. They are
the oracle the hand-written backpropagation (:mod:`nnet._backprop`) is tested
against, so they stay plain: one pass over the layers with :mod:`autograd.numpy`,
no buffers, no fused kernels.
"""

from __future__ import annotations

from typing import Any

import autograd
import autograd.numpy as anp
import numpy as np

from nnet._backprop import penalty as _penalty_of
from nnet._types import Pairs


def forward(net: Any, layers: Any, X: Any, last_activation: bool = True) -> Any:
    """The output of ``net`` with parameters ``layers`` (or the output layer's logits ``z``)."""
    a, last = X, len(net.activation_funcs) - 1
    for i, ((W, b), activation) in enumerate(zip(layers, net.activation_funcs)):
        z = anp.dot(a, W) + b
        a = activation(z) if (i < last or last_activation) else z
    return a


def gradient(net: Any, X: np.ndarray, Y: np.ndarray) -> Pairs:
    """``[(dW, db), ...]``: autograd's gradient of ``net.cost`` at checked ``X``, ``Y``."""
    output = net.activation_funcs[-1]
    from_logits = net.cost_fun.from_logits.get(output.name) if output.builtin else None

    def total_cost(layers: Any) -> Any:
        # (Without penalties the layers are not walked twice: autograd adds a full-size
        # zero gradient for every pass over a list of parameters.)
        penalty = (
            _penalty_of(layers, net.l1, net.l2, net.regularize_bias) if net.l1 or net.l2 else 0.0
        )
        if from_logits is None:
            return net.cost_fun(net.autograd_compliant_predict(layers, X), Y) + penalty
        logits = forward(net, layers, X, last_activation=False)
        return from_logits[0](logits, Y) + penalty  # exact, as cost() is

    grads = autograd.grad(total_cost)([(W.copy(), b.copy()) for W, b in net.layers])
    return [(np.asarray(dW), np.asarray(db)) for dW, db in grads]
