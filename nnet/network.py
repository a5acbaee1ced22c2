r"""The :class:`NeuralNetwork`: layers, forward pass, cost and batched backpropagation.

Rows are samples. Layer :math:`l` maps :math:`a^{l-1}` of shape (n, n_in) to

.. math:: z^l = a^{l-1} W^l + b^l, \qquad a^l = f^l(z^l),

with :math:`W^l` of shape (n_in, n_out) and :math:`b^l` of shape (n_out,).
Backpropagation runs the four equations of Nielsen's book on whole batches:

.. math::
    \delta^L = \frac{\partial C}{\partial z^L}, \quad
    \frac{\partial C}{\partial W^l} = (a^{l-1})^\top \delta^l, \quad
    \frac{\partial C}{\partial b^l} = \textstyle\sum_i \delta^l_{i\cdot}, \quad
    \delta^{l-1} = \left(\delta^l (W^l)^\top\right) \odot f'^{\,l-1}(z^{l-1}).
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import Any

import autograd
import autograd.numpy as anp
import numpy as np

from nnet import _flat, _penalty
from nnet import _network_checks as checks
from nnet._backprop import Backprop, forward
from nnet._validation import (
    check_float_dtype,
    check_inputs,
    check_non_negative_float,
    check_positive_int,
    check_targets,
    make_rng,
)
from nnet.activations import Activation
from nnet.costs import Cost, make_cost
from nnet.initializers import get_initializer

__all__ = ["NeuralNetwork"]

Layers = list[tuple[np.ndarray, np.ndarray]]


class NeuralNetwork:
    r"""A fully connected feed-forward network trained by hand-written backpropagation.

    Parameters
    ----------
    network_input_size : int
        Number of input features.
    layer_output_sizes : sequence of int
        Width of each layer, the last one being the output layer. ``[n_out]``
        alone is a network with no hidden layer (linear/logistic regression).
    activation_funcs : sequence of str, callable or Activation
        One activation per layer (see :data:`nnet.activations.ACTIVATIONS`).
    activation_ders : sequence of callable or None, default=None
        Elementwise derivatives; ``None`` (or a ``None`` entry) takes the
        library's own derivative, or autograd's for a custom function.
    cost_fun : str, callable or Cost, default="mse"
        Cost ``cost_fun(pred, target) -> float`` (see :data:`nnet.costs.COSTS`).
    cost_der : callable or None, default=None
        Its gradient w.r.t. ``pred``; derived like ``activation_ders`` when ``None``.
    l1, l2 : float, default=0.0
        Penalties added to the cost:
        :math:`C = C_\mathrm{data} + \lambda_2\sum W^2 + \lambda_1\sum|W|`.
    regularize_bias : bool, default=False
        Penalize the biases as well as the weights.
    init : {"normal", "xavier", "glorot", "he"} or callable, default="normal"
        Initializer (see :mod:`nnet.initializers`); a callable is
        ``init(n_in, n_out, rng) -> (W, b)``.
    dtype : {float64, float32}, default=float64
        Parameter and computation dtype; inputs are converted to it, outputs
        and gradients have it.
    seed : int or None, default=None
        Seed for the initializer's :class:`numpy.random.Generator`.
    rng : numpy.random.Generator or None, default=None
        Use this generator instead of ``seed`` (give one or the other).

    Attributes
    ----------
    layers : list of (W, b)
        The parameters, ``W`` of shape (n_in, n_out), ``b`` of shape (n_out,).
    activation_funcs : list of Activation
    cost_fun : Cost
    n_params : int

    Notes
    -----
    Inputs must be 2-D, ``(n_samples, network_input_size)``; a single sample
    is ``x.reshape(1, -1)`` (1-D input is refused, as in scikit-learn, because
    it is ambiguous). A 1-D target is accepted as one column when the network
    has a single output. Nothing passed in is ever modified.

    Examples
    --------
    >>> net = NeuralNetwork(2, [3, 1], ["sigmoid", "identity"], cost_fun="mse", seed=0)
    >>> X, Y = np.array([[0.0, 1.0], [1.0, 0.0]]), np.array([[1.0], [0.0]])
    >>> net.predict(X).shape
    (2, 1)
    >>> grads = net.compute_gradient(X, Y)
    >>> [dW.shape for dW, db in grads]
    [(2, 3), (3, 1)]
    >>> bool(np.allclose(grads[0][0], net.autograd_gradient(X, Y)[0][0]))
    True
    """

    def __init__(
        self,
        network_input_size: int,
        layer_output_sizes: Sequence[int],
        activation_funcs: Sequence[Any],
        activation_ders: Sequence[Any] | None = None,
        cost_fun: Any = "mse",
        cost_der: Any = None,
        *,
        l1: float = 0.0,
        l2: float = 0.0,
        regularize_bias: bool = False,
        init: Any = "normal",
        dtype: Any = np.float64,
        seed: int | None = None,
        rng: np.random.Generator | None = None,
    ) -> None:
        self.network_input_size = check_positive_int(network_input_size, "network_input_size")
        self.layer_output_sizes = checks.check_sizes(layer_output_sizes, self.network_input_size)
        self.activation_funcs: list[Activation] = checks.make_activations(
            activation_funcs, activation_ders, len(self.layer_output_sizes)
        )
        self.cost_fun: Cost = make_cost(cost_fun, cost_der)
        checks.check_output_pairing(self.activation_funcs[-1], self.cost_fun)
        self.l1 = check_non_negative_float(l1, "l1")
        self.l2 = check_non_negative_float(l2, "l2")
        self.regularize_bias = bool(regularize_bias)
        self.dtype = check_float_dtype(dtype)
        self.init = init
        initializer = get_initializer(init)
        generator = make_rng(seed, rng)
        sizes = [self.network_input_size, *self.layer_output_sizes]
        layers = [initializer(n_in, n_out, generator) for n_in, n_out in itertools.pairwise(sizes)]
        self._assign(checks.copy_layers(layers, self._shapes(), self.dtype, "init"))

    # ----------------------------------------------------------------- parameters
    @property
    def layers(self) -> Layers:
        """The parameters ``[(W, b), ...]``, as read-only views of the live arrays.

        Assign a new list to replace them (shapes are checked and the arrays
        copied); copy the views to keep a snapshot, since training updates them.
        """
        return [(checks.read_only(W), checks.read_only(b)) for W, b in self._layers]

    @layers.setter
    def layers(self, layers: Any) -> None:
        self._assign(checks.copy_layers(layers, self._shapes(), self.dtype, "layers"))

    def _assign(self, layers: Layers) -> None:
        """Make checked ``layers`` the parameters, in a new flat vector ``_theta``.

        All parameters live in one vector, each W and b a view of its slice (see
        :mod:`nnet._flat`); views handed out earlier keep the old values.
        """
        shapes = self._array_shapes()
        self._theta = np.concatenate([array.ravel() for pair in layers for array in pair])
        self._layers: Layers = _flat.pairs(_flat.split(self._theta, shapes))

    def __getstate__(self) -> dict[str, Any]:
        # copy.deepcopy and pickle copy each view on its own; keep the vector, not the views.
        state = self.__dict__.copy()
        del state["_layers"]
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._layers = _flat.pairs(_flat.split(self._theta, self._array_shapes()))

    @property
    def n_params(self) -> int:
        """Total number of trainable numbers."""
        return self._theta.size

    def update_weights(self, updates: Any) -> None:
        r"""Add ``updates`` to the parameters in place: ``W += dW`` and ``b += db``.

        Parameters
        ----------
        updates : list of (ndarray, ndarray)
            Same structure and shapes as :attr:`layers`, e.g. from an optimizer's
            ``step``. Shapes and values are checked before anything is changed:
            NaN or infinite updates, or updates that would overflow the weights to
            infinity, raise ``ValueError``.
        """
        checked = checks.check_pairs(updates, self._shapes(), "updates")
        checks.check_sums(self.layers, checked, "updates")
        self._add(checked)

    def _add(self, updates: Layers) -> None:
        """:meth:`update_weights` without the checks, for updates known to fit."""
        for (W, b), (dW, db) in zip(self._layers, updates):
            W += dW
            b += db

    # ----------------------------------------------------------------- forward
    def predict(self, X: Any) -> np.ndarray:
        """Return the output for inputs ``X``.

        Parameters
        ----------
        X : array-like of shape (n_samples, network_input_size)

        Returns
        -------
        ndarray of shape (n_samples, layer_output_sizes[-1]), of the network's dtype
        """
        return self._forward(self._check_X(X))

    def cost(self, X: Any, Y: Any) -> float:
        """Return the cost of the predictions for ``X`` against ``Y``, penalties included.

        Parameters
        ----------
        X : array-like of shape (n_samples, network_input_size)
        Y : array-like of shape (n_samples, n_outputs)
        """
        X, Y = self._check_XY(X, Y)
        return self.cost_fun._loss(self._forward(X), Y) + self._penalty_value()

    def autograd_compliant_predict(self, layers: Any, X: Any) -> Any:
        """The forward pass as a pure function of ``layers``, differentiable by autograd.

        Parameters
        ----------
        layers : list of (W, b)
            Parameters to use instead of :attr:`layers` (may be autograd boxes).
        X : ndarray of shape (n_samples, network_input_size)
        """
        a = X
        for (W, b), activation in zip(layers, self.activation_funcs):
            a = activation(anp.dot(a, W) + b)
        return a

    def _forward(self, X: np.ndarray) -> np.ndarray:
        return forward(self, X)[-1]

    def _penalty_value(self) -> float:
        """The penalty of the current parameters, as a float (0.0 without l1 and l2)."""
        if not (self.l1 or self.l2):
            return 0.0
        return _penalty.penalty_value(self._layers, self.l1, self.l2, self.regularize_bias)

    def _penalty(self, layers: Any) -> Any:
        return _penalty.penalty(layers, self.l1, self.l2, self.regularize_bias)

    # ----------------------------------------------------------------- gradients
    def compute_gradient(self, X: Any, Y: Any) -> Layers:
        """Return the gradient of :meth:`cost` by backpropagation, as ``[(dW, db), ...]``.

        Parameters
        ----------
        X : array-like of shape (n_samples, network_input_size)
        Y : array-like of shape (n_samples, n_outputs)

        Returns
        -------
        list of (ndarray, ndarray)
            Same shapes and dtype as :attr:`layers`; exactly the derivative of
            :meth:`cost`, regularization included.
        """
        return self._gradient(*self._check_XY(X, Y))

    def _gradient(self, X: np.ndarray, Y: np.ndarray) -> Layers:
        return self._loss_and_gradient(X, Y)[1]

    def _loss_and_gradient(self, X: np.ndarray, Y: np.ndarray) -> tuple[float, Layers]:
        """Cost and its gradient from one forward and one backward pass; inputs already checked.

        The gradient arrays are views of one new flat vector (see :mod:`nnet._backprop`).
        """
        backprop = Backprop(self, len(X))
        loss = backprop.loss_and_gradient(X, Y)
        return loss, backprop.layer_grads

    def _fused_delta(self) -> Any:
        """The cost's fused output delta for this output activation, or None (nnet.costs)."""
        out, cost = self.activation_funcs[-1], self.cost_fun
        return cost.fused.get(out.name) if (out.builtin and cost.builtin) else None

    def _output_delta(self, z: np.ndarray, a: np.ndarray, Y: np.ndarray) -> np.ndarray:
        """:math:`\\partial C/\\partial z^L` by the chain rule (no fused delta), a new array."""
        out, cost = self.activation_funcs[-1], self.cost_fun
        grad_a = cost.der(a, Y)
        # A custom gradient might hand back one of its arguments: copy before working in place.
        grad_a = grad_a if cost.builtin else np.array(grad_a, dtype=self.dtype)
        return out._backward_inplace(z, a, grad_a)

    def _add_penalty_gradient(self, grads: Layers, scale: float = 1.0) -> None:
        """Add ``scale`` times the penalty's gradient to ``grads``, in place."""
        if self.l1 or self.l2:
            _penalty.penalty_gradient(
                self._layers, grads, self.l1, self.l2, self.regularize_bias, scale
            )

    def autograd_gradient(self, X: Any, Y: Any) -> Layers:
        """Return the gradient of :meth:`cost` computed by autograd: the reference.

        Same inputs and output as :meth:`compute_gradient`, which must equal it.
        """
        X, Y = self._check_XY(X, Y)

        def total_cost(layers: Any) -> Any:
            return self.cost_fun(self.autograd_compliant_predict(layers, X), Y) + self._penalty(
                layers
            )

        grads = autograd.grad(total_cost)([(W, b) for W, b in self._layers])
        return [(np.asarray(dW), np.asarray(db)) for dW, db in grads]

    # ----------------------------------------------------------------- checks
    def _check_X(self, X: Any) -> np.ndarray:
        return check_inputs(X, self.network_input_size, self.dtype)

    def _check_XY(self, X: Any, Y: Any) -> tuple[np.ndarray, np.ndarray]:
        X = self._check_X(X)
        n_out = self.layer_output_sizes[-1]
        return X, check_targets(Y, X.shape[0], n_out, self.dtype, self.cost_fun.probabilities)

    def _shapes(self) -> list[tuple[tuple[int, int], tuple[int]]]:
        sizes = [self.network_input_size, *self.layer_output_sizes]
        return [((n_in, n_out), (n_out,)) for n_in, n_out in itertools.pairwise(sizes)]

    def _array_shapes(self) -> list[tuple[int, ...]]:
        """Shapes of W0, b0, W1, b1, ...: the layout of the flat parameter vector."""
        return [shape for pair in self._shapes() for shape in pair]

    # ----------------------------------------------------------------- files
    def save(self, path: Any, *, extra: Any = None) -> None:
        """Save to a safetensors file (weights + architecture; never pickle).

        See :func:`nnet.serialization.save_network`; ``extra`` is a JSON-able
        mapping stored beside the architecture.
        """
        from nnet.serialization import save_network

        save_network(self, path, extra=extra)

    @classmethod
    def load(cls, path: Any) -> NeuralNetwork:
        """Load a network saved by :meth:`save`, bit-exact; a bad file raises ``ModelFileError``.

        See :func:`nnet.serialization.load_network`.
        """
        from nnet.serialization import load_network

        return load_network(path)

    # ----------------------------------------------------------------- display
    def __repr__(self) -> str:
        acts = [a.name for a in self.activation_funcs]
        extras = "".join(f", {k}={v!r}" for k, v in (("l1", self.l1), ("l2", self.l2)) if v)
        return (
            f"NeuralNetwork(network_input_size={self.network_input_size}, "
            f"layer_output_sizes={list(self.layer_output_sizes)}, activation_funcs={acts}, "
            f"cost_fun={self.cost_fun.name!r}{extras}, dtype={self.dtype.name!r})"
        )

    def summary(self) -> str:
        """Return a table of the layers: shapes, activation and parameter counts.

        Examples
        --------
        >>> net = NeuralNetwork(4, [8, 3], ["sigmoid", "softmax"], cost_fun="cross_entropy")
        >>> print(net.summary())
        NeuralNetwork: 4 -> 8 -> 3, cost=cross_entropy, dtype=float64
        layer  W shape  b shape  activation  params
        1      (4, 8)   (8,)     sigmoid         40
        2      (8, 3)   (3,)     softmax         27
        total parameters: 67 (l1=0.0, l2=0.0)
        """
        sizes = " -> ".join(str(s) for s in (self.network_input_size, *self.layer_output_sizes))
        rows = [("layer", "W shape", "b shape", "activation", "params")]
        for i, ((W, b), act) in enumerate(zip(self._layers, self.activation_funcs), start=1):
            rows.append((str(i), str(W.shape), str(b.shape), act.name, str(W.size + b.size)))
        widths = [max(len(row[c]) for row in rows) for c in range(5)]
        lines = [
            "  ".join(cell.ljust(w) for cell, w in zip(row[:4], widths))
            + "  "
            + row[4].rjust(widths[4])
            for row in rows
        ]
        return "\n".join(
            [
                f"NeuralNetwork: {sizes}, cost={self.cost_fun.name}, dtype={self.dtype.name}",
                *lines,
                f"total parameters: {self.n_params} (l1={self.l1}, l2={self.l2})",
            ]
        )
