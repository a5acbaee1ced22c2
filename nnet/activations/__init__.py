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

import autograd.numpy as anp
import numpy as np
from autograd.scipy.special import expit

from nnet import _kernels
from nnet._autodiff import derive_vjp
from nnet._registry import canonical_name, register, resolve
from nnet.activations._activation import Activation, ArrayFunc

__all__ = [
    "ACTIVATIONS",
    "Activation",
    "elu",
    "elu_der",
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


def sigmoid(z: Any) -> Any:
    r"""Logistic sigmoid, computed without overflow for any ``z``.

    .. math:: \sigma(z) = \frac{1}{1 + e^{-z}}

    This is :func:`scipy.special.expit` (through :mod:`autograd.scipy.special`,
    so autograd differentiates it): it never evaluates ``exp`` of a large
    number, so large ``|z|`` raise no overflow warning, and it keeps full
    relative accuracy for small :math:`\sigma(z)` (the form
    :math:`\tfrac12(1 + \tanh\tfrac z2)` loses it to cancellation).

    Parameters
    ----------
    z : array_like
        Pre-activations, any shape (rows are samples).

    Returns
    -------
    ndarray
        The activation of each element, the shape of ``z``.

    Examples
    --------
    >>> sigmoid(np.array([0.0, 1000.0, -1000.0]))
    array([0.5, 1. , 0. ])
    """
    return expit(z)


def sigmoid_der(z: Any) -> Any:
    r"""Derivative of :func:`sigmoid`: :math:`\sigma'(z) = \sigma(z)(1 - \sigma(z))`.

    Parameters
    ----------
    z : array_like
        Pre-activations, any shape (rows are samples).

    Returns
    -------
    ndarray
        The derivative at each element, the shape of ``z``.

    Examples
    --------
    >>> sigmoid_der(np.array([0.0]))
    array([0.25])
    """
    s = sigmoid(z)
    return s * (1.0 - s)


def tanh(z: Any) -> Any:
    r"""Hyperbolic tangent, :math:`\tanh z`.

    Parameters
    ----------
    z : array_like
        Pre-activations, any shape (rows are samples).

    Returns
    -------
    ndarray
        The activation of each element, the shape of ``z``.

    Examples
    --------
    >>> tanh(np.array([0.0]))
    array([0.])
    """
    return anp.tanh(z)


def tanh_der(z: Any) -> Any:
    r"""Derivative of :func:`tanh`: :math:`1 - \tanh^2 z`.

    Parameters
    ----------
    z : array_like
        Pre-activations, any shape (rows are samples).

    Returns
    -------
    ndarray
        The derivative at each element, the shape of ``z``.

    Examples
    --------
    >>> tanh_der(np.array([0.0]))
    array([1.])
    """
    return 1.0 - anp.tanh(z) ** 2


def relu(z: Any) -> Any:
    r"""Rectified linear unit, :math:`\max(0, z)`.

    Parameters
    ----------
    z : array_like
        Pre-activations, any shape (rows are samples).

    Returns
    -------
    ndarray
        The activation of each element, the shape of ``z``.

    Examples
    --------
    >>> relu(np.array([-1.0, 2.0]))
    array([0., 2.])
    """
    # ``where``, not ``maximum``: autograd splits maximum's gradient 50/50 at a tie (z == 0),
    # which would disagree with relu_der; a dead unit feeding a zero bias hits z == 0 exactly.
    return anp.where(z > 0, z, 0.0)


def relu_der(z: Any) -> Any:
    r"""Derivative of :func:`relu`: :math:`1` where :math:`z > 0`, else :math:`0` (also at 0).

    Parameters
    ----------
    z : array_like
        Pre-activations, any shape (rows are samples).

    Returns
    -------
    ndarray
        The derivative at each element, the shape of ``z``.

    Examples
    --------
    >>> relu_der(np.array([-1.0, 0.0, 2.0]))
    array([0., 0., 1.])
    """
    return anp.where(z > 0, 1.0, 0.0)


def leaky_relu(z: Any, alpha: float = 0.01) -> Any:
    r"""Leaky ReLU with slope ``alpha`` for negative inputs.

    .. math:: f(z) = \begin{cases} z & z > 0 \\ \alpha z & z \le 0 \end{cases}

    Use another slope by name with ``get_activation("leaky_relu", alpha=0.1)``.

    Parameters
    ----------
    z : array_like
        Pre-activations, any shape (rows are samples).
    alpha : float, default=0.01
        The slope for ``z <= 0``.

    Returns
    -------
    ndarray
        The activation of each element, the shape of ``z``.

    Examples
    --------
    >>> leaky_relu(np.array([-2.0, 3.0]), alpha=0.1)
    array([-0.2,  3. ])
    """
    return anp.where(z > 0, z, alpha * z)


def leaky_relu_der(z: Any, alpha: float = 0.01) -> Any:
    r"""Derivative of :func:`leaky_relu`: :math:`1` where :math:`z > 0`, else :math:`\alpha`.

    Parameters
    ----------
    z : array_like
        Pre-activations, any shape (rows are samples).
    alpha : float, default=0.01
        The slope for ``z <= 0``.

    Returns
    -------
    ndarray
        The derivative at each element, the shape of ``z``.

    Examples
    --------
    >>> leaky_relu_der(np.array([-2.0, 3.0]), alpha=0.1)
    array([0.1, 1. ])
    """
    return anp.where(z > 0, 1.0, alpha)


def elu(z: Any, alpha: float = 1.0) -> Any:
    r"""Exponential linear unit.

    .. math:: f(z) = \begin{cases} z & z > 0 \\ \alpha (e^{z} - 1) & z \le 0 \end{cases}

    ``exp`` only ever sees non-positive numbers, so it cannot overflow.

    Parameters
    ----------
    z : array_like
        Pre-activations, any shape (rows are samples).
    alpha : float, default=1.0
        The scale of the negative branch, :math:`\alpha(e^z - 1)`.

    Returns
    -------
    ndarray
        The activation of each element, the shape of ``z``.

    Examples
    --------
    >>> elu(np.array([-1.0, 2.0]))
    array([-0.63212056,  2.        ])
    """
    return anp.where(z > 0, z, alpha * anp.expm1(anp.where(z > 0, 0.0, z)))


def elu_der(z: Any, alpha: float = 1.0) -> Any:
    r"""Derivative of :func:`elu`: :math:`1` where :math:`z > 0`, else :math:`\alpha e^{z}`.

    Parameters
    ----------
    z : array_like
        Pre-activations, any shape (rows are samples).
    alpha : float, default=1.0
        The scale of the negative branch, :math:`\alpha(e^z - 1)`.

    Returns
    -------
    ndarray
        The derivative at each element, the shape of ``z``.

    Examples
    --------
    >>> elu_der(np.array([0.0, 2.0]))
    array([1., 1.])
    """
    return anp.where(z > 0, 1.0, alpha * anp.exp(anp.where(z > 0, 0.0, z)))


def identity(z: Any) -> Any:
    r"""Identity (linear) activation, :math:`f(z) = z`; the output of a regression net.

    Parameters
    ----------
    z : array_like
        Pre-activations, any shape (rows are samples).

    Returns
    -------
    ndarray
        The activation of each element, the shape of ``z``.

    Examples
    --------
    >>> identity(np.array([-1.5]))
    array([-1.5])
    """
    return z


def identity_der(z: Any) -> Any:
    r"""Derivative of :func:`identity`: ones shaped like ``z``.

    Parameters
    ----------
    z : array_like
        Pre-activations, any shape (rows are samples).

    Returns
    -------
    ndarray
        The derivative at each element, the shape of ``z``.

    Examples
    --------
    >>> identity_der(np.array([-1.5, 2.0]))
    array([1., 1.])
    """
    return anp.ones_like(z)


linear = identity


def softmax(z: Any) -> Any:
    r"""Row-wise softmax; each row is shifted by its maximum, so ``exp`` cannot overflow.

    .. math:: \operatorname{softmax}(z)_{ij} = \frac{e^{z_{ij} - m_i}}{\sum_k e^{z_{ik} - m_i}},
              \qquad m_i = \max_k z_{ik}

    Parameters
    ----------
    z : ndarray of shape (n_samples, n_classes)

    Returns
    -------
    ndarray of shape (n_samples, n_classes)
        Rows of non-negative numbers summing to 1.

    Examples
    --------
    >>> softmax(np.array([[0.0, 0.0], [1000.0, 0.0]]))
    array([[0.5, 0.5],
           [1. , 0. ]])
    """
    with np.errstate(over="ignore"):  # z - max(z) may be -inf (|z| ~ 1e308): exp gives 0
        e = anp.exp(z - anp.max(z, axis=-1, keepdims=True))
    return e / anp.sum(e, axis=-1, keepdims=True)


def softmax_vjp(z: Any, a: Any, grad_a: Any) -> Any:
    r"""Backpropagate through :func:`softmax`: the vector-Jacobian product, row by row.

    With :math:`a = \operatorname{softmax}(z)` and :math:`g = \partial C/\partial a`,

    .. math:: \frac{\partial C}{\partial z_{ij}} = a_{ij}\Big(g_{ij} - \sum_k g_{ik} a_{ik}\Big).

    This is exact for any cost; with cross-entropy it simplifies to
    :math:`a - t` (the fused delta used by :mod:`nnet.costs`).

    Parameters
    ----------
    z : array_like of shape (n_samples, n_classes) or None
        The pre-activations (unused: the rule needs only ``a``).
    a : ndarray of shape (n_samples, n_classes)
        The softmax output, ``softmax(z)``.
    grad_a : ndarray of shape (n_samples, n_classes)
        :math:`\partial C/\partial a`.

    Returns
    -------
    ndarray of shape (n_samples, n_classes)
        :math:`\partial C/\partial z`.

    Examples
    --------
    >>> a = softmax(np.array([[0.0, 0.0]]))
    >>> softmax_vjp(None, a, np.array([[1.0, 1.0]]))  # a constant shift has no effect
    array([[0., 0.]])
    """
    return a * (grad_a - np.sum(grad_a * a, axis=-1, keepdims=True))


def _builtin(name: str, fn: ArrayFunc, der: ArrayFunc | None = None, **params: Any) -> Activation:
    vjp = softmax_vjp if fn is softmax else None
    fast_forward = getattr(_kernels, f"{name}_forward")
    fast_backward = getattr(_kernels, f"{name}_backward")
    return Activation(name, fn, der, vjp, params, True, fast_forward, fast_backward)


ACTIVATIONS: dict[str, Activation] = {
    "sigmoid": _builtin("sigmoid", sigmoid, sigmoid_der),
    "tanh": _builtin("tanh", tanh, tanh_der),
    "relu": _builtin("relu", relu, relu_der),
    "leaky_relu": _builtin("leaky_relu", leaky_relu, leaky_relu_der, alpha=0.01),
    "elu": _builtin("elu", elu, elu_der, alpha=1.0),
    "identity": _builtin("identity", identity, identity_der),
    "softmax": _builtin("softmax", softmax),
}
"""Name → :class:`Activation` for every activation the library ships (and registered ones)."""

_ALIASES = {"linear": "identity", "logistic": "sigmoid"}


def register_activation(
    name: str, fn: ArrayFunc, der: ArrayFunc | None = None, *, overwrite: bool = False
) -> Activation:
    """Register a custom activation under ``name`` so strings (and saved models) can use it.

    Parameters
    ----------
    name : str
        The new name.
    fn : callable
        ``fn(z) -> a`` written with :mod:`autograd.numpy`.
    der : callable or None, default=None
        Elementwise derivative; derived with autograd when ``None``.
    overwrite : bool, default=False
        Allow replacing a custom entry (library entries can never be replaced).

    Returns
    -------
    Activation

    Examples
    --------
    >>> import autograd.numpy as anp
    >>> act = register_activation("softplus_demo", lambda z: anp.log1p(anp.exp(z)), overwrite=True)
    >>> get_activation("softplus_demo") is act
    True
    """
    return register(name, lambda: make_activation(fn, der, argname="fn"), ACTIVATIONS,
                    "activation", overwrite)  # fmt: skip


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


def get_activation(name: str, **params: Any) -> Activation:
    """Look up a registered activation by name, optionally with other parameters.

    Parameters
    ----------
    name : str
        A key of :data:`ACTIVATIONS` (or the alias ``"linear"``/``"logistic"``).
    **params
        Parameters of that activation, e.g. ``alpha`` for ``"leaky_relu"``.

    Returns
    -------
    Activation
        The registered activation, or a copy of it with ``params``.

    Examples
    --------
    >>> get_activation("elu", alpha=0.5)
    Activation('elu', alpha=0.5)
    """
    key = canonical_name(name, ACTIVATIONS, _ALIASES)  # case-insensitive
    if key not in ACTIVATIONS:
        raise ValueError(f"unknown activation {name!r}; expected one of {sorted(ACTIVATIONS)}")
    act = ACTIVATIONS[key]
    return act.with_params(**params) if params else act
