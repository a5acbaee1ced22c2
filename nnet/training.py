r"""The training loop: mini-batch gradient descent with validation, metrics and early stopping.

:func:`train` runs epochs of shuffled mini-batches; each mini-batch costs one
forward and one backward pass (into buffers reused at every step), one optimizer
step and one in-place update. Everything else (validation, metrics, early stopping,
callbacks) happens once per epoch, and the data is validated once per call. What
was learned is recorded in a :class:`History`.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np

from nnet._backprop import Backprop
from nnet._network_checks import NonFiniteError
from nnet._validation import check_inputs, check_positive_int, check_targets, make_rng
from nnet.callbacks import STOP_REASONS, Callback, History, call_callbacks, record_epoch
from nnet.metrics import Metric, get_metric
from nnet.network import NeuralNetwork
from nnet.optimizers import Optimizer, get_optimizer
from nnet.optimizers._base import LIBRARY_RULES, LIBRARY_STEPS

__all__ = ["STOP_REASONS", "DivergenceWarning", "History", "train"]

Layers = list[tuple[np.ndarray, np.ndarray]]


_GATHER_BYTES = 1 << 20
"""Shuffled rows are copied about this many bytes at a time (see ``_Loop._batches``)."""


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
    metrics: Sequence[str | Metric] | str | Metric | None = None,
    early_stopping: int | None = None,
    callbacks: Sequence[Callback] | Callback | None = None,
    seed: int | None = None,
    rng: np.random.Generator | None = None,
    progress: bool = False,
    shuffle: bool = True,
) -> History:
    """Train ``net`` in place by mini-batch gradient descent and return its :class:`History`.

    Parameters
    ----------
    net : NeuralNetwork
        Updated in place.
    optimizer : str or Optimizer or object with ``step(layer_grads)``
        A name from :data:`nnet.optimizers.OPTIMIZERS` (default hyperparameters),
        an :class:`~nnet.optimizers.Optimizer`, or any object whose
        ``step(layer_grads)`` returns additive updates; ``set_epoch(epoch)``
        (0-based, counted within this call) is called when it exists. Its state
        carries over between calls (call ``reset()`` to start afresh).
    X : array-like of shape (n_samples, network_input_size)
    Y : array-like of shape (n_samples, n_outputs)
        1-D for a network with a single output.
    epochs : int, default=100
        Number of passes over the data.
    batch_size : int or None, default=32
        Mini-batch size; the last, smaller batch is used too, so an epoch makes
        ``ceil(n_samples / batch_size)`` steps. ``None`` (or ``>= n_samples``)
        is full-batch gradient descent: one step per epoch, no shuffling.
    validation_data : (X_val, Y_val), optional
        Data whose loss (and metrics) are recorded after each epoch.
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

    Returns
    -------
    History
        Per-epoch losses and metrics, the best epoch and why training stopped.

    Warns
    -----
    DivergenceWarning
        When a loss or the weights become NaN or infinite, or the optimizer's
        learning-rate schedule fails for an epoch (returns NaN, a negative
        number, or raises ``ValueError``). Training stops, the weights of the
        last finite epoch (or the best ones, with early stopping) are restored,
        the completed epochs stay in the history and ``stop_reason`` is
        ``"diverged"``; nothing is raised.

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
    loop, patience, hooks = _check_args(
        net, optimizer, X, Y, epochs, batch_size, validation_data, metrics,
        early_stopping, callbacks, seed, rng, shuffle,
    )  # fmt: skip
    history = History(monitor="val_loss" if loop.val is not None else "train_loss")
    _fit(loop, history, epochs, patience, hooks, bool(progress))
    return history


# ----------------------------------------------------------------------------- checks
def _check_args(
    net: Any,
    optimizer: Any,
    X: Any,
    Y: Any,
    epochs: Any,
    batch_size: Any,
    validation_data: Any,
    metrics: Any,
    early_stopping: Any,
    callbacks: Any,
    seed: Any,
    rng: Any,
    shuffle: Any,
) -> tuple[_Loop, int | None, list[Callback]]:
    """Check every argument of :func:`train`, changing nothing; return the loop and its stops."""
    if not isinstance(net, NeuralNetwork):
        raise TypeError(f"net must be a NeuralNetwork, got {type(net).__name__}")
    opt = get_optimizer(optimizer)
    data = net._check_XY(X, Y)
    check_positive_int(epochs, "epochs")
    if batch_size is not None:
        check_positive_int(batch_size, "batch_size")
    val = _check_validation(net, validation_data)
    named_metrics = _check_metrics(metrics)
    patience = (
        None if early_stopping is None else check_positive_int(early_stopping, "early_stopping")
    )
    hooks = _check_callbacks(callbacks)
    if not isinstance(shuffle, (bool, np.bool_)):
        raise TypeError(f"shuffle must be True or False, got {shuffle!r}")
    generator = make_rng(seed, rng)
    order = generator if shuffle else None
    return _Loop(net, opt, data, val, named_metrics, batch_size, order), patience, hooks


def _check_validation(net: NeuralNetwork, data: Any) -> tuple[np.ndarray, np.ndarray] | None:
    if data is None:
        return None
    if not isinstance(data, (tuple, list)) or len(data) != 2:
        raise TypeError(f"validation_data must be a pair (X_val, Y_val), got {data!r:.80}")
    Xv = check_inputs(data[0], net.network_input_size, net.dtype, "validation_data[0]")
    n_out = net.layer_output_sizes[-1]
    probabilities = net.cost_fun.probabilities
    Yv = check_targets(data[1], len(Xv), n_out, net.dtype, probabilities, "validation_data[1]")
    return Xv, Yv


def _check_metrics(metrics: Any) -> list[tuple[str, Metric]]:
    if metrics is None:
        return []
    specs = [metrics] if isinstance(metrics, str) or callable(metrics) else metrics
    if not isinstance(specs, (list, tuple)):
        raise TypeError(f"metrics must be a list of names or callables, got {metrics!r}")
    named = [get_metric(spec, "metrics") for spec in specs]
    names = [name for name, _ in named]
    if len(set(names)) != len(names):
        raise ValueError(f"metrics must have distinct names, got {names}")
    return named


def _check_callbacks(callbacks: Any) -> list[Callback]:
    if callbacks is None:
        return []
    hooks = [callbacks] if callable(callbacks) else callbacks
    if not isinstance(hooks, (list, tuple)) or not all(callable(h) for h in hooks):
        raise TypeError(
            "callbacks must be a list of callables callback(epoch, history, net), "
            f"got {callbacks!r}"
        )
    return list(hooks)


# ----------------------------------------------------------------------------- the loop
class _Loop:
    """One call's checked data and optimizer, and the work of one epoch."""

    def __init__(
        self,
        net: NeuralNetwork,
        opt: Any,
        data: tuple[np.ndarray, np.ndarray],
        val: tuple[np.ndarray, np.ndarray] | None,
        metrics: list[tuple[str, Metric]],
        batch_size: int | None,
        order: np.random.Generator | None,
    ) -> None:
        self.net, self.opt, (self.X, self.Y), self.val, self.metrics = net, opt, data, val, metrics
        n = len(self.X)
        self.batch_size = n if batch_size is None else min(batch_size, n)
        self.order = order if self.batch_size < n else None  # one batch: order is irrelevant
        if self.order is not None:  # shuffled rows are gathered into these, reused
            row_bytes = self.X[0].nbytes + self.Y[0].nbytes
            per_gather = max(1, _GATHER_BYTES // (row_bytes * self.batch_size)) * self.batch_size
            rows = min(n, per_gather)
            self._x_rows = np.empty((rows, self.X.shape[1]), self.X.dtype)
            self._y_rows = np.empty((rows, self.Y.shape[1]), self.Y.dtype)
        rows_sum_to_one = bool(np.all(np.add.reduce(self.Y, axis=1) == 1.0))  # one-hot?
        self.backprop = Backprop(net, self.batch_size, rows_sum_to_one=rows_sum_to_one)
        # The library's rules run once per step on the whole flat gradient, which may come
        # pre-multiplied by -eta (see Optimizer._flat_step); any other optimizer is called
        # through its checked public step() with gradients of its own to keep.
        self.flat = (
            isinstance(opt, Optimizer)
            and type(opt).step in LIBRARY_STEPS
            and type(opt).update in LIBRARY_RULES
        )
        if self.flat:
            opt._start_flat([(shape, net.dtype) for shape in net._array_shapes()])
        self.scale = 1.0
        self.set_epoch = getattr(opt, "set_epoch", None)

    def _step(self) -> None:
        """Apply one optimizer step for the gradient in :attr:`backprop`."""
        net, opt, backprop = self.net, self.opt, self.backprop
        if self.flat:
            net._theta += opt._flat_step(backprop.grad, net._layers)  # AdamW decays live weights
            return
        grads = [(dW.copy(), db.copy()) for dW, db in backprop.layer_grads]  # theirs to keep
        updates = opt.step(grads, net._layers) if isinstance(opt, Optimizer) else opt.step(grads)
        net.update_weights(updates)

    def run_epoch(self, epoch: int) -> dict[str, float]:
        """Train one epoch; return its losses and metrics, or raise :class:`_Diverged`."""
        if self.set_epoch is not None:
            self.set_epoch(epoch)
        if self.flat:
            self.scale = self.opt._gradient_scale()  # the learning rate changes per epoch
        train_pred = val_pred = None
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            logs = {"train_loss": self._descend()}
            if self.metrics:
                train_pred = self._forward(self.X)
            if self.val is not None:
                val_pred = self._forward(self.val[0])
                logs["val_loss"] = self._val_loss(val_pred, self.val[1])
        if train_pred is not None:
            logs.update(self._metrics("", self.Y, train_pred))
        if val_pred is not None and self.val is not None:
            logs.update(self._metrics("val_", self.val[1], val_pred))
        return logs

    def _descend(self) -> float:
        """One pass of mini-batch steps; the sample-weighted mean of the mini-batch losses."""
        loss_and_gradient, step, scale = self.backprop.loss_and_gradient, self._step, self.scale
        total = 0.0
        for number, (xb, yb) in enumerate(self._batches()):
            loss = loss_and_gradient(xb, yb, scale)
            if not math.isfinite(loss):
                raise _Diverged(f"the loss of mini-batch {number} is {loss}")
            step()
            total += loss * len(xb)
        if not np.isfinite(self.net._theta).all():
            raise _Diverged("the weights are no longer finite")
        return total / len(self.X)

    def _batches(self) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        """Contiguous mini-batches, in a new random order each epoch when shuffling.

        Shuffled rows are gathered into two buffers reused all along, as many whole
        batches at a time as fit in about :data:`_GATHER_BYTES` (at least one): a
        small data set is gathered once per epoch, a large one batch by batch, so the
        peak memory stays at the data plus a megabyte or one batch, never a second copy
        of a large data set.
        """
        X, Y, size = self.X, self.Y, self.batch_size
        if self.order is None:
            for start in range(0, len(X), size):
                yield X[start : start + size], Y[start : start + size]
            return
        perm, per_gather = self.order.permutation(len(X)), len(self._x_rows)
        for start in range(0, len(X), per_gather):
            rows = perm[start : start + per_gather]
            n = len(rows)  # mode="clip": rows are valid, and it lets take() skip a buffer
            xs = X.take(rows, axis=0, out=self._x_rows[:n], mode="clip")
            ys = Y.take(rows, axis=0, out=self._y_rows[:n], mode="clip")
            for first in range(0, n, size):
                yield xs[first : first + size], ys[first : first + size]

    def _forward(self, X: np.ndarray) -> np.ndarray:
        pred = self.net._forward(X)
        if not np.isfinite(pred).all():
            raise _Diverged("the outputs are no longer finite")
        return pred

    def _val_loss(self, pred: np.ndarray, Y: np.ndarray) -> float:
        net = self.net
        loss = net.cost_fun._loss(pred, Y) + net._penalty_value()
        if not math.isfinite(loss):
            raise _Diverged(f"the validation loss is {loss}")
        return loss

    def _metrics(self, prefix: str, Y_true: np.ndarray, Y_pred: np.ndarray) -> dict[str, float]:
        return {prefix + name: float(metric(Y_true, Y_pred)) for name, metric in self.metrics}


def _copy(layers: Layers) -> Layers:
    return [(W.copy(), b.copy()) for W, b in layers]


def _fit(
    loop: _Loop,
    history: History,
    epochs: int,
    patience: int | None,
    hooks: list[Callback],
    progress: bool,
) -> None:
    """Run the epochs, recording into ``history``; handle stops, divergence and Ctrl-C."""
    net = loop.net
    # Weights to fall back on: the best ones with early stopping, else the last finite epoch's.
    saved, saved_epoch = _copy(net._layers), None
    bar = None
    epoch = 0
    try:
        bar = _progress_bar(epochs) if progress else None  # inside: Ctrl-C in its import
        for epoch in range(epochs):
            try:
                logs = loop.run_epoch(epoch)
            except (ValueError, TypeError, ArithmeticError):
                _learning_rate(loop.opt)  # a schedule failing mid-run stops as a divergence
                raise
            if record_epoch(history, logs) or patience is None:
                saved, saved_epoch = _copy(net._layers), epoch
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
        net.layers = saved
        _warn_divergence(str(err), epoch, saved_epoch, loop.opt)
    except KeyboardInterrupt:
        history.stop_reason = "interrupted"  # weights left as the last update made them
    finally:
        if bar is not None:
            bar.close()
    if patience is not None and history.stop_reason in ("completed", "early_stopping", "callback"):
        net.layers = saved


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
    from tqdm.auto import tqdm  # on use: tqdm.auto looks for a notebook, which takes time

    return tqdm(total=epochs, desc="train", unit="epoch")
