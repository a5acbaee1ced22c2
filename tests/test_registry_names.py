"""Every registry has one shape: ``get_<kind>(spec, **params)``, ``register_<kind>(name, obj)``,
names in any case ("Adam", "ReLU", "MSE"), near-twins refused, one message for an unknown name."""

from __future__ import annotations

import dataclasses
import importlib
import pkgutil
import re
from collections.abc import Callable
from typing import Any

import autograd.numpy as anp
import numpy as np
import pytest

import nnet
from nnet.activations import ACTIVATIONS, get_activation, make_activation, register_activation
from nnet.costs import COSTS, get_cost, make_cost
from nnet.initializers import INITIALIZERS, get_initializer
from nnet.metrics import METRICS, get_metric
from nnet.optimizers import OPTIMIZERS, SGD, get_optimizer
from nnet.schedules import SCHEDULES, Constant, get_schedule

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


# --- One shape for every registry -------------------------------------------------------------
# A row per registry; the tests below run over all of them, and over every entry of each, so a
# new registry or a new entry is tested without writing a test.


class Custom(SGD):
    """An optimizer class to register."""


class Halving(Constant):
    """A schedule class to register."""


@dataclasses.dataclass(frozen=True)
class Kind:
    kind: str  # "optimizer": get_optimizer, register_optimizer, nnet.optimizers
    module: str
    registry: dict
    what: str  # register_<kind>(name, <what>)
    new: Callable[[], Any]  # something to register
    entry: Callable[[Any], Any] = lambda got: got  # the registry entry that get_<kind> gave
    args: Callable[[str], dict] = lambda name: {}  # what get_<kind>(name, ...) needs

    @property
    def get(self) -> Callable[..., Any]:
        return getattr(importlib.import_module(f"nnet.{self.module}"), f"get_{self.kind}")

    @property
    def register(self) -> Callable[..., Any]:
        return getattr(importlib.import_module(f"nnet.{self.module}"), f"register_{self.kind}")


KINDS = [
    Kind("activation", "activations", ACTIVATIONS, "fn", lambda: lambda z: z**3),
    Kind("cost", "costs", COSTS, "fn", lambda: lambda p, t: anp.mean(anp.abs(p - t))),
    Kind("initializer", "initializers", INITIALIZERS, "fn", lambda: lambda n, m, rng: None),
    Kind("optimizer", "optimizers", OPTIMIZERS, "cls", lambda: Custom, type),
    Kind(
        "schedule",
        "schedules",
        SCHEDULES,
        "cls",
        lambda: Halving,
        type,
        lambda name: SCHEDULE_ARGS.get(name, {"learning_rate": 0.1}),
    ),
    Kind("metric", "metrics", METRICS, "fn", lambda: lambda y, p: 0.0, lambda got: got[1]),
]
BY_KIND = {k.kind: k for k in KINDS}


def test_every_registry_of_the_library_has_a_row():
    found = set()
    for info in pkgutil.iter_modules(nnet.__path__):
        if not info.name.startswith("_"):
            module = importlib.import_module(f"nnet.{info.name}")
            names = getattr(module, "__all__", [])
            found |= {
                (info.name, n.removeprefix("register_")) for n in names if n.startswith("register_")
            }
    assert found == {(k.module, k.kind) for k in KINDS}


@pytest.mark.parametrize(
    ("kind", "name"), [(k.kind, name) for k in KINDS for name in sorted(k.registry)]
)
def test_get_returns_every_entry_by_its_name_in_any_case(kind, name):
    k = BY_KIND[kind]
    for spelling in [name, name.upper()]:
        assert k.entry(k.get(spelling, **k.args(name))) is k.registry[name]


@pytest.mark.parametrize("k", KINDS, ids=lambda k: k.kind)
def test_an_unknown_name_gets_the_same_message_everywhere(k):
    expected = (
        f"unknown {k.kind} 'no_such_entry'; choose one of {sorted(k.registry)} or register "
        f"your own with nnet.{k.module}.register_{k.kind}(name, {k.what})"
    )
    with pytest.raises(ValueError, match=rf"^(metrics: )?{re.escape(expected)}$"):
        k.get("no_such_entry")  # get_metric names its argument: metrics come in a list


@pytest.mark.parametrize("k", KINDS, ids=lambda k: k.kind)
def test_register_then_get_by_name_in_any_case(k):
    obj, name = k.new(), f"test_{k.kind}_entry"
    try:
        entry = k.register(name, obj)
        assert k.registry[name] is entry
        assert entry is obj or entry.fn is obj  # activations and costs wrap their function
        assert k.entry(k.get(name.upper(), **k.args(name))) is entry
        with pytest.raises(ValueError, match=f"^{k.kind} '{name}' is already registered; choose"):
            k.register(name, k.new())
        assert k.registry[name] is entry
        replacement = k.register(name, k.new(), overwrite=True)
        assert k.registry[name] is replacement
        with pytest.raises(ValueError, match=f"'{name}' is already registered and names ignore"):
            k.register(name.title(), k.new())
    finally:
        k.registry.pop(name, None)
    assert name not in k.registry


@pytest.mark.parametrize("k", KINDS, ids=lambda k: k.kind)
def test_library_entries_are_never_replaced(k):
    name = sorted(k.registry)[0]
    before = dict(k.registry)
    with pytest.raises(ValueError, match=f"^{k.kind} '{name}' is already registered"):
        k.register(name, k.new(), overwrite=True)
    assert k.registry == before


@pytest.mark.parametrize("k", KINDS, ids=lambda k: k.kind)
@pytest.mark.parametrize("name", ["", 3, None])
def test_a_name_must_be_a_non_empty_str(k, name):
    before = dict(k.registry)
    with pytest.raises(TypeError, match="name must be a non-empty str"):
        k.register(name, k.new())
    assert k.registry == before


@pytest.mark.parametrize("k", KINDS, ids=lambda k: k.kind)
def test_what_is_registered_must_be_of_the_kind(k):
    before = dict(k.registry)
    with pytest.raises(TypeError, match=k.what):
        k.register(f"test_{k.kind}_bad", 3)
    assert k.registry == before


@pytest.mark.parametrize("kind", ["cost", "initializer", "metric"])
def test_a_registry_without_parameters_refuses_them(kind):
    k = BY_KIND[kind]
    with pytest.raises(TypeError, match="take no parameters, got \\['gain'\\]"):
        k.get(sorted(k.registry)[0], gain=2.0)
