"""Backpropagation equals autograd and finite differences, over random networks.

The networks, inputs and targets come from the public strategies of
:mod:`nnet.testing.strategies`, and the comparisons from :func:`nnet.testing.check_gradients`:
the library's own gradient tests use exactly what users get.
"""

from __future__ import annotations

import numpy as np
from helpers import make_targets, relative_error
from hypothesis import assume, given
from hypothesis import strategies as st

from nnet import NeuralNetwork
from nnet.costs import COSTS, Cost
from nnet.testing import assert_gradients_close, check_gradients
from nnet.testing.strategies import problems


def _not_saturated(net: NeuralNetwork, X: np.ndarray) -> bool:
    """No output within 1e-7 of 0 or 1, where the references lose digits in log(1 - p)."""
    if not net.cost_fun.probabilities:
        return True
    p = net.predict(X)
    return bool(np.all((p > 1e-7) & (p < 1 - 1e-7)))


# As wide as the hand-written strategy these tests used before: up to 5 layers of 16 units.
BIG = {"max_layers": 5, "max_width": 16, "max_inputs": 8, "max_samples": 32}


@given(problems(**BIG))
def test_backprop_equals_autograd(problem):
    net, X, Y = problem
    assume(_not_saturated(net, X))
    assert_gradients_close(net, X, Y, against=["autograd"], rtol=1e-8)


@given(problems())
def test_backprop_equals_central_differences_along_coordinates(problem):
    assert_gradients_close(*problem, against=["finite_differences"])


@given(problems(**BIG), st.integers(0, 2**32 - 1))
def test_backprop_equals_central_differences_along_random_directions(problem, seed):
    assert_gradients_close(
        *problem, against=["finite_differences"], max_coordinates=0, n_directions=3, seed=seed
    )


@given(problems(dtypes=[np.float32]))
def test_float32_backprop_equals_both_references(problem):
    net, X, Y = problem
    assume(_not_saturated(net, X))
    report = check_gradients(net, X, Y)
    # A float32 array whose every finite-difference probe crossed a kink (ELU's at 0 with one
    # unit, say) compares nothing: the example proves nothing either way.
    assume(not report.inconclusive)
    assert report.ok, str(report)


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
