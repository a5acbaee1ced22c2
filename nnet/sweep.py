"""Studies of many networks in one call: :func:`sweep` trains every model of a grid.

A grid of networks of the same shapes is one network with an extra axis: the
models that share the keys which change shapes or the loop (a *group*) are
trained together as one stack by :func:`train_models`; groups run one
after the other, or in parallel processes through joblib, split so that every
worker has a stack.
"""

from __future__ import annotations

import dataclasses
import itertools
import math
import os
import warnings
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

import numpy as np

from nnet.activations import Activation
from nnet.callbacks import History
from nnet.metrics import get_metric
from nnet.network import NeuralNetwork
from nnet.network import check_data as check_network_data
from nnet.optimizers import Optimizer, get_optimizer, trained_through_step
from nnet.parameters import Layout, ParameterStore
from nnet.study import Study
from nnet.training import DivergenceWarning, Engine, check_metrics, check_validation, train
from nnet.utils.validation import (
    SWEEP_ARGS,
    check_args,
    check_inputs,
    check_positive_int,
    check_targets,
    make_rng,
)
from nnet.utils.validation import is_real as _is_number

__all__ = ["sweep"]

NETWORK_KEYS = ("l1", "l2", "seed", "init")
"""Grid keys passed to the network's constructor; they keep its shapes."""

GROUP_KEYS = ("layer_output_sizes", "activation_funcs", "batch_size", "epochs", "optimizer")
"""Grid keys that change the shapes or the loop: each combination of them is one group."""

SEQUENCE_KEYS = ("layer_output_sizes", "activation_funcs")
"""Grid keys whose values may be lists (one width or activation per layer)."""


# ----------------------------------------------------------------------------- one model
def make_network(
    template: NeuralNetwork, net_params: Mapping[str, Any], seed: int | None = None
) -> NeuralNetwork:
    """A network with the template's architecture and ``net_params`` (l1, l2, seed, init).

    Without ``seed`` or ``init`` it starts from the template's current weights;
    with either, it is initialized as the constructor would, ``init`` without
    ``seed`` from the sweep's ``seed`` (``None`` is fresh randomness).
    """
    if "init" in net_params and "seed" not in net_params:
        net_params = {**net_params, "seed": seed}
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
    _check_size(networks, values, epochs_values)
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
        check_targets(Y, X_.shape[0], n_out, net.dtype, probabilities, "Y")
        if validation_data is None:
            continue
        if not isinstance(validation_data, (tuple, list)) or len(validation_data) != 2:
            raise TypeError(
                f"validation_data must be a pair (X_val, Y_val), got {validation_data!r:.80}"
            )
        Xv = check_inputs(
            validation_data[0], net.network_input_size, net.dtype, "validation_data[0]"
        )
        check_targets(validation_data[1], Xv.shape[0], n_out, net.dtype, probabilities,
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
        values[key] = [_plain(key, i, value) for i, value in enumerate(seq)]
    return values


def _plain(key: str, i: int, value: Any) -> Any:
    """A grid value as plain Python (NumPy numbers become numbers, as ``best()`` returns
    them); an array or a list where one value per model is expected is refused."""
    if isinstance(value, (np.generic, np.ndarray)) and np.ndim(value) == 0:
        return value.item()
    if key in SEQUENCE_KEYS:
        return value.tolist() if isinstance(value, np.ndarray) else value
    if isinstance(value, (np.ndarray, list, tuple)):
        raise ValueError(
            f"grid[{key!r}][{i}] is {type(value).__name__} {value!r:.40}: a grid value is one "
            f"value per model; to sweep several, list them: grid[{key!r}] = [0.1, 0.2]"
        )
    return value


MODEL_BYTES = 4096
"""Bytes a model of a study takes besides its weights and curves (its objects): an estimate."""

CURVE_BYTES = 6 * 32
"""Bytes per epoch of a model's history (six curves of Python floats): an estimate."""


def available_memory() -> int:
    """Bytes this process may use at most: the physical memory, or a lower address-space
    limit (``ulimit -v``)."""
    limit = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    try:
        import resource

        soft, _ = resource.getrlimit(resource.RLIMIT_AS)
    except (ImportError, OSError, ValueError):  # not on this system
        return limit
    return limit if soft == resource.RLIM_INFINITY else min(limit, soft)


def _check_size(
    networks: dict[tuple[int, int], NeuralNetwork],
    values: dict[str, list[Any]],
    epochs: list[int],
) -> None:
    """Refuse a grid whose study (weights, histories and objects) cannot fit in memory,
    before its models are even listed."""
    n_models = math.prod(len(v) for v in values.values())
    shapes = values.get("layer_output_sizes", [None])
    per_shape = n_models // len(shapes)
    weights = sum(networks[i, 0].n_params for i in range(len(shapes))) * per_shape
    itemsize = next(iter(networks.values())).dtype.itemsize
    estimate = weights * itemsize + n_models * (MODEL_BYTES + max(epochs) * CURVE_BYTES)
    limit = available_memory()
    if estimate > limit:
        raise ValueError(
            f"grid makes {n_models:,} models, whose study would take about "
            f"{estimate / 2**30:,.1f} GiB (weights, histories and objects), more than the "
            f"{limit / 2**30:,.1f} GiB of memory available; sweep fewer values at a time"
        )


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


ModelSpec = tuple[dict[str, Any], dict[str, Any]]
"""``(net_params, opt_params)``: network keywords (l1, l2, seed, init) and optimizer kwargs."""

MEMORY_BUDGET = 256 << 20
"""Bytes of buffers a stack may use; a larger one is trained in chunks of models."""

WEIGHT_COPIES = 8
"""Arrays of a stack's size training holds besides the optimizer's state: the models'
networks, the stack, its snapshot, gradient, update, masked update, penalty buffer and
coefficients."""


def train_models(
    template: NeuralNetwork,
    optimizer: Any,
    X: Any,
    Y: Any,
    models: Sequence[ModelSpec],
    *,
    epochs: int,
    batch_size: int | None,
    validation_data: tuple[Any, Any] | None = None,
    metrics: Any = None,
    early_stopping: int | None = None,
    seed: int | None = None,
    progress: bool = False,
    explosion_factor: float | None = 1e4,
) -> tuple[list[NeuralNetwork], list[History]]:
    """Train ``len(models)`` networks of the template's shapes; return them and their histories.

    Model *i* ends as ``train(make_network(template, net_params), make_optimizer(
    optimizer, opt_params), X, Y, ...)`` with the shuffling ``seed`` shared by all
    would leave it. A Ctrl-C stops every model (``stop_reason == "interrupted"``).
    """
    opt = get_optimizer(optimizer)
    if trained_through_step(opt):
        return _one_by_one(template, opt, X, Y, models, epochs, batch_size, validation_data,
                           metrics, early_stopping, seed, explosion_factor)  # fmt: skip
    data = check_network_data(template, X, Y)
    val = check_validation(template, validation_data)
    named_metrics = check_metrics(metrics)
    networks: list[NeuralNetwork | None] = [None] * len(models)
    histories: list[History | None] = [None] * len(models)
    for indices in _stacks(template, opt, models, data, val, batch_size, bool(named_metrics)):
        specs = [models[i] for i in indices]
        nets = [make_network(template, net_params, seed) for net_params, _ in specs]
        sizes = [template.network_input_size, *template.layer_output_sizes]
        layout = Layout(sizes, template.dtype, n_models=len(nets))
        store = ParameterStore(layout, np.stack([net.parameters.vector for net in nets]))
        engine = Engine(
            template, store, _stacked_optimizer(opt, [p for _, p in specs]), data, val,
            named_metrics, batch_size, make_rng(seed, None),
            l1=_per_model([net.l1 for net in nets]), l2=_per_model([net.l2 for net in nets]),
        )  # fmt: skip
        title = f"sweep ({len(nets)} models)" if progress else None
        interrupted = engine.run(epochs, early_stopping, explosion_factor, title)
        for k, (i, net) in enumerate(zip(indices, nets, strict=True)):
            # The store's own finite numbers, in the lone layout: no checks needed.
            net.parameters.replace(store.vector[k].copy())
            networks[i], histories[i] = net, engine.histories[k]
        if interrupted:
            break
    done = [i for i, h in enumerate(histories) if h is not None]
    return [networks[i] for i in done], [histories[i] for i in done]  # type: ignore[misc]


def _one_by_one(
    template: NeuralNetwork,
    opt: Any,
    X: Any,
    Y: Any,
    models: Sequence[ModelSpec],
    *args: Any,
) -> tuple[list[NeuralNetwork], list[History]]:
    """The plain loop, for optimizers that cannot run on a stack."""
    epochs, batch_size, validation_data, metrics, early_stopping, seed, explosion_factor = args
    networks, histories = [], []
    for net_params, opt_params in models:
        net = make_network(template, net_params, seed)
        model_opt = make_optimizer(opt, opt_params) if opt_params else _fresh(opt)
        history = train(
            net, model_opt, X, Y, epochs=epochs, batch_size=batch_size,
            validation_data=validation_data, metrics=metrics, early_stopping=early_stopping,
            seed=seed, explosion_factor=explosion_factor,
        )  # fmt: skip
        networks.append(net)
        histories.append(history)
        if history.stop_reason == "interrupted":
            break
    return networks, histories


def _fresh(opt: Any) -> Any:
    return make_optimizer(opt, {}) if isinstance(opt, Optimizer) else opt


def _stacks(
    template: NeuralNetwork,
    opt: Optimizer,
    models: Sequence[ModelSpec],
    data: tuple[np.ndarray, np.ndarray],
    val: tuple[np.ndarray, np.ndarray] | None,
    batch_size: int | None,
    metrics: bool,
) -> list[list[int]]:
    """Model indices in stacks: one per value of the non-numeric hyperparameters, in chunks."""
    by_key: dict[tuple[Any, ...], list[int]] = {}
    defaults = opt.get_config()
    for i, (_, opt_params) in enumerate(models):
        config = {**defaults, **opt_params}
        key = tuple((k, repr(v)) for k, v in sorted(config.items()) if not _is_number(v))
        by_key.setdefault(key, []).append(i)
    n = data[0].shape[0]
    rows = n if batch_size is None else min(batch_size, n)
    rows = max(rows, 0 if val is None else val[0].shape[0])  # a batch's or validation pass
    widths = sum(template.layer_output_sizes) * 2  # outputs and errors
    seen = n * template.layer_output_sizes[-1] if metrics else 0  # an epoch's predictions
    copies = WEIGHT_COPIES + len(opt.state_names)  # of the weights, per model
    per_model = (rows * widths + seen + copies * template.n_params) * template.dtype.itemsize
    chunk = max(1, MEMORY_BUDGET // per_model)
    return [ids[s : s + chunk] for ids in by_key.values() for s in range(0, len(ids), chunk)]


def _per_model(values: list[float]) -> Any:
    """One number when all models agree, else a (K,) array."""
    return values[0] if len(set(values)) == 1 else np.array(values)


def _stacked_optimizer(opt: Optimizer, opt_params: list[dict[str, Any]]) -> Optimizer:
    """One optimizer of ``opt``'s class whose differing hyperparameters hold one value per
    model, as a (K, 1) column (numbers only: other values split the models into stacks)."""
    keys = sorted({key for params in opt_params for key in params})
    defaults, columns = opt.get_config(), {}
    for key in keys:
        values = [params.get(key, defaults[key]) for params in opt_params]
        same = all(v == values[0] for v in values)
        columns[key] = values[0] if same else np.array(values, dtype=float).reshape(-1, 1)
    return make_optimizer(opt, columns)


GroupResult = tuple[list[NeuralNetwork], list[History]]


def sweep(
    network: NeuralNetwork,
    optimizer: Any,
    X: Any,
    Y: Any,
    grid: Mapping[str, Sequence[Any]],
    *,
    epochs: int = 100,
    batch_size: int | None = 32,
    validation_data: tuple[Any, Any] | None = None,
    metrics: Any = None,
    early_stopping: int | None = None,
    seed: int | None = None,
    n_jobs: int | None = 1,
    progress: bool = False,
) -> Study:
    """Train one network per combination of the grid's values; return the :class:`Study`.

    Parameters
    ----------
    network : NeuralNetwork
        The template: every model has its architecture, cost, penalties, dtype
        and (unless the grid says otherwise) its current weights. It is not modified.
    optimizer : str or Optimizer or None
        The template optimizer: each model gets a fresh one of its class and
        hyperparameters (``type(opt)(**opt.get_config())``), updated by the grid;
        the template's own state is not used. ``None`` when the grid has an
        ``"optimizer"`` list.
    X : array-like of shape (n_samples, network_input_size)
    Y : array-like of shape (n_samples, n_outputs)
        As for :func:`~nnet.training.train`.
    grid : dict of str to list
        Values to combine, in :func:`itertools.product` order (the last key
        varies fastest). Keys:

        * ``l1``, ``l2``, ``seed`` (the initializer's seed), ``init``: the
          network's keywords. Without ``seed`` or ``init`` every model starts from
          the template's weights; with them, each is initialized as
          ``NeuralNetwork(<template's arguments>, seed=..., init=...)`` would be
          (``init`` without ``seed``: with the sweep's ``seed``).
          Every value is one value per model (a number, a name...): an array
          or a list is refused, except as ``layer_output_sizes`` and
          ``activation_funcs`` values. NumPy numbers become Python numbers.
        * the optimizer's constructor parameters: ``learning_rate``,
          ``momentum``, ``beta1``, ``weight_decay``, ...
        * keys that change the shapes or the loop, which split the grid into
          groups trained one after the other: ``layer_output_sizes`` (lists of
          widths), ``activation_funcs`` (lists with one activation per layer, or
          one activation for the hidden layers), ``batch_size``, ``epochs`` and
          ``optimizer`` (names or optimizers). A group whose shapes differ from
          the template's starts as ``NeuralNetwork(..., init=network.init,
          seed=seed)`` would.
    epochs : int, default=100
    batch_size : int or None, default=32
        As for :func:`~nnet.training.train`, unless in the grid.
    validation_data : (X_val, Y_val), optional
    metrics : list of str or callable, optional
    early_stopping : int or None, default=None
        As for :func:`~nnet.training.train`, per model: each model stops (and
        is restored) at its own best epoch.
    seed : int or None, default=None
        The shuffling seed, the same for every model (so each model sees the
        mini-batches its lone :func:`~nnet.training.train` call would), and the
        initialization seed of models whose grid gives ``init`` but no ``seed``
        or other shapes than the template's: with an int, the sweep is
        reproducible whatever the grid holds.
    n_jobs : int or None, default=1
        Stacks trained at once, in joblib worker processes (``-1``: one per core;
        inside ``joblib.parallel_config(backend="dask")``, on a Dask cluster).
        Groups run in parallel; when there are fewer groups than workers, each
        group is split into stacks of consecutive models, one per worker (models
        never interact, so each ends as it would in one stack). The BLAS threads of
        each process are limited to its share of the cores. Worker processes take
        about a second to start on first use, then joblib reuses them: it pays for
        studies that take seconds.
    progress : bool, default=False
        Show a progress bar.

    Returns
    -------
    Study
        The models in product order. Every argument is checked before anything
        is trained; a model that diverges is marked ``"diverged"`` (one
        :class:`~nnet.training.DivergenceWarning` for the whole sweep) while the
        others train on. On Ctrl-C every model is returned, whatever ``n_jobs``
        (``study.interrupted`` is True): those finished as they are, those of
        the stack training then at their last weights, marked ``"interrupted"``,
        and those not started (or training in a worker process, whose work is
        lost with it) at their starting weights, with no epoch, marked
        ``"interrupted"`` too.

    Raises
    ------
    ValueError
        For a bad argument (named), before anything is trained; also for a grid
        whose study would not fit in memory (its number of models and estimated
        bytes are in the message).

    Notes
    -----
    Model *i* ends with the same weights and history as ``train(NeuralNetwork(
    <template's arguments>, **its network params), <optimizer class>(**its optimizer
    params), X, Y, epochs=..., batch_size=..., seed=seed, ...)`` run alone.

    Examples
    --------
    >>> import numpy as np
    >>> from nnet import NeuralNetwork
    >>> from nnet.optimizers import Momentum
    >>> X = np.linspace(-1, 1, 40).reshape(-1, 1)
    >>> net = NeuralNetwork(1, [8, 1], ["tanh", "identity"], seed=0)
    >>> study = sweep(net, Momentum(momentum=0.9), X, X**2, seed=0, epochs=20,
    ...               grid={"learning_rate": [0.01, 0.1], "l2": [0.0, 1e-3]})
    >>> len(study), study.params[1]
    (4, {'learning_rate': 0.01, 'l2': 0.001})
    >>> [h.epochs_run for h in study.histories]
    [20, 20, 20, 20]
    """
    plan = make_plan(network, optimizer, grid, epochs=epochs, batch_size=batch_size, seed=seed)
    check_data(plan.groups, X, Y, validation_data)
    _check_options(metrics, early_stopping, seed, n_jobs)
    run = _GroupRunner(X, Y, validation_data, metrics, early_stopping, seed)
    groups = _spread(plan.groups, _workers(n_jobs))
    results = _run_groups(run, groups, n_jobs, bool(progress))
    return _study(plan, groups, results, early_stopping, seed, validation_data is not None)


def _workers(n_jobs: int | None) -> int:
    """How many processes joblib would run for ``n_jobs`` (in the active backend)."""
    if n_jobs == 1:
        return 1
    import joblib

    with joblib.parallel_config(n_jobs=n_jobs):
        return int(joblib.effective_n_jobs(n_jobs))


def _spread(groups: list[Group], workers: int) -> list[Group]:
    """The groups, split into chunks of models when there are fewer groups than workers.

    Each group gets a share of the workers in proportion to its models (so one
    group, the usual grid of learning rates and penalties, becomes one chunk per worker).
    A chunk trains each of its models as the whole group would: nothing mixes
    across the model axis of a stack.
    """
    if len(groups) >= workers:
        return groups
    total = sum(len(group.models) for group in groups)
    spread = []
    for group in groups:
        parts = min(len(group.models), -(-workers * len(group.models) // total))
        spread.extend(group.split(parts))
    return spread


def _study(
    plan: Plan,
    groups: list[Group],
    results: list[GroupResult],
    early_stopping: int | None,
    seed: int | None,
    validation: bool,
) -> Study:
    """Every model in product order; after a Ctrl-C, those not returned by their stack
    at their starting weights, with no epoch, marked ``"interrupted"``."""
    done: dict[int, tuple[NeuralNetwork, History]] = {}
    for group, (networks, histories) in zip(groups, results):
        done.update(zip(group.indices, zip(networks, histories)))
    monitor = "val_loss" if validation else "train_loss"
    for group in groups:
        for i, (net_params, _) in zip(group.indices, group.models):
            if i not in done:
                unstarted = History(stop_reason="interrupted", monitor=monitor)
                done[i] = make_network(group.network, net_params, seed), unstarted
    histories = [done[i][1] for i in range(len(plan.params))]
    _warn_divergence(histories)
    return Study(
        plan.params, [done[i][0] for i in range(len(plan.params))], histories,
        grid=plan.grid, early_stopping=early_stopping,
        interrupted=any(h.stop_reason == "interrupted" for h in histories),
    )  # fmt: skip


def _check_options(metrics: Any, early_stopping: Any, seed: Any, n_jobs: Any) -> None:
    if metrics is not None:
        specs = [metrics] if isinstance(metrics, str) or callable(metrics) else metrics
        if not isinstance(specs, (list, tuple)):
            raise TypeError(f"metrics must be a list of names or callables, got {metrics!r}")
        for spec in specs:
            get_metric(spec, "metrics")
    check_args(SWEEP_ARGS, {"early_stopping": early_stopping, "n_jobs": n_jobs})
    make_rng(seed, None)


class _GroupRunner:
    """Trains one group (a picklable callable, for joblib's worker processes)."""

    def __init__(
        self,
        X: Any,
        Y: Any,
        validation_data: Any,
        metrics: Any,
        early_stopping: int | None,
        seed: int | None,
    ) -> None:
        self.X, self.Y, self.validation_data = X, Y, validation_data
        self.metrics, self.early_stopping, self.seed = metrics, early_stopping, seed

    def __call__(
        self, group: Group, progress: bool = False, blas_threads: int | None = None
    ) -> GroupResult:
        if blas_threads is None:
            return self._train(group, progress)
        from threadpoolctl import threadpool_limits

        with threadpool_limits(limits=blas_threads, user_api="blas"):
            return self._train(group, progress)

    def _train(self, group: Group, progress: bool) -> GroupResult:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DivergenceWarning)  # one warning for the sweep
            return train_models(
                group.network, group.optimizer, self.X, self.Y, group.models,
                epochs=group.epochs, batch_size=group.batch_size,
                validation_data=self.validation_data, metrics=self.metrics,
                early_stopping=self.early_stopping, seed=self.seed, progress=progress,
            )  # fmt: skip


def _run_groups(
    run: _GroupRunner, groups: list[Group], n_jobs: int | None, progress: bool
) -> list[GroupResult]:
    """Each group's result, in order; on Ctrl-C, those finished (a shorter list)."""
    results: list[GroupResult] = []
    if n_jobs == 1 or len(groups) == 1:
        try:
            for group in groups:
                results.append(run(group, progress))
                if any(h.stop_reason == "interrupted" for h in results[-1][1]):
                    break
        except KeyboardInterrupt:
            pass
        return results
    import joblib

    workers = min(len(groups), _workers(n_jobs))
    threads = max(1, (os.cpu_count() or 1) // workers)
    parallel = joblib.Parallel(n_jobs=n_jobs, return_as="generator", verbose=0)
    bar = _progress_bar(sum(len(g.models) for g in groups)) if progress else None
    try:
        for result in parallel(joblib.delayed(run)(g, False, threads) for g in groups):
            results.append(result)
            if bar is not None:
                bar.update(len(result[0]))
    except KeyboardInterrupt:
        pass
    finally:
        if bar is not None:
            bar.close()
    return results


def _progress_bar(total: int) -> Any:
    from tqdm.auto import tqdm  # on use, as in train

    return tqdm(total=total, desc="sweep", unit="model")


def _warn_divergence(histories: list[History]) -> None:
    diverged = sum(h.stop_reason == "diverged" for h in histories)
    if diverged:
        warnings.warn(
            f"{diverged} of {len(histories)} models diverged; they were stopped at their last "
            "finite weights (stop_reason 'diverged' in study.table()). Try smaller learning rates.",
            DivergenceWarning,
            stacklevel=3,
        )
