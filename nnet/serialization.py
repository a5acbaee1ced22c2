"""Safe model files: a network, or an optimizer's state, in one safetensors file.

Arrays are safetensors tensors (``layers.<i>.W``, ``layers.<i>.b``); the rest is
JSON text in the file's metadata. Loading parses JSON and numbers only, so unlike
pickle it never runs code. A file is checked in full (format tag and version,
metadata, tensor names, shapes, dtypes, finite values, SHA-256 checksum) before
anything is built; a bad file raises :class:`ModelFileError` naming it.
Activations, costs and optimizers are stored by registry name: register a custom
one before saving and, in the process that loads, before loading.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import math
import os
import re
import secrets
import struct
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import safetensors.numpy
from safetensors import SafetensorError

from nnet.activations import ACTIVATIONS, Activation
from nnet.costs import COSTS, Cost
from nnet.optimizers import OPTIMIZERS, Optimizer
from nnet.schedules import SCHEDULES, Schedule

if TYPE_CHECKING:
    from nnet.network import NeuralNetwork

__all__ = [
    "FORMAT_VERSION",
    "ModelFileError",
    "describe_file",
    "load_network",
    "load_optimizer_state",
    "save_network",
    "save_optimizer_state",
]

FORMAT = "nnet"
FORMAT_VERSION = 1
"""The format version written; files of this version or older are read."""
PathLike = str | os.PathLike[str]
Arrays = dict[str, np.ndarray]
_DTYPES = {"F32": "float32", "F64": "float64"}  # safetensors name -> numpy name
_MAX_HEADER = 100_000_000  # bytes, the limit safetensors itself enforces
_STATE_KEY = re.compile(r"layer(\d+)\.(W|b)\.(\w+)")  # Optimizer.state_dict's array names


class ModelFileError(ValueError):
    """A file that is not a loadable nnet model file; the message names the file."""


def _fail(path: Path, problem: str) -> ModelFileError:
    return ModelFileError(f"cannot load {str(path)!r}: {problem}")


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a finite number")


def _json(text: str) -> Any:
    """Parse JSON, refusing NaN and Infinity (parse errors are ValueError)."""
    return json.loads(text, parse_constant=_no_constant)


def _is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool) and v > 0


def _is_scalar(v: Any) -> bool:
    return isinstance(v, (bool, int, str)) or (isinstance(v, float) and math.isfinite(v))


def _is_penalty(v: Any) -> bool:
    return _is_scalar(v) and not isinstance(v, (bool, str)) and v >= 0


def _is_activation(e: Any) -> bool:
    if not (isinstance(e, dict) and set(e) == {"name", "params"} and isinstance(e["name"], str)):
        return False
    return isinstance(e["params"], dict) and all(map(_is_scalar, e["params"].values()))


# Each field is stored as text (JSON but for _TEXT_FIELDS) and checked by its predicate.
_TEXT_FIELDS, _OPTIONAL_FIELDS = {"cost", "dtype", "optimizer"}, {"extra"}
_FIELDS: dict[str, dict[str, Callable[[Any], bool]]] = {
    "network": {
        "network_input_size": _is_int,
        "layer_output_sizes": lambda v: isinstance(v, list) and v != [] and all(map(_is_int, v)),
        "activations": lambda v: isinstance(v, list) and all(map(_is_activation, v)),
        "cost": lambda v: isinstance(v, str) and v != "",
        "dtype": lambda v: v in _DTYPES.values(),
        "l1": _is_penalty,
        "l2": _is_penalty,
        "regularize_bias": lambda v: isinstance(v, bool),
        "extra": lambda v: isinstance(v, dict),
    },
    "optimizer": {
        "optimizer": lambda v: isinstance(v, str),
        "config": lambda v: isinstance(v, dict),
        "state": lambda v: isinstance(v, dict) and isinstance(v.get("layout"), str),
    },
}


def _scalar(value: Any, what: str) -> bool | int | float | str:
    """``value`` as a JSON scalar (type kept, so numbers round-trip exactly), or ValueError."""
    value = value.item() if isinstance(value, np.generic) else value
    if _is_scalar(value):
        return value
    raise ValueError(f"{what}={value!r} cannot be saved; expected a finite number, bool or str")


def _checksum(meta: Mapping[str, str], arrays: Mapping[str, np.ndarray]) -> str:
    """SHA-256 of the metadata (but itself) and each tensor's name, dtype, shape and bytes."""
    digest = hashlib.sha256(json.dumps({**meta, "sha256": ""}, sort_keys=True).encode())
    for name in sorted(arrays):
        a = arrays[name]
        digest.update(json.dumps([name, a.dtype.name, a.shape]).encode())
        digest.update(np.ascontiguousarray(a, dtype=a.dtype.newbyteorder("<")).tobytes())
    return digest.hexdigest()


def _write(path: PathLike, kind: str, tensors: Arrays, fields: dict[str, Any]) -> None:
    """Write to a temporary file beside ``path``, then rename it over ``path`` (atomic)."""
    meta = {"format": FORMAT, "format_version": str(FORMAT_VERSION), "kind": kind}
    meta.update(
        {k: v if k in _TEXT_FIELDS else json.dumps(v, allow_nan=False) for k, v in fields.items()}
    )
    meta["sha256"] = _checksum(meta, tensors)
    data = safetensors.numpy.save(tensors, metadata=meta)
    target = Path(path)
    tmp = target.with_name(f".{target.name}.{secrets.token_hex(4)}.tmp")
    try:
        with open(tmp, "xb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)


def _read_checked(path: Path) -> tuple[dict[str, str], Arrays]:
    """Read the file once; check its structure, format, version and checksum."""
    data = path.read_bytes()
    (size,) = struct.unpack("<Q", data[:8]) if len(data) >= 8 else (len(data),)
    if size > min(len(data) - 8, _MAX_HEADER):
        if data[:1] == b"\x80" and data[1:2] in (b"\x02", b"\x03", b"\x04", b"\x05"):
            raise _fail(path, "it is a pickle file; nnet never unpickles (that can run any code)")
        raise _fail(path, "it is not a safetensors file, or it is truncated (header too short)")
    try:
        header = _json(data[8 : 8 + size].decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as err:
        raise _fail(path, f"its safetensors header is corrupted ({err})") from None
    meta = header.get("__metadata__") if isinstance(header, dict) else None
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        raise _fail(path, "it is not an nnet model file (no 'format': 'nnet' metadata)")
    version = meta.get("format_version")
    if not isinstance(version, str) or not re.fullmatch(r"[1-9][0-9]{0,8}", version):
        raise _fail(path, f"its format version {version!r} is invalid")
    if int(version) > FORMAT_VERSION:
        newer = f"format version {version}, newer than the {FORMAT_VERSION} this nnet reads"
        raise _fail(path, f"it has {newer}; upgrade nnet to load it")
    entries = [entry for name, entry in header.items() if name != "__metadata__"]
    if not all(isinstance(entry, dict) and entry.get("dtype") in _DTYPES for entry in entries):
        raise _fail(path, "it holds tensors that are not float32 or float64")
    try:
        arrays = safetensors.numpy.load(data)
    except (SafetensorError, ValueError, TypeError) as err:
        raise _fail(path, f"it is corrupted or truncated ({err})") from None
    if meta.get("sha256") != _checksum(meta, arrays):
        raise _fail(path, "it is corrupted: its SHA-256 checksum does not match its contents")
    return meta, arrays


def _read(path: PathLike, kind: str | None) -> tuple[Path, dict[str, Any], Arrays]:
    """Read and check a whole file of ``kind``; return (path, decoded fields, arrays)."""
    path = Path(path)
    meta, arrays = _read_checked(path)
    if meta.get("kind") not in _FIELDS or kind not in (None, meta["kind"]):
        raise _fail(path, f"it holds {meta.get('kind')!r}, not {kind!r}")
    spec: dict[str, Any] = {"kind": meta["kind"], "format_version": int(meta["format_version"])}
    for key, ok in _FIELDS[meta["kind"]].items():
        if key in _OPTIONAL_FIELDS and key not in meta:
            continue
        try:
            spec[key] = meta[key] if key in _TEXT_FIELDS else _json(meta[key])
        except (KeyError, ValueError, RecursionError):
            spec[key] = None
        if spec[key] is None or not ok(spec[key]):
            raise _fail(path, f"its metadata field {key!r} is missing or invalid")
    expected = _network_tensors(spec) if meta["kind"] == "network" else _state_tensors(spec, arrays)
    if expected is None or set(arrays) != set(expected):
        raise _fail(path, f"its tensors {sorted(arrays)} do not match its metadata")
    for name, (shape, dtype) in expected.items():
        a = arrays[name]
        if a.shape != tuple(shape) or a.dtype.name != dtype:
            raise _fail(path, f"tensor {name!r} is {a.dtype} {a.shape}, expected {dtype} {shape}")
        if not np.isfinite(a).all():
            raise _fail(path, f"tensor {name!r} contains NaN or infinity")
    return path, spec, arrays


def _network_tensors(spec: dict[str, Any]) -> dict[str, Any] | None:
    """Expected ``{name: (shape, dtype)}`` of a network's tensors; None if inconsistent."""
    if len(spec["activations"]) != len(spec["layer_output_sizes"]):
        return None
    sizes, dtype = [spec["network_input_size"], *spec["layer_output_sizes"]], spec["dtype"]
    expected: dict[str, Any] = {}
    for i, (n_in, n_out) in enumerate(itertools.pairwise(sizes)):
        expected[f"layers.{i}.W"] = ((n_in, n_out), dtype)
        expected[f"layers.{i}.b"] = ((n_out,), dtype)
    return expected


def _state_tensors(spec: dict[str, Any], arrays: Arrays) -> dict[str, Any] | None:
    """Expected ``{name: (shape, dtype)}`` of an optimizer's state arrays, from its layout."""
    try:
        layout_json = spec["state"]["layout"]
        layout = [(tuple(s), str(d)) for s, d in _json(layout_json)] if layout_json else []
    except (TypeError, ValueError, RecursionError):
        return None
    matches = {key: _STATE_KEY.fullmatch(key) for key in arrays}
    slots = {k: 2 * int(m[1]) + (m[2] == "b") if m else len(layout) for k, m in matches.items()}
    if any(slot >= len(layout) for slot in slots.values()):
        return None
    return {key: layout[slot] for key, slot in slots.items()}


def _registered(where: str, obj: Activation | Cost, registry: Mapping[str, Any]) -> str:
    """``obj.name`` if the registry holds these very functions under it, else ValueError."""
    entry = registry.get(obj.name)
    attrs = ("fn", "der", "vjp") if isinstance(obj, Activation) else ("fn", "der")
    if entry is not None and all(getattr(entry, a) is getattr(obj, a) for a in attrs):
        return obj.name
    how = "costs.register_cost" if isinstance(obj, Cost) else "activations.register_activation"
    raise ValueError(
        f"{where} is {obj.name!r}, a custom function not registered under that name, so a file "
        f"cannot name it. Before saving, and again before loading, register it with "
        f"nnet.{how}({obj.name!r}, fn) and build the network with the name {obj.name!r}"
    )


def _lookup(path: Path, registry: Mapping[str, Any], name: str, what: str, how: str) -> Any:
    if name not in registry:
        problem = f"it uses the {what} {name!r}, which is not registered in this process"
        raise _fail(path, f"{problem}; register it before loading: {how}")
    return registry[name]


def save_network(
    net: NeuralNetwork, path: PathLike, *, extra: Mapping[str, Any] | None = None
) -> None:
    """Save a network's architecture and weights to a safetensors file.

    Parameters
    ----------
    net : NeuralNetwork
        Weights ``W`` of shape (n_in, n_out) and ``b`` of shape (n_out,) per
        layer; its activations and cost must be registered by name.
    path : str or os.PathLike
        The file (conventionally ``*.safetensors``), replaced atomically: an
        interrupted save never leaves a half-written model.
    extra : mapping, optional
        JSON-serializable data to keep beside the model (e.g. feature names,
        class labels, input scaling); :func:`describe_file` returns it as ``"extra"``.

    Raises
    ------
    TypeError
        If ``net`` is not a :class:`~nnet.network.NeuralNetwork`.
    ValueError
        If an activation or the cost is a custom function not registered under
        its name (the message says how to register it), a weight is not finite,
        or ``extra`` is not JSON-serializable with finite numbers.

    Examples
    --------
    >>> import os, tempfile
    >>> from nnet import NeuralNetwork
    >>> net = NeuralNetwork(2, [3, 1], ["relu", "sigmoid"], cost_fun="binary_cross_entropy")
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     save_network(net, os.path.join(tmp, "model.safetensors"))
    ...     loaded = load_network(os.path.join(tmp, "model.safetensors"))
    >>> X = np.array([[0.5, -1.0]])
    >>> bool(np.array_equal(loaded.predict(X), net.predict(X)))
    True
    """
    from nnet.network import NeuralNetwork

    if not isinstance(net, NeuralNetwork):
        raise TypeError(f"net must be a NeuralNetwork, got {type(net).__name__}")
    activations = [
        {
            "name": _registered(f"activation_funcs[{i}]", act, ACTIVATIONS),
            "params": {k: _scalar(v, f"{act.name} {k}") for k, v in act.params.items()},
        }
        for i, act in enumerate(net.activation_funcs)
    ]
    cost = _registered("cost_fun", net.cost_fun, COSTS)
    tensors: Arrays = {}
    for i, (W, b) in enumerate(net.layers):
        tensors[f"layers.{i}.W"], tensors[f"layers.{i}.b"] = W.copy(), b.copy()
    if not all(np.isfinite(a).all() for a in tensors.values()):
        raise ValueError("the weights contain NaN or infinity (did training diverge?); not saved")
    fields = {
        "network_input_size": net.network_input_size,
        "layer_output_sizes": list(net.layer_output_sizes),
        "activations": activations,
        "cost": cost,
        "dtype": net.dtype.name,
        "l1": net.l1,
        "l2": net.l2,
        "regularize_bias": net.regularize_bias,
    }
    if extra is not None:
        try:
            fields["extra"] = _json(json.dumps(dict(extra), allow_nan=False))
        except (TypeError, ValueError) as err:
            raise ValueError(
                f"extra must be JSON-serializable, finite numbers only ({err})"
            ) from None
    _write(path, "network", tensors, fields)


def load_network(path: PathLike) -> NeuralNetwork:
    """Load a network saved by :func:`save_network`, bit-exact.

    The whole file is validated and its activations and cost are looked up
    before the network is built, so a bad file never yields a half-loaded
    network. The file is only read.

    Parameters
    ----------
    path : str or os.PathLike
        A file written by :func:`save_network`.

    Returns
    -------
    NeuralNetwork
        The saved architecture, dtype, penalties and weights (not ``init``).

    Raises
    ------
    FileNotFoundError
        If ``path`` does not exist.
    ModelFileError
        If the file is not an nnet network file, is corrupted, truncated or of
        a newer format version, or names an activation or cost not registered
        in this process (the message says how to register it).

    Examples
    --------
    >>> import os, tempfile
    >>> from nnet import NeuralNetwork
    >>> net = NeuralNetwork(4, [8, 3], ["leaky_relu", "softmax"], cost_fun="cross_entropy", l2=0.1)
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     save_network(net, os.path.join(tmp, "model.safetensors"))
    ...     print(load_network(os.path.join(tmp, "model.safetensors")).summary())
    NeuralNetwork: 4 -> 8 -> 3, cost=cross_entropy, dtype=float64
    layer  W shape  b shape  activation  params
    1      (4, 8)   (8,)     leaky_relu      40
    2      (8, 3)   (3,)     softmax         27
    total parameters: 67 (l1=0.0, l2=0.1)
    """
    from nnet.network import NeuralNetwork

    path, spec, arrays = _read(path, "network")
    found = []
    for i, entry in enumerate(spec["activations"]):
        how = f"nnet.activations.register_activation({entry['name']!r}, fn)"
        found.append(_lookup(path, ACTIVATIONS, entry["name"], f"activation (layer {i})", how))
    how = f"nnet.costs.register_cost({spec['cost']!r}, fn)"
    cost = _lookup(path, COSTS, spec["cost"], "cost", how)
    try:
        params = [entry["params"] for entry in spec["activations"]]
        acts = [act.with_params(**p) if p else act for act, p in zip(found, params)]
        options = {k: spec[k] for k in ("l1", "l2", "regularize_bias", "dtype")}
        sizes = spec["network_input_size"], spec["layer_output_sizes"]
        net = NeuralNetwork(*sizes, acts, cost_fun=cost, **options, seed=0)
        net.layers = [(arrays[f"layers.{i}.W"], arrays[f"layers.{i}.b"]) for i in range(len(acts))]
    except (TypeError, ValueError) as err:
        raise _fail(path, f"it describes a network nnet cannot build ({err})") from None
    return net


def _encode_config(key: str, value: Any) -> Any:
    if not isinstance(value, Schedule):
        return _scalar(value, f"optimizer hyperparameter {key}")
    name = next((k for k, cls in SCHEDULES.items() if cls is type(value)), None)
    if name is None:
        raise ValueError(f"{key}={value!r} cannot be saved: use a number or a SCHEDULES schedule")
    return {"schedule": name, "config": {k: _scalar(v, k) for k, v in value.get_config().items()}}


def save_optimizer_state(optimizer: Optimizer, path: PathLike) -> None:
    """Save an optimizer's class, hyperparameters and state (moments, step count, epoch).

    Parameters
    ----------
    optimizer : Optimizer
        An instance of a class in :data:`nnet.optimizers.OPTIMIZERS`, with a
        number or a :data:`nnet.schedules.SCHEDULES` schedule as learning rate;
        its state arrays have the shapes of the parameters.
    path : str or os.PathLike
        The file, replaced atomically.

    Raises
    ------
    TypeError
        If ``optimizer`` is not an :class:`~nnet.optimizers.Optimizer`.
    ValueError
        If its class is not in ``OPTIMIZERS`` (the message says how to add
        it), its learning rate is a function, or its state is not finite.

    Examples
    --------
    >>> import os, tempfile
    >>> from nnet.optimizers import Adam
    >>> opt, grads = Adam(learning_rate=0.01), [(np.ones((2, 3)), np.ones(3))]
    >>> _ = opt.step(grads)
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     save_optimizer_state(opt, os.path.join(tmp, "adam.safetensors"))
    ...     resumed = load_optimizer_state(os.path.join(tmp, "adam.safetensors"))
    >>> resumed, resumed.t
    (Adam(learning_rate=0.01, beta1=0.9, beta2=0.999, eps=1e-08), 1)
    """
    if not isinstance(optimizer, Optimizer):
        raise TypeError(f"optimizer must be an Optimizer, got {type(optimizer).__name__}")
    cls = type(optimizer)
    name = next((k for k, c in OPTIMIZERS.items() if c is cls), None)
    if name is None:
        raise ValueError(
            f"{cls.__name__} is not in nnet.optimizers.OPTIMIZERS, so a file cannot name it; "
            f"before saving, and again before loading, register it: "
            f"nnet.optimizers.OPTIMIZERS[{cls.__name__.lower()!r}] = {cls.__name__}"
        )
    config = {k: _encode_config(k, v) for k, v in optimizer.get_config().items()}
    arrays, state = optimizer.state_dict()
    if not all(np.isfinite(a).all() for a in arrays.values()):
        raise ValueError(f"the {cls.__name__} state contains NaN or infinity; not saved")
    _write(path, "optimizer", arrays, {"optimizer": name, "config": config, "state": state})


def load_optimizer_state(path: PathLike) -> Optimizer:
    """Rebuild an optimizer saved by :func:`save_optimizer_state`, ready to resume.

    It is built from its registry name and hyperparameters, then given its state
    by ``load_state_dict``, after the whole file is validated; its next steps
    are those the saved optimizer would have taken.

    Parameters
    ----------
    path : str or os.PathLike
        A file written by :func:`save_optimizer_state`.

    Returns
    -------
    Optimizer

    Raises
    ------
    FileNotFoundError, ModelFileError
        As :func:`load_network`; also if the optimizer class is not registered.

    Examples
    --------
    >>> import os, tempfile
    >>> from nnet.optimizers import Momentum
    >>> opt, grads = Momentum(learning_rate=0.1), [(np.ones((1, 2)), np.ones(2))]
    >>> _ = opt.step(grads)
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     save_optimizer_state(opt, os.path.join(tmp, "momentum.safetensors"))
    ...     resumed = load_optimizer_state(os.path.join(tmp, "momentum.safetensors"))
    >>> bool(np.array_equal(resumed.step(grads)[0][0], opt.step(grads)[0][0]))
    True
    """
    path, spec, arrays = _read(path, "optimizer")
    how = f"nnet.optimizers.OPTIMIZERS[{spec['optimizer']!r}] = TheClass"
    cls = _lookup(path, OPTIMIZERS, spec["optimizer"], "optimizer", how)
    try:
        config = {
            k: SCHEDULES[v["schedule"]](**v["config"]) if isinstance(v, dict) else v
            for k, v in spec["config"].items()
        }
        optimizer = cls(**config)
        optimizer.load_state_dict(arrays, spec["state"])
    except (KeyError, TypeError, ValueError) as err:
        raise _fail(path, f"it holds optimizer state nnet cannot restore ({err!r})") from None
    return optimizer


def describe_file(path: PathLike) -> dict[str, Any]:
    """Return what a model file holds, fully validated, without building anything.

    Parameters
    ----------
    path : str or os.PathLike
        A file written by :func:`save_network` or :func:`save_optimizer_state`;
        the names in it need not be registered in this process.

    Returns
    -------
    dict
        ``file``, ``kind`` (``"network"`` or ``"optimizer"``), ``format_version``,
        ``n_values`` (numbers stored), then for a network ``network_input_size``,
        ``layer_output_sizes``, ``activations`` (``[{"name", "params"}, ...]``),
        ``cost``, ``dtype``, ``l1``, ``l2``, ``regularize_bias``, ``n_params``
        (and ``extra`` if it was saved); for an optimizer ``optimizer``, ``config`` and ``state``.

    Raises
    ------
    FileNotFoundError, ModelFileError
        As :func:`load_network`.

    Examples
    --------
    >>> import os, tempfile
    >>> from nnet import NeuralNetwork
    >>> net = NeuralNetwork(4, [8, 3], ["elu", "softmax"], cost_fun="cross_entropy")
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     save_network(net, os.path.join(tmp, "model.safetensors"))
    ...     info = describe_file(os.path.join(tmp, "model.safetensors"))
    >>> info["kind"], info["layer_output_sizes"], info["activations"][0], info["n_params"]
    ('network', [8, 3], {'name': 'elu', 'params': {'alpha': 1.0}}, 67)
    """
    path, spec, arrays = _read(path, None)
    n_values = sum(a.size for a in arrays.values())
    extra = {"n_params": n_values} if spec["kind"] == "network" else {}
    return {"file": str(path), **spec, "n_values": n_values, **extra}
