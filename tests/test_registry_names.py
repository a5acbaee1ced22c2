"""Every registry takes its names in any case ("Adam", "ReLU", "MSE"), and refuses near-twins."""

from __future__ import annotations

import numpy as np
import pytest

from nnet.activations import ACTIVATIONS, get_activation, make_activation, register_activation
from nnet.costs import COSTS, get_cost, make_cost
from nnet.initializers import INITIALIZERS, get_initializer
from nnet.metrics import METRICS, get_metric
from nnet.optimizers import OPTIMIZERS, get_optimizer
from nnet.schedules import SCHEDULES, get_schedule

SCHEDULE_ARGS = {
    "constant": {"learning_rate": 0.1},
    "step": {"initial": 0.1, "every": 2},
    "exponential": {"initial": 0.1, "decay_rate": 0.5},
    "inverse_time": {"initial": 0.1, "decay_rate": 0.5},
    "cosine": {"initial": 0.1, "total_epochs": 10},
    "step_inverse_time": {"t0": 5.0, "t1": 50.0},
}


def spellings(name):
    return {name.upper(), name.title(), name.capitalize(), name.swapcase()} - {name}


def cases(registry):
    return [(name, other) for name in sorted(registry) for other in sorted(spellings(name))]


@pytest.mark.parametrize(("name", "other"), cases(ACTIVATIONS))
def test_activation_names_ignore_case(name, other):
    assert get_activation(other) is get_activation(name)
    assert make_activation(other) is ACTIVATIONS[name]


@pytest.mark.parametrize(("name", "other"), cases(COSTS))
def test_cost_names_ignore_case(name, other):
    assert get_cost(other) is COSTS[name] and make_cost(other) is COSTS[name]


@pytest.mark.parametrize(("name", "other"), cases(INITIALIZERS))
def test_initializer_names_ignore_case(name, other):
    assert get_initializer(other) is INITIALIZERS[name]


@pytest.mark.parametrize(("name", "other"), cases(OPTIMIZERS))
def test_optimizer_names_ignore_case(name, other):
    assert type(get_optimizer(other)) is OPTIMIZERS[name]


@pytest.mark.parametrize(("name", "other"), cases(SCHEDULES))
def test_schedule_names_ignore_case(name, other):
    schedule = get_schedule(other, **SCHEDULE_ARGS[name])  # a new registry entry: KeyError
    assert type(schedule) is SCHEDULES[name]
    assert repr(schedule) == repr(get_schedule(name, **SCHEDULE_ARGS[name]))


@pytest.mark.parametrize(("name", "other"), cases(METRICS))
def test_metric_names_ignore_case(name, other):
    assert get_metric(other) == (name, METRICS[name])


def test_aliases_ignore_case_and_unknown_names_still_fail():
    assert get_activation("Linear") is ACTIVATIONS["identity"]
    assert get_cost("Log_Loss") is COSTS["cross_entropy"]
    with pytest.raises(ValueError, match="unknown activation 'Relu6'"):
        get_activation("Relu6")
    with pytest.raises(ValueError, match="unknown optimizer 'Adamax'"):
        get_optimizer("Adamax")


def test_networks_built_from_capitalised_names_are_the_same_network():
    from nnet import NeuralNetwork

    a = NeuralNetwork(2, [3, 2], ["ReLU", "Softmax"], cost_fun="Cross_Entropy", init="He", seed=0)
    b = NeuralNetwork(2, [3, 2], ["relu", "softmax"], cost_fun="cross_entropy", init="he", seed=0)
    X = np.array([[0.5, -1.0]])
    np.testing.assert_array_equal(a.predict(X), b.predict(X))
    assert repr(a) == repr(b)


def test_a_name_differing_only_in_case_cannot_be_registered():
    with pytest.raises(ValueError, match="'relu' is already registered and names ignore case"):
        register_activation("ReLU", np.tanh, lambda z: 1 - np.tanh(z) ** 2)
