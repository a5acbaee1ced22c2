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

Optimizers that cannot run on a stack (rules that do not declare ``elementwise``, and
hyperparameters that are not numbers, such as ``nesterov``) are split into sub-stacks or
trained one model at a time with :func:`~nnet.training.train`; stacks whose buffers would
exceed :data:`MEMORY_BUDGET` bytes are split into chunks.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

import numpy as np

from nnet._backprop import Backprop, forward, ones_column_pays, output_loss
from nnet._batches import Batches, rows_sum_to_one
from nnet._flat import Layout, ParameterStore
from nnet._grid import make_network, make_optimizer
from nnet._stack_history import StackHistory
from nnet._train_checks import check_metrics, check_validation
from nnet._validation import is_real as _is_number
from nnet._validation import make_rng
from nnet.callbacks import History
from nnet.network import NeuralNetwork
from nnet.optimizers import Optimizer, get_optimizer
from nnet.training import LOSS_FLOOR, train

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
    if not (isinstance(opt, Optimizer) and opt.elementwise and type(opt).step is Optimizer.step):
        return _one_by_one(template, opt, X, Y, models, epochs, batch_size, validation_data,
                           metrics, early_stopping, seed, explosion_factor)  # fmt: skip
    data = template._check_XY(X, Y)
    val = check_validation(template, validation_data)
    named_metrics = check_metrics(metrics)
    networks: list[NeuralNetwork | None] = [None] * len(models)
    histories: list[History | None] = [None] * len(models)
    for indices in _stacks(template, opt, models, data, val, batch_size, bool(named_metrics)):
        stack = _Stack(template, opt, [models[i] for i in indices], data, val, named_metrics,
                       batch_size, seed)  # fmt: skip
        interrupted = stack.run(epochs, early_stopping, explosion_factor, progress)
        for i, net, history in zip(indices, stack.networks(), stack.histories, strict=True):
            networks[i], histories[i] = net, history
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


class _Stack:
    """K models trained together: their store, backprop, optimizer, histories and faults."""

    def __init__(
        self,
        template: NeuralNetwork,
        opt: Optimizer,
        models: list[ModelSpec],
        data: tuple[np.ndarray, np.ndarray],
        val: tuple[np.ndarray, np.ndarray] | None,
        metrics: list[tuple[str, Any]],
        batch_size: int | None,
        seed: int | None,
    ) -> None:
        self.template, self.models, (self.X, self.Y), self.val = template, models, data, val
        self.metrics, k = metrics, len(models)
        self.nets = [make_network(template, net_params) for net_params, _ in models]
        sizes = [template.network_input_size, *template.layer_output_sizes]
        layout = Layout(sizes, template.dtype, n_models=k)
        vector = np.stack([net.parameters.vector for net in self.nets])
        self.store = ParameterStore(layout, vector)
        self.l1 = _per_model([net.l1 for net in self.nets])
        self.l2 = _per_model([net.l2 for net in self.nets])
        self.opt = _stacked_optimizer(opt, [p for _, p in models])
        self.opt.start(self.store)
        self.batches = Batches(self.X, self.Y, batch_size, make_rng(seed, None),
                               ones_column_pays(layout))  # fmt: skip
        self.backprop = Backprop(template, layout, self.batches.size, l1=self.l1, l2=self.l2,
                                 rows_sum_to_one=rows_sum_to_one(self.Y))  # fmt: skip
        monitor = "val_loss" if val is not None else "train_loss"
        self.record = StackHistory(k, monitor)
        self.histories: list[History] = []  # made at the end of run()
        self.active = np.ones(k, bool)  # models still training
        self.frozen = False  # whether any model stopped (then its updates are masked)
        self.losses = np.empty((len(self.batches), k))  # each step's, one epoch
        self.steps = 0  # steps run in the current epoch
        self.saved = self.store.snapshot()  # per model: best (early stopping) or last good
        self.first_loss: np.ndarray | None = None
        self.patience: int | None = None

    # ------------------------------------------------------------------ epochs
    def run(
        self,
        epochs: int,
        patience: int | None,
        explosion_factor: float | None,
        progress: bool,
    ) -> bool:
        """Train every model; return whether a Ctrl-C stopped them."""
        self.patience = patience
        bar = _progress_bar(epochs, len(self.models)) if progress else None
        try:
            for epoch in range(epochs):
                self.opt.set_epoch(epoch)
                rate = np.broadcast_to(self.opt.current_learning_rate, (len(self.models), 1))
                started = time.perf_counter()
                with np.errstate(all="ignore"):
                    logs = self._epoch(explosion_factor)
                self._record(epoch, logs, rate[:, 0], patience, time.perf_counter() - started)
                if bar is not None:
                    bar.update()
                if not self.active.any():
                    break
        except KeyboardInterrupt:
            self._diverge_on_losses()  # a model that failed before the Ctrl-C
            self._diverge(~self.store.all_finite() & self.active)
            self._stop(self.active, "interrupted")
            return True
        else:
            self._stop(self.active, "completed")
            return False
        finally:
            if bar is not None:
                bar.close()
            self.histories = self.record.histories()

    def _epoch(self, explosion_factor: float | None) -> dict[str, np.ndarray]:
        """One epoch of mini-batch steps for all models; per-model losses and metrics.

        Each step's losses go into one row of :attr:`losses`; a model whose loss stopped
        being finite is frozen after the epoch, at the weights saved before it, which is
        where freezing it at that step would leave it too (its own weights are all its
        steps change).
        """
        opt, store, backprop, losses = self.opt, self.store, self.backprop, self.losses
        prescaled = opt.linear_in_gradient
        scale = opt.gradient_scale() if prescaled else 1.0
        params = store.vector if opt.uses_params else None
        self.steps = 0
        for step, (xb, yb) in enumerate(self.batches):
            if prescaled and opt.schedule.per_step:
                scale = opt.gradient_scale()
            losses[step] = backprop.loss_and_gradient(store, xb, yb, scale)
            update = opt.flat_update(backprop.grad, params, prescaled=prescaled)
            if self.frozen:  # frozen models keep their weights
                update = np.where(self.active[:, None], update, 0.0)
            store.add(update)
            self.steps = step + 1
        if self.first_loss is None:
            self.first_loss = losses[0].copy()
        self._diverge_on_losses()
        self._diverge(~store.all_finite() & self.active)
        logs = {"train_loss": self.batches.rows() @ losses / len(self.X)}
        if explosion_factor is not None:
            limit = explosion_factor * np.maximum(self.first_loss, LOSS_FLOOR)
            self._diverge((logs["train_loss"] > limit) & self.active)
        if self.metrics:
            logs.update(self._evaluate("", self.X, self.Y))
        if self.val is not None:
            logs.update(self._evaluate("val_", *self.val))
        return logs

    def _diverge_on_losses(self) -> None:
        """Freeze the models with a loss that is not finite in the steps run this epoch."""
        finite = np.isfinite(self.losses[: self.steps]).all(axis=0)
        self._diverge(~finite & self.active)

    def _evaluate(self, prefix: str, X: np.ndarray, Y: np.ndarray) -> dict[str, np.ndarray]:
        """Losses (validation) and metrics of every model on ``(X, Y)``; NaN for frozen ones."""
        net, layers = self.template, self.store.layers
        inputs, _, pred = forward(net.activation_funcs, layers, X)
        self._diverge(~np.isfinite(pred).all(axis=(1, 2)) & self.active)
        logs: dict[str, np.ndarray] = {}
        if prefix:
            data_loss = output_loss(net.cost_fun, net.activation_funcs[-1], layers, inputs, pred, Y)
            loss = data_loss + self.backprop.penalty(self.store)
            self._diverge(~np.isfinite(loss) & self.active)
            logs["val_loss"] = np.asarray(loss, float)
        for name, metric in self.metrics:
            values = np.full(len(self.models), np.nan)
            for k in np.flatnonzero(self.active):
                values[k] = float(metric(Y, pred[k]))
            logs[prefix + name] = values
        return logs

    def _record(
        self,
        epoch: int,
        logs: dict[str, np.ndarray],
        rate: np.ndarray,
        patience: int | None,
        seconds: float,
    ) -> None:
        """Record the epoch for the active models; snapshot (best or last), early-stop."""
        active = self.active.copy()
        improved = self.record.record(logs, rate, seconds, active)
        keep = active if patience is None else improved
        if keep.any():
            self.saved[keep] = self.store.vector[keep]
        if patience is not None:
            waited = epoch - np.maximum(self.record.best_epoch, 0)
            self._stop(active & (waited >= patience), "early_stopping")

    # ------------------------------------------------------------------ faults and stops
    def _diverge(self, models: np.ndarray) -> None:
        """Freeze ``models`` (a mask) at their last good weights, marked ``"diverged"``."""
        if models.any():
            self.store.restore(self.saved, models)
            self._stop(models, "diverged")

    def _stop(self, models: np.ndarray, reason: str) -> None:
        self.record.stop(models & self.active, reason)
        self.active &= ~models
        self.frozen = not self.active.all()

    def networks(self) -> list[NeuralNetwork]:
        """The trained networks, one per model; the best weights with early stopping."""
        ends_at_best = ("completed", "early_stopping")
        for k, (net, history) in enumerate(zip(self.nets, self.histories, strict=True)):
            ran = history.epochs_run > 0
            if self.patience is not None and history.stop_reason in ends_at_best:
                self.store.restore(self.saved, np.arange(len(self.nets)) == k)
                history.restored_best = ran
            elif history.stop_reason == "diverged":  # restored to the saved epoch (see train)
                last = history.best_epoch == history.epochs_run - 1
                history.restored_best = ran and (self.patience is not None or last)
            # The store's own finite numbers, in the lone layout: no checks needed.
            net.parameters.replace(self.store.vector[k].copy())
        return self.nets


def _per_model(values: list[float]) -> Any:
    """One number when all models agree, else a (K,) array."""
    return values[0] if len(set(values)) == 1 else np.array(values)


def _stacked_optimizer(opt: Optimizer, opt_params: list[dict[str, Any]]) -> Optimizer:
    """One optimizer of ``opt``'s class whose differing hyperparameters hold one value per model."""
    keys = sorted({key for params in opt_params for key in params})
    defaults, columns = opt.get_config(), {}
    for key in keys:
        values = [params.get(key, defaults[key]) for params in opt_params]
        columns[key] = values[0] if all(v == values[0] for v in values) else values
    return make_optimizer(opt, columns)


def _progress_bar(epochs: int, n_models: int) -> Any:
    from tqdm.auto import tqdm

    return tqdm(total=epochs, desc=f"sweep ({n_models} models)", unit="epoch")
