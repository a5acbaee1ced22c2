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

import numpy as np

from nnet import _network_file, _reference
from nnet._backprop import Backprop, forward, output_loss, step_penalty
from nnet._display import NetworkDisplay
from nnet._docstrings import fill_doc
from nnet._errors import NonFiniteError
from nnet._flat import Layout, ParameterStore
from nnet._types import Pairs, Shapes
from nnet._validation import (
    check_float_dtype,
    check_inputs,
    check_non_negative_float,
    check_pairs,
    check_positive_int,
    check_targets,
    make_rng,
)
from nnet.activations import Activation, make_activation
from nnet.costs import Cost, make_cost
from nnet.initializers import get_initializer
from nnet.metrics import evaluate

__all__ = ["NeuralNetwork"]

_XY = """
Parameters
----------
X : array-like of shape (n_samples, network_input_size)
Y : array-like of shape (n_samples, n_outputs)
"""


class NeuralNetwork(NetworkDisplay):
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
    init : {"xavier", "glorot", "normal", "he"} or callable, default="xavier"
        Initializer (see :mod:`nnet.initializers`); a callable is
        ``init(n_in, n_out, rng) -> (W, b)``. The default is Glorot/Xavier
        uniform (as in Keras), the same as the estimators and the command line;
        ``"normal"`` reproduces the course notebook's standard-normal weights.
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
        init: Any = "xavier",
        dtype: Any = np.float64,
        seed: int | None = None,
        rng: np.random.Generator | None = None,
    ) -> None:
        self.network_input_size = check_positive_int(network_input_size, "network_input_size")
        self.layer_output_sizes = check_sizes(layer_output_sizes, self.network_input_size)
        self.activation_funcs: list[Activation] = make_activations(
            activation_funcs, activation_ders, len(self.layer_output_sizes)
        )
        self.cost_fun: Cost = make_cost(cost_fun, cost_der)
        check_output_pairing(self.activation_funcs[-1], self.cost_fun)
        self.l1 = check_non_negative_float(l1, "l1")
        self.l2 = check_non_negative_float(l2, "l2")
        self.regularize_bias = bool(regularize_bias)
        self.dtype = check_float_dtype(dtype)
        self.init = init
        initializer = get_initializer(init)
        generator = make_rng(seed, rng)
        sizes = [self.network_input_size, *self.layer_output_sizes]
        layers = [initializer(n_in, n_out, generator) for n_in, n_out in itertools.pairwise(sizes)]
        checked = copy_layers(layers, self._shapes(), self.dtype, "init")
        layout = Layout(sizes, self.dtype)
        self._store = ParameterStore(layout, ParameterStore.pack(layout, checked))

    # ----------------------------------------------------------------- configuration
    def get_config(self) -> dict[str, Any]:
        """Return the constructor's keyword arguments that rebuild this architecture.

        ``activation_funcs`` and ``cost_fun`` are the :class:`~nnet.activations.Activation`
        and :class:`~nnet.costs.Cost` objects, which carry their derivatives, so a
        custom part comes back with its own derivative (hence no ``activation_ders``
        or ``cost_der``). The weights, ``seed`` and ``rng`` are not part of it.

        Returns
        -------
        dict of str to object
            ``network_input_size``, ``layer_output_sizes`` (a list),
            ``activation_funcs``, ``cost_fun``, ``l1``, ``l2``, ``regularize_bias``,
            ``init`` and ``dtype``.

        Examples
        --------
        >>> net = NeuralNetwork(2, [3, 1], ["tanh", "identity"], l2=0.1, seed=0)
        >>> config = net.get_config()
        >>> config["layer_output_sizes"], config["l2"], config["cost_fun"]
        ([3, 1], 0.1, Cost('mse'))
        """
        return {
            "network_input_size": self.network_input_size,
            "layer_output_sizes": list(self.layer_output_sizes),
            "activation_funcs": list(self.activation_funcs),
            "cost_fun": self.cost_fun,
            "l1": self.l1,
            "l2": self.l2,
            "regularize_bias": self.regularize_bias,
            "init": self.init,
            "dtype": self.dtype,
        }

    def clone(self, **changes: Any) -> NeuralNetwork:
        """Return a new network of the same architecture, with ``changes`` applied.

        The new network is ``NeuralNetwork(**{**self.get_config(), **changes})``:
        like scikit-learn's :func:`~sklearn.base.clone`, it does not copy the
        weights (the fitted state) but initializes new ones, from ``seed`` or
        ``rng`` when given in ``changes`` and from fresh randomness otherwise. To
        start from the same weights, assign them: ``twin.layers = net.layers``.

        Parameters
        ----------
        **changes
            Constructor arguments that replace this network's (``seed``, ``rng``,
            ``l2``, ``init``, ``layer_output_sizes``, ...). An unknown name raises
            ``TypeError``, as the constructor does.

        Returns
        -------
        NeuralNetwork
            A new network; this one is unchanged.

        Examples
        --------
        >>> net = NeuralNetwork(2, [3, 1], ["tanh", "identity"], seed=0)
        >>> wider = net.clone(layer_output_sizes=[5, 1], l2=0.01, seed=1)
        >>> wider.layer_output_sizes, wider.l2, wider.activation_funcs == net.activation_funcs
        ((5, 1), 0.01, True)
        >>> same = net.clone(seed=0)  # the same arguments and seed: the same weights
        >>> bool(np.array_equal(same.layers[0][0], net.layers[0][0]))
        True
        """
        return NeuralNetwork(**{**self.get_config(), **changes})

    # ----------------------------------------------------------------- parameters
    @property
    def layers(self) -> Pairs:
        """The parameters ``((W, b), ...)``, as read-only views of the live arrays.

        Assign a new list to replace them (shapes are checked and the arrays
        copied), or add updates with :meth:`update_weights`; copy the views to keep
        a snapshot, since training updates them. Writing into a view raises NumPy's
        ``ValueError`` (read-only), assigning an item of the tuple a ``TypeError``.
        """
        return tuple((_read_only(W), _read_only(b)) for W, b in self._store.public_layers())

    @layers.setter
    def layers(self, layers: Any) -> None:
        checked = copy_layers(layers, self._shapes(), self.dtype, "layers")
        self._store.replace(ParameterStore.pack(self._store.layout, checked))

    @property
    def parameters(self) -> ParameterStore:
        """The :class:`~nnet._flat.ParameterStore` holding :attr:`layers` in one vector.

        The interface the training loop and the optimizers work through (add an
        update, snapshot, restore, check finiteness); most code wants :attr:`layers`.
        """
        return self._store

    @property
    def n_params(self) -> int:
        """Total number of trainable numbers."""
        return self._store.layout.n_params

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
        checked = check_pairs(updates, "updates", self._shapes())
        check_sums(self.layers, checked, "updates")
        for (W, b), (dW, db) in zip(self._store.public_layers(), checked):
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

        Raises
        ------
        ValueError
            If ``X`` is not such an array of finite numbers, or its values are so
            large (say 1e308) that the outputs overflow.
        """
        X = self._check_X(X)
        with np.errstate(all="ignore"):
            output = self._forward(X)
        check_finite(output, "the outputs", X)
        return output

    @fill_doc(xy=_XY)
    def cost(self, X: Any, Y: Any) -> float:
        """Return the cost of the predictions for ``X`` against ``Y``, penalties included.

        {xy}

        Returns
        -------
        float
        """
        X, Y = self._check_XY(X, Y)
        store = self._store
        with np.errstate(all="ignore"):
            inputs, _, output = forward(self.activation_funcs, store.layers, X)
            check_finite(output, "the outputs", X)
            loss = output_loss(self.cost_fun, self.activation_funcs[-1], store.layers, inputs,
                               output, Y)  # fmt: skip
            penalty = step_penalty(store.layout, self.l1, self.l2, self.regularize_bias)
            if penalty is not None:
                loss += penalty.value(store.vector)
        check_finite(np.asarray(loss), "the cost", X)
        return float(loss)

    def autograd_compliant_predict(self, layers: Any, X: Any) -> Any:
        """The forward pass as a pure function of ``layers``, differentiable by autograd.

        Parameters
        ----------
        layers : list of (W, b)
            Parameters to use instead of :attr:`layers` (may be autograd boxes).
        X : ndarray of shape (n_samples, network_input_size)

        Returns
        -------
        ndarray or autograd box of shape (n_samples, n_outputs)
        """
        return _reference.forward(self, layers, X)

    def _forward(self, X: np.ndarray) -> np.ndarray:
        return forward(self.activation_funcs, self._store.layers, X)[-1]

    # ----------------------------------------------------------------- gradients
    @fill_doc(xy=_XY)
    def compute_gradient(self, X: Any, Y: Any) -> Pairs:
        """Return the gradient of :meth:`cost` by backpropagation, as ``[(dW, db), ...]``.

        {xy}

        Returns
        -------
        list of (ndarray, ndarray)
            Same shapes and dtype as :attr:`layers`; exactly the derivative of
            :meth:`cost`, regularization included.
        """
        return self._loss_and_gradient(*self._check_XY(X, Y))[1]

    def _loss_and_gradient(
        self, X: np.ndarray, Y: np.ndarray, backprop: Backprop | None = None
    ) -> tuple[float, Pairs]:
        """Cost and its gradient from one forward and one backward pass; inputs already checked.

        The documented internal interface for full-batch solvers (L-BFGS): the
        gradient arrays are views of ``backprop.grad`` (a new vector unless a
        ``Backprop`` of this network for ``len(X)`` rows is passed, to reuse its
        buffers), ``db`` of shape (n_out,).
        """
        backprop = backprop or Backprop(self, self._store.layout, len(X))
        with np.errstate(all="ignore"):
            loss = backprop.loss_and_gradient(self._store, X, Y)
        check_finite(backprop.grad, "the gradient", X)
        return float(loss), [(dW, db.reshape(-1)) for dW, db in backprop.layer_grads]

    @fill_doc(xy=_XY)
    def autograd_gradient(self, X: Any, Y: Any) -> Pairs:
        """Return the gradient of :meth:`cost` computed by autograd: the reference.

        Same inputs and output as :meth:`compute_gradient`, which must equal it.

        {xy}

        Returns
        -------
        list of (ndarray, ndarray)
            ``[(dW, db), ...]``, the shapes of :attr:`layers`.
        """
        return _reference.gradient(self, *self._check_XY(X, Y))

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

    # ----------------------------------------------------------------- files
    def save(self, path: Any, *, extra: Any = None) -> None:
        """Save to a safetensors file (weights + architecture; never pickle).

        See :func:`nnet.serialization.save_network`; ``extra`` is a JSON-able
        mapping stored beside the architecture.

        Parameters
        ----------
        path : str or os.PathLike
            The file to write (``.safetensors``).
        extra : mapping, optional
            JSON-able data stored beside the architecture.
        """
        _network_file.save(self, path, extra)

    @classmethod
    @fill_doc(sections=_network_file.LOAD_SECTIONS)
    def load(cls, path: Any) -> NeuralNetwork:
        """Load a network saved by :meth:`save`, bit-exact; a bad file raises ``ModelFileError``.

        See :func:`nnet.serialization.load_network`.

        {sections}
        """
        return _network_file.load(path, NeuralNetwork)

    # ----------------------------------------------------------------- evaluation
    def evaluate(self, X: Any, Y: Any, metrics: Any = None) -> dict[str, float]:
        """Return the cost on ``(X, Y)`` and each metric, with ``Y``'s shape checked.

        See :func:`nnet.metrics.evaluate`: ``Y`` is checked as :meth:`cost` and
        training check it, so a mismatched shape raises instead of broadcasting.

        Parameters
        ----------
        X : array-like of shape (n_samples, network_input_size)
        Y : array-like of shape (n_samples, n_outputs), or (n_samples,)
        metrics : str, callable or list of them, optional
            Names from :data:`nnet.metrics.METRICS` or ``metric(Y_true, Y_pred)``.

        Returns
        -------
        dict of str to float
            ``"loss"`` (the cost, penalties included), then each metric by name.

        Examples
        --------
        >>> net = NeuralNetwork(2, [3, 1], ["tanh", "identity"], seed=0)
        >>> scores = net.evaluate(np.ones((4, 2)), np.zeros(4), metrics=["mse"])
        >>> sorted(scores), scores["loss"] == scores["mse"]
        (['loss', 'mse'], True)
        """
        return evaluate(self, X, Y, metrics)


def _read_only(array: np.ndarray) -> np.ndarray:
    """A view of ``array`` that cannot be written through."""
    view = array.view()
    view.flags.writeable = False
    return view


# ----------------------------------------------------------------------------- checks
_PROBABILITY_OUTPUTS = {"sigmoid", "softmax"}


MAX_PARAMS = 1_000_000_000
"""The most parameters a network may have (8 GB in float64): larger sizes are refused
before anything is allocated, instead of failing deep in NumPy with a MemoryError."""


def check_sizes(sizes: Any, network_input_size: int | None = None) -> tuple[int, ...]:
    """``layer_output_sizes`` as a tuple of positive ints, at least one.

    A 1-D integer array is accepted like a list, as the estimators accept it. With
    ``network_input_size``, the parameter count is checked against :data:`MAX_PARAMS`.
    """
    if isinstance(sizes, np.ndarray) and sizes.ndim == 1:
        sizes = sizes.tolist()
    if isinstance(sizes, (str, bytes)) or not isinstance(sizes, Sequence):
        raise TypeError(f"layer_output_sizes must be a sequence of positive ints, got {sizes!r}")
    if len(sizes) == 0:
        raise ValueError("layer_output_sizes must name at least the output layer, got []")
    checked = tuple(check_positive_int(s, f"layer_output_sizes[{i}]") for i, s in enumerate(sizes))
    if network_input_size is not None:
        check_n_params(network_input_size, checked)
    return checked


def count_params(network_input_size: int, sizes: Sequence[int]) -> int:
    """Weights and biases of a network: the sum of ``(n_in + 1) * n_out`` over its layers."""
    widths = [network_input_size, *sizes]
    return sum((n_in + 1) * n_out for n_in, n_out in itertools.pairwise(widths))


def check_n_params(network_input_size: int, sizes: Sequence[int]) -> int:
    """The parameter count, or ValueError if it exceeds :data:`MAX_PARAMS` (the one size check)."""
    n_params = count_params(network_input_size, sizes)
    if n_params > MAX_PARAMS:
        widths = " -> ".join(map(str, [network_input_size, *sizes]))
        raise ValueError(
            f"layer_output_sizes: a {widths} network has {n_params:,} parameters, more than "
            f"the {MAX_PARAMS:,} nnet allows (nnet.network.MAX_PARAMS); use smaller layers"
        )
    return n_params


def make_activations(funcs: Any, ders: Any, n_layers: int) -> list[Activation]:
    """One :class:`Activation` per layer from the activation (and derivative) lists."""
    for name, seq in (("activation_funcs", funcs), ("activation_ders", ders)):
        if seq is None and name == "activation_ders":
            continue
        if isinstance(seq, (str, bytes)) or not isinstance(seq, Sequence):
            raise TypeError(f"{name} must be a list with one entry per layer, got {seq!r}")
        if len(seq) != n_layers:
            raise ValueError(
                f"{name} has {len(seq)} entries but layer_output_sizes has {n_layers} layers; "
                "give one per layer"
            )
    ders = ders if ders is not None else [None] * n_layers
    return [
        make_activation(f, d, argname=f"activation_funcs[{i}]")
        for i, (f, d) in enumerate(zip(funcs, ders))
    ]


def check_output_pairing(output: Activation, cost: Cost) -> None:
    """Refuse a cross-entropy cost after a library activation that cannot give probabilities."""
    if cost.probabilities and output.builtin and output.name not in _PROBABILITY_OUTPUTS:
        raise ValueError(
            f"cost_fun={cost.name!r} needs probabilities but the last activation is "
            f"{output.name!r}; use 'softmax' (classes) or 'sigmoid' (binary/multi-label)"
        )


def copy_layers(pairs: Any, shapes: Shapes, dtype: np.dtype[Any], name: str) -> Pairs:
    """Checked, finite ``pairs`` in ``dtype``, to be copied into the network's flat vector.

    Arrays already of ``dtype`` are returned as they are, not copied: the network
    packs them into its own new parameter vector next, so one copy suffices and
    loading a large model needs the file's size once more, not twice.
    """
    cast = [
        (W.astype(dtype, copy=False), b.astype(dtype, copy=False))
        for W, b in check_pairs(pairs, name, shapes)
    ]
    if not all(np.isfinite(W).all() and np.isfinite(b).all() for W, b in cast):  # float32 casts
        raise ValueError(f"{name} contain NaN or infinity; expected finite numbers")
    return cast


def check_sums(layers: Pairs, updates: Pairs, name: str) -> None:
    """Raise if adding ``updates`` to ``layers`` would overflow to infinity, changing nothing."""
    for i, ((W, b), (dW, db)) in enumerate(zip(layers, updates)):
        for part, array, update in (("W", W, dW), ("b", b, db)):
            with np.errstate(over="ignore", invalid="ignore"):
                total = np.add(array, update, dtype=array.dtype)
            if not np.isfinite(total).all():
                raise NonFiniteError(
                    f"{name}[{i}] {part} would make the weights infinite (overflow); "
                    "nothing was changed"
                )


def check_finite(values: np.ndarray, what: str, X: np.ndarray) -> None:
    """Raise if ``values`` computed from finite ``X`` overflowed (finite weights, huge X)."""
    if not np.isfinite(values).all():
        raise ValueError(
            f"{what} overflowed for X (largest |X| = {float(np.abs(X).max()):.3g}): "
            "the inputs are too large for this network; scale the features "
            "(e.g. sklearn.preprocessing.StandardScaler)"
        )
