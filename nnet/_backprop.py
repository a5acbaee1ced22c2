r"""The forward and backward passes of a :class:`~nnet.network.NeuralNetwork`, into buffers.

One :class:`Backprop` holds every array a training step needs for one batch size: each
layer's output, each hidden layer's backpropagated error, and the gradient, a flat
vector in the network's own parameter layout (see :mod:`nnet._flat`). The training loop
makes one per call and reuses it at every mini-batch, so a step allocates almost
nothing; :meth:`NeuralNetwork.compute_gradient` makes a fresh one per call.

The gradient may come out pre-multiplied by a ``scale``: an optimizer whose update is
linear in the gradient (SGD, Momentum) asks for :math:`-\eta\,\nabla C`, which costs one
multiplication of the small output error :math:`\delta^L` instead of a pass over every
parameter.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from nnet import _flat
from nnet.costs import DISTRIBUTION_DELTAS

if TYPE_CHECKING:
    from nnet.network import NeuralNetwork

__all__ = ["Backprop", "forward"]

Layers = list[tuple[np.ndarray, np.ndarray]]


def forward(
    net: NeuralNetwork, X: np.ndarray, outputs: list[np.ndarray] | None = None
) -> tuple[list[np.ndarray], list[Any], np.ndarray]:
    """Forward pass keeping what backprop needs: each layer's input, and ``z`` if needed.

    ``z = a @ W + b`` is written into ``outputs[layer]`` (buffers of at least
    ``len(X)`` rows) or a new array, and the library's activations run in place on
    it; they backpropagate from their output, so their ``z`` is not kept (None).
    Returns ``(inputs, zs, output)``.
    """
    inputs, zs, a = [], [], X
    for layer, ((W, b), activation) in enumerate(zip(net._layers, net.activation_funcs)):
        inputs.append(a)
        z = a @ W if outputs is None else np.matmul(a, W, out=outputs[layer][: len(X)])
        z += b
        zs.append(z if activation.needs_z else None)
        a = activation._forward_inplace(z)
    return inputs, zs, a


class Backprop:
    """Buffers for batches of up to ``batch_size`` rows, and the passes that fill them.

    ``rows_sum_to_one=True`` promises that every target row sums to exactly 1
    (one-hot or probabilities), which lets softmax + cross-entropy use the
    cheaper :math:`(a - t)/N`.

    Attributes
    ----------
    grad : ndarray of shape (net.n_params,)
        The gradient of the last :meth:`loss_and_gradient` call, flat.
    layer_grads : list of (ndarray, ndarray)
        ``[(dW, db), ...]``, views of ``grad``.
    """

    def __init__(
        self, net: NeuralNetwork, batch_size: int, *, rows_sum_to_one: bool = False
    ) -> None:
        self.net = net
        sizes, dtype = net.layer_output_sizes, net.dtype
        self.grad = np.empty(net.n_params, dtype)
        self.layer_grads: Layers = _flat.pairs(_flat.split(self.grad, net._array_shapes()))
        self._outputs = [np.empty((batch_size, n), dtype) for n in sizes]
        self._errors = [np.empty((batch_size, n), dtype) for n in sizes[:-1]]
        # Looked up once, not at every step: the plain-NumPy cost and the fused delta.
        self._cost = net.cost_fun.fast_fn or net.cost_fun.fn
        self._fused_delta = net._fused_delta()
        if rows_sum_to_one:  # every target row the passes will see sums to exactly 1
            self._fused_delta = DISTRIBUTION_DELTAS.get(self._fused_delta, self._fused_delta)

    def loss_and_gradient(self, X: np.ndarray, Y: np.ndarray, scale: float = 1.0) -> float:
        """Return the cost on ``(X, Y)`` and write ``scale`` times its gradient into :attr:`grad`.

        ``X`` and ``Y`` must be checked already (the network's dtype, at most
        ``batch_size`` rows). The cost includes the penalties; so does the gradient.
        """
        net = self.net
        inputs, zs, output = forward(net, X, self._outputs)
        loss = float(self._cost(output, Y)) + net._penalty_value()
        if self._fused_delta is not None:
            delta = self._fused_delta(output, Y, scale)
        else:
            delta = net._output_delta(zs[-1], output, Y)
            if scale != 1.0:
                delta *= scale
        for layer in range(len(net._layers) - 1, -1, -1):
            dW, db = self.layer_grads[layer]
            np.matmul(inputs[layer].T, delta, out=dW)
            np.add.reduce(delta, axis=0, out=db)  # np.sum, without its Python wrapper
            if layer > 0:
                W = net._layers[layer][0]
                error = np.matmul(delta, W.T, out=self._errors[layer - 1][: len(X)])
                activation = net.activation_funcs[layer - 1]
                delta = activation._backward_inplace(zs[layer - 1], inputs[layer], error)
        net._add_penalty_gradient(self.layer_grads, scale)
        return loss
