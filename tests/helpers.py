"""Small helpers shared by the tests."""

from __future__ import annotations

import numpy as np

from nnet.activations import ACTIVATIONS
from nnet.costs import COSTS

BUILTIN_ACTIVATIONS = sorted(name for name, act in ACTIVATIONS.items() if act.builtin)
BUILTIN_COSTS = sorted(name for name, cost in COSTS.items() if cost.builtin)
PROBABILITY_OUTPUTS = ["sigmoid", "softmax"]


def flatten(layers) -> np.ndarray:
    """All (W, b) pairs as one float64 vector."""
    return np.concatenate([np.ravel(p).astype(np.float64) for pair in layers for p in pair])


def relative_error(got, expected) -> float:
    """||got - expected|| / ||expected||, with 0 when both are exactly zero."""
    got, expected = flatten(got), flatten(expected)
    diff = np.linalg.norm(got - expected)
    scale = np.linalg.norm(expected)
    return 0.0 if diff == 0 else float(diff / scale) if scale > 0 else float("inf")


def make_targets(cost: str, n_samples: int, n_outputs: int, rng: np.random.Generator) -> np.ndarray:
    """Targets that make sense for ``cost``: one-hot, 0/1 labels, or real values."""
    if cost == "cross_entropy":
        return np.eye(n_outputs)[rng.integers(0, n_outputs, n_samples)]
    if cost == "binary_cross_entropy":
        return rng.integers(0, 2, (n_samples, n_outputs)).astype(float)
    return rng.normal(size=(n_samples, n_outputs))
