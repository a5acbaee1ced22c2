"""Tests of nnet.optimizers: the contract of every registered optimizer, hand-computed
steps of each update rule, convergence on a quadratic and on Rosenbrock, and validation."""

from __future__ import annotations

import math

import numpy as np
import pytest

import nnet.optimizers as optimizers_module
from nnet.optimizers import (
    OPTIMIZERS,
    SGD,
    Adagrad,
    Adam,
    AdamW,
    Momentum,
    Optimizer,
    RMSprop,
    get_optimizer,
)
from nnet.schedules import Constant, ExponentialDecay, InverseTimeDecay, StepDecay

NAMES = sorted(OPTIMIZERS)
SHAPES = [((3, 4), (4,)), ((4, 2), (2,))]


def random_pairs(rng: np.random.Generator, dtype=np.float64, shapes=SHAPES):
    return [(rng.standard_normal(sw).astype(dtype), rng.standard_normal(sb).astype(dtype))
            for sw, sb in shapes]  # fmt: skip


def copy_pairs(pairs):
    return [(W.copy(), b.copy()) for W, b in pairs]


def assert_pairs_equal(got, expected):
    assert len(got) == len(expected)
    for (gW, gb), (eW, eb) in zip(got, expected, strict=True):
        np.testing.assert_array_equal(gW, eW)
        np.testing.assert_array_equal(gb, eb)


def run_steps(opt, n_steps: int, seed: int = 0, dtype=np.float64):
    """The updates of ``n_steps`` steps on random gradients, concatenated; ``layers`` are
    passed, as AdamW needs them."""
    rng = np.random.default_rng(seed)
    layers = random_pairs(rng, dtype)
    return [pair for _ in range(n_steps) for pair in opt.step(random_pairs(rng, dtype), layers)]


def pair_of(values):
    """One layer whose W (1, n) and b (n,) both hold ``values``: two arrays, same rule."""
    return [(np.array([values], dtype=float), np.array(values, dtype=float))]


def assert_update(updates, expected, rtol=1e-12):
    [(uW, ub)] = updates
    np.testing.assert_allclose(uW, [expected], rtol=rtol)
    np.testing.assert_allclose(ub, expected, rtol=rtol)


# --- the contract, for every registered optimizer -------------------------------------------


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", NAMES)
def test_updates_have_gradient_shapes_and_dtypes_and_state_stays_finite(name, dtype):
    opt = OPTIMIZERS[name]()
    rng = np.random.default_rng(1)
    layers = random_pairs(rng, dtype)
    for _ in range(3):
        grads = random_pairs(rng, dtype)
        updates = opt.step(grads, layers=layers)
        assert len(updates) == len(grads)
        for (uW, ub), (dW, db) in zip(updates, grads, strict=True):
            assert (uW.shape, ub.shape) == (dW.shape, db.shape)
            assert uW.dtype == ub.dtype == dtype
            assert np.isfinite(uW).all() and np.isfinite(ub).all()
    arrays, meta = opt.state_dict()
    assert meta["t"] == opt.t == 3
    assert all(np.isfinite(a).all() for a in arrays.values())


@pytest.mark.parametrize("name", NAMES)
def test_reset_makes_the_next_step_a_first_step(name):
    used, fresh = OPTIMIZERS[name](), OPTIMIZERS[name]()
    run_steps(used, 3)
    used.set_epoch(4)
    used.reset()
    assert (used.t, used.epoch) == (0, 0)
    assert_pairs_equal(run_steps(used, 2, seed=7), run_steps(fresh, 2, seed=7))


@pytest.mark.parametrize("name", NAMES)
def test_gradients_are_not_mutated_and_updates_belong_to_the_caller(name):
    opt, twin = OPTIMIZERS[name](), OPTIMIZERS[name]()
    rng = np.random.default_rng(2)
    layers = random_pairs(rng)
    for _ in range(3):
        grads = random_pairs(rng)
        saved = copy_pairs(grads)
        updates = opt.step(grads, layers=layers)
        twin.step(saved, layers=layers)
        assert_pairs_equal(grads, saved)
        for (uW, ub), (dW, db) in zip(updates, grads, strict=True):
            assert not np.shares_memory(uW, dW) and not np.shares_memory(ub, db)
            uW *= 1000.0  # the caller may scribble on its updates: the state must not change
            ub[...] = 0.0
    last = random_pairs(rng)
    assert_pairs_equal(opt.step(last, layers=layers), twin.step(last, layers=layers))


def _bad_structures():
    W, b = np.ones((3, 4)), np.ones(4)
    return [
        (np.ones((3, 4)), TypeError, "layer_grads must be a non-empty list"),
        ({"W": W}, TypeError, "layer_grads must be a non-empty list"),
        ([], ValueError, "layer_grads must be a non-empty list"),
        ([W, b], TypeError, r"layer_grads\[0\] must be a \(dW, db\) pair"),
        ([(W,)], TypeError, r"layer_grads\[0\] must be a \(dW, db\) pair"),
        ([(W, b, b)], TypeError, r"layer_grads\[0\] must be a \(dW, db\) pair"),
        ([(W.tolist(), b)], TypeError, r"layer_grads\[0\] must hold two numpy arrays"),
        (
            [(W, b), (W.astype(int), b)],
            TypeError,
            r"layer_grads\[1\] must hold float32 or float64 arrays",
        ),
        ([(b, W)], ValueError, r"layer_grads\[0\] must be \(dW, db\) of shapes"),
        ([(W, b[:-1])], ValueError, r"layer_grads\[0\] must be \(dW, db\) of shapes"),
        ([(W[None], b)], ValueError, r"layer_grads\[0\] must be \(dW, db\) of shapes"),
    ]


@pytest.mark.parametrize(("bad", "error", "match"), _bad_structures())
@pytest.mark.parametrize("name", NAMES)
def test_bad_layer_grads_structure_is_refused_clearly(name, bad, error, match):
    opt = OPTIMIZERS[name]()
    with pytest.raises(error, match=match):
        opt.step(bad, layers=[(np.ones((3, 4)), np.ones(4))])
    assert opt.t == 0


@pytest.mark.parametrize("name", NAMES)
def test_changing_gradient_shapes_or_dtype_asks_for_reset(name):
    opt = OPTIMIZERS[name]()
    run_steps(opt, 1)
    rng = np.random.default_rng(3)
    other = [((3, 5), (5,)), ((5, 2), (2,))]
    for shapes, dtype in [(other, np.float64), (SHAPES, np.float32)]:
        with pytest.raises(ValueError, match=r"call reset\(\)"):
            opt.step(random_pairs(rng, dtype, shapes), layers=random_pairs(rng, dtype, shapes))
    assert opt.t == 1
    opt.reset()
    opt.step(random_pairs(rng, shapes=other), layers=random_pairs(rng, shapes=other))


@pytest.mark.parametrize("as_strings", [False, True])
@pytest.mark.parametrize("name", NAMES)
def test_state_dict_round_trip_gives_identical_next_steps(name, as_strings):
    saved = OPTIMIZERS[name](learning_rate=StepDecay(0.01, 0.5, every=1))
    run_steps(saved, 3)
    saved.set_epoch(2)
    arrays, meta = saved.state_dict()
    assert meta["class"] == type(saved).__name__ and (meta["t"], meta["epoch"]) == (3, 2)
    if as_strings:  # safetensors stores metadata as str -> str
        meta = {key: str(value) for key, value in meta.items()}
    restored = get_optimizer(str(meta["class"]).lower(), learning_rate=StepDecay(0.01, 0.5, 1))
    restored.load_state_dict(arrays, meta)
    for array in arrays.values():
        array[...] = 123.0  # the loaded state is a copy of the caller's arrays
    assert (restored.t, restored.epoch) == (3, 2)
    assert_pairs_equal(run_steps(restored, 3, seed=9), run_steps(saved, 3, seed=9))


def test_load_state_dict_refuses_other_classes_and_foreign_keys():
    arrays, meta = Adam().state_dict()
    with pytest.raises(ValueError, match="state of 'Adam', not RMSprop"):
        RMSprop().load_state_dict(arrays, meta)
    momentum = Momentum()
    run_steps(momentum, 1)
    arrays, meta = momentum.state_dict()
    arrays["layer7.W.velocity"] = np.zeros((3, 4))
    with pytest.raises(ValueError, match=r"arrays key 'layer7\.W\.velocity'"):
        Momentum().load_state_dict(arrays, meta)
    with pytest.raises(ValueError, match=r"meta\['t'\] must be an int"):
        Momentum().load_state_dict({}, {**meta, "t": "three"})
    del arrays["layer7.W.velocity"]
    wrong = {**arrays, "layer0.W.velocity": np.zeros((2, 2))}
    with pytest.raises(ValueError, match=r"'layer0\.W\.velocity'\] has shape \(2, 2\)"):
        Momentum().load_state_dict(wrong, meta)


@pytest.mark.parametrize("name", NAMES)
def test_repr_rebuilds_an_equal_config(name):
    opt = OPTIMIZERS[name]()
    rebuilt = eval(repr(opt), vars(optimizers_module))
    assert type(rebuilt) is type(opt) and rebuilt.get_config() == opt.get_config()


def test_repr_and_config_show_hyperparameters():
    assert repr(Momentum()) == "Momentum(learning_rate=0.01, momentum=0.9, nesterov=False)"
    assert AdamW(weight_decay=0.1).get_config() == {
        "learning_rate": 0.001, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8, "weight_decay": 0.1
    }  # fmt: skip


# --- each rule, worked by hand ----------------------------------------------------------------


def test_sgd_step_by_hand():
    # u = -eta g = -0.1 * [1, 2] = [-0.1, -0.2]
    assert_update(SGD(learning_rate=0.1).step(pair_of([1.0, 2.0])), [-0.1, -0.2])


def test_momentum_two_steps_by_hand():
    opt, g = Momentum(learning_rate=0.1, momentum=0.9), pair_of([1.0, 2.0])
    # v1 = 0.9 * 0 - 0.1 * [1, 2] = [-0.1, -0.2]; u1 = v1
    assert_update(opt.step(g), [-0.1, -0.2])
    # v2 = 0.9 * [-0.1, -0.2] - 0.1 * [1, 2] = [-0.09 - 0.1, -0.18 - 0.2] = [-0.19, -0.38]
    assert_update(opt.step(g), [-0.19, -0.38])


def test_nesterov_two_steps_by_hand():
    opt, g = Momentum(learning_rate=0.1, momentum=0.9, nesterov=True), pair_of([1.0, 2.0])
    # v1 = [-0.1, -0.2]; u1 = 0.9 v1 - 0.1 g = [-0.09 - 0.1, -0.18 - 0.2] = [-0.19, -0.38]
    assert_update(opt.step(g), [-0.19, -0.38])
    # v2 = [-0.19, -0.38]; u2 = 0.9 v2 - 0.1 g = [-0.171 - 0.1, -0.342 - 0.2] = [-0.271, -0.542]
    assert_update(opt.step(g), [-0.271, -0.542])


def test_momentum_zero_is_sgd():
    assert_pairs_equal(run_steps(Momentum(0.05, momentum=0.0), 3), run_steps(SGD(0.05), 3))


def test_adagrad_two_steps_by_hand():
    opt = Adagrad(learning_rate=0.1, eps=1e-8)
    # G1 = [1, 4]; u1 = -0.1 * [1 / (1 + eps), 2 / (2 + eps)]
    assert_update(opt.step(pair_of([1.0, 2.0])), [-0.1 / (1 + 1e-8), -0.2 / (2 + 1e-8)])
    # G2 = [1 + 9, 4 + 16] = [10, 20]; u2 = -0.1 * [3 / sqrt(10), 4 / sqrt(20)]
    expected = [-0.3 / (math.sqrt(10) + 1e-8), -0.4 / (math.sqrt(20) + 1e-8)]
    assert_update(opt.step(pair_of([3.0, 4.0])), expected)


def test_rmsprop_two_steps_by_hand():
    opt, g = RMSprop(learning_rate=0.01, rho=0.9, eps=1e-8), pair_of([1.0, 2.0])
    # s1 = 0.1 * [1, 4] = [0.1, 0.4]; u1 = -0.01 * [1 / sqrt(0.1), 2 / sqrt(0.4)]
    expected = [-0.01 / (math.sqrt(0.1) + 1e-8), -0.02 / (math.sqrt(0.4) + 1e-8)]
    assert_update(opt.step(g), expected)
    # s2 = 0.9 * [0.1, 0.4] + 0.1 * [1, 4] = [0.19, 0.76]
    expected = [-0.01 / (math.sqrt(0.19) + 1e-8), -0.02 / (math.sqrt(0.76) + 1e-8)]
    assert_update(opt.step(g), expected, rtol=1e-10)


def test_adam_two_steps_by_hand():
    opt = Adam(learning_rate=0.001, beta1=0.9, beta2=0.999, eps=1e-8)
    # step 1, g = [1, -2]: m = 0.1 g, v = 0.001 g^2, so m_hat = g, v_hat = g^2: u = -eta g/|g|
    assert_update(opt.step(pair_of([1.0, -2.0])), [-0.001 / (1 + 1e-8), 0.002 / (2 + 1e-8)])
    # step 2, g = [2, 1]: m = 0.9 * [0.1, -0.2] + 0.1 * [2, 1] = [0.29, -0.08], 1 - 0.9^2 = 0.19
    # v = 0.999 * [0.001, 0.004] + 0.001 * [4, 1] = [0.004999, 0.004996], 1 - 0.999^2 = 0.001999
    m_hat = np.array([0.29, -0.08]) / 0.19
    v_hat = np.array([0.004999, 0.004996]) / 0.001999
    expected = -0.001 * m_hat / (np.sqrt(v_hat) + 1e-8)
    assert_update(opt.step(pair_of([2.0, 1.0])), expected, rtol=1e-9)


def test_adamw_decays_weights_not_biases():
    opt = AdamW(learning_rate=0.001, weight_decay=0.1)
    layers = [(np.array([[3.0, -1.0]]), np.array([2.0, 5.0]))]
    [(uW, ub)] = opt.step(pair_of([1.0, -2.0]), layers=layers)
    # Adam's first step is -eta g/|g| = [-0.001, 0.001]; the weights also get
    # -eta lambda W = -0.001 * 0.1 * [3, -1] = [-0.0003, 0.0001]
    np.testing.assert_allclose(uW, [[-0.001 - 0.0003, 0.001 + 0.0001]], rtol=1e-7)
    np.testing.assert_allclose(ub, [-0.001, 0.001], rtol=1e-7)


def test_adamw_without_decay_is_adam_and_with_decay_needs_layers():
    assert_pairs_equal(run_steps(AdamW(weight_decay=0.0), 3), run_steps(Adam(), 3))
    opt = AdamW(weight_decay=0.01)
    with pytest.raises(ValueError, match="layers"):
        opt.step(pair_of([1.0, 2.0]))
    with pytest.raises(ValueError, match="layers must have the shapes of layer_grads"):
        opt.step(pair_of([1.0, 2.0]), layers=pair_of([1.0, 2.0, 3.0]))
    assert opt.t == 0


# --- a user's optimizer: one method -----------------------------------------------------------


class SignSGD(Optimizer):
    """u = -eta sign(g); records the step count it sees."""

    def __init__(self, learning_rate=0.01):
        super().__init__(learning_rate)
        self.seen_t: list[int] = []

    def update(self, grad, state, learning_rate):
        self.seen_t.append(self.t)
        return -learning_rate * np.sign(grad)


class ReturnsItsState(Optimizer):
    """Keeps the last update as state and returns that very array."""

    def update(self, grad, state, learning_rate):
        last = state.setdefault("last", np.zeros_like(grad))
        np.multiply(grad, -learning_rate, out=last)
        return last


def test_custom_optimizer_overriding_only_update():
    opt = SignSGD(learning_rate=0.5)
    assert_update(opt.step(pair_of([3.0, -0.25])), [-0.5, 0.5])
    assert_update(opt.step(pair_of([-1e-9, 7.0])), [0.5, -0.5])
    assert opt.seen_t == [1, 2]  # one call per step, on all parameters; t is 1-based
    assert repr(opt) == "SignSGD(learning_rate=0.5)"


class Sloppy(Optimizer):
    """Returns float64 whatever the gradient's dtype; with ``shape`` set, a wrong shape."""

    shape: tuple[int, ...] | None = None

    def update(self, grad, state, learning_rate):
        return np.full(self.shape or grad.shape, -learning_rate, dtype=np.float64)


def test_hook_results_are_cast_to_the_gradient_dtype_and_shape_checked():
    grads = [(np.ones((2, 3), np.float32), np.ones(3, np.float32))]
    [(uW, ub)] = Sloppy(learning_rate=0.25).step(grads)
    assert uW.dtype == ub.dtype == np.float32
    np.testing.assert_array_equal(uW, np.full((2, 3), -0.25, np.float32))
    sloppy = Sloppy()
    sloppy.shape = (3, 2)
    with pytest.raises(ValueError, match=r"Sloppy.update returned shape \(3, 2\)"):
        sloppy.step(grads)


def test_a_returned_state_array_is_copied_for_the_caller():
    opt = ReturnsItsState(learning_rate=0.1)
    [(uW, _)] = opt.step(pair_of([1.0, 2.0]))
    uW += 100.0
    arrays, _ = opt.state_dict()
    np.testing.assert_allclose(arrays["layer0.W.last"], [[-0.1, -0.2]])


# --- convergence ------------------------------------------------------------------------------


def minimise(opt, grad_fn, layers, n_steps: int, steps_per_epoch: int):
    """Run the training loop's protocol: set_epoch, step, W += uW."""
    for i in range(n_steps):
        opt.set_epoch(i // steps_per_epoch)
        for (W, b), (uW, ub) in zip(layers, opt.step(grad_fn(layers), layers=layers), strict=True):
            W += uW
            b += ub
    return layers


# name -> (kwargs, steps per epoch, step budget); every registry entry needs a row. The budgets
# are about twice the steps measured to reach the tolerance.
QUADRATIC = {
    "sgd": ({"learning_rate": 0.1}, 1, 200),
    "momentum": ({"learning_rate": 0.02, "momentum": 0.9}, 1, 300),
    "nesterov": ({"learning_rate": 0.02, "momentum": 0.9, "nesterov": True}, 1, 300),
    "adagrad": ({"learning_rate": 0.5}, 1, 200),
    "rmsprop": ({"learning_rate": ExponentialDecay(0.01, 0.95)}, 10, 1200),
    "adam": ({"learning_rate": InverseTimeDecay(0.02, 0.01)}, 10, 400),
    "adamw": ({"learning_rate": InverseTimeDecay(0.02, 0.01), "weight_decay": 1e-3}, 10, 400),
}
ROSENBROCK = {
    "sgd": ({"learning_rate": 1.5e-3}, 1, 12000),
    "momentum": ({"learning_rate": 1e-3, "momentum": 0.9}, 1, 2500),
    "nesterov": ({"learning_rate": 1e-3, "momentum": 0.9, "nesterov": True}, 1, 2500),
    "adagrad": ({"learning_rate": 0.5}, 1, 10000),
    "rmsprop": ({"learning_rate": InverseTimeDecay(0.01, 0.05)}, 10, 8000),
    "adam": ({"learning_rate": InverseTimeDecay(0.02, 0.01)}, 10, 8000),
    "adamw": ({"learning_rate": 0.02, "weight_decay": 1e-3}, 1, 5000),
}


def build(name: str, kwargs: dict) -> Optimizer:
    return OPTIMIZERS["momentum" if name == "nesterov" else name](**kwargs)


@pytest.mark.parametrize("table", [QUADRATIC, ROSENBROCK], ids=["quadratic", "rosenbrock"])
def test_every_registered_optimizer_has_a_convergence_row(table):
    assert set(NAMES) <= set(table)


@pytest.mark.parametrize("name", sorted(QUADRATIC))
def test_minimises_a_convex_quadratic(name):
    # f(theta) = 1/2 theta^T A theta - c^T theta over all 13 numbers of two (W, b) layers;
    # A has eigenvalues 1..10, the minimum is A^-1 c.
    shapes = [((2, 3), (3,)), ((3, 1), (1,))]
    rng = np.random.default_rng(0)
    Q, _ = np.linalg.qr(rng.standard_normal((13, 13)))
    A = Q @ np.diag(np.linspace(1.0, 10.0, 13)) @ Q.T
    c = rng.standard_normal(13)

    def flat(pairs):
        return np.concatenate([a.ravel() for pair in pairs for a in pair])

    def unflat(vector):
        sizes = np.cumsum([math.prod(s) for pair in shapes for s in pair])[:-1]
        parts = np.split(vector, sizes)
        return [(parts[2 * i].reshape(sw), parts[2 * i + 1]) for i, (sw, _) in enumerate(shapes)]

    kwargs, steps_per_epoch, budget = QUADRATIC[name]
    layers = unflat(np.zeros(13))
    minimise(
        build(name, kwargs), lambda p: unflat(A @ flat(p) - c), layers, budget, steps_per_epoch
    )
    assert np.linalg.norm(flat(layers) - np.linalg.solve(A, c)) < 1e-3


@pytest.mark.parametrize("name", sorted(ROSENBROCK))
def test_minimises_rosenbrock(name):
    # f(x, y) = (1 - x)^2 + 100 (y - x^2)^2, minimum at (1, 1); x lives in W (1, 1), y in b (1,)
    def grad(layers):
        [(W, b)] = layers
        x, y = W[0, 0], b[0]
        dx = -2.0 * (1.0 - x) - 400.0 * x * (y - x * x)
        return [(np.array([[dx]]), np.array([200.0 * (y - x * x)]))]

    kwargs, steps_per_epoch, budget = ROSENBROCK[name]
    layers = [(np.array([[-1.2]]), np.array([1.0]))]
    minimise(build(name, kwargs), grad, layers, budget, steps_per_epoch)
    [(W, b)] = layers
    assert math.hypot(W[0, 0] - 1.0, b[0] - 1.0) < 1e-2


# --- validation and lookup --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "error"),
    [(0, ValueError), (-0.1, ValueError), (math.nan, ValueError), (math.inf, ValueError),
     (True, TypeError), ("0.1", TypeError), (None, TypeError)],
)  # fmt: skip
@pytest.mark.parametrize("name", NAMES)
def test_bad_learning_rate_is_refused(name, value, error):
    with pytest.raises(error, match="learning_rate"):
        OPTIMIZERS[name](learning_rate=value)


@pytest.mark.parametrize(
    ("cls", "kwargs", "error", "match"),
    [
        (Momentum, {"momentum": 1.0}, ValueError, r"momentum must be a finite number in \[0, 1\)"),
        (Momentum, {"momentum": -0.1}, ValueError, "momentum"),
        (Momentum, {"momentum": math.nan}, ValueError, "momentum"),
        (Momentum, {"momentum": False}, TypeError, "momentum"),
        (Momentum, {"nesterov": "yes"}, TypeError, "nesterov must be a bool"),
        (Adagrad, {"eps": 0.0}, ValueError, "eps must be a finite number > 0"),
        (RMSprop, {"rho": 1.0}, ValueError, "rho"),
        (RMSprop, {"eps": -1e-8}, ValueError, "eps"),
        (Adam, {"beta1": 1.0}, ValueError, "beta1"),
        (Adam, {"beta2": -0.5}, ValueError, "beta2"),
        (Adam, {"beta2": math.inf}, ValueError, "beta2"),
        (Adam, {"eps": "tiny"}, TypeError, "eps"),
        (AdamW, {"weight_decay": -0.01}, ValueError, "weight_decay must be a finite number >= 0"),
        (AdamW, {"weight_decay": math.nan}, ValueError, "weight_decay"),
        (AdamW, {"beta1": 1.5}, ValueError, "beta1"),
    ],
)
def test_bad_hyperparameters_are_refused_by_name(cls, kwargs, error, match):
    with pytest.raises(error, match=match):
        cls(**kwargs)


def test_set_epoch_is_validated():
    opt = SGD()
    for bad, error in [(-1, ValueError), (1.5, TypeError), (True, TypeError)]:
        with pytest.raises(error, match="epoch"):
            opt.set_epoch(bad)
    opt.set_epoch(np.int64(3))
    assert opt.epoch == 3


def test_get_optimizer_lookup():
    opt = get_optimizer("adam", learning_rate=0.01, beta1=0.8)
    assert type(opt) is Adam and (opt.learning_rate, opt.beta1) == (0.01, 0.8)
    assert get_optimizer(opt) is opt
    assert type(get_optimizer(RMSprop, rho=0.5)) is RMSprop

    class Duck:  # anything with step(layer_grads) drives the training loop
        def step(self, layer_grads):
            return [(-W, -b) for W, b in layer_grads]

    duck = Duck()
    assert get_optimizer(duck) is duck
    with pytest.raises(ValueError, match=r"unknown optimizer 'adamax'.*'adam', 'adamw'"):
        get_optimizer("adamax")
    with pytest.raises(TypeError, match=r"optimizer must be a name in \['adagrad'"):
        get_optimizer(0.1)
    with pytest.raises(TypeError, match="keyword arguments"):
        get_optimizer(opt, learning_rate=0.1)


def test_learning_rate_can_be_replaced():
    assert type(SGD(np.float32(0.25)).get_config()["learning_rate"]) is float
    opt = SGD(learning_rate=0.1)
    opt.learning_rate = Constant(0.5)
    assert opt.current_learning_rate == 0.5
    assert_update(opt.step(pair_of([1.0, -2.0])), [-0.5, 1.0])


@pytest.mark.parametrize(("name", "kwargs"), [("sgd", {"learning_rate": [0.1, 0.2]}),
                                              ("momentum", {"momentum": [0.5, 0.9]})])  # fmt: skip
def test_per_model_hyperparameters_are_refused_for_a_lone_network_by_name(name, kwargs):
    opt = OPTIMIZERS[name](**kwargs)
    (key,) = kwargs
    with pytest.raises(ValueError, match=rf"^{key} holds 2 values \(one per model\)"):
        opt.step(pair_of([1.0, 2.0]))
    assert opt.t == 0 and opt.state is None
