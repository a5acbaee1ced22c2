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
