r"""Activation functions, each with its derivative beside it, and their registry.

Every function here is written with :mod:`autograd.numpy`, so it works on plain
arrays *and* inside :meth:`nnet.NeuralNetwork.autograd_compliant_predict`.
An elementwise activation :math:`f` comes with ``<name>_der`` giving
:math:`f'(z)`; softmax is not elementwise, so it backpropagates through its
Jacobian as a vector-Jacobian product (:func:`softmax_vjp`).

The registry :data:`ACTIVATIONS` maps a name to an :class:`Activation`, so a
string works wherever a function does::

    NeuralNetwork(4, [8, 3], ["sigmoid", "softmax"], cost_fun="cross_entropy")
"""

from __future__ import annotations

from typing import Any

from nnet._autodiff import derive_vjp
from nnet._docstrings import fill_doc
from nnet._validation import Registry, register_sections, resolve
from nnet.activations._activation import Activation, ArrayFunc
from nnet.activations._builtins import (
    BUILTINS,
    elu,
    elu_der,
    exp,
    exp_der,
    identity,
    identity_der,
    leaky_relu,
    leaky_relu_der,
    relu,
    relu_der,
    sigmoid,
    sigmoid_der,
    tanh,
    tanh_der,
)
from nnet.activations._softmax import softmax, softmax_vjp

__all__ = [
    "ACTIVATIONS",
    "Activation",
    "elu",
    "elu_der",
    "exp",
    "exp_der",
    "get_activation",
    "identity",
    "identity_der",
    "leaky_relu",
    "leaky_relu_der",
    "linear",
    "register_activation",
    "relu",
    "relu_der",
    "sigmoid",
    "sigmoid_der",
    "softmax",
    "softmax_vjp",
    "tanh",
    "tanh_der",
]


linear = identity
"""Alias of :func:`identity`."""

ACTIVATIONS: dict[str, Activation] = {act.name: act for act in BUILTINS}
"""Name → :class:`Activation` for every activation the library ships (and registered ones)."""

_REGISTRY = Registry(
    "activation", "activations", ACTIVATIONS, "fn", {"linear": "identity", "logistic": "sigmoid"}
)


@fill_doc(sections=register_sections("Activation", "``fn(z) -> a``", "Elementwise derivative"))
def register_activation(
    name: str, fn: ArrayFunc, der: ArrayFunc | None = None, *, overwrite: bool = False
) -> Activation:
    """Register a custom activation under ``name`` so strings (and saved models) can use it.

    {sections}

    Examples
    --------
    >>> import autograd.numpy as anp
    >>> act = register_activation("softplus_demo", lambda z: anp.log1p(anp.exp(z)), overwrite=True)
    >>> get_activation("softplus_demo") is act
    True
    """
    return _REGISTRY.register_callable(name, make_activation, fn, der, overwrite)


def make_activation(fn: Any, der: Any = None, *, argname: str = "activation") -> Activation:
    """Turn a name, an :class:`Activation` or a callable (+ optional derivative) into an Activation.

    A library function (``sigmoid``, ``softmax``, ...) maps to its registry
    entry. A custom callable without ``der`` is differentiated by autograd; one
    autograd cannot differentiate raises :class:`TypeError` here, not later.

    Examples
    --------
    >>> make_activation(sigmoid).name
    'sigmoid'
    >>> make_activation("linear").name
    'identity'
    """
    entry = resolve(fn, der, ACTIVATIONS, get_activation, Activation, argname)
    if entry is not None:
        return entry
    name = getattr(fn, "__name__", type(fn).__name__)
    if der is not None:
        return Activation(name, fn, der)
    return Activation(name, fn, vjp=derive_vjp(fn, argname))


def get_activation(spec: str | Activation, **params: Any) -> Activation:
    """Return a registered activation by name (any case), optionally with other parameters.

    Parameters
    ----------
    spec : str or Activation
        A key of :data:`ACTIVATIONS` (or the alias ``"linear"``/``"logistic"``),
        or an :class:`Activation`, returned as is without ``params``.
    **params
        Parameters of that activation, e.g. ``alpha`` for ``"leaky_relu"``.

    Returns
    -------
    Activation

    Raises
    ------
    ValueError
        For an unknown name (the message lists the registered ones).
    TypeError
        For a ``spec`` that is neither, or a parameter the activation does not take.

    Examples
    --------
    >>> get_activation("elu", alpha=0.5)
    Activation('elu', alpha=0.5)
    """
    if isinstance(spec, str):
        act = _REGISTRY.lookup(spec)
    elif isinstance(spec, Activation):
        act = spec
    else:
        raise TypeError(
            f"activation must be a name in {sorted(ACTIVATIONS)} or an Activation, "
            f"got {type(spec).__name__}"
        )
    return act.with_params(**params) if params else act
