"""Type aliases shared across the library (for annotations only)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeAlias

import numpy as np

Pairs: TypeAlias = Sequence[tuple[np.ndarray, np.ndarray]]
"""A network's parameters or gradients, ``[(W, b), ...]``: one pair per layer, ``W``
of shape (n_in, n_out) and ``b`` of shape (n_out,) (with a leading model axis for a stack)."""

Shapes: TypeAlias = list[tuple[tuple[int, int], tuple[int]]]
"""The shapes of a network's pairs, ``[((n_in, n_out), (n_out,)), ...]``."""
