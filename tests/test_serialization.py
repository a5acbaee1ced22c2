"""Model files: bit-exact round trips, registered custom functions, and refusal of bad files.

Every bad file must raise ModelFileError naming the file, must not reach the
NeuralNetwork constructor (no half-built object), and must be left unmodified.
"""

from __future__ import annotations

import ast
import inspect
import json
import os
import pickle
import struct
from pathlib import Path

import autograd.numpy as anp
import numpy as np
import pytest
import safetensors.numpy
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import nnet.files.safetensors_io as safetensors_io
import nnet.network
import nnet.serialization as ser
from nnet.activations import ACTIVATIONS, get_activation, register_activation
from nnet.costs import COSTS, register_cost
from nnet.network import NeuralNetwork
from nnet.optimizers import OPTIMIZERS, Adam, Optimizer
from nnet.schedules import LambdaSchedule, StepDecay
from nnet.serialization import (
    FORMAT_VERSION,
    ModelFileError,
    describe_file,
    load_network,
    load_optimizer_state,
    save_network,
    save_optimizer_state,
)

ALL_ACTIVATIONS = sorted(ACTIVATIONS)
ALL_COSTS = sorted(COSTS)
DTYPES = [np.float32, np.float64]
RNG = np.random.default_rng(1234)
X = RNG.normal(size=(16, 3))


def output_for(act: str, cost: str) -> str:
    """``act`` if it can feed ``cost``, else that cost's canonical output activation."""
    if not COSTS[cost].probabilities or act in ("sigmoid", "softmax"):
        return act
    return "softmax" if cost == "cross_entropy" else "sigmoid"


def make_net(act: str = "tanh", cost: str = "mse", dtype=np.float64, **kwargs) -> NeuralNetwork:
    out = output_for(act, cost)
    return NeuralNetwork(
        3, [5, 4, 2], [act, act, out], cost_fun=cost, dtype=dtype, seed=7, **kwargs
    )


def assert_same_network(a: NeuralNetwork, b: NeuralNetwork) -> None:
    assert repr(a) == repr(b)
    assert a.dtype == b.dtype
    assert (a.l1, a.l2, a.regularize_bias) == (b.l1, b.l2, b.regularize_bias)
    assert [(f.name, dict(f.params), f.builtin) for f in a.activation_funcs] == [
        (f.name, dict(f.params), f.builtin) for f in b.activation_funcs
    ]
    assert a.cost_fun is b.cost_fun
    for (Wa, ba), (Wb, bb) in zip(a.layers, b.layers, strict=True):
        for p, q in ((Wa, Wb), (ba, bb)):
            assert p.dtype == q.dtype and p.shape == q.shape
            assert p.tobytes() == q.tobytes()  # bit-exact, -0.0 and all
    assert np.array_equal(a.predict(X), b.predict(X))


@pytest.fixture
def saved(tmp_path: Path) -> Path:
    path = tmp_path / "model.safetensors"
    save_network(make_net("relu", "cross_entropy", l2=0.01), path)
    return path


@pytest.fixture
def no_construction(monkeypatch):
    """Record NeuralNetwork constructions, so a refused file provably built nothing."""
    built = []
    original = nnet.network.NeuralNetwork.__init__

    def spy(self, *args, **kwargs):
        original(self, *args, **kwargs)
        built.append(self)

    monkeypatch.setattr(nnet.network.NeuralNetwork, "__init__", spy)
    return built


def assert_refused(
    path: Path, built: list, load=load_network, match: str | None = None
) -> ModelFileError:
    before = (path.read_bytes(), path.stat().st_mtime_ns)
    with pytest.raises(ModelFileError, match=match) as info:
        load(path)
    assert path.name in str(info.value)
    assert built == []
    assert (path.read_bytes(), path.stat().st_mtime_ns) == before
    return info.value


def rewrite(path: Path, dest: Path, **meta_changes: str | None) -> Path:
    """Copy a model file with changed metadata, the checksum updated to match (a valid file)."""
    with safetensors.safe_open(str(path), framework="np") as f:
        meta, arrays = f.metadata(), {k: f.get_tensor(k) for k in f.keys()}
    meta.update(meta_changes)
    meta = {k: v for k, v in meta.items() if v is not None}
    meta["sha256"] = ser.checksum(meta, arrays)
    safetensors.numpy.save_file(arrays, str(dest), metadata=meta)
    return dest


# --------------------------------------------------------------------------- round trips
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("cost", ALL_COSTS)
@pytest.mark.parametrize("act", ALL_ACTIVATIONS)
def test_round_trip_is_bit_exact_for_every_activation_cost_and_dtype(tmp_path, act, cost, dtype):
    net = make_net(act, cost, dtype, l1=1e-3, l2=0.123456789, regularize_bias=True)
    path = tmp_path / "model.safetensors"
    save_network(net, path)
    before = path.read_bytes()
    loaded = load_network(path)
    assert path.read_bytes() == before
    assert_same_network(net, loaded)
    Y = RNG.random((len(X), 2))
    Y = np.eye(2)[Y.argmax(axis=1)] if cost == "cross_entropy" else Y.round()
    for (dW, db), (eW, eb) in zip(net.compute_gradient(X, Y), loaded.compute_gradient(X, Y)):
        assert np.array_equal(dW, eW) and np.array_equal(db, eb)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", ["leaky_relu", "elu"])
@pytest.mark.parametrize("alpha", [0.173, 0.3, 2])
def test_non_default_alpha_survives(tmp_path, name, alpha, dtype):
    act = get_activation(name, alpha=alpha)
    net = NeuralNetwork(3, [4, 1], [act, "identity"], dtype=dtype, seed=0)
    save_network(net, tmp_path / "m.safetensors")
    loaded = load_network(tmp_path / "m.safetensors")
    assert loaded.activation_funcs[0].params == {"alpha": alpha}
    assert_same_network(net, loaded)


@settings(max_examples=60)
@given(
    dtype=st.sampled_from(DTYPES),
    seed=st.integers(0, 2**32 - 1),
)
def test_any_finite_weights_round_trip_exactly(tmp_path_factory, dtype, seed):
    net = NeuralNetwork(2, [3, 2], ["tanh", "identity"], dtype=dtype)
    rng = np.random.default_rng(seed)
    info = np.finfo(dtype)
    special = np.array([0.0, -0.0, info.tiny, info.smallest_subnormal, info.max, -info.max])

    def draw(shape):
        normal = rng.normal(size=shape) * 10.0 ** rng.integers(-30, 30, shape)
        return np.where(rng.random(shape) < 0.3, rng.choice(special, shape), normal).astype(dtype)

    net.layers = [(draw(W.shape), draw(b.shape)) for W, b in net.layers]
    path = tmp_path_factory.mktemp("h") / "m.safetensors"
    save_network(net, path)
    loaded = load_network(path)
    for (Wa, ba), (Wb, bb) in zip(net.layers, loaded.layers):
        assert Wa.tobytes() == Wb.tobytes() and ba.tobytes() == bb.tobytes()


@settings(max_examples=40)
@given(
    W=hnp.arrays(
        np.float32, (2, 3), elements=st.floats(width=32, allow_nan=False, allow_infinity=False)
    )
)
def test_hypothesis_float32_weights_round_trip(tmp_path_factory, W):
    net = NeuralNetwork(2, [3], ["identity"], dtype=np.float32)
    net.layers = [(W, np.zeros(3))]
    path = tmp_path_factory.mktemp("h") / "m.safetensors"
    save_network(net, path)
    assert load_network(path).layers[0][0].tobytes() == W.tobytes()


def test_save_overwrites_atomically_and_leaves_no_temporary_files(tmp_path):
    path = tmp_path / "m.safetensors"
    save_network(make_net("tanh"), path)
    save_network(make_net("relu"), path)
    assert load_network(path).activation_funcs[0].name == "relu"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.safetensors"]


def test_nan_weights_are_not_saved_and_the_old_file_survives(tmp_path):
    path = tmp_path / "m.safetensors"
    net = make_net()
    save_network(net, path)
    before = path.read_bytes()
    # No public call leaves NaN weights any more (update_weights refuses them), so write
    # under the read-only view, as a bug or memory corruption would.
    live = net.layers[0][0].base  # the array the view reads (today the flat parameter vector)
    live.reshape(-1)[0] = np.nan
    assert np.isnan(net.layers[0][0][0, 0])
    with pytest.raises(ValueError, match="NaN"):
        save_network(net, path)
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.safetensors"]


def test_save_refuses_non_networks_and_missing_directories(tmp_path):
    with pytest.raises(TypeError, match="NeuralNetwork"):
        save_network("not a net", tmp_path / "m.safetensors")  # type: ignore[arg-type]
    with pytest.raises(FileNotFoundError):
        save_network(make_net(), tmp_path / "missing" / "m.safetensors")


def test_extra_data_is_kept_beside_the_model(tmp_path):
    extra = {"features": ["a", "b", "c"], "classes": ["x", "y"], "task": None,
             "mean": [0.1, -2.5e-300, 3.0], "scale": [1.0, 2.0, 1e300]}  # fmt: skip
    path = tmp_path / "m.safetensors"
    save_network(make_net(), path, extra=extra)
    assert describe_file(path)["extra"] == extra  # floats exact through JSON
    assert_same_network(make_net(), load_network(path))
    save_network(make_net(), path)
    assert "extra" not in describe_file(path)


@pytest.mark.parametrize("bad", [{"x": np.ones(2)}, {"x": float("nan")}, {"x": object()}])
def test_extra_that_is_not_json_is_refused(tmp_path, bad):
    with pytest.raises(ValueError, match="extra must be JSON-serializable"):
        save_network(make_net(), tmp_path / "m.safetensors", extra=bad)
    assert list(tmp_path.iterdir()) == []


# --------------------------------------------------------------------------- custom functions
@pytest.fixture
def softplus():
    name = "test_serialization_softplus"
    act = register_activation(name, lambda z: anp.log1p(anp.exp(z)), overwrite=True)
    yield act
    ACTIVATIONS.pop(name, None)


@pytest.fixture
def mae():
    name = "test_serialization_mae"
    cost = register_cost(name, lambda p, t: anp.mean(anp.abs(p - t)), overwrite=True)
    yield cost
    COSTS.pop(name, None)


@pytest.mark.parametrize("dtype", DTYPES)
def test_registered_custom_activation_and_cost_round_trip(tmp_path, softplus, mae, dtype):
    net = NeuralNetwork(3, [4, 2], [softplus.name, "identity"], cost_fun=mae.name, dtype=dtype)
    save_network(net, tmp_path / "m.safetensors")
    loaded = load_network(tmp_path / "m.safetensors")
    assert loaded.activation_funcs[0] is ACTIVATIONS[softplus.name]
    assert_same_network(net, loaded)
    # Passing the registered function itself resolves to the registry entry too.
    net2 = NeuralNetwork(3, [4, 2], [softplus.fn, "identity"], cost_fun=mae.fn)
    save_network(net2, tmp_path / "m2.safetensors")
    assert_same_network(net2, load_network(tmp_path / "m2.safetensors"))


def test_unregistered_custom_activation_is_refused_with_how_to_register(tmp_path):
    def my_act(z):
        return anp.tanh(z) * 2

    net = NeuralNetwork(3, [4, 2], ["relu", my_act])
    with pytest.raises(ValueError, match=r"activation_funcs\[1\].*'my_act'") as info:
        save_network(net, tmp_path / "m.safetensors")
    assert "nnet.activations.register_activation('my_act', fn)" in str(info.value)
    assert "before loading" in str(info.value)
    assert not (tmp_path / "m.safetensors").exists()


def test_unregistered_custom_cost_is_refused_with_how_to_register(tmp_path):
    def my_cost(p, t):
        return anp.mean((p - t) ** 4)

    with pytest.raises(ValueError, match=r"cost_fun.*nnet\.costs\.register_cost\('my_cost', fn\)"):
        save_network(NeuralNetwork(3, [2], ["identity"], cost_fun=my_cost), tmp_path / "m.st")


def test_function_differing_from_the_registered_one_of_its_name_is_refused(tmp_path, softplus):
    impostor = type(softplus)(softplus.name, lambda z: z, der=lambda z: anp.ones_like(z))
    with pytest.raises(ValueError, match="not registered under that name"):
        save_network(NeuralNetwork(3, [2], [impostor]), tmp_path / "m.safetensors")


def test_loading_names_unregistered_activation_or_cost(tmp_path, softplus, mae, no_construction):
    save_network(NeuralNetwork(3, [2], [softplus.name]), tmp_path / "act.safetensors")
    save_network(NeuralNetwork(3, [2], ["tanh"], cost_fun=mae.name), tmp_path / "cost.safetensors")
    ACTIVATIONS.pop(softplus.name)
    COSTS.pop(mae.name)
    no_construction.clear()  # forget the networks built above to be saved
    assert_refused(
        tmp_path / "act.safetensors", no_construction, match=r"register_activation\('test_serial"
    )
    assert_refused(tmp_path / "cost.safetensors", no_construction, match=r"register_cost\('test_")
    info = describe_file(tmp_path / "act.safetensors")  # describing needs no registration
    assert info["activations"] == [{"name": softplus.name, "params": {}}]


# --------------------------------------------------------------------------- bad files
def header_end(path: Path) -> int:
    return 8 + struct.unpack("<Q", path.read_bytes()[:8])[0]


def test_missing_file_raises_file_not_found(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"nope\.safetensors"):
        load_network(tmp_path / "nope.safetensors")


@pytest.mark.parametrize("where", ["0", "1", "7", "8", "9", "mid_header", "header_end-1",
                                   "header_end", "mid_data", "end-1"])  # fmt: skip
def test_truncated_file_is_refused(tmp_path, saved, no_construction, where):
    data, end = saved.read_bytes(), header_end(saved)
    cuts = {"mid_header": end // 2, "header_end-1": end - 1, "header_end": end,
            "mid_data": (end + len(data)) // 2, "end-1": len(data) - 1}  # fmt: skip
    cut = cuts.get(where) if where in cuts else int(where)
    path = tmp_path / "truncated.safetensors"
    path.write_bytes(data[:cut])
    assert_refused(path, no_construction)


@pytest.mark.parametrize("mask", [0x01, 0x20, 0x80, 0xFF])
def test_any_flipped_byte_in_the_header_is_refused(tmp_path, saved, no_construction, mask):
    data = saved.read_bytes()
    path = tmp_path / "flipped.safetensors"
    for i in range(header_end(saved)):
        corrupted = bytearray(data)
        corrupted[i] ^= mask
        path.write_bytes(bytes(corrupted))
        assert_refused(path, no_construction)


@pytest.mark.parametrize("mask", [0x01, 0x80, 0xFF])
def test_any_flipped_byte_in_the_data_is_refused(tmp_path, saved, no_construction, mask):
    # Without the checksum a flipped data byte would be a valid file with other
    # weights; with it, every flip is caught (and NaN/inf would be refused anyway).
    data = saved.read_bytes()
    path = tmp_path / "flipped.safetensors"
    for i in range(header_end(saved), len(data)):
        corrupted = bytearray(data)
        corrupted[i] ^= mask
        path.write_bytes(bytes(corrupted))
        assert_refused(path, no_construction)


def test_non_finite_weights_in_a_consistent_file_are_refused(tmp_path, saved, no_construction):
    with safetensors.safe_open(str(saved), framework="np") as f:
        meta, arrays = f.metadata(), {k: f.get_tensor(k) for k in f.keys()}
    for bad in (np.nan, np.inf, -np.inf):
        arrays["layers.1.W"] = arrays["layers.1.W"].copy()
        arrays["layers.1.W"][0, 0] = bad
        meta["sha256"] = ser.checksum(meta, arrays)  # a valid checksum: only finiteness is wrong
        path = tmp_path / "nonfinite.safetensors"
        safetensors.numpy.save_file(arrays, str(path), metadata=meta)
        assert_refused(path, no_construction, match="NaN or infinity")


@pytest.mark.parametrize("size", [0, 3, 8, 100, 5000])
def test_random_bytes_are_refused(tmp_path, no_construction, size):
    path = tmp_path / "random.safetensors"
    rng = np.random.default_rng(size)
    for _ in range(20):
        path.write_bytes(rng.bytes(size))
        assert_refused(path, no_construction)
    header = b'{"a": 1}'  # a plausible length prefix followed by JSON that is not ours
    path.write_bytes(struct.pack("<Q", len(header)) + header)
    assert_refused(path, no_construction)


def test_foreign_safetensors_files_are_refused(tmp_path, no_construction):
    path = tmp_path / "foreign.safetensors"
    tensors = {"weight": np.ones((2, 2), np.float32), "ids": np.arange(3)}
    for meta in (None, {"format": "pt"}, {"format": "nnet"}):
        safetensors.numpy.save_file(tensors, str(path), metadata=meta)
        assert_refused(path, no_construction)
    safetensors.numpy.save_file({"weight": np.ones(2)}, str(path))
    assert_refused(path, no_construction, match="not an nnet model file")


def test_newer_format_version_is_refused_with_upgrade_advice(tmp_path, saved, no_construction):
    newer = rewrite(saved, tmp_path / "v2.safetensors", format_version=str(FORMAT_VERSION + 1))
    err = assert_refused(newer, no_construction, match="upgrade nnet")
    assert f"format version {FORMAT_VERSION + 1}" in str(err)
    for bad in ("0", "-1", "1.0", "one", ""):
        assert_refused(rewrite(saved, tmp_path / "bad.safetensors", format_version=bad), [])


@pytest.mark.parametrize(
    "changes",
    [
        {"layer_output_sizes": "[5, 4, 3]"},  # shapes no longer match the tensors
        {"layer_output_sizes": "[5, 4]"},
        {"network_input_size": "4"},
        {"network_input_size": "true"},
        {"dtype": "float32"},
        {"dtype": "int8"},
        {"dtype": '"float64"'},
        {"activations": '[{"name": "relu", "params": {}}]'},
        {"activations": '[{"name": "relu"}, {"name": "relu"}, {"name": "softmax"}]'},
        {"activations": json.dumps([{"name": "relu", "params": {"alpha": 0.1}}] * 3)},
        {"activations": json.dumps([{"name": "relu", "params": {}}] * 3)},  # relu + cross_entropy
        {"cost": "no_such_cost"},
        {"cost": ""},
        {"l2": "-1.0"},
        {"l2": "NaN"},
        {"l1": "1e400"},
        {"regularize_bias": "1"},
        {"extra": "[1, 2]"},
        {"extra": "{"},
        {"kind": "optimizer"},
        {"kind": "pickle"},
        {"kind": None},
        {"l1": None},
        {"format": "nnetx"},
    ],
)
def test_inconsistent_metadata_is_refused(tmp_path, saved, no_construction, changes):
    path = rewrite(saved, tmp_path / "tampered.safetensors", **changes)
    assert_refused(path, no_construction)


def test_pickle_files_are_refused_and_never_unpickled(tmp_path, no_construction):
    sentinel = tmp_path / "pwned"

    class Exploit:
        def __reduce__(self):
            return (os.mkdir, (str(sentinel),))

    for payload in ({"layers": [1, 2]}, Exploit()):
        for protocol in range(pickle.HIGHEST_PROTOCOL + 1):
            path = tmp_path / "model.safetensors"
            path.write_bytes(pickle.dumps(payload, protocol=protocol))
            assert_refused(path, no_construction)
    assert not sentinel.exists()


@pytest.mark.parametrize("module", [ser, safetensors_io], ids=lambda m: m.__name__)
def test_module_never_imports_an_unpickler(module):
    tree = ast.parse(inspect.getsource(module))
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            imported.add(node.module.split(".")[0])
    assert imported.isdisjoint({"pickle", "dill", "cloudpickle", "joblib", "marshal", "shelve"})
    names = {ast.unparse(n.func) for n in ast.walk(tree) if isinstance(n, ast.Call)}
    assert names.isdisjoint({"eval", "exec", "np.load", "numpy.load", "__import__"})


def test_loading_the_wrong_kind_of_file_is_refused(tmp_path, saved, no_construction):
    opt_path = tmp_path / "opt.safetensors"
    save_optimizer_state(Adam(), opt_path)
    assert_refused(opt_path, no_construction, match="'optimizer', not 'network'")
    assert_refused(saved, no_construction, load=load_optimizer_state, match="not 'optimizer'")


# --------------------------------------------------------------------------- describe_file
def test_describe_file_reports_the_architecture(saved):
    info = describe_file(saved)
    net = load_network(saved)
    assert info["file"] == str(saved) and info["kind"] == "network"
    assert info["format_version"] == FORMAT_VERSION
    assert info["network_input_size"] == 3 and info["layer_output_sizes"] == [5, 4, 2]
    assert [a["name"] for a in info["activations"]] == ["relu", "relu", "softmax"]
    assert (info["cost"], info["dtype"]) == ("cross_entropy", "float64")
    assert (info["l1"], info["l2"]) == (0.0, 0.01)
    assert info["regularize_bias"] is False
    assert info["n_params"] == net.n_params
    json.dumps(info)  # printable as JSON by `nnet info`


def test_describe_file_refuses_bad_files_too(tmp_path, saved):
    path = tmp_path / "cut.safetensors"
    path.write_bytes(saved.read_bytes()[:-5])
    with pytest.raises(ModelFileError, match=r"cut\.safetensors"):
        describe_file(path)


# --------------------------------------------------------------------------- optimizer state
def grads_for(dtype, rng):
    return [(rng.normal(size=(3, 4)).astype(dtype), rng.normal(size=4).astype(dtype)),
            (rng.normal(size=(4, 2)).astype(dtype), rng.normal(size=2).astype(dtype))]  # fmt: skip


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("n_steps", [0, 3])
@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_optimizer_state_round_trip_gives_identical_next_steps(tmp_path, name, n_steps, dtype):
    rng = np.random.default_rng(0)
    params = grads_for(dtype, rng)
    opt = OPTIMIZERS[name](learning_rate=StepDecay(0.05, drop=0.5, every=2))
    opt.set_epoch(3)
    for _ in range(n_steps):
        opt.step(grads_for(dtype, rng), params)
    path = tmp_path / "opt.safetensors"
    save_optimizer_state(opt, path)
    before = path.read_bytes()
    resumed = load_optimizer_state(path)
    assert path.read_bytes() == before
    assert type(resumed) is type(opt) and repr(resumed) == repr(opt)
    assert (resumed.t, resumed.epoch) == (opt.t, opt.epoch)
    for _ in range(3):
        grads = grads_for(dtype, rng)
        for (a, b), (c, d) in zip(
            opt.step(grads, params), resumed.step(grads, params), strict=True
        ):
            assert a.dtype == c.dtype and np.array_equal(a, c) and np.array_equal(b, d)
    assert describe_file(path)["optimizer"] == name


def test_optimizer_with_non_default_hyperparameters_round_trips(tmp_path):
    opt = OPTIMIZERS["momentum"](learning_rate=0.3, momentum=0.5, nesterov=True)
    save_optimizer_state(opt, tmp_path / "o.safetensors")
    assert repr(load_optimizer_state(tmp_path / "o.safetensors")) == repr(opt)


def test_unsavable_optimizers_are_refused(tmp_path):
    class Custom(Optimizer):
        def update(self, grad, state, learning_rate):
            return -learning_rate * grad

    with pytest.raises(
        ValueError, match=r"nnet\.optimizers\.register_optimizer\('custom', Custom\)"
    ):
        save_optimizer_state(Custom(), tmp_path / "o.safetensors")
    with pytest.raises(ValueError, match="SCHEDULES"):
        save_optimizer_state(Adam(learning_rate=LambdaSchedule(lambda e: 0.1)), tmp_path / "o.st")
    with pytest.raises(TypeError, match="Optimizer"):
        save_optimizer_state(object(), tmp_path / "o.safetensors")  # type: ignore[arg-type]
    assert list(tmp_path.iterdir()) == []


def test_corrupted_or_unregistered_optimizer_files_are_refused(tmp_path, monkeypatch):
    opt = Adam()
    opt.step(grads_for(np.float64, np.random.default_rng(0)))
    path = tmp_path / "opt.safetensors"
    save_optimizer_state(opt, path)
    data = path.read_bytes()
    bad = tmp_path / "bad.safetensors"
    for i in range(0, len(data), 7):
        corrupted = bytearray(data)
        corrupted[i] ^= 0xFF
        bad.write_bytes(bytes(corrupted))
        assert_refused(bad, [], load=load_optimizer_state)
    monkeypatch.delitem(OPTIMIZERS, "adam")
    assert_refused(
        path, [], load=load_optimizer_state, match=r"register_optimizer\('adam', TheClass\)"
    )
