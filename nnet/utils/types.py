"""Type aliases and protocols shared across the library (for annotations only)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol, TypeAlias, runtime_checkable

import numpy as np

Pairs: TypeAlias = Sequence[tuple[np.ndarray, np.ndarray]]
"""A network's parameters or gradients, ``[(W, b), ...]``: one pair per layer, ``W``
of shape (n_in, n_out) and ``b`` of shape (n_out,) (with a leading model axis for a stack)."""

Shapes: TypeAlias = list[tuple[tuple[int, int], tuple[int]]]
"""The shapes of a network's pairs, ``[((n_in, n_out), (n_out,)), ...]``."""


@runtime_checkable
class NetworkLike(Protocol):
    """What code below :mod:`nnet.network` may use of a network (and checks with ``isinstance``).

    Such code cannot import :class:`~nnet.network.NeuralNetwork` without importing
    upward; ``isinstance(net, NetworkLike)`` checks these members are there instead.
    """

    network_input_size: int
    layer_output_sizes: tuple[int, ...]
    dtype: np.dtype[Any]
    cost_fun: Any

    def predict(self, X: Any) -> np.ndarray:
        """The network's outputs for inputs ``X``."""
        ...

    def cost(self, X: Any, Y: Any) -> float:
        """The cost of the outputs for ``X`` against ``Y``, penalties included."""
        ...


class SupportsStep(Protocol):
    """Anything with ``step(layer_grads) -> updates`` can drive the training loop."""

    def step(self, layer_grads: Pairs, /) -> Pairs:
        """Return additive updates ``[(uW, ub), ...]`` for ``layer_grads = [(dW, db), ...]``.

        Parameters
        ----------
        layer_grads : list of (ndarray, ndarray)
            ``[(dW, db), ...]``, the shapes of the network's layers.

        Returns
        -------
        list of (ndarray, ndarray)
            The updates, the shapes and dtypes of ``layer_grads``.
        """
        ...
