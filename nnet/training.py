r"""The training loop: mini-batch gradient descent with validation, metrics and early stopping.

One engine (:class:`Engine`) trains K >= 1 networks of one architecture: :func:`train` runs
it with one network, :func:`nnet.sweep` with a stack of K (their parameters one array with a
model axis, see :mod:`nnet.parameters`). Each mini-batch costs one forward and one backward pass
(into buffers reused at every step), one optimizer step and one in-place update. Everything
else (validation, metrics, early stopping, divergence, callbacks) happens once per epoch, for
every model at once, with masks over the model axis: what happens to one model stays with
it. What was learned is recorded in one :class:`History` per model.
"""

from __future__ import annotations

import dataclasses
import math
import time
import warnings
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np

from nnet.callbacks import (
    STOP_REASONS,
    Callback,
    History,
    TrainingHealthWarning,
    call_callbacks,
    training_health,
)
from nnet.metrics import Metric, get_metrics
from nnet.network import Backprop, NeuralNetwork, forward, output_loss
from nnet.optimizers import Optimizer, get_optimizer, trained_through_step
from nnet.parameters import ParameterStore
from nnet.utils.errors import NonFiniteError
from nnet.utils.validation import (
    check_bool,
    check_inputs,
    check_positive_int,
    check_targets,
    make_rng,
)
from nnet.utils.validation import check_real as _check_real

__all__ = ["STOP_REASONS", "DivergenceWarning", "History", "train"]

LOSS_FLOOR = 1e-12
"""The floor under the loss at the initial weights in the explosion rule (a loss of 0)."""

_ENDS_AT_BEST = ("completed", "early_stopping", "callback")
"""With early stopping, the stops after which the best epoch's weights are restored."""


class DivergenceWarning(UserWarning):
    """Training stopped because the loss or the weights stopped being finite numbers."""


def train(
    net: NeuralNetwork,
    optimizer: Any,
    X: Any,
    Y: Any,
    *,
    epochs: int = 100,
    batch_size: int | None = 32,
    validation_data: tuple[Any, Any] | None = None,
    validation_split: float | None = None,
    metrics: Sequence[str | Metric] | str | Metric | None = None,
    early_stopping: int | None = None,
    callbacks: Sequence[Callback] | Callback | None = None,
    seed: int | None = None,
    rng: np.random.Generator | None = None,
    progress: bool = False,
    shuffle: bool = True,
    explosion_factor: float | None = 1e4,
    warn: bool = True,
) -> History:
    """Train ``net`` in place by mini-batch gradient descent and return its :class:`History`.

    Parameters
    ----------
    net : NeuralNetwork
        Updated in place.
    optimizer : str or Optimizer or object with ``step(layer_grads)``
        A name from :data:`nnet.optimizers.OPTIMIZERS` (default hyperparameters),
        an :class:`~nnet.optimizers.Optimizer`, or any object whose
        ``step(layer_grads)`` returns additive updates; ``set_epoch(epoch)`` is
        called before each epoch when it exists. Its state carries over between
        calls, and so does its epoch count: a second call continues the
        learning-rate schedule where the first stopped (call ``reset()`` to
        start afresh). An optimizer's state belongs to one network: training
        another network with it raises ``ValueError``.
    X : array-like of shape (n_samples, network_input_size)
    Y : array-like of shape (n_samples, n_outputs)
        1-D for a network with a single output; for a cross-entropy network with
        several outputs, also integer class indices of shape (n_samples,).
    epochs : int, default=100
        Number of passes over the data.
    batch_size : int or None, default=32
        Mini-batch size; the last, smaller batch is used too, so an epoch makes
        ``ceil(n_samples / batch_size)`` steps. ``None`` (or ``>= n_samples``)
        is full-batch gradient descent: one step per epoch, no shuffling.
    validation_data : (X_val, Y_val), optional
        Data whose loss (and metrics) are recorded after each epoch.
    validation_split : float in (0, 1), optional
        Instead of ``validation_data``: hold out this fraction of the rows
        (rounded, at least one row) as validation data, chosen at random by the
        same generator as the shuffling (``seed``/``rng``), so the rows may be
        sorted by class (as Iris is). Keras takes the *last* rows instead.
    metrics : list of str or callable, optional
        Names from :data:`nnet.metrics.METRICS` or callables
        ``metric(Y_true, Y_pred) -> float``, recorded per epoch on the training
        data (one extra forward pass) and on the validation data (``"val_"`` keys).
    early_stopping : int or None, default=None
        Patience: stop after this many epochs without a strictly lower monitored
        loss (validation loss if given, else training loss). The weights of the
        best epoch are then restored, as they are whenever training ends
        (except on interruption).
    callbacks : list of callable, optional
        ``callback(epoch, history, net)`` after each epoch (0-based); a truthy
        return stops training.
    seed : int or None, default=None
        Seed of the shuffling generator, :func:`numpy.random.default_rng`.
    rng : numpy.random.Generator, optional
        Shuffle with this generator instead of ``seed`` (give one or the other).
    progress : bool, default=False
        Show a tqdm progress bar over epochs, with the losses.
    shuffle : bool, default=True
        Reshuffle the samples every epoch (one gather, then contiguous slices).
    explosion_factor : float or None, default=1e4
        Treat training as diverged when an epoch's training loss exceeds this
        many times the loss of the first mini-batch (at the initial weights):
        a run that explodes without reaching infinity is stopped like one
        that does. ``None`` turns the rule off.
    warn : bool, default=True
        Warn :class:`~nnet.callbacks.TrainingHealthWarning` when the finished run went
        backwards or a classifier learned nothing (:func:`~nnet.callbacks.training_health`).

    Returns
    -------
    History
        Per-epoch losses and metrics, the best epoch and why training stopped.

    Warns
    -----
    DivergenceWarning
        When a loss or the weights become NaN or infinite, the loss explodes
        (see ``explosion_factor``), or the optimizer's learning-rate schedule
        fails for an epoch (returns NaN, a negative number, or raises
        ``ValueError``). Training stops, the weights of the last finite epoch
        (or the best ones, with early stopping) are restored, the completed
        epochs stay in the history and ``stop_reason`` is ``"diverged"``;
        nothing is raised.
    TrainingHealthWarning
        With ``warn=True``, when the final training loss is above the first
        epoch's, or a classifier ends at the chance loss or chance accuracy.

    Notes
    -----
    A :class:`KeyboardInterrupt` (Ctrl-C, or raised by a callback) ends training
    cleanly: the weights stay as the last applied update left them (possibly
    mid-epoch), the history holds the completed epochs, ``stop_reason`` is
    ``"interrupted"``, and the history is returned.

    The same ``seed`` (and network) gives bit-identical weights and history.
    Arguments are all checked before anything changes; the caller's arrays are
    never modified.

    Examples
    --------
    >>> from nnet import NeuralNetwork
    >>> from nnet.optimizers import Momentum
    >>> X = np.linspace(-1, 1, 40).reshape(-1, 1)
    >>> net = NeuralNetwork(1, [8, 1], ["tanh", "identity"], seed=0)
    >>> history = train(net, Momentum(0.05), X, X**2, epochs=200, batch_size=8, seed=0)
    >>> history.epochs_run, history.stop_reason
    (200, 'completed')
    >>> bool(history.train_loss[-1] < 0.1 * history.train_loss[0])
    True
    """
    check_bool(warn, "warn")
    factor = None
    if explosion_factor is not None:
        factor = _check_real(explosion_factor, "explosion_factor", 1.0, low_open=True)
    if validation_split is not None:
        rng = make_rng(seed, rng)
        X, Y, validation_data = split_validation(net, X, Y, validation_split, validation_data, rng)
        seed = None
    options = check_train_args(
        net, optimizer, X, Y, epochs=epochs, batch_size=batch_size,
        validation_data=validation_data, metrics=metrics, early_stopping=early_stopping,
        callbacks=callbacks, seed=seed, rng=rng, shuffle=shuffle,
    )  # fmt: skip
    engine = Engine(
        net, net.parameters, options.optimizer, options.data, options.validation,
        options.metrics, options.batch_size, options.order, callbacks=options.callbacks,
    )  # fmt: skip
    engine.run(epochs, options.patience, factor, "train" if progress else None)
    [history] = engine.histories
    if history.stop_reason == "diverged":
        saved = int(engine.saved_epoch[0])
        restored = "the initial weights" if saved < 0 else f"the weights of epoch {saved}"
        warnings.warn(
            f"training diverged in epoch {history.epochs_run}: {engine.reasons[0]}. Stopped "
            f"and restored {restored}. Try a smaller learning rate (optimizer: "
            f"{options.optimizer!r}), and reset() the optimizer before training again.",
            DivergenceWarning,
            stacklevel=2,
        )
    if warn and (problem := training_health(history, options.data[1], net.cost_fun)):
        warnings.warn(problem, TrainingHealthWarning, stacklevel=2)
    return history


class Engine:
    """K >= 1 models of one architecture trained together; each stops, diverges and ends alone.

    Parameters
    ----------
    net : NeuralNetwork
        The architecture (activations, cost, penalties); for a lone network, the
        network trained (callbacks get it, a duck-typed optimizer updates it).
    store : ParameterStore
        The parameters trained in place: ``net.parameters``, or a stack with a
        model axis (then ``l1``/``l2`` may hold one value per model).
    optimizer : Optimizer or object with ``step(layer_grads)``
        The latter only for a lone network.
    data, validation : (X, Y) checked arrays, and (X_val, Y_val) or None
    metrics : list of (name, metric)
    batch_size : int or None
    order : numpy.random.Generator or None
        The shuffling generator, shared by every model; None keeps the rows in order.
    l1, l2 : float or ndarray of shape (K,), optional
        The penalties; default: the network's.
    callbacks : list of callable, optional
        ``callback(epoch, history, net)`` after each epoch (a lone network only).
    sample_weight : ndarray of shape (n_samples,), optional
        Weights of the samples (a lone network only), with ``row_loss``, each
        sample's loss (see :class:`~nnet.network.Backprop`); a batch of zero
        weight is skipped.

    Attributes
    ----------
    histories : list of History
        One per model, filled from the per-epoch arrays at the end (and before
        each callback).
    reasons : list of str or None
        Why each model diverged, if it did.
    saved_epoch : ndarray of shape (K,)
        The epoch of each model's saved weights (best, or last good); -1: the initial ones.
    """

    def __init__(
        self,
        net: NeuralNetwork,
        store: ParameterStore,
        optimizer: Any,
        data: tuple[np.ndarray, np.ndarray],
        validation: tuple[np.ndarray, np.ndarray] | None,
        metrics: list[tuple[str, Metric]],
        batch_size: int | None,
        order: np.random.Generator | None,
        *,
        l1: Any = None,
        l2: Any = None,
        callbacks: list[Callback] | None = None,
        sample_weight: np.ndarray | None = None,
        row_loss: Any = None,
    ) -> None:
        self.net, self.store, self.opt, (self.X, self.Y) = net, store, optimizer, data
        self.val, self.metrics, self.callbacks = validation, metrics, callbacks or []
        self.lone = not store.layout.stacked
        k = 1 if self.lone else store.layout.shape[0]
        self.batches = Batches(self.X, self.Y, batch_size, order, sample_weight)
        self.backprop = Backprop(
            net, store.layout, self.batches.size, l1=l1, l2=l2,
            rows_sum_to_one=rows_sum_to_one(self.Y), row_loss=row_loss,
        )  # fmt: skip
        self.flat = not trained_through_step(optimizer)
        monitor = "val_loss" if validation is not None else "train_loss"
        self.histories = [History(monitor=monitor) for _ in range(k)]
        self.reasons: list[str | None] = [None] * k
        self.active = np.ones(k, bool)  # models still training
        self.n_active = k
        self.frozen = False  # whether any model stopped (then its updates are masked)
        self.losses = np.empty((len(self.batches), k))  # each step's, one epoch
        self.rows = self.batches.rows()  # of each step
        self.steps = 0  # steps run in the current epoch
        self.saved = store.snapshot()  # per model: best (early stopping) or last good
        self.saved_epoch = np.full(k, -1)
        self.best = np.full(k, np.inf)  # each model's best monitored loss, and its epoch
        self.best_epoch = np.full(k, -1)
        # Each epoch's numbers as (K,) arrays; model k's epochs are the first epochs_run[k]
        # (models only ever leave). The histories are filled from them (_fill).
        self.logs: dict[str, list[np.ndarray]] = {}
        self.rates: list[np.ndarray | None] = []
        self.seconds: list[float] = []
        self.epochs_run = np.zeros(k, np.int64)
        self.first_loss: np.ndarray | None = None  # the first mini-batch's, at the start
        self.limit: np.ndarray | None = None  # explosion_factor times it

    # ------------------------------------------------------------------ epochs
    def run(
        self,
        epochs: int,
        patience: int | None,
        explosion_factor: float | None,
        progress: str | None = None,
    ) -> bool:
        """Train every model for ``epochs`` at most (``patience`` and ``explosion_factor`` as
        in :func:`train`, ``progress`` a bar's title); return whether a Ctrl-C stopped them."""
        opt = self.opt
        first_epoch = getattr(opt, "epoch", 0)  # an optimizer that counts epochs continues
        set_epoch = getattr(opt, "set_epoch", None)
        bar, interrupted = None, False
        try:
            bar = _progress_bar(epochs, progress) if progress else None  # Ctrl-C in its import
            for epoch in range(epochs):
                if set_epoch is not None:
                    set_epoch(first_epoch + epoch)
                rates = self._learning_rates()
                started = time.perf_counter()
                with np.errstate(all="ignore"):
                    logs = self._epoch(explosion_factor) if self.n_active else None
                if logs is not None:
                    self._record(epoch, logs, rates, patience, time.perf_counter() - started)
                if bar is not None:
                    if self.lone and logs is not None:
                        shown = {key: f"{float(v[0]):.4g}" for key, v in logs.items()}
                        bar.set_postfix(shown, refresh=False)
                    bar.update()
                if not self.n_active:
                    break
        except KeyboardInterrupt:
            self._diverge_on_losses()  # a model that failed before the Ctrl-C
            finite = np.atleast_1d(self.store.all_finite())
            self._diverge(~finite & self.active, "the weights are no longer finite")
            self._stop(self.active, "interrupted")
            interrupted = True
        else:
            self._stop(self.active, "completed")
        finally:
            if bar is not None:
                bar.close()
            if set_epoch is not None and hasattr(opt, "epoch"):  # the next call continues
                set_epoch(first_epoch + int(self.epochs_run.max()))
        self._end(patience)
        return interrupted

    def _learning_rates(self) -> np.ndarray | None:
        """Each model's learning rate this epoch; a failing schedule makes them diverge."""
        try:
            rate = getattr(self.opt, "current_learning_rate", None)
            if rate is None:
                return None
            rates = np.asarray(rate, float).reshape(-1)  # one, or one per model
            if not (math.isfinite(rate) if isinstance(rate, float) else np.isfinite(rates).all()):
                raise ValueError(f"it is {rate}")
        except (ValueError, TypeError, ArithmeticError) as err:
            self._diverge(self.active, f"the learning rate schedule failed ({err})")
            return None
        return rates

    def _epoch(self, explosion_factor: float | None) -> dict[str, np.ndarray] | None:
        """One epoch of mini-batch steps for all models; per-model losses and metrics.

        Each step's losses go into one row of :attr:`losses`. A lone network stops at
        a mini-batch whose loss is not finite; in a stack, a model whose loss failed is
        frozen after the epoch, at the weights saved before it, which is where freezing
        it at that step would leave it too (its own weights are all its steps change).
        """
        backprop, store, losses, lone = self.backprop, self.store, self.losses, self.lone
        grad, vector, shapes = backprop.grad, store.vector, store.layout.shapes
        next_update = self.opt.next_update if self.flat else None
        self.steps = 0
        for step, (xb, yb, wb) in enumerate(self.batches):
            if wb is not None and not wb.any():  # a batch of zero weight teaches nothing
                losses[step] = 0.0
                continue
            loss = backprop.loss_and_gradient(store, xb, yb, wb)
            losses[step] = loss
            if lone and not math.isfinite(loss):
                self._diverge(self.active, f"the loss of mini-batch {step} is {loss}")
                return None
            if next_update is None:
                try:
                    self._step_through_step()
                except NonFiniteError as err:  # from a duck-typed optimizer's updates
                    self._diverge(self.active, str(err))
                    return None
            elif self.frozen:  # frozen models keep their weights
                store.add(np.where(self.active[:, None], next_update(grad, vector, shapes), 0.0))
            else:
                store.add(next_update(grad, vector, shapes))
            self.steps = step + 1
        if self.first_loss is None:  # the losses at the initial weights set the explosion limit
            self.first_loss = losses[0].copy()
            if explosion_factor is not None:
                self.limit = explosion_factor * np.maximum(self.first_loss, LOSS_FLOOR)
        if not lone:  # a lone network's losses were checked at each step
            self._diverge_on_losses()
        finite = store.all_finite()  # a bool, or one per model
        if not finite.all():
            self._diverge(~np.atleast_1d(finite), "the weights are no longer finite")
        loss = self.rows @ losses / len(self.X)
        exploding = None if self.limit is None else loss > self.limit
        if exploding is not None and exploding.any():
            self._diverge(
                exploding,
                f"the training loss {float(loss[0]):.4g} exceeds {explosion_factor:g} times the "
                f"loss at the initial weights ({float(self.first_loss[0]):.4g}): it is exploding",
            )
        logs = {"train_loss": loss}
        if self.metrics and self.n_active:
            logs.update(self._evaluate("", self.X, self.Y))
        if self.val is not None and self.n_active:
            logs.update(self._evaluate("val_", *self.val))
        return logs if self.n_active else None

    def _step_through_step(self) -> None:
        """One step of an optimizer driven through its ``step(layer_grads)`` (a lone network)."""
        opt = self.opt
        grads = [(dW.copy(), db.reshape(-1).copy()) for dW, db in self.backprop.layer_grads]
        layers = self.net.layers
        updates = opt.step(grads, layers) if isinstance(opt, Optimizer) else opt.step(grads)
        self.net.update_weights(updates)

    def _evaluate(self, prefix: str, X: np.ndarray, Y: np.ndarray) -> dict[str, np.ndarray]:
        """Losses (validation) and metrics of every model on ``(X, Y)``; NaN for frozen ones."""
        net, layers = self.net, self.store.layers
        inputs, _, pred = forward(net.activation_funcs, layers, X)
        finite = np.isfinite(pred).reshape(len(self.active), -1).all(axis=1)
        self._diverge(~finite & self.active, "the outputs are no longer finite")
        logs: dict[str, np.ndarray] = {}
        if prefix:
            data_loss = output_loss(net.cost_fun, net.activation_funcs[-1], layers, inputs, pred, Y)
            loss = np.atleast_1d(np.asarray(data_loss + self.backprop.penalty(self.store), float))
            bad = ~np.isfinite(loss) & self.active
            self._diverge(bad, f"the validation loss is {float(loss[bad][0]) if bad.any() else 0}")
            logs["val_loss"] = loss
        preds = [pred] if self.lone else list(pred)
        for name, metric in self.metrics:
            values = np.full(len(self.active), np.nan)
            for k in np.flatnonzero(self.active):
                values[k] = float(metric(Y, preds[k]))
            logs[prefix + name] = values
        return logs

    def _record(
        self,
        epoch: int,
        logs: dict[str, np.ndarray],
        rates: np.ndarray | None,
        patience: int | None,
        seconds: float,
    ) -> None:
        """Append the epoch to the active models' histories; snapshot (best or last);
        call the callbacks; early-stop."""
        active = self.active.copy()
        current = logs[self.histories[0].monitor]
        improved = active & ((self.best_epoch < 0) | (current < self.best))
        for key, values in logs.items():
            self.logs.setdefault(key, []).append(values)
        self.rates.append(rates)
        self.seconds.append(seconds)
        self.epochs_run += active
        np.copyto(self.best, current, where=improved)
        np.copyto(self.best_epoch, epoch, where=improved)
        keep = active if patience is None else improved
        if keep.all():
            np.copyto(self.saved, self.store.vector)
            self.saved_epoch[:] = epoch
        elif keep.any():
            self._rows(self.saved)[keep] = self._rows(self.store.vector)[keep]
            self.saved_epoch[keep] = epoch
        if self.callbacks:
            self._fill()
            if call_callbacks(self.callbacks, epoch, self.histories[0], self.net):
                self._stop(active, "callback")
        if patience is not None:
            waited = epoch - np.maximum(self.best_epoch, 0)
            self._stop(active & (waited >= patience), "early_stopping")

    def _fill(self) -> None:
        """Bring each model's :class:`History` up to the epochs recorded (a hundred models'
        histories appended to one by one every epoch cost as much as their training steps)."""
        first = min(len(history.epoch_time) for history in self.histories)
        columns = {key: np.array(rows[first:]) for key, rows in self.logs.items()}
        with_rates = bool(self.rates) and self.rates[0] is not None
        rates = np.array(self.rates[first:]) if with_rates else None
        for k, history in enumerate(self.histories):
            done, n = len(history.epoch_time) - first, int(self.epochs_run[k]) - first
            best = int(self.best_epoch[k])
            history.best_epoch = None if best < 0 else best
            if n == done:
                continue
            for key, values in columns.items():
                curve = values[done:n, k].tolist()
                if key in ("train_loss", "val_loss"):
                    getattr(history, key).extend(curve)
                else:
                    history.metrics.setdefault(key, []).extend(curve)
            history.epoch_time.extend(self.seconds[first + done : first + n])
            if rates is not None:  # one rate for all models, or one per model
                history.learning_rate.extend(rates[done:n, k % rates.shape[1]].tolist())

    # ------------------------------------------------------------------ faults and stops
    def _rows(self, vector: np.ndarray) -> np.ndarray:
        """``vector`` as (K, n_params) rows: a view, also for a lone network."""
        return vector.reshape(len(self.active), -1)

    def _diverge_on_losses(self) -> None:
        """Freeze the models with a loss that is not finite in the steps run this epoch."""
        finite = np.isfinite(self.losses[: self.steps]).all(axis=0)
        self._diverge(~finite & self.active, "a mini-batch loss is not finite")

    def _diverge(self, models: np.ndarray, reason: str) -> None:
        """Freeze ``models`` (a mask) at their saved weights, marked ``"diverged"``."""
        if models.any():
            models = models & self.active
            self._rows(self.store.vector)[models] = self._rows(self.saved)[models]
            for k in np.flatnonzero(models):
                self.reasons[k] = reason
            self._stop(models, "diverged")

    def _stop(self, models: np.ndarray, reason: str) -> None:
        for k in np.flatnonzero(models & self.active):
            self.histories[k].stop_reason = reason
        self.active &= ~models
        self.n_active = int(self.active.sum())
        self.frozen = self.n_active < len(self.active)

    def _end(self, patience: int | None) -> None:
        """Fill the histories; with early stopping, each model ends at its best epoch's
        weights (as saved)."""
        self._fill()
        for k, history in enumerate(self.histories):
            ran = bool(self.epochs_run[k] > 0)
            if patience is not None and history.stop_reason in _ENDS_AT_BEST:
                self._rows(self.store.vector)[k] = self._rows(self.saved)[k]
                history.restored_best = bool(self.saved_epoch[k] >= 0)
            elif history.stop_reason == "diverged":
                last = history.best_epoch == self.epochs_run[k] - 1
                history.restored_best = ran and (patience is not None or bool(last))


def _progress_bar(epochs: int, title: str) -> Any:
    from tqdm import TqdmWarning

    with warnings.catch_warnings():
        # In a notebook without ipywidgets, tqdm.auto warns "IProgress not found" and
        # falls back to the plain bar: that fallback is what we want, without the warning.
        warnings.simplefilter("ignore", TqdmWarning)
        from tqdm.auto import tqdm  # on use: tqdm.auto looks for a notebook, which takes time

    return tqdm(total=epochs, desc=title, unit="epoch")


# ----------------------------------------------------------------------------- mini-batches
GATHER_BYTES = 1 << 20
"""Shuffled rows are copied about this many bytes at a time (see :class:`Batches`)."""


def rows_sum_to_one(Y: np.ndarray) -> bool:
    """Whether every target row sums to exactly 1 (one-hot or probabilities)."""
    return bool(np.all(np.add.reduce(Y, axis=1) == 1.0))


class Batches:
    """Contiguous mini-batches of ``(X, Y)``, in a new random order each epoch when shuffling.

    Iterating gives one epoch of ``(X_batch, Y_batch, weights_batch)`` (the last None
    without ``weights``). Shuffled rows are gathered into buffers reused all
    along, as many whole batches at a time as fit in about :data:`GATHER_BYTES` (at
    least one): a small data set is gathered once per epoch, a large one batch by
    batch, so the peak memory stays at the data plus a megabyte or one batch, never a
    second copy of a large data set.

    Batches in order are views of ``X``.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
    Y : ndarray of shape (n_samples, n_outputs)
    batch_size : int or None
        ``None`` (or ``>= n_samples``): one batch of all rows, never shuffled.
    order : numpy.random.Generator or None
        Draws each epoch's permutation; ``None`` keeps the rows in order.
    weights : ndarray of shape (n_samples,) or None, default=None
        Sample weights, batched alike.

    Attributes
    ----------
    size : int
        The batch size actually used (at most ``n_samples``).

    Examples
    --------
    >>> X = np.arange(5.0).reshape(-1, 1)
    >>> [len(xb) for xb, yb, _ in Batches(X, X, 2, None)]
    [2, 2, 1]
    >>> xb, yb, wb = next(iter(Batches(X, X, 2, np.random.default_rng(0), weights=X[:, 0])))
    >>> bool((xb == yb).all() and (xb[:, 0] == wb).all())
    True
    """

    def __init__(
        self,
        X: np.ndarray,
        Y: np.ndarray,
        batch_size: int | None,
        order: np.random.Generator | None,
        weights: np.ndarray | None = None,
    ) -> None:
        self.X, self.Y = X, Y
        self.arrays = [X, Y] if weights is None else [X, Y, weights]
        n = len(X)
        self.size = n if batch_size is None else min(batch_size, n)
        self.order = order if self.size < n else None  # one batch: order is irrelevant
        if self.order is not None:
            row_bytes = sum(a[0].nbytes for a in self.arrays)
            per_gather = max(1, GATHER_BYTES // (row_bytes * self.size)) * self.size
            rows = min(n, per_gather)
            self._buffers = [np.empty((rows, *a.shape[1:]), a.dtype) for a in self.arrays]

    def __len__(self) -> int:
        """The number of batches in an epoch."""
        return -(-len(self.X) // self.size)

    def rows(self) -> np.ndarray:
        """The number of rows of each batch of an epoch, shape ``(len(self),)``."""
        return np.minimum(self.size, len(self.X) - self.size * np.arange(len(self)))

    def __iter__(self) -> Iterator[tuple[np.ndarray, np.ndarray, np.ndarray | None]]:
        n_rows, size, arrays = len(self.X), self.size, self.arrays
        if self.order is None:
            gathered, per_gather = arrays, n_rows
        else:
            perm, per_gather = self.order.permutation(n_rows), len(self._buffers[0])
        for start in range(0, n_rows, per_gather):
            if self.order is not None:
                rows = perm[start : start + per_gather]
                n = len(rows)  # mode="clip": rows are valid, and it lets take() skip a buffer
                gathered = [a.take(rows, axis=0, out=buffer[:n], mode="clip")
                            for a, buffer in zip(arrays, self._buffers)]  # fmt: skip
            xs, ys, ws = gathered[0], gathered[1], gathered[2] if len(gathered) == 3 else None
            for first in range(0, len(xs), size):
                last = first + size
                yield xs[first:last], ys[first:last], None if ws is None else ws[first:last]


# ----------------------------------------------------------------------------- checks
@dataclasses.dataclass(frozen=True)
class TrainOptions:
    """The arguments of one :func:`~nnet.training.train` call, checked and converted."""

    net: NeuralNetwork
    optimizer: Any  # an Optimizer, or any object with step(layer_grads)
    data: tuple[np.ndarray, np.ndarray]  # (X, Y) as the network's dtype
    validation: tuple[np.ndarray, np.ndarray] | None
    metrics: list[tuple[str, Metric]]
    batch_size: int | None
    patience: int | None  # early stopping
    callbacks: list[Callback]
    order: np.random.Generator | None  # the shuffling generator, None without shuffling


def check_train_args(
    net: Any,
    optimizer: Any,
    X: Any,
    Y: Any,
    *,
    epochs: Any,
    batch_size: Any,
    validation_data: Any,
    metrics: Any,
    early_stopping: Any,
    callbacks: Any,
    seed: Any,
    rng: Any,
    shuffle: Any,
) -> TrainOptions:
    """:func:`train`'s arguments checked in the order of its signature (the first refused
    raises), changing nothing."""
    if not isinstance(net, NeuralNetwork):
        raise TypeError(f"net must be a NeuralNetwork, got {type(net).__name__}")
    opt = optimizer if isinstance(optimizer, Optimizer) else get_optimizer(optimizer)
    if isinstance(opt, Optimizer):  # its state must fit this network's parameters
        layout = net.parameters.layout
        opt.check_fits(layout.shapes, layout.shape, layout.dtype)
    data = net._check_XY(X, Y)
    check_positive_int(epochs, "epochs")
    if batch_size is not None:
        check_positive_int(batch_size, "batch_size")
    validation = check_validation(net, validation_data)
    named_metrics = check_metrics(metrics)
    patience = (
        None if early_stopping is None else check_positive_int(early_stopping, "early_stopping")
    )
    hooks = check_callbacks(callbacks)
    if not isinstance(shuffle, (bool, np.bool_)):
        raise TypeError(f"shuffle must be True or False, got {shuffle!r}")
    generator = make_rng(seed, rng)
    return TrainOptions(
        net=net,
        optimizer=opt,
        data=data,
        validation=validation,
        metrics=named_metrics,
        batch_size=batch_size,
        patience=patience,
        callbacks=hooks,
        order=generator if shuffle else None,
    )


def split_validation(
    net: Any, X: Any, Y: Any, fraction: Any, validation_data: Any, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray, tuple[np.ndarray, np.ndarray]]:
    """Hold out ``fraction`` of the rows, chosen by ``rng``: (X_train, Y_train, (X_val, Y_val))."""
    if validation_data is not None:
        raise ValueError("give validation_data or validation_split, not both")
    if isinstance(fraction, bool) or not isinstance(fraction, (int, float, np.floating)):
        raise TypeError(f"validation_split must be a float in (0, 1), got {fraction!r}")
    if not 0 < fraction < 1:
        raise ValueError(f"validation_split must be a float in (0, 1), got {fraction!r}")
    if not isinstance(net, NeuralNetwork):
        raise TypeError(f"net must be a NeuralNetwork, got {type(net).__name__}")
    X = check_inputs(X, net.network_input_size, net.dtype)
    n_out, probabilities = net.layer_output_sizes[-1], net.cost_fun.probabilities
    Y = check_targets(Y, len(X), n_out, net.dtype, probabilities)
    n_val = round(fraction * len(X))
    if not 0 < n_val < len(X):
        raise ValueError(
            f"validation_split={fraction} of {len(X)} samples leaves {n_val} for validation "
            f"and {len(X) - n_val} for training; both need at least one"
        )
    rows = rng.permutation(len(X))
    val, kept = np.sort(rows[:n_val]), np.sort(rows[n_val:])
    return X[kept], Y[kept], (X[val], Y[val])


def check_validation(net: NeuralNetwork, data: Any) -> tuple[np.ndarray, np.ndarray] | None:
    """``validation_data`` checked against ``net``: ``(X_val, Y_val)`` as arrays, or None."""
    if data is None:
        return None
    if not isinstance(data, (tuple, list)) or len(data) != 2:
        raise TypeError(f"validation_data must be a pair (X_val, Y_val), got {data!r:.80}")
    Xv = check_inputs(data[0], net.network_input_size, net.dtype, "validation_data[0]")
    n_out = net.layer_output_sizes[-1]
    probabilities = net.cost_fun.probabilities
    Yv = check_targets(data[1], len(Xv), n_out, net.dtype, probabilities, "validation_data[1]")
    return Xv, Yv


def check_metrics(metrics: Any) -> list[tuple[str, Metric]]:
    """``metrics`` as ``(name, function)`` pairs (see :func:`nnet.metrics.get_metrics`)."""
    return [] if metrics is None else get_metrics(metrics, "metrics")


def check_callbacks(callbacks: Any) -> list[Callback]:
    """``callbacks`` (one callable, a list of them, or None) as a list."""
    if callbacks is None:
        return []
    hooks = [callbacks] if callable(callbacks) else callbacks
    if not isinstance(hooks, (list, tuple)) or not all(callable(h) for h in hooks):
        raise TypeError(
            "callbacks must be a list of callables callback(epoch, history, net), "
            f"got {callbacks!r}"
        )
    return list(hooks)
