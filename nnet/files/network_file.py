"""A network's model file: what :func:`nnet.serialization.save_network` writes and reads.

Below :mod:`nnet.network` in the layering: it works on any object with a network's
attributes, and builds a loaded network with the class it is given, so that
:meth:`NeuralNetwork.save <nnet.network.NeuralNetwork.save>` and ``load`` and the
functions of :mod:`nnet.serialization` share it without importing each other.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import numpy as np

from nnet.activations import ACTIVATIONS, Activation
from nnet.costs import COSTS, Cost
from nnet.files.extra import check_extra
from nnet.files.safetensors_io import Arrays, PathLike, _fail, _read, _scalar, _write, lookup
from nnet.utils.types import Pairs

LOAD_SECTIONS = """
Parameters
----------
path : str or os.PathLike
    A file written by :func:`~nnet.serialization.save_network` or
    :meth:`NeuralNetwork.save <nnet.network.NeuralNetwork.save>`.

Returns
-------
NeuralNetwork
    The saved architecture, dtype, penalties and weights, bit for bit (not ``init``).
"""
"""The ``{sections}`` of the two ways to load a network (see :mod:`nnet.utils.docstrings`)."""


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


def save(net: Any, path: PathLike, extra: Mapping[str, Any] | None) -> None:
    """Write ``net`` (a checked :class:`~nnet.network.NeuralNetwork`) to ``path``."""
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
        n_outputs = net.layer_output_sizes[-1]
        fields["extra"] = check_extra(extra, net.network_input_size, n_outputs)
    _write(path, "network", tensors, fields)


class _SavedWeights:
    """The initializer of a loaded network: hands over the file's arrays, keeping none.

    The constructor copies them into the network's flat vector, so loading needs
    about twice the file's size at its peak, not more.
    """

    def __init__(self, pairs: Pairs) -> None:
        self._pairs = list(pairs[::-1])

    def __call__(self, n_in: int, n_out: int, rng: Any) -> tuple[np.ndarray, np.ndarray]:
        return self._pairs.pop()

    def __repr__(self) -> str:
        return "<weights loaded from a file>"


def load(
    path: PathLike,
    build: Callable[..., Any],
    check: Callable[[Path, dict[str, Any]], None] | None = None,
) -> Any:
    """Read and check the file, then build its network with ``build`` (the network class).

    The file is read once; ``check(path, spec)``, if given, sees its checked metadata
    (``spec["extra"]`` included) before anything is built, and may raise.
    """
    path, spec, arrays = _read(path, "network")
    if check is not None:
        check(path, spec)
    found = []
    for i, entry in enumerate(spec["activations"]):
        how = f"nnet.activations.register_activation({entry['name']!r}, fn)"
        found.append(lookup(path, ACTIVATIONS, entry["name"], f"activation (layer {i})", how))
    how = f"nnet.costs.register_cost({spec['cost']!r}, fn)"
    cost = lookup(path, COSTS, spec["cost"], "cost", how)
    try:
        params = [entry["params"] for entry in spec["activations"]]
        acts = [act.with_params(**p) if p else act for act, p in zip(found, params)]
        options = {k: spec[k] for k in ("l1", "l2", "regularize_bias", "dtype")}
        sizes = spec["network_input_size"], spec["layer_output_sizes"]
        names = [(f"layers.{i}.W", f"layers.{i}.b") for i in range(len(acts))]
        pairs = [(arrays.pop(W), arrays.pop(b)) for W, b in names]  # handed over, not kept
        net = build(*sizes, acts, cost_fun=cost, **options, init=_SavedWeights(pairs))
    except (TypeError, ValueError) as err:
        raise _fail(path, f"it describes a network nnet cannot build ({err})") from None
    return net
