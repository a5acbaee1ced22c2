"""What training records and the callbacks that watch it: :class:`History` and its helpers.

A callback is any callable ``callback(epoch, history, net)`` called by
:func:`nnet.training.train` after each epoch (``epoch`` is 0-based, ``history``
already holds that epoch); a truthy return stops training. For example, to
stop once the training accuracy reaches 0.99::

    def good_enough(epoch, history, net):
        return history.metrics["accuracy"][-1] >= 0.99

    train(net, "adam", X, Y, metrics=["accuracy"], callbacks=[good_enough])
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from nnet.network import NeuralNetwork

__all__ = [
    "STOP_REASONS",
    "Callback",
    "History",
    "call_callbacks",
    "record_epoch",
]

Callback = Callable[[int, "History", "NeuralNetwork"], Any]
"""``callback(epoch, history, net) -> bool | None``, called after each epoch; truthy stops."""

STOP_REASONS = ("completed", "early_stopping", "callback", "diverged", "interrupted")
"""The values of :attr:`History.stop_reason`."""


@dataclasses.dataclass(repr=False)
class History:
    """What :func:`nnet.training.train` recorded, one entry per completed epoch.

    Parameters
    ----------
    train_loss, val_loss, metrics, best_epoch, stop_reason
        The attributes below, by keyword (:func:`~nnet.training.train` fills them).
    monitor, learning_rate, restored_best, epoch_time, health
        Likewise.

    Attributes
    ----------
    train_loss : list of float
        Per epoch, the sample-weighted mean of the mini-batch losses (penalties
        included), each computed *before* that mini-batch's update, as
        scikit-learn's ``loss_curve_`` and Keras' ``loss`` are.
    val_loss : list of float
        Per epoch, the cost (penalties included) on the validation data after
        the epoch; empty without validation data.
    metrics : dict of str to list of float
        Per epoch, each metric on the training data, from the predictions the
        epoch's steps made (as ``train_loss``; key ``"accuracy"``), and on the
        validation data after the epoch (key ``"val_accuracy"``).
    best_epoch : int or None
        0-based index of the epoch with the lowest monitored loss.
    stop_reason : str or None
        One of :data:`STOP_REASONS`: all epochs ran, early stopping, a
        callback, divergence, or a :class:`KeyboardInterrupt`.
    monitor : str
        ``"val_loss"`` with validation data, else ``"train_loss"``.
    learning_rate : list of float
        Per epoch, the optimizer's learning rate at the epoch's first step
        (empty for an optimizer without ``current_learning_rate``).
    restored_best : bool
        Whether training ended by restoring the weights of :attr:`best_epoch`
        (early stopping does; otherwise the network keeps its last weights).
        :func:`nnet.plotting.plot_history` marks the best epoch only then.
    epoch_time : list of float
        Per epoch, the wall-clock seconds it took (training steps, validation
        and metrics; not the callbacks). A measurement, not something learned:
        left out of ``==`` and :meth:`as_dict`, so that the same seed still
        gives equal histories; :meth:`to_frame` shows it.
    health : str or None
        What :func:`~nnet.training.train` found doubtful about the finished run: the
        text of its :class:`~nnet.training.TrainingHealthWarning` (recorded with
        ``warn=False`` too), or None for a run that looks healthy (see
        :func:`~nnet.training.training_health`).

    Examples
    --------
    >>> h = History(train_loss=[0.9, 0.5, 0.7], best_epoch=1, stop_reason="completed")
    >>> h.epochs_run, h.best_loss
    (3, 0.5)
    >>> h
    History(epochs_run=3, stop_reason='completed', best_epoch=1, train_loss=[0.9, 0.5, 0.7])
    """

    train_loss: list[float] = dataclasses.field(default_factory=list)
    val_loss: list[float] = dataclasses.field(default_factory=list)
    metrics: dict[str, list[float]] = dataclasses.field(default_factory=dict)
    best_epoch: int | None = None
    stop_reason: str | None = None
    monitor: str = "train_loss"
    learning_rate: list[float] = dataclasses.field(default_factory=list)
    restored_best: bool = False
    epoch_time: list[float] = dataclasses.field(default_factory=list, compare=False)
    health: str | None = None

    @property
    def epochs_run(self) -> int:
        """Number of completed epochs recorded."""
        return len(self.train_loss)

    @property
    def best_loss(self) -> float | None:
        """The monitored loss at :attr:`best_epoch`."""
        if self.best_epoch is None:
            return None
        return float(getattr(self, self.monitor)[self.best_epoch])

    def as_dict(self) -> dict[str, Any]:
        """Return the history as plain data: lists of floats, ints and strings.

        Everything but :attr:`epoch_time` (see :meth:`to_frame` for it).

        Returns
        -------
        dict
            Attribute name -> value (lists, ints, strings, None), plus ``epochs_run``
            and ``best_loss``.
        """
        data = dataclasses.asdict(self)
        del data["epoch_time"]  # wall-clock time differs between identical runs
        data["epochs_run"] = self.epochs_run
        return data

    def to_frame(self) -> Any:
        """Return the per-epoch numbers as a :class:`pandas.DataFrame`, one row per epoch.

        The columns are ``train_loss``, ``val_loss`` (when recorded), each
        metric and ``epoch_time``; the index is the 0-based ``epoch``. Needs
        pandas (``pip install pandas``), imported only here.

        Returns
        -------
        pandas.DataFrame
            One row per epoch.

        Examples
        --------
        >>> h = History(train_loss=[0.9, 0.5], val_loss=[1.0, 0.6], epoch_time=[0.01, 0.02])
        >>> h.to_frame().columns.tolist()
        ['train_loss', 'val_loss', 'epoch_time']
        """
        try:
            import pandas as pd
        except ImportError as err:
            raise ImportError("History.to_frame needs pandas: pip install pandas") from err
        columns = {
            "train_loss": self.train_loss,
            "val_loss": self.val_loss,
            **self.metrics,
            "epoch_time": self.epoch_time,
        }
        return pd.DataFrame(
            {k: v for k, v in columns.items() if len(v) == self.epochs_run and v},
            index=pd.RangeIndex(self.epochs_run, name="epoch"),
        )

    def _repr_html_(self) -> str:
        """The final numbers and a small SVG of the loss curves, for notebooks."""
        from nnet.utils.display import history_html

        return history_html(self)

    def __repr__(self) -> str:
        curves = {"train_loss": self.train_loss, "val_loss": self.val_loss, **self.metrics}
        shown = ", ".join(f"{k}={_short(v)}" for k, v in curves.items() if v)
        return (
            f"History(epochs_run={self.epochs_run}, stop_reason={self.stop_reason!r}, "
            f"best_epoch={self.best_epoch}" + (f", {shown}" if shown else "") + ")"
        )


def _short(values: list[float]) -> str:
    shown = [f"{v:.4g}" for v in values]
    return f"[{', '.join(shown)}]" if len(shown) <= 4 else f"[{shown[0]}, ..., {shown[-1]}]"


def record_epoch(history: History, logs: dict[str, float], seconds: float | None = None) -> bool:
    """Append one epoch's numbers (and its duration) to ``history``; whether the loss improved.

    Parameters
    ----------
    history : History
        Appended to in place.
    logs : dict of str to float
        ``train_loss``, optionally ``val_loss``, and the metrics of the epoch.
    seconds : float or None, default=None
        The epoch's wall-clock time, if measured.

    Returns
    -------
    bool
        Whether the monitored loss is the lowest so far (the epoch is the new best).
    """
    history.train_loss.append(logs["train_loss"])
    if seconds is not None:
        history.epoch_time.append(seconds)
    if "val_loss" in logs:
        history.val_loss.append(logs["val_loss"])
    for key, value in logs.items():
        if key not in ("train_loss", "val_loss"):
            history.metrics.setdefault(key, []).append(value)
    current = getattr(history, history.monitor)[-1]
    best = history.best_loss
    if best is None or current < best:
        history.best_epoch = history.epochs_run - 1
        return True
    return False


def call_callbacks(hooks: list[Callback], epoch: int, history: History, net: NeuralNetwork) -> bool:
    """Call every callback (all of them, even once one asks to stop); whether any did.

    Parameters
    ----------
    hooks : list of callable
        The callbacks, ``callback(epoch, history, net)``.
    epoch : int
        The 0-based epoch just completed.
    history : History
        The history so far.
    net : NeuralNetwork
        The network being trained.

    Returns
    -------
    bool
        Whether any callback returned a truthy value (asked to stop).
    """
    answers = [hook(epoch, history, net) for hook in hooks]
    return any(bool(answer) for answer in answers)
