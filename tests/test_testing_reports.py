"""nnet.testing reports that teach: where the error is, what it looks like, never a pass on nothing.

Each planted bug here passed (or crashed) the checks of 2026-12-07; see issue 23.
"""

from __future__ import annotations

import autograd.numpy as anp
import numpy as np
import pytest

from nnet import NeuralNetwork
from nnet.optimizers import OPTIMIZERS, SGD, Optimizer, get_optimizer
from nnet.testing import check_gradients, check_optimizer


# ------------------------------------------------------------------ optimizers with planted bugs
class PerLayerMomentum:
    """A student's momentum, per layer (``v = mu v - lr g``); may forget the bias velocity."""

    def __init__(self, lr=0.1, mu=0.9, forget_bias=False):
        self.lr, self.mu, self.forget_bias = lr, mu, forget_bias
        self.reset()

    def reset(self):
        self.v = None

    def step(self, layer_grads):
        if self.v is None:
            self.v = [(np.zeros_like(dW), np.zeros_like(db)) for dW, db in layer_grads]
        updates = []
        for k, (dW, db) in enumerate(layer_grads):
            vW = self.mu * self.v[k][0] - self.lr * dW
            vb = -self.lr * db if self.forget_bias else self.mu * self.v[k][1] - self.lr * db
            self.v[k] = (vW, vb)
            updates.append((vW, vb))
        return updates


class PerArrayAdam:
    """Adam written per array with the step count advanced once per *array*: the bias
    correction of each array uses another t (the missing/wrong bias correction)."""

    def __init__(self, lr=0.01):
        self.lr = lr
        self.reset()

    def reset(self):
        self.t, self.m, self.s = 0, {}, {}

    def step(self, layer_grads):
        out = []
        for k, pair in enumerate(layer_grads):
            new = []
            for which, g in enumerate(pair):
                self.t += 1  # the bug: once per array, not once per step
                m = self.m[k, which] = 0.9 * self.m.get((k, which), 0.0) + 0.1 * g
                s = self.s[k, which] = 0.999 * self.s.get((k, which), 0.0) + 0.001 * g * g
                m_hat, s_hat = m / (1 - 0.9**self.t), s / (1 - 0.999**self.t)
                new.append(-self.lr * m_hat / (np.sqrt(s_hat) + 1e-8))
            out.append(tuple(new))
        return out


class VelocityOnSelf(Optimizer):
    """Momentum whose velocity lives in a dict on self, which reset() does not clear."""

    def __init__(self, learning_rate=0.1):
        super().__init__(learning_rate)
        self.memory = {}

    def update(self, grad, state, learning_rate):
        v = 0.9 * self.memory.get("v", 0.0) - learning_rate * grad
        self.memory["v"] = v
        return v


class Timid(Optimizer):
    """SGD that moves at 1/50 of its learning rate: descends, but barely."""

    def update(self, grad, state, learning_rate):
        return -0.02 * learning_rate * grad


class NaNAfterTwo(Optimizer):
    """SGD whose third update is NaN."""

    def update(self, grad, state, learning_rate):
        return np.full_like(grad, np.nan) if self.t > 2 else -learning_rate * grad


def momentum_reference(grad, state, t):
    state["v"] = 0.9 * state.get("v", 0.0) - 0.1 * grad
    return state["v"]


def _check(report, name):
    [check] = [c for c in report.checks if c.name == name]
    return check


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_every_library_optimizer_passes_every_property(name):
    report = check_optimizer(get_optimizer(name))
    assert report.ok, str(report)
    assert {c.status for c in report.checks} == {"ok"}
    assert report.values[-1] <= 0.25 * report.values[0]


def test_a_correct_per_layer_plugin_passes():
    report = check_optimizer(PerLayerMomentum(), reference=momentum_reference)
    assert report.ok, str(report)


def test_forgotten_bias_velocity_fails_without_a_reference_and_names_the_arrays():
    report = check_optimizer(PerLayerMomentum(forget_bias=True))
    assert not report.ok
    same = _check(report, "same step for W and b")
    assert same.status == "FAIL"
    assert "layer 1 b, layer 2 b first differ from layer 1 W at step 2" in same.detail
    assert "layer 2 W" not in same.detail  # the weights keep their velocity
    assert _check(report, "descent on a quadratic").ok  # descent alone cannot see it


def test_reference_rule_failure_names_each_array_and_step():
    report = check_optimizer(PerLayerMomentum(forget_bias=True), reference=momentum_reference)
    detail = _check(report, "reference rule").detail
    assert "layer 1 b from step 2" in detail and "layer 2 b from step 2" in detail
    assert "W from" not in detail
    assert "max|u - r| = " in detail and "x tolerance" in detail
    assert report.reference_errors[0] <= 1.0 < report.reference_errors[1]


def test_bias_correction_with_another_step_count_per_array_fails():
    report = check_optimizer(PerArrayAdam())
    same = _check(report, "same step for W and b")
    assert same.status == "FAIL" and "at step 1" in same.detail, same.detail
    assert "bias correction" in same.detail


def test_state_on_self_fails_the_fresh_runs():
    report = check_optimizer(VelocityOnSelf())
    fresh = _check(report, "fresh runs agree")
    assert fresh.status == "FAIL" and "at step 1 in layer 1 W" in fresh.detail
    assert "survives reset()" in fresh.detail and not report.ok


def test_an_optimizer_that_barely_moves_fails_the_descent():
    report = check_optimizer(Timid(learning_rate=0.1))
    descent = _check(report, "descent on a quadratic")
    assert report.values[-1] < report.values[0]  # it does descend...
    assert descent.status == "FAIL" and "needs <= 0.25 x the start" in descent.detail  # ...barely
    assert not report.descended and not report.ok


def test_a_nan_update_is_a_failed_report_with_step_and_array():
    report = check_optimizer(NaNAfterTwo(learning_rate=0.1))
    finite = _check(report, "finite")
    assert finite.status == "FAIL"
    assert finite.detail == "step 3: layer 1 W's update holds NaN or infinity"
    assert "FAILED" in str(report) and not report.ok and len(report.values) == 4


def test_a_misshapen_update_is_a_failed_report():
    class Transposed(PerLayerMomentum):
        def step(self, layer_grads):
            return [(uW.T, ub) for uW, ub in super().step(layer_grads)]

    finite = _check(check_optimizer(Transposed()), "finite")
    assert finite.detail == "step 1: layer 1 W's update has shape (2, 3), not (3, 2)"


def test_a_rule_that_mixes_entries_may_skip_the_same_step_check():
    class ClippedSGD(Optimizer):
        def update(self, grad, state, learning_rate):
            return -learning_rate * grad / max(1.0, float(np.linalg.norm(grad)))

    report = check_optimizer(ClippedSGD(0.1), elementwise=False)
    assert _check(report, "same step for W and b").status == "skipped"
    assert report.ok, str(report)


def test_the_default_quadratic_is_scaled_to_the_learning_rate():
    for rate in (1e-4, 1e-2, 1.0):
        report = check_optimizer(SGD(rate))
        assert report.ok, (rate, str(report))


# ------------------------------------------------------------------ gradient reports
rng = np.random.default_rng(0)
X10 = rng.normal(size=(10, 3))
Y10 = rng.normal(size=(10, 2))
T10 = np.eye(3)[rng.integers(0, 3, 10)]


def huber(pred, target):
    r = pred - target
    return anp.mean(anp.where(anp.abs(r) <= 1.0, 0.5 * r**2, anp.abs(r) - 0.5))


def huber_der_without_mean(pred, target):
    r = pred - target
    return np.where(np.abs(r) <= 1.0, r, np.sign(r))


def softmax(z):
    e = anp.exp(z - anp.max(z, axis=1, keepdims=True))
    return e / anp.sum(e, axis=1, keepdims=True)


def cross_entropy(pred, target):
    return -anp.sum(target * anp.log(pred)) / pred.shape[0]


def cross_entropy_der(pred, target):
    return pred - target  # the course notebook's, used with a softmax derivative of 1


def test_a_missing_mean_over_samples_and_outputs_is_named():
    net = NeuralNetwork(3, [4, 2], ["tanh", "identity"], cost_fun=huber,
                        cost_der=huber_der_without_mean, seed=0)  # fmt: skip
    report = check_gradients(net, X10, Y10)
    assert len(report.failures) == len(report.checks) == 8
    assert report.hint.startswith("Every failing array is off by the same factor, 20 ")
    assert "n_samples x n_outputs = 20" in report.hint and "missing mean" in report.hint
    assert report.hint in report.summary()
    assert f"cost '{huber.__module__}.huber'" in report.summary()
    assert all(c.ratio == pytest.approx(20.0) for c in report.checks)


def test_the_course_cross_entropy_derivative_hint_is_n_samples():
    net = NeuralNetwork(3, [4, 3], ["tanh", softmax], [None, np.ones_like],
                        cost_fun=cross_entropy, cost_der=cross_entropy_der, seed=0)  # fmt: skip
    report = check_gradients(net, X10, T10)
    assert "n_samples = 10: likely a missing mean over the samples" in report.summary()
    assert f"'{cross_entropy.__module__}.cross_entropy'" in report.summary()
    library = NeuralNetwork(3, [4, 3], ["tanh", "softmax"], cost_fun="cross_entropy", seed=0)
    assert check_gradients(library, X10, T10).cost_name == "cross_entropy"


@pytest.mark.parametrize(("factor", "words"), [(-1.0, "a sign"), (2.0, "a factor of 2")])
def test_a_sign_or_a_factor_of_two_is_named(factor, words):
    def mse_der(pred, target):
        return factor * 2.0 * (pred - target) / pred.size

    net = NeuralNetwork(3, [4, 2], ["tanh", "identity"], cost_fun="mse", seed=0)
    bad = NeuralNetwork(3, [4, 2], ["tanh", "identity"], cost_fun=net.cost_fun.fn,
                        cost_der=mse_der, seed=0)  # fmt: skip
    assert f"likely {words}" in check_gradients(bad, X10, Y10).hint


def test_errors_that_are_not_one_factor_give_no_hint():
    def wrong(pred, target):
        return (pred - target) ** 3

    net = NeuralNetwork(3, [4, 2], ["tanh", "identity"], cost_fun=huber, cost_der=wrong, seed=0)
    report = check_gradients(net, X10, Y10)
    assert not report.ok and report.hint == ""


def test_the_worst_element_is_named_with_both_values():
    net = NeuralNetwork(3, [4, 2], ["tanh", "identity"], cost_fun=huber,
                        cost_der=huber_der_without_mean, seed=0)  # fmt: skip
    report = check_gradients(net, X10, Y10, against=["autograd"])
    ours, ref = net.compute_gradient(X10, Y10), net.autograd_gradient(X10, Y10)
    for c in report.checks:
        g, r = ours[c.layer - 1]["Wb".index(c.array)], ref[c.layer - 1]["Wb".index(c.array)]
        index = np.unravel_index(np.argmax(np.abs(g - r)), g.shape)
        assert c.element == f"{c.array}[{', '.join(map(str, index))}]"
        assert (c.got, c.expected) == (g[index], r[index])
    w = report.worst
    assert f"at {w.element}: ours {w.got:.4g}, autograd {w.expected:.4g}" in report.summary()
    assert w.element in str(report)  # the table's "worst at" column


def test_random_directions_name_the_direction():
    net = NeuralNetwork(3, [30, 2], ["tanh", "identity"], cost_fun=huber,
                        cost_der=huber_der_without_mean, seed=0)  # fmt: skip
    report = check_gradients(net, X10, Y10, against=["finite_differences"], max_coordinates=10)
    assert all(c.element.startswith("direction ") for c in report.checks)
    assert "n_samples x n_outputs = 20" in report.hint


# ------------------------------------------------------------------ never pass on nothing
def test_a_cost_that_overflows_everywhere_is_inconclusive_not_passed():
    # exp(z)^2 at z = 300 is finite; a probe of half a parameter reaches exp(375)^2 = inf.
    net = NeuralNetwork(1, [1], [anp.exp], [lambda z: 0.0 * z], seed=0)  # a wrong derivative
    net.layers = [(np.full((1, 1), 150.0), np.full(1, 150.0))]
    report = check_gradients(net, np.ones((2, 1)), np.ones((2, 1)),
                             against=["finite_differences"], step=0.5)  # fmt: skip
    assert [c.status for c in report.checks] == ["inconclusive", "inconclusive"]
    assert all(c.checked == 0 and c.excluded == 1 for c in report.checks)
    assert not report.ok and report.failures == []
    assert report.summary().startswith("gradient check INCONCLUSIVE: 2 of 2 comparisons")
    assert "|  inconclusive" not in str(report) and "inconclusive" in str(report)


def test_the_summary_counts_the_entries_compared():
    net = NeuralNetwork(3, [4, 2], ["tanh", "identity"], seed=0)
    report = check_gradients(net, X10, Y10)
    entries = sum(c.checked for c in report.checks)
    assert entries == 2 * (3 * 4 + 4 + 4 * 2 + 2)
    assert f"8 of 8 comparisons ({entries} entries) compared" in report.summary()


def test_a_failure_with_inconclusive_parts_says_both():
    X, Y = np.ones((3, 2)), np.zeros((3, 1))
    net = NeuralNetwork(2, [3, 1], ["relu", lambda z: z], [None, lambda z: 2.0 + 0 * z], seed=0)
    net.layers = [(np.zeros((2, 3)), np.zeros(3)), (np.ones((3, 1)), np.ones(1))]
    report = check_gradients(net, X, Y, against=["finite_differences"])
    assert report.failures and report.inconclusive
    assert "Also, " in report.summary() and "compared nothing" in report.summary()


def test_a_reference_that_returns_nan_does_not_match():
    report = check_optimizer(SGD(0.1), reference=lambda g, state, t: np.full_like(g, np.nan))
    assert not report.matches_reference and not report.ok
    assert _check(report, "reference rule").detail.startswith("differs in layer 1 W from step 1")


def test_a_probe_near_a_kink_is_retried_with_a_smaller_step():
    # z = 1e-7 > 0: a probe of the default step (6e-6) crosses the ReLU's kink; 100 times
    # smaller it stays on one side, so the bias is compared instead of excluded.
    net = NeuralNetwork(1, [1, 1], ["relu", "identity"], seed=0)
    net.layers = [(np.ones((1, 1)), np.full(1, 1e-7)), (np.ones((1, 1)), np.zeros(1))]
    report = check_gradients(net, np.zeros((1, 1)), np.ones((1, 1)), against=["finite_differences"])
    assert report.ok and not report.inconclusive, str(report)
    assert [c.checked for c in report.checks] == [1, 1, 1, 1]
