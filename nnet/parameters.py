r"""The parameter store: every parameter of one network, or of a stack of K networks, in one array.

A network's parameters ``[(W0, b0), (W1, b1), ...]`` live in one vector laid out as
``[W0.ravel(), b0, W1.ravel(), b1, ...]``, and each W and b is a *view* of its slice, so
that an optimizer updates every parameter with a few whole-vector NumPy operations (on a
small network NumPy's per-call cost, not the arithmetic, is what a step spends its time on).

K networks of the same shapes (a *stack*, see :func:`nnet.sweep`) are the same thing with a
leading **model axis**: a ``(K, n_params)`` array whose views are ``W: (K, n_in, n_out)`` and
``b: (K, 1, n_out)``. A lone network has no model axis: ``(n_params,)``, ``W: (n_in, n_out)``,
``b: (1, n_out)``. The bias keeps a row axis of 1 so that ``z = a @ W + b`` and
``db = delta.sum(axis=-2, keepdims=True)`` read the same for both; the network's public
``layers`` show it as ``(n_out,)``.

Values with one number per model (learning rates, penalties) broadcast against the store as
a column ``(K, 1)``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from nnet.utils.types import Pairs

__all__: list[str] = []  # the store is the engine's interface, not user API (docs/design.rst)


def split(flat: np.ndarray, shapes: Sequence[tuple[int, ...]]) -> list[np.ndarray]:
    """Views of consecutive slices of the last axis of ``flat``, one per shape (a leading
    model axis kept in front of each)."""
    size = sum(math.prod(shape) for shape in shapes)
    if flat.ndim not in (1, 2) or flat.shape[-1] != size:
        raise ValueError(f"flat must end in an axis of {size} entries, got {flat.shape}")
    lead = flat.shape[:-1]
    return [flat[..., where].reshape(lead + tuple(shape)) for where, shape in slices(shapes)]


def slices(shapes: Sequence[tuple[int, ...]]) -> list[tuple[slice, tuple[int, ...]]]:
    """``(slice, shape)`` of each array of ``shapes`` laid out one after the other.

    Examples
    --------
    >>> slices([(2, 2), (2,)])
    [(slice(0, 4, None), (2, 2)), (slice(4, 6, None), (2,))]
    """
    ends = np.cumsum([math.prod(shape) for shape in shapes]).tolist()
    return [
        (slice(start, end), tuple(shape))
        for start, end, shape in zip([0, *ends[:-1]], ends, shapes)
    ]


def pairs(arrays: list[np.ndarray]) -> Pairs:
    """``[W0, b0, W1, b1, ...]`` as ``[(W0, b0), (W1, b1), ...]``."""
    return list(zip(arrays[::2], arrays[1::2], strict=True))


def weight_mask_for(shapes: Sequence[tuple[int, ...]], dtype: Any) -> np.ndarray:
    """A new ``(n_params,)`` vector of ``shapes``' layout: 1 on each W, 0 on each b."""
    mask = np.zeros(sum(math.prod(shape) for shape in shapes), dtype)
    for k, view in enumerate(split(mask, shapes)):
        view[...] = k % 2 == 0  # W0, b0, W1, b1, ...
    return mask


class Layout:
    """Where each W and b sits in a parameter vector of ``sizes``, for one model or a stack.

    Parameters
    ----------
    sizes : sequence of int
        ``[n_inputs, n_1, ..., n_outputs]``.
    dtype : numpy dtype
    n_models : int or None, default=None
        ``None`` for a lone network (no model axis), else K >= 1.

    Examples
    --------
    >>> layout = Layout([2, 3, 1], np.float64, n_models=4)
    >>> layout.shape, layout.n_params
    ((4, 13), 13)
    >>> [v.shape for v in layout.arrays(layout.empty())]
    [(4, 2, 3), (4, 1, 3), (4, 3, 1), (4, 1, 1)]
    """

    def __init__(self, sizes: Sequence[int], dtype: Any, n_models: int | None = None) -> None:
        self.sizes = tuple(int(s) for s in sizes)
        self.dtype = np.dtype(dtype)
        self.n_models = n_models
        self.array_shapes: list[tuple[int, ...]] = [
            shape
            for n_in, n_out in zip(self.sizes, self.sizes[1:])
            for shape in ((n_in, n_out), (1, n_out))
        ]
        self.n_params = sum(math.prod(shape) for shape in self.array_shapes)
        # The shapes of one model's [W0, b0, ...] as the public layers show them (b: (n_out,)).
        self.shapes = [shape[-1:] if k % 2 else shape for k, shape in enumerate(self.array_shapes)]
        self.lead: tuple[int, ...] = () if n_models is None else (n_models,)
        self.shape = (*self.lead, self.n_params)
        self._mask: np.ndarray | None = None
        self._slices = [(where, (*self.lead, *shape)) for where, shape in slices(self.array_shapes)]

    @property
    def stacked(self) -> bool:
        """Whether there is a model axis."""
        return self.n_models is not None

    def empty(self) -> np.ndarray:
        """A new, uninitialized vector in this layout."""
        return np.empty(self.shape, self.dtype)

    def arrays(self, vector: np.ndarray) -> list[np.ndarray]:
        """``[W0, b0, W1, b1, ...]``: views of ``vector``'s slices."""
        if vector.shape != self.shape:  # another model axis, or an error to report
            return split(vector, self.array_shapes)
        return [vector[..., where].reshape(shape) for where, shape in self._slices]

    def layers(self, vector: np.ndarray) -> Pairs:
        """``[(W0, b0), ...]``: views of ``vector``'s slices."""
        return pairs(self.arrays(vector))

    def weight_mask(self) -> np.ndarray:
        """A read-only ``(n_params,)`` vector, 1 on the weights W and 0 on the biases b."""
        if self._mask is None:  # made once per layout
            mask = weight_mask_for(self.array_shapes, self.dtype)
            mask.flags.writeable = False
            self._mask = mask
        return self._mask

    def __repr__(self) -> str:
        models = "" if self.n_models is None else f", n_models={self.n_models}"
        return f"Layout({list(self.sizes)}, {self.dtype.name}{models})"


class ParameterStore:
    """The parameters of one network (or a stack of K): one array, its layout and its views.

    Everything training does to parameters goes through here: read the views
    (:attr:`layers`), add an update, check finiteness, snapshot and restore.

    Parameters
    ----------
    layout : Layout
    vector : ndarray of shape ``layout.shape``
        Taken as the storage (not copied).

    Attributes
    ----------
    layout : Layout
    layers : list of (W, b)
        Views of :attr:`vector` (``b`` with its row axis of 1).

    Examples
    --------
    >>> store = ParameterStore(Layout([2, 1], np.float64), np.arange(3.0))
    >>> store.layers[0][0].ravel(), store.public_layers()[0][1]
    (array([0., 1.]), array([2.]))
    >>> store.add(np.ones(3)); store.vector
    array([1., 2., 3.])
    """

    def __init__(self, layout: Layout, vector: np.ndarray) -> None:
        self.layout = layout
        self.replace(vector)

    def replace(self, vector: np.ndarray) -> None:
        """Make ``vector`` the storage; views handed out earlier keep the old values."""
        if vector.shape != self.layout.shape or vector.dtype != self.layout.dtype:
            raise ValueError(f"vector must be {self.layout.shape} {self.layout.dtype}")
        self.vector = vector
        self.layers = self.layout.layers(vector)

    @staticmethod
    def pack(layout: Layout, layers: Sequence[tuple[Any, Any]]) -> np.ndarray:
        """One new vector from ``[(W, b), ...]`` with the shapes of a lone ``layout``."""
        return np.concatenate([np.ravel(a) for pair in layers for a in pair]).astype(
            layout.dtype, copy=False
        )

    def public_layers(self) -> Pairs:
        """``[(W, b), ...]`` views with ``b`` shaped ``(..., n_out)`` (no row axis)."""
        return [(W, b.reshape(b.shape[:-2] + b.shape[-1:])) for W, b in self.layers]

    def add(self, update: np.ndarray) -> None:
        """``vector += update``, in place."""
        self.vector += update

    def all_finite(self) -> Any:
        """Whether every parameter is finite: a bool, or one per model for a stack."""
        finite = np.isfinite(self.vector)
        return finite.all() if not self.layout.stacked else finite.all(axis=-1)

    def snapshot(self) -> np.ndarray:
        """A copy of the storage, for :meth:`restore`."""
        return self.vector.copy()

    def save(self, snapshot: np.ndarray, models: np.ndarray) -> None:
        """Copy the parameters of the models in the mask ``models`` (K,) into ``snapshot``."""
        _copy_models(snapshot, self.vector, models)

    def restore(self, snapshot: np.ndarray, models: np.ndarray) -> None:
        """Copy the parameters of the models in the mask ``models`` (K,) back from ``snapshot``."""
        _copy_models(self.vector, snapshot, models)

    def __getstate__(self) -> dict[str, Any]:
        # copy.deepcopy and pickle would copy each view on its own: keep the vector only.
        state = self.__dict__.copy()
        del state["layers"]
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self.layers = self.layout.layers(self.vector)


def _copy_models(to: np.ndarray, source: np.ndarray, models: np.ndarray) -> None:
    """Copy the rows (models) of ``source`` that the mask ``models`` selects into ``to``."""
    if models.all():
        np.copyto(to, source)
    elif models.any():
        to.reshape(len(models), -1)[models] = source.reshape(len(models), -1)[models]
