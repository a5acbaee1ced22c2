"""Mini-batches of a data set, shuffled each epoch, gathered into reused buffers."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

__all__ = ["GATHER_BYTES", "Batches", "rows_sum_to_one"]

GATHER_BYTES = 1 << 20
"""Shuffled rows are copied about this many bytes at a time (see :class:`Batches`)."""


def rows_sum_to_one(Y: np.ndarray) -> bool:
    """Whether every target row sums to exactly 1 (one-hot or probabilities)."""
    return bool(np.all(np.add.reduce(Y, axis=1) == 1.0))


class Batches:
    """Contiguous mini-batches of ``(X, Y)``, in a new random order each epoch when shuffling.

    Iterating gives one epoch. Shuffled rows are gathered into two buffers reused all
    along, as many whole batches at a time as fit in about :data:`GATHER_BYTES` (at
    least one): a small data set is gathered once per epoch, a large one batch by
    batch, so the peak memory stays at the data plus a megabyte or one batch, never a
    second copy of a large data set.

    With ``ones_column``, shuffled ``X`` batches carry one more column, of ones, after
    the features: the first layer's bias then rides in its matrix product (see
    :func:`nnet._backprop.ones_column_pays`). Batches in order are views of ``X``.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
    Y : ndarray of shape (n_samples, n_outputs)
    batch_size : int or None
        ``None`` (or ``>= n_samples``): one batch of all rows, never shuffled.
    order : numpy.random.Generator or None
        Draws each epoch's permutation; ``None`` keeps the rows in order.
    ones_column : bool, default=False
        Gather shuffled rows with a column of ones after the features (the gathered
        ``X`` rows are copied once more, beside it, about half as many at a time).

    Attributes
    ----------
    size : int
        The batch size actually used (at most ``n_samples``).

    Examples
    --------
    >>> X = np.arange(5.0).reshape(-1, 1)
    >>> [len(xb) for xb, yb in Batches(X, X, 2, None)]
    [2, 2, 1]
    >>> xb, yb = next(iter(Batches(X, X, 2, np.random.default_rng(0), ones_column=True)))
    >>> xb[:, :1] == yb, xb[:, 1]
    (array([[ True],
           [ True]]), array([1., 1.]))
    """

    def __init__(
        self,
        X: np.ndarray,
        Y: np.ndarray,
        batch_size: int | None,
        order: np.random.Generator | None,
        ones_column: bool = False,
    ) -> None:
        self.X, self.Y = X, Y
        n = len(X)
        self.size = n if batch_size is None else min(batch_size, n)
        self.order = order if self.size < n else None  # one batch: order is irrelevant
        self._x_ones: np.ndarray | None = None
        if self.order is not None:
            row_bytes = X[0].nbytes * (2 if ones_column else 1) + Y[0].nbytes
            per_gather = max(1, GATHER_BYTES // (row_bytes * self.size)) * self.size
            rows = min(n, per_gather)
            self._x_rows = np.empty((rows, X.shape[1]), X.dtype)
            self._y_rows = np.empty((rows, Y.shape[1]), Y.dtype)
            if ones_column:  # take() needs a C-contiguous out: the rows are copied in after
                self._x_ones = np.ones((rows, X.shape[1] + 1), X.dtype)

    def __len__(self) -> int:
        """The number of batches in an epoch."""
        return -(-len(self.X) // self.size)

    def rows(self) -> np.ndarray:
        """The number of rows of each batch of an epoch, shape ``(len(self),)``."""
        return np.minimum(self.size, len(self.X) - self.size * np.arange(len(self)))

    def __iter__(self) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        X, Y, size = self.X, self.Y, self.size
        if self.order is None:
            for start in range(0, len(X), size):
                yield X[start : start + size], Y[start : start + size]
            return
        perm, per_gather = self.order.permutation(len(X)), len(self._x_rows)
        for start in range(0, len(X), per_gather):
            rows = perm[start : start + per_gather]
            n = len(rows)  # mode="clip": rows are valid, and it lets take() skip a buffer
            xs = X.take(rows, axis=0, out=self._x_rows[:n], mode="clip")
            if self._x_ones is not None:
                xs = self._x_ones[:n]
                xs[:, :-1] = self._x_rows[:n]
            ys = Y.take(rows, axis=0, out=self._y_rows[:n], mode="clip")
            for first in range(0, n, size):
                yield xs[first : first + size], ys[first : first + size]
