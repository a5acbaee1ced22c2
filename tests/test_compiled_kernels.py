"""The kernel switch, and each compiled kernel (nnet.kernels) against its NumPy twin.

The NumPy kernels are the reference: each compiled kernel computes the same numbers, to a
few ulp (its exp is not glibc's), over shapes, dtypes, numbers of models K and edge values;
within the compiled set, a model of a stack equals the same model alone bit for bit; and
training through either set ends at the same losses to 1e-12. The tests that need numba are
skipped without it (``pip install -e ".[dev]"`` brings it, so CI runs them).
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import nnet.kernels as kernels
from nnet import NeuralNetwork, sweep, train
from nnet.activations import ACTIVATIONS, get_activation
from nnet.costs import COSTS
from nnet.network import Backprop, StepPenalty
from nnet.optimizers import SGD, Adam, Momentum
from nnet.parameters import Layout
from nnet.training import DivergenceWarning

EDGES = [0.0, -0.0, 1e-300, -1e-300, 1.0, -1.0, 88.0, -88.0, 709.7, -709.7, 720.0, -720.0,
         745.2, -745.2, 750.0, -750.0, 1e4, -1e4, np.inf, -np.inf, np.nan]  # fmt: skip
COMPILED_ACTIVATIONS = ["sigmoid", "relu", "tanh", "identity"]


@pytest.fixture
def numpy_set(monkeypatch):
    """The NumPy kernels for the test; the set in use before is restored after it."""
    monkeypatch.setattr(kernels, "_active", "numpy")
    monkeypatch.setenv("NNET_KERNELS", "numpy")


@pytest.fixture(scope="module")
def compiled():
    """The compiled kernels' module (hypothesis tests call them directly, not via the switch)."""
    pytest.importorskip("numba", reason="the compiled kernels need numba (the 'fast' extra)")
    from nnet.kernels import _compiled

    return _compiled


@pytest.fixture
def numba_set(monkeypatch):
    """The compiled kernels for the test (restored after it); their module."""
    pytest.importorskip("numba", reason="the compiled kernels need numba (the 'fast' extra)")
    monkeypatch.setattr(kernels, "_active", "numba")
    monkeypatch.setenv("NNET_KERNELS", "numba")
    return kernels._compiled_module()


# ----------------------------------------------------------------------------- the switch
def test_use_kernels_returns_the_previous_set_and_active_kernels_names_it(numpy_set):
    assert kernels.active_kernels() == "numpy"
    assert kernels.use_kernels("numpy") == "numpy"
    assert kernels.use_kernels(" NumPy ") == "numpy"  # case and spaces do not matter


@pytest.mark.parametrize("bad", ["jax", "", "numba2"])
def test_an_unknown_set_is_a_value_error_naming_the_argument(bad, numpy_set):
    with pytest.raises(ValueError, match=r"name must be one of \['numpy', 'numba'\]"):
        kernels.use_kernels(bad)
    assert kernels.active_kernels() == "numpy"


@pytest.mark.parametrize("bad", [None, 1, b"numba", ["numba"]])
def test_a_set_that_is_not_a_str_is_a_type_error(bad, numpy_set):
    with pytest.raises(TypeError, match="name must be a str"):
        kernels.use_kernels(bad)


def test_numba_asked_for_without_numba_is_an_import_error_and_changes_nothing(
    monkeypatch, numpy_set
):
    monkeypatch.setattr(kernels, "numba_available", lambda: False)
    with pytest.raises(ImportError, match=r"pip install \"nnet\[fast\]\""):
        kernels.use_kernels("numba")
    assert kernels.active_kernels() == "numpy"


def test_the_environment_variable_chooses_the_set(monkeypatch):
    monkeypatch.setenv("NNET_KERNELS", "numpy")
    assert kernels._from_environment() == "numpy"
    monkeypatch.delenv("NNET_KERNELS")
    assert kernels._from_environment() == "numpy"  # the default
    monkeypatch.setenv("NNET_KERNELS", "fortran")
    with pytest.raises(ValueError, match=r"NNET_KERNELS must be one of"):
        kernels._from_environment()


def test_the_environment_asking_for_numba_without_it_warns_and_gives_numpy(monkeypatch):
    monkeypatch.setenv("NNET_KERNELS", "numba")
    monkeypatch.setattr(kernels, "numba_available", lambda: False)
    with pytest.warns(UserWarning, match="numba is not installed"):
        assert kernels._from_environment() == "numpy"


def test_the_numpy_set_looks_up_no_compiled_kernel(numpy_set):
    net = NeuralNetwork(2, [3, 2], ["sigmoid", "softmax"], cost_fun="cross_entropy", l2=0.1)
    backprop = Backprop(net, net.parameters.layout, 4)
    assert kernels.activation_kernels(ACTIVATIONS["sigmoid"]) is None
    assert kernels.output_kernel(ACTIVATIONS["softmax"], COSTS["cross_entropy"]) is None
    assert kernels.fused_step(Momentum(), backprop) is None
    assert backprop._kernels is None and not backprop._penalty_deferred


def test_custom_parts_keep_the_numpy_kernels(numba_set):
    def square(z):
        return z * z

    custom = NeuralNetwork(2, [3, 2], [square, "softmax"], cost_fun="cross_entropy", l2=0.1)
    assert Backprop(custom, custom.parameters.layout, 4)._kernels is None
    mse = NeuralNetwork(2, [3, 2], ["sigmoid", "identity"], cost_fun="mse")
    assert Backprop(mse, mse.parameters.layout, 4)._kernels is None  # no compiled mse output
    leaky = get_activation("leaky_relu", alpha=0.2)
    assert kernels.activation_kernels(leaky) is None
    backprop = Backprop(custom, custom.parameters.layout, 4)
    assert kernels.fused_step(Adam(), backprop) is None

    class MyMomentum(Momentum):  # a subclass may change the rule
        pass

    assert kernels.fused_step(MyMomentum(), backprop) is None
    assert not backprop._penalty_deferred
    built_in = NeuralNetwork(2, [3, 2], ["relu", "softmax"], cost_fun="cross_entropy")
    assert Backprop(built_in, built_in.parameters.layout, 4)._kernels is not None


def test_the_summary_and_the_notebook_table_name_the_set_in_use(numpy_set, monkeypatch):
    net = NeuralNetwork(4, [8, 3], ["sigmoid", "softmax"], cost_fun="cross_entropy")
    assert net.summary().splitlines()[-1].endswith("(l1=0.0, l2=0.0), kernels=numpy")
    assert "kernels=numpy" in net._repr_html_()
    monkeypatch.setattr(kernels, "_active", "numba")  # what use_kernels("numba") sets
    assert net.summary().splitlines()[-1].endswith("kernels=numba")
    assert "kernels=numba" in net._repr_html_()


# ----------------------------------------------------------------------------- exp
def test_compiled_exp_is_within_one_ulp_of_numpys_and_handles_the_edges(compiled):
    rng = np.random.default_rng(0)
    x = np.concatenate([rng.uniform(-745.0, 709.7, 20_000), rng.normal(size=5_000), EDGES])
    got = np.empty_like(x)
    _exp_into(compiled, x, got)
    with np.errstate(over="ignore"):
        expected = np.exp(x)
    np.testing.assert_array_equal(np.isnan(got), np.isnan(expected))
    finite = np.isfinite(expected)
    np.testing.assert_array_equal(got[~finite & ~np.isnan(x)], expected[~finite & ~np.isnan(x)])
    ulps = np.abs(got[finite] - expected[finite]) / np.spacing(expected[finite])
    assert ulps.max() <= 1.0


def _exp_into(compiled, x, out):
    from numba import njit

    @njit(error_model="numpy")
    def run(x, out):
        for i in range(x.size):
            out[i] = compiled.exp(x[i])

    run(x, out)


# ----------------------------------------------------------------------------- activations
def _values(dtype, edges):
    finite = st.floats(-30.0, 30.0, width=32 if dtype == np.float32 else 64)
    return st.one_of(finite, st.sampled_from(edges)) if edges else finite


@st.composite
def stacks(draw, edges=True):
    """(K, n, m) logits, the parameters' rows holding a bias at an offset, and a dtype."""
    dtype = draw(st.sampled_from([np.float32, np.float64]))
    k, n, m = draw(st.integers(1, 4)), draw(st.integers(1, 12)), draw(st.integers(1, 11))
    z = draw(hnp.arrays(dtype, (k, n, m), elements=_values(dtype, EDGES if edges else None)))
    offset = draw(st.integers(0, 3))
    bias = draw(hnp.arrays(dtype, (k, m), elements=st.floats(-3.0, 3.0, width=32)))
    params = np.zeros((k, offset + m + 2), dtype)
    params[:, offset : offset + m] = bias
    return z, params, offset


def _tolerances(dtype):
    # NumPy's float32 tanh and exp are SIMD float32 code within a few ulp; a compiled kernel
    # rounds libm's float64 result (a soak met a 2-ulp gap: tanh of -0.59 in float32).
    return (4 * float(np.finfo(np.float32).eps), 1e-37) if dtype == np.float32 else (4e-16, 1e-300)


@pytest.mark.parametrize("name", COMPILED_ACTIVATIONS)
@settings(deadline=None)
@given(case=stacks())
def test_compiled_activation_forward_is_its_numpy_twin_with_the_bias(name, case, compiled):
    z, params, offset = case
    forward = getattr(compiled, f"{name}_forward")
    m = z.shape[-1]
    with np.errstate(all="ignore"):
        expected = ACTIVATIONS[name].forward_inplace(z + params[:, None, offset : offset + m])
    got = z.copy()
    forward(got, params, offset)
    rtol, atol = _tolerances(z.dtype)
    assert got.dtype == z.dtype
    np.testing.assert_allclose(got, expected, rtol=rtol, atol=atol)


@pytest.mark.parametrize("name", COMPILED_ACTIVATIONS)
@settings(deadline=None)
@given(case=stacks(edges=False), seed=st.integers(0, 99))
def test_compiled_activation_backward_is_its_numpy_twin_and_the_bias_sum(
    name, case, seed, compiled
):
    z, params, offset = case
    act = ACTIVATIONS[name]
    backward = getattr(compiled, f"{name}_backward")
    with np.errstate(all="ignore"):
        a = act.forward_inplace(z.copy())
    grad = np.random.default_rng(seed).normal(size=z.shape).astype(z.dtype)
    expected = act.backward_inplace(None, a, grad.copy())
    got, g = grad.copy(), np.full_like(params, 7.0)
    backward(a, got, g, offset)
    rtol, atol = _tolerances(z.dtype)
    np.testing.assert_allclose(got, expected, rtol=rtol, atol=atol)
    m = z.shape[-1]
    sums = expected.astype(np.float64).sum(axis=1)
    np.testing.assert_allclose(g[:, offset : offset + m], sums, rtol=1e-5, atol=1e-5)
    assert (np.delete(g, np.s_[offset : offset + m], axis=1) == 7.0).all()  # nothing else


# ----------------------------------------------------------------------------- softmax + loss
@settings(deadline=None)
@given(case=stacks(edges=False), seed=st.integers(0, 99), one_hot=st.booleans())
def test_compiled_softmax_cross_entropy_is_the_numpy_output_pass(case, seed, one_hot, compiled):
    z, params, offset = case
    k, n, m = z.shape
    rng = np.random.default_rng(seed)
    z[..., 0, 0] = 800.0 if seed % 2 else z[..., 0, 0]  # an underflowing probability: exact
    target = np.eye(m)[rng.integers(0, m, n)] if one_hot else rng.uniform(0, 1, (n, m))
    target = target.astype(z.dtype)
    cost = COSTS["cross_entropy"]
    logits = z + params[:, None, offset : offset + m]
    # The loss is log s - z' per row: with float32 terms of size |z|, the NumPy twin itself is
    # off by a few eps |z| (log(1 + e^-7) = 9e-4 loses 5e-5 of itself to cancellation).
    scale = 4 * float(np.finfo(z.dtype).eps) * (1.0 + float(np.abs(logits).max()))
    expected_loss = cost.activate_with_loss(logits, target, one_hot)  # logits: now softmax
    expected_delta = cost.output_delta(logits, target, rows_sum_to_one=one_hot)
    got, g, losses = z.copy(), np.zeros_like(params), np.empty(k)
    compiled.softmax_cross_entropy(got, params, offset, target, one_hot, g, losses)
    rtol = 2e-5 if z.dtype == np.float32 else 1e-13
    np.testing.assert_allclose(losses, expected_loss, rtol=rtol, atol=max(1e-12, scale))
    np.testing.assert_allclose(got, expected_delta, rtol=rtol * 10, atol=rtol / n)
    sums = expected_delta.astype(np.float64).sum(axis=1)
    np.testing.assert_allclose(g[:, offset : offset + m], sums, rtol=1e-4, atol=rtol)


def test_compiled_softmax_cross_entropy_passes_nan_and_inf_on(numba_set):
    kernel = kernels.output_kernel(ACTIVATIONS["softmax"], COSTS["cross_entropy"])
    z = np.array([[[0.0, np.nan, 1.0], [np.inf, 0.0, 0.0], [1.0, 2.0, 3.0]]])
    g, losses = np.zeros((1, 3)), np.empty(1)
    kernel(z, np.zeros((1, 3)), 0, np.eye(3), True, g, losses)
    assert np.isnan(losses[0]) and np.isnan(z[0, :2]).all() and np.isfinite(z[0, 2]).all()


# ----------------------------------------------------------------------------- optimizers
@pytest.mark.parametrize("rule", ["momentum", "nesterov", "sgd"])
@pytest.mark.parametrize("penalties", [(0.0, 0.0), (0.0, 1e-2), (1e-3, 0.0), (1e-3, 1e-2)])
@pytest.mark.parametrize("regularize_bias", [False, True])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("k", [None, 1, 5])
def test_compiled_update_is_penalty_next_update_and_add(
    rule, penalties, regularize_bias, dtype, k, numba_set
):
    l1, l2 = penalties
    layout = Layout([3, 5, 2], dtype, n_models=k)
    rng = np.random.default_rng(0)
    per_model = np.geomspace(1e-3, 1e-1, k or 1) if k else None
    l2s = l2 * per_model if k else l2  # one value per model in a stack (sweep's, even at 0)
    mask = None if regularize_bias else layout.weight_mask()
    penalty = (
        StepPenalty(layout.shape, mask, l1, l2s, dtype) if (l1 or l2 or k) else None
    )  # a stack's penalty is laid out even at 0, as sweep's is

    def make_optimizer():
        rate = 0.05 if not k else (0.05 * per_model)[:, None]
        if rule == "sgd":
            return SGD(rate)
        return Momentum(rate, momentum=0.9, nesterov=rule == "nesterov")

    reference, fused = make_optimizer(), make_optimizer()
    backprop = _Holder(penalty)
    step = kernels.fused_step(fused, backprop)
    assert step is not None and backprop.deferred
    params = rng.normal(size=layout.shape).astype(dtype)
    params.reshape(-1)[:3] = 0.0  # sign(0) = 0
    expected, got = params.copy(), params.copy()
    active = np.ones(k or 1, bool)
    if k and k > 1:
        active[1] = False  # a frozen model keeps still
    for _ in range(3):
        grad = rng.normal(size=layout.shape).astype(dtype)
        g = grad.copy()
        value = 0.0 if penalty is None else penalty.add_gradient(expected, g)
        update = reference.next_update(g, expected, layout.shapes)
        expected += np.where(active[:, None], update, 0.0) if k else update
        got_value = step(got, grad.copy(), layout.shapes, active)
        rtol = 1e-6 if dtype == np.float32 else 1e-15
        np.testing.assert_allclose(
            got, expected, rtol=rtol, atol=1e-7 if dtype == np.float32 else 0
        )
        np.testing.assert_allclose(got_value, value, rtol=rtol * 100, atol=1e-300)
        assert np.shape(got_value) == np.shape(value)
    assert fused.t == reference.t == 3


class _Holder:
    """What fused_step needs of a Backprop: its penalty, which it then adds itself."""

    def __init__(self, penalty):
        self.penalty, self.deferred = penalty, False

    def defer_penalty(self):
        self.deferred = True
        return self.penalty


# ------------------------------------------------------------------------- a stack and its models
@settings(deadline=None, max_examples=60)
@given(case=stacks(), seed=st.integers(0, 99))
def test_a_model_of_a_compiled_stack_is_the_model_alone_bit_for_bit(case, seed, compiled):
    z, params, offset = case
    k, n, m = z.shape
    rng = np.random.default_rng(seed)
    target = np.eye(m)[rng.integers(0, m, n)].astype(z.dtype)
    grad = rng.normal(size=z.shape).astype(z.dtype)
    kernel = compiled.softmax_cross_entropy
    for name in COMPILED_ACTIVATIONS:
        forward, backward = (getattr(compiled, f"{name}_{way}") for way in ("forward", "backward"))
        stack, g = z.copy(), np.zeros_like(params)
        forward(stack, params, offset)
        delta = grad.copy()
        backward(stack, delta, g, offset)
        for i in range(k):
            alone, g_alone = z[i : i + 1].copy(), np.zeros_like(params[i : i + 1])
            forward(alone, params[i : i + 1], offset)
            delta_alone = grad[i : i + 1].copy()
            backward(alone, delta_alone, g_alone, offset)
            assert alone.tobytes() == stack[i : i + 1].tobytes(), name
            assert delta_alone.tobytes() == delta[i : i + 1].tobytes(), name
            assert g_alone.tobytes() == g[i : i + 1].tobytes(), name
    stack, g, losses = z.copy(), np.zeros_like(params), np.empty(k)
    with np.errstate(all="ignore"):
        kernel(stack, params, offset, target, True, g, losses)
    for i in range(k):
        alone, g_alone, loss = z[i : i + 1].copy(), np.zeros_like(params[i : i + 1]), np.empty(1)
        kernel(alone, params[i : i + 1], offset, target, True, g_alone, loss)
        assert alone.tobytes() == stack[i : i + 1].tobytes()
        assert g_alone.tobytes() == g[i : i + 1].tobytes()
        assert loss.tobytes() == losses[i : i + 1].tobytes()


# ----------------------------------------------------------------------------- end to end
def _iris_like(n=60, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 4))
    y = (X[:, 0] > 0).astype(int) + (X[:, 1] > 0.5).astype(int)
    return X, np.eye(3)[y]


GRID = {"learning_rate": [0.01, 0.1], "l2": [0.0, 1e-3]}


@pytest.mark.parametrize("hidden", ["sigmoid", "relu", "tanh"])
@pytest.mark.parametrize("optimizer", [Momentum, SGD])
@pytest.mark.parametrize("batch_size", [7, None])  # 7: a short last batch
def test_model_i_of_a_compiled_sweep_is_its_lone_train_bit_for_bit(
    hidden, optimizer, batch_size, numba_set
):
    X, Y = _iris_like()
    net = NeuralNetwork(4, [6, 3], [hidden, "softmax"], cost_fun="cross_entropy", seed=1)
    study = sweep(net, optimizer(), X, Y, GRID, epochs=4, batch_size=batch_size, seed=3)
    for i, params in enumerate(study.params):
        twin = NeuralNetwork(4, [6, 3], [hidden, "softmax"], cost_fun="cross_entropy",
                             l2=params["l2"], seed=1)  # fmt: skip
        history = train(twin, optimizer(params["learning_rate"]), X, Y, epochs=4,
                        batch_size=batch_size, seed=3)  # fmt: skip
        for (W, b), (W2, b2) in zip(study.networks[i].layers, twin.layers):
            assert W.tobytes() == W2.tobytes() and b.tobytes() == b2.tobytes()
        # The epoch's loss averages the steps' with one product for all models (the engine's,
        # as with the NumPy kernels): equal to rounding.
        np.testing.assert_allclose(study.histories[i].train_loss, history.train_loss, rtol=1e-14)


@pytest.mark.parametrize("hidden", ["sigmoid", "relu"])
def test_compiled_and_numpy_training_end_at_the_same_losses(hidden, numba_set):
    X, Y = _iris_like(90)
    net = NeuralNetwork(4, [8, 3], [hidden, "softmax"], cost_fun="cross_entropy", seed=0)
    losses = {}
    for name in ("numpy", "numba"):
        kernels.use_kernels(name)
        study = sweep(net, Momentum(), X, Y, GRID, epochs=30, batch_size=10, seed=0)
        lone = train(net.clone(seed=0), Momentum(0.1), X, Y, epochs=30, batch_size=10, seed=0)
        losses[name] = [h.train_loss[-1] for h in study.histories] + [lone.train_loss[-1]]
    np.testing.assert_allclose(losses["numba"], losses["numpy"], rtol=1e-12)


def test_a_compiled_training_still_detects_divergence(numba_set):
    X, Y = _iris_like()
    X = X * 1e3
    results = {}
    for name in ("numpy", "numba"):
        kernels.use_kernels(name)
        net = NeuralNetwork(4, [6, 3], ["relu", "softmax"], cost_fun="cross_entropy", seed=0)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DivergenceWarning)
            study = sweep(net, Momentum(), X, Y, {"learning_rate": [1e-3, 1e3]}, epochs=20,
                          batch_size=10, seed=0)  # fmt: skip
            lone = train(net, Momentum(1e3), X, Y, epochs=20, batch_size=10, seed=0)
        results[name] = ([h.stop_reason for h in study.histories], lone.stop_reason)
        assert all(np.isfinite(W).all() for W, _ in study.networks[1].layers)
    assert results["numba"] == results["numpy"]
    assert results["numba"][0][1] == "diverged" and results["numba"][1] == "diverged"


def test_sample_weights_keep_the_numpy_kernels(numba_set):
    net = NeuralNetwork(4, [6, 3], ["sigmoid", "softmax"], cost_fun="cross_entropy", l2=0.1)
    rows = lambda pred, Y: -(Y * np.log(pred)).sum(axis=1)  # noqa: E731
    assert Backprop(net, net.parameters.layout, 5, row_loss=rows)._kernels is None


def test_metrics_on_the_training_data_score_the_steps_outputs_with_either_set(numba_set):
    """Metrics score each step's outputs, which the compiled output pass overwrites with the
    delta: with metrics the passes run NumPy's kernels, and the histories agree."""
    X, Y = _iris_like(90)
    net = NeuralNetwork(4, [8, 3], ["sigmoid", "softmax"], cost_fun="cross_entropy", seed=0)
    results = {}
    for name in ("numpy", "numba"):
        kernels.use_kernels(name)
        study = sweep(net, Momentum(), X, Y, GRID, epochs=5, batch_size=10, seed=0,
                      metrics=["accuracy", "mse"])  # fmt: skip
        results[name] = [h.metrics for h in study.histories]
    for numba_metrics, numpy_metrics in zip(results["numba"], results["numpy"]):
        assert numba_metrics["accuracy"] == numpy_metrics["accuracy"]
        np.testing.assert_allclose(numba_metrics["mse"], numpy_metrics["mse"], rtol=1e-12)
    assert len({tuple(m["accuracy"]) for m in results["numba"]}) > 1  # the models differ
