r"""Weight initializers and their registry.

:class:`~nnet.NeuralNetwork`, the scikit-learn estimators and the command line
all start from Glorot/Xavier-uniform weights by default (``init="xavier"``, as
Keras does): it keeps each layer's outputs on the scale of its inputs for the
sigmoid, tanh and ReLU networks of the course, where the standard normal
weights of the course notebook (``init="normal"``, kept to reproduce it) saturate
wide layers. Measured with 20 seeds on Iris (4-8-3, sigmoid/softmax, Momentum)
and on digits (64-64-10 ReLU, Adam, 30 epochs), Xavier and He both beat
"normal": digits' first-epoch loss 2.1 instead of 26, test accuracy 0.971
instead of 0.864 (see the user guide's training page).

An initializer is a callable ``init(n_in, n_out, rng) -> (W, b)`` returning
float64 arrays of shapes (n_in, n_out) and (n_out,); the network casts them to
its dtype. ``rng`` is a :class:`numpy.random.Generator`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

import numpy as np

from nnet.utils.docstrings import fill_doc
from nnet.utils.validation import Registry

__all__ = ["INITIALIZERS", "get_initializer", "glorot", "he", "normal", "register_initializer"]

Initializer = Callable[[int, int, np.random.Generator], tuple[np.ndarray, np.ndarray]]

_SECTIONS = """
Parameters
----------
n_in : int
    Inputs of the layer (rows of ``W``).
n_out : int
    Outputs of the layer (columns of ``W``, length of ``b``).
rng : numpy.random.Generator
    The generator drawn from.

Returns
-------
W : ndarray of shape (n_in, n_out)
    The weights.
b : ndarray of shape (n_out,)
    The biases.
"""


@fill_doc(sections=_SECTIONS)
def normal(n_in: int, n_out: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    r"""Standard normal weights *and* biases, :math:`W_{ij}, b_j \sim \mathcal N(0, 1)`.

    The course's default (``np.random.randn``); fine for small, shallow nets
    on standardized inputs, but it saturates sigmoids of wide layers.

    {sections}

    Examples
    --------
    >>> W, b = normal(3, 2, np.random.default_rng(0))
    >>> W.shape, b.shape
    ((3, 2), (2,))
    """
    return rng.standard_normal((n_in, n_out)), rng.standard_normal(n_out)


@fill_doc(sections=_SECTIONS)
def glorot(n_in: int, n_out: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    r"""Glorot/Xavier uniform weights and zero biases.

    .. math:: W_{ij} \sim \mathcal U(-L, L),
              \qquad L = \sqrt{\frac{6}{n_\mathrm{in} + n_\mathrm{out}}}

    {sections}

    Examples
    --------
    >>> W, b = glorot(3, 2, np.random.default_rng(0))
    >>> bool(np.all(np.abs(W) <= np.sqrt(6 / 5))), b.tolist()
    (True, [0.0, 0.0])
    """
    limit = np.sqrt(6.0 / (n_in + n_out))
    return rng.uniform(-limit, limit, (n_in, n_out)), np.zeros(n_out)


@fill_doc(sections=_SECTIONS)
def he(n_in: int, n_out: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    r"""He (Kaiming) normal weights for ReLU-like layers, and zero biases.

    .. math:: W_{ij} \sim \mathcal N\!\left(0, \frac{2}{n_\mathrm{in}}\right)

    {sections}

    Examples
    --------
    >>> W, b = he(3, 2, np.random.default_rng(0))
    >>> W.shape, b.tolist()
    ((3, 2), [0.0, 0.0])
    """
    return rng.normal(0.0, np.sqrt(2.0 / n_in), (n_in, n_out)), np.zeros(n_out)


INITIALIZERS: dict[str, Initializer] = {
    "normal": normal,
    "xavier": glorot,
    "glorot": glorot,
    "he": he,
}
"""Name → initializer."""


_REGISTRY = Registry("initializer", "initializers", INITIALIZERS, "fn")


def get_initializer(spec: Any, **params: Any) -> Initializer:
    """Return the initializer for a name in :data:`INITIALIZERS` (any case) or a callable.

    Parameters
    ----------
    spec : str or callable
        A registry name, or a callable ``init(n_in, n_out, rng) -> (W, b)``,
        returned as is.
    **params
        None: no initializer takes parameters (the registries share one shape).

    Returns
    -------
    callable
        ``init(n_in, n_out, rng) -> (W, b)``.

    Examples
    --------
    >>> get_initializer("Xavier") is glorot
    True
    """
    if isinstance(spec, str) and not params:
        return _REGISTRY.lookup(spec)
    refusal = (
        f"init must be a name in {sorted(INITIALIZERS)} or a callable "
        f"init(n_in, n_out, rng) -> (W, b), got {type(spec).__name__}"
    )
    return cast(Initializer, _REGISTRY.entry_or_callable(spec, params, None, refusal))


def register_initializer(name: str, fn: Initializer, *, overwrite: bool = False) -> Initializer:
    """Register an initializer under ``name``, so ``init=name`` works everywhere.

    Parameters
    ----------
    name : str
        The new name (names ignore case).
    fn : callable
        ``fn(n_in, n_out, rng) -> (W, b)``: arrays of shapes (n_in, n_out) and
        (n_out,), drawn from the :class:`numpy.random.Generator` ``rng``.
    overwrite : bool, default=False
        Allow replacing an initializer registered before (the library's are
        never replaced; see :doc:`/user_guide/registries` for the rules).

    Returns
    -------
    callable
        ``fn`` itself.

    Examples
    --------
    >>> def lecun(n_in, n_out, rng):
    ...     return rng.normal(0.0, np.sqrt(1.0 / n_in), (n_in, n_out)), np.zeros(n_out)
    >>> _ = register_initializer("lecun_demo", lecun, overwrite=True)
    >>> get_initializer("LeCun_Demo") is lecun
    True
    >>> del INITIALIZERS["lecun_demo"]  # an entry is a dict item
    """
    if not callable(fn):
        raise TypeError(f"fn must be callable fn(n_in, n_out, rng) -> (W, b), got {fn!r}")
    return _REGISTRY.register(name, lambda: fn, overwrite)
