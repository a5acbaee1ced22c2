"""``train`` under hostile arguments, interruptions and schedules that break mid-run.

Bad arguments raise before anything changes; whatever stops a run once it has
started (Ctrl-C, a schedule turning invalid, a custom optimizer's NaN) keeps the
completed epochs in the returned history and leaves finite weights.
"""

from __future__ import annotations

import sys
import types

import numpy as np
import pytest

from nnet import DivergenceWarning, NeuralNetwork, train
from nnet.optimizers import SGD
from nnet.schedules import LambdaSchedule

X = np.linspace(-1.0, 1.0, 40).reshape(-1, 1)
Y = X**2


def make_net() -> NeuralNetwork:
    return NeuralNetwork(1, [6, 1], ["tanh", "identity"], seed=0)


def snapshot(net: NeuralNetwork) -> list[tuple[np.ndarray, np.ndarray]]:
    return [(W.copy(), b.copy()) for W, b in net.layers]


def assert_same(layers, other) -> None:
    for (W, b), (W0, b0) in zip(layers, other):
        np.testing.assert_array_equal(W, W0)
        np.testing.assert_array_equal(b, b0)


# --------------------------------------------------------------------------- arguments
ARGUMENT_CASES = [
    ({"shuffle": "no"}, TypeError, "shuffle must be True or False, got 'no'"),
    ({"shuffle": 1}, TypeError, "shuffle must be True or False"),
    ({"shuffle": None}, TypeError, "shuffle must be True or False"),
    ({"seed": -1}, ValueError, "seed must be a non-negative int"),
    ({"X": [[0.5], [0.1, 0.2]] + [[0.0]] * 38}, ValueError, "X must be a rectangular array"),
    ({"X": np.ma.masked_array(X, mask=X > 0.5)}, TypeError, "X is a masked array"),
    ({"Y": np.ma.masked_array(Y)}, TypeError, "Y is a masked array"),
    (
        {"validation_data": (np.ma.masked_array(X), Y)},
        TypeError,
        r"validation_data\[0\] is a masked array",
    ),
    (
        {"validation_data": (X, [[1.0]] * 39 + [[1.0, 2.0]])},
        ValueError,
        r"validation_data\[1\] must be a rectangular array",
    ),
]


@pytest.mark.parametrize(("change", "error", "match"), ARGUMENT_CASES)
def test_bad_arguments_raise_before_anything_changes(change, error, match):
    net, opt = make_net(), SGD(0.1)
    before = snapshot(net)
    kwargs = {"X": X, "Y": Y, **change}
    with pytest.raises(error, match=match):
        train(net, opt, kwargs.pop("X"), kwargs.pop("Y"), epochs=2, **kwargs)
    assert_same(net.layers, before)
    assert opt.t == 0


def test_numpy_bools_are_accepted_for_shuffle():
    history = train(make_net(), SGD(0.1), X, Y, epochs=2, shuffle=np.bool_(False))
    assert history.epochs_run == 2


# --------------------------------------------------------------------------- interruptions
def test_ctrl_c_while_the_progress_bar_is_set_up_still_returns_the_history(monkeypatch):
    fake = types.ModuleType("tqdm.auto")

    def interrupted_tqdm(*args, **kwargs):
        raise KeyboardInterrupt  # as if Ctrl-C arrived while tqdm.auto was importing

    fake.tqdm = interrupted_tqdm  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "tqdm.auto", fake)
    net = make_net()
    before = snapshot(net)
    history = train(net, SGD(0.1), X, Y, epochs=5, progress=True)
    assert history.stop_reason == "interrupted"
    assert history.epochs_run == 0
    assert_same(net.layers, before)


# --------------------------------------------------------------------------- schedules
def nan_from(epoch: int, rate: float = 0.1) -> LambdaSchedule:
    return LambdaSchedule(lambda e: rate if e < epoch else float("nan"))


def failing_from(epoch: int) -> LambdaSchedule:
    def rate(e: int) -> float:
        if e >= epoch:
            raise ValueError("no rate for this epoch")
        return 0.1

    return LambdaSchedule(rate)


@pytest.mark.parametrize("schedule", [nan_from(3), failing_from(3), nan_from(3, rate=0.05)])
@pytest.mark.parametrize("batch_size", [None, 8])
def test_a_schedule_that_turns_invalid_keeps_the_epochs_done(schedule, batch_size):
    reference = make_net()
    expected = train(reference, SGD(schedule.fn(0)), X, Y, epochs=3, batch_size=batch_size, seed=0)
    net = make_net()
    with pytest.warns(DivergenceWarning, match="learning rate schedule failed"):
        history = train(net, SGD(schedule), X, Y, epochs=10, batch_size=batch_size, seed=0)
    assert history.stop_reason == "diverged"
    assert history.epochs_run == 3
    np.testing.assert_array_equal(history.train_loss, expected.train_loss)
    assert_same(net.layers, reference.layers)  # the weights of the last completed epoch


def test_a_schedule_that_turns_invalid_restores_the_best_epoch_with_early_stopping():
    net = make_net()
    val = (X[::3], Y[::3])
    with pytest.warns(DivergenceWarning):
        history = train(
            net, SGD(nan_from(6)), X, Y, epochs=20, seed=0, validation_data=val, early_stopping=50
        )
    assert history.epochs_run == 6 and history.stop_reason == "diverged"
    best = int(np.argmin(history.val_loss))
    assert history.best_epoch == best
    np.testing.assert_allclose(net.cost(*val), history.val_loss[best], rtol=1e-12)


def test_a_schedule_failing_in_the_first_epoch_keeps_the_initial_weights():
    net = make_net()
    before = snapshot(net)
    with pytest.warns(DivergenceWarning, match="restored the initial weights"):
        history = train(net, SGD(nan_from(0)), X, Y, epochs=5, seed=0)
    assert history.epochs_run == 0 and history.stop_reason == "diverged"
    assert_same(net.layers, before)


# --------------------------------------------------------------------------- custom optimizers
class NaNAfter:
    """A custom optimizer (no Optimizer base) whose updates turn NaN after ``n`` steps."""

    def __init__(self, n: int) -> None:
        self.n, self.steps = n, 0

    def step(self, grads):
        self.steps += 1
        bad = self.steps > self.n
        return [(np.full_like(dW, np.nan) if bad else -0.1 * dW, -0.1 * db) for dW, db in grads]


def test_a_custom_optimizers_nan_update_is_a_divergence_not_a_crash():
    net = make_net()
    with pytest.warns(DivergenceWarning, match=r"updates\[0\] W contains NaN"):
        history = train(net, NaNAfter(12), X, Y, epochs=10, batch_size=8, seed=0)
    assert history.stop_reason == "diverged"
    assert history.epochs_run == 2  # 5 steps per epoch: the 13th step is in epoch 2
    assert all(np.isfinite(W).all() and np.isfinite(b).all() for W, b in net.layers)
