"""Tests of nnet.training.train: descent, mini-batch bookkeeping, reproducibility, early
stopping, divergence, interruption, callbacks, metrics, optimizers and argument checks."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

from nnet.metrics import accuracy
from nnet.network import NeuralNetwork
from nnet.optimizers import SGD, Adam, AdamW, Momentum, Optimizer
from nnet.schedules import ExponentialDecay, StepInverseTime
from nnet.training import STOP_REASONS, DivergenceWarning, History, train


def regression_data(n=40, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.uniform(-1, 1, size=(n, 2))
    Y = np.sin(2 * X[:, :1]) + 0.5 * X[:, 1:] ** 2
    return X, Y


def regression_net(seed=0, dtype=np.float64, **kw):
    return NeuralNetwork(2, [8, 1], ["tanh", "identity"], seed=seed, dtype=dtype, **kw)


def classification_data(n=60, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 2))
    classes = (X[:, 0] + X[:, 1] > 0).astype(int) + (X[:, 0] > 1).astype(int)
    return X, np.eye(3)[classes]


def classifier(seed=0):
    return NeuralNetwork(2, [6, 3], ["sigmoid", "softmax"], cost_fun="cross_entropy", seed=seed)


def copies(layers):
    return [(W.copy(), b.copy()) for W, b in layers]


def assert_layers_equal(got, expected):
    assert len(got) == len(expected)
    for (gW, gb), (eW, eb) in zip(got, expected):
        np.testing.assert_array_equal(gW, eW)
        np.testing.assert_array_equal(gb, eb)


class Recorder:
    """A duck-typed optimizer (only ``step`` and ``set_epoch``) that changes nothing."""

    def __init__(self):
        self.steps = 0
        self.epochs = []

    def step(self, layer_grads):
        self.steps += 1
        return [(np.zeros_like(dW), np.zeros_like(db)) for dW, db in layer_grads]

    def set_epoch(self, epoch):
        self.epochs.append(epoch)


def indexed_data(n):
    """X whose first column is the sample index, so batches can be identified."""
    X = np.column_stack([np.arange(n, dtype=float), np.zeros(n)])
    return X, np.zeros((n, 1))


# ----------------------------------------------------------------------------- descent
def test_full_batch_gradient_descent_decreases_the_loss_every_epoch():
    X, Y = regression_data()
    net = regression_net()
    history = train(net, SGD(0.05), X, Y, epochs=60, batch_size=None)
    losses = np.array(history.train_loss)
    assert np.all(np.diff(losses) <= 0)
    assert losses[-1] < 0.8 * losses[0]


def test_full_batch_train_loss_is_the_cost_before_each_epochs_step():
    X, Y = regression_data()
    net = regression_net(l2=0.01)
    before = net.cost(X, Y)
    history = train(net, SGD(0.05), X, Y, epochs=3, batch_size=None, callbacks=[])
    assert history.train_loss[0] == pytest.approx(before, rel=1e-12)
    net2 = regression_net(l2=0.01)
    train(net2, SGD(0.05), X, Y, epochs=2, batch_size=None)
    assert history.train_loss[2] == pytest.approx(net2.cost(X, Y), rel=1e-12)


def test_train_loss_is_the_sample_weighted_mean_of_mini_batch_losses():
    # With updates of zero the weights never move, so the weighted mean of the batch MSEs
    # (batches of 5, 5, 5, 5, 3) is the MSE of the whole set; a plain mean would not be.
    X, Y = regression_data(n=23)
    net = regression_net()
    history = train(net, Recorder(), X, Y, epochs=2, batch_size=5, seed=0)
    assert history.train_loss == pytest.approx([net.cost(X, Y)] * 2, rel=1e-12)


# ----------------------------------------------------------------------------- mini-batches
@pytest.mark.parametrize(("n", "batch_size", "steps"), [(23, 5, 5), (20, 5, 4), (7, 10, 1)])
def test_every_sample_is_used_once_per_epoch_including_the_last_partial_batch(
    n, batch_size, steps, batches
):
    X, Y = indexed_data(n)
    net = NeuralNetwork(2, [1], ["identity"], seed=0)
    opt = Recorder()
    train(net, opt, X, Y, epochs=3, batch_size=batch_size, seed=1)
    assert opt.steps == 3 * steps == 3 * math.ceil(n / min(batch_size, n))
    for epoch in range(3):
        epoch_batches = batches[epoch * steps : (epoch + 1) * steps]
        assert [len(b) for b in epoch_batches[:-1]] == [batch_size] * (steps - 1)
        np.testing.assert_array_equal(np.sort(np.concatenate(epoch_batches)), np.arange(n))


def test_shuffling_changes_the_batches_between_epochs(batches):
    X, Y = indexed_data(30)
    net = NeuralNetwork(2, [1], ["identity"], seed=0)
    train(net, Recorder(), X, Y, epochs=2, batch_size=10, seed=0)
    first, second = np.concatenate(batches[:3]), np.concatenate(batches[3:])
    assert not np.array_equal(first, np.arange(30))
    assert not np.array_equal(first, second)


def test_without_shuffling_batches_are_contiguous_in_order(batches):
    X, Y = indexed_data(12)
    net = NeuralNetwork(2, [1], ["identity"], seed=0)
    train(net, Recorder(), X, Y, epochs=2, batch_size=5, shuffle=False)
    expected = [np.arange(0, 5), np.arange(5, 10), np.arange(10, 12)] * 2
    for got, want in zip(batches, expected, strict=True):
        np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("batch_size", [None, 12, 100])
def test_full_batch_is_one_step_on_the_data_in_order(batch_size, batches):
    X, Y = indexed_data(12)
    net = NeuralNetwork(2, [1], ["identity"], seed=0)
    opt = Recorder()
    train(net, opt, X, Y, epochs=4, batch_size=batch_size, seed=0)
    assert opt.steps == 4
    for batch in batches:
        np.testing.assert_array_equal(batch, np.arange(12))


# ----------------------------------------------------------------------------- reproducibility
def run(seed, **kw):
    X, Y = classification_data()
    net = classifier(seed=0)
    history = train(net, Momentum(0.05), X, Y, epochs=5, batch_size=8, seed=seed, **kw)
    return net, history


def test_same_seed_gives_bit_identical_weights_and_history():
    net_a, hist_a = run(3, metrics=["accuracy"])
    np.random.seed(123)  # noqa: NPY002 -- the legacy global state must play no part
    net_b, hist_b = run(3, metrics=["accuracy"])
    assert_layers_equal(net_a.layers, net_b.layers)
    assert hist_a.as_dict() == hist_b.as_dict()


def test_different_seeds_give_different_weights():
    (net_a, hist_a), (net_b, hist_b) = run(3), run(4)
    assert not np.array_equal(net_a.layers[0][0], net_b.layers[0][0])
    assert hist_a.train_loss != hist_b.train_loss


def test_an_rng_generator_is_used_like_a_seed():
    net_a, _ = run(7)
    X, Y = classification_data()
    net_b = classifier(seed=0)
    train(net_b, Momentum(0.05), X, Y, epochs=5, batch_size=8, rng=np.random.default_rng(7))
    assert_layers_equal(net_a.layers, net_b.layers)


# ----------------------------------------------------------------------------- early stopping
def test_early_stopping_stops_and_restores_the_best_weights():
    # The validation targets are the negated training targets: fitting the training data
    # makes the validation loss rise, so it must stop, at best_epoch + patience.
    X, Y = regression_data()
    net = regression_net()
    seen = []
    history = train(
        net, SGD(0.1), X, Y, epochs=200, batch_size=10, seed=0, validation_data=(X, -Y),
        early_stopping=4, callbacks=[lambda epoch, h, n: seen.append(copies(n.layers))],
    )  # fmt: skip
    assert history.stop_reason == "early_stopping"
    assert history.monitor == "val_loss"
    assert history.best_epoch == int(np.argmin(history.val_loss))
    assert history.epochs_run == history.best_epoch + 4 + 1 < 200
    assert_layers_equal(net.layers, seen[history.best_epoch])
    assert net.cost(X, -Y) == pytest.approx(min(history.val_loss), rel=1e-12)
    assert net.cost(X, -Y) < history.val_loss[-1]


def test_early_stopping_without_validation_monitors_the_training_loss():
    X, Y = regression_data()
    history = train(regression_net(), SGD(0.05), X, Y, epochs=15, early_stopping=3, seed=0)
    assert history.monitor == "train_loss"
    assert history.best_epoch == int(np.argmin(history.train_loss))
    assert history.best_loss == min(history.train_loss)


def test_only_a_strictly_lower_loss_counts_as_an_improvement():
    # Updates of zero: every epoch has the same loss, so the first epoch stays the best.
    X, Y = regression_data()
    history = train(
        regression_net(), Recorder(), X, Y, epochs=20, early_stopping=2, seed=0, batch_size=None
    )  # one batch: the same sum, bit for bit, every epoch
    assert history.best_epoch == 0
    assert history.stop_reason == "early_stopping" and history.epochs_run == 3


def test_best_epoch_is_recorded_without_early_stopping_and_weights_are_the_last():
    X, Y = regression_data()
    net = regression_net()
    last = []
    history = train(
        net, SGD(0.1), X, Y, epochs=30, seed=0, validation_data=(X, -Y),
        callbacks=[lambda epoch, h, n: last.append(copies(n.layers))],
    )  # fmt: skip
    assert history.stop_reason == "completed" and history.epochs_run == 30
    assert history.best_epoch == int(np.argmin(history.val_loss))
    assert_layers_equal(net.layers, last[-1])


# ----------------------------------------------------------------------------- faults
def test_divergence_warns_stops_and_restores_finite_weights():
    X, Y = regression_data()
    net = regression_net()
    seen = [copies(net.layers)]
    with pytest.warns(DivergenceWarning, match="smaller learning rate"):
        history = train(
            net, SGD(1e4), X, Y, epochs=50, batch_size=10, seed=0,
            callbacks=[lambda epoch, h, n: seen.append(copies(n.layers))],
        )  # fmt: skip
    assert history.stop_reason == "diverged"
    assert history.epochs_run < 50
    assert all(math.isfinite(v) for v in history.train_loss)
    assert all(np.isfinite(W).all() and np.isfinite(b).all() for W, b in net.layers)
    assert_layers_equal(net.layers, seen[history.epochs_run])  # the last finite epoch's


def test_divergence_with_early_stopping_restores_the_best_weights():
    # Validation loss rises from the start (negated targets) while a sane rate trains for
    # 8 epochs; then the rate explodes. The best weights, not the last finite ones, return.
    X, Y = regression_data()
    net = regression_net()
    seen = []
    with pytest.warns(DivergenceWarning, match="diverged in epoch"):
        history = train(
            net, SGD(lambda epoch: 0.1 if epoch < 8 else 1e8), X, Y, epochs=50, seed=0,
            validation_data=(X, -Y), early_stopping=100,
            callbacks=[lambda epoch, h, n: seen.append(copies(n.layers))],
        )  # fmt: skip
    assert history.stop_reason == "diverged" and 8 <= history.epochs_run < 50
    assert history.best_epoch < 7
    assert_layers_equal(net.layers, seen[history.best_epoch])


def test_divergence_warning_is_a_user_warning_not_a_runtime_warning():
    assert issubclass(DivergenceWarning, UserWarning)
    assert not issubclass(DivergenceWarning, RuntimeWarning)


def test_keyboard_interrupt_in_a_callback_returns_the_history_so_far():
    X, Y = regression_data()
    net = regression_net()
    at_interrupt = []

    def interrupt(epoch, history, n):
        if epoch == 2:
            at_interrupt.append(copies(n.layers))
            raise KeyboardInterrupt

    history = train(net, SGD(0.05), X, Y, epochs=10, seed=0, callbacks=[interrupt])
    assert history.stop_reason == "interrupted"
    assert history.epochs_run == 3
    assert_layers_equal(net.layers, at_interrupt[0])


def test_a_callback_returning_true_stops_training():
    X, Y = regression_data()
    net = regression_net()
    calls = []

    def stop_at_four(epoch, history, n):
        calls.append((epoch, history.epochs_run, n is net))
        return epoch == 4

    history = train(net, SGD(0.05), X, Y, epochs=10, seed=0, callbacks=stop_at_four)
    assert history.stop_reason == "callback"
    assert history.epochs_run == 5
    assert calls == [(e, e + 1, True) for e in range(5)]


# ----------------------------------------------------------------------------- metrics
def test_metrics_are_recorded_per_epoch_with_keras_keys():
    X, Y = classification_data()
    Xv, Yv = classification_data(n=30, seed=1)

    def max_error(Y_true, Y_pred):
        return float(np.max(np.abs(Y_true - Y_pred)))

    net = classifier()
    history = train(
        net, Adam(0.02), X, Y, epochs=6, batch_size=16, seed=0,
        validation_data=(Xv, Yv), metrics=["accuracy", "mse", max_error],
    )  # fmt: skip
    names = ["accuracy", "mse", "max_error"]
    assert set(history.metrics) == {*names, *("val_" + n for n in names)}
    assert all(len(v) == 6 for v in history.metrics.values()) and len(history.val_loss) == 6
    assert history.metrics["val_accuracy"][-1] == accuracy(Yv, net.predict(Xv))
    assert history.metrics["val_max_error"][-1] == pytest.approx(
        max_error(Yv, net.predict(Xv)), rel=1e-12
    )
    assert history.val_loss[-1] == pytest.approx(net.cost(Xv, Yv), rel=1e-12)


def test_training_metrics_score_the_predictions_each_step_made():
    """As ``train_loss`` (and Keras' metrics): each mini-batch is scored by the weights its
    step saw; an epoch's metric is over all its rows. Replayed here step by step."""
    X, Y = classification_data(n=50)
    net, twin = classifier(seed=3), classifier(seed=3)
    history = train(net, SGD(0.5), X, Y, epochs=3, batch_size=16, shuffle=False,
                    metrics=["accuracy", "mse"], warn=False)  # fmt: skip
    opt = SGD(0.5)
    for epoch in range(3):
        preds = []
        for start in range(0, 50, 16):
            xb, yb = X[start : start + 16], Y[start : start + 16]
            preds.append(twin.predict(xb))
            twin.update_weights(opt.step(twin.compute_gradient(xb, yb)))
        assert history.metrics["accuracy"][epoch] == accuracy(Y, np.vstack(preds))
        assert history.metrics["mse"][epoch] == pytest.approx(
            float(np.mean((np.vstack(preds) - Y) ** 2)), rel=1e-12
        )
    assert_layers_equal(net.layers, twin.layers)
    # the end of the last epoch differs: its last steps moved the weights
    assert history.metrics["accuracy"][-1] != accuracy(Y, net.predict(X))


def test_without_metrics_or_validation_only_the_training_loss_is_recorded():
    X, Y = classification_data()
    history = train(classifier(), "sgd", X, Y, epochs=3, seed=0)
    assert history.metrics == {} and history.val_loss == [] and len(history.train_loss) == 3
    history = train(classifier(), "sgd", X, Y, epochs=3, seed=0, metrics="accuracy")
    assert list(history.metrics) == ["accuracy"]


# ----------------------------------------------------------------------------- optimizers
class SignSGD(Optimizer):
    def update(self, grad, state, learning_rate):
        return -learning_rate * np.sign(grad)


class DuckSGD:
    """Not an nnet Optimizer: only ``step(layer_grads)``."""

    def step(self, layer_grads):
        return [(-0.1 * dW, -0.1 * db) for dW, db in layer_grads]


@pytest.mark.parametrize(
    "optimizer",
    [SignSGD(0.01), DuckSGD(), "adam", AdamW(0.01, weight_decay=0.1), Momentum(0.05, 0.9, True)],
    ids=["custom-subclass", "duck-typed", "name", "adamw", "nesterov"],
)
def test_any_optimizer_trains_a_network(optimizer):
    X, Y = regression_data()
    net = regression_net()
    before = net.cost(X, Y)
    train(net, optimizer, X, Y, epochs=40, batch_size=8, seed=0)
    assert net.cost(X, Y) < 0.7 * before


def test_the_optimizer_is_told_each_epoch():
    X, Y = regression_data()
    opt = Recorder()
    train(regression_net(), opt, X, Y, epochs=4, seed=0)
    assert opt.epochs == [0, 1, 2, 3]
    sgd = SGD(0.01)
    train(regression_net(), sgd, X, Y, epochs=3, seed=0)
    assert sgd.epoch == 3  # the epoch the next call starts with


def test_a_second_call_continues_the_schedule():
    """Two calls of 3 epochs use the rates of epochs 0-5, like one call of 6."""
    X, Y = regression_data()
    net = regression_net()
    opt = SGD(ExponentialDecay(0.05, 0.5))
    first = train(net, opt, X, Y, epochs=3, seed=0)
    second = train(net, opt, X, Y, epochs=3, seed=1)
    expected = [0.05 * 0.5**e for e in range(6)]
    np.testing.assert_allclose(first.learning_rate + second.learning_rate, expected, rtol=1e-15)
    assert opt.epoch == 6


def test_an_optimizer_state_fits_one_shape_of_parameters():
    """State is refused by its shapes (another architecture, dtype), before anything changes."""
    X, Y = regression_data()
    opt = Adam(0.01)
    train(regression_net(), opt, X, Y, epochs=1, seed=0)
    other = NeuralNetwork(X.shape[1], [5, 1], ["tanh", "identity"], seed=1)
    before = [(W.copy(), b.copy()) for W, b in other.layers]
    state = {k: v.copy() for k, v in opt.state.items()}
    with pytest.raises(ValueError, match=r"was built for parameters .* call reset\(\)"):
        train(other, opt, X, Y, epochs=1, seed=0)
    assert opt.t > 0 and all((opt.state[k] == v).all() for k, v in state.items())
    assert all(
        (W == W0).all() and (b == b0).all() for (W, b), (W0, b0) in zip(other.layers, before)
    )
    opt.reset()
    assert train(other, opt, X, Y, epochs=1, seed=0).epochs_run == 1


def test_a_per_step_schedule_changes_the_rate_at_every_mini_batch():
    """The course's t0 / (t + t1) over steps equals SGD steps taken by hand at those rates."""
    X, Y = regression_data()
    net, twin = regression_net(), regression_net()
    train(net, SGD(StepInverseTime(5, 50)), X, Y, epochs=2, batch_size=8, shuffle=False)
    for t, start in enumerate([s for _ in range(2) for s in range(0, len(X), 8)]):
        grads = twin.compute_gradient(X[start : start + 8], Y[start : start + 8])
        twin.update_weights([(-5 / (t + 50) * dW, -5 / (t + 50) * db) for dW, db in grads])
    for (W, b), (W2, b2) in zip(net.layers, twin.layers):
        np.testing.assert_allclose(W, W2, rtol=1e-12)
        np.testing.assert_allclose(b, b2, rtol=1e-12)


def test_a_loss_that_explodes_without_reaching_infinity_is_divergence():
    """SGD(1.0) with l2=0.1 (issue 14): the loss grows by orders of magnitude, stays finite."""
    rng = np.random.default_rng(0)
    X = rng.uniform(-1, 1, (100, 1))
    Y = 1 / (1 + 25 * X**2)

    def runge_net():
        return NeuralNetwork(1, [50, 1], ["sigmoid", "identity"], l2=0.1, seed=0)

    off = train(runge_net(), SGD(2.0), X, Y, epochs=100, batch_size=None, explosion_factor=None)
    assert off.stop_reason == "completed" and off.train_loss[-1] > 1e20  # finite, exploded
    net = runge_net()
    with pytest.warns(DivergenceWarning, match="exploding"):
        history = train(net, SGD(2.0), X, Y, epochs=100, batch_size=None)
    assert history.stop_reason == "diverged" and history.epochs_run < 5
    assert np.isfinite(net.cost(X, Y))  # the weights of the epoch before, restored
    with pytest.raises(ValueError, match="explosion_factor"):
        train(regression_net(), "sgd", X, Y, explosion_factor=0.5)


# ----------------------------------------------------------------------------- arguments
X0, Y0 = regression_data()


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"epochs": 0}, ValueError, "epochs"),
        ({"epochs": -3}, ValueError, "epochs"),
        ({"epochs": 2.5}, TypeError, "epochs"),
        ({"batch_size": 0}, ValueError, "batch_size"),
        ({"batch_size": 4.0}, TypeError, "batch_size"),
        ({"validation_data": (X0[:, :1], Y0)}, ValueError, r"validation_data\[0\]"),
        ({"validation_data": (X0, Y0[:5])}, ValueError, r"validation_data\[1\]"),
        ({"validation_data": X0}, TypeError, "validation_data"),
        ({"metrics": ["accuracy", "bogus"]}, ValueError, "bogus"),
        ({"metrics": [3]}, TypeError, "metrics"),
        ({"metrics": ["mse", "mse"]}, ValueError, "metrics"),
        ({"optimizer": object()}, TypeError, "optimizer"),
        ({"optimizer": "adamm"}, ValueError, "optimizer"),
        ({"early_stopping": 0}, ValueError, "early_stopping"),
        ({"callbacks": [print, 3]}, TypeError, "callbacks"),
        ({"seed": "zero"}, TypeError, "seed"),
        ({"seed": 1, "rng": np.random.default_rng(1)}, ValueError, "seed or rng"),
        ({"X": X0[:, :1]}, ValueError, "X"),
        ({"Y": Y0[:-1]}, ValueError, "Y"),
        ({"net": "net"}, TypeError, "net"),
    ],
)
def test_bad_arguments_raise_before_anything_changes(kwargs, error, match):
    net = regression_net()
    before = copies(net.layers)
    opt = Recorder()
    args = {"net": net, "optimizer": opt, "X": X0, "Y": Y0, **kwargs}
    with pytest.raises(error, match=match):
        train(args.pop("net"), args.pop("optimizer"), args.pop("X"), args.pop("Y"), **args)
    assert_layers_equal(net.layers, before)
    assert opt.steps == 0 and opt.epochs == []


def test_callers_arrays_are_not_modified():
    X, Y = regression_data()
    Xv, Yv = regression_data(n=10, seed=1)
    arrays = [X, Y, Xv, Yv]
    saved = [a.copy() for a in arrays]
    for a in arrays:
        a.flags.writeable = False  # any write would raise
    train(regression_net(), "adam", X, Y, epochs=3, batch_size=7, validation_data=(Xv, Yv))
    for a, s in zip(arrays, saved):
        np.testing.assert_array_equal(a, s)


def test_float32_network_trains_in_float32():
    X, Y = regression_data()
    net = regression_net(dtype=np.float32)
    history = train(net, Adam(0.01), X, Y.ravel(), epochs=20, batch_size=8, seed=0)
    assert all(W.dtype == np.float32 and b.dtype == np.float32 for W, b in net.layers)
    assert all(type(v) is float for v in history.train_loss)
    assert history.train_loss[-1] < history.train_loss[0]


def test_progress_bar_runs(capsys):
    X, Y = regression_data()
    history = train(regression_net(), "sgd", X, Y, epochs=3, progress=True, seed=0)
    assert history.epochs_run == 3
    assert "3/3" in capsys.readouterr().err


# ----------------------------------------------------------------------------- history
def test_history_as_dict_and_repr():
    X, Y = classification_data()
    history = train(classifier(), "sgd", X, Y, epochs=6, seed=0, metrics=["accuracy"])
    data = history.as_dict()
    assert data["epochs_run"] == 6 and data["stop_reason"] == "completed"
    assert data["metrics"]["accuracy"] == history.metrics["accuracy"]
    assert history.stop_reason in STOP_REASONS
    text = repr(history)
    assert text.startswith("History(epochs_run=6, stop_reason='completed'")
    assert "accuracy=[" in text and "..." in text
    assert repr(History()) == "History(epochs_run=0, stop_reason=None, best_epoch=None)"


def test_no_runtime_warnings_when_training_goes_well():
    X, Y = classification_data()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        train(classifier(), Momentum(0.05), X, Y, epochs=5, seed=0, metrics=["accuracy", "r2"])


def test_training_does_not_copy_the_data():
    """Shuffled rows are gathered about 1 MiB at a time: no epoch-long copy of X (tracemalloc)."""
    import tracemalloc

    from nnet.training import GATHER_BYTES as _GATHER_BYTES

    rng = np.random.default_rng(0)
    X = rng.normal(size=(20_000, 50))
    Y = np.eye(2)[rng.integers(0, 2, 20_000)]
    net = NeuralNetwork(50, [4, 2], ["relu", "softmax"], cost_fun="cross_entropy", seed=0)
    tracemalloc.start()
    try:
        train(net, "sgd", X, Y, epochs=2, batch_size=100, seed=0)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    # A shuffled copy of X alone would be X.nbytes = 8 MB; the gather buffers are ~1 MiB.
    assert peak < _GATHER_BYTES + 0.05 * X.nbytes < 0.25 * X.nbytes


def test_an_optimizer_overriding_step_is_called_through_it():
    """Deprecated (the contract is update): such a subclass still trains through its step."""
    calls = []

    with pytest.warns(DeprecationWarning, match="Halving overrides step"):

        class Halving(SGD):
            def step(self, layer_grads, layers=None):
                calls.append(len(layer_grads))
                return [(0.5 * uW, 0.5 * ub) for uW, ub in super().step(layer_grads, layers)]

    X = np.linspace(-1, 1, 20).reshape(-1, 1)
    net = NeuralNetwork(1, [3, 1], ["tanh", "identity"], seed=0)
    train(net, Halving(0.1), X, X**2, epochs=3, batch_size=5, seed=0)
    assert calls == [2] * 12
