"""Small helpers shared by the tests; the data strategies are the public ``nnet.testing`` ones."""

from __future__ import annotations

import numpy as np

from nnet.activations import ACTIVATIONS
from nnet.costs import COSTS
from nnet.testing.strategies import PROBABILITY_OUTPUTS, targets

BUILTIN_ACTIVATIONS = sorted(name for name, act in ACTIVATIONS.items() if act.builtin)
BUILTIN_COSTS = sorted(name for name, cost in COSTS.items() if cost.builtin)
make_targets = targets  # (cost, n_samples, n_outputs, rng): one-hot, 0/1 labels or real values

__all__ = [
    "BUILTIN_ACTIVATIONS",
    "BUILTIN_COSTS",
    "PROBABILITY_OUTPUTS",
    "flatten",
    "make_targets",
    "relative_error",
]


def flatten(layers) -> np.ndarray:
    """All (W, b) pairs as one float64 vector."""
    return np.concatenate([np.ravel(p).astype(np.float64) for pair in layers for p in pair])


def relative_error(got, expected) -> float:
    """||got - expected|| / ||expected||, with 0 when both are exactly zero."""
    got, expected = flatten(got), flatten(expected)
    diff = np.linalg.norm(got - expected)
    scale = np.linalg.norm(expected)
    return 0.0 if diff == 0 else float(diff / scale) if scale > 0 else float("inf")
