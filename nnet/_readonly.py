"""Read-only views of a network's parameters that say how to change them.

:attr:`nnet.NeuralNetwork.layers` hands out views of the live parameter arrays.
Writing into one (``W[0, 0] += h``, ``W[:] = 0``, ``np.add(W, 1, out=W)``) would
bypass the network's checks, so it is refused; NumPy's own refusal ("assignment
destination is read-only") does not say what to do instead, this one does. The
list of pairs is a :class:`LayerPairs` tuple for the same reason: assigning an
item of a plain list would silently change nothing.

Everything else behaves like a plain array: reads, slicing, arithmetic (which
returns plain :class:`numpy.ndarray` results), ``np.asarray``, ``copy()`` (a
writable plain array), pickling (unpickles as a plain array), safetensors and
autograd.
"""

from __future__ import annotations

import copy as _copy
from typing import Any

import numpy as np
from autograd.builtins import SequenceBox, TupleVSpace
from autograd.numpy.numpy_boxes import ArrayBox
from autograd.numpy.numpy_vspaces import ArrayVSpace

HINT = (
    "net.layers is a read-only view of the network's parameters; to change them, "
    "assign new arrays with `net.layers = [(W, b), ...]` (e.g. "
    "`net.layers = [(W.copy(), b.copy()) for W, b in net.layers]`, then edit and assign "
    "again) or add updates with `net.update_weights([(dW, db), ...])`"
)


def _plain(value: Any) -> Any:
    """``value`` as a plain ndarray if it is a :class:`ReadOnlyArray` (tuples looked into)."""
    if isinstance(value, ReadOnlyArray):
        return value.view(np.ndarray)
    if isinstance(value, (tuple, list)):
        return type(value)(_plain(v) for v in value)
    return value


#: NumPy functions that write into their first argument.
_WRITERS = {np.copyto, np.put, np.place, np.putmask, np.put_along_axis, np.fill_diagonal}


class ReadOnlyArray(np.ndarray):
    """An ndarray view that refuses writes with a hint on how to change the weights.

    Examples
    --------
    >>> W = read_only(np.zeros((2, 2)))
    >>> W + 1
    array([[1., 1.],
           [1., 1.]])
    >>> W[0, 0] = 1.0  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: net.layers is a read-only view ...
    """

    def __setitem__(self, key: Any, value: Any) -> None:
        raise ValueError(HINT)

    def __array_ufunc__(self, ufunc: Any, method: str, *inputs: Any, **kwargs: Any) -> Any:
        out = kwargs.get("out", ())
        if method == "at" and isinstance(inputs[0], ReadOnlyArray):
            raise ValueError(HINT)
        if any(isinstance(o, ReadOnlyArray) for o in out):
            raise ValueError(HINT)
        return getattr(ufunc, method)(*_plain(inputs), **kwargs)

    def __array_function__(self, func: Any, types: Any, args: Any, kwargs: Any) -> Any:
        # Results of NumPy functions (np.dot, np.concatenate, ...) are plain arrays.
        if func in _WRITERS and args and isinstance(args[0], ReadOnlyArray):
            raise ValueError(HINT)
        if isinstance(kwargs.get("out"), ReadOnlyArray):
            raise ValueError(HINT)
        return func(*_plain(args), **{k: _plain(v) for k, v in kwargs.items()})

    def copy(self, order: Any = "C") -> np.ndarray:
        """A writable plain-ndarray copy."""
        return np.array(self.view(np.ndarray), order=order, copy=True)

    def astype(self, dtype: Any, *args: Any, **kwargs: Any) -> np.ndarray:
        """Like :meth:`numpy.ndarray.astype`, returning a plain ndarray."""
        return self.view(np.ndarray).astype(dtype, *args, **kwargs)

    def __copy__(self) -> np.ndarray:
        return self.copy()

    def __deepcopy__(self, memo: Any) -> np.ndarray:
        return _copy.deepcopy(self.view(np.ndarray), memo)

    def __reduce__(self) -> Any:
        # Pickle as a plain array: the unpickled copy is the user's to modify.
        return self.view(np.ndarray).copy().__reduce__()

    def __repr__(self) -> str:
        return repr(self.view(np.ndarray))


ArrayBox.register(ReadOnlyArray)
ArrayVSpace.register(ReadOnlyArray)


def read_only(array: np.ndarray) -> ReadOnlyArray:
    """A :class:`ReadOnlyArray` view of ``array``: reads see the live values, writes are refused.

    Examples
    --------
    >>> base = np.zeros(3)
    >>> view = read_only(base)
    >>> base[0] = 5.0
    >>> float(view[0])
    5.0
    """
    view = array.view(ReadOnlyArray)
    view.flags.writeable = False
    return view


class LayerPairs(tuple):
    """The ``((W, b), ...)`` of :attr:`nnet.NeuralNetwork.layers`: a tuple refusing item assignment.

    Examples
    --------
    >>> pairs = LayerPairs([(np.zeros(1), np.zeros(1))])
    >>> pairs[0] = None  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    TypeError: net.layers is a read-only view ...
    """

    __slots__ = ()

    def __setitem__(self, key: Any, value: Any) -> None:
        raise TypeError(HINT)

    def __delitem__(self, key: Any) -> None:
        raise TypeError(HINT)

    def __reduce__(self) -> Any:
        return (tuple, (tuple(self),))


# autograd differentiates through the pairs like through a tuple (gradients come as tuples).
SequenceBox.register(LayerPairs)
TupleVSpace.register(LayerPairs)
