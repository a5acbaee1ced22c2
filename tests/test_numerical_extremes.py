"""Finite inputs at the edge of float64: a clear error or a finite answer, never a warning."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from nnet import NeuralNetwork
from nnet.activations import softmax
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
