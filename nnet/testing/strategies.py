r"""Hypothesis strategies for networks built from your own parts, with matching data.

A property test of a new activation is three lines::

    from hypothesis import given
    from nnet.testing import assert_gradients_close
    from nnet.testing.strategies import problems

    @given(problems(activations=[my_swish, "relu"], costs=["mse"], max_layers=3))
    def test_my_swish(problem):
        assert_gradients_close(*problem)

Parts may be given as library names, functions (differentiated by autograd),
:class:`~nnet.activations.Activation` / :class:`~nnet.costs.Cost` objects, or
``(function, derivative)`` pairs, which is how to test a hand-written derivative.

Networks use the ``"xavier"`` initializer plus small random biases (so that no
ReLU sits exactly on its kink), inputs are uniform in ``[-2, 2]``, and targets
match the cost: one-hot rows for ``"cross_entropy"``, 0/1 labels for the other
costs that need probabilities, counts for ``"poisson"`` (whose networks end in
``"exp"``), standard normal values otherwise.

Needs `hypothesis <https://hypothesis.readthedocs.io>`_, the ``testing`` extra
(``pip install "nnet[testing]"``); it is imported when a strategy is built.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import Any, NamedTuple

import numpy as np

from nnet.activations import ACTIVATIONS, Activation, make_activation
from nnet.costs import COSTS, Cost, make_cost
from nnet.network import NeuralNetwork
from nnet.testing._optimizer import Quadratic
from nnet.utils.validation import (
    check_bool,
    check_float_dtype,
    check_non_negative_float,
    check_positive_int,
    check_real,
)

__all__ = ["Problem", "networks", "problems", "quadratics", "targets"]

PROBABILITY_OUTPUTS = ("sigmoid", "softmax")
COST_OUTPUTS = {"poisson": ("exp",)}
"""The output activations of library costs that need one other than ``PROBABILITY_OUTPUTS``
(positive predictions for ``"poisson"``); the other costs take the hidden activations."""
OUTPUT_ONLY = ("exp",)
"""Library activations not drawn for hidden layers: stacked, exponentials overflow."""
LIBRARY_ACTIVATIONS = tuple(
    sorted(n for n, a in ACTIVATIONS.items() if a.builtin and n not in OUTPUT_ONLY)
)
LIBRARY_COSTS = tuple(sorted(n for n, c in COSTS.items() if c.builtin))


def _st() -> Any:
    """``hypothesis.strategies``, or an ImportError naming the extra to install."""
    try:
        from hypothesis import strategies
    except ImportError as error:  # pragma: no cover - hypothesis is installed for our tests
        raise ImportError(
            "nnet.testing.strategies needs hypothesis; install the testing extra: "
            'pip install "nnet[testing]"'
        ) from error
    return strategies


class Problem(NamedTuple):
    """A network with inputs and matching targets: ``net, X, Y = problem``.

    Parameters
    ----------
    net : NeuralNetwork
        The network.
    X : ndarray of shape (n_samples, network_input_size)
        Inputs.
    Y : ndarray of shape (n_samples, n_outputs)
        Targets that suit the network's cost.
    """

    net: NeuralNetwork
    X: np.ndarray
    Y: np.ndarray


def _activation(part: Any) -> Activation:
    """An activation from a name, function, Activation or ``(function, derivative)`` pair."""
    if isinstance(part, tuple):
        return make_activation(*part, argname="activations")
    return make_activation(part, argname="activations")


def _cost(part: Any, argname: str = "costs") -> Cost:
    """A cost from a name, function, Cost or ``(function, derivative)`` pair."""
    if isinstance(part, tuple):
        return make_cost(*part, argname=argname)
    return make_cost(part, argname=argname)


def _choices(parts: Sequence[Any] | None, default: Sequence[Any], name: str) -> list[Any]:
    """``parts`` (or ``default`` for None) as a list, or an error unless a non-empty sequence."""
    parts = default if parts is None else parts
    if isinstance(parts, (str, bytes)) or not isinstance(parts, Sequence):
        raise TypeError(f"{name} must be a non-empty list, got {parts!r}")
    if not parts:
        raise ValueError(f"{name} must be a non-empty list, got {parts!r}")
    return list(parts)


def _dtypes(dtypes: Any) -> list[np.dtype[Any]]:
    """The list of float dtypes to draw from, or an error naming ``dtypes``."""
    checked = []
    for d in _choices(dtypes, (), "dtypes"):
        try:
            checked.append(check_float_dtype(d))
        except (TypeError, ValueError) as error:
            raise type(error)(f"dtypes must list float32/float64 dtypes, got {d!r}") from None
    return checked


def _each(values: Any, name: str, check: Any) -> list[Any]:
    """The non-empty list ``values``, each checked by ``check(value, "name[i]")``."""
    return [check(v, f"{name}[{i}]") for i, v in enumerate(_choices(values, (), name))]


def targets(cost: Any, n_samples: int, n_outputs: int, rng: np.random.Generator) -> np.ndarray:
    """Targets that make sense for ``cost``: one-hot rows, 0/1 labels, or real values.

    Parameters
    ----------
    cost : str or Cost
        The network's cost.
    n_samples, n_outputs : int
        The shape of the targets.
    rng : numpy.random.Generator
        The generator drawn from.

    Returns
    -------
    ndarray of shape (n_samples, n_outputs)
        One-hot rows for cross-entropy, 0/1 for other probability costs, counts
        (Poisson(1)) for poisson, else N(0, 1).

    Examples
    --------
    >>> targets("cross_entropy", 2, 3, np.random.default_rng(0)).sum(axis=1)
    array([1., 1.])
    """
    cost = _cost(cost, "cost")
    check_positive_int(n_samples, "n_samples")
    check_positive_int(n_outputs, "n_outputs")
    if not isinstance(rng, np.random.Generator):
        raise TypeError(f"rng must be a numpy.random.Generator, got {type(rng).__name__}")
    if cost.name == "cross_entropy":
        return np.eye(n_outputs)[rng.integers(0, n_outputs, n_samples)]
    if cost.name == "poisson":
        return rng.poisson(1.0, (n_samples, n_outputs)).astype(float)
    if cost.probabilities:
        return rng.integers(0, 2, (n_samples, n_outputs)).astype(float)
    return rng.normal(size=(n_samples, n_outputs))


def networks(
    activations: Sequence[Any] | None = None,
    costs: Sequence[Any] | None = None,
    *,
    output_activations: Sequence[Any] | None = None,
    min_layers: int = 1,
    max_layers: int = 4,
    max_width: int = 8,
    max_inputs: int = 6,
    dtypes: Sequence[Any] = (np.float64,),
    l1: Sequence[float] = (0.0, 0.03),
    l2: Sequence[float] = (0.0, 0.05),
    regularize_bias: Sequence[bool] = (False, True),
) -> Any:
    """A strategy for networks whose layers use ``activations`` and whose cost is in ``costs``.

    Parameters
    ----------
    activations : list or None, default=None
        Hidden-layer activations to draw from (names, functions, Activation
        objects or ``(function, derivative)`` pairs); ``None``: every library one
        but those of :data:`OUTPUT_ONLY`.
    costs : list or None, default=None
        Costs to draw from (same forms); ``None``: every library cost.
    output_activations : list or None, default=None
        Output activations; ``None``: those of :data:`COST_OUTPUTS` for a cost
        listed there, sigmoid/softmax for a cost that needs probabilities, else
        ``activations``.
    min_layers, max_layers : int, default=1, 4
        Number of layers, the output layer included.
    max_width, max_inputs : int, default=8, 6
        Largest layer width and input size.
    dtypes, l1, l2, regularize_bias : lists
        Values to draw from (non-empty): float32/float64 dtypes, numbers >= 0, booleans.

    Returns
    -------
    hypothesis.strategies.SearchStrategy of NeuralNetwork
    """
    st = _st()
    hidden = [_activation(a) for a in _choices(activations, LIBRARY_ACTIVATIONS, "activations")]
    cost_list = [_cost(c) for c in _choices(costs, LIBRARY_COSTS, "costs")]
    outputs = None
    if output_activations is not None:
        outputs = [_activation(a) for a in _choices(output_activations, (), "output_activations")]
    for name, value in [("min_layers", min_layers), ("max_layers", max_layers),
                        ("max_width", max_width), ("max_inputs", max_inputs)]:  # fmt: skip
        check_positive_int(value, name)
    if min_layers > max_layers:
        raise ValueError(f"need min_layers <= max_layers, got {min_layers}, {max_layers}")
    dtypes = _dtypes(dtypes)
    l1, l2 = _each(l1, "l1", check_non_negative_float), _each(l2, "l2", check_non_negative_float)
    regularize_bias = _each(regularize_bias, "regularize_bias", check_bool)

    @st.composite
    def build(draw: Any) -> NeuralNetwork:
        cost = draw(st.sampled_from(cost_list))
        n_layers = draw(st.integers(min_layers, max_layers))
        if cost.name in COST_OUTPUTS:
            default_out = [_activation(a) for a in COST_OUTPUTS[cost.name]]
        elif cost.probabilities:
            default_out = [_activation(a) for a in PROBABILITY_OUTPUTS]
        else:
            default_out = hidden
        acts = [draw(st.sampled_from(hidden)) for _ in range(n_layers - 1)]
        acts.append(draw(st.sampled_from(outputs or default_out)))
        sizes = [draw(st.integers(1, max_width)) for _ in range(n_layers)]
        if acts[-1].name == "softmax" and max_width > 1:  # one softmax output is always 1
            sizes[-1] = draw(st.integers(2, max_width))
        net = NeuralNetwork(
            draw(st.integers(1, max_inputs)), sizes, acts, cost_fun=cost,
            l1=draw(st.sampled_from(l1)), l2=draw(st.sampled_from(l2)),
            regularize_bias=draw(st.sampled_from(regularize_bias)),
            dtype=draw(st.sampled_from(dtypes)), init="xavier",
            seed=draw(st.integers(0, 2**32 - 1)),
        )  # fmt: skip
        rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
        net.layers = [(W, b + rng.normal(0.0, 0.1, b.shape)) for W, b in net.layers]
        return net

    return build()


def problems(
    activations: Sequence[Any] | None = None,
    costs: Sequence[Any] | None = None,
    *,
    max_samples: int = 16,
    **network_options: Any,
) -> Any:
    """A strategy for :class:`Problem` ``(net, X, Y)``: a network, inputs and matching targets.

    Parameters
    ----------
    activations, costs, **network_options
        As for :func:`networks`.
    max_samples : int, default=16
        Largest number of rows of ``X`` and ``Y``.

    Returns
    -------
    hypothesis.strategies.SearchStrategy of Problem

    Examples
    --------
    >>> from hypothesis import given, settings
    >>> from nnet.testing import check_gradients
    >>> @settings(max_examples=5, database=None)
    ... @given(problems(activations=["tanh"], costs=["mse"], max_layers=2))
    ... def test_tanh(problem):
    ...     assert check_gradients(*problem).ok
    >>> test_tanh()
    """
    st = _st()
    check_positive_int(max_samples, "max_samples")
    nets = networks(activations, costs, **network_options)

    @st.composite
    def build(draw: Any) -> Problem:
        net = draw(nets)
        n = draw(st.integers(1, max_samples))
        rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
        X = rng.uniform(-2.0, 2.0, (n, net.network_input_size)).astype(net.dtype)
        Y = targets(net.cost_fun, n, net.layer_output_sizes[-1], rng).astype(net.dtype)
        return Problem(net, X, Y)

    return build()


def quadratics(
    max_layers: int = 3,
    max_width: int = 6,
    dtypes: Sequence[Any] = (np.float64,),
    learning_rate: float = 1.0,
) -> Any:
    """A strategy for :class:`~nnet.testing.Quadratic` problems (see ``check_optimizer``).

    Parameters
    ----------
    max_layers : int, default=3
        The most layers drawn.
    max_width : int, default=6
        The largest layer width drawn.
    dtypes : sequence of dtype, default=(numpy.float64,)
        The dtypes drawn from (float32, float64).
    learning_rate : float, default=1.0
        The learning rate of the optimizer to check: the quadratics are those
        it can solve (see :meth:`~nnet.testing.Quadratic.random`).

    Returns
    -------
    hypothesis.strategies.SearchStrategy of Quadratic
    """
    st = _st()
    check_positive_int(max_layers, "max_layers")
    check_positive_int(max_width, "max_width")
    dtypes = _dtypes(dtypes)
    rate = check_real(learning_rate, "learning_rate", 0.0, low_open=True)

    @st.composite
    def build(draw: Any) -> Quadratic:
        n_layers = draw(st.integers(1, max_layers))
        sizes = [draw(st.integers(1, max_width)) for _ in range(n_layers + 1)]
        shapes = list(itertools.pairwise(sizes))
        dtype = draw(st.sampled_from(dtypes))
        seed = draw(st.integers(0, 2**32 - 1))
        return Quadratic.random(shapes, dtype, seed=seed, learning_rate=rate)

    return build()
