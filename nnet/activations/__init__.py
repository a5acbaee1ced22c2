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

import dataclasses
import functools
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

import autograd.numpy as anp
import numpy as np
from autograd.scipy.special import expit as _autograd_expit

from nnet.utils.autodiff import derive_vjp
from nnet.utils.docstrings import fill_doc
from nnet.utils.validation import Registry, is_finite_real, register_sections

# -----------------------------------------------------------------------------
# The reductions that the hot-path kernels of the built-in activations (below) and costs
# (nnet.costs) share: sums and maxima along the last axis (the few classes of a softmax), and
# sums and dot products per model of a stack of outputs (K, n, m) (see nnet.parameters).
#
# NumPy reduces over a short axis row by row, ~35 ns a row, and a stack's outputs are
# thousands of rows of a few columns. These reductions go around it, as products with ones,
# BLAS dot products and a pairwise maximum of columns: W4 is 34 % and W5 13 % faster with them
# than with NumPy's reductions (row_maxima alone: W4 18 %).


@functools.cache
def _ones_column(n: int, dtype: np.dtype) -> np.ndarray:
    return np.ones((n, 1), dtype)


def row_sums(x: np.ndarray) -> np.ndarray:
    """``x.sum(axis=-1, keepdims=True)`` as a matrix product with ones."""
    return x @ _ones_column(x.shape[-1], x.dtype)


def row_maxima(x: np.ndarray) -> np.ndarray:
    """``x.max(axis=-1, keepdims=True)``; for many rows of a few columns, a pairwise maximum."""
    columns = x.shape[-1]
    if columns > 32 or x.size < 25 * columns * columns:  # few rows: the reduction
        return np.maximum.reduce(x, axis=-1, keepdims=True)
    out = x[..., :1].copy()
    for column in range(1, columns):
        np.maximum(out, x[..., column : column + 1], out=out)
    return out


def model_sum(x: np.ndarray) -> Any:
    """The sum of ``x`` per model: a float for 2-D ``x``, one per model for a stack (K, n, m)."""
    if x.ndim == 2:
        return float(np.add.reduce(x.ravel()))
    rows = x.reshape(len(x), -1)
    return rows @ _ones_column(rows.shape[1], x.dtype)[:, 0]


def model_dot(x: np.ndarray, y: np.ndarray) -> Any:
    r""":math:`\sum x y` per model: a float for 2-D arrays, one per model for a stack."""
    if x.ndim == 2 and y.ndim == 2:
        return float(np.vdot(x, y))
    if y.ndim == 2:  # a target shared by every model
        return x.reshape(len(x), -1) @ y.ravel()
    if x.ndim == 2:
        return y.reshape(len(y), -1) @ x.ravel()
    return rows_dot(x.reshape(len(x), -1), y.reshape(len(y), -1))


def rows_dot(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    r""":math:`\langle x_k, y_k\rangle` for each row ``k`` of two (K, n) arrays: K dot
    products in one batched matrix product (``np.vecdot`` from NumPy 2 on)."""
    return np.matmul(x[:, None, :], y[:, :, None])[:, 0, 0]


# -----------------------------------------------------------------------------
# The :class:`Activation` record: an activation function with the rule that backpropagates it.
ArrayFunc = Callable[..., Any]


@dataclasses.dataclass(frozen=True)
class Activation:
    r"""An activation function together with the rule that backpropagates through it.

    Parameters
    ----------
    name : str
        Registry name (or the function's ``__name__`` for an unregistered one).
    fn : callable
        ``fn(z, **params) -> a``, written with :mod:`autograd.numpy` so that
        autograd can differentiate it.
    der : callable or None, default=None
        Elementwise derivative ``der(z, **params) -> f'(z)``. ``None`` for an
        activation that is not elementwise; then ``vjp`` must be given.
    vjp : callable or None, default=None
        ``vjp(z, a, grad_a) -> grad_z``, the vector-Jacobian product. Derived
        from ``der`` as ``grad_a * der(z)`` when not given.
    params : mapping, default={}
        Extra keyword arguments passed to ``fn`` and ``der`` (e.g. ``alpha``).
    builtin : bool, default=False
        True for the library's own entries; only these take part in the fused
        output-layer deltas of :mod:`nnet.costs`.
    fast_forward, fast_backward : callable or None, default=None
        Plain-NumPy in-place kernels for the network's hot path (the library's
        sit beside their functions, one section per built-in, in this module):
        ``fast_forward(z, **params)`` overwrites ``z``
        with the activation; ``fast_backward(a, grad_a, **params)`` overwrites
        ``grad_a`` with :math:`\partial C/\partial z`, from the output ``a`` alone.

    Examples
    --------
    >>> from nnet.activations import get_activation
    >>> act = get_activation("leaky_relu", alpha=0.2)
    >>> act(np.array([-1.0, 1.0]))
    array([-0.2,  1. ])
    >>> act.backward(np.array([-1.0, 1.0]), None, np.array([1.0, 1.0]))
    array([0.2, 1. ])
    """

    name: str
    fn: ArrayFunc
    der: ArrayFunc | None = None
    vjp: ArrayFunc | None = None
    params: Mapping[str, Any] = dataclasses.field(default_factory=dict)
    builtin: bool = False
    fast_forward: ArrayFunc | None = dataclasses.field(default=None, repr=False)
    fast_backward: ArrayFunc | None = dataclasses.field(default=None, repr=False)

    def __post_init__(self) -> None:
        if self.der is None and self.vjp is None:
            raise ValueError(f"activation {self.name!r} needs `der` or `vjp`")

    def __call__(self, z: Any) -> Any:
        """Apply the activation to ``z``.

        Parameters
        ----------
        z : array_like
            Pre-activations.

        Returns
        -------
        ndarray
            The activation, ``fn(z, **params)``.
        """
        return self.fn(z, **self.params)

    def backward(self, z: Any, a: Any, grad_a: Any) -> Any:
        r"""Return :math:`\partial C/\partial z` from :math:`\partial C/\partial a`.

        Parameters
        ----------
        z, a, grad_a : ndarray of shape (n_samples, n_units)
            Pre-activation, activation and the gradient of the cost w.r.t. ``a``.

        Returns
        -------
        ndarray of shape (n_samples, n_units)
            :math:`\partial C/\partial z`.
        """
        if self.vjp is not None:
            return self.vjp(z, a, grad_a)
        assert self.der is not None
        return grad_a * self.der(z, **self.params)

    @property
    def needs_z(self) -> bool:
        """Whether backpropagation needs the pre-activation ``z`` (no output-based kernel)."""
        return self.fast_backward is None

    def forward_inplace(self, z: np.ndarray) -> np.ndarray:
        """Return the activation of ``z``, overwriting ``z`` if it can: the training hot path.

        Parameters
        ----------
        z : ndarray
            Pre-activations, possibly a stack ``(K, n_samples, n_units)``; may be overwritten.

        Returns
        -------
        ndarray
            The activation: ``z`` itself with a library kernel (:attr:`fast_forward`),
            else a new array.
        """
        if self.fast_forward is not None and self.fast_backward is not None:
            return self.fast_forward(z, **self.params)  # a kernel returns its ndarray z
        if z.ndim == 3 and self.vjp is not None and not self.builtin:  # a row-wise custom one
            return np.stack([np.asarray(self(zk)) for zk in z])  # on each model of a stack
        return np.asarray(self(z))

    def backward_inplace(self, z: np.ndarray | None, a: np.ndarray, grad: np.ndarray) -> np.ndarray:
        r"""Return :meth:`backward`, overwriting ``grad`` if it can: the training hot path.

        Parameters
        ----------
        z : ndarray or None
            The pre-activation; None unless :attr:`needs_z`.
        a, grad : ndarray
            The activation and :math:`\partial C/\partial a` (may be overwritten), possibly
            stacks ``(K, n_samples, n_units)``.

        Returns
        -------
        ndarray
            :math:`\partial C/\partial z`.
        """
        if self.fast_backward is not None:
            return self.fast_backward(a, grad, **self.params)  # a kernel returns its ndarray grad
        if grad.ndim == 3 and self.vjp is not None and not self.builtin:  # each model of a stack
            assert z is not None  # (needs_z)
            return np.stack([np.asarray(self.backward(*p)) for p in zip(z, a, grad)])
        return np.asarray(self.backward(z, a, grad))

    def with_params(self, **params: Any) -> Activation:
        """Return a copy with other parameters, e.g. another leaky-ReLU slope.

        Parameters
        ----------
        **params
            New values of the activation's parameters (names it already has).

        Returns
        -------
        Activation
            A new record; this one is unchanged.
        """
        unknown = set(params) - set(self.params)
        if unknown:
            raise TypeError(
                f"activation {self.name!r} takes parameters {sorted(self.params)}, "
                f"got {sorted(unknown)}"
            )
        for key, value in params.items():
            if self.builtin and not (is_finite_real(value) and value >= 0):
                raise ValueError(f"{self.name} {key} must be a finite number >= 0, got {value!r}")
        numbers = {k: float(v) if self.builtin else v for k, v in params.items()}
        return dataclasses.replace(self, params={**self.params, **numbers})

    def __repr__(self) -> str:
        extra = "".join(f", {k}={v!r}" for k, v in self.params.items())
        return f"Activation({self.name!r}{extra})"


def library_activation(
    name: str,
    fn: ArrayFunc,
    der: ArrayFunc | None,
    forward: ArrayFunc,
    backward: ArrayFunc,
    vjp: ArrayFunc | None = None,
    **params: Any,
) -> Activation:
    """The registry entry of a library activation, with its hot-path twins."""
    return Activation(name, fn, der, vjp, params, True, forward, backward)


# -----------------------------------------------------------------------------
# Softmax, the one built-in activation that is not elementwise: the maths in one place.
# --- softmax ------------------------------------------------------------------------------------


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


def _softmax_forward(z: np.ndarray) -> np.ndarray:
    z -= row_maxima(z)
    np.exp(z, out=z)
    z /= row_sums(z)
    return z


def _softmax_backward(a: np.ndarray, grad: np.ndarray) -> np.ndarray:
    grad -= row_sums(grad * a)  # row-wise <g, a>
    grad *= a
    return grad


SOFTMAX = library_activation(
    "softmax", softmax, None, _softmax_forward, _softmax_backward, softmax_vjp
)


# -----------------------------------------------------------------------------
# The library's activations, one section each: the maths in one place.
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


def _sigmoid_forward(z: np.ndarray) -> np.ndarray:
    r""":math:`1/(1 + e^{-z})` in place, with NumPy's SIMD ``exp``.

    One kernel for every size: a lone network, each model of a stack and any split of
    a sweep into stacks round alike (bit for bit). ``expit`` computes one element at a
    time and is 2-3x slower from about a thousand elements (a stack's batch); below,
    its one call saves about a microsecond a step, 3 % of the seed workload, under
    the 10 % a speed trick needs. Accurate to a few ulp; where :math:`e^{-z}` overflows
    (:math:`\sigma(z) < 10^{-308}`, float32 :math:`10^{-38}`) it gives 0 (the hot path
    runs under the caller's ``np.errstate(all="ignore")``, which hides that overflow).
    """
    np.negative(z, out=z)
    np.exp(z, out=z)  # e^{-z} = inf gives 1 / inf = 0
    z += 1.0
    return np.divide(1.0, z, out=z)  # the same bits as np.reciprocal, which is not SIMD


def _sigmoid_backward(a: np.ndarray, grad: np.ndarray) -> np.ndarray:
    grad *= a
    grad *= 1.0 - a  # sigma' = a (1 - a)
    return grad


SIGMOID = library_activation("sigmoid", sigmoid, sigmoid_der, _sigmoid_forward, _sigmoid_backward)


# --- tanh ---------------------------------------------------------------------------------------


@_elementwise_doc("activation of")
def tanh(z: Any) -> Any:
    r"""Hyperbolic tangent, zero-centred with values in (-1, 1).

    .. math:: \tanh z = \frac{e^{z} - e^{-z}}{e^{z} + e^{-z}}

    {sections}

    Examples
    --------
    >>> tanh(np.array([-1.0, 0.0, 1.0])).round(4)  # odd: tanh(-z) = -tanh(z)
    array([-0.7616,  0.    ,  0.7616])
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


# -----------------------------------------------------------------------------
# the registry

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

    def new(name: str) -> Activation:
        if der is not None:
            return Activation(name, fn, der)
        return Activation(name, fn, vjp=derive_vjp(fn, argname))

    return _REGISTRY.make(fn, der, argname, Activation, new)


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
