"""Table-driven checks over the activation and cost registries: a new entry is tested here."""

from __future__ import annotations

import autograd
import numpy as np
import pytest
from helpers import BUILTIN_ACTIVATIONS, BUILTIN_COSTS, LARGEST_INPUT, make_targets

from nnet.activations import ACTIVATIONS, get_activation, register_activation
from nnet.costs import COSTS, get_cost, register_cost

Z = np.random.default_rng(0).normal(scale=3.0, size=(6, 5))
EXTREME = np.array([[-1e4, -800.0, -30.0, 0.0, 30.0, 800.0, 1e4]])


@pytest.mark.parametrize("name", BUILTIN_ACTIVATIONS)
def test_backward_rule_equals_autograd_vjp(name):
    act = ACTIVATIONS[name]
    grad_a = np.random.default_rng(1).normal(size=Z.shape)
    vjp, a = autograd.make_vjp(act)(Z)
    np.testing.assert_allclose(act.backward(Z, a, grad_a), vjp(grad_a), rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("name", BUILTIN_ACTIVATIONS)
def test_backward_rule_equals_finite_differences(name):
    act, h = ACTIVATIONS[name], 1e-6
    grad_a = np.random.default_rng(2).normal(size=Z.shape)
    got = act.backward(Z, act(Z), grad_a)
    for index in [(0, 0), (2, 3), (5, 4)]:
        step = np.zeros_like(Z)
        step[index] = h
        numeric = np.sum(grad_a * (act(Z + step) - act(Z - step))) / (2 * h)
        assert got[index] == pytest.approx(numeric, rel=1e-6, abs=1e-8)


@pytest.mark.parametrize("name", BUILTIN_ACTIVATIONS)
def test_activations_are_finite_without_warnings_at_extremes(name):
    act, z = ACTIVATIONS[name], np.minimum(EXTREME, LARGEST_INPUT.get(name, np.inf))
    a = act(z)
    assert np.isfinite(a).all()
    assert np.isfinite(act.backward(z, a, np.ones_like(z))).all()


def test_sigmoid_and_softmax_values():
    assert ACTIVATIONS["sigmoid"](EXTREME)[0, [0, 3, 6]].tolist() == [0.0, 0.5, 1.0]
    p = ACTIVATIONS["softmax"](np.vstack([EXTREME, -EXTREME]))
    np.testing.assert_allclose(p.sum(axis=1), 1.0, rtol=1e-15)
    assert p[0, -1] == 1.0 and p[1, 0] == 1.0


def test_leaky_relu_slope_is_configurable():
    act = get_activation("leaky_relu", alpha=0.3)
    assert act(np.array([-2.0])).tolist() == pytest.approx([-0.6])
    with pytest.raises(TypeError, match="alpha"):
        get_activation("leaky_relu", slope=0.3)


@pytest.mark.parametrize("name", BUILTIN_COSTS)
def test_cost_gradient_equals_autograd(name):
    cost, rng = COSTS[name], np.random.default_rng(3)
    pred = rng.uniform(0.05, 0.95, (7, 3))
    target = make_targets(name, 7, 3, rng)
    np.testing.assert_allclose(
        cost.der(pred, target), autograd.grad(cost.fn)(pred, target), rtol=1e-12, atol=1e-15
    )


@pytest.mark.parametrize("name", BUILTIN_COSTS)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_cost_is_finite_at_zero_and_one_probabilities(name, dtype):
    cost = COSTS[name]
    pred = np.array([[0.0, 1.0], [1.0, 0.0]], dtype=dtype)
    target = np.array([[1.0, 0.0], [0.0, 1.0]], dtype=dtype)
    assert np.isfinite(cost(pred, target))
    assert np.isfinite(cost.der(pred, target)).all()
    assert cost.der(pred, target).dtype == dtype


def test_mse_is_mean_over_all_elements():
    pred, target = np.arange(6.0).reshape(3, 2), np.ones((3, 2))
    assert COSTS["mse"](pred, target) == np.mean((pred - target) ** 2)


def test_cross_entropy_is_mean_over_samples():
    p, t = np.array([[0.2, 0.8], [0.5, 0.5]]), np.array([[0.0, 1.0], [1.0, 0.0]])
    assert COSTS["cross_entropy"](p, t) == pytest.approx(-(np.log(0.8) + np.log(0.5)) / 2)


def test_registering_custom_entries():
    act = register_activation("cube_test", lambda z: z**3, overwrite=True)
    assert get_activation("cube_test") is act
    np.testing.assert_allclose(act.backward(Z, act(Z), np.ones_like(Z)), 3 * Z**2)
    cost = register_cost("mae_test", lambda p, t: np.mean(np.abs(p - t)), overwrite=True)
    assert get_cost("mae_test") is cost
    with pytest.raises(ValueError, match="already registered"):
        register_activation("sigmoid", lambda z: z)
    with pytest.raises(ValueError, match="already registered"):
        register_cost("mse", lambda p, t: p)
    del ACTIVATIONS["cube_test"], COSTS["mae_test"]
