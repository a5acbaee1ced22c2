"""``nnet.sweep``: every model of a grid equals its lone ``train``, and the Study reports it.

The proof (``test_model_i_of_a_sweep_is_the_lone_train``) builds each model's lone
twin *here*, from the template's constructor arguments and the optimizer's class, and
trains it with :func:`nnet.train`: the sweep may train its models stacked, but never
differently.
"""

from __future__ import annotations

import importlib
import subprocess
import sys
import warnings
from typing import ClassVar

import autograd.numpy as anp
import numpy as np
import pytest
from helpers import make_targets, relative_error
from hypothesis import given, settings
from hypothesis import strategies as st

import nnet
from nnet import DivergenceWarning, NeuralNetwork, Study, sweep, train
from nnet.network import Backprop
from nnet.optimizers import OPTIMIZERS, SGD, Adam, Momentum

SWEEP_MODULE = importlib.import_module("nnet.sweep")  # nnet.sweep is the function

OUTPUT_FOR_COST = {"mse": "identity", "cross_entropy": "softmax", "binary_cross_entropy": "sigmoid"}
HIDDEN = ["sigmoid", "tanh", "relu", "leaky_relu", "elu"]
# One grid of values for each optimizer hyperparameter the proof varies.
OPT_VALUES = {
    "learning_rate": [0.003, 0.03, 0.1],
    "momentum": [0.0, 0.5, 0.9],
    "nesterov": [False, True],
    "rho": [0.5, 0.9],
    "beta1": [0.5, 0.9],
    "beta2": [0.9, 0.999],
    "eps": [1e-8, 1e-3],
    "weight_decay": [0.0, 0.1],
}
# Relative error of the weights allowed between model i and its lone train: the issue's
# 1e-10 in float64; in float32 a stacked product may round differently, a few ulps.
TOLERANCE = {np.float64: 1e-10, np.float32: 1e-4}


def iris_like(n=30, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 4))
    return X, np.eye(3)[np.argmax(X[:, :3], axis=1)]


def template(seed=0, **kwargs):
    return NeuralNetwork(
        4, [5, 3], ["sigmoid", "softmax"], cost_fun="cross_entropy", seed=seed, **kwargs
    )


# ----------------------------------------------------------------------------- the proof
@st.composite
def studies(draw):
    """A random problem, template network, optimizer and grid (the grid's keys in random order)."""
    dtype = draw(st.sampled_from([np.float64, np.float32]))
    cost = draw(st.sampled_from(sorted(OUTPUT_FOR_COST)))
    n_in = draw(st.integers(1, 3))
    n_out = draw(st.integers(1, 3))
    hidden = draw(st.lists(st.integers(1, 4), min_size=0, max_size=2))
    acts = [draw(st.sampled_from(HIDDEN)) for _ in hidden] + [OUTPUT_FOR_COST[cost]]
    net_kwargs = {
        "cost_fun": cost,
        "l1": draw(st.sampled_from([0.0, 1e-3])),
        "l2": draw(st.sampled_from([0.0, 1e-2])),
        "regularize_bias": draw(st.booleans()),
        "init": draw(st.sampled_from(["normal", "xavier", "he"])),
        "dtype": dtype,
    }
    args = (n_in, [*hidden, n_out], acts)
    net = NeuralNetwork(*args, **net_kwargs, seed=draw(st.integers(0, 9)))
    names = draw(st.lists(st.sampled_from(sorted(OPTIMIZERS)), min_size=1, max_size=2, unique=True))
    hyper = sorted(set.intersection(*(set(OPTIMIZERS[n]().get_config()) for n in names)))
    opt_kwargs = {"learning_rate": 0.02}
    grid = {}
    if len(names) > 1:  # a list of optimizers: a key that splits the grid
        grid["optimizer"] = [OPTIMIZERS[n](**opt_kwargs) for n in names]
    for key in draw(st.lists(st.sampled_from(hyper), unique=True, max_size=2)):
        grid[key] = draw(st.lists(st.sampled_from(OPT_VALUES[key]), min_size=1, max_size=2))
    for key, values in (
        ("l2", [0.0, 1e-3]),
        ("l1", [0.0, 1e-3]),
        ("seed", [0, 1]),
        ("init", ["normal", "xavier"]),
        ("batch_size", [4, None]),
        ("epochs", [1, 3]),
    ):
        if draw(st.booleans()) and len(grid) < 4:
            grid[key] = draw(st.lists(st.sampled_from(values), min_size=1, max_size=2))
    if "init" in grid and "seed" not in grid:  # init without seed is fresh randomness
        grid["seed"] = [draw(st.integers(0, 9))]
    if not grid:
        grid["learning_rate"] = [0.01]
    if hidden and draw(st.booleans()):  # a second activation for the hidden layers
        grid["activation_funcs"] = [acts, [draw(st.sampled_from(HIDDEN))] * len(hidden) + acts[-1:]]
    if hidden and draw(st.booleans()):  # wider hidden layers: other shapes, another group
        grid["layer_output_sizes"] = [[*hidden, n_out], [w + 1 for w in hidden] + [n_out]]
    keys = draw(st.permutations(list(grid)))
    grid = {k: grid[k] for k in keys}
    n = draw(st.integers(5, 12))
    rng = np.random.default_rng(draw(st.integers(0, 99)))
    X = rng.normal(size=(n, n_in))
    Y = make_targets(cost, n, n_out, rng)
    options = {
        "epochs": draw(st.integers(1, 3)),
        "batch_size": draw(st.sampled_from([3, 4, None])),
        "seed": draw(st.integers(0, 9)),
        "early_stopping": draw(st.sampled_from([None, 1])),
    }
    if draw(st.booleans()):
        options["validation_data"] = (rng.normal(size=(4, n_in)), make_targets(cost, 4, n_out, rng))
    if draw(st.booleans()):
        options["metrics"] = ["mse"]
    return net, args, net_kwargs, (names[0], opt_kwargs), X, Y, grid, options


def lone_twin(net, args, net_kwargs, optimizer, params, sweep_seed):
    """Model ``params`` of the sweep, built independently: its network and optimizer."""
    name, opt_kwargs = optimizer
    net_params = {k: v for k, v in params.items() if k in ("l1", "l2", "seed", "init")}
    sizes = params.get("layer_output_sizes", args[1])
    acts = params.get("activation_funcs", args[2])
    twin = NeuralNetwork(args[0], sizes, acts, **{**net_kwargs, **net_params})
    if "seed" not in net_params and "init" not in net_params:
        if list(sizes) == list(args[1]):
            twin.layers = net.layers  # the template's current weights
        else:  # other shapes: the template's init, the sweep's seed
            twin = NeuralNetwork(args[0], sizes, acts, **{**net_kwargs, **net_params},
                                 seed=sweep_seed)  # fmt: skip
    cls = type(params["optimizer"]) if "optimizer" in params else OPTIMIZERS[name]
    hyper = {k: v for k, v in params.items() if k in cls().get_config()}
    return twin, cls(**{**opt_kwargs, **hyper})


@settings(max_examples=30)
@given(studies())
def test_model_i_of_a_sweep_is_the_lone_train(case):
    net, args, net_kwargs, optimizer, X, Y, grid, options = case
    before = [(W.copy(), b.copy()) for W, b in net.layers]
    name, opt_kwargs = optimizer
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DivergenceWarning)
        template_opt = None if "optimizer" in grid else OPTIMIZERS[name](**opt_kwargs)
        study = sweep(net, template_opt, X, Y, grid, **options)
    assert len(study) == int(np.prod([len(v) for v in grid.values()]))
    assert relative_error(net.layers, before) == 0.0  # the template is untouched
    for i, params in enumerate(study.params):
        twin, opt = lone_twin(net, args, net_kwargs, optimizer, params, options["seed"])
        run = {**options, **{k: params[k] for k in ("epochs", "batch_size") if k in params}}
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DivergenceWarning)
            expected = train(twin, opt, X, Y, **run)
        got = study.histories[i]
        assert study.networks[i].dtype == twin.dtype
        assert relative_error(study.networks[i].layers, twin.layers) <= TOLERANCE[net.dtype.type]
        assert got.stop_reason == expected.stop_reason
        assert got.epochs_run == expected.epochs_run and got.best_epoch == expected.best_epoch
        rtol = TOLERANCE[net.dtype.type]
        np.testing.assert_allclose(got.train_loss, expected.train_loss, rtol=rtol)
        np.testing.assert_allclose(got.val_loss, expected.val_loss, rtol=rtol)
        assert set(got.metrics) == set(expected.metrics)
        for key, values in expected.metrics.items():
            np.testing.assert_allclose(got.metrics[key], values, rtol=rtol)


def test_params_follow_itertools_product_order():
    X, Y = iris_like()
    grid = {"learning_rate": [0.01, 0.1], "l2": [0.0, 1e-3, 1e-2], "seed": [0, 1]}
    study = sweep(template(), Momentum(), X, Y, grid, epochs=1, seed=0)
    expected = [
        {"learning_rate": a, "l2": b, "seed": c}
        for a in grid["learning_rate"]
        for b in grid["l2"]
        for c in grid["seed"]
    ]
    assert len(study) == 12 and study.params == expected
    assert [type(n) for n in study.networks] == [NeuralNetwork] * 12
    assert len({id(n) for n in study.networks}) == 12  # one network each


def test_sweep_is_exported_as_the_function():
    from nnet import sweep as exported

    assert callable(exported) and exported.__name__ == "sweep"
    assert "sweep" in nnet.__all__ and "Study" in nnet.__all__


def test_models_start_from_the_templates_weights_unless_seed_or_init():
    X, Y = iris_like()
    net = template(seed=3)
    study = sweep(net, SGD(1e-300), X, Y, {"l2": [0.0, 0.1]}, epochs=1, seed=0)  # no change
    for model in study.networks:
        assert relative_error(model.layers, net.layers) == 0.0
    seeded = sweep(net, SGD(1e-300), X, Y, {"seed": [5]}, epochs=1, seed=0)
    assert relative_error(seeded.networks[0].layers, template(seed=5).layers) == 0.0


def test_the_templates_optimizer_state_is_not_carried_into_the_models():
    X, Y = iris_like()
    used = Adam(0.01)
    train(template(), used, X, Y, epochs=2, seed=0)  # its moments and step count are set now
    study = sweep(template(), used, X, Y, {"beta1": [0.9]}, epochs=2, seed=1)
    fresh = template()
    train(fresh, Adam(0.01), X, Y, epochs=2, seed=1)
    assert relative_error(study.networks[0].layers, fresh.layers) <= 1e-12


def test_groups_of_other_shapes_start_as_the_constructor_with_the_sweep_seed():
    X, Y = iris_like()
    grid = {"layer_output_sizes": [[5, 3], [7, 3], [4, 4, 3]], "learning_rate": [1e-300]}
    study = sweep(template(), SGD(), X, Y, grid, epochs=1, seed=2)
    assert [m.layer_output_sizes for m in study.networks] == [(5, 3), (7, 3), (4, 4, 3)]
    assert relative_error(study.networks[0].layers, template().layers) == 0.0  # template's
    other = NeuralNetwork(4, [7, 3], ["sigmoid", "softmax"], cost_fun="cross_entropy", seed=2)
    assert relative_error(study.networks[1].layers, other.layers) == 0.0
    assert [a.name for a in study.networks[2].activation_funcs] == ["sigmoid"] * 2 + ["softmax"]


def test_one_activation_in_the_grid_is_the_hidden_layers_one():
    X, Y = iris_like()
    study = sweep(template(), "sgd", X, Y, {"activation_funcs": ["relu", "tanh"]}, epochs=1)
    assert [[a.name for a in m.activation_funcs] for m in study.networks] == [
        ["relu", "softmax"],
        ["tanh", "softmax"],
    ]


def test_a_list_of_optimizers_splits_the_grid():
    X, Y = iris_like()
    grid = {"optimizer": ["sgd", Momentum(momentum=0.5), Adam], "learning_rate": [0.01, 0.05]}
    study = sweep(template(), None, X, Y, grid, epochs=2, seed=0)
    assert len(study) == 6
    twin = template()
    train(twin, Momentum(0.05, momentum=0.5), X, Y, epochs=2, seed=0)
    assert relative_error(study.networks[3].layers, twin.layers) <= 1e-12


class HeavyBall(nnet.optimizers.Optimizer):
    """A user's rule with a hyperparameter of its own: v = beta v - eta g."""

    state_names = ("v",)

    def __init__(self, learning_rate=0.01, beta=0.9):
        super().__init__(learning_rate)
        self.beta = beta

    def update(self, grad, state, learning_rate, params=None):
        HeavyBall.betas.append(np.shape(self.beta))
        state["v"] *= self.beta
        state["v"] -= learning_rate * grad
        return state["v"]

    betas: ClassVar[list[tuple[int, ...]]] = []  # the shapes of beta each step saw


def test_a_custom_optimizers_own_hyperparameter_is_swept_as_a_column():
    """Issue 21: any numeric hyperparameter arrives as a (K, 1) column; each model is its
    lone training."""
    X, Y = iris_like()
    HeavyBall.betas.clear()
    study = sweep(template(), HeavyBall(0.05), X, Y, {"beta": [0.5, 0.9, 0.0]}, epochs=3,
                  batch_size=10, seed=0)  # fmt: skip
    assert set(HeavyBall.betas) == {(3, 1)}
    for k, beta in enumerate([0.5, 0.9, 0.0]):
        twin = template()
        train(twin, HeavyBall(0.05, beta=beta), X, Y, epochs=3, batch_size=10, seed=0)
        assert relative_error(study.networks[k].layers, twin.layers) <= 1e-12


def _unit_rows(z):
    """A user's row-wise activation written for 2-D z only: each row scaled to unit length."""
    return z / anp.sqrt(anp.sum(z**2, axis=1, keepdims=True) + 1.0)


def test_a_custom_row_wise_activation_sees_one_model_at_a_time():
    """A custom activation with a vjp (not elementwise) is applied to each model of a stack in
    turn, forward and backward: handed the whole (K, n, m) stack, its axis=1 would sum
    over the samples, and the models would not be their lone trainings."""
    X, Y = iris_like()
    rates = [0.01, 0.05]

    def net():
        return NeuralNetwork(4, [5, 3], [_unit_rows, "softmax"], cost_fun="cross_entropy", seed=0)

    study = sweep(net(), "momentum", X, Y, {"learning_rate": rates}, epochs=2, batch_size=10,
                  seed=0)  # fmt: skip
    for k, rate in enumerate(rates):
        twin = net()
        train(twin, Momentum(rate), X, Y, epochs=2, batch_size=10, seed=0, warn=False)
        assert relative_error(study.networks[k].layers, twin.layers) <= 1e-12


def test_n_jobs_runs_groups_in_processes_with_the_same_results():
    X, Y = iris_like()
    grid = {"batch_size": [5, 10], "learning_rate": [0.01, 0.1], "epochs": [2, 3]}
    sequential = sweep(template(), Momentum(), X, Y, grid, seed=0)
    parallel = sweep(template(), Momentum(), X, Y, grid, seed=0, n_jobs=2)
    assert parallel.params == sequential.params
    for a, b in zip(parallel.networks, sequential.networks):
        assert relative_error(a.layers, b.layers) == 0.0
    assert [h.train_loss for h in parallel.histories] == [
        h.train_loss for h in sequential.histories
    ]


def test_n_jobs_splits_one_group_into_a_stack_per_worker(monkeypatch):
    """The usual grid is one group: with two workers it trains as two stacks, in threads here
    (so the calls can be counted), and every model ends as in one stack (to 1e-12)."""
    import joblib

    X, Y = iris_like()
    grid = {"learning_rate": [0.01, 0.03, 0.1], "l2": [0.0, 1e-4, 1e-3]}
    sequential = sweep(template(), Momentum(momentum=0.9), X, Y, grid, epochs=3, seed=0)
    stacks = []
    train_models = SWEEP_MODULE.train_models

    def counted(network, optimizer, X, Y, models, **kwargs):
        stacks.append(len(models))
        return train_models(network, optimizer, X, Y, models, **kwargs)

    monkeypatch.setattr(SWEEP_MODULE, "train_models", counted)
    with joblib.parallel_config(backend="threading"):
        parallel = sweep(template(), Momentum(momentum=0.9), X, Y, grid, epochs=3, seed=0,
                         n_jobs=2)  # fmt: skip
    assert sorted(stacks) == [4, 5]
    assert parallel.params == sequential.params
    for a, b in zip(parallel.networks, sequential.networks):
        assert relative_error(a.layers, b.layers) <= 1e-12
    for a, b in zip(parallel.histories, sequential.histories):
        np.testing.assert_allclose(a.train_loss, b.train_loss, rtol=1e-12)


@pytest.mark.parametrize(
    ("sizes", "workers", "expected"),
    [
        ([9], 1, [[9]]),
        ([9], 2, [[5, 4]]),
        ([9], 4, [[3, 2, 2, 2]]),
        ([2], 8, [[1, 1]]),  # never an empty stack
        ([10, 5], 4, [[4, 3, 3], [3, 2]]),  # shares in proportion to the models
        ([3, 3], 2, [[3], [3]]),  # enough groups already
    ],
)
def test_spread_gives_each_worker_a_stack_in_product_order(sizes, workers, expected):
    from nnet.sweep import Group, _spread

    groups, start = [], 0
    for size in sizes:
        ids = list(range(start, start + size))
        groups.append(Group(template(), Momentum(), 10, 2, ids, [({"seed": i}, {}) for i in ids]))
        start += size
    spread = _spread(groups, workers)
    assert [len(g.models) for g in spread] == [n for chunks in expected for n in chunks]
    assert [i for g in spread for i in g.indices] == list(range(start))
    assert [m[0]["seed"] for g in spread for m in g.models] == list(range(start))


# ----------------------------------------------------------------------------- faults
def test_a_diverging_model_is_marked_and_the_others_train_on():
    X, Y = iris_like()
    X = X * 100.0
    net = NeuralNetwork(4, [5, 3], ["relu", "identity"], cost_fun="mse", seed=0)
    with pytest.warns(DivergenceWarning, match="1 of 3 models diverged"):
        study = sweep(net, SGD(), X, Y, {"learning_rate": [1e-6, 1e3, 1e-5]}, epochs=5, seed=0)
    assert [h.stop_reason for h in study.histories] == ["completed", "diverged", "completed"]
    assert [row["stop_reason"] for row in study.table()] == ["completed", "diverged", "completed"]
    assert all(np.isfinite(W).all() for W, _ in study.networks[1].layers)


def test_early_stopping_is_per_model_and_the_table_reports_the_restored_epoch():
    X, Y = iris_like()
    val = iris_like(seed=1)
    grid = {"learning_rate": [0.5, 5.0]}
    study = sweep(template(), SGD(), X, Y, grid, epochs=30, validation_data=val,
                  early_stopping=2, seed=0)  # fmt: skip
    for row, history in zip(study.table(), study.histories):
        assert row["val_loss"] == history.val_loss[history.best_epoch] == row["best_val_loss"]
        assert row["best_epoch"] == history.best_epoch


def test_ctrl_c_returns_the_study_so_far():
    X, Y = iris_like()
    calls = []

    def interrupt_in_the_second_epoch(Y_true, Y_pred):
        calls.append(1)
        if len(calls) == 5:  # once per model and epoch: the first model's second epoch
            raise KeyboardInterrupt
        return 0.0

    study = sweep(template(), "sgd", X, Y, {"learning_rate": [0.01, 0.02, 0.03, 0.04]},
                  epochs=3, metrics=[interrupt_in_the_second_epoch], seed=0)  # fmt: skip
    assert study.interrupted
    assert len(study) == 4  # the models of a stack train together
    assert [h.stop_reason for h in study.histories] == ["interrupted"] * 4
    assert [h.epochs_run for h in study.histories] == [1] * 4
    assert all(np.isfinite(net.predict(X)).all() for net in study.networks)


def test_a_model_whose_loss_failed_before_a_ctrl_c_is_diverged_not_interrupted(monkeypatch):
    """Losses are checked once an epoch, and on Ctrl-C for the steps run so far."""
    X, Y = iris_like()
    real, calls = Backprop.loss_and_gradient, []

    def interrupt_at_the_eighth_step(self, *args):
        calls.append(1)
        if len(calls) == 8:  # the first epoch; the second model's loss is NaN by then
            raise KeyboardInterrupt
        return real(self, *args)

    monkeypatch.setattr(Backprop, "loss_and_gradient", interrupt_at_the_eighth_step)
    net = NeuralNetwork(4, [5, 3], ["relu", "identity"], cost_fun="mse", seed=0)
    with pytest.warns(DivergenceWarning, match="1 of 2 models diverged"):
        study = sweep(net, SGD(), X * 100.0, Y, {"learning_rate": [1e-6, 1e3]}, epochs=5,
                      batch_size=2, seed=0)  # fmt: skip
    assert [h.stop_reason for h in study.histories] == ["interrupted", "diverged"]
    assert all(np.isfinite(W).all() for W, _ in study.networks[1].layers)


# ----------------------------------------------------------------------------- bad input
def _bad_calls():
    X, Y = iris_like()
    net = template()
    base = {"network": net, "optimizer": Momentum(), "X": X, "Y": Y, "grid": {"l2": [0.0]}}
    cases = [
        ({"grid": {"learnig_rate": [0.1]}}, ValueError, "unknown grid key 'learnig_rate'"),
        ({"grid": {"beta1": [0.5]}}, ValueError, "unknown grid key 'beta1'"),
        ({"grid": {}}, TypeError, "grid must be a non-empty dict"),
        ({"grid": [("l2", [0.0])]}, TypeError, "grid must be"),
        ({"grid": {"l2": []}}, ValueError, r"grid\['l2'\] is empty"),
        ({"grid": {"l2": 0.1}}, TypeError, r"grid\['l2'\] must be a list"),
        ({"grid": {"init": "he"}}, TypeError, r"grid\['init'\] must be a list"),
        ({"grid": {"l2": [0.0, -1.0]}}, ValueError, r"grid\['l2'\]\[1\].*l2"),
        ({"grid": {"learning_rate": [-0.1]}}, ValueError, r"grid\['learning_rate'\]\[0\]"),
        ({"grid": {"momentum": [1.5]}}, ValueError, r"grid\['momentum'\]\[0\].*momentum"),
        ({"grid": {"init": ["nope"]}}, ValueError, r"grid\['init'\]\[0\]"),
        ({"grid": {"seed": [1.5]}}, TypeError, r"grid\['seed'\]\[0\]"),
        ({"grid": {"batch_size": [0]}}, ValueError, r"grid\['batch_size'\]\[0\]"),
        ({"grid": {"epochs": [2, 0]}}, ValueError, r"grid\['epochs'\]\[1\]"),
        ({"grid": {"layer_output_sizes": [[4, 0]]}}, ValueError, "layer_output_sizes"),
        ({"grid": {"layer_output_sizes": [[4, 2]]}}, ValueError, "Y must have shape"),
        ({"grid": {"activation_funcs": [["relu"]]}}, ValueError, "activation_funcs"),
        ({"grid": {"activation_funcs": ["nope"]}}, ValueError, r"grid\['activation_funcs'\]"),
        ({"grid": {"optimizer": ["sgd"]}}, ValueError, "not both"),
        (
            {"optimizer": None, "grid": {"optimizer": ["sgd", "adam"], "beta1": [0.5]}},
            ValueError,
            "unknown grid key 'beta1'",
        ),
        ({"optimizer": None, "grid": {"optimizer": ["nope"]}}, ValueError, "optimizer"),
        ({"optimizer": "nope"}, ValueError, "unknown optimizer"),
        ({"network": "net"}, TypeError, "network must be a NeuralNetwork"),
        ({"X": X[:, :3]}, ValueError, "X"),
        ({"Y": Y[:-1]}, ValueError, "Y"),
        ({"validation_data": X}, TypeError, "validation_data"),
        ({"validation_data": (X, Y[:, :2])}, ValueError, r"validation_data\[1\]"),
        ({"metrics": ["nope"]}, ValueError, "unknown metric"),
        ({"early_stopping": 0}, ValueError, "early_stopping"),
        ({"epochs": 0}, ValueError, "epochs"),
        ({"batch_size": 2.5}, TypeError, "batch_size"),
        ({"seed": "0"}, TypeError, "seed"),
        ({"n_jobs": 0}, ValueError, "n_jobs"),
        ({"n_jobs": "2"}, TypeError, "n_jobs"),
    ]
    return base, cases


@pytest.mark.parametrize("case", range(len(_bad_calls()[1])))
def test_bad_arguments_raise_before_any_training(case, monkeypatch):
    base, cases = _bad_calls()
    change, error, match = cases[case]

    def no_training(*args, **kwargs):
        raise AssertionError("trained before checking every argument")

    monkeypatch.setattr(SWEEP_MODULE, "train_models", no_training)
    kwargs = {**base, **change}
    with pytest.raises(error, match=match):
        sweep(kwargs.pop("network"), kwargs.pop("optimizer"), kwargs.pop("X"), kwargs.pop("Y"),
              kwargs.pop("grid"), **kwargs)  # fmt: skip


def test_the_callers_arrays_are_not_modified():
    X, Y = iris_like()
    X0, Y0, lrs = X.copy(), Y.copy(), np.array([0.01, 0.1])
    sweep(template(), "sgd", X, Y, {"learning_rate": lrs}, epochs=2, seed=0)
    np.testing.assert_array_equal(X, X0)
    np.testing.assert_array_equal(Y, Y0)
    np.testing.assert_array_equal(lrs, [0.01, 0.1])


# ----------------------------------------------------------------------------- Study
def _study():
    """A study of known results: three seeds per cell, accuracy and loss set by hand."""
    from nnet.callbacks import History

    params, histories = [], []
    for lr in (0.001, 0.01, 0.1):
        for l2 in (0.0, 1e-3):
            for seed in (0, 1, 2):
                params.append({"learning_rate": lr, "l2": l2, "seed": seed})
                accuracy = 10 * lr + l2 + 0.01 * seed
                histories.append(
                    History(
                        train_loss=[1.0, 0.5 - lr, 0.55],
                        val_loss=[1.2, 0.6 - lr, 0.7],
                        metrics={"val_accuracy": [0.3, accuracy, accuracy - 0.1]},
                        best_epoch=1,
                        stop_reason="completed",
                        monitor="val_loss",
                    )
                )
    return Study(params, [template()] * len(params), histories)


def test_table_has_params_final_and_best_results():
    rows = _study().table()
    assert len(rows) == 18
    row = rows[-1]  # lr 0.1, l2 1e-3, seed 2
    assert row["learning_rate"] == 0.1 and row["seed"] == 2
    assert row["val_loss"] == 0.7 and row["best_val_loss"] == 0.6 - 0.1
    assert row["val_accuracy"] == pytest.approx(1.0 + 1e-3 + 0.02 - 0.1)
    assert row["best_val_accuracy"] == pytest.approx(1.0 + 1e-3 + 0.02)
    assert (row["best_epoch"], row["epochs_run"], row["stop_reason"]) == (1, 3, "completed")


def test_early_stopping_results_are_those_of_the_best_epoch():
    study = _study()
    study.early_stopping = 1
    assert study.table()[0]["val_loss"] == 0.6 - 0.001  # the restored epoch, not the last


def test_best_minimizes_losses_and_maximizes_scores():
    study = _study()
    assert study.best("val_accuracy")[0] == {"learning_rate": 0.1, "l2": 1e-3, "seed": 2}
    assert study.best("val_loss")[0] == {"learning_rate": 0.001, "l2": 0.0, "seed": 0}
    assert study.best("best_val_loss")[0]["learning_rate"] == 0.1
    with pytest.raises(ValueError, match="unknown result 'accuracy'"):
        study.best("accuracy")


def test_to_frame_is_the_table_and_says_when_pandas_is_missing(monkeypatch):
    pd = pytest.importorskip("pandas")
    study = _study()
    frame = study.to_frame()
    assert isinstance(frame, pd.DataFrame) and len(frame) == 18
    assert frame["val_loss"].tolist() == [row["val_loss"] for row in study.table()]
    monkeypatch.setitem(sys.modules, "pandas", None)
    with pytest.raises(ImportError, match="pip install pandas"):
        study.to_frame()


def test_heatmap_draws_means_with_their_spread_on_log_and_linear_axes():
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    study = _study()
    ax = study.heatmap("learning_rate", "l2", "val_accuracy")
    texts = [t.get_text() for t in ax.texts]
    assert len(texts) == 6
    seeds = np.array([0.0, 0.01, 0.02])
    first = 10 * 0.001 + 0.0 + seeds - 0.1  # lr 1e-3, l2 0: the final accuracies of 3 seeds
    mean, spread = first.mean(), first.std()
    assert texts[0] == f"{mean:.3g}\n±{spread:.2g}"
    xticks = [t.get_text() for t in ax.get_xticklabels()]
    assert xticks == ["$10^{-3}$", "$10^{-2}$", "$10^{-1}$"]  # spans 100x: log labels
    assert [t.get_text() for t in ax.get_yticklabels()] == ["0", "0.001"]
    assert "seed" in ax.get_title()
    lin = study.heatmap("seed", "learning_rate", "val_loss")
    assert [t.get_text() for t in lin.get_xticklabels()] == ["0", "1", "2"]


def test_heatmap_of_non_numeric_keys_labels_the_values():
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    X, Y = iris_like()
    grid = {"activation_funcs": ["relu", "tanh"], "layer_output_sizes": [[4, 3], [6, 3]]}
    ax = sweep(template(), "sgd", X, Y, grid, epochs=1, seed=0).heatmap(
        "activation_funcs", "layer_output_sizes", "train_loss"
    )
    assert [t.get_text() for t in ax.get_xticklabels()] == ["relu", "tanh"]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["4-3", "6-3"]
    assert all("±" not in t.get_text() for t in ax.texts)  # one model per cell


def test_heatmap_names_a_bad_key():
    with pytest.raises(ValueError, match="'eta' is not a grid key"):
        _study().heatmap("eta", "l2", "val_loss")


def test_importing_the_study_does_not_import_pyplot():
    code = "import sys, nnet.study, nnet.sweep; print('matplotlib.pyplot' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_progress_shows_a_bar(capsys):
    X, Y = iris_like()
    sweep(template(), "sgd", X, Y, {"learning_rate": [0.01, 0.1]}, epochs=1, progress=True)
    err = capsys.readouterr().err
    assert "sweep (2 models)" in err and "100%" in err  # a bar over the epochs of the stack


@pytest.mark.parametrize("early_stopping", [None, 2])
def test_a_diverging_model_is_frozen_alone_and_the_others_train_on(early_stopping):
    """One exploding learning rate in the grid: that model ends as its lone train would."""
    X, _ = iris_like()
    Y = X[:, :1] ** 2

    def regression_net():
        return NeuralNetwork(4, [5, 1], ["tanh", "identity"], seed=0)

    grid = {"learning_rate": [0.01, 5.0, 0.02]}
    options = {"epochs": 6, "batch_size": 4, "seed": 1, "early_stopping": early_stopping,
               "validation_data": (X[:10], Y[:10])}  # fmt: skip
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DivergenceWarning)
        study = sweep(regression_net(), Momentum(), X, Y, grid, **options)
    assert [h.stop_reason for h in study.histories].count("diverged") == 1
    for i, rate in enumerate(grid["learning_rate"]):
        twin = regression_net()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DivergenceWarning)
            expected = train(twin, Momentum(rate), X, Y, **options)
        got = study.histories[i]
        assert (got.stop_reason, got.epochs_run) == (expected.stop_reason, expected.epochs_run)
        np.testing.assert_allclose(got.train_loss, expected.train_loss, rtol=1e-10)
        assert relative_error(study.networks[i].layers, twin.layers) <= 1e-10


# ----------------------------------------------------------------------------- issue 22
def test_metrics_of_a_stack_are_computed_once_an_epoch_and_equal_each_models_own(monkeypatch):
    """Issue 22: accuracy over the model axis, never one scikit-learn call per model; each
    model's curve is what its network gives, as the plain per-model metric computes it."""
    import sklearn.metrics

    X, Y = iris_like()
    val = iris_like(seed=1)
    calls = []
    real = nnet.metrics.evaluate_stacked

    def counted(metric, Y_true, preds):
        calls.append(len(preds))
        return real(metric, Y_true, preds)

    monkeypatch.setattr(nnet.metrics, "evaluate_stacked", counted)
    monkeypatch.setattr(importlib.import_module("nnet.training"), "evaluate_stacked", counted)
    refuse = lambda *a, **k: pytest.fail("called scikit-learn per model")  # noqa: E731
    monkeypatch.setattr(sklearn.metrics, "accuracy_score", refuse)
    study = sweep(template(), Momentum(momentum=0.9), X, Y, {"learning_rate": [0.01, 0.1, 1.0]},
                  epochs=3, validation_data=val, metrics=["accuracy"], seed=0)  # fmt: skip
    assert calls == [3] * 6  # training and validation data, three epochs, all models at once
    monkeypatch.undo()
    for net, history in zip(study.networks, study.histories):
        expected = nnet.metrics.accuracy(val[1], net.predict(val[0]))
        assert history.metrics["val_accuracy"][-1] == expected


@pytest.mark.parametrize(
    ("grid", "match"),
    [
        ({"learning_rate": [np.array([0.1, 0.2])]}, r"grid\['learning_rate'\]\[0\] is ndarray"),
        ({"l2": [[0.0, 1e-3]]}, r"grid\['l2'\]\[0\] is list"),
        ({"beta": [(0.5, 0.9)]}, r"grid\['beta'\]\[0\] is tuple"),
    ],
)
def test_an_array_or_a_list_as_one_grid_value_is_refused_before_training(grid, match, monkeypatch):
    """Issue 22: an array as one value passed the checks, then failed mid-sweep with 'the
    truth value of an array is ambiguous'."""
    monkeypatch.setattr(SWEEP_MODULE, "train_models", lambda *a, **k: pytest.fail("trained"))
    X, Y = iris_like()
    with pytest.raises(ValueError, match=match):
        sweep(template(), HeavyBall(0.05), X, Y, grid, epochs=1)


def test_numpy_numbers_in_the_grid_come_back_as_python_numbers():
    """Issue 22: study.best() returned np.float64(0.01) among its parameters."""
    X, Y = iris_like()
    grid = {"learning_rate": np.logspace(-2, -1, 2), "seed": [np.int64(3)], "l2": np.zeros(1)}
    study = sweep(template(), "sgd", X, Y, grid, epochs=1, seed=0)
    params, _ = study.best("train_loss")
    assert all(type(v) in (float, int) for v in params.values()), params
    assert {type(v) for row in study.table() for v in row.values()} <= {float, int, str}
    assert repr(study.params[0]) == "{'learning_rate': 0.01, 'seed': 3, 'l2': 0.0}"


def test_a_grid_too_large_for_memory_is_refused_with_its_numbers(monkeypatch):
    """Issue 22: 10^9 models were neither refused nor bounded (25 s listing combinations)."""
    monkeypatch.setattr(SWEEP_MODULE, "train_models", lambda *a, **k: pytest.fail("trained"))
    X, Y = iris_like()
    values = list(np.linspace(0.001, 0.1, 1000))
    grid = {"learning_rate": values, "momentum": list(np.linspace(0, 0.9, 1000)), "l2": values}
    with pytest.raises(ValueError, match=r"grid makes 1,000,000,000 models.* GiB"):
        sweep(template(), Momentum(), X, Y, grid, epochs=10)
    monkeypatch.setattr(SWEEP_MODULE, "available_memory", lambda: 10**6)
    with pytest.raises(ValueError, match=r"grid makes 400 models"):
        sweep(template(), Momentum(), X, Y, {"learning_rate": values[:20], "l2": values[:20]})


def test_the_memory_bound_counts_the_weights_of_every_model(monkeypatch):
    """Issue 22: with batch_size=1 the activations are tiny and the chunking let the per-model
    copies of the weights (stack, snapshot, gradient, optimizer state...) grow to 6 times the
    study; within its budget the peak stays near the study itself."""
    import tracemalloc

    monkeypatch.setattr(SWEEP_MODULE, "MEMORY_BUDGET", 1 << 20)
    X, Y = iris_like()
    net = NeuralNetwork(4, [60, 60, 3], ["tanh", "tanh", "softmax"], cost_fun="cross_entropy",
                        seed=0)  # fmt: skip
    grid = {"learning_rate": list(np.linspace(0.001, 0.01, 40))}
    result = 40 * net.n_params * 8
    tracemalloc.start()
    try:
        study = sweep(net, Adam(), X[:4], Y[:4], grid, epochs=1, batch_size=1, seed=0)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert len(study) == 40
    assert peak < result + 3 * (1 << 20), peak / result


class _InterruptedParallel:
    """joblib.Parallel as a Ctrl-C finds it: the first stack's result, then KeyboardInterrupt."""

    def __init__(self, *args, **kwargs):
        pass

    def __call__(self, calls):
        for n, (function, args, kwargs) in enumerate(calls):
            if n == 1:
                raise KeyboardInterrupt
            yield function(*args, **kwargs)


@pytest.mark.parametrize("n_jobs", [1, 2])
def test_ctrl_c_returns_every_model_whatever_n_jobs(n_jobs, monkeypatch):
    """Issue 22: with n_jobs=2 a Ctrl-C dropped the models that were running; now every
    model comes back, finished or marked interrupted (unstarted: no epoch, starting weights)."""
    import joblib

    X, Y = iris_like()
    grid = {"batch_size": [5, 10], "learning_rate": [0.01, 0.1]}  # two groups
    if n_jobs == 1:  # the second group's first epoch is interrupted
        calls = []
        real = Backprop.loss_and_gradient

        def interrupt(self, *args):
            calls.append(1)
            if len(calls) == 6 * 2 + 1:  # after the first group's two epochs (6 steps each)
                raise KeyboardInterrupt
            return real(self, *args)

        monkeypatch.setattr(Backprop, "loss_and_gradient", interrupt)
    else:
        monkeypatch.setattr(joblib, "Parallel", _InterruptedParallel)
    study = sweep(template(), "sgd", X, Y, grid, epochs=2, seed=0, n_jobs=n_jobs)
    assert study.interrupted and len(study) == 4
    reasons = [h.stop_reason for h in study.histories]
    assert reasons == ["completed", "completed", "interrupted", "interrupted"]
    assert [h.epochs_run for h in study.histories] == [2, 2, 0, 0]
    start = template().layers
    assert relative_error(study.networks[3].layers, start) == 0.0
    assert all(np.isfinite(net.predict(X)).all() for net in study.networks)
    assert [r["stop_reason"] for r in study.table()] == reasons


@pytest.mark.parametrize("hidden", ["tanh", "sigmoid"])
def test_n_jobs_never_changes_a_result_table_included(hidden):
    """Issue 22: table() differed between n_jobs=1 and n_jobs=2 in the last digit."""
    X, Y = iris_like()
    net = NeuralNetwork(4, [5, 3], [hidden, "softmax"], cost_fun="cross_entropy", seed=0)
    grid = {"learning_rate": [0.01, 0.03, 0.1], "l2": [0.0, 1e-4, 1e-3]}
    options = {"epochs": 5, "seed": 0, "validation_data": iris_like(seed=1),
               "metrics": ["accuracy", "r2"]}  # fmt: skip
    one = sweep(net, Momentum(momentum=0.9), X, Y, grid, **options)
    two = sweep(net, Momentum(momentum=0.9), X, Y, grid, n_jobs=2, **options)
    assert repr(one.table()) == repr(two.table())
    for a, b in zip(one.networks, two.networks):
        assert relative_error(a.layers, b.layers) == 0.0


def test_init_in_the_grid_without_seed_is_reproducible_with_the_sweeps_seed():
    """Issue 22: --grid init=he,normal --seed 0 gave other tables at every run."""
    X, Y = iris_like()
    runs = [sweep(template(), "sgd", X, Y, {"init": ["he", "normal"]}, epochs=1, seed=0)
            for _ in range(2)]  # fmt: skip
    assert repr(runs[0].table()) == repr(runs[1].table())
    twin = template(init="he")  # template()'s seed is 0, as the sweep's
    assert (
        relative_error(
            sweep(template(), "sgd", X, Y, {"init": ["he"]}, epochs=1, seed=0).networks[0].layers,
            twin.layers,
        )
        > 0
    )  # trained
    fresh = NeuralNetwork(4, [5, 3], ["sigmoid", "softmax"], cost_fun="cross_entropy", seed=0,
                          init="he")  # fmt: skip
    train(fresh, "sgd", X, Y, epochs=1, seed=0)
    assert relative_error(runs[0].networks[0].layers, fresh.layers) == 0.0


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda s: s.heatmap(["l2"], "learning_rate"), TypeError, "x must be a grid key"),
        (lambda s: s.heatmap("l2", 3, "val_loss"), TypeError, "y must be a grid key"),
        (lambda s: s.heatmap("l2", "learning_rate", ax=5), TypeError, "ax must be a matplotlib"),
        (lambda s: s.heatmap("l2", "learning_rate", "stop_reason"), ValueError,
         "'stop_reason' is not a numeric result"),
        (lambda s: s.best("stop_reason"), ValueError, "'stop_reason' is not a numeric result"),
        (lambda s: s.best(["val_loss"]), TypeError, "column name"),
        (lambda s: s.plot_histories("nope"), ValueError, "curve must be one of"),
        (lambda s: s.plot_histories(where={"eta": 1}), ValueError, "'eta' is not a grid key"),
        (lambda s: s.plot_histories(where={"l2": 5.0}), ValueError, "selects no model"),
        (lambda s: s.plot_histories(where=3), TypeError, "where must be"),
    ],
)  # fmt: skip
def test_a_study_refuses_bad_arguments_by_name(call, error, match):
    """Issue 22: heatmap(["l2"]) said "unhashable type", ax=5 gave an AttributeError and
    "stop_reason" drew an empty map."""
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    with pytest.raises(error, match=match):
        call(_study())


def test_plot_histories_draws_every_models_curve_labelled_by_its_parameters():
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    study = _study()
    ax = study.plot_histories()
    lines = ax.get_lines()
    assert len(lines) == len(study) and ax.get_ylabel() == "val_loss"
    assert lines[1].get_label() == "learning_rate=0.001, l2=0.0, seed=1"
    assert list(lines[1].get_ydata()) == study.histories[1].val_loss
    ax = study.plot_histories("train_loss", where={"learning_rate": 0.1, "seed": [0, 2]})
    assert [line.get_label() for line in ax.get_lines()] == [
        "learning_rate=0.1, l2=0.0, seed=0", "learning_rate=0.1, l2=0.0, seed=2",
        "learning_rate=0.1, l2=0.001, seed=0", "learning_rate=0.1, l2=0.001, seed=2",
    ]  # fmt: skip
    ax = study.plot_histories("val_accuracy", where=lambda p: p["l2"] > 0 and p["seed"] == 1)
    assert len(ax.get_lines()) == 3 and ax.get_ylabel() == "val_accuracy"


def test_a_study_shows_an_html_table_best_first():
    from nnet.callbacks import History

    losses = [0.5, 0.2, np.nan, 0.3]
    histories = [History(train_loss=[1.0], val_loss=[v], stop_reason="completed") for v in losses]
    study = Study([{"lr": lr} for lr in (1, 2, 3, "<b>")], [template()] * 4, histories)
    page = study._repr_html_()
    assert page.startswith("<table><caption>Study(4 models over [&#x27;lr&#x27;]")
    assert "<th>lr</th>" in page and "<th>stop_reason</th>" in page
    rows = page.split("<tr>")[2:]  # after the header
    assert [r.split("<td>")[1].split("<")[0] for r in rows] == ["2", "&lt;b&gt;", "1", "3"]
    monkey = Study([{"lr": i} for i in range(30)], [template()] * 30, [History()] * 30)
    assert monkey._repr_html_().count("<tr>") == 1 + Study.HTML_ROWS


class CheckedHeavyBall(HeavyBall):
    """HeavyBall whose constructor checks its own hyperparameter, as a careful user writes it."""

    def __init__(self, learning_rate=0.01, beta=0.9):
        if not 0 <= beta < 1:
            raise ValueError(f"beta must be in [0, 1), got {beta}")
        super().__init__(learning_rate, beta)


def test_a_custom_optimizers_values_are_checked_before_anything_trains(monkeypatch):
    """Issue 22, item 2: each value goes through the optimizer's own constructor first."""
    monkeypatch.setattr(SWEEP_MODULE, "train_models", lambda *a, **k: pytest.fail("trained"))
    X, Y = iris_like()
    with pytest.raises(ValueError, match=r"grid\['beta'\]\[1\] = 1.5: beta must be in \[0, 1\)"):
        sweep(template(), CheckedHeavyBall(0.05), X, Y, {"beta": [0.5, 1.5]}, epochs=1)
