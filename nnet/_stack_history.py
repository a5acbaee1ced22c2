"""The histories of a stack of K models, recorded as arrays with one column per model.

Appending one :class:`~nnet.callbacks.History` per model and epoch costs a hundred
Python calls per epoch for a hundred models, as much as the epoch's training steps on a
small data set. A stack records each epoch's numbers as (K,) arrays instead, keeps each
model's best epoch with whole-array operations, and builds the K ``History`` objects
once, at the end (:meth:`StackHistory.histories`). Models only ever leave a stack, so
model *k*'s epochs are the first ``epochs_run[k]`` rows.
"""

from __future__ import annotations

import numpy as np

from nnet.callbacks import History

__all__ = ["StackHistory"]


class StackHistory:
    """Per-epoch numbers of K models, their best epochs and stop reasons.

    Parameters
    ----------
    n_models : int
    monitor : {"train_loss", "val_loss"}
        The loss whose minimum is each model's best epoch.
    """

    def __init__(self, n_models: int, monitor: str) -> None:
        self.monitor = monitor
        self.logs: dict[str, list[np.ndarray]] = {}
        self.rates: list[np.ndarray] = []
        self.seconds: list[float] = []
        self.epochs_run = np.zeros(n_models, np.int64)
        self.best_epoch = np.full(n_models, -1, np.int64)
        self.best_value = np.full(n_models, np.inf)
        self.stop_reason: list[str | None] = [None] * n_models

    def record(
        self, logs: dict[str, np.ndarray], rate: np.ndarray, seconds: float, active: np.ndarray
    ) -> np.ndarray:
        """Append one epoch for the ``active`` models; return the mask of those that improved.

        A model improves when its monitored loss is below its best so far (its first
        epoch always does), as :func:`nnet.callbacks.record_epoch` decides for one.
        """
        epoch = len(self.seconds)
        current = logs[self.monitor]
        improved = active & ((self.best_epoch < 0) | (current < self.best_value))
        for key, values in logs.items():
            self.logs.setdefault(key, []).append(np.array(values, float))
        self.rates.append(np.array(rate, float))
        self.seconds.append(seconds)
        self.epochs_run[active] += 1
        self.best_epoch[improved] = epoch
        self.best_value[improved] = current[improved]
        return improved

    def stop(self, models: np.ndarray, reason: str) -> None:
        """Mark ``models`` (a mask; only those not stopped yet) as stopped for ``reason``."""
        for k in np.flatnonzero(models):
            if self.stop_reason[k] is None:
                self.stop_reason[k] = reason

    def histories(self) -> list[History]:
        """One :class:`~nnet.callbacks.History` per model, as lone training would record it."""
        columns = {key: np.array(rows) for key, rows in self.logs.items()}
        rates = np.array(self.rates)
        histories = []
        for k, n in enumerate(self.epochs_run.tolist()):
            history = History(monitor=self.monitor, stop_reason=self.stop_reason[k])
            history.epoch_time = self.seconds[:n]
            history.learning_rate = rates[:n, k].tolist() if n else []
            for key, values in columns.items() if n else ():
                curve = values[:n, k].tolist()
                if key == "train_loss":
                    history.train_loss = curve
                elif key == "val_loss":
                    history.val_loss = curve
                else:
                    history.metrics[key] = curve
            best = int(self.best_epoch[k])
            history.best_epoch = None if best < 0 else best
            histories.append(history)
        return histories
