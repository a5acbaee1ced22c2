"""The declared argument tables of NeuralNetwork, train and sweep (nnet.utils.validation):
every entry names a parameter of its function, and that function refuses a bad value of it
with an error that names it, before changing anything. A new entry is tested automatically."""

from __future__ import annotations

import inspect

import numpy as np
import pytest

from nnet import NeuralNetwork, sweep, train
from nnet.optimizers import SGD
from nnet.utils.validation import NETWORK_ARGS, SWEEP_ARGS, TRAIN_ARGS

X = np.random.default_rng(0).normal(size=(12, 3))
Y = X[:, :1] ** 2


def _network(**kwargs):
    return NeuralNetwork(3, [4, 1], ["tanh", "identity"], seed=0, **kwargs)


def _train(**kwargs):
    net = _network()
    before = [(W.copy(), b.copy()) for W, b in net.layers]
    try:
        train(net, SGD(0.01), X, Y, **{"epochs": 1, **kwargs})
    finally:  # a refused call leaves the network as it was
        assert all(
            np.array_equal(W, W0) and np.array_equal(b, b0)
            for (W, b), (W0, b0) in zip(net.layers, before)
        )


def _sweep(**kwargs):
    sweep(_network(), SGD(0.01), X, Y, {"learning_rate": [0.01]}, **{"epochs": 1, **kwargs})


CASES = [
    (NeuralNetwork, NETWORK_ARGS, _network),
    (train, TRAIN_ARGS, _train),
    (sweep, SWEEP_ARGS, _sweep),
]
ENTRIES = [(fn, name, call) for fn, table, call in CASES for name in table]


@pytest.mark.parametrize(("fn", "name", "call"), ENTRIES, ids=lambda v: getattr(v, "__name__", v))
def test_each_declared_argument_is_a_parameter_and_a_bad_value_is_refused_by_name(fn, name, call):
    assert name in inspect.signature(fn).parameters
    if name == "network_input_size":  # positional: the helper passes it
        with pytest.raises(TypeError, match=f"^{name} must be"):
            NeuralNetwork(object(), [4, 1], ["tanh", "identity"])
        return
    with pytest.raises((TypeError, ValueError), match=f"^{name} must be"):
        call(**{name: object()})


@pytest.mark.parametrize(("fn", "table", "call"), CASES, ids=lambda v: getattr(v, "__name__", ""))
def test_the_declared_defaults_pass_their_own_checks(fn, table, call):
    defaults = {
        name: p.default for name, p in inspect.signature(fn).parameters.items()
        if p.default is not inspect.Parameter.empty
    }  # fmt: skip
    for name, check in table.items():
        if name in defaults:
            assert check(defaults[name], name) == defaults[name]
