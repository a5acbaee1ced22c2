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

from collections.abc import Mapping
from typing import Any

import numpy as np

from nnet.files import network_file, safetensors_io
from nnet.files.safetensors_io import PathLike, fail, lookup, read, scalar, write
from nnet.files.safetensors_io import checksum as checksum  # tests re-sign tampered files with it
from nnet.network import NeuralNetwork
from nnet.optimizers import OPTIMIZERS, Optimizer
from nnet.schedules import SCHEDULES, Schedule
from nnet.utils.docstrings import fill_doc
from nnet.utils.errors import ModelFileError

__all__ = [
    "FORMAT_VERSION",
    "ModelFileError",
    "describe_file",
    "load_network",
    "load_optimizer_state",
    "save_network",
    "save_optimizer_state",
]

FORMAT_VERSION = safetensors_io.FORMAT_VERSION
"""The format version written; files of this version or older are read."""


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
        JSON data to keep beside the model (e.g. feature names, class labels,
        input scaling); :func:`describe_file` returns it as ``"extra"``. String
        keys only; ``None``, bools, ints, finite floats, strings, lists and
        mappings, at most 32 levels deep and 10 MB of JSON. The keys the ``nnet``
        command writes are checked against the network, here and on loading:
        ``features``, ``mean`` and ``scale`` (one entry per input), ``classes``
        (one label per output, or ``[]`` for one output of values), ``target``
        (str) and ``task``.

    Raises
    ------
    TypeError
        If ``net`` is not a :class:`~nnet.network.NeuralNetwork`.
    ValueError
        If an activation or the cost is a custom function not registered under
        its name (the message says how to register it), a weight is not finite,
        or ``extra`` is not as described above (the message says where).

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
    if not isinstance(net, NeuralNetwork):
        raise TypeError(f"net must be a NeuralNetwork, got {type(net).__name__}")
    network_file.save(net, path, extra)


@fill_doc(sections=network_file.LOAD_SECTIONS)
def load_network(path: PathLike) -> NeuralNetwork:
    """Load a network saved by :func:`save_network`, bit-exact.

    The whole file is validated and its activations and cost are looked up
    before the network is built, so a bad file never yields a half-loaded
    network. The file is only read, and only if it is a regular file; the
    header is checked against the file's size before the tensors are read,
    and loading needs about twice the file's size in memory at its peak.

    {sections}

    Raises
    ------
    FileNotFoundError
        If ``path`` does not exist.
    ModelFileError
        If the file is not a regular file (a FIFO, device or directory), not an
        nnet network file, is corrupted, truncated or of a newer format version,
        holds an ``extra`` that disagrees with its network, or names an
        activation or cost not registered in this process (the message says
        how to register it).

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
    total parameters: 67 (l1=0.0, l2=0.1), kernels=numpy
    """
    return network_file.load(path, NeuralNetwork)


def _encode_config(key: str, value: Any) -> Any:
    if not isinstance(value, Schedule):
        return scalar(value, f"optimizer hyperparameter {key}")
    name = next((k for k, cls in SCHEDULES.items() if cls is type(value)), None)
    if name is None:
        raise ValueError(f"{key}={value!r} cannot be saved: use a number or a SCHEDULES schedule")
    return {"schedule": name, "config": {k: scalar(v, k) for k, v in value.get_config().items()}}


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
    >>> opt = Adam(learning_rate=0.01)
    >>> _ = opt.step([(np.ones((2, 3)), np.ones(3))])  # Adam's moments now hold state
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     save_optimizer_state(opt, os.path.join(tmp, "adam.safetensors"))
    ...     info = describe_file(os.path.join(tmp, "adam.safetensors"))
    >>> info["optimizer"], info["state"]["t"], info["n_values"]  # 2 x (6 + 3) moment values
    ('adam', 1, 18)
    """
    if not isinstance(optimizer, Optimizer):
        raise TypeError(f"optimizer must be an Optimizer, got {type(optimizer).__name__}")
    cls = type(optimizer)
    name = next((k for k, c in OPTIMIZERS.items() if c is cls), None)
    if name is None:
        raise ValueError(
            f"{cls.__name__} is not in nnet.optimizers.OPTIMIZERS, so a file cannot name it; "
            f"before saving, and again before loading, register it: "
            f"nnet.optimizers.register_optimizer({cls.__name__.lower()!r}, {cls.__name__})"
        )
    config = {k: _encode_config(k, v) for k, v in optimizer.get_config().items()}
    arrays, state = optimizer.state_dict()
    if not all(np.isfinite(a).all() for a in arrays.values()):
        raise ValueError(f"the {cls.__name__} state contains NaN or infinity; not saved")
    write(path, "optimizer", arrays, {"optimizer": name, "config": config, "state": state})


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
    path, spec, arrays = read(path, "optimizer")
    how = f"nnet.optimizers.register_optimizer({spec['optimizer']!r}, TheClass)"
    cls = lookup(path, OPTIMIZERS, spec["optimizer"], "optimizer", how)
    try:
        config = {
            k: SCHEDULES[v["schedule"]](**v["config"]) if isinstance(v, dict) else v
            for k, v in spec["config"].items()
        }
        optimizer = cls(**config)
        optimizer.load_state_dict(arrays, spec["state"])
    except (KeyError, TypeError, ValueError) as err:
        raise fail(path, f"it holds optimizer state nnet cannot restore ({err!r})") from None
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
    >>> from nnet import NeuralNetwork
    >>> net = NeuralNetwork(4, [8, 3], ["elu", "softmax"], cost_fun="cross_entropy")
    >>> import os, tempfile
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     path = os.path.join(tmp, "model.safetensors")
    ...     save_network(net, path)
    ...     info = describe_file(path)
    >>> info["kind"], info["layer_output_sizes"], info["activations"][0], info["n_params"]
    ('network', [8, 3], {'name': 'elu', 'params': {'alpha': 1.0}}, 67)
    """
    path, spec, arrays = read(path, None)
    n_values = sum(a.size for a in arrays.values())
    extra = {"n_params": n_values} if spec["kind"] == "network" else {}
    return {"file": str(path), **spec, "n_values": n_values, **extra}
