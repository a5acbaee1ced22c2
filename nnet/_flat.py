"""Many arrays stored as one flat vector, each a view of its own slice.

The network keeps all of its parameters in one vector laid out as
``[W0.ravel(), b0, W1.ravel(), b1, ...]`` (and its gradient in another with the same
layout), so that an optimizer can update every parameter with a few whole-vector
NumPy operations instead of a few per array: on a small network the per-call cost of
NumPy, not the arithmetic, is what a training step spends its time on.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

__all__ = ["pairs", "split"]


def split(flat: np.ndarray, shapes: Sequence[tuple[int, ...]]) -> list[np.ndarray]:
    """Views of consecutive slices of the 1-D ``flat``, one per shape, in order.

    Examples
    --------
    >>> W, b = split(np.arange(6.0), [(2, 2), (2,)])
    >>> W, b
    (array([[0., 1.],
           [2., 3.]]), array([4., 5.]))
    >>> bool(np.shares_memory(W, b.base))
    True
    """
    sizes = [math.prod(shape) for shape in shapes]
    if flat.ndim != 1 or flat.size != sum(sizes):
        raise ValueError(f"flat must be 1-D with {sum(sizes)} entries, got shape {flat.shape}")
    ends = np.cumsum(sizes).tolist()
    starts = [0, *ends[:-1]]
    return [flat[s:e].reshape(shape) for s, e, shape in zip(starts, ends, shapes)]


def pairs(arrays: list[np.ndarray]) -> list[tuple[np.ndarray, np.ndarray]]:
    """``[W0, b0, W1, b1, ...]`` as ``[(W0, b0), (W1, b1), ...]``."""
    return list(zip(arrays[::2], arrays[1::2], strict=True))
