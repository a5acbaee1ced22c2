"""nnet.testing refuses bad arguments up front, naming them (issue 23: 26 cases crashed late)."""

from __future__ import annotations

import numpy as np
import pytest

from nnet import NeuralNetwork
from nnet.optimizers import Adam
from nnet.testing import Quadratic, assert_gradients_close, check_gradients, check_optimizer, trace
from nnet.testing.strategies import networks, problems, quadratics, targets

NET = NeuralNetwork(2, [3, 1], ["tanh", "identity"], seed=0)
X, Y = np.ones((4, 2)), np.zeros((4, 1))
RNG = np.random.default_rng(0)

CASES = {
    "check_gradients(against=None)": (lambda: check_gradients(NET, X, Y, against=None),
                                      TypeError, "against"),
    "check_gradients(against=[])": (lambda: check_gradients(NET, X, Y, against=[]),
                                    ValueError, "against"),
    "check_gradients(seed=-1)": (lambda: check_gradients(NET, X, Y, seed=-1), ValueError, "seed"),
    "check_gradients(seed='x')": (lambda: check_gradients(NET, X, Y, seed="x"), TypeError, "seed"),
    "check_gradients(step=1e300)": (lambda: check_gradients(NET, X, Y, step=1e300),
                                    ValueError, "step"),
    "check_gradients(max_coordinates=1.5)": (
        lambda: check_gradients(NET, X, Y, max_coordinates=1.5), TypeError, "max_coordinates"),
    "check_gradients(None, X, Y)": (lambda: check_gradients(None, X, Y), TypeError, "net"),
    "assert_gradients_close(None, X, Y)": (lambda: assert_gradients_close(None, X, Y),
                                           TypeError, "net"),
    "trace(None, X, Y)": (lambda: trace(None, X, Y), TypeError, "net"),
    "check_optimizer(None)": (lambda: check_optimizer(None), TypeError, "optimizer"),
    "check_optimizer(Adam)": (lambda: check_optimizer(Adam), TypeError, "Adam()"),
    "check_optimizer(reference=1)": (lambda: check_optimizer(Adam(), reference=1),
                                     TypeError, "reference"),
    "check_optimizer(elementwise='no')": (lambda: check_optimizer(Adam(), elementwise="no"),
                                          TypeError, "elementwise"),
    "check_optimizer(rtol=-1)": (lambda: check_optimizer(Adam(), rtol=-1.0), ValueError, "rtol"),
    "check_optimizer(n_steps=0)": (lambda: check_optimizer(Adam(), n_steps=0),
                                   ValueError, "n_steps"),
    "Quadratic.random([])": (lambda: Quadratic.random([]), TypeError, "shapes"),
    "Quadratic.random([(0, 2)])": (lambda: Quadratic.random([(0, 2)]), ValueError, r"shapes\[0\]"),
    "Quadratic.random(dtype=int)": (lambda: Quadratic.random([(1, 2)], dtype=np.int32),
                                    ValueError, "dtype"),
    "Quadratic.random(learning_rate=0)": (lambda: Quadratic.random([(1, 2)], learning_rate=0),
                                          ValueError, "learning_rate"),
    "networks(max_width=0)": (lambda: networks(max_width=0), ValueError, "max_width"),
    "networks(max_inputs=0)": (lambda: networks(max_inputs=0), ValueError, "max_inputs"),
    "networks(min_layers=0)": (lambda: networks(min_layers=0), ValueError, "min_layers"),
    "networks(dtypes=[])": (lambda: networks(dtypes=[]), ValueError, "dtypes"),
    "networks(dtypes='float64')": (lambda: networks(dtypes="float64"), TypeError, "dtypes"),
    "networks(dtypes=[np.int64])": (lambda: networks(dtypes=[np.int64]), ValueError, "dtypes"),
    "networks(l2=0.1)": (lambda: networks(l2=0.1), TypeError, "l2"),
    "networks(l1=[-1.0])": (lambda: networks(l1=[-1.0]), ValueError, r"l1\[0\]"),
    "networks(output_activations=[])": (lambda: networks(output_activations=[]),
                                        ValueError, "output_activations"),
    "networks(regularize_bias=['x'])": (lambda: networks(regularize_bias=["x"]),
                                        TypeError, r"regularize_bias\[0\]"),
    "problems(max_samples=0)": (lambda: problems(max_samples=0), ValueError, "max_samples"),
    "quadratics(max_layers=0)": (lambda: quadratics(max_layers=0), ValueError, "max_layers"),
    "quadratics(max_width=0)": (lambda: quadratics(max_width=0), ValueError, "max_width"),
    "quadratics(dtypes=[np.int32])": (lambda: quadratics(dtypes=[np.int32]), ValueError, "dtypes"),
    "quadratics(learning_rate=-1)": (lambda: quadratics(learning_rate=-1.0),
                                     ValueError, "learning_rate"),
    "targets(rng=0)": (lambda: targets("mse", 2, 2, 0), TypeError, "rng"),
    "targets(n_samples=0)": (lambda: targets("mse", 0, 2, RNG), ValueError, "n_samples"),
    "targets(n_outputs=-1)": (lambda: targets("mse", 2, -1, RNG), ValueError, "n_outputs"),
    "targets(cost=None)": (lambda: targets(None, 2, 2, RNG), TypeError, "cost"),
    "NeuralNetwork(regularize_bias='no')": (
        lambda: NeuralNetwork(2, [1], ["identity"], regularize_bias="no"),
        TypeError, "regularize_bias"),
}  # fmt: skip


@pytest.mark.parametrize("case", CASES)
def test_refused_up_front_naming_the_argument(case):
    call, error, name = CASES[case]
    with pytest.raises(error, match=name):
        call()
