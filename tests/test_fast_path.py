"""The training loop's fast path computes what the checked public calls compute.

The loop keeps the parameters and the gradient as flat vectors, reuses its buffers at
every step, runs an elementwise optimizer rule once on the whole flat gradient, and folds
the learning rate into the gradient for SGD and Momentum. None of that may change the
numbers beyond rounding: each test here compares it with the public, checked path.
"""

from __future__ import annotations

import copy
import pickle

import numpy as np
import pytest
from helpers import BUILTIN_ACTIVATIONS, BUILTIN_COSTS, make_targets, relative_error

import nnet.training
from nnet import NeuralNetwork, train
from nnet import network as _penalty
from nnet.costs import COSTS
from nnet.network import Backprop
from nnet.optimizers import OPTIMIZERS, SGD, Momentum, Optimizer, get_optimizer
from nnet.schedules import StepDecay
from nnet.training import Batches

OUTPUT_FOR_COST = {
    "cross_entropy": "softmax",
    "binary_cross_entropy": "sigmoid",
    "mse": "tanh",
    "poisson": "exp",
}


def through_public_step(opt: Optimizer) -> Optimizer:
    """The same optimizer, but driven through its own checked ``step`` (a subclass overrides
    it: deprecated, and still trained through that step)."""
    with pytest.warns(DeprecationWarning, match="overrides step"):

        class Public(type(opt)):  # type: ignore[misc]
            def step(self, layer_grads, layers=None):
                return super().step(layer_grads, layers)

    public = Public.__new__(Public)
    public.__dict__.update(opt.__dict__)
    return public


def problem(cost="cross_entropy", hidden="sigmoid", seed=0, **penalties):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(37, 4))
    Y = make_targets(cost, 37, 3, rng)
    net = NeuralNetwork(
        4, [6, 5, 3], [hidden, hidden, OUTPUT_FOR_COST[cost]], cost_fun=cost, init="xavier",
        seed=seed, **penalties,
    )  # fmt: skip
    return net, X, Y


def train_both(name, epochs=3, batch_size=8, **penalties):
    """Train twin networks, one through the fast path and one through public ``step``."""
    results = []
    for make in (lambda opt: opt, through_public_step):
        net, X, Y = problem(**penalties)
        opt = make(get_optimizer(name, learning_rate=StepDecay(0.05, 0.5, 2)))
        history = train(net, opt, X, Y, epochs=epochs, batch_size=batch_size, seed=3)
        results.append((net, opt, history))
    return results


@pytest.mark.parametrize("penalties", [{}, {"l2": 0.01}, {"l1": 0.003, "regularize_bias": True}])
@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_fast_path_trains_like_the_public_step(name, penalties):
    (fast, fast_opt, fast_hist), (slow, slow_opt, slow_hist) = train_both(name, **penalties)
    assert type(slow_opt).step is not type(fast_opt).step  # the twin did take the public path
    assert relative_error(fast.layers, slow.layers) < 1e-12
    np.testing.assert_allclose(fast_hist.train_loss, slow_hist.train_loss, rtol=1e-12)
    assert fast_opt.t == slow_opt.t == 3 * 5
    fast_state, _ = fast_opt.state_dict()
    slow_state, _ = slow_opt.state_dict()
    assert fast_state.keys() == slow_state.keys()
    for key in fast_state:
        np.testing.assert_allclose(fast_state[key], slow_state[key], rtol=1e-10, atol=1e-15)


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_public_steps_between_trainings_continue_the_same_state(name):
    """After train(), each array's state is a view of the flat state: step() updates both."""
    runs = []
    for make in (lambda opt: opt, through_public_step):
        net, X, Y = problem()
        opt = make(get_optimizer(name, learning_rate=0.05))
        train(net, opt, X, Y, epochs=1, batch_size=8, seed=0)
        net.update_weights(opt.step(net.compute_gradient(X, Y), net.layers))
        train(net, opt, X, Y, epochs=1, batch_size=8, seed=1)
        runs.append(net.layers)
    assert relative_error(*runs) < 1e-12


HIDDEN = [name for name in BUILTIN_ACTIVATIONS if name not in ("softmax", "exp")]  # outputs


@pytest.mark.parametrize("cost", BUILTIN_COSTS)
@pytest.mark.parametrize("hidden", HIDDEN)
def test_backprop_into_sliced_buffers_gives_the_networks_gradient(cost, hidden):
    net, X, Y = problem(cost, hidden, l2=0.02, l1=0.01)
    store = net.parameters
    backprop = Backprop(net, store.layout, 50)  # more rows than the batch: buffers are sliced
    loss = backprop.loss_and_gradient(store, X, Y)
    assert loss == pytest.approx(net.cost(X, Y), rel=1e-13)
    expected = net.autograd_gradient(X, Y)
    got = [(dW, db.reshape(-1)) for dW, db in backprop.layer_grads]
    assert relative_error(got, expected) < 1e-13


def test_an_optimizer_with_state_for_other_parameters_is_refused_before_training():
    net, X, Y = problem()
    opt = Momentum(0.05)
    train(NeuralNetwork(4, [3], ["softmax"], cost_fun="cross_entropy"), opt, X, Y, epochs=1)
    before = [(W.copy(), b.copy()) for W, b in net.layers]
    with pytest.raises(ValueError, match=r"was built for parameters .* call reset\(\)"):
        train(net, opt, X, Y, epochs=1)
    for (W, b), (W0, b0) in zip(net.layers, before, strict=True):
        np.testing.assert_array_equal(W, W0)
        np.testing.assert_array_equal(b, b0)
    opt.reset()
    assert train(net, opt, X, Y, epochs=1).epochs_run == 1


@pytest.mark.parametrize("batches_per_gather", [1, 2, 3, 10])
def test_gathered_batches_follow_the_shuffled_order(monkeypatch, batches, batches_per_gather):
    """Rows are gathered several batches at a time; the batches are still the permutation's."""
    n, size = 23, 5
    X = np.column_stack([np.arange(n, dtype=float), np.zeros(n)])
    Y = np.zeros((n, 1))
    row_bytes = X[0].nbytes + Y[0].nbytes
    monkeypatch.setattr(nnet.training, "GATHER_BYTES", batches_per_gather * size * row_bytes)
    net = NeuralNetwork(2, [1], ["identity"], seed=0)
    train(net, SGD(1e-3), X, Y, epochs=2, batch_size=size, seed=4)
    rng = np.random.default_rng(4)
    expected = [rng.permutation(n) for _ in range(2)]
    got = [np.concatenate(batches[:5]), np.concatenate(batches[5:])]
    assert [len(b) for b in batches] == [5, 5, 5, 5, 3] * 2
    for g, e in zip(got, expected, strict=True):
        np.testing.assert_array_equal(g, e)


def test_shuffled_batches_are_the_permuted_rows():
    rng = np.random.default_rng(0)
    X, Y = rng.normal(size=(23, 3)), rng.normal(size=(23, 2))
    got = list(Batches(X, Y, 5, np.random.default_rng(4)))
    perm = np.random.default_rng(4).permutation(23)
    np.testing.assert_array_equal(np.concatenate([xb for xb, _, _ in got]), X[perm])
    np.testing.assert_array_equal(np.concatenate([yb for _, yb, _ in got]), Y[perm])
    assert [len(xb) for xb, _, _ in got] == [5, 5, 5, 5, 3] == list(Batches(X, Y, 5, None).rows())


@pytest.mark.parametrize("cost", [c for c in COSTS.values() if c.fused_activation], ids=repr)
def test_distribution_deltas_equal_the_general_ones_on_one_hot_targets(cost):
    rng = np.random.default_rng(0)
    a = rng.dirichlet(np.ones(4), size=9)
    target = np.eye(4)[rng.integers(0, 4, 9)]
    cheap = cost.output_delta(a, target, rows_sum_to_one=True)
    np.testing.assert_array_equal(cheap, cost.output_delta(a, target))


@pytest.mark.parametrize("normalized", [True, False])
def test_a_training_step_is_the_gradient_step_for_any_cross_entropy_targets(normalized):
    """The loop uses (a - t)/N only when every target row sums to exactly 1."""
    rng = np.random.default_rng(1)
    X, Y = rng.normal(size=(30, 4)), rng.uniform(0.0, 1.0, (30, 3))
    if normalized:
        Y = np.eye(3)[rng.integers(0, 3, 30)]
    net, _, _ = problem()
    expected = [(W - 0.1 * dW, b - 0.1 * db) for (W, b), (dW, db) in
                zip(net.layers, net.compute_gradient(X, Y), strict=True)]  # fmt: skip
    train(net, SGD(0.1), X, Y, epochs=1, batch_size=None)
    assert relative_error(net.layers, expected) < 1e-14


@pytest.mark.parametrize("copy_of", [copy.deepcopy, lambda obj: pickle.loads(pickle.dumps(obj))])
def test_copies_of_a_trained_network_and_optimizer_train_on_identically(copy_of):
    """A copy keeps each W and b a view of its own flat vector, and the optimizer's state."""
    net, X, Y = problem()
    opt = Momentum(0.05)
    train(net, opt, X, Y, epochs=2, batch_size=8, seed=0)
    net_copy, opt_copy = copy_of(net), copy_of(opt)
    vector = net_copy.parameters.vector
    assert all(np.shares_memory(W, vector) for W, _ in net_copy.layers)
    assert not np.shares_memory(vector, net.parameters.vector)
    for model, optimizer in ((net, opt), (net_copy, opt_copy)):
        train(model, optimizer, X, Y, epochs=2, batch_size=8, seed=1)
        optimizer.step(model.compute_gradient(X, Y))  # the per-array states are live too
    assert relative_error(net_copy.layers, net.layers) == 0.0
    np.testing.assert_array_equal(
        opt_copy.state_dict()[0]["layer0.W.velocity"], opt.state_dict()[0]["layer0.W.velocity"]
    )


def test_a_state_missing_for_some_arrays_starts_them_at_zero():
    """load_state_dict may leave arrays without state; the flat state starts them at zero."""
    net, X, Y = problem()
    opt = Momentum(0.05)
    train(net, opt, X, Y, epochs=1, batch_size=8, seed=0)
    arrays, meta = opt.state_dict()
    arrays_zeroed = {**arrays, "layer1.b.velocity": np.zeros_like(arrays["layer1.b.velocity"])}
    del arrays["layer1.b.velocity"]
    results = []
    for state in (arrays, arrays_zeroed):
        resumed, resumed_opt = copy.deepcopy(net), Momentum(0.05)
        resumed_opt.load_state_dict(state, meta)
        train(resumed, resumed_opt, X, Y, epochs=1, batch_size=8, seed=1)
        results.append(resumed.layers)
    assert relative_error(*results) == 0.0


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("regularize_bias", [False, True])
@pytest.mark.parametrize(("l1", "l2"), [(0.0, 0.3), (0.2, 0.0), (0.05, 0.7)])
def test_the_plain_numpy_penalty_equals_the_autograd_one(l1, l2, regularize_bias, dtype):
    net = NeuralNetwork(
        3, [4, 2], ["tanh", "identity"], l1=l1, l2=l2, regularize_bias=regularize_bias,
        dtype=dtype, seed=0,
    )  # fmt: skip
    net.layers = [(W, b + 0.5) for W, b in net.layers]  # nonzero biases: their penalty counts
    expected = float(_penalty.penalty(net.layers, l1, l2, regularize_bias))
    mask = None if regularize_bias else net.parameters.layout.weight_mask()
    store = net.parameters
    step_penalty = _penalty.StepPenalty(store.layout.shape, mask, l1, l2, dtype)
    value = float(step_penalty.value(store.vector))
    assert value == pytest.approx(expected, rel=1e-6 if dtype == np.float32 else 1e-13)
    assert expected > 0


def test_the_step_penalty_gradient_per_model():
    rng = np.random.default_rng(3)
    vector = rng.normal(size=(3, 10))
    mask = (np.arange(10) < 7).astype(float)  # the last three entries: biases
    l1, l2 = np.array([0.0, 0.2, 0.05]), np.array([0.3, 0.0, 0.7])
    step_penalty = _penalty.StepPenalty(vector.shape, mask, l1, l2, np.float64)
    expected_value = (l2[:, None] * mask * vector**2 + l1[:, None] * mask * np.abs(vector)).sum(1)
    expected_grad = (2 * l2[:, None] * vector + l1[:, None] * np.sign(vector)) * mask
    for _ in range(2):  # the buffer is reused
        grad = np.ones_like(vector)
        value = step_penalty.add_gradient(vector, grad)
        np.testing.assert_allclose(value, expected_value, rtol=1e-13)
        np.testing.assert_allclose(grad, 1.0 + expected_grad, rtol=1e-13)
        np.testing.assert_allclose(step_penalty.value(vector), expected_value, rtol=1e-13)
