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

import math
import time
import warnings
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np
import scipy.sparse

from nnet.callbacks import STOP_REASONS, Callback, History, call_callbacks
from nnet.kernels import active_kernels, fused_step
from nnet.metrics import Metric, evaluate_stacked, get_metrics
from nnet.network import Backprop, NeuralNetwork, check_data, forward_with_loss
from nnet.optimizers import Optimizer, get_optimizer, trained_through_step
from nnet.parameters import ParameterStore
from nnet.utils.errors import NonFiniteError
from nnet.utils.validation import TRAIN_ARGS, check_args, check_inputs, check_targets, make_rng

__all__ = [
    "STOP_REASONS", "DivergenceWarning", "History", "TrainingHealthWarning", "train",
    "training_health",
]  # fmt: skip

LOSS_FLOOR = 1e-12
"""The floor under the loss at the initial weights in the explosion rule (a loss of 0)."""

_ENDS_AT_BEST = ("completed", "early_stopping", "callback")
"""With early stopping, the stops after which the best epoch's weights are restored."""


class DivergenceWarning(UserWarning):
    """Training stopped because the loss or the weights stopped being finite numbers."""


class TrainingHealthWarning(UserWarning):
    """A finished run went backwards or learned nothing (see :func:`training_health`)."""


_CAUSES = (
    "Likely causes: a learning rate too large (try one 10 times smaller), or inputs that are "
    "not scaled (standardize each feature to mean 0 and variance 1)."
)


def _chance_loss(Y: np.ndarray, cost_name: str) -> float:
    """The loss of always predicting the class frequencies p: -sum p ln p (ln K if balanced)."""
    p = np.clip(np.asarray(Y, dtype=float).mean(axis=0), 1e-12, 1.0)
    if cost_name == "cross_entropy":
        return float(-np.sum(p * np.log(p)))
    q = np.clip(1.0 - p, 1e-12, 1.0)
    return float(-np.mean(p * np.log(p) + q * np.log(q)))


def training_health(history: History, Y: Any, cost: Any) -> str | None:
    """Why a finished run deserves a :class:`TrainingHealthWarning`, or None if it looks healthy.

    A run that completed (or stopped early, or by a callback) is doubtful when
    its final training loss is above its first epoch's, or, for a classifier
    (a library ``cross_entropy`` or ``binary_cross_entropy`` cost), when its
    final loss is no better than the chance loss (that of always predicting
    the class frequencies, within 1 %) or its final training ``"accuracy"``
    (if recorded) no better than always predicting the most frequent class.
    Diverged and interrupted runs are left to their own messages.

    Parameters
    ----------
    history : History
        The finished run's history.
    Y : ndarray of shape (n_samples, n_outputs)
        The training targets (one-hot rows for cross-entropy).
    cost : Cost
        The network's cost.

    Returns
    -------
    str or None
        The message, naming the numbers and the likely causes.

    Examples
    --------
    >>> from nnet.costs import get_cost
    >>> Y = np.eye(3)[[0, 1, 2, 0, 1, 2]]
    >>> h = History(train_loss=[1.2, 1.1, 1.099], stop_reason="completed")
    >>> print(training_health(h, Y, get_cost("cross_entropy")))  # doctest: +ELLIPSIS
    the classifier ends at the chance loss: 1.099 >= 1.099, the loss of always predicting ...
    """
    finished = history.stop_reason in ("completed", "early_stopping", "callback")
    if not finished or not history.train_loss:
        return None
    end = history.best_epoch if history.restored_best and history.best_epoch is not None else -1
    first, final = history.train_loss[0], history.train_loss[end]
    if final > first:
        return (
            f"the training loss rose from {first:.4g} (first epoch) to {final:.4g}: the run "
            f"went backwards. {_CAUSES}"
        )
    if not (cost.builtin and cost.name in ("cross_entropy", "binary_cross_entropy")):
        return None
    Y = np.asarray(Y, dtype=float)
    chance = _chance_loss(Y, cost.name)
    if final >= 0.99 * chance:
        return (
            f"the classifier ends at the chance loss: {final:.4g} >= {chance:.4g}, the loss of "
            f"always predicting the class frequencies (ln K for K balanced classes). {_CAUSES}"
        )
    accuracy = history.metrics.get("accuracy")
    majority = float(np.max(Y.mean(axis=0))) if cost.name == "cross_entropy" else None
    if accuracy and majority is not None and accuracy[end] <= majority:
        return (
            f"the classifier ends at chance accuracy: {accuracy[end]:.3g} <= {majority:.3g}, "
            f"what always predicting the most frequent class scores. {_CAUSES}"
        )
    return None


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

    Each epoch shuffles the rows, then takes one optimizer step per mini-batch; the
    :doc:`/reading_the_core` page walks this loop beside the course's equations.

    Parameters
    ----------
    net : NeuralNetwork
        Updated in place.
    optimizer : str or Optimizer or object with ``step(layer_grads)``
        A name from :data:`nnet.optimizers.OPTIMIZERS`, an optimizer, or any object whose
        ``step`` returns additive updates. Its state and epoch count carry over to the next
        call (``reset()`` starts afresh); its state belongs to this network.
    X : array-like of shape (n_samples, network_input_size)
    Y : array-like of shape (n_samples, n_outputs)
        Also 1-D for one output, or integer class indices for a cross-entropy network.
    epochs : int, default=100
    batch_size : int or None, default=32
        ``ceil(n_samples / batch_size)`` steps per epoch; ``None`` is full-batch descent.
    validation_data : (X_val, Y_val), optional
        Recorded after each epoch (loss and metrics, ``"val_"`` keys).
    validation_split : float in (0, 1), optional
        Or hold out this fraction of the rows, drawn by ``seed``/``rng``.
    metrics : list of str or callable, optional
        Names from :data:`nnet.metrics.METRICS` or ``metric(Y_true, Y_pred) -> float``;
        on the training data they score the predictions the epoch's steps made (as the
        loss), on the validation data the weights after the epoch.
    early_stopping : int or None, default=None
        Patience: stop after this many epochs without a lower monitored loss (validation
        loss if given); the best epoch's weights are restored.
    callbacks : list of callable, optional
        ``callback(epoch, history, net)`` after each epoch; a truthy return stops.
    seed : int or None, default=None
        Seed of the shuffling generator.
    rng : numpy.random.Generator, optional
        Shuffle with this generator instead of ``seed``.
    progress : bool, default=False
        Show a tqdm progress bar.
    shuffle : bool, default=True
        Reshuffle the samples every epoch.
    explosion_factor : float or None, default=1e4
        Diverged when an epoch's loss exceeds this many times the first mini-batch's.
    warn : bool, default=True
        Warn :class:`TrainingHealthWarning` when the finished run went
        backwards or a classifier learned nothing (:func:`training_health`).

    Returns
    -------
    History
        Per-epoch losses and metrics, the best epoch and ``stop_reason``.

    Warns
    -----
    DivergenceWarning
        When the loss or the weights stop being finite, or the loss explodes: training
        stops at the last finite epoch's weights, ``stop_reason`` is ``"diverged"``. A
        Ctrl-C stops it too (``"interrupted"``), and the history is returned; see
        :doc:`/user_guide/errors`. Arguments are checked before anything changes.
    TrainingHealthWarning
        With ``warn=True``, when the final training loss is above the first epoch's, or a
        classifier ends at the chance loss or chance accuracy.

    Examples
    --------
    >>> from nnet import NeuralNetwork
    >>> from nnet.optimizers import Momentum
    >>> X = np.linspace(-1, 1, 40).reshape(-1, 1)
    >>> net = NeuralNetwork(1, [8, 1], ["tanh", "identity"], seed=0)
    >>> history = train(net, Momentum(0.05), X, X**2, epochs=200, batch_size=8, seed=0)
    >>> history.epochs_run, history.stop_reason, bool(history.train_loss[-1] < 0.01)
    (200, 'completed', True)
    """
    scalars = check_args(TRAIN_ARGS, locals())
    if validation_split is not None:
        rng = make_rng(seed, rng)
        X, Y, validation_data = split_validation(net, X, Y, validation_split, validation_data, rng)
        seed = None
    opt, data, validation, named_metrics, hooks, order = check_train_args(
        net, optimizer, X, Y, validation_data, metrics, callbacks, seed, rng, scalars["shuffle"]
    )
    engine = Engine(net, net.parameters, opt, data, validation, named_metrics, batch_size, order,
                    callbacks=hooks)  # fmt: skip
    patience, factor = scalars["early_stopping"], scalars["explosion_factor"]
    engine.run(epochs, patience, factor, "train" if progress else None)
    [history] = engine.histories
    if history.stop_reason == "diverged":
        saved = int(engine.saved_epoch[0])
        restored = "the initial weights" if saved < 0 else f"the weights of epoch {saved}"
        warnings.warn(
            f"training diverged in epoch {history.epochs_run}: {engine.reasons[0]}. Stopped "
            f"and restored {restored}. Try a smaller learning rate (optimizer: "
            f"{opt!r}), and reset() the optimizer before training again.",
            DivergenceWarning,
            stacklevel=2,
        )
    history.health = training_health(history, data[1], net.cost_fun)
    if warn and history.health:
        warnings.warn(history.health, TrainingHealthWarning, stacklevel=2)
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
            keep_output=bool(metrics),
        )  # fmt: skip
        self.by_step = trained_through_step(optimizer)
        # The penalty, the update and its addition in one compiled pass (nnet.kernels), or None.
        fused = not self.by_step and sample_weight is None and active_kernels() == "numba"
        self.fused_step = fused_step(optimizer, self.backprop) if fused else None
        monitor = "val_loss" if validation is not None else "train_loss"
        self.histories = [History(monitor=monitor) for _ in range(k)]
        self.reasons: list[str | None] = [None] * k
        self.active = np.ones(k, bool)  # the models still training
        self.running, self.frozen = True, False  # some models train; some stopped (masked)
        self.losses = np.empty((len(self.batches), k))  # each step's, this epoch
        # With metrics, each step's predictions and targets, gathered over the epoch.
        lead, n_out = store.layout.lead, self.Y.shape[1]
        self.seen = (np.empty((*lead, self.X.shape[0], n_out), self.Y.dtype),
                     np.empty_like(self.Y)) if metrics else None  # fmt: skip
        self.rows = self.batches.rows()  # of each step
        self.steps = 0  # the steps run this epoch
        self.saved, self.saved_epoch = store.snapshot(), np.full(k, -1)  # best or last good
        self.best, self.best_epoch = np.full(k, np.inf), np.full(k, -1)
        # Each epoch's (K,) values by key; model k's epochs are the first epochs_run[k].
        self.logs: dict[str, list[np.ndarray]] = {}
        self.rates: list[np.ndarray | None] = []
        self.seconds: list[float] = []
        self.epochs_run = np.zeros(k, np.int64)
        self.first_loss: np.ndarray | None = None  # the first mini-batch's, at the start
        self.limit: np.ndarray | None = None  # explosion_factor times it

    # ------------------------------------------------------------------ epochs
    def run(
        self, epochs: int, patience: int | None, explosion_factor: float | None,
        progress: str | None = None,
    ) -> bool:  # fmt: skip
        """Train every model for ``epochs`` at most (``patience`` and ``explosion_factor`` as
        in :func:`train`, ``progress`` a bar's title); return whether a Ctrl-C stopped them."""
        first_epoch = getattr(self.opt, "epoch", 0)  # an optimizer that counts epochs continues
        set_epoch = getattr(self.opt, "set_epoch", None)
        bar, interrupted = None, False
        try:
            bar = _progress_bar(epochs, progress) if progress else None  # Ctrl-C in its import
            for epoch in range(epochs):
                if set_epoch is not None:
                    set_epoch(first_epoch + epoch)
                rates, started = self._learning_rates(), time.perf_counter()
                with np.errstate(all="ignore"):
                    logs = self._epoch(explosion_factor) if self.running else None
                if logs is not None:
                    self._record(epoch, logs, rates, patience, time.perf_counter() - started)
                    if bar is not None and self.lone:
                        bar.set_postfix(
                            {k: f"{float(v[0]):.4g}" for k, v in logs.items()}, refresh=False
                        )
                if bar is not None:
                    bar.update()
                if not self.running:
                    break
        except KeyboardInterrupt:
            self._diverge_on_losses()  # a model that failed before the Ctrl-C
            finite = np.atleast_1d(self.store.all_finite())
            self._diverge(~finite, "the weights are no longer finite")
            self._stop(self.active, "interrupted")
            interrupted = True
        else:
            self._stop(self.active, "completed")
        finally:
            if bar is not None:
                bar.close()
            if set_epoch is not None and hasattr(self.opt, "epoch"):  # the next call continues
                set_epoch(first_epoch + int(self.epochs_run.max()))
        self._end(patience)
        return interrupted

    def _learning_rates(self) -> np.ndarray | None:
        """Each model's learning rate this epoch; a failing schedule makes them diverge."""
        try:
            rate = getattr(self.opt, "current_learning_rate", None)
            rates = None if rate is None else np.asarray(rate, float).reshape(-1)
            if rates is not None and not np.isfinite(rates).all():
                raise ValueError(f"it is {rate}")
        except (ValueError, TypeError, ArithmeticError) as err:
            self._diverge(self.active, f"the learning rate schedule failed ({err})")
            return None
        return rates

    def _epoch(self, explosion_factor: float | None) -> dict[str, np.ndarray] | None:
        """One epoch of mini-batch steps for all models; per-model losses and metrics.

        A lone network stops at a mini-batch whose loss is not finite; in a stack, such a
        model is frozen after the epoch at the weights saved before it, which is where
        freezing it at that step would leave it too (its own steps are all that change them).
        """
        backprop, store, losses, lone = self.backprop, self.store, self.losses, self.lone
        grad, vector, shapes = backprop.grad, store.vector, store.layout.shapes
        next_update = None if self.by_step else self.opt.next_update
        fused_step = self.fused_step
        training = self.active[:, None] if self.frozen else None  # frozen models keep still
        seen, n_seen = self.seen, 0
        self.steps = 0
        for step, (xb, yb, wb) in enumerate(self.batches):
            if wb is not None and not wb.any():  # a batch of zero weight teaches nothing
                losses[step] = 0.0
                continue
            loss = backprop.loss_and_gradient(store, xb, yb, wb)
            if fused_step is not None:  # updates the weights; a divergence restores them
                loss = loss + fused_step(vector, grad, shapes, self.active)
            losses[step] = loss
            if seen is not None:  # the predictions the step made, for the metrics
                rows = slice(n_seen, n_seen + yb.shape[0])
                seen[0][..., rows, :], seen[1][rows], n_seen = backprop.output, yb, rows.stop
            if lone and not math.isfinite(loss):
                self._diverge(self.active, f"the loss of mini-batch {step} is {loss}")
                return None
            if next_update is None:
                if not self._step_through_step():
                    return None
            elif fused_step is not None:
                pass  # updated above, with the penalty's value
            elif training is None:
                store.add(next_update(grad, vector, shapes))
            else:
                store.add(np.where(training, next_update(grad, vector, shapes), 0.0))
            self.steps = step + 1
        if self.first_loss is None:  # the losses at the initial weights: the explosion limit
            self.first_loss = losses[0].copy()
            if explosion_factor is not None:
                self.limit = explosion_factor * np.maximum(self.first_loss, LOSS_FLOOR)
        if not lone:  # a lone network's losses were checked at each step
            self._diverge_on_losses()
        finite = np.atleast_1d(store.all_finite())
        self._diverge(~finite, "the weights are no longer finite")
        loss = self.rows @ losses / self.batches.n
        exploding = None if self.limit is None else loss > self.limit
        if exploding is not None and exploding.any():
            self._diverge(
                exploding,
                f"the training loss {float(loss[0]):.4g} exceeds {explosion_factor:g} times the "
                f"loss at the initial weights ({float(self.first_loss[0]):.4g}): it is exploding",
            )
        logs = {"train_loss": loss}
        if seen is not None and self.running:  # from the predictions the steps made
            preds = seen[0][..., :n_seen, :]
            self._check_outputs(preds)
            logs.update(self._metrics("", seen[1][:n_seen], preds))
        if self.val is not None and self.running:
            logs.update(self._validate(*self.val))
        return logs if self.running else None

    def _step_through_step(self) -> bool:
        """One step through the optimizer's ``step(layer_grads)`` (a lone network); False
        when its update is not finite (a divergence)."""
        opt = self.opt
        grads = [(dW.copy(), db.reshape(-1).copy()) for dW, db in self.backprop.layer_grads]
        try:
            layers = self.net.layers
            updates = opt.step(grads, layers) if isinstance(opt, Optimizer) else opt.step(grads)
            self.net.update_weights(updates)
        except NonFiniteError as err:  # from a duck-typed optimizer's updates
            self._diverge(self.active, str(err))
            return False
        return True

    def _validate(self, X: np.ndarray, Y: np.ndarray) -> dict[str, np.ndarray]:
        """Loss and metrics of every model on the validation data; NaN for frozen ones."""
        net, layers = self.net, self.store.layers
        *_, pred, data_loss = forward_with_loss(net.activation_funcs, net.cost_fun, layers, X, Y)
        self._check_outputs(pred)
        loss = np.atleast_1d(np.asarray(data_loss + self.backprop.penalty(self.store), float))
        bad = ~np.isfinite(loss) & self.active
        self._diverge(bad, f"the validation loss is {float(loss[bad][0]) if bad.any() else 0}")
        return {"val_loss": loss, **self._metrics("val_", Y, pred)}

    def _check_outputs(self, pred: np.ndarray) -> None:
        """A model whose outputs are not all finite diverges."""
        finite = np.isfinite(pred).reshape(len(self.active), -1).all(axis=1)
        self._diverge(~finite, "the outputs are no longer finite")

    def _metrics(self, prefix: str, Y: np.ndarray, pred: np.ndarray) -> dict[str, np.ndarray]:
        """Each metric of the models still training, from their predictions ``pred`` of
        ``Y``, in one call each; NaN for the others."""
        active = self.active
        preds = pred.reshape(len(active), *pred.shape[-2:])
        if not active.all():
            preds = preds[active]
        logs = {}
        for name, metric in self.metrics:
            values = np.full(len(active), np.nan)
            values[active] = evaluate_stacked(metric, Y, preds)
            logs[prefix + name] = values
        return logs

    def _record(
        self, epoch: int, logs: dict[str, np.ndarray], rates: np.ndarray | None,
        patience: int | None, seconds: float,
    ) -> None:  # fmt: skip
        """Append the epoch to the active models' records; snapshot (best, or last); call
        the callbacks; early-stop."""
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
        self.store.save(self.saved, keep)
        self.saved_epoch[keep] = epoch
        if self.callbacks:
            self._fill()
            if call_callbacks(self.callbacks, epoch, self.histories[0], self.net):
                self._stop(active, "callback")
        if patience is not None:
            waited = epoch - np.maximum(self.best_epoch, 0)
            self._stop(active & (waited >= patience), "early_stopping")

    def _fill(self) -> None:
        """Bring each model's :class:`History` up to the epochs recorded (W4 is 4 % faster than
        with appends to each history every epoch: under the 10 % a trick needs, it stays while
        W4 has no room under issue 21's 5 % bar, see benchmarks/tricks.py)."""
        first = min(len(history.epoch_time) for history in self.histories)
        columns = {key: np.array(rows[first:]) for key, rows in self.logs.items()}
        with_rates = bool(self.rates) and self.rates[0] is not None
        rates = np.array(self.rates[first:]) if with_rates else None
        for k, history in enumerate(self.histories):
            done, n = len(history.epoch_time) - first, int(self.epochs_run[k]) - first
            history.best_epoch = None if self.best_epoch[k] < 0 else int(self.best_epoch[k])
            if n == done:
                continue
            for key, values in columns.items():
                curve = (
                    getattr(history, key)
                    if key in ("train_loss", "val_loss")
                    else history.metrics.setdefault(key, [])
                )
                curve.extend(values[done:n, k].tolist())
            history.epoch_time.extend(self.seconds[first + done : first + n])
            if rates is not None:  # one rate for all models, or one per model
                history.learning_rate.extend(rates[done:n, k % rates.shape[1]].tolist())

    # ------------------------------------------------------------------ faults and stops
    def _diverge_on_losses(self) -> None:
        """Freeze the models with a loss that is not finite in the steps run this epoch."""
        finite = np.asarray(np.isfinite(self.losses[: self.steps]).all(axis=0))
        self._diverge(~finite, "a mini-batch loss is not finite")

    def _diverge(self, models: np.ndarray, reason: str) -> None:
        """Freeze the active ``models`` (a mask) at their saved weights, marked ``"diverged"``."""
        models = models & self.active
        if models.any():
            self.store.restore(self.saved, models)
            for k in np.flatnonzero(models):
                self.reasons[k] = reason
            self._stop(models, "diverged")

    def _stop(self, models: np.ndarray, reason: str) -> None:
        for k in np.flatnonzero(models & self.active):
            self.histories[k].stop_reason = reason
        self.active &= ~models
        self.running, self.frozen = bool(self.active.any()), not self.active.all()

    def _end(self, patience: int | None) -> None:
        """Fill the histories; with early stopping, each model ends at its best epoch's
        weights (as saved)."""
        self._fill()
        at_best = np.array([h.stop_reason in _ENDS_AT_BEST for h in self.histories])
        if patience is not None:
            self.store.restore(self.saved, at_best)
        for k, history in enumerate(self.histories):
            if patience is not None and at_best[k]:
                history.restored_best = bool(self.saved_epoch[k] >= 0)
            elif history.stop_reason == "diverged":
                last = history.best_epoch == self.epochs_run[k] - 1
                ran = bool(self.epochs_run[k] > 0)
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
        self.X, self.Y, self.n = X, Y, X.shape[0]
        self.arrays = [X, Y] if weights is None else [X, Y, weights]
        self.size = self.n if batch_size is None else min(batch_size, self.n)
        self.order = order if self.size < self.n else None  # one batch: order is irrelevant
        if self.order is not None:  # (a sparse X is gathered batch by batch, into new CSR)
            row_bytes = sum(a[0].nbytes for a in self.arrays if not scipy.sparse.issparse(a))
            per_gather = max(1, GATHER_BYTES // (row_bytes * self.size)) * self.size
            self.per_gather = self.size if scipy.sparse.issparse(X) else min(self.n, per_gather)
            self._buffers = [
                None
                if scipy.sparse.issparse(a)
                else np.empty((self.per_gather, *a.shape[1:]), a.dtype)
                for a in self.arrays
            ]

    def __len__(self) -> int:
        """The number of batches in an epoch."""
        return -(-self.n // self.size)

    def rows(self) -> np.ndarray:
        """The number of rows of each batch of an epoch, shape ``(len(self),)``."""
        return np.minimum(self.size, self.n - self.size * np.arange(len(self)))

    def __iter__(self) -> Iterator[tuple[np.ndarray, np.ndarray, np.ndarray | None]]:
        n_rows, size, arrays = self.n, self.size, self.arrays
        if self.order is None:
            gathered, per_gather = arrays, n_rows
        else:
            perm, per_gather = self.order.permutation(n_rows), self.per_gather
        for start in range(0, n_rows, per_gather):  # vs X[batch]: the seed workload 12 % faster
            if self.order is not None:
                rows = perm[start : start + per_gather]
                n = len(rows)  # mode="clip": rows are valid, and it lets take() skip a buffer
                gathered = [
                    a[rows] if buffer is None else a.take(rows, axis=0, out=buffer[:n], mode="clip")
                    for a, buffer in zip(arrays, self._buffers)
                ]
            xs, ys, ws = gathered[0], gathered[1], gathered[2] if len(gathered) == 3 else None
            for first in range(0, len(ys), size):
                last = first + size
                yield xs[first:last], ys[first:last], None if ws is None else ws[first:last]


# ----------------------------------------------------------------------------- checks
def check_train_args(
    net: Any, optimizer: Any, X: Any, Y: Any, validation: Any, metrics: Any, callbacks: Any,
    seed: Any, rng: Any, shuffle: bool,
) -> tuple[Any, tuple[np.ndarray, np.ndarray], Any, list[tuple[str, Metric]], list[Callback],
           np.random.Generator | None]:  # fmt: skip
    """:func:`train`'s arguments that are not in :data:`~nnet.utils.validation.TRAIN_ARGS`,
    checked in its signature's order (the first refused raises), changing nothing: the
    optimizer, data, validation data, metrics, callbacks and the shuffling generator (None
    without shuffling)."""
    if not isinstance(net, NeuralNetwork):
        raise TypeError(f"net must be a NeuralNetwork, got {type(net).__name__}")
    opt = optimizer if isinstance(optimizer, Optimizer) else get_optimizer(optimizer)
    if isinstance(opt, Optimizer):  # its state must fit this network's parameters
        opt.check_fits(net.parameters.layout.shapes, net.parameters.layout.shape, net.dtype)
    data = check_data(net, X, Y)
    validation = check_validation(net, validation)
    named_metrics = check_metrics(metrics)
    hooks = check_callbacks(callbacks)
    order = make_rng(seed, rng)
    return opt, data, validation, named_metrics, hooks, order if shuffle else None


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
    Y = check_targets(Y, X.shape[0], n_out, net.dtype, probabilities)
    n = X.shape[0]
    n_val = round(fraction * n)
    if not 0 < n_val < n:
        raise ValueError(
            f"validation_split={fraction} of {n} samples leaves {n_val} for validation "
            f"and {n - n_val} for training; both need at least one"
        )
    rows = rng.permutation(n)
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
    Yv = check_targets(data[1], Xv.shape[0], n_out, net.dtype, probabilities, "validation_data[1]")
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
