r"""The forward and backward passes, for one network or a stack of K, into reusable buffers.

Layer :math:`l` maps :math:`a^{l-1}` to :math:`z^l = a^{l-1} W^l + b^l`, :math:`a^l = f^l(z^l)`,
and backpropagation runs the four equations of Nielsen's book on whole batches:

.. math::
    \delta^L = \frac{\partial C}{\partial z^L}, \quad
    \frac{\partial C}{\partial W^l} = (a^{l-1})^\top \delta^l, \quad
    \frac{\partial C}{\partial b^l} = \textstyle\sum_i \delta^l_{i\cdot}, \quad
    \delta^{l-1} = \left(\delta^l (W^l)^\top\right) \odot f'^{\,l-1}(z^{l-1}).

The same code runs a lone network and a stack of K networks of the same shapes (see
:mod:`nnet._flat`): with a model axis, ``W`` is (K, n_in, n_out), every activation and error
is (K, n, width), and ``@`` is NumPy's batched matrix product; the input batch (n, n_in) is
shared by all models and broadcast. Costs then come out one per model.

One :class:`Backprop` holds every array a training step needs for one batch size (each
layer's output, each hidden layer's error, and the gradient, in the store's layout), so a
training step allocates almost nothing. It owns the output-layer delta (the cost's fused
:math:`(a - t)/N` for the canonical pairs) and the penalty's value and gradient.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

import autograd.numpy as anp
import numpy as np

from nnet._flat import Layout, ParameterStore
from nnet._types import Pairs
from nnet.activations import Activation, rows_dot
from nnet.costs import Cost

if TYPE_CHECKING:
    from nnet.network import NeuralNetwork

__all__ = [
    "Backprop", "StepPenalty", "forward", "loss_of", "output_loss", "penalty", "product",
    "step_penalty",
]  # fmt: skip


def forward(
    activations: Sequence[Activation],
    layers: Pairs,
    X: np.ndarray,
    outputs: list[np.ndarray] | None = None,
    *,
    activate_last: bool = True,
) -> tuple[list[np.ndarray], list[Any], np.ndarray]:
    """Forward pass keeping what backprop needs: each layer's input, and ``z`` if needed.

    ``z = a @ W + b`` is written into ``outputs[layer]`` (buffers of ``len(X)``
    rows) or a new array, and the library's activations run in place on
    it; they backpropagate from their output, so their ``z`` is not kept (None).
    Returns ``(inputs, zs, output)``; ``output`` is the last ``z`` without
    ``activate_last`` (for :meth:`nnet.costs.Cost.activate_with_loss`).
    """
    inputs, zs, a = [], [], X
    stacked = layers[0][0].ndim == 3
    last = len(layers) - 1
    for layer, ((W, b), activation) in enumerate(zip(layers, activations)):
        inputs.append(a)
        out = None if outputs is None else outputs[layer]
        z = product(a, W, out)
        z += b
        zs.append(z if activation.needs_z else None)
        if layer == last and not activate_last:
            return inputs, zs, z
        a = _apply(activation, z) if stacked else activation._forward_inplace(z)
    return inputs, zs, a


def product(a: np.ndarray, b: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """``a @ b`` (batched over leading axes), into ``out`` if given.

    With one column in ``a`` the product is an outer product, which the broadcast
    ``a * b`` computes exactly (one term per entry) and ~8x faster than ``matmul``:
    the first layer of a network of one input (the course's Runge regressions)
    and the error sent back from one output.
    """
    if a.shape[-1] == 1:
        return np.multiply(a, b, out=out)
    return np.matmul(a, b, out=out)


def _apply(activation: Activation, z: np.ndarray) -> np.ndarray:
    """An activation on a stack: elementwise ones at once, others (a custom ``vjp``) per model."""
    if activation.builtin or activation.vjp is None:
        return activation._forward_inplace(z)
    return np.stack([np.asarray(activation(zk)) for zk in z])


def output_loss(
    cost: Cost,
    activation: Activation,
    layers: Pairs,
    inputs: list[np.ndarray],
    pred: np.ndarray,
    Y: np.ndarray,
) -> Any:
    """The cost of ``pred`` (no penalty), exact where a cross-entropy would clip.

    For a library softmax or sigmoid output and its cross-entropy, when the fast
    cost would clip a probability, the cost is recomputed from the logits
    ``inputs[-1] @ W + b`` (see :attr:`nnet.costs.Cost.from_logits`): it then stays
    the function whose gradient the fused delta :math:`(a - t)/N` is.
    """
    exact = cost.from_logits.get(activation.name) if activation.builtin else None
    if exact is not None and cost.clips is not None and cost.clips(pred):
        W, b = layers[-1]
        return exact[1](inputs[-1] @ W + b, Y)
    return loss_of(cost, pred, Y)


def loss_of(cost: Cost, pred: np.ndarray, Y: np.ndarray) -> Any:
    """The cost without penalty: a float, or one per model for a stack of outputs."""
    if pred.ndim == 2 or cost.fast_fn is not None:
        return cost._loss(pred, Y) if pred.ndim == 2 else cost.fast_fn(pred, Y)  # type: ignore[misc]
    return np.array([float(cost.fn(p, Y)) for p in pred])


class Backprop:
    """Buffers for batches of up to ``batch_size`` rows, and the passes that fill them.

    Parameters
    ----------
    net : NeuralNetwork
        The architecture: activations, cost, ``regularize_bias``, and by default
        the penalties ``l1`` and ``l2``.
    layout : Layout
        The parameters' layout (lone or stacked).
    batch_size : int
    l1, l2 : float or ndarray of shape (K,), optional
        Penalties, one per model for a stack; default: the network's.
    rows_sum_to_one : bool, default=False
        A promise that every target row sums to exactly 1 (one-hot or
        probabilities), which lets softmax + cross-entropy use the cheaper
        :math:`(a - t)/N`.
    row_loss : callable, optional
        ``row_loss(pred, Y) -> (n,)``, each sample's loss (the cost is their
        mean): what sample weights need (a lone network only).

    Attributes
    ----------
    grad : ndarray of shape ``layout.shape``
        The gradient of the last :meth:`loss_and_gradient` call.
    layer_grads : list of (ndarray, ndarray)
        ``[(dW, db), ...]``, views of ``grad`` (``db`` with its row axis).
    """

    def __init__(
        self,
        net: NeuralNetwork,
        layout: Layout,
        batch_size: int,
        *,
        l1: Any = None,
        l2: Any = None,
        rows_sum_to_one: bool = False,
        row_loss: Any = None,
    ) -> None:
        self.activations, self.cost, self.row_loss = net.activation_funcs, net.cost_fun, row_loss
        self.regularize_bias = net.regularize_bias
        self.stacked = layout.stacked
        self.l1, self.l2 = (net.l1 if l1 is None else l1), (net.l2 if l2 is None else l2)
        self._penalty = step_penalty(layout, self.l1, self.l2, self.regularize_bias)
        self.grad = layout.empty()  # every step writes all of it
        self.layer_grads: Pairs = layout.layers(self.grad)
        lead = layout.lead
        self._outputs = [np.empty((*lead, batch_size, n), layout.dtype) for n in layout.sizes[1:]]
        self._errors = [np.empty((*lead, batch_size, n), layout.dtype) for n in layout.sizes[1:-1]]
        # Stacks multiply by contiguous copies of W.T (layers 1..L-1 send errors back).
        shapes = zip(layout.sizes[1:-1], layout.sizes[2:]) if self.stacked else ()
        self._weights_t = [np.empty(0)] + [np.empty((*lead, o, i), layout.dtype) for i, o in shapes]
        self._buffers: dict[int, tuple[list[np.ndarray], list[np.ndarray], np.ndarray]] = {}
        fused = self.cost.fuses_with(self.activations[-1])  # the cost's own output delta
        self._fused_delta = self.cost.output_delta if fused else None
        activates = fused and self.cost.activates
        self._activate_with_loss = self.cost.activate_with_loss if activates else None
        self._rows_sum_to_one = rows_sum_to_one  # then the cost may use a cheaper form
        exact = self.activations[-1].builtin and self.activations[-1].name in self.cost.from_logits
        self._clips = self.cost.clips if exact else None
        self._loss = self.cost.fast_fn or (lambda pred, Y: loss_of(self.cost, pred, Y))

    def penalty(self, parameters: ParameterStore) -> Any:
        """The penalty of ``parameters``: a float, or one per model (0.0 without l1 and l2)."""
        return 0.0 if self._penalty is None else self._penalty.value(parameters.vector)

    def loss_and_gradient(
        self, parameters: ParameterStore, X: np.ndarray, Y: np.ndarray, weights: Any = None
    ) -> Any:
        r"""Return the cost on ``(X, Y)`` and write its gradient into :attr:`grad`.

        ``X`` and ``Y`` must be checked already (the network's dtype, at most
        ``batch_size`` rows). The cost includes the penalties; so does the
        gradient. For a stack the cost is one value per model. With sample
        ``weights`` :math:`w` (not all zero) it is scikit-learn's weighted cost,
        :math:`(\frac1N\sum_i w_i \ell_i + P) / \bar w`: each row's delta is
        scaled by its share :math:`w_i/\bar w`, the penalty by :math:`1/\bar w`.
        """
        layers = parameters.layers
        outputs, errors, ones = self._buffers_for(len(X))
        fused = self._activate_with_loss
        inputs, zs, output = forward(
            self.activations, layers, X, outputs, activate_last=fused is None
        )
        if fused is not None:  # the output's activation and an exact cost, in one go
            loss = fused(output, Y, self._rows_sum_to_one)
        elif self._clips is not None and self._clips(output):  # a cross-entropy would clip
            loss = output_loss(self.cost, self.activations[-1], layers, inputs, output, Y)
        else:
            loss = self._loss(output, Y)
        delta = self._output_delta(zs[-1], output, Y)
        if weights is not None:
            share = weights / weights.mean()
            loss = np.mean(share * self.row_loss(output, Y))
            delta *= share[:, None].astype(delta.dtype)
        for layer in range(len(layers) - 1, -1, -1):
            dW, db = self.layer_grads[layer]
            np.matmul(inputs[layer].swapaxes(-1, -2), delta, out=dW)
            np.matmul(ones, delta, out=db)  # the sum over rows; faster than a reduction
            if layer > 0:
                error = product(delta, self._transposed(layer, layers), errors[layer - 1])
                activation = self.activations[layer - 1]
                delta = self._backward(activation, zs[layer - 1], inputs[layer], error)
        if self._penalty is not None:  # its value and gradient, at these parameters
            factor = 1.0 if weights is None else 1.0 / float(weights.mean())
            loss = loss + self._penalty.add_gradient(parameters.vector, self.grad, factor)
        return loss

    def _transposed(self, layer: int, layers: Pairs) -> np.ndarray:
        """``W.T`` of ``layer``; for a stack a contiguous copy, which NumPy's batched
        product multiplies twice as fast as the transposed view."""
        W = layers[layer][0]
        if not self.stacked:
            return W.T
        transposed = self._weights_t[layer]
        np.copyto(transposed, W.swapaxes(-1, -2))
        return transposed

    def _buffers_for(self, n: int) -> tuple[list[np.ndarray], list[np.ndarray], np.ndarray]:
        """The output and error buffers sliced to ``n`` rows, and a (1, n) row of ones.

        Made once per batch length.
        """
        if n not in self._buffers:
            self._buffers[n] = (
                [out[..., :n, :] for out in self._outputs],
                [err[..., :n, :] for err in self._errors],
                np.ones((1, n), self.grad.dtype),
            )
        return self._buffers[n]

    def _output_delta(self, z: Any, a: np.ndarray, Y: np.ndarray) -> np.ndarray:
        r""":math:`\partial C/\partial z^L`, a new array."""
        if self._fused_delta is not None:
            return self._fused_delta(a, Y, rows_sum_to_one=self._rows_sum_to_one)
        cost = self.cost
        if cost.builtin:
            grad_a = cost.der(a, Y)
        elif self.stacked:
            grad_a = np.stack([np.asarray(cost.der(ak, Y)) for ak in a]).astype(a.dtype)
        else:  # a custom gradient might hand back one of its arguments: copy it
            grad_a = np.array(cost.der(a, Y), dtype=a.dtype)
        return self._backward(self.activations[-1], z, a, grad_a)

    def _backward(
        self, activation: Activation, z: Any, a: np.ndarray, grad: np.ndarray
    ) -> np.ndarray:
        if self.stacked and not activation.builtin and activation.vjp is not None:
            return np.stack([np.asarray(activation.backward(*p)) for p in zip(z, a, grad)])
        return activation._backward_inplace(z, a, grad)


# ----------------------------------------------------------------------------- the penalty
# The L1/L2 penalty of a network's parameters: its value and its gradient.
#
# .. math:: P = \lambda_2 \sum p^2 + \lambda_1 \sum |p|
#
# over every weight matrix, and every bias vector too with ``regularize_bias``. The value
# comes twice: written with :mod:`autograd.numpy` (for :meth:`NeuralNetwork.autograd_gradient`)
# and in plain NumPy for the training loop, where it is paid at every step.


def penalized(pairs: Sequence[Any], regularize_bias: bool) -> list[Any]:
    """The arrays of ``[(W, b), ...]`` the penalty applies to: each W, and each b if asked."""
    return [p for W, b in pairs for p in ((W, b) if regularize_bias else (W,))]


def penalty(layers: Sequence[Any], l1: float, l2: float, regularize_bias: bool) -> Any:
    """:math:`P` of ``layers`` (possibly autograd boxes), differentiable by autograd."""
    total = 0.0
    for p in penalized(layers, regularize_bias):
        if l2:
            total = total + l2 * anp.sum(p**2)
        if l1:
            total = total + l1 * anp.sum(anp.abs(p))
    return total


def on(coefficient: Any) -> bool:
    """Whether a penalty coefficient (a number, or an array of per-model values) is in use."""
    return isinstance(coefficient, np.ndarray) or bool(coefficient)


class StepPenalty:
    r"""The penalty's value and gradient at each training step, into one reused buffer.

    With the weight mask :math:`m` laid out once per parameter (and per model in a
    stack) as the coefficients :math:`c_2 = 2\lambda_2 m` and :math:`c_1 = \lambda_1 m`,

    .. math:: \nabla P = c_2 \odot p + c_1 \odot \operatorname{sign}(p), \qquad
              P = \tfrac12 \langle c_2 \odot p,\ p\rangle
              + \langle c_1 \odot \operatorname{sign}(p),\ p\rangle

    (as :math:`\operatorname{sign}(p)\,p = |p|`): for L2, one product gives the
    gradient, one dot product per model the value, and nothing is allocated. A stack's
    parameters are large (K models), and a new temporary of that size per step costs
    more than the arithmetic (fresh pages from the operating system).

    Parameters
    ----------
    vector_shape : tuple of int
        ``(n_params,)``, or ``(K, n_params)`` for a stack.
    mask : ndarray of shape (n_params,) or None
        1 on the penalized entries, 0 elsewhere; None: every entry.
    l1, l2 : float or ndarray of shape (K,)
        The coefficients, one per model for a stack.
    dtype : numpy dtype
        The parameters' dtype.
    """

    def __init__(
        self, vector_shape: tuple[int, ...], mask: np.ndarray | None, l1: Any, l2: Any, dtype: Any
    ) -> None:
        self._c2 = _laid_out(2.0 * np.asarray(l2), vector_shape, mask, dtype) if on(l2) else None
        self._c1 = _laid_out(np.asarray(l1), vector_shape, mask, dtype) if on(l1) else None
        self._buffer = np.empty(vector_shape, dtype)

    def value(self, vector: np.ndarray) -> Any:
        """:math:`P` at ``vector``: a float, or one value per model."""
        return sum((part for _, part in self._terms(vector)), 0.0)

    def add_gradient(self, vector: np.ndarray, grad: np.ndarray, factor: float = 1.0) -> Any:
        r"""Add ``factor`` :math:`\nabla P` to ``grad``; return ``factor`` :math:`P`
        (a float, or one per model)."""
        value: Any = 0.0
        for term, part in self._terms(vector):
            if factor != 1.0:  # sample weights (see Backprop.loss_and_gradient)
                term *= factor
                part = part * factor
            value = value + part
            grad += term
        return value

    def _terms(self, vector: np.ndarray) -> Iterator[tuple[np.ndarray, Any]]:
        """Each penalty's gradient (in the one buffer, valid until the next) and value."""
        for coefficient, signs in ((self._c2, False), (self._c1, True)):
            if coefficient is None:
                continue
            if signs:
                np.sign(vector, out=self._buffer)
            else:  # a copy and an in-place product cost less than a product into a third array
                np.copyto(self._buffer, vector)
            term = np.multiply(self._buffer, coefficient, out=self._buffer)
            yield term, (1.0 if signs else 0.5) * _rows_dot(term, vector)


def step_penalty(layout: Layout, l1: Any, l2: Any, regularize_bias: bool) -> StepPenalty | None:
    """The :class:`StepPenalty` of parameters in ``layout``, or None without ``l1`` and ``l2``."""
    if not (on(l1) or on(l2)):
        return None
    mask = None if regularize_bias else layout.weight_mask()
    return StepPenalty(layout.shape, mask, l1, l2, layout.dtype)


def _laid_out(
    coefficient: np.ndarray, shape: tuple[int, ...], mask: np.ndarray | None, dtype: Any
) -> np.ndarray:
    """``coefficient`` (a number, or one per model) times ``mask``, as an array of ``shape``."""
    per_model = coefficient.reshape(-1, 1) if len(shape) == 2 else coefficient
    values = per_model * (1.0 if mask is None else mask)
    return np.ascontiguousarray(np.broadcast_to(values, shape), dtype)


def _rows_dot(x: np.ndarray, y: np.ndarray) -> Any:
    r""":math:`\langle x, y\rangle`: a float for vectors, one per row for (K, n) arrays."""
    if x.ndim == 1:
        return float(np.dot(x, y))
    return rows_dot(x, y)
