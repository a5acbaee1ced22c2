r"""Training a stack of networks of the same shapes at once: the engine behind :func:`nnet.sweep`.

K networks of the same shapes are one :class:`~nnet._flat.ParameterStore` with a model
axis; one :class:`~nnet._backprop.Backprop` computes all K gradients with batched matrix
products, and one optimizer (its hyperparameters one value per model where they differ)
updates all K in a few whole-array operations. Every model sees the same shuffled
mini-batches, so model *i* follows exactly the path of

    train(make_network(template, net_params), make_optimizer(optimizer, opt_params), X, Y, ...)

run alone (the proof, in ``tests/test_sweep.py``). What happens to one model stays with it:
a model whose loss or weights stop being finite, or whose loss explodes, is frozen and
marked ``"diverged"`` with its last good weights; early stopping freezes each model at its
own best epoch; a Ctrl-C ends all of them as ``"interrupted"``.

Hyperparameters that are not numbers (such as ``nesterov``) split the models into
sub-stacks; an optimizer that is not an :class:`~nnet.optimizers.Optimizer` (any object
with ``step``) trains one model at a time with :func:`~nnet.training.train`; stacks whose
buffers would exceed :data:`MEMORY_BUDGET` bytes are split into chunks.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from nnet._flat import Layout, ParameterStore
from nnet._grid import make_network, make_optimizer
from nnet._validation import is_real as _is_number
from nnet._validation import make_rng
from nnet.callbacks import History
from nnet.network import NeuralNetwork
from nnet.optimizers import Optimizer, get_optimizer, trained_through_step
from nnet.training import Engine, check_metrics, check_validation, train

__all__ = ["MEMORY_BUDGET", "train_models"]

ModelSpec = tuple[dict[str, Any], dict[str, Any]]
"""``(net_params, opt_params)``: network keywords (l1, l2, seed, init) and optimizer kwargs."""

MEMORY_BUDGET = 256 << 20
"""Bytes of per-step buffers a stack may use; a larger one is trained in chunks of models."""


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
    data = template._check_XY(X, Y)
    val = check_validation(template, validation_data)
    named_metrics = check_metrics(metrics)
    networks: list[NeuralNetwork | None] = [None] * len(models)
    histories: list[History | None] = [None] * len(models)
    for indices in _stacks(template, opt, models, data, val, batch_size, bool(named_metrics)):
        specs = [models[i] for i in indices]
        nets = [make_network(template, net_params) for net_params, _ in specs]
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
        net = make_network(template, net_params)
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
    n = len(data[0])
    rows = n if batch_size is None else min(batch_size, n)
    rows = max(rows, n if metrics else 0, 0 if val is None else len(val[0]))  # forward passes
    widths = sum(template.layer_output_sizes) * 2  # outputs and errors
    per_model = max(rows * widths * template.dtype.itemsize, 1)
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
