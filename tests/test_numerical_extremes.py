"""Finite inputs at the edge of float64: a clear error or a finite answer, never a warning."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from helpers import make_targets

from nnet import NeuralNetwork
from nnet.activations import get_activation, softmax
from nnet.costs import COSTS
from nnet.optimizers import OPTIMIZERS

HUGE = [[1e308, 1e308]]


def test_public_softmax_at_the_float_limits_is_exact_and_silent():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        np.testing.assert_array_equal(softmax(np.array([[1e308, -1e308]])), [[1.0, 0.0]])


@pytest.mark.parametrize("method", ["predict", "cost", "compute_gradient"])
def test_outputs_that_overflow_are_a_value_error_naming_x(method):
    net = NeuralNetwork(2, [3, 2], ["relu", "identity"], seed=0)
    net.layers = [(np.full((2, 3), 2.0), np.zeros(3)), (np.ones((3, 2)), np.zeros(2))]
    args = (HUGE,) if method == "predict" else (HUGE, [[0.0, 1.0]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(ValueError, match=r"overflowed for X \(largest \|X\| = 1e\+308\)"):
            getattr(net, method)(*args)


def test_saturating_activations_give_their_finite_limits():
    net = NeuralNetwork(2, [3, 2], ["tanh", "softmax"], cost_fun="cross_entropy", seed=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert np.isfinite(net.predict(HUGE)).all()


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_optimizers_refuse_non_finite_gradients_and_keep_their_state(name, bad):
    opt = OPTIMIZERS[name]()
    layers = [(np.ones((2, 2)), np.ones(2))]
    opt.step([(np.ones((2, 2)), np.ones(2))], layers)
    before = opt.state_dict()
    with pytest.raises(ValueError, match=r"layer_grads\[0\] holds NaN or infinite values"):
        opt.step([(np.full((2, 2), bad), np.ones(2))], layers)
    after = opt.state_dict()
    assert after[1] == before[1]
    for key, value in before[0].items():
        np.testing.assert_array_equal(after[0][key], value)


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_float16_gradients_are_refused(name):
    with pytest.raises(TypeError, match="float32 or float64"):
        OPTIMIZERS[name]().step([(np.ones((1, 1), np.float16), np.ones(1, np.float16))])


def test_load_state_dict_refuses_nan_state_and_changes_nothing():
    opt = OPTIMIZERS["momentum"]()
    opt.step([(np.ones((1, 2)), np.ones(2))])
    arrays, meta = opt.state_dict()
    bad = {**arrays, "layer0.W.velocity": np.full((1, 2), np.nan)}
    with pytest.raises(ValueError, match=r"arrays\['layer0.W.velocity'\] holds NaN"):
        opt.load_state_dict(bad, meta)
    np.testing.assert_array_equal(opt.state_dict()[0]["layer0.W.velocity"],
                                  arrays["layer0.W.velocity"])  # fmt: skip


def _one_unit(activation, cost, W, dtype=np.float64):
    n_out = W.shape[1]
    net = NeuralNetwork(W.shape[0], [n_out], [activation], cost_fun=cost, dtype=dtype)
    net.layers = [(W, np.zeros(n_out))]
    return net


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("x", [40.0, 17.0, 5.0])
def test_sigmoid_bce_cost_and_gradient_agree_where_the_probability_rounds_to_one(x, dtype):
    """Issue 13: W = 1, x = 40, target 0 gave backprop 40 against autograd 0 (clipped log)."""
    net = _one_unit("sigmoid", "binary_cross_entropy", np.array([[1.0]]), dtype)
    X, Y = np.array([[x]]), np.array([[0.0]])
    exact = float(np.logaddexp(0.0, x))  # -log(1 - sigmoid(x)), the true cost
    # (float64 at x = 17 goes through probabilities 1 - 4e-8: about 1e-9 relative error)
    assert net.cost(X, Y) == pytest.approx(exact, rel=1e-6 if dtype == np.float32 else 1e-8)
    backprop, reference = net.compute_gradient(X, Y), net.autograd_gradient(X, Y)
    expected = x / (1 + np.exp(-x))  # x * (sigmoid(x) - 0)
    for (dW, db), (rW, rb) in zip(backprop, reference, strict=True):
        np.testing.assert_allclose(dW, rW, rtol=1e-5)
        np.testing.assert_allclose(db, rb, rtol=1e-5)
    np.testing.assert_allclose(backprop[0][0], [[expected]], rtol=1e-5)


@pytest.mark.parametrize("gap", [800.0, 50.0, 1.0])
def test_softmax_cross_entropy_cost_and_gradient_agree_at_any_logit_gap(gap):
    net = _one_unit("softmax", "cross_entropy", np.array([[gap / 2, -gap / 2]]))
    X, Y = np.array([[1.0]]), np.array([[0.0, 1.0]])
    assert net.cost(X, Y) == pytest.approx(float(np.logaddexp(0.0, gap)), rel=1e-14)
    backprop, reference = net.compute_gradient(X, Y), net.autograd_gradient(X, Y)
    np.testing.assert_allclose(backprop[0][0], reference[0][0], rtol=1e-12, atol=1e-300)
    np.testing.assert_allclose(backprop[0][1], reference[0][1], rtol=1e-12, atol=1e-300)
    finite_difference = net_cost_at(net, X, Y, gap + 1e-6) - net_cost_at(net, X, Y, gap - 1e-6)
    dW = backprop[0][0][0]  # the gap moves W by (+1/2, -1/2)
    assert finite_difference / 2e-6 == pytest.approx(0.5 * (dW[0] - dW[1]), rel=1e-5)


def net_cost_at(net, X, Y, gap):
    probe = _one_unit("softmax", "cross_entropy", np.array([[gap / 2, -gap / 2]]))
    return probe.cost(X, Y)


def test_training_on_saturated_outputs_reports_the_exact_loss():
    """The training loop's loss is the cost's: exact from the logits when probabilities clip."""
    from nnet import train
    from nnet.optimizers import SGD

    net = _one_unit("sigmoid", "binary_cross_entropy", np.array([[1.0]]))
    X, Y = np.array([[40.0], [38.0]]), np.array([[0.0], [0.0]])
    before = net.cost(X, Y)
    history = train(net, SGD(1e-6), X, Y, epochs=1, batch_size=None)
    assert history.train_loss[0] == pytest.approx(before, rel=1e-14)
    assert before == pytest.approx(39.0, rel=1e-12)


LOGIT_COSTS = [(name, cost.fused_activation) for name, cost in sorted(COSTS.items())
               if cost.fused_activation is not None]  # fmt: skip


@pytest.mark.parametrize(("cost", "activation"), LOGIT_COSTS)
def test_logit_costs_equal_the_probability_cost_their_kernel_and_per_model(cost, activation):
    """Over the registry: the cost from the logits (autograd, and the NumPy pass that also
    activates) is the cost of the activation's output in the normal range, and a stack's
    value is each model's."""
    entry, act = COSTS[cost], get_activation(activation)
    rng = np.random.default_rng(0)
    z = rng.normal(scale=3.0, size=(3, 7, 4))
    t = make_targets(cost, 7, 4, rng)

    def fast(logits):
        return entry.activate_with_loss(logits.copy(), t)

    for zk in z:
        expected = float(entry(act(zk), t))
        assert float(entry.from_logits(zk, t)) == pytest.approx(expected, rel=1e-12)
        assert float(fast(zk)) == pytest.approx(expected, rel=1e-12)
    np.testing.assert_allclose(fast(z), [float(fast(zk)) for zk in z], rtol=1e-13)
