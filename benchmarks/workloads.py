"""The benchmark workloads: data, architecture and hyperparameters shared by every contender."""

from __future__ import annotations

import dataclasses
import itertools
from typing import Any

import numpy as np

__all__ = ["Workload", "iris_workload", "mnist_workload"]


@dataclasses.dataclass(frozen=True)
class Workload:
    """One training problem, identical for every contender.

    ``X`` and ``Y`` (one-hot) have the workload's dtype; ``y`` holds the class
    indices of the same rows (for scikit-learn and PyTorch).
    """

    name: str
    description: str
    X: np.ndarray
    y: np.ndarray
    Y: np.ndarray
    hidden: tuple[int, ...]
    activation: str
    batch_size: int
    epochs: int
    learning_rate: float = 0.01
    momentum: float = 0.9

    @property
    def dtype(self) -> np.dtype[Any]:
        return self.X.dtype

    @property
    def sizes(self) -> list[int]:
        """Widths of every layer, input and output included."""
        return [self.X.shape[1], *self.hidden, self.Y.shape[1]]

    @property
    def steps_per_epoch(self) -> int:
        return -(-len(self.X) // self.batch_size)

    @property
    def n_params(self) -> int:
        return sum((n_in + 1) * n_out for n_in, n_out in itertools.pairwise(self.sizes))

    def as_dict(self) -> dict[str, Any]:
        """Everything but the arrays, for the JSON report."""
        return {
            "description": self.description,
            "n_samples": len(self.X),
            "sizes": self.sizes,
            "activation": self.activation,
            "dtype": self.dtype.name,
            "batch_size": self.batch_size,
            "epochs": self.epochs,
            "steps_per_epoch": self.steps_per_epoch,
            "learning_rate": self.learning_rate,
            "momentum": self.momentum,
            "n_params": self.n_params,
        }


def _one_hot(y: np.ndarray, n_classes: int, dtype: Any) -> np.ndarray:
    return np.eye(n_classes, dtype=dtype)[y]


def iris_workload(epochs: int = 100) -> Workload:
    """Workload 1, the seed network: standardized Iris, 4 -> 8 sigmoid -> 3 softmax, batch 10."""
    from sklearn.datasets import load_iris

    data = load_iris()
    X = np.asarray(data.data, dtype=np.float64)
    X = (X - X.mean(axis=0)) / X.std(axis=0)
    y = np.asarray(data.target, dtype=np.int64)
    return Workload(
        name="iris",
        description="Iris 150x4 -> 8 sigmoid -> 3 softmax, cross-entropy, batch 10",
        X=X,
        y=y,
        Y=_one_hot(y, 3, np.float64),
        hidden=(8,),
        activation="sigmoid",
        batch_size=10,
        epochs=epochs,
    )


def mnist_workload(dtype: Any, n_samples: int = 20_000, epochs: int = 2) -> Workload:
    """Workload 2: MNIST-sized synthetic data, 784 -> 256 -> 128 -> 10 ReLU, batch 128.

    The inputs are standard normal; the labels come from a random linear
    teacher, so the problem is learnable and the loss visibly falls.
    """
    rng = np.random.default_rng(12345)
    X = rng.standard_normal((n_samples, 784))
    y = np.argmax(X @ rng.standard_normal((784, 10)), axis=1).astype(np.int64)
    dtype = np.dtype(dtype)
    return Workload(
        name=f"mnist_{dtype.name}",
        description=f"synthetic {n_samples}x784 -> 256 -> 128 -> 10, ReLU, softmax "
        f"cross-entropy, batch 128, {dtype.name}",
        X=X.astype(dtype),
        y=y,
        Y=_one_hot(y, 10, dtype),
        hidden=(256, 128),
        activation="relu",
        batch_size=128,
        epochs=epochs,
    )
