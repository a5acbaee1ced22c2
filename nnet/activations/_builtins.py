r"""The library's activations, one section each: the maths in one place.

Each section holds, side by side (as micrograd keeps each op's backward beside its
forward):

* the public function ``f(z)``, written with :mod:`autograd.numpy` so autograd can
  differentiate it (the reference, used by
  :meth:`nnet.NeuralNetwork.autograd_compliant_predict`);
* its derivative ``f_der(z)`` (softmax, which is not elementwise, has its
  vector-Jacobian product :func:`~nnet.activations.softmax_vjp` instead, in
  ``activations/_softmax.py``);
* the training hot path's plain-NumPy twins: ``_f_forward(z)`` overwrites ``z`` with
  the activation and returns it (``z`` is a fresh ``a @ W + b`` that nothing else
  holds), and ``_f_backward(a, grad)`` overwrites ``grad``
  (:math:`\partial C/\partial a`) with :math:`\partial C/\partial z` from the layer's
  *output* ``a`` alone, so the network need not keep ``z``;
* the :class:`~nnet.activations.Activation` record tying them together.

``tests/test_kernels.py`` checks each hot-path twin against its reference, and
``tests/test_gradients.py`` each derivative against autograd.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import autograd.numpy as anp
import numpy as np
from autograd.scipy.special import expit as _autograd_expit
from scipy.special import expit

from nnet._docstrings import fill_doc
from nnet.activations._activation import library_activation
from nnet.activations._softmax import SOFTMAX

_F = TypeVar("_F", bound=Callable[..., Any])


_Z = """
Parameters
----------
z : array_like
    Pre-activations, any shape (rows are samples).
"""
_LEAKY_ALPHA = """
alpha : float, default=0.01
    The slope for ``z <= 0``.
"""
_ELU_ALPHA = r"""
alpha : float, default=1.0
    The scale of the negative branch, :math:`\alpha(e^z - 1)`.
"""


def _elementwise_doc(value: str, alpha: str = "") -> Callable[[_F], _F]:
    """Fill ``{sections}``: Parameters (``z``, then ``alpha``) and Returns (``value``)."""
    returns = f"Returns\n-------\nndarray\n    The {value} each element, the shape of ``z``."
    return fill_doc(sections=_Z.strip("\n") + alpha.rstrip("\n") + "\n\n" + returns)


# --- sigmoid ------------------------------------------------------------------------------------


@_elementwise_doc("activation of")
def sigmoid(z: Any) -> Any:
    r"""Logistic sigmoid, computed without overflow for any ``z``.

    .. math:: \sigma(z) = \frac{1}{1 + e^{-z}}

    This is :func:`scipy.special.expit` (through :mod:`autograd.scipy.special`,
    so autograd differentiates it): it never evaluates ``exp`` of a large
    number, so large ``|z|`` raise no overflow warning, and it keeps full
    relative accuracy for small :math:`\sigma(z)` (the form
    :math:`\tfrac12(1 + \tanh\tfrac z2)` loses it to cancellation).

    {sections}

    Examples
    --------
    >>> sigmoid(np.array([0.0, 1000.0, -1000.0]))
    array([0.5, 1. , 0. ])
    """
    return _autograd_expit(z)


@_elementwise_doc("derivative at")
def sigmoid_der(z: Any) -> Any:
    r"""Derivative of :func:`sigmoid`: :math:`\sigma'(z) = \sigma(z)(1 - \sigma(z))`.

    {sections}

    Examples
    --------
    >>> sigmoid_der(np.array([0.0]))
    array([0.25])
    """
    s = sigmoid(z)
    return s * (1.0 - s)


_SIMD_SIGMOID_FROM = 1024  # elements; below it one call of expit costs less than four ufuncs


def _sigmoid_forward(z: np.ndarray) -> np.ndarray:
    r""":math:`1/(1 + e^{-z})` in place: ``expit`` for small arrays, NumPy's ``exp`` otherwise.

    ``expit`` computes one element at a time; NumPy's SIMD ``exp`` and three more
    passes are 2-3x faster from about a thousand elements (7x for float32).
    Accurate to a few ulp; where :math:`e^{-z}` overflows (:math:`\sigma(z) <
    10^{-308}`, float32 :math:`10^{-38}`) it gives 0, as ``expit`` does a little further out.
    """
    if z.size < _SIMD_SIGMOID_FROM:
        return expit(z, out=z)  # one ufunc call (scikit-learn's too), never overflows
    np.negative(z, out=z)
    with np.errstate(over="ignore"):  # e^{-z} = inf gives 1 / inf = 0
        np.exp(z, out=z)
    z += 1.0
    return np.reciprocal(z, out=z)


def _sigmoid_backward(a: np.ndarray, grad: np.ndarray) -> np.ndarray:
    grad *= a
    grad *= 1.0 - a  # sigma' = a (1 - a)
    return grad


SIGMOID = library_activation("sigmoid", sigmoid, sigmoid_der, _sigmoid_forward, _sigmoid_backward)


# --- tanh ---------------------------------------------------------------------------------------


@_elementwise_doc("activation of")
def tanh(z: Any) -> Any:
    r"""Hyperbolic tangent, :math:`\tanh z`.

    {sections}

    Examples
    --------
    >>> tanh(np.array([0.0]))
    array([0.])
    """
    return anp.tanh(z)


@_elementwise_doc("derivative at")
def tanh_der(z: Any) -> Any:
    r"""Derivative of :func:`tanh`: :math:`1 - \tanh^2 z`.

    {sections}

    Examples
    --------
    >>> tanh_der(np.array([0.0]))
    array([1.])
    """
    return 1.0 - anp.tanh(z) ** 2


def _tanh_forward(z: np.ndarray) -> np.ndarray:
    return np.tanh(z, out=z)


def _tanh_backward(a: np.ndarray, grad: np.ndarray) -> np.ndarray:
    grad *= 1.0 - a * a  # tanh' = 1 - a^2
    return grad


TANH = library_activation("tanh", tanh, tanh_der, _tanh_forward, _tanh_backward)


# --- relu ---------------------------------------------------------------------------------------


@_elementwise_doc("activation of")
def relu(z: Any) -> Any:
    r"""Rectified linear unit, :math:`\max(0, z)`.

    {sections}

    Examples
    --------
    >>> relu(np.array([-1.0, 2.0]))
    array([0., 2.])
    """
    # ``where``, not ``maximum``: autograd splits maximum's gradient 50/50 at a tie (z == 0),
    # which would disagree with relu_der; a dead unit feeding a zero bias hits z == 0 exactly.
    return anp.where(z > 0, z, 0.0)


@_elementwise_doc("derivative at")
def relu_der(z: Any) -> Any:
    r"""Derivative of :func:`relu`: :math:`1` where :math:`z > 0`, else :math:`0` (also at 0).

    {sections}

    Examples
    --------
    >>> relu_der(np.array([-1.0, 0.0, 2.0]))
    array([0., 0., 1.])
    """
    return anp.where(z > 0, 1.0, 0.0)


def _relu_forward(z: np.ndarray) -> np.ndarray:
    return np.maximum(z, 0.0, out=z)


def _relu_backward(a: np.ndarray, grad: np.ndarray) -> np.ndarray:
    grad *= a > 0  # a > 0 exactly where z > 0
    return grad


RELU = library_activation("relu", relu, relu_der, _relu_forward, _relu_backward)


# --- leaky_relu ---------------------------------------------------------------------------------


@_elementwise_doc("activation of", _LEAKY_ALPHA)
def leaky_relu(z: Any, alpha: float = 0.01) -> Any:
    r"""Leaky ReLU with slope ``alpha`` for negative inputs.

    .. math:: f(z) = \begin{cases} z & z > 0 \\ \alpha z & z \le 0 \end{cases}

    Use another slope by name with ``get_activation("leaky_relu", alpha=0.1)``.

    {sections}

    Examples
    --------
    >>> leaky_relu(np.array([-2.0, 3.0]), alpha=0.1)
    array([-0.2,  3. ])
    """
    return anp.where(z > 0, z, alpha * z)


@_elementwise_doc("derivative at", _LEAKY_ALPHA)
def leaky_relu_der(z: Any, alpha: float = 0.01) -> Any:
    r"""Derivative of :func:`leaky_relu`: :math:`1` where :math:`z > 0`, else :math:`\alpha`.

    {sections}

    Examples
    --------
    >>> leaky_relu_der(np.array([-2.0, 3.0]), alpha=0.1)
    array([0.1, 1. ])
    """
    return anp.where(z > 0, 1.0, alpha)


def _leaky_relu_forward(z: np.ndarray, alpha: float = 0.01) -> np.ndarray:
    if alpha <= 1.0:  # then max(z, alpha z) is z for z > 0 and alpha z for z <= 0
        return np.maximum(z, alpha * z, out=z)  # ~10x faster than a masked multiply
    return np.multiply(z, alpha, out=z, where=z <= 0)


def _leaky_relu_backward(a: np.ndarray, grad: np.ndarray, alpha: float = 0.01) -> np.ndarray:
    # With alpha >= 0, a <= 0 exactly where z <= 0.
    one, slope = a.dtype.type(1.0), a.dtype.type(alpha)  # a float32 net stays float32
    grad *= np.where(a > 0, one, slope)  # ~3x faster than multiply(..., where=a <= 0)
    return grad


LEAKY_RELU = library_activation(
    "leaky_relu", leaky_relu, leaky_relu_der, _leaky_relu_forward, _leaky_relu_backward, alpha=0.01
)


# --- elu ----------------------------------------------------------------------------------------


@_elementwise_doc("activation of", _ELU_ALPHA)
def elu(z: Any, alpha: float = 1.0) -> Any:
    r"""Exponential linear unit.

    .. math:: f(z) = \begin{cases} z & z > 0 \\ \alpha (e^{z} - 1) & z \le 0 \end{cases}

    ``exp`` only ever sees non-positive numbers, so it cannot overflow.

    {sections}

    Examples
    --------
    >>> elu(np.array([-1.0, 2.0]))
    array([-0.63212056,  2.        ])
    """
    return anp.where(z > 0, z, alpha * anp.expm1(anp.where(z > 0, 0.0, z)))


@_elementwise_doc("derivative at", _ELU_ALPHA)
def elu_der(z: Any, alpha: float = 1.0) -> Any:
    r"""Derivative of :func:`elu`: :math:`1` where :math:`z > 0`, else :math:`\alpha e^{z}`.

    {sections}

    Examples
    --------
    >>> elu_der(np.array([0.0, 2.0]))
    array([1., 1.])
    """
    return anp.where(z > 0, 1.0, alpha * anp.exp(anp.where(z > 0, 0.0, z)))


def _elu_forward(z: np.ndarray, alpha: float = 1.0) -> np.ndarray:
    # max(z, 0) + alpha expm1(min(z, 0)): one term is exactly 0 on either side of 0, and
    # expm1 never sees a large z (no overflow); no masked ufunc (those are ~10x slower).
    negative_part = np.minimum(z, 0.0)
    np.expm1(negative_part, out=negative_part)
    negative_part *= alpha
    np.maximum(z, 0.0, out=z)
    z += negative_part
    return z


def _elu_backward(a: np.ndarray, grad: np.ndarray, alpha: float = 1.0) -> np.ndarray:
    # For z <= 0: f'(z) = alpha e^z = a + alpha (absolute error <= eps * alpha), and a <= 0
    # exactly there (alpha >= 0).
    grad *= np.where(a > 0, 1.0, a + alpha)
    return grad


ELU = library_activation("elu", elu, elu_der, _elu_forward, _elu_backward, alpha=1.0)


# --- identity -----------------------------------------------------------------------------------


@_elementwise_doc("activation of")
def identity(z: Any) -> Any:
    r"""Identity (linear) activation, :math:`f(z) = z`; the output of a regression net.

    {sections}

    Examples
    --------
    >>> identity(np.array([-1.5]))
    array([-1.5])
    """
    return z


@_elementwise_doc("derivative at")
def identity_der(z: Any) -> Any:
    r"""Derivative of :func:`identity`: ones shaped like ``z``.

    {sections}

    Examples
    --------
    >>> identity_der(np.array([-1.5, 2.0]))
    array([1., 1.])
    """
    return anp.ones_like(z)


def _identity_forward(z: np.ndarray) -> np.ndarray:
    return z


def _identity_backward(a: np.ndarray, grad: np.ndarray) -> np.ndarray:
    return grad


IDENTITY = library_activation(
    "identity", identity, identity_der, _identity_forward, _identity_backward
)


# --- exp ----------------------------------------------------------------------------------------


@_elementwise_doc("activation of")
def exp(z: Any) -> Any:
    r"""The exponential, :math:`f(z) = e^z`: a positive output, as for Poisson regression.

    scikit-learn's ``MLPRegressor(loss="poisson")`` uses it as the output of counts,
    with the ``"poisson"`` cost. It overflows to ``inf`` above about 709 (88 in float32).

    {sections}

    Examples
    --------
    >>> exp(np.array([0.0, 1.0]))
    array([1.        , 2.71828183])
    """
    return anp.exp(z)


@_elementwise_doc("derivative at")
def exp_der(z: Any) -> Any:
    r"""Derivative of :func:`exp`: :math:`e^z`.

    {sections}

    Examples
    --------
    >>> exp_der(np.array([0.0]))
    array([1.])
    """
    return anp.exp(z)


def _exp_forward(z: np.ndarray) -> np.ndarray:
    return np.exp(z, out=z)


def _exp_backward(a: np.ndarray, grad: np.ndarray) -> np.ndarray:
    grad *= a  # exp' = exp = a
    return grad


EXP = library_activation("exp", exp, exp_der, _exp_forward, _exp_backward)


BUILTINS = (SIGMOID, TANH, RELU, LEAKY_RELU, ELU, IDENTITY, SOFTMAX, EXP)
"""The library's activations, in the registry's order."""
