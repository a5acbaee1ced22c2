"""nnet.testing: gradient checks, backprop trace, optimizer checks, strategies; read-only layers."""

from __future__ import annotations

import pickle
import sys

import autograd
import autograd.numpy as anp
import numpy as np
import pytest
from hypothesis import given, settings

from nnet import NeuralNetwork
from nnet.activations import ACTIVATIONS, make_activation
from nnet.costs import COSTS, mse
from nnet.optimizers import Optimizer
from nnet.testing import (
    assert_gradients_close,
    check_gradients,
    check_optimizer,
    trace,
)
from nnet.testing.strategies import COST_OUTPUTS, OUTPUT_ONLY, problems, quadratics, targets

HIDDEN = sorted(n for n, a in ACTIVATIONS.items() if a.builtin and n not in OUTPUT_ONLY)
LIBRARY_COSTS = sorted(n for n, c in COSTS.items() if c.builtin)


# ------------------------------------------------------------------ users' parts under test
def swish(z):
    return z / (1.0 + anp.exp(-z))


def swish_der(z):
    s = 1.0 / (1.0 + np.exp(-z))
    return s + z * s * (1.0 - s)


WRONG_DERIVATIVES = {
    "off by a factor": lambda z: 2.0 * swish_der(z),
    "wrong sign": lambda z: -swish_der(z),
}


def half_mse(pred, target):
    return 0.5 * anp.mean((pred - target) ** 2)


def half_mse_der(pred, target):
    return (pred - target) / np.size(pred)


WRONG_COST_GRADIENTS = {
    "off by a factor": lambda p, t: 2.0 * half_mse_der(p, t),
    "wrong sign": lambda p, t: -half_mse_der(p, t),
}


def _data(n_in=3, n_out=2, n=7, seed=0):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n, n_in)), rng.normal(size=(n, n_out))


def _swish_net(der, seed=1):
    """tanh, then the user's swish in layer 2, then identity."""
    return NeuralNetwork(3, [4, 5, 2], ["tanh", swish, "identity"], [None, der, None], seed=seed)


# ------------------------------------------------------------------ check_gradients
def test_correct_custom_activation_passes():
    report = check_gradients(_swish_net(swish_der), *_data())
    assert report.ok, str(report)
    assert {c.reference for c in report.checks} == {"autograd", "finite_differences"}
    assert len(report.checks) == 3 * 2 * 2  # layers x arrays x references


@pytest.mark.parametrize("wrong", WRONG_DERIVATIVES)
def test_wrong_activation_derivative_fails_and_names_the_layer(wrong):
    report = check_gradients(_swish_net(WRONG_DERIVATIVES[wrong]), *_data())
    assert not report.ok
    failing = {(c.layer, c.reference) for c in report.failures}
    # Layer 3 does not depend on layer 2's derivative; layers 1 and 2 do, against both references.
    assert failing == {(k, r) for k in (1, 2) for r in ("autograd", "finite_differences")}
    assert "enters at layer 2" in report.summary()
    assert f"'{swish.__module__}.swish'" in report.summary()  # a user's function, with its module


@pytest.mark.parametrize("wrong", WRONG_COST_GRADIENTS)
def test_wrong_cost_gradient_fails_and_names_the_output_layer(wrong):
    net = NeuralNetwork(3, [4, 2], ["tanh", "identity"], cost_fun=half_mse,
                        cost_der=WRONG_COST_GRADIENTS[wrong], seed=2)  # fmt: skip
    report = check_gradients(net, *_data())
    assert not report.ok
    assert "enters at layer 2" in report.summary() and "half_mse" in report.summary()
    good = NeuralNetwork(3, [4, 2], ["tanh", "identity"], cost_fun=half_mse,
                         cost_der=half_mse_der, seed=2)  # fmt: skip
    assert check_gradients(good, *_data()).ok


def test_assert_gradients_close_message_is_the_table():
    with pytest.raises(AssertionError) as info:
        assert_gradients_close(_swish_net(WRONG_DERIVATIVES["wrong sign"]), *_data())
    message = str(info.value)
    assert message.startswith("gradient check FAILED")
    assert "worst: layer" in message and "FAIL" in message and "finite_differences" in message
    report = assert_gradients_close(_swish_net(swish_der), *_data())
    assert report.ok


def test_report_displays():
    report = check_gradients(_swish_net(WRONG_DERIVATIVES["off by a factor"]), *_data())
    text, page = str(report), report._repr_html_()
    assert text.count("\n") >= len(report.checks) + 2
    assert "<table>" in page and page.count("<tr>") == len(report.checks) + 1
    assert report.worst in report.failures


def test_random_directions_for_big_networks():
    net = NeuralNetwork(3, [40, 30, 2], ["tanh", swish, "identity"], [None, swish_der, None],
                        seed=3)  # fmt: skip
    report = check_gradients(net, *_data(), max_coordinates=100, n_directions=4)
    fd = [c for c in report.checks if c.reference == "finite_differences"]
    assert report.ok and all(c.checked == 4 for c in fd)
    assert "random directions" in " ".join(report.notes)
    bad = NeuralNetwork(3, [40, 30, 2], ["tanh", swish, "identity"],
                        [None, WRONG_DERIVATIVES["wrong sign"], None], seed=3)  # fmt: skip
    report = check_gradients(bad, *_data(), against=["finite_differences"], max_coordinates=100)
    assert not report.ok and {c.layer for c in report.failures} == {1, 2}


def test_kinks_are_excluded_not_reported_as_errors():
    # Zero biases: dead ReLUs feed the next layer exactly z = 0, and l1 on zero biases has its
    # kink right there, so a central difference would average two slopes.
    X, Y = _data(n=20)
    net = NeuralNetwork(3, [8, 8, 2], ["relu", "leaky_relu", "identity"], l1=0.05,
                        regularize_bias=True, init="he", seed=1)  # fmt: skip
    net.layers = [(W, np.zeros_like(b)) for W, b in net.layers]
    report = check_gradients(net, X, Y)
    assert not report.failures, str(report)
    excluded = {c.name: c.excluded for c in report.checks if c.reference == "finite_differences"}
    assert all(excluded[f"layer {k} b"] == net.layer_output_sizes[k - 1] for k in (1, 2, 3))
    # Every probe of the biases sat on a kink: those comparisons prove nothing, and say so.
    assert {(c.name, c.reference) for c in report.inconclusive} == {
        (f"layer {k} b", "finite_differences") for k in (1, 2, 3)
    }
    assert not report.ok and report.summary().startswith("gradient check INCONCLUSIVE")


def test_clipped_logs_are_excluded_and_noted():
    # Huge weights: the sigmoid outputs are exactly 0 or 1, where the cost clips its log.
    net = NeuralNetwork(3, [2], ["sigmoid"], cost_fun="binary_cross_entropy", seed=0)
    net.layers = [(W * 1e3, b) for W, b in net.layers]
    X = _data()[0]
    Y = targets("binary_cross_entropy", len(X), 2, np.random.default_rng(0))
    report = check_gradients(net, X, Y, against=["finite_differences"])
    assert all(c.checked == 0 and c.excluded > 0 for c in report.checks)
    assert not report.ok and len(report.inconclusive) == len(report.checks) == 2
    assert "INCONCLUSIVE: 2 of 2 comparisons compared nothing" in report.summary()
    assert any("clipped" in note for note in report.notes)


def test_check_leaves_the_network_and_data_unchanged():
    net, (X, Y) = _swish_net(swish_der), _data()
    before = [(W.copy(), b.copy()) for W, b in net.layers]
    X0, Y0 = X.copy(), Y.copy()
    check_gradients(net, X, Y)
    assert all(np.array_equal(W, W0) and np.array_equal(b, b0)
               for (W, b), (W0, b0) in zip(net.layers, before))  # fmt: skip
    assert np.array_equal(X, X0) and np.array_equal(Y, Y0)


@pytest.mark.parametrize("penalty", [{"l1": 0.1}, {"l2": 0.2, "regularize_bias": True}])
def test_finite_differences_include_the_penalty(penalty):
    net = NeuralNetwork(3, [4, 2], ["tanh", "sigmoid"], seed=0, **penalty)
    X, Y = _data()
    assert check_gradients(net, X, Y, against=["finite_differences"]).ok
    unpenalized = NeuralNetwork(3, [4, 2], ["tanh", "sigmoid"], seed=0)
    grads = net.compute_gradient(X, Y)
    unpenalized.compute_gradient = lambda X, Y: grads  # backprop with the penalty, cost without
    assert not check_gradients(unpenalized, X, Y, against=["finite_differences"]).ok


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"against": "autograd"}, "against"),
        ({"against": ["autograd", "torch"]}, "against"),
        ({"n_directions": 0}, "n_directions"),
        ({"max_coordinates": -1}, "max_coordinates"),
        ({"rtol": -1.0}, "rtol"),
        ({"step": 0.0}, "step"),
    ],
)
def test_bad_arguments(kwargs, error):
    with pytest.raises((ValueError, TypeError), match=error):
        check_gradients(_swish_net(swish_der), *_data(), **kwargs)
    with pytest.raises(ValueError):
        check_gradients(_swish_net(swish_der), np.ones((3, 5)), np.ones((3, 2)))


# ------------------------------------------------------------------ property tests via strategies
@pytest.mark.parametrize("wrong", WRONG_DERIVATIVES)
def test_property_test_catches_a_wrong_activation_derivative(wrong):
    @settings(database=None)  # the profile's default number of examples
    @given(problems(activations=[(swish, WRONG_DERIVATIVES[wrong]), "relu"], costs=["mse"],
                    max_layers=3))  # fmt: skip
    def test_my_swish(problem):
        assert_gradients_close(*problem)

    with pytest.raises(AssertionError, match=r"enters at layer \d"):
        test_my_swish()


def test_property_test_passes_a_correct_activation():
    @settings(database=None)
    @given(problems(activations=[(swish, swish_der), "relu"], costs=["mse"], max_layers=3))
    def test_my_swish(problem):
        assert_gradients_close(*problem)

    test_my_swish()


@pytest.mark.parametrize("wrong", WRONG_COST_GRADIENTS)
def test_property_test_catches_a_wrong_cost_gradient(wrong):
    @settings(database=None)
    @given(problems(activations=["tanh"], costs=[(half_mse, WRONG_COST_GRADIENTS[wrong])],
                    max_layers=2))  # fmt: skip
    def test_my_cost(problem):
        assert_gradients_close(*problem)

    with pytest.raises(AssertionError, match="half_mse"):
        test_my_cost()

    @settings(database=None)
    @given(problems(activations=["tanh"], costs=[(half_mse, half_mse_der), mse], max_layers=2))
    def test_good_cost(problem):
        assert_gradients_close(*problem)

    test_good_cost()


def test_strategies_draw_what_they_are_told():
    seen = []

    @settings(database=None, max_examples=40)
    @given(problems(activations=[swish], costs=["cross_entropy"], max_layers=2,
                    dtypes=[np.float32]))  # fmt: skip
    def collect(problem):
        net, X, Y = problem
        seen.append(problem)
        assert net.dtype == np.float32 and X.dtype == np.float32 and len(net.layers) <= 2
        assert all(a.name == "swish" for a in net.activation_funcs[:-1])
        assert net.activation_funcs[-1].name in {"sigmoid", "softmax"}
        assert np.array_equal(Y.sum(axis=1), np.ones(len(Y)))  # one-hot rows
        assert X.shape == (len(Y), net.network_input_size)

    collect()
    assert len(seen) == 40


def test_strategies_explain_a_missing_hypothesis(monkeypatch):
    monkeypatch.setitem(sys.modules, "hypothesis", None)
    with pytest.raises(ImportError, match=r"nnet\[testing\]"):
        problems()


def test_strategies_refuse_bad_arguments():
    with pytest.raises(ValueError, match="activations"):
        problems(activations=[])
    with pytest.raises(ValueError, match="max_layers"):
        problems(min_layers=3, max_layers=2)


# ------------------------------------------------------------------ optimizers
class MomentumByHand(Optimizer):
    """The user's plug-in: v = mu v - lr g; update v."""

    def __init__(self, learning_rate=0.1, mu=0.9, sign=1.0):
        self.mu, self.sign = mu, sign
        super().__init__(learning_rate)

    def update(self, grad, state, learning_rate):
        v = state.setdefault("v", np.zeros_like(grad))
        v *= self.mu
        v -= self.sign * learning_rate * grad
        return v


def momentum_reference(grad, state, t):
    state["v"] = 0.9 * state.get("v", 0.0) - 0.1 * grad
    return state["v"]


def test_optimizer_plugin_matches_its_reference_and_descends():
    report = check_optimizer(MomentumByHand(), reference=momentum_reference)
    assert report.ok and report.descended and report.matches_reference, str(report)
    assert len(report.values) == 51 and len(report.reference_errors) == 50


def test_optimizer_plugin_with_a_sign_error_fails_both_checks():
    report = check_optimizer(MomentumByHand(sign=-1.0), reference=momentum_reference)
    assert not report.descended and not report.matches_reference
    assert "layer 1 W from step 1" in str(report) and "FAILED" in str(report)


def test_property_test_of_an_optimizer():
    @settings(database=None)
    @given(quadratics(learning_rate=0.1))
    def descends(quadratic):
        assert check_optimizer(MomentumByHand(mu=0.5), quadratic).ok

    descends()

    @settings(database=None)
    @given(quadratics(learning_rate=0.1))
    def wrong_sign_descends(quadratic):
        assert check_optimizer(MomentumByHand(sign=-1.0), quadratic).ok

    with pytest.raises(AssertionError):
        wrong_sign_descends()


# ------------------------------------------------------------------ the backprop trace
def _rel(got, expected):
    got, expected = np.asarray(got, float), np.asarray(expected, float)
    diff, scale = np.linalg.norm(got - expected), np.linalg.norm(expected)
    return 0.0 if diff == 0 else diff / scale


def _autograd_intermediates(net, X, Y, k):
    """dC/da^k and dC/dz^k by autograd on the cost as a function of layer k's a and z."""
    layers = [(np.asarray(W), np.asarray(b)) for W, b in net.layers]
    acts = net.activation_funcs

    def from_a(a, start):
        for (W, b), act in zip(layers[start:], acts[start:]):
            a = act(anp.dot(a, W) + b)
        return net.cost_fun(a, Y)

    a = X
    for (W, b), act in zip(layers[:k], acts[:k]):
        a = act(a @ W + b)
    z = a @ layers[k][0] + layers[k][1]
    d_da = autograd.grad(lambda a_k: from_a(a_k, k + 1))(acts[k](z))
    d_dz = autograd.grad(lambda z_k: from_a(acts[k](z_k), k + 1))(z)
    return a, z, d_da, d_dz


def _trace_cases():
    for act in HIDDEN:
        for cost in LIBRARY_COSTS:
            if cost in COST_OUTPUTS:
                outputs = list(COST_OUTPUTS[cost])
            elif COSTS[cost].probabilities:
                outputs = ["softmax"] if cost == "cross_entropy" else ["sigmoid"]
                outputs += ["sigmoid"] if cost == "cross_entropy" else []
            else:
                outputs = [act, "identity"]
            for out in outputs:
                yield pytest.param(act, out, cost, id=f"{act}-{out}-{cost}")


@pytest.mark.parametrize(("hidden", "output", "cost"), list(_trace_cases()))
def test_trace_equals_autograd_intermediates(hidden, output, cost):
    rng = np.random.default_rng(0)
    net = NeuralNetwork(3, [4, 5, 3], [hidden, hidden, output], cost_fun=cost, l2=0.01,
                        l1=0.02, regularize_bias=True, init="xavier", seed=0)  # fmt: skip
    X = rng.uniform(-2, 2, (6, 3))
    Y = targets(cost, 6, 3, rng)
    t = trace(net, X, Y)
    assert len(t) == 3
    assert t.cost == pytest.approx(net.cost(X, Y), rel=1e-12)
    for k, layer in enumerate(t.layers):
        a_in, z, d_da, d_dz = _autograd_intermediates(net, X, Y, k)
        assert _rel(layer.a_in, a_in) <= 1e-10 and _rel(layer.z, z) <= 1e-10
        assert _rel(layer.a, net.activation_funcs[k](z)) <= 1e-10
        assert _rel(layer.dC_da, d_da) <= 1e-10, (k, "dC_da")
        assert _rel(layer.dC_dz, d_dz) <= 1e-10, (k, "dC_dz")
    for layer, (dW, db) in zip(t.layers, net.autograd_gradient(X, Y)):
        assert _rel(layer.dC_dW, dW) <= 1e-10 and _rel(layer.dC_db, db) <= 1e-10


def test_trace_shows_the_fused_delta_and_shapes():
    net = NeuralNetwork(3, [4, 2], ["relu", "softmax"], cost_fun="cross_entropy", seed=0)
    X = np.random.default_rng(0).normal(size=(5, 3))
    Y = targets("cross_entropy", 5, 2, np.random.default_rng(1))
    t = trace(net, X, Y)
    assert t[1].fused == "fused: (a - t)/n" and t[0].fused == ""
    assert np.allclose(t[1].dC_dz, (t[1].a - Y) / 5)
    text = str(t)
    for quantity in ("a_in", "z", "a", "dC_da", "dC_dz", "dC_dW", "dC_db"):
        assert f"  {quantity} " in text
    assert "(a - t)/n" in text and "(5, 4)" in text and "(4, 2)" in text
    assert "(a - t)/n" in t._repr_html_()
    got = net.compute_gradient(X, Y)
    assert all(np.allclose(g, e) for pair, ref in zip(t.gradients(), got)
               for g, e in zip(pair, ref))  # fmt: skip


def test_trace_of_a_custom_activation_uses_its_derivative():
    # The trace is the hand chain rule: a wrong derivative shows up in dC_dz, not hidden.
    bad = make_activation(swish, WRONG_DERIVATIVES["off by a factor"])
    net = NeuralNetwork(3, [4, 2], [bad, "identity"], seed=0)
    X, Y = _data()
    t = trace(net, X, Y)
    d_dz = _autograd_intermediates(net, X, Y, 0)[3]
    assert np.allclose(t[0].dC_dz, 2 * d_dz)


# ------------------------------------------------------------------ read-only layers
_WRITES = {
    "augmented assignment": lambda W: W.__iadd__(1.0),
    "item": lambda W: W.__setitem__((0, 0), 1.0),
    "slice": lambda W: W.__setitem__(slice(None), 0.0),
    "ufunc out=": lambda W: np.add(W, 1.0, out=W),
    # Not np.add.at: NumPy's ufunc.at ignores the writeable flag (NumPy 2.4), which no plain
    # read-only view can refuse; nnet no longer wraps its views in an ndarray subclass.
    "copyto": lambda W: np.copyto(W, 0.0),
}


@pytest.mark.parametrize("write", _WRITES)
def test_writing_into_a_view_is_refused(write):
    net = NeuralNetwork(2, [3], ["tanh"], seed=0)
    W = net.layers[0][0]
    before = W.copy()
    with pytest.raises(ValueError, match="read-only"):
        _WRITES[write](W)
    assert np.array_equal(net.layers[0][0], before)


def test_assigning_an_item_of_layers_is_refused():
    net = NeuralNetwork(2, [3], ["tanh"], seed=0)
    with pytest.raises(TypeError, match="does not support item assignment"):
        net.layers[0] = (np.zeros((2, 3)), np.zeros(3))


def test_views_behave_like_plain_arrays_otherwise(tmp_path):
    net = NeuralNetwork(2, [3], ["tanh"], seed=0)
    W, b = net.layers[0]
    for result in (
        W + 1,
        W @ np.ones(3),
        np.dot(np.ones(2), W),
        W.copy(),
        W.astype(np.float32),
        np.asarray(W),
        np.concatenate([W.ravel(), b]),
        pickle.loads(pickle.dumps(W)),
    ):
        assert type(result) is np.ndarray  # fmt: skip
    copy = W.copy()
    copy[0, 0] = 5.0  # a copy is the user's
    assert repr(W).startswith("array(")
    grads = autograd.grad(lambda layers: anp.sum(layers[0][0] ** 2))(net.layers)
    assert np.allclose(grads[0][0], 2 * W)
    before = np.array(W)
    net.layers = [(W2 * 2, b2) for W2, b2 in net.layers]  # the documented way
    assert np.allclose(net.layers[0][0], 2 * before)
    path = tmp_path / "net.safetensors"
    net.save(path)
    assert np.array_equal(NeuralNetwork.load(path).layers[0][0], net.layers[0][0])


def test_a_float32_probe_shrunk_to_noise_near_a_kink_is_excluded_not_compared():
    """Near a ReLU kink the probe of b shrinks to a hundredth of the step; in float32 the
    central difference of a cost of about 100 may then be off by eps * 200 / 1e-4 = 0.2, a
    rounding error the reference must not pass off as a slope (a thorough hypothesis soak
    found such false FAILs)."""
    from nnet.testing import _fd

    net = NeuralNetwork(1, [1, 1], ["relu", "identity"], dtype="float32", seed=0)
    net.layers = [(np.ones((1, 1)), np.zeros(1)), (np.ones((1, 1)), np.zeros(1))]
    X, Y = np.array([[1e-4]], np.float32), np.array([[10.0]], np.float32)
    step = float(np.finfo(np.float32).eps) ** (1 / 3)  # z = 1e-4 lies within 0.01 step of 0
    rng = np.random.default_rng(0)
    with np.errstate(all="ignore"):
        noisy = _fd.probe_array(net, X, Y, (0, 1), None, rng, step)
        kept = _fd.probe_array(net, X, Y, (0, 1), None, rng, step, noise_limit=1e-3)
    assert np.isfinite(noisy.numeric[0]) and noisy.kinks == 0  # without a limit: a slope
    assert np.isnan(kept.numeric[0]) and kept.kinks == 1  # with one: excluded at the kink
