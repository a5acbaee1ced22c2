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
from collections.abc import Iterator, Sequence
from typing import Any

import autograd
import autograd.numpy as anp
import numpy as np
import scipy.sparse

from nnet.activations import Activation, make_activation, rows_dot
from nnet.costs import Cost, make_cost
from nnet.files import network_file
from nnet.initializers import get_initializer
from nnet.kernels import activation_kernels, active_kernels, output_kernel
from nnet.metrics import evaluate
from nnet.parameters import Layout, ParameterStore, slices
from nnet.utils.display import NetworkDisplay
from nnet.utils.docstrings import fill_doc
from nnet.utils.errors import NonFiniteError
from nnet.utils.types import Pairs, Shapes
from nnet.utils.validation import (
    NETWORK_ARGS,
    check_args,
    check_float_dtype,
    check_inputs,
    check_pairs,
    check_positive_int,
    check_targets,
    make_rng,
)

__all__ = ["NeuralNetwork"]  # Backprop, forward, ...: the engine's interface (docs/design.rst)

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
        scalars = check_args(NETWORK_ARGS, locals())
        self.network_input_size: int = scalars["network_input_size"]
        self.layer_output_sizes = check_sizes(layer_output_sizes, self.network_input_size)
        self.activation_funcs: list[Activation] = make_activations(
            activation_funcs, activation_ders, len(self.layer_output_sizes)
        )
        self.cost_fun: Cost = make_cost(cost_fun, cost_der)
        check_output_pairing(self.activation_funcs[-1], self.cost_fun)
        self.l1, self.l2 = scalars["l1"], scalars["l2"]
        self.regularize_bias: bool = scalars["regularize_bias"]
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

    @staticmethod
    def _kernel_set() -> str:
        """The kernel set a training started now runs (:meth:`summary` names it)."""
        return active_kernels()

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
        """The :class:`~nnet.parameters.ParameterStore` holding :attr:`layers` in one vector.

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
        layers = self._store.public_layers()
        check_sums(layers, checked, "updates")
        for (W, b), (dW, db) in zip(layers, checked):
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
        X = check_inputs(X, self.network_input_size, self.dtype)
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
        X, Y = check_data(self, X, Y)
        store = self._store
        with np.errstate(all="ignore"):
            *_, output, loss = forward_with_loss(
                self.activation_funcs, self.cost_fun, store.layers, X, Y
            )
            check_finite(output, "the outputs", X)
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
        return reference_forward(self, layers, X)

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
        return loss_and_gradient(self, *check_data(self, X, Y))[1]

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
        return reference_gradient(self, *check_data(self, X, Y))

    # ----------------------------------------------------------------- checks
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
        network_file.save(self, path, extra)

    @classmethod
    @fill_doc(sections=network_file.LOAD_SECTIONS)
    def load(cls, path: Any) -> NeuralNetwork:
        """Load a network saved by :meth:`save`, bit-exact; a bad file raises ``ModelFileError``.

        See :func:`nnet.serialization.load_network`.

        {sections}
        """
        return network_file.load(path, NeuralNetwork)

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


def check_data(net: NeuralNetwork, X: Any, Y: Any) -> tuple[Any, np.ndarray]:
    """``X`` (the network's dtype; CSR if sparse) and ``Y`` as (n_samples, n_outputs), checked
    for ``net``: the one data check of the network, training, sweeps and the estimators."""
    X = check_inputs(X, net.network_input_size, net.dtype)
    n_out = net.layer_output_sizes[-1]
    return X, check_targets(Y, X.shape[0], n_out, net.dtype, net.cost_fun.probabilities)


def loss_and_gradient(
    net: NeuralNetwork, X: Any, Y: np.ndarray, backprop: Backprop | None = None
) -> tuple[float, Pairs]:
    """Cost and gradient of ``net`` on checked ``(X, Y)``, one forward and one backward pass.

    The entry of full-batch solvers (L-BFGS): the gradient arrays are views of
    ``backprop.grad`` (a new vector unless a ``Backprop`` of this network for
    ``X.shape[0]`` rows is passed, to reuse its buffers), ``db`` of shape (n_out,).
    """
    backprop = backprop or Backprop(net, net.parameters.layout, X.shape[0])
    with np.errstate(all="ignore"):
        loss = backprop.loss_and_gradient(net.parameters, X, Y)
    check_finite(backprop.grad, "the gradient", X)
    return float(loss), [(dW, db.reshape(-1)) for dW, db in backprop.layer_grads]


def check_finite(values: np.ndarray, what: str, X: np.ndarray) -> None:
    """Raise if ``values`` computed from finite ``X`` overflowed (finite weights, huge X)."""
    if not np.isfinite(values).all():
        raise ValueError(
            f"{what} overflowed for X (largest |X| = {float(np.abs(X).max()):.3g}): "
            "the inputs are too large for this network; scale the features "
            "(e.g. sklearn.preprocessing.StandardScaler)"
        )


# ----------------------------------------------------------------------------- backpropagation
def forward(
    activations: Sequence[Activation],
    layers: Pairs,
    X: np.ndarray,
    outputs: list[np.ndarray] | None = None,
    *,
    activate_last: bool = True,
) -> tuple[list[np.ndarray], list[Any], np.ndarray]:
    """Forward pass keeping what backprop needs: each layer's input, and ``z`` if needed.

    ``z = a @ W + b`` is written into ``outputs[layer]`` (buffers of ``X.shape[0]``
    rows) or a new array, and the library's activations run in place on
    it; they backpropagate from their output, so their ``z`` is not kept (None).
    Returns ``(inputs, zs, output)``; ``output`` is the last ``z`` without
    ``activate_last`` (for :meth:`nnet.costs.Cost.activate_with_loss`).
    """
    inputs, zs, a = [], [], X
    last, dense = len(layers) - 1, isinstance(X, np.ndarray)  # else SciPy sparse
    for layer, ((W, b), activation) in enumerate(zip(layers, activations)):
        inputs.append(a)
        out = None if outputs is None else outputs[layer]
        z = np.matmul(a, W, out=out) if layer or dense else sparse_product(a, W, out)
        z += b
        zs.append(z if activation.needs_z else None)
        if layer == last and not activate_last:
            return inputs, zs, z
        a = activation.forward_inplace(z)
    return inputs, zs, a


def sparse_product(s: Any, dense: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """``s @ dense`` for a SciPy sparse ``s`` (the input X, never made dense), into ``out`` if
    given; a (K, m, n) stack of ``dense`` is one sparse product with its K matrices side by
    side."""
    if dense.ndim == 2:
        product = np.asarray(s @ dense)
    else:
        k, m, n = dense.shape
        side_by_side = np.asarray(s @ dense.transpose(1, 0, 2).reshape(m, k * n))
        product = side_by_side.reshape(-1, k, n).transpose(1, 0, 2)
    if out is None:
        return product
    np.copyto(out, product)
    return out


def forward_with_loss(
    activations: Sequence[Activation],
    cost: Cost,
    layers: Pairs,
    X: np.ndarray,
    Y: np.ndarray,
    outputs: list[np.ndarray] | None = None,
    rows_sum_to_one: bool = False,
) -> tuple[list[np.ndarray], list[Any], np.ndarray, Any]:
    """:func:`forward`, and the cost of its output (no penalty): a float, or one per model.

    A cost fused with the output activation (:meth:`nnet.costs.Cost.fuses_with`) applies
    that activation itself and computes the cost from the logits, exact where the
    probabilities round to 0 or 1. Returns ``(inputs, zs, output, loss)``.
    """
    fused = cost.fuses_with(activations[-1])
    inputs, zs, output = forward(activations, layers, X, outputs, activate_last=not fused)
    if fused:
        return inputs, zs, output, cost.activate_with_loss(output, Y, rows_sum_to_one)
    return inputs, zs, output, cost.loss(output, Y)


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
    keep_output : bool, default=False
        Keep each call's outputs in :attr:`output` (for metrics on the training
        data); the step then runs the NumPy kernels (see :mod:`nnet.kernels`).

    Attributes
    ----------
    grad : ndarray of shape ``layout.shape``
        The gradient of the last :meth:`loss_and_gradient` call.
    layer_grads : list of (ndarray, ndarray)
        ``[(dW, db), ...]``, views of ``grad`` (``db`` with its row axis).
    output : ndarray
        With ``keep_output``, the network's outputs in the last
        :meth:`loss_and_gradient` call (a buffer, overwritten by the next call).
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
        keep_output: bool = False,
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
        self._buffers: dict[int, tuple[list[np.ndarray], list[np.ndarray], np.ndarray]] = {}
        self._fused = self.cost.fuses_with(self.activations[-1])  # the cost's own output delta
        self._rows_sum_to_one = rows_sum_to_one  # a cheaper output delta: seed workload 12 % faster
        self._penalty_deferred = False
        self._kernels: tuple[list[Any], Any] | None = None  # None: the NumPy kernels
        if active_kernels() == "numba" and row_loss is None and not keep_output:
            # (the compiled output pass leaves the delta, not the outputs: no metrics)
            self._use_compiled_kernels(layout)

    def _use_compiled_kernels(self, layout: Layout) -> None:
        """Take the numba set's kernels (:mod:`nnet.kernels`) if every part has one."""
        hidden = [activation_kernels(activation) for activation in self.activations[:-1]]
        output = output_kernel(self.activations[-1], self.cost)
        if output is not None and None not in hidden:
            self._kernels = (hidden, output)
            self._bias_offsets = [where.start for where, _ in slices(layout.array_shapes)[1::2]]
            self._losses = np.empty(layout.shape[0] if self.stacked else 1)

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
        if self._kernels is not None and weights is None:
            return self._compiled_loss_and_gradient(parameters, X, Y)
        layers = parameters.layers
        outputs, errors, ones = self._buffers_for(X.shape[0])
        inputs, zs, output, loss = forward_with_loss(
            self.activations, self.cost, layers, X, Y, outputs, self._rows_sum_to_one
        )
        self.output = output  # this batch's predictions, until the next call
        delta = self._output_delta(zs[-1], output, Y)
        if weights is not None:
            share = weights / weights.mean()
            loss = np.mean(share * self.row_loss(output, Y))
            delta *= share[:, None].astype(delta.dtype)
        for layer in range(len(layers) - 1, -1, -1):
            dW, db = self.layer_grads[layer]
            if layer or isinstance(X, np.ndarray):
                np.matmul(inputs[layer].swapaxes(-1, -2), delta, out=dW)
            else:  # a SciPy sparse X
                sparse_product(X.T, delta, dW)
            np.matmul(ones, delta, out=db)  # row sums as a product: W4 15 to 19 % faster
            if layer > 0:
                error = np.matmul(delta, layers[layer][0].swapaxes(-1, -2), out=errors[layer - 1])
                activation = self.activations[layer - 1]
                delta = activation.backward_inplace(zs[layer - 1], inputs[layer], error)
        if self._penalty is not None and not self._penalty_deferred:  # at these parameters
            factor = 1.0 if weights is None else 1.0 / float(weights.mean())
            loss = loss + self._penalty.add_gradient(parameters.vector, self.grad, factor)
        return loss

    def _compiled_loss_and_gradient(self, parameters: ParameterStore, X: Any, Y: np.ndarray) -> Any:
        """:meth:`loss_and_gradient` (without sample weights) through compiled kernels.

        The same passes as the NumPy kernels', fused (see :mod:`nnet.kernels`): each hidden
        layer's bias and activation, forward, and its activation's backward with its bias
        gradient; the output's bias, softmax, loss, delta and bias gradient in one. The
        products are the same NumPy (BLAS) calls.
        """
        assert self._kernels is not None
        (hidden, output), offsets = self._kernels, self._bias_offsets
        layers, dense = parameters.layers, isinstance(X, np.ndarray)  # else SciPy sparse
        params, grad = _rows(parameters.vector), _rows(self.grad)
        outputs, errors, _ = self._buffers_for(X.shape[0])
        inputs, a, last = [], X, len(layers) - 1
        for layer, (W, _) in enumerate(layers):
            inputs.append(a)
            a = (
                np.matmul(a, W, out=outputs[layer])
                if layer or dense
                else sparse_product(a, W, outputs[layer])
            )
            if layer < last:
                hidden[layer][0](_stack(a), params, offsets[layer])
        output(_stack(a), params, offsets[last], Y, self._rows_sum_to_one, grad, self._losses)
        delta = a  # the output pass leaves the delta in place of the logits
        for layer in range(last, -1, -1):
            dW = self.layer_grads[layer][0]
            if layer or dense:
                np.matmul(inputs[layer].swapaxes(-1, -2), delta, out=dW)
            else:
                sparse_product(X.T, delta, dW)
            if layer > 0:
                error = np.matmul(delta, layers[layer][0].swapaxes(-1, -2), out=errors[layer - 1])
                hidden[layer - 1][1](_stack(inputs[layer]), _stack(error), grad, offsets[layer - 1])
                delta = error
        loss: Any = self._losses.copy() if self.stacked else float(self._losses[0])
        if self._penalty is not None and not self._penalty_deferred:
            loss = loss + self._penalty.add_gradient(parameters.vector, self.grad)
        return loss

    def defer_penalty(self) -> StepPenalty | None:
        """Leave the penalty out of :meth:`loss_and_gradient` from now on, and return it.

        The caller then adds its value and gradient itself: the training engine's fused
        update (:class:`nnet.kernels.FusedStep`) does so in the pass of the update.
        """
        self._penalty_deferred = True
        return self._penalty

    def _buffers_for(self, n: int) -> tuple[list[np.ndarray], list[np.ndarray], np.ndarray]:
        """The output and error buffers sliced to ``n`` rows, and a (1, n) row of ones.

        Made once per batch length.
        """
        if n not in self._buffers:
            if self._kernels is None:
                cut = lambda buffer: buffer[..., :n, :]  # noqa: E731
            else:  # the compiled kernels run flat loops over C-contiguous arrays
                cut = lambda buffer: np.empty(buffer[..., :n, :].shape, buffer.dtype)  # noqa: E731
            self._buffers[n] = (
                [cut(out) for out in self._outputs],
                [cut(err) for err in self._errors],
                np.ones((1, n), self.grad.dtype),
            )
        return self._buffers[n]

    def _output_delta(self, z: Any, a: np.ndarray, Y: np.ndarray) -> np.ndarray:
        r""":math:`\partial C/\partial z^L`, a new array."""
        if self._fused:
            return self.cost.output_delta(a, Y, rows_sum_to_one=self._rows_sum_to_one)
        cost = self.cost
        if cost.builtin:
            grad_a = cost.der(a, Y)
        elif self.stacked:
            grad_a = np.stack([np.asarray(cost.der(ak, Y)) for ak in a]).astype(a.dtype)
        else:  # a custom gradient might hand back one of its arguments: copy it
            grad_a = np.array(cost.der(a, Y), dtype=a.dtype)
        return self.activations[-1].backward_inplace(z, a, grad_a)


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
    gradient and one dot product per model the value.

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
        # The factors of c2 and c1, for the compiled update (nnet.kernels): per model, and mask.
        self.factors = (
            2.0 * np.asarray(l2) if on(l2) else None,
            np.asarray(l1) if on(l1) else None,
            mask,
        )

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
            source = np.sign(vector, out=self._buffer) if signs else vector
            term = np.multiply(source, coefficient, out=self._buffer)
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


def _rows(vector: np.ndarray) -> np.ndarray:
    """A (K, n) stack's rows as they are, a lone (n,) vector as one row: a view."""
    return vector if vector.ndim == 2 else vector[None]


def _stack(array: np.ndarray) -> np.ndarray:
    """A (K, n, m) stack as it is, a lone (n, m) array as a stack of one: a view."""
    return array if array.ndim == 3 else array[None]


def _rows_dot(x: np.ndarray, y: np.ndarray) -> Any:
    r""":math:`\langle x, y\rangle`: a float for vectors, one per row for (K, n) arrays."""
    if x.ndim == 1:
        return float(np.dot(x, y))
    return rows_dot(x, y)


def reference_forward(net: Any, layers: Any, X: Any, last_activation: bool = True) -> Any:
    """The output of ``net`` with parameters ``layers`` (or the output layer's logits ``z``)."""
    a, last = (X.toarray() if scipy.sparse.issparse(X) else X), len(net.activation_funcs) - 1
    for i, ((W, b), activation) in enumerate(zip(layers, net.activation_funcs)):
        z = anp.dot(a, W) + b
        a = activation(z) if (i < last or last_activation) else z
    return a


def reference_gradient(net: Any, X: np.ndarray, Y: np.ndarray) -> Pairs:
    """``[(dW, db), ...]``: autograd's gradient of ``net.cost`` at checked ``X``, ``Y``."""
    cost = net.cost_fun
    fused = cost.fuses_with(net.activation_funcs[-1])

    def total_cost(layers: Any) -> Any:
        # (Without penalties the layers are not walked twice: autograd adds a full-size
        # zero gradient for every pass over a list of parameters.)
        term = penalty(layers, net.l1, net.l2, net.regularize_bias) if net.l1 or net.l2 else 0.0
        if not fused:
            return cost(net.autograd_compliant_predict(layers, X), Y) + term
        logits = reference_forward(net, layers, X, last_activation=False)
        return cost.from_logits(logits, Y) + term  # exact, as cost() is

    grads = autograd.grad(total_cost)([(W.copy(), b.copy()) for W, b in net.layers])
    return [(np.asarray(dW), np.asarray(db)) for dW, db in grads]
