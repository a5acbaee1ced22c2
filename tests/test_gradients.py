"""Backpropagation equals autograd and finite differences, over random networks (hypothesis)."""

from __future__ import annotations

import numpy as np
from helpers import (
    BUILTIN_ACTIVATIONS,
    BUILTIN_COSTS,
    PROBABILITY_OUTPUTS,
    flatten,
    make_targets,
    relative_error,
)
from hypothesis import assume, given
from hypothesis import strategies as st

from nnet import NeuralNetwork
from nnet.costs import COSTS, Cost


@st.composite
def problems(draw):
    """A random network (0-4 hidden layers, widths 1-16), batch (1-32) and matching targets."""
    n_hidden = draw(st.integers(0, 4))
    sizes = draw(st.lists(st.integers(1, 16), min_size=n_hidden + 1, max_size=n_hidden + 1))
    cost = draw(st.sampled_from(BUILTIN_COSTS))
    outputs = PROBABILITY_OUTPUTS if COSTS[cost].probabilities else BUILTIN_ACTIVATIONS
    acts = draw(
        st.lists(st.sampled_from(BUILTIN_ACTIVATIONS), min_size=n_hidden, max_size=n_hidden)
    )
    acts.append(draw(st.sampled_from(outputs)))
    net = NeuralNetwork(
        draw(st.integers(1, 8)),
        sizes,
        acts,
        cost_fun=cost,
        l1=draw(st.sampled_from([0.0, 0.03])),
        l2=draw(st.sampled_from([0.0, 0.05])),
        regularize_bias=draw(st.booleans()),
        init="xavier",
        seed=draw(st.integers(0, 2**32 - 1)),
    )
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    n = draw(st.integers(1, 32))
    X = rng.uniform(-2, 2, (n, net.network_input_size))
    return net, X, make_targets(cost, n, sizes[-1], rng)


def _not_saturated(net: NeuralNetwork, X: np.ndarray) -> bool:
    """The clipped logs of the cross-entropies are inactive, so the cost is smooth here."""
    if not net.cost_fun.probabilities:
        return True
    p = net.predict(X)
    return bool(np.all((p > 1e-7) & (p < 1 - 1e-7)))


@given(problems())
def test_backprop_equals_autograd(problem):
    net, X, Y = problem
    assume(_not_saturated(net, X))
    assert relative_error(net.compute_gradient(X, Y), net.autograd_gradient(X, Y)) <= 1e-8


_KINKED = {"relu", "leaky_relu"}


def _away_from_kinks(net: NeuralNetwork, X: np.ndarray, margin: float = 1e-4) -> bool:
    """No pre-activation of a ReLU-like layer lies within ``margin`` of its kink at 0.

    At a kink the cost has no derivative, and a central difference averages the two slopes.
    """
    a = X
    for (W, b), act in zip(net.layers, net.activation_funcs):
        z = a @ W + b
        if act.name in _KINKED and np.any(np.abs(z) < margin):
            return False
        a = act(z)
    return True


@given(problems(), st.integers(0, 2**32 - 1))
def test_backprop_equals_central_differences(problem, direction_seed):
    net, X, Y = problem
    rng = np.random.default_rng(direction_seed)
    # Random biases: with zero biases a dead ReLU feeds the next layer exactly z = 0, a kink.
    net.layers = [(W, b + rng.normal(0.0, 0.1, b.shape)) for W, b in net.layers]
    assume(_not_saturated(net, X) and _away_from_kinks(net, X))
    theta = net.layers
    direction = [(rng.normal(size=W.shape), rng.normal(size=b.shape)) for W, b in theta]
    norm = np.linalg.norm(flatten(direction))
    direction = [(dW / norm, db / norm) for dW, db in direction]

    def cost_at(step: float) -> float:
        net.layers = [(W + step * dW, b + step * db) for (W, b), (dW, db) in zip(theta, direction)]
        return net.cost(X, Y)

    h = 1e-6
    numeric = (cost_at(h) - cost_at(-h)) / (2 * h)
    net.layers = theta
    analytic = float(flatten(net.compute_gradient(X, Y)) @ flatten(direction))
    assert abs(numeric - analytic) <= 1e-6 * max(1.0, abs(analytic))


def _generic(cost: Cost) -> Cost:
    """The same cost, but not a library entry: the network must use the plain chain rule."""
    return Cost(cost.name + "_generic", cost.fn, cost.der, probabilities=cost.probabilities)


@given(
    st.sampled_from([("softmax", "cross_entropy"), ("sigmoid", "binary_cross_entropy")]),
    st.integers(1, 32),
    st.integers(1, 6),
    st.integers(0, 2**32 - 1),
)
def test_fused_output_delta_equals_generic_chain_rule(pair, n, n_out, seed):
    output, cost = pair
    rng = np.random.default_rng(seed)
    X, Y = rng.normal(size=(n, 3)), make_targets(cost, n, n_out, rng)
    fused = NeuralNetwork(3, [5, n_out], ["tanh", output], cost_fun=cost, seed=seed)
    generic = NeuralNetwork(3, [5, n_out], ["tanh", output], cost_fun=_generic(COSTS[cost]))
    generic.layers = fused.layers
    assume(_not_saturated(fused, X))
    assert relative_error(fused.compute_gradient(X, Y), generic.compute_gradient(X, Y)) <= 1e-10
