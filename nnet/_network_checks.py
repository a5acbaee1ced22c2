"""Checks of the NeuralNetwork constructor's arguments and of parameter lists."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import Any

import numpy as np

from nnet import _readonly
from nnet._errors import NonFiniteError
from nnet._types import Pairs, Shapes
from nnet._validation import check_pairs, check_positive_int
from nnet.activations import Activation, make_activation
from nnet.costs import Cost

_PROBABILITY_OUTPUTS = {"sigmoid", "softmax"}


MAX_PARAMS = 1_000_000_000
"""The most parameters a network may have (8 GB in float64): larger sizes are refused
before anything is allocated, instead of failing deep in NumPy with a MemoryError."""


def check_sizes(sizes: Any, network_input_size: int | None = None) -> tuple[int, ...]:
    """``layer_output_sizes`` as a tuple of positive ints, at least one.

    A 1-D integer array is accepted like a list, as the estimators accept it. With
    ``network_input_size``, the parameter count is checked against :data:`MAX_PARAMS`.
    """
    if isinstance(sizes, np.ndarray) and sizes.ndim == 1:
        sizes = sizes.tolist()
    if isinstance(sizes, (str, bytes)) or not isinstance(sizes, Sequence):
        raise TypeError(f"layer_output_sizes must be a sequence of positive ints, got {sizes!r}")
    if len(sizes) == 0:
        raise ValueError("layer_output_sizes must name at least the output layer, got []")
    checked = tuple(check_positive_int(s, f"layer_output_sizes[{i}]") for i, s in enumerate(sizes))
    if network_input_size is not None:
        check_n_params(network_input_size, checked)
    return checked


def count_params(network_input_size: int, sizes: Sequence[int]) -> int:
    """Weights and biases of a network: the sum of ``(n_in + 1) * n_out`` over its layers."""
    widths = [network_input_size, *sizes]
    return sum((n_in + 1) * n_out for n_in, n_out in itertools.pairwise(widths))


def check_n_params(network_input_size: int, sizes: Sequence[int]) -> int:
    """The parameter count, or ValueError if it exceeds :data:`MAX_PARAMS` (the one size check)."""
    n_params = count_params(network_input_size, sizes)
    if n_params > MAX_PARAMS:
        widths = " -> ".join(map(str, [network_input_size, *sizes]))
        raise ValueError(
            f"layer_output_sizes: a {widths} network has {n_params:,} parameters, more than "
            f"the {MAX_PARAMS:,} nnet allows (nnet._network_checks.MAX_PARAMS); use smaller layers"
        )
    return n_params


def make_activations(funcs: Any, ders: Any, n_layers: int) -> list[Activation]:
    """One :class:`Activation` per layer from the activation (and derivative) lists."""
    for name, seq in (("activation_funcs", funcs), ("activation_ders", ders)):
        if seq is None and name == "activation_ders":
            continue
        if isinstance(seq, (str, bytes)) or not isinstance(seq, Sequence):
            raise TypeError(f"{name} must be a list with one entry per layer, got {seq!r}")
        if len(seq) != n_layers:
            raise ValueError(
                f"{name} has {len(seq)} entries but layer_output_sizes has {n_layers} layers; "
                "give one per layer"
            )
    ders = ders if ders is not None else [None] * n_layers
    return [
        make_activation(f, d, argname=f"activation_funcs[{i}]")
        for i, (f, d) in enumerate(zip(funcs, ders))
    ]


def check_output_pairing(output: Activation, cost: Cost) -> None:
    """Refuse a cross-entropy cost after a library activation that cannot give probabilities."""
    if cost.probabilities and output.builtin and output.name not in _PROBABILITY_OUTPUTS:
        raise ValueError(
            f"cost_fun={cost.name!r} needs probabilities but the last activation is "
            f"{output.name!r}; use 'softmax' (classes) or 'sigmoid' (binary/multi-label)"
        )


def copy_layers(pairs: Any, shapes: Shapes, dtype: np.dtype[Any], name: str) -> Pairs:
    """Checked, finite ``pairs`` in ``dtype``, to be copied into the network's flat vector.

    Arrays already of ``dtype`` are returned as they are, not copied: the network
    packs them into its own new parameter vector next, so one copy suffices and
    loading a large model needs the file's size once more, not twice.
    """
    cast = [
        (W.astype(dtype, copy=False), b.astype(dtype, copy=False))
        for W, b in check_pairs(pairs, name, shapes)
    ]
    if not all(np.isfinite(W).all() and np.isfinite(b).all() for W, b in cast):  # float32 casts
        raise ValueError(f"{name} contain NaN or infinity; expected finite numbers")
    return cast


def check_sums(layers: Pairs, updates: Pairs, name: str) -> None:
    """Raise if adding ``updates`` to ``layers`` would overflow to infinity, changing nothing."""
    for i, ((W, b), (dW, db)) in enumerate(zip(layers, updates)):
        for part, array, update in (("W", W, dW), ("b", b, db)):
            with np.errstate(over="ignore", invalid="ignore"):
                total = np.add(array, update, dtype=array.dtype)
            if not np.isfinite(total).all():
                raise NonFiniteError(
                    f"{name}[{i}] {part} would make the weights infinite (overflow); "
                    "nothing was changed"
                )


def read_only(array: np.ndarray) -> np.ndarray:
    """A view of ``array`` that cannot be written through (and says how to change it)."""
    return _readonly.read_only(array)


def check_finite(values: np.ndarray, what: str, X: np.ndarray) -> None:
    """Raise if ``values`` computed from finite ``X`` overflowed (finite weights, huge X)."""
    if not np.isfinite(values).all():
        raise ValueError(
            f"{what} overflowed for X (largest |X| = {float(np.abs(X).max()):.3g}): "
            "the inputs are too large for this network; scale the features "
            "(e.g. sklearn.preprocessing.StandardScaler)"
        )
