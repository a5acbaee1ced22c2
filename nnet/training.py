r"""The training loop: mini-batch gradient descent with validation, metrics and early stopping.

:func:`train` runs epochs of shuffled mini-batches; each mini-batch costs one
forward and one backward pass (into buffers reused at every step), one optimizer
step and one in-place update. Everything else (validation, metrics, early stopping,
callbacks) happens once per epoch, and the data is validated once per call. What
was learned is recorded in a :class:`History`.
"""

from __future__ import annotations

import math
import time
import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np

from nnet._backprop import Backprop, forward, ones_column_pays, output_loss
from nnet._batches import Batches, rows_sum_to_one
from nnet._network_checks import NonFiniteError
from nnet._train_checks import (  # check_metrics, check_validation: also for nnet._stack
    TrainOptions,
    check_train_args,
    split_validation,
)
from nnet._validation import check_real as _check_real
from nnet._validation import make_rng
from nnet.callbacks import STOP_REASONS, Callback, History, call_callbacks, record_epoch
from nnet.metrics import Metric
from nnet.network import NeuralNetwork
from nnet.optimizers import Optimizer

__all__ = ["STOP_REASONS", "DivergenceWarning", "History", "train"]

LOSS_FLOOR = 1e-12
"""The floor under the loss at the initial weights in the explosion rule (a loss of 0)."""


class DivergenceWarning(UserWarning):
    """Training stopped because the loss or the weights stopped being finite numbers."""


class _Diverged(Exception):
    """Raised inside an epoch when a loss or the weights are no longer finite."""


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
    loop = _Loop(options)
    history = History(monitor="val_loss" if loop.val is not None else "train_loss")
    _fit(loop, history, epochs, options.patience, options.callbacks, bool(progress), factor)
    return history


# ----------------------------------------------------------------------------- the loop
class _Loop:
    """One call's checked data and optimizer, and the work of one epoch."""

    def __init__(self, options: TrainOptions) -> None:
        net, opt = options.net, options.optimizer
        self.net, self.opt, (self.X, self.Y) = net, opt, options.data
        self.val, self.metrics = options.validation, options.metrics
        self.store = net.parameters
        ones_column = ones_column_pays(self.store.layout)
        self.batches = Batches(self.X, self.Y, options.batch_size, options.order, ones_column)
        self.backprop = Backprop(
            net, self.store.layout, self.batches.size, rows_sum_to_one=rows_sum_to_one(self.Y)
        )
        # An Optimizer runs its rule on the flat gradient (see Optimizer.flat_update), with
        # the learning rate folded into the gradient when the rule allows it. Anything else,
        # and an Optimizer whose step() is its own, is called through step() with gradients
        # of its own to keep.
        self.flat = isinstance(opt, Optimizer) and type(opt).step is Optimizer.step
        if self.flat:
            opt.start(self.store)
        self.prescaled = self.flat and opt.linear_in_gradient
        self.per_step_scale = self.prescaled and opt.schedule.per_step
        self.params = self.store.vector if self.flat and opt.uses_params else None
        self.scale: Any = 1.0
        self.first_loss: float | None = None  # the first mini-batch's, at the initial weights

    def _step(self) -> None:
        """Apply one optimizer step for the gradient in :attr:`backprop`."""
        opt, backprop = self.opt, self.backprop
        if self.flat:
            self.store.add(opt.flat_update(backprop.grad, self.params, prescaled=self.prescaled))
            return
        grads = [(dW.copy(), db.reshape(-1).copy()) for dW, db in backprop.layer_grads]
        layers = self.net.layers
        updates = opt.step(grads, layers) if isinstance(opt, Optimizer) else opt.step(grads)
        self.net.update_weights(updates)

    def run_epoch(self) -> dict[str, float]:
        """Train one epoch; return its losses and metrics, or raise :class:`_Diverged`."""
        if self.prescaled:
            self.scale = self.opt.gradient_scale()  # the learning rate of this epoch
        train_pred = val_pred = None
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            logs = {"train_loss": self._descend()}
            if self.metrics:
                train_pred = self._forward(self.X)[1]
            if self.val is not None:
                val_inputs, val_pred = self._forward(self.val[0])
                logs["val_loss"] = self._val_loss(val_inputs, val_pred, self.val[1])
        if train_pred is not None:
            logs.update(self._metrics("", self.Y, train_pred))
        if val_pred is not None and self.val is not None:
            logs.update(self._metrics("val_", self.val[1], val_pred))
        return logs

    def _descend(self) -> float:
        """One pass of mini-batch steps; the sample-weighted mean of the mini-batch losses."""
        loss_and_gradient, step = self.backprop.loss_and_gradient, self._step
        store, scale, opt = self.store, self.scale, self.opt
        total = 0.0
        for number, (xb, yb) in enumerate(self.batches):
            if self.per_step_scale:
                scale = opt.gradient_scale()
            loss = loss_and_gradient(store, xb, yb, scale)
            if not math.isfinite(loss):
                raise _Diverged(f"the loss of mini-batch {number} is {loss}")
            if self.first_loss is None:
                self.first_loss = loss
            step()
            total += loss * len(xb)
        if not self.store.all_finite():
            raise _Diverged("the weights are no longer finite")
        return total / len(self.X)

    def _forward(self, X: np.ndarray) -> tuple[list[np.ndarray], np.ndarray]:
        """Each layer's input and the output for ``X``."""
        inputs, _, pred = forward(self.net.activation_funcs, self.store.layers, X)
        if not np.isfinite(pred).all():
            raise _Diverged("the outputs are no longer finite")
        return inputs, pred

    def _val_loss(self, inputs: list[np.ndarray], pred: np.ndarray, Y: np.ndarray) -> float:
        net, layers = self.net, self.store.layers
        data_loss = output_loss(net.cost_fun, net.activation_funcs[-1], layers, inputs, pred, Y)
        loss = float(data_loss + self.backprop.penalty(self.store))
        if not math.isfinite(loss):
            raise _Diverged(f"the validation loss is {loss}")
        return loss

    def _metrics(self, prefix: str, Y_true: np.ndarray, Y_pred: np.ndarray) -> dict[str, float]:
        return {prefix + name: float(metric(Y_true, Y_pred)) for name, metric in self.metrics}


def _fit(
    loop: _Loop,
    history: History,
    epochs: int,
    patience: int | None,
    hooks: list[Callback],
    progress: bool,
    explosion_factor: float | None,
) -> None:
    """Run the epochs, recording into ``history``; handle stops, divergence and Ctrl-C."""
    net, store, opt = loop.net, loop.store, loop.opt
    # Weights to fall back on: the best ones with early stopping, else the last finite epoch's.
    saved, saved_epoch = store.snapshot(), None
    first_epoch = getattr(opt, "epoch", 0)  # an optimizer that counts epochs continues
    set_epoch = getattr(opt, "set_epoch", None)
    bar = None
    epoch = 0
    try:
        bar = _progress_bar(epochs) if progress else None  # inside: Ctrl-C in its import
        for epoch in range(epochs):
            if set_epoch is not None:
                set_epoch(first_epoch + epoch)
            rate = _learning_rate(opt)  # a schedule failing mid-run stops as a divergence
            started = time.perf_counter()
            logs = loop.run_epoch()
            _check_explosion(logs["train_loss"], loop.first_loss, explosion_factor)
            if rate is not None:
                history.learning_rate.append(rate)
            if record_epoch(history, logs, time.perf_counter() - started) or patience is None:
                saved, saved_epoch = store.snapshot(), epoch
            if bar is not None:
                bar.set_postfix({k: f"{v:.4g}" for k, v in logs.items()}, refresh=False)
                bar.update()
            if call_callbacks(hooks, epoch, history, net):
                history.stop_reason = "callback"
                break
            if patience is not None and epoch - (history.best_epoch or 0) >= patience:
                history.stop_reason = "early_stopping"
                break
        else:
            history.stop_reason = "completed"
    except (_Diverged, NonFiniteError) as err:  # the latter from a custom optimizer's update
        history.stop_reason = "diverged"
        store.restore(saved)
        history.restored_best = saved_epoch is not None and saved_epoch == history.best_epoch
        _warn_divergence(str(err), epoch, saved_epoch, opt)
    except KeyboardInterrupt:
        history.stop_reason = "interrupted"  # weights left as the last update made them
    finally:
        if bar is not None:
            bar.close()
        if set_epoch is not None and hasattr(opt, "epoch"):  # the next call continues there
            set_epoch(first_epoch + history.epochs_run)
    if patience is not None and history.stop_reason in ("completed", "early_stopping", "callback"):
        store.restore(saved)
        history.restored_best = saved_epoch is not None


def _check_explosion(loss: float, first_loss: float | None, factor: float | None) -> None:
    """Raise :class:`_Diverged` when ``loss`` exceeds ``factor`` times the first mini-batch's."""
    if (
        factor is not None
        and first_loss is not None
        and loss > factor * max(first_loss, LOSS_FLOOR)
    ):
        raise _Diverged(
            f"the training loss {loss:.4g} exceeds {factor:g} times the loss at the initial "
            f"weights ({first_loss:.4g}): it is exploding"
        )


def _learning_rate(opt: Any) -> float | None:
    """The optimizer's learning rate for its current epoch, if it has one.

    Raises :class:`_Diverged` when its schedule fails (returns NaN or a negative
    number, or raises), so that a schedule turning invalid mid-run (say, NaN at
    epoch 3) stops training like a divergence, keeping the epochs done.
    """
    try:
        rate = getattr(opt, "current_learning_rate", None)
        if rate is not None and not math.isfinite(float(rate)):
            raise ValueError(f"it is {rate}")
    except (ValueError, TypeError, ArithmeticError) as err:
        raise _Diverged(f"the learning rate schedule failed ({err})") from None
    return None if rate is None else float(rate)


def _warn_divergence(reason: str, epoch: int, saved_epoch: int | None, opt: Any) -> None:
    restored = (
        "the initial weights" if saved_epoch is None else f"the weights of epoch {saved_epoch}"
    )
    warnings.warn(
        f"training diverged in epoch {epoch}: {reason}. Stopped and restored {restored}. "
        f"Try a smaller learning rate (optimizer: {opt!r}), and reset() the optimizer "
        "before training again.",
        DivergenceWarning,
        stacklevel=4,
    )


def _progress_bar(epochs: int) -> Any:
    from tqdm import TqdmWarning

    with warnings.catch_warnings():
        # In a notebook without ipywidgets, tqdm.auto warns "IProgress not found" and
        # falls back to the plain bar: that fallback is what we want, without the warning.
        warnings.simplefilter("ignore", TqdmWarning)
        from tqdm.auto import tqdm  # on use: tqdm.auto looks for a notebook, which takes time

    return tqdm(total=epochs, desc="train", unit="epoch")
