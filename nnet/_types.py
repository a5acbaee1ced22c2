"""Type aliases shared across the library (for annotations only)."""

from __future__ import annotations

from typing import TypeAlias

import numpy as np

Pairs: TypeAlias = list[tuple[np.ndarray, np.ndarray]]
"""A network's parameters or gradients, ``[(W, b), ...]``: one pair per layer, ``W``
of shape (n_in, n_out) and ``b`` of shape (n_out,) (with a leading model axis for a stack)."""
