r"""Cost functions, each with its gradient beside it, and their registry.

A cost takes the network's output ``pred`` and the ``target``, both of shape
(n_samples, n_outputs), and returns a float averaged over samples. Its
gradient ``<name>_der(pred, target)`` is :math:`\partial C/\partial\,\mathrm{pred}`.

A :class:`Cost` also owns the *fused* output-layer delta for its canonical
output activation (Nielsen's ``delta``; scikit-learn's ``activations[-1] - y``),
its method :meth:`Cost.output_delta`: for softmax + cross-entropy and sigmoid +
binary cross-entropy the chain rule through the activation collapses to
:math:`\partial C/\partial z = (a - t)/N`, which is cheaper and more accurate
than multiplying the two factors. Each library cost lives in one section of
``nnet/costs/__init__.py``.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ClassVar

import autograd.numpy as anp
import numpy as np

from nnet.activations import SIGMOID, model_dot, model_sum, row_maxima, row_sums
from nnet.utils.autodiff import derive_grad
from nnet.utils.docstrings import fill_doc
from nnet.utils.validation import Registry, register_sections

# -----------------------------------------------------------------------------
# The :class:`Cost` record: a cost function, its gradient and the output delta it fuses.
if TYPE_CHECKING:
    from nnet.activations import Activation

CostFunc = Callable[[Any, Any], Any]

_PRED = """
Parameters
----------
pred : array_like of shape (n_samples, n_outputs)
    The network's outputs."""
_LOGITS = """
Parameters
----------
z : array_like of shape (n_samples, n_outputs)
    The output layer's pre-activations (the logits)."""
_TARGET = """
target : array_like of shape (n_samples, n_outputs)
    The targets.
"""
_RETURNS_COST = """
Returns
-------
float
    The cost (a 0-d array under autograd)."""
_RETURNS_GRADIENT = """
Returns
-------
ndarray of shape (n_samples, n_outputs)
    The gradient of the cost with respect to ``pred``."""

COST_SECTIONS = _PRED + _TARGET + _RETURNS_COST
"""A cost's ``{sections}`` (see :func:`~nnet.utils.docstrings.fill_doc`): ``pred, target``."""
GRADIENT_SECTIONS = _PRED + _TARGET + _RETURNS_GRADIENT
"""A cost gradient's ``{sections}``: ``pred, target -> ndarray``."""
LOGITS_SECTIONS = _LOGITS + _TARGET + _RETURNS_COST
"""The ``{sections}`` of a cost from the logits: ``z, target -> float``."""


@dataclasses.dataclass(frozen=True)
class Cost:
    r"""A cost function with its gradient, and the output-layer delta it fuses.

    Parameters
    ----------
    name : str
        Registry name (or the function's ``__name__`` for an unregistered one).
    fn : callable
        ``fn(pred, target) -> float``, written with :mod:`autograd.numpy`.
    der : callable
        ``der(pred, target) -> ndarray``, the gradient w.r.t. ``pred``.
    probabilities : bool, default=False
        True when predictions must lie in [0, 1] (targets too): the network then
        refuses an output activation that cannot produce probabilities.
    builtin : bool, default=False
        True for the library's own entries.

    Attributes
    ----------
    fused_activation : str or None
        The library activation whose chain rule with this cost collapses to
        :meth:`output_delta` (Nielsen's ``delta``; scikit-learn's
        ``activations[-1] - y``): ``"softmax"`` for cross-entropy, ``"sigmoid"``
        for binary cross-entropy, None for the others. Such a pair also computes
        its cost from the logits (:meth:`activate_with_loss`, :meth:`from_logits`),
        exact where the probabilities round to 0 or 1.

    Examples
    --------
    >>> from nnet.costs import get_cost
    >>> c = get_cost("mse")
    >>> float(c(np.array([[1.0]]), np.array([[0.0]])))
    1.0
    """

    name: str
    fn: CostFunc
    der: CostFunc
    probabilities: bool = False
    builtin: bool = False

    fused_activation: ClassVar[str | None] = None

    @fill_doc(sections=COST_SECTIONS)
    def __call__(self, pred: Any, target: Any) -> Any:
        """Return the cost of ``pred`` against ``target``.

        {sections}
        """
        return self.fn(pred, target)

    def loss(self, pred: np.ndarray, target: np.ndarray) -> Any:
        """Return the cost in plain NumPy, as the training loop computes it.

        The library's costs override it with a faster kernel equal to :attr:`fn`.

        Parameters
        ----------
        pred : ndarray of shape (n_samples, n_outputs) or (K, n_samples, n_outputs)
            The outputs, or a stack of K models' outputs.
        target : ndarray of shape (n_samples, n_outputs)
            The targets, shared by the K models.

        Returns
        -------
        float or ndarray of shape (K,)
            The cost, one per model for a stack.

        Examples
        --------
        >>> from nnet.costs import get_cost
        >>> pred = np.array([[[1.0]], [[3.0]]])  # two models, one sample
        >>> get_cost("mse").loss(pred, np.array([[1.0]]))
        array([0., 4.])
        """
        if pred.ndim == 2:
            return float(self.fn(pred, target))
        return np.array([float(self.fn(p, target)) for p in pred])

    def fuses_with(self, activation: Activation) -> bool:
        """Whether the output delta after ``activation`` is :meth:`output_delta`.

        Parameters
        ----------
        activation : Activation

        Returns
        -------
        bool
            True only for a library cost after its library :attr:`fused_activation`.

        Examples
        --------
        >>> from nnet.activations import get_activation
        >>> from nnet.costs import get_cost
        >>> get_cost("cross_entropy").fuses_with(get_activation("softmax"))
        True
        """
        return self.builtin and activation.builtin and activation.name == self.fused_activation

    def output_delta(
        self, a: np.ndarray, target: np.ndarray, *, rows_sum_to_one: bool = False
    ) -> np.ndarray:
        r""":math:`\partial C/\partial z` of the output layer, from its activation ``a``.

        Valid only when :meth:`fuses_with` the output activation; the network's
        backpropagation calls it then, instead of the chain rule through
        :attr:`der` and the activation's derivative.

        Parameters
        ----------
        a : ndarray of shape (n_samples, n_outputs) or (K, n_samples, n_outputs)
            The output layer's activation (a stack of K models' outputs).
        target : ndarray of shape (n_samples, n_outputs)
            The targets.
        rows_sum_to_one : bool, default=False
            Whether every target row is known to sum to exactly 1 (then a
            cheaper form may be used).

        Returns
        -------
        ndarray
            A new array shaped like ``a``.

        Raises
        ------
        NotImplementedError
            For a cost that fuses with no activation (:attr:`fused_activation` None).
        """
        raise NotImplementedError(f"cost {self.name!r} has no fused output delta")

    def activate_with_loss(
        self, z: np.ndarray, target: np.ndarray, rows_sum_to_one: bool = False
    ) -> Any:
        """Apply the fused activation to the logits ``z`` in place; return the cost from them.

        Valid only when :meth:`fuses_with` the output activation: the network then
        gets its output and the exact cost (:meth:`from_logits`, no clipped
        probabilities) in fewer passes than the activation and the cost apart.

        Parameters
        ----------
        z : ndarray of shape (n_samples, n_outputs) or (K, n_samples, n_outputs)
            The output layer's pre-activation; overwritten by the activation.
        target : ndarray of shape (n_samples, n_outputs)
            The targets.
        rows_sum_to_one : bool, default=False
            Whether every target row is known to sum to exactly 1.

        Returns
        -------
        float or ndarray of shape (K,)
            The cost, one per model for a stack.

        Raises
        ------
        NotImplementedError
            For a cost that fuses with no activation.

        Examples
        --------
        >>> from nnet.costs import get_cost
        >>> z = np.array([[800.0, 0.0]])  # the target's probability underflows to 0
        >>> loss = get_cost("cross_entropy").activate_with_loss(z, np.array([[0.0, 1.0]]))
        >>> float(loss), z.tolist()  # the exact cost, not log(0) clipped
        (800.0, [[1.0, 0.0]])
        """
        raise NotImplementedError(f"cost {self.name!r} has no fused forward pass")

    def from_logits(self, z: Any, target: Any) -> Any:
        """Return the cost of the fused activation of ``z``, computed from ``z`` (autograd).

        Parameters
        ----------
        z : array_like of shape (n_samples, n_outputs)
            The output layer's pre-activation.
        target : array_like of shape (n_samples, n_outputs)
            The targets.

        Returns
        -------
        float
            What :meth:`activate_with_loss` computes, differentiable by autograd.

        Raises
        ------
        NotImplementedError
            For a cost that fuses with no activation.
        """
        raise NotImplementedError(f"cost {self.name!r} has no cost from the logits")

    def __repr__(self) -> str:
        return f"Cost({self.name!r})"


# -----------------------------------------------------------------------------
# The library's costs, one section each: the maths in one place.
def _tiny(x: Any) -> float:
    """Smallest positive normal number of ``x``'s float type: the floor under ``log``."""
    return float(np.finfo(np.result_type(getattr(x, "dtype", float), np.float32)).tiny)


def _eps(x: Any) -> float:
    return float(np.finfo(np.result_type(getattr(x, "dtype", float), np.float32)).eps)


@functools.cache
def _limits(dtype: np.dtype) -> tuple[float, float]:
    """(eps, tiny) of a float dtype; np.finfo costs a microsecond per call, this a lookup."""
    info = np.finfo(dtype)
    return float(info.eps), float(info.tiny)


def _per_model_size(pred: Any) -> int:
    """N K: the number of elements of one model's (N, K) output (pred may be a stack)."""
    shape = np.shape(pred)
    return int(shape[-2] * shape[-1])


# --- mse ----------------------------------------------------------------------------------------


@fill_doc(sections=COST_SECTIONS)
def mse(pred: Any, target: Any) -> Any:
    r"""Mean squared error over all elements, as ``np.mean((pred - target) ** 2)``.

    .. math:: C = \frac{1}{N K}\sum_{i,k} (p_{ik} - t_{ik})^2

    {sections}

    Examples
    --------
    >>> float(mse(np.array([[1.0], [3.0]]), np.array([[0.0], [1.0]])))
    2.5
    """
    return anp.mean((pred - target) ** 2)


@fill_doc(sections=GRADIENT_SECTIONS)
def mse_der(pred: Any, target: Any) -> Any:
    r"""Gradient of :func:`mse`: :math:`2(p - t)/(NK)`.

    {sections}

    Examples
    --------
    >>> mse_der(np.array([[1.0], [3.0]]), np.array([[0.0], [1.0]]))
    array([[1.],
           [2.]])
    """
    return 2.0 * (pred - target) / _per_model_size(pred)


class _MeanSquaredError(Cost):
    def loss(self, pred: np.ndarray, target: np.ndarray) -> Any:
        """:func:`mse` as one dot product per model."""
        diff = pred - target
        return model_dot(diff, diff) / (diff.shape[-2] * diff.shape[-1])


MSE = _MeanSquaredError("mse", mse, mse_der, builtin=True)


# --- binary_cross_entropy (fused with sigmoid) --------------------------------------------------


@fill_doc(sections=COST_SECTIONS)
def binary_cross_entropy(pred: Any, target: Any) -> Any:
    r"""Binary cross-entropy (log-loss), mean over all elements.

    .. math:: C = -\frac{1}{N K}\sum_{i,k} t_{ik}\log p_{ik} + (1 - t_{ik})\log(1 - p_{ik})

    ``pred`` is clipped to :math:`[\epsilon, 1-\epsilon]` (machine epsilon of
    its dtype, as scikit-learn does), so ``log(0)`` never happens.

    {sections}

    Examples
    --------
    >>> round(float(binary_cross_entropy(np.array([[0.5]]), np.array([[1.0]]))), 6)
    0.693147
    """
    eps = _eps(pred)
    p = anp.clip(pred, eps, 1.0 - eps)
    return -anp.mean(target * anp.log(p) + (1.0 - target) * anp.log(1.0 - p))


@fill_doc(sections=GRADIENT_SECTIONS)
def binary_cross_entropy_der(pred: Any, target: Any) -> Any:
    r"""Gradient of :func:`binary_cross_entropy`: :math:`\frac{p - t}{p(1 - p)NK}`.

    {sections}

    Examples
    --------
    >>> binary_cross_entropy_der(np.array([[0.5]]), np.array([[1.0]]))
    array([[-2.]])
    """
    eps = _eps(pred)
    p = np.clip(pred, eps, 1.0 - eps)
    return (p - target) / (p * (1.0 - p)) / _per_model_size(pred)


@fill_doc(sections=LOGITS_SECTIONS)
def sigmoid_binary_cross_entropy_from_logits(z: Any, target: Any) -> Any:
    r""":func:`binary_cross_entropy` of ``sigmoid(z)``, from the logits ``z`` without clipping.

    .. math:: C = \frac{1}{N K}\sum_{i,k} \log(1 + e^{z_{ik}}) - t_{ik} z_{ik}

    {sections}

    Examples
    --------
    >>> float(sigmoid_binary_cross_entropy_from_logits(np.array([[40.0]]), np.array([[0.0]])))
    40.0
    """
    return anp.mean(anp.logaddexp(0.0, z) - target * z)


class _BinaryCrossEntropy(Cost):
    fused_activation = "sigmoid"

    def loss(self, pred: np.ndarray, target: np.ndarray) -> Any:
        """:func:`binary_cross_entropy` in place of a few temporaries."""
        eps = _limits(pred.dtype)[0]
        p = np.clip(pred, eps, 1.0 - eps)
        log_p, log_q = np.log(p), np.log1p(-p)
        log_p -= log_q
        log_p *= target
        log_p += log_q
        return -model_sum(log_p) / (pred.shape[-2] * pred.shape[-1])

    def activate_with_loss(
        self, z: np.ndarray, target: np.ndarray, rows_sum_to_one: bool = False
    ) -> Any:
        r"""The cost from the logits (:func:`sigmoid_binary_cross_entropy_from_logits`),
        then the sigmoid of ``z`` in place (the activation's own kernel)."""
        loss = model_sum(np.logaddexp(0.0, z)) - model_dot(target, z)
        SIGMOID.forward_inplace(z)
        return loss / (z.shape[-2] * z.shape[-1])

    def from_logits(self, z: Any, target: Any) -> Any:
        """:func:`sigmoid_binary_cross_entropy_from_logits`."""
        return sigmoid_binary_cross_entropy_from_logits(z, target)

    def output_delta(
        self, a: np.ndarray, target: np.ndarray, *, rows_sum_to_one: bool = False
    ) -> np.ndarray:
        r""":math:`(a - t)/(NK)`: :math:`\sigma'(z) = a(1 - a)` cancels the denominator of
        the gradient."""
        delta = a - target
        delta /= _per_model_size(a)
        return delta


BINARY_CROSS_ENTROPY = _BinaryCrossEntropy(
    "binary_cross_entropy",
    binary_cross_entropy,
    binary_cross_entropy_der,
    probabilities=True,
    builtin=True,
)


# --- cross_entropy (fused with softmax) ---------------------------------------------------------


@fill_doc(sections=COST_SECTIONS)
def cross_entropy(pred: Any, target: Any) -> Any:
    r"""Categorical cross-entropy: mean over samples of :math:`-\sum_k t_{ik}\log p_{ik}`.

    .. math:: C = -\frac{1}{N}\sum_{i}\sum_{k} t_{ik}\log p_{ik}

    ``pred`` is floored at the smallest normal number of its dtype, so a zero
    probability gives a large finite cost instead of ``log(0)``.

    {sections}

    Examples
    --------
    >>> round(float(cross_entropy(np.array([[0.25, 0.75]]), np.array([[0.0, 1.0]]))), 6)
    0.287682
    """
    tiny = _tiny(pred)
    p = anp.where(pred > tiny, pred, tiny)
    return -anp.sum(target * anp.log(p)) / anp.shape(pred)[0]


@fill_doc(sections=GRADIENT_SECTIONS)
def cross_entropy_der(pred: Any, target: Any) -> Any:
    r"""Gradient of :func:`cross_entropy`: :math:`-t/(pN)`.

    {sections}

    Examples
    --------
    >>> cross_entropy_der(np.array([[0.25, 0.5]]), np.array([[0.0, 1.0]]))
    array([[-0., -2.]])
    """
    tiny = _tiny(pred)
    return -target / np.where(pred > tiny, pred, tiny) / np.shape(pred)[-2]


@fill_doc(sections=LOGITS_SECTIONS)
def softmax_cross_entropy_from_logits(z: Any, target: Any) -> Any:
    r""":func:`cross_entropy` of ``softmax(z)``, computed from the logits ``z`` without clipping.

    .. math:: C = \frac{1}{N}\sum_i \sum_k t_{ik}
              \Big(\log\sum_j e^{z_{ij}} - z_{ik}\Big)

    This is what a network with a softmax output and this cost minimizes: it
    equals ``cross_entropy(softmax(z), target)`` wherever no probability
    underflows, and stays exact (with the gradient :math:`(a - t)/N`) where one
    does.

    {sections}

    Examples
    --------
    >>> z, t = np.array([[800.0, 0.0]]), np.array([[0.0, 1.0]])
    >>> clipped = cross_entropy(np.array([[1.0, 0.0]]), t)  # log(0) floored at log(tiny)
    >>> float(softmax_cross_entropy_from_logits(z, t)), float(clipped)
    (800.0, 708.3964185322641)
    """
    m = anp.max(z, axis=-1, keepdims=True)
    log_sums = m + anp.log(anp.sum(anp.exp(z - m), axis=-1, keepdims=True))
    return anp.sum(target * (log_sums - z)) / anp.shape(z)[-2]


class _CrossEntropy(Cost):
    fused_activation = "softmax"

    def loss(self, pred: np.ndarray, target: np.ndarray) -> Any:
        """:func:`cross_entropy` in place of a temporary."""
        log_p = np.maximum(pred, _limits(pred.dtype)[1])
        np.log(log_p, out=log_p)
        return -model_dot(target, log_p) / pred.shape[-2]

    def from_logits(self, z: Any, target: Any) -> Any:
        """:func:`softmax_cross_entropy_from_logits`."""
        return softmax_cross_entropy_from_logits(z, target)

    def activate_with_loss(
        self, z: np.ndarray, target: np.ndarray, rows_sum_to_one: bool = False
    ) -> Any:
        r"""Softmax of ``z`` in place, and the cost from the logits (as
        :func:`softmax_cross_entropy_from_logits`): with :math:`z' = z - \max_j z_j` and
        :math:`s = \sum_j e^{z'_j}` per row, :math:`C = \frac1N \sum_i \big((\sum_k t_{ik})
        \log s_i - \sum_k t_{ik} z'_{ik}\big)`; the softmax is :math:`e^{z'}/s`, as in
        the activation's own kernel."""
        z -= row_maxima(z)
        picked = model_dot(z, target)
        np.exp(z, out=z)
        sums = row_sums(z)
        z /= sums
        log_sums = np.log(sums, out=sums)
        if not rows_sum_to_one:
            log_sums *= row_sums(target)
        return (model_sum(log_sums) - picked) / z.shape[-2]

    def output_delta(
        self, a: np.ndarray, target: np.ndarray, *, rows_sum_to_one: bool = False
    ) -> np.ndarray:
        r""":math:`(a \sum_k t_k - t)/N`, the derivative of
        :math:`-\sum t \log\operatorname{softmax}(z)/N`; :math:`(a - t)/N` when every target
        row sums to exactly 1 (one-hot or probabilities: the training loop checks once)."""
        if rows_sum_to_one:
            delta = a - target
        else:
            delta = a * row_sums(target)
            delta -= target
        delta /= a.shape[-2]
        return delta


CROSS_ENTROPY = _CrossEntropy(
    "cross_entropy", cross_entropy, cross_entropy_der, probabilities=True, builtin=True
)


# --- poisson ------------------------------------------------------------------------------------


@fill_doc(sections=COST_SECTIONS)
def poisson(pred: Any, target: Any) -> Any:
    r"""Half Poisson deviance, summed over outputs and averaged over samples.

    .. math:: C = \frac{1}{N}\sum_{i,k} t_{ik}\log\frac{t_{ik}}{p_{ik}} - t_{ik} + p_{ik}

    The cost of counts ``target`` >= 0 predicted by positive ``pred`` (an
    ``"exp"`` output, as scikit-learn's ``MLPRegressor(loss="poisson")``), whose
    gradient through the exponential is :math:`(p - t)/N`. ``pred`` is floored at
    machine epsilon of its dtype, as the cross-entropies clip theirs, so that an
    output that is not positive gives a finite value.

    {sections}

    Examples
    --------
    >>> float(poisson(np.array([[2.0]]), np.array([[2.0]])))
    0.0
    """
    p = anp.maximum(pred, _eps(pred))
    positive = target > 0
    safe_target = anp.where(positive, target, 1.0)
    log_ratio = anp.where(positive, target * anp.log(safe_target / p), 0.0)
    return anp.sum(log_ratio - target + p) / pred.shape[0]


@fill_doc(sections=GRADIENT_SECTIONS)
def poisson_der(pred: Any, target: Any) -> Any:
    r"""Gradient of :func:`poisson`: :math:`(1 - t/p)/N`.

    {sections}

    Examples
    --------
    >>> poisson_der(np.array([[2.0]]), np.array([[1.0]]))
    array([[0.5]])
    """
    return (1.0 - target / np.maximum(pred, _eps(pred))) / np.shape(pred)[-2]


class _Poisson(Cost):
    def loss(self, pred: np.ndarray, target: np.ndarray) -> Any:
        """:func:`poisson` in fewer temporaries."""
        p = np.maximum(pred, _limits(pred.dtype)[0])
        positive = target > 0
        terms = np.where(positive, target * np.log(np.where(positive, target, 1.0) / p), 0.0)
        terms -= target
        terms += p
        return model_sum(terms) / pred.shape[-2]


POISSON = _Poisson("poisson", poisson, poisson_der, builtin=True)


BUILTINS = (MSE, BINARY_CROSS_ENTROPY, CROSS_ENTROPY, POISSON)
"""The library's costs, in the registry's order."""


# -----------------------------------------------------------------------------
# the registry

__all__ = [
    "COSTS",
    "Cost",
    "binary_cross_entropy",
    "binary_cross_entropy_der",
    "cross_entropy",
    "cross_entropy_der",
    "get_cost",
    "make_cost",
    "mse",
    "mse_der",
    "poisson",
    "poisson_der",
    "register_cost",
    "sigmoid_binary_cross_entropy_from_logits",
    "softmax_cross_entropy_from_logits",
]

COSTS: dict[str, Cost] = {cost.name: cost for cost in BUILTINS}
"""Name → :class:`Cost` for every cost the library ships (and registered ones)."""

_REGISTRY = Registry(
    "cost",
    "costs",
    COSTS,
    "fn",
    {
        "squared_error": "mse",
        "log_loss": "cross_entropy",
        "categorical_cross_entropy": "cross_entropy",
        "bce": "binary_cross_entropy",
    },
)


def get_cost(spec: str | Cost, **params: Any) -> Cost:
    """Return a registered cost by name (any case, or an alias such as ``"log_loss"``).

    Parameters
    ----------
    spec : str or Cost
        A key of :data:`COSTS` or an alias (``"squared_error"``, ``"log_loss"``,
        ``"categorical_cross_entropy"``, ``"bce"``), or a :class:`Cost`, returned as is.
    **params
        None: no library cost takes parameters (the registries share one shape).

    Returns
    -------
    Cost

    Examples
    --------
    >>> get_cost("log_loss")
    Cost('cross_entropy')
    """
    if params:
        raise TypeError(f"costs take no parameters, got {sorted(params)}")
    if isinstance(spec, Cost):
        return spec
    if not isinstance(spec, str):
        raise TypeError(
            f"cost must be a name in {sorted(COSTS)} or a Cost, got {type(spec).__name__}"
        )
    return _REGISTRY.lookup(spec)


def make_cost(fn: Any, der: Any = None, *, argname: str = "cost_fun") -> Cost:
    """Turn a name, a :class:`Cost` or a callable (+ optional gradient) into a Cost.

    A library function maps to its registry entry (keeping its fused deltas); a
    custom callable without ``der`` is differentiated by autograd, and one that
    autograd cannot differentiate raises :class:`TypeError` here.

    Parameters
    ----------
    fn : str or Cost or callable
        A registry name, a :class:`Cost`, or ``fn(pred, target) -> float``.
    der : callable, optional
        The gradient ``der(pred, target)`` of a custom ``fn``; from autograd when omitted.
    argname : str, default="cost_fun"
        The argument's name in error messages.

    Returns
    -------
    Cost
        The registry entry for a library cost, else a new record.

    Examples
    --------
    >>> make_cost(cross_entropy) is COSTS["cross_entropy"]
    True
    """

    def new(name: str) -> Cost:
        return Cost(name, fn, der if der is not None else derive_grad(fn, argname))

    return _REGISTRY.make(fn, der, argname, Cost, new)


@fill_doc(
    sections=register_sections("Cost", "``fn(pred, target) -> float``", "Gradient w.r.t. ``pred``")
)
def register_cost(
    name: str, fn: CostFunc, der: CostFunc | None = None, *, overwrite: bool = False
) -> Cost:
    """Register a custom cost under ``name`` so strings (and saved models) can use it.

    A custom cost backpropagates through its gradient and then the output
    activation's derivative: the fused deltas of the library's cross-entropies
    (:meth:`Cost.output_delta`) are theirs alone.

    {sections}

    Examples
    --------
    The half squared error, written with array methods (autograd follows those too):

    >>> c = register_cost("half_mse_demo", lambda p, t: 0.5 * ((p - t) ** 2).mean(), overwrite=True)
    >>> get_cost("half_mse_demo").name, c.der(np.array([[3.0]]), np.array([[1.0]]))
    ('half_mse_demo', array([[2.]]))
    """
    return _REGISTRY.register_callable(name, make_cost, fn, der, overwrite)
