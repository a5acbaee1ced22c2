"""Training a stack of networks of the same shapes: the engine behind :func:`nnet.sweep.sweep`.

:func:`train_models` is the whole contract between the sweep and its engine. This
version is the *reference*: it trains the models one after the other with
:func:`nnet.training.train`, which is exactly what a stacked engine (one
parameter array with a leading model axis, one backprop, one optimizer step for
all K models) must reproduce, model by model.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from nnet._grid import make_network, make_optimizer
from nnet.callbacks import History
from nnet.network import NeuralNetwork
from nnet.training import train

__all__ = ["train_models"]

ModelSpec = tuple[dict[str, Any], dict[str, Any]]
"""``(net_params, opt_params)``: network keywords (l1, l2, seed, init) and optimizer kwargs."""


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
) -> tuple[list[NeuralNetwork], list[History]]:
    """Train ``len(models)`` networks of the template's shapes; return them and their histories.

    Model *i* is ``train(make_network(template, net_params), make_optimizer(optimizer,
    opt_params), X, Y, ...)`` with the shuffling ``seed`` shared by all. A Ctrl-C
    ends the model being trained (``stop_reason == "interrupted"``) and returns the
    models trained so far, that one included: fewer than asked.
    """
    networks: list[NeuralNetwork] = []
    histories: list[History] = []
    bar = _progress_bar(len(models)) if progress else None
    try:
        for net_params, opt_params in models:
            net = make_network(template, net_params)
            history = train(
                net, make_optimizer(optimizer, opt_params), X, Y, epochs=epochs,
                batch_size=batch_size, validation_data=validation_data, metrics=metrics,
                early_stopping=early_stopping, seed=seed,
            )  # fmt: skip
            networks.append(net)
            histories.append(history)
            if bar is not None:
                bar.update()
            if history.stop_reason == "interrupted":
                break
    finally:
        if bar is not None:
            bar.close()
    return networks, histories


def _progress_bar(total: int) -> Any:
    from tqdm.auto import tqdm

    return tqdm(total=total, desc="sweep", unit="model")
