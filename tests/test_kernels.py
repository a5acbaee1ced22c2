"""The in-place NumPy kernels of the hot path equal the public autograd-ready functions, and
each fused output delta is the chain rule it replaces."""

from __future__ import annotations

import numpy as np
import pytest
from helpers import BUILTIN_ACTIVATIONS, BUILTIN_COSTS, LARGEST_INPUT, make_targets

from nnet.activations import ACTIVATIONS, get_activation
from nnet.costs import COSTS, Cost

RNG = np.random.default_rng(0)
Z = np.vstack([RNG.normal(scale=3.0, size=(6, 5)), np.zeros((1, 5)), np.full((1, 5), -1e4)])
# Kernels may switch method with the array's size (sigmoid does): test both sides.
EDGES = [-1e4, -750.0, -720.0, -100.0, -88.0, 0.0, 88.0, 720.0, 1e4]
Z_LARGE = np.concatenate([RNG.normal(scale=10.0, size=(300, 10)), np.tile(EDGES, (2, 10))[:, :10]])
VARIANTS = [ACTIVATIONS[name] for name in BUILTIN_ACTIVATIONS] + [
    get_activation("leaky_relu", alpha=0.3),
    get_activation("leaky_relu", alpha=0.0),
    get_activation("leaky_relu", alpha=2.0),  # above 1: the kernel's other branch
    get_activation("elu", alpha=0.5),
]


@pytest.mark.parametrize("act", VARIANTS, ids=repr)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("size", ["small", "large"])
def test_fast_kernels_equal_public_functions(act, dtype, size):
    assert act.fast_forward is not None and act.fast_backward is not None
    z = np.minimum(Z if size == "small" else Z_LARGE, LARGEST_INPUT.get(act.name, np.inf))
    z = z.astype(dtype)
    grad = np.random.default_rng(1).normal(size=z.shape).astype(dtype)  # not order-dependent
    with np.errstate(all="ignore"):  # as the hot path runs them (sigmoid's e^-z overflows)
        a = act.forward_inplace(z.copy())
    rtol = 1e-6 if dtype == np.float32 else 1e-13
    assert a.dtype == dtype
    np.testing.assert_allclose(a, act(z), rtol=rtol, atol=1e-30)
    expected = act.backward(z, act(z), grad)
    # elu's kernel forms alpha e^z as a + alpha: exact to eps * alpha in absolute terms.
    atol = rtol * float(np.abs(expected).max())
    got = act.backward_inplace(None, a, grad.copy())
    np.testing.assert_allclose(got, expected, rtol=rtol, atol=atol)


@pytest.mark.parametrize("name", BUILTIN_COSTS)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("stacked", [False, True])
def test_fast_losses_equal_public_costs(name, dtype, stacked):
    cost = COSTS[name]
    assert type(cost).loss is not Cost.loss  # a library cost has its own NumPy kernel
    pred = RNG.uniform(0.01, 0.99, (2, 9, 3) if stacked else (9, 3)).astype(dtype)
    pred[..., 0, 0] = 0.0  # log(0) must be avoided the same way
    target = make_targets(name, 9, 3, RNG).astype(dtype)
    rtol = 1e-5 if dtype == np.float32 else 1e-13
    expected = [float(cost(p, target)) for p in pred] if stacked else float(cost(pred, target))
    np.testing.assert_allclose(cost.loss(pred, target), expected, rtol=rtol)
    # The generic loss (any custom cost's) agrees with the kernel, a float or one per model.
    np.testing.assert_allclose(Cost.loss(cost, pred, target), expected, rtol=rtol)


@pytest.mark.parametrize("bad", [-0.1, float("inf"), "0.1", True])
def test_library_activation_parameters_must_be_non_negative_numbers(bad):
    with pytest.raises(ValueError, match="alpha must be a finite number >= 0"):
        get_activation("leaky_relu", alpha=bad)


FUSED = [cost for cost in COSTS.values() if cost.fused_activation is not None]


@pytest.mark.parametrize("cost", FUSED, ids=repr)
@pytest.mark.parametrize("stacked", [False, True])
@pytest.mark.parametrize("rows_sum_to_one", [False, True])
def test_fused_output_delta_is_the_chain_rule_through_its_activation(
    cost, stacked, rows_sum_to_one
):
    act = ACTIVATIONS[cost.fused_activation]
    assert cost.fuses_with(act) and not cost.fuses_with(ACTIVATIONS["identity"])
    z = RNG.normal(size=(2, 7, 3) if stacked else (7, 3))
    target = make_targets(cost.name, 7, 3, RNG)
    if not rows_sum_to_one and cost.name == "cross_entropy":
        target = RNG.uniform(0.0, 1.0, (7, 3))  # rows summing to anything: the general form
    a = act(z)
    models = zip(z, a) if stacked else [(z, a)]
    chain_rule = [act.backward(zk, ak, cost.der(ak, target)) for zk, ak in models]
    expected = np.stack(chain_rule) if stacked else chain_rule[0]
    got = cost.output_delta(a, target, rows_sum_to_one=rows_sum_to_one)
    np.testing.assert_allclose(got, expected, rtol=1e-10, atol=1e-15)


@pytest.mark.parametrize("cost", FUSED, ids=repr)
@pytest.mark.parametrize("stacked", [False, True])
@pytest.mark.parametrize("rows_sum_to_one", [False, True])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_fused_forward_is_the_activation_and_the_cost_from_logits(
    cost, stacked, rows_sum_to_one, dtype
):
    act = ACTIVATIONS[cost.fused_activation]
    z = RNG.normal(scale=3.0, size=(2, 7, 3) if stacked else (7, 3)).astype(dtype)
    z[..., 0, 0] = 900.0  # a probability that underflows: the cost stays exact
    target = make_targets(cost.name, 7, 3, RNG).astype(dtype)
    if not rows_sum_to_one:
        target = RNG.uniform(0.0, 1.0, (7, 3)).astype(dtype)
    a = z.copy()
    loss = cost.activate_with_loss(a, target, rows_sum_to_one)
    rtol = 1e-5 if dtype == np.float32 else 1e-12
    np.testing.assert_allclose(a, act(z), rtol=rtol, atol=1e-30)
    exact = cost.from_logits
    expected = [float(exact(zk, target)) for zk in z] if stacked else float(exact(z, target))
    np.testing.assert_allclose(loss, expected, rtol=rtol)
    assert np.shape(loss) == ((2,) if stacked else ())


def test_a_cost_without_a_fused_forward_says_so():
    with pytest.raises(NotImplementedError, match="no fused forward pass"):
        COSTS["mse"].activate_with_loss(np.zeros((2, 1)), np.zeros((2, 1)))
    with pytest.raises(NotImplementedError, match="no cost from the logits"):
        COSTS["mse"].from_logits(np.zeros((2, 1)), np.zeros((2, 1)))


# The shared reductions switch method with the shape (few or many rows, lone or stacked).
REDUCTION_SHAPES = [(7, 3), (300, 4), (100, 10, 3), (25, 32, 10), (4, 2, 40), (3, 5, 1)]


@pytest.mark.parametrize("shape", REDUCTION_SHAPES)
def test_shared_reductions_equal_numpys(shape):
    from nnet import activations as _kernels

    x, y = RNG.normal(size=shape), RNG.normal(size=shape)
    np.testing.assert_array_equal(_kernels.row_maxima(x), x.max(axis=-1, keepdims=True))
    np.testing.assert_allclose(_kernels.row_sums(x), x.sum(axis=-1, keepdims=True), rtol=1e-12)
    per_model = (-2, -1) if x.ndim == 3 else (0, 1)
    np.testing.assert_allclose(_kernels.model_sum(x), x.sum(axis=per_model), rtol=1e-12)
    np.testing.assert_allclose(_kernels.model_dot(x, y), (x * y).sum(axis=per_model), rtol=1e-12)
    if x.ndim == 3:  # a target shared by every model
        np.testing.assert_allclose(
            _kernels.model_dot(x, y[0]), (x * y[0]).sum(axis=per_model), rtol=1e-12
        )
