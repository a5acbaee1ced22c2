"""The grid of a sweep: its keys, its models in product order, and its groups of equal shapes.

A grid maps keys to lists of values; its models are the combinations in
:func:`itertools.product` order. Keys are of three kinds:

* **network keys** (:data:`NETWORK_KEYS`) keep the shapes: each model's network is
  ``template.clone(l1=..., l2=..., seed=..., init=...)``;
* **optimizer keys**: the constructor parameters of the optimizer
  (``learning_rate``, ``momentum``, ``beta1``, ...);
* **group keys** (:data:`GROUP_KEYS`) change the shapes or the loop; models that
  share their values form one *group*, trained as one stack.

Every value is checked here, with the library's own constructors, before anything
is trained.
"""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

import numpy as np

from nnet._validation import check_inputs, check_positive_int, check_targets
from nnet.activations import Activation
from nnet.network import NeuralNetwork
from nnet.optimizers import Optimizer, get_optimizer

__all__ = [
    "GROUP_KEYS",
    "NETWORK_KEYS",
    "Group",
    "Plan",
    "make_network",
    "make_optimizer",
    "make_plan",
]

NETWORK_KEYS = ("l1", "l2", "seed", "init")
"""Grid keys passed to the network's constructor; they keep its shapes."""

GROUP_KEYS = ("layer_output_sizes", "activation_funcs", "batch_size", "epochs", "optimizer")
"""Grid keys that change the shapes or the loop: each combination of them is one group."""


# ----------------------------------------------------------------------------- one model
def make_network(template: NeuralNetwork, net_params: Mapping[str, Any]) -> NeuralNetwork:
    """A network with the template's architecture and ``net_params`` (l1, l2, seed, init).

    Without ``seed`` or ``init`` it starts from the template's current weights;
    with either, it is initialized as the constructor would (``seed=None`` is fresh
    randomness).
    """
    net = template.clone(**net_params)
    if "seed" not in net_params and "init" not in net_params:  # a network's weights are finite
        net.parameters.replace(template.parameters.vector.copy())
    return net


def make_optimizer(optimizer: Optimizer, opt_params: Mapping[str, Any]) -> Optimizer:
    """A fresh optimizer of ``optimizer``'s class and hyperparameters, updated by ``opt_params``."""
    return type(optimizer)(**{**optimizer.get_config(), **opt_params})


# ----------------------------------------------------------------------------- the plan
@dataclasses.dataclass
class Group:
    """Models of the same shapes and loop: one stack for the engine."""

    network: NeuralNetwork
    optimizer: Optimizer
    batch_size: int | None
    epochs: int
    indices: list[int]  # positions of the models in product order
    models: list[tuple[dict[str, Any], dict[str, Any]]]  # (net_params, opt_params)

    def split(self, parts: int) -> list[Group]:
        """The group as ``parts`` groups of consecutive models, the larger first (as
        :func:`numpy.array_split`)."""
        size, larger = divmod(len(self.models), parts)
        bounds = [part * size + min(part, larger) for part in range(parts + 1)]
        return [
            dataclasses.replace(self, indices=self.indices[a:b], models=self.models[a:b])
            for a, b in itertools.pairwise(bounds)
        ]


@dataclasses.dataclass
class Plan:
    """The checked grid: every model's parameters in product order, and the groups."""

    grid: dict[str, list[Any]]
    params: list[dict[str, Any]]
    groups: list[Group]


def make_plan(
    template: Any,
    optimizer: Any,
    grid: Any,
    *,
    epochs: Any,
    batch_size: Any,
    seed: int | None,
) -> Plan:
    """Check the template, the optimizer(s) and every grid value; split the models into groups."""
    if not isinstance(template, NeuralNetwork):
        raise TypeError(f"network must be a NeuralNetwork (the template), got {template!r:.80}")
    values = _check_grid(grid)
    optimizers = _optimizers(optimizer, values)
    _check_keys(values, optimizers)
    epochs_values = values.get("epochs", [epochs])
    for i, value in enumerate(epochs_values):
        check_positive_int(value, "epochs" if "epochs" not in values else f"grid['epochs'][{i}]")
    for i, value in enumerate(values.get("batch_size", [batch_size])):
        if value is not None:
            name = "batch_size" if "batch_size" not in values else f"grid['batch_size'][{i}]"
            check_positive_int(value, name)
    _check_model_values(template, optimizers, values)
    networks = _group_networks(template, values, seed)
    params, groups = [], {}
    keys = list(values)
    for index, choice in enumerate(itertools.product(*(range(len(v)) for v in values.values()))):
        chosen = dict(zip(keys, choice))  # the position of each key's value
        model = {k: values[k][n] for k, n in chosen.items()}
        params.append(model)
        sizes, acts, _, _, opt = positions = tuple(chosen.get(k, 0) for k in GROUP_KEYS)
        if positions not in groups:
            groups[positions] = Group(
                network=networks[sizes, acts],
                optimizer=optimizers[opt],
                batch_size=model.get("batch_size", batch_size),
                epochs=int(model.get("epochs", epochs)),
                indices=[],
                models=[],
            )
        groups[positions].indices.append(index)
        groups[positions].models.append(_split_params(model))
    return Plan(values, params, list(groups.values()))


def _split_params(model: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """``(net_params, opt_params)`` of a model: the network keys, the optimizer's."""
    net_params = {k: v for k, v in model.items() if k in NETWORK_KEYS}
    opt_params = {k: v for k, v in model.items() if k not in NETWORK_KEYS and k not in GROUP_KEYS}
    return net_params, opt_params


def check_data(groups: Sequence[Group], X: Any, Y: Any, validation_data: Any) -> None:
    """Check the data against every group's network, as :func:`~nnet.training.train` would."""
    seen = set()
    for group in groups:
        net = group.network
        key = (net.network_input_size, net.layer_output_sizes[-1], net.dtype, id(net.cost_fun))
        if key in seen:
            continue
        seen.add(key)
        probabilities = net.cost_fun.probabilities
        n_out = net.layer_output_sizes[-1]
        X_ = check_inputs(X, net.network_input_size, net.dtype, "X")
        check_targets(Y, len(X_), n_out, net.dtype, probabilities, "Y")
        if validation_data is None:
            continue
        if not isinstance(validation_data, (tuple, list)) or len(validation_data) != 2:
            raise TypeError(
                f"validation_data must be a pair (X_val, Y_val), got {validation_data!r:.80}"
            )
        Xv = check_inputs(
            validation_data[0], net.network_input_size, net.dtype, "validation_data[0]"
        )
        check_targets(validation_data[1], len(Xv), n_out, net.dtype, probabilities,
                      "validation_data[1]")  # fmt: skip


# ----------------------------------------------------------------------------- checks
def _check_grid(grid: Any) -> dict[str, list[Any]]:
    if not isinstance(grid, Mapping) or not grid:
        raise TypeError(
            f"grid must be a non-empty dict mapping keys to lists of values, got {grid!r:.80}"
        )
    values: dict[str, list[Any]] = {}
    for key, seq in grid.items():
        if not isinstance(key, str):
            raise TypeError(f"grid keys must be strings, got {key!r}")
        if isinstance(seq, np.ndarray):
            seq = seq.tolist() if seq.ndim == 1 else list(seq)
        if isinstance(seq, (str, bytes, Mapping)) or not isinstance(seq, Sequence):
            raise TypeError(f"grid[{key!r}] must be a list of values, got {seq!r:.80}")
        if len(seq) == 0:
            raise ValueError(f"grid[{key!r}] is empty; give at least one value")
        values[key] = list(seq)
    return values


def _optimizers(optimizer: Any, values: dict[str, list[Any]]) -> list[Optimizer]:
    if "optimizer" in values:
        if optimizer is not None:
            raise ValueError(
                "give the optimizer either as the optimizer argument or as the list "
                "grid['optimizer'], not both (pass optimizer=None)"
            )
        specs = [(f"grid['optimizer'][{i}]", spec) for i, spec in enumerate(values["optimizer"])]
    else:
        specs = [("optimizer", optimizer)]
    built = []
    for name, spec in specs:
        with _naming(name):
            opt = get_optimizer(spec)
        if not isinstance(opt, Optimizer):
            raise TypeError(
                f"{name} must be an optimizer name, an Optimizer subclass or instance (the "
                f"sweep builds one per model from its get_config()), got {spec!r:.80}"
            )
        built.append(opt)
    return built


def _check_keys(values: dict[str, list[Any]], optimizers: list[Optimizer]) -> None:
    configs = [set(opt.get_config()) for opt in optimizers]
    common = set.intersection(*configs)
    for key in values:
        if key in NETWORK_KEYS or key in GROUP_KEYS or key in common:
            continue
        names = ", ".join(f"{type(opt).__name__}: {sorted(opt.get_config())}" for opt in optimizers)
        raise ValueError(
            f"unknown grid key {key!r}: expected a network keyword {list(NETWORK_KEYS)}, "
            f"a key that splits the grid {list(GROUP_KEYS)}, or a hyperparameter of every "
            f"optimizer in the sweep ({names})"
        )


def _check_model_values(
    template: NeuralNetwork, optimizers: list[Optimizer], values: dict[str, list[Any]]
) -> None:
    """Build one network or optimizer per network or optimizer value: their own checks run."""
    for key, seq in values.items():
        for i, value in enumerate(seq):
            with _naming(f"grid[{key!r}][{i}] = {value!r:.40}"):
                if key in NETWORK_KEYS:
                    make_network(template, {key: value})
                elif key not in GROUP_KEYS:
                    for opt in optimizers:
                        make_optimizer(opt, {key: value})


def _group_networks(
    template: NeuralNetwork, values: dict[str, list[Any]], seed: int | None
) -> dict[tuple[int, int], NeuralNetwork]:
    """The template network of each (layer_output_sizes, activation_funcs) pair of values.

    The same shapes as the template: its weights. Other shapes: initialized as
    ``template.clone(layer_output_sizes=..., activation_funcs=..., seed=seed)`` would be.
    """
    sizes_values = values.get("layer_output_sizes", [None])
    acts_values = values.get("activation_funcs", [None])
    nets = {}
    for (i, sizes), (j, acts) in itertools.product(enumerate(sizes_values), enumerate(acts_values)):
        if sizes is None and acts is None:
            nets[i, j] = template
            continue
        name = ", ".join(
            f"grid[{k!r}][{n}] = {v!r:.40}"
            for k, n, v in (("layer_output_sizes", i, sizes), ("activation_funcs", j, acts))
            if v is not None
        )
        with _naming(name):
            shapes = template.layer_output_sizes if sizes is None else sizes
            funcs = _activations(template, shapes, acts)
            same_shapes = tuple(shapes) == template.layer_output_sizes
            net = template.clone(layer_output_sizes=shapes, activation_funcs=funcs, seed=seed)
            if same_shapes:
                net.layers = template.layers
        nets[i, j] = net
    return nets


def _activations(template: NeuralNetwork, sizes: Any, acts: Any) -> list[Any]:
    """One activation per layer; a single activation is the hidden layers', the output's kept."""
    hidden = template.activation_funcs[:-1]
    output = template.activation_funcs[-1]
    n_layers = len(sizes) if isinstance(sizes, Sequence) else 0
    if acts is None:
        if n_layers == len(template.activation_funcs):
            return list(template.activation_funcs)
        if hidden and all(act is hidden[0] for act in hidden):
            return [hidden[0]] * (n_layers - 1) + [output]
        raise ValueError(
            f"layer_output_sizes has {n_layers} layers but the template {len(hidden) + 1}; "
            "add 'activation_funcs' to the grid"
        )
    if isinstance(acts, (str, Activation)) or callable(acts):
        return [acts] * (n_layers - 1) + [output]
    return list(acts) if isinstance(acts, Sequence) else acts


@contextmanager
def _naming(name: str) -> Iterator[None]:
    """Prefix a ValueError or TypeError raised inside with the argument's name."""
    try:
        yield
    except (ValueError, TypeError) as err:
        raise type(err)(f"{name}: {err}") from None
