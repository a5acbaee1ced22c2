"""The in-place NumPy kernels of the hot path equal the public autograd-ready functions."""

from __future__ import annotations

import numpy as np
import pytest
from helpers import BUILTIN_ACTIVATIONS, BUILTIN_COSTS, make_targets

from nnet.activations import ACTIVATIONS, get_activation
from nnet.costs import COSTS

RNG = np.random.default_rng(0)
Z = np.vstack([RNG.normal(scale=3.0, size=(6, 5)), np.zeros((1, 5)), np.full((1, 5), -1e4)])
VARIANTS = [ACTIVATIONS[name] for name in BUILTIN_ACTIVATIONS] + [
    get_activation("leaky_relu", alpha=0.3),
    get_activation("leaky_relu", alpha=0.0),
    get_activation("leaky_relu", alpha=2.0),  # above 1: the kernel's other branch
    get_activation("elu", alpha=0.5),
]


@pytest.mark.parametrize("act", VARIANTS, ids=repr)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_fast_kernels_equal_public_functions(act, dtype):
    assert act.fast_forward is not None and act.fast_backward is not None
    z = Z.astype(dtype)
    grad = RNG.normal(size=z.shape).astype(dtype)
    a = act._forward_inplace(z.copy())
    rtol = 1e-6 if dtype == np.float32 else 1e-13
    assert a.dtype == dtype
    np.testing.assert_allclose(a, act(z), rtol=rtol, atol=1e-30)
    expected = act.backward(z, act(z), grad)
    # elu's kernel forms alpha e^z as a + alpha: exact to eps * alpha in absolute terms.
    atol = rtol * float(np.abs(expected).max())
    got = act._backward_inplace(None, a, grad.copy())
    np.testing.assert_allclose(got, expected, rtol=rtol, atol=atol)


@pytest.mark.parametrize("name", BUILTIN_COSTS)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_fast_losses_equal_public_costs(name, dtype):
    cost = COSTS[name]
    assert cost.fast_fn is not None
    pred = RNG.uniform(0.01, 0.99, (9, 3)).astype(dtype)
    pred[0, 0] = 0.0  # log(0) must be avoided the same way
    target = make_targets(name, 9, 3, RNG).astype(dtype)
    rtol = 1e-5 if dtype == np.float32 else 1e-13
    assert cost._loss(pred, target) == pytest.approx(float(cost(pred, target)), rel=rtol)


@pytest.mark.parametrize("bad", [-0.1, float("inf"), "0.1", True])
def test_library_activation_parameters_must_be_non_negative_numbers(bad):
    with pytest.raises(ValueError, match="alpha must be a finite number >= 0"):
        get_activation("leaky_relu", alpha=bad)
