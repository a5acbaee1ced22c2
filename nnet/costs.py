r"""Cost functions, each with its gradient beside it, and their registry.

A cost takes the network's output ``pred`` and the ``target``, both of shape
(n_samples, n_outputs), and returns a float averaged over samples. Its
gradient ``<name>_der(pred, target)`` is :math:`\partial C/\partial\,\mathrm{pred}`.

A :class:`Cost` also owns the *fused* output-layer delta for its canonical
output activation (Nielsen's ``delta``; scikit-learn's ``activations[-1] - y``):
for softmax + cross-entropy and sigmoid + binary cross-entropy the chain rule
through the activation collapses to :math:`\partial C/\partial z = (a - t)/N`,
which is cheaper and more accurate than multiplying the two factors.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from typing import Any

import autograd.numpy as anp
import numpy as np

from nnet import _kernels
from nnet._autodiff import derive_grad
from nnet._registry import canonical_name, register, resolve

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
    "register_cost",
    "sigmoid_binary_cross_entropy_from_logits",
    "softmax_cross_entropy_from_logits",
]

CostFunc = Callable[[Any, Any], Any]


def _tiny(x: Any) -> float:
    """Smallest positive normal number of ``x``'s float type: the floor under ``log``."""
    return float(np.finfo(np.result_type(getattr(x, "dtype", float), np.float32)).tiny)


def _per_model_size(pred: Any) -> int:
    """N K: the number of elements of one model's (N, K) output (pred may be a stack)."""
    shape = np.shape(pred)
    return int(shape[-2] * shape[-1])


def _eps(x: Any) -> float:
    return float(np.finfo(np.result_type(getattr(x, "dtype", float), np.float32)).eps)


def mse(pred: Any, target: Any) -> Any:
    r"""Mean squared error over all elements, as ``np.mean((pred - target) ** 2)``.

    .. math:: C = \frac{1}{N K}\sum_{i,k} (p_{ik} - t_{ik})^2

    Parameters
    ----------
    pred : array_like of shape (n_samples, n_outputs)
        The network's outputs.
    target : array_like of shape (n_samples, n_outputs)
        The targets.

    Returns
    -------
    float
        The cost (a 0-d array under autograd).

    Examples
    --------
    >>> float(mse(np.array([[1.0], [3.0]]), np.array([[0.0], [1.0]])))
    2.5
    """
    return anp.mean((pred - target) ** 2)


def mse_der(pred: Any, target: Any) -> Any:
    r"""Gradient of :func:`mse`: :math:`2(p - t)/(NK)`.

    Parameters
    ----------
    pred : array_like of shape (n_samples, n_outputs)
        The network's outputs.
    target : array_like of shape (n_samples, n_outputs)
        The targets.

    Returns
    -------
    ndarray of shape (n_samples, n_outputs)
        The gradient of the cost with respect to ``pred``.

    Examples
    --------
    >>> mse_der(np.array([[1.0], [3.0]]), np.array([[0.0], [1.0]]))
    array([[1.],
           [2.]])
    """
    return 2.0 * (pred - target) / _per_model_size(pred)


def binary_cross_entropy(pred: Any, target: Any) -> Any:
    r"""Binary cross-entropy (log-loss), mean over all elements.

    .. math:: C = -\frac{1}{N K}\sum_{i,k} t_{ik}\log p_{ik} + (1 - t_{ik})\log(1 - p_{ik})

    ``pred`` is clipped to :math:`[\epsilon, 1-\epsilon]` (machine epsilon of
    its dtype, as scikit-learn does), so ``log(0)`` never happens.

    Parameters
    ----------
    pred : array_like of shape (n_samples, n_outputs)
        The network's outputs.
    target : array_like of shape (n_samples, n_outputs)
        The targets.

    Returns
    -------
    float
        The cost (a 0-d array under autograd).

    Examples
    --------
    >>> round(float(binary_cross_entropy(np.array([[0.5]]), np.array([[1.0]]))), 6)
    0.693147
    """
    eps = _eps(pred)
    p = anp.clip(pred, eps, 1.0 - eps)
    return -anp.mean(target * anp.log(p) + (1.0 - target) * anp.log(1.0 - p))


def binary_cross_entropy_der(pred: Any, target: Any) -> Any:
    r"""Gradient of :func:`binary_cross_entropy`: :math:`\frac{p - t}{p(1 - p)NK}`.

    Parameters
    ----------
    pred : array_like of shape (n_samples, n_outputs)
        The network's outputs.
    target : array_like of shape (n_samples, n_outputs)
        The targets.

    Returns
    -------
    ndarray of shape (n_samples, n_outputs)
        The gradient of the cost with respect to ``pred``.

    Examples
    --------
    >>> binary_cross_entropy_der(np.array([[0.5]]), np.array([[1.0]]))
    array([[-2.]])
    """
    eps = _eps(pred)
    p = np.clip(pred, eps, 1.0 - eps)
    return (p - target) / (p * (1.0 - p)) / _per_model_size(pred)


def cross_entropy(pred: Any, target: Any) -> Any:
    r"""Categorical cross-entropy: mean over samples of :math:`-\sum_k t_{ik}\log p_{ik}`.

    .. math:: C = -\frac{1}{N}\sum_{i}\sum_{k} t_{ik}\log p_{ik}

    ``pred`` is floored at the smallest normal number of its dtype, so a zero
    probability gives a large finite cost instead of ``log(0)``.

    Parameters
    ----------
    pred : array_like of shape (n_samples, n_outputs)
        The network's outputs.
    target : array_like of shape (n_samples, n_outputs)
        The targets.

    Returns
    -------
    float
        The cost (a 0-d array under autograd).

    Examples
    --------
    >>> round(float(cross_entropy(np.array([[0.25, 0.75]]), np.array([[0.0, 1.0]]))), 6)
    0.287682
    """
    tiny = _tiny(pred)
    p = anp.where(pred > tiny, pred, tiny)
    return -anp.sum(target * anp.log(p)) / anp.shape(pred)[0]


def cross_entropy_der(pred: Any, target: Any) -> Any:
    r"""Gradient of :func:`cross_entropy`: :math:`-t/(pN)`.

    Parameters
    ----------
    pred : array_like of shape (n_samples, n_outputs)
        The network's outputs.
    target : array_like of shape (n_samples, n_outputs)
        The targets.

    Returns
    -------
    ndarray of shape (n_samples, n_outputs)
        The gradient of the cost with respect to ``pred``.

    Examples
    --------
    >>> cross_entropy_der(np.array([[0.25, 0.5]]), np.array([[0.0, 1.0]]))
    array([[-0., -2.]])
    """
    tiny = _tiny(pred)
    return -target / np.where(pred > tiny, pred, tiny) / np.shape(pred)[-2]


def softmax_cross_entropy_from_logits(z: Any, target: Any) -> Any:
    r""":func:`cross_entropy` of ``softmax(z)``, computed from the logits ``z`` without clipping.

    .. math:: C = \frac{1}{N}\sum_i \sum_k t_{ik}
              \Big(\log\sum_j e^{z_{ij}} - z_{ik}\Big)

    This is what a network with a softmax output and this cost minimizes: it
    equals ``cross_entropy(softmax(z), target)`` wherever no probability
    underflows, and stays exact (with the gradient :math:`(a - t)/N`) where one
    does.

    Parameters
    ----------
    z : array_like of shape (n_samples, n_outputs)
        The output layer's pre-activations (the logits).
    target : array_like of shape (n_samples, n_outputs)
        The targets.

    Returns
    -------
    float
        The cost (a 0-d array under autograd).

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


def sigmoid_binary_cross_entropy_from_logits(z: Any, target: Any) -> Any:
    r""":func:`binary_cross_entropy` of ``sigmoid(z)``, from the logits ``z`` without clipping.

    .. math:: C = \frac{1}{N K}\sum_{i,k} \log(1 + e^{z_{ik}}) - t_{ik} z_{ik}

    Parameters
    ----------
    z : array_like of shape (n_samples, n_outputs)
        The output layer's pre-activations (the logits).
    target : array_like of shape (n_samples, n_outputs)
        The targets.

    Returns
    -------
    float
        The cost (a 0-d array under autograd).

    Examples
    --------
    >>> float(sigmoid_binary_cross_entropy_from_logits(np.array([[40.0]]), np.array([[0.0]])))
    40.0
    """
    return anp.mean(anp.logaddexp(0.0, z) - target * z)


def _softmax_cross_entropy_delta(a: Any, target: Any, scale: float = 1.0) -> Any:
    # d/dz of -sum(t log softmax(z))/N is (a * sum_k t - t)/N; for one-hot rows sum_k t = 1.
    delta = a * _kernels.row_sums(target)
    delta -= target
    delta *= scale / a.shape[-2]
    return delta


def _softmax_cross_entropy_delta_for_distributions(a: Any, target: Any, scale: float = 1.0) -> Any:
    # The same when every target row sums to exactly 1 (one-hot or probabilities).
    delta = a - target
    delta *= scale / a.shape[-2]
    return delta


DISTRIBUTION_DELTAS = {_softmax_cross_entropy_delta: _softmax_cross_entropy_delta_for_distributions}
"""Fused deltas with a cheaper form when every target row sums to exactly 1 (the training
loop checks its targets once per call; see ``nnet._backprop.Backprop``)."""


def _sigmoid_binary_cross_entropy_delta(a: Any, target: Any, scale: float = 1.0) -> Any:
    # sigma'(z) = a(1 - a) cancels the denominator of the BCE gradient.
    delta = a - target
    delta *= scale / _per_model_size(a)
    return delta


@dataclasses.dataclass(frozen=True)
class Cost:
    r"""A cost function with its gradient and its fused output-layer deltas.

    Parameters
    ----------
    name : str
        Registry name (or the function's ``__name__`` for an unregistered one).
    fn : callable
        ``fn(pred, target) -> float``, written with :mod:`autograd.numpy`.
    der : callable
        ``der(pred, target) -> ndarray``, the gradient w.r.t. ``pred``.
    fused : mapping, default={}
        Activation name → ``delta(a, target, scale=1.0)``, ``scale`` times the exact
        :math:`\partial C/\partial z` of the output layer when that (library)
        activation precedes this cost (a new array).
    probabilities : bool, default=False
        True when predictions must lie in [0, 1] (targets too): the network then
        refuses an output activation that cannot produce probabilities.
    builtin : bool, default=False
        True for the library's own entries.
    fast_fn : callable or None, default=None
        A plain-NumPy ``fast_fn(pred, target) -> float`` equal to ``fn``, used on
        the training hot path (see :mod:`nnet._kernels`).
    from_logits : mapping, default={}
        Activation name → ``(fn, fast_fn)``: the cost computed from the output
        layer's pre-activation ``z`` when that (library) activation precedes
        this cost, written with autograd and in plain NumPy. A network uses it
        for its cost, so that the cost stays exact (and equal to what its
        fused delta differentiates) where the probabilities underflow.
    clips : callable or None, default=None
        ``clips(pred) -> bool``: whether the cost clips some of these predictions
        (where its value stops following the formula); None when it never does.

    Examples
    --------
    >>> c = get_cost("mse")
    >>> float(c(np.array([[1.0]]), np.array([[0.0]])))
    1.0
    """

    name: str
    fn: CostFunc
    der: CostFunc
    fused: Mapping[str, CostFunc] = dataclasses.field(default_factory=dict)
    probabilities: bool = False
    builtin: bool = False
    fast_fn: CostFunc | None = dataclasses.field(default=None, repr=False)
    from_logits: Mapping[str, tuple[CostFunc, CostFunc]] = dataclasses.field(
        default_factory=dict, repr=False
    )
    clips: Callable[[np.ndarray], bool] | None = dataclasses.field(default=None, repr=False)

    def __call__(self, pred: Any, target: Any) -> Any:
        """Return the cost of ``pred`` against ``target``.

        Parameters
        ----------
        pred : array_like of shape (n_samples, n_outputs)
            The network's outputs.
        target : array_like of shape (n_samples, n_outputs)
            The targets.

        Returns
        -------
        float
            The cost (a 0-d array under autograd).
        """
        return self.fn(pred, target)

    def _loss(self, pred: np.ndarray, target: np.ndarray) -> float:
        """The cost as a float, through the fast kernel when there is one."""
        return float((self.fast_fn or self.fn)(pred, target))

    def __repr__(self) -> str:
        return f"Cost({self.name!r})"


COSTS: dict[str, Cost] = {
    "mse": Cost("mse", mse, mse_der, builtin=True, fast_fn=_kernels.mse_loss),
    "binary_cross_entropy": Cost(
        "binary_cross_entropy",
        binary_cross_entropy,
        binary_cross_entropy_der,
        fused={"sigmoid": _sigmoid_binary_cross_entropy_delta},
        probabilities=True,
        builtin=True,
        fast_fn=_kernels.binary_cross_entropy_loss,
        clips=_kernels.binary_cross_entropy_clips,
        from_logits={
            "sigmoid": (
                sigmoid_binary_cross_entropy_from_logits,
                _kernels.sigmoid_binary_cross_entropy_from_logits,
            )
        },
    ),
    "cross_entropy": Cost(
        "cross_entropy",
        cross_entropy,
        cross_entropy_der,
        fused={"softmax": _softmax_cross_entropy_delta},
        probabilities=True,
        builtin=True,
        fast_fn=_kernels.cross_entropy_loss,
        clips=_kernels.cross_entropy_clips,
        from_logits={
            "softmax": (
                softmax_cross_entropy_from_logits,
                _kernels.softmax_cross_entropy_from_logits,
            )
        },
    ),
}
"""Name → :class:`Cost` for every cost the library ships (and registered ones)."""

_ALIASES = {
    "squared_error": "mse",
    "log_loss": "cross_entropy",
    "categorical_cross_entropy": "cross_entropy",
    "bce": "binary_cross_entropy",
}


def get_cost(name: str) -> Cost:
    """Look up a registered cost by name.

    Parameters
    ----------
    name : str
        A key of :data:`COSTS` or an alias (``"log_loss"``), in any case.

    Returns
    -------
    Cost
        The registered cost.

    Examples
    --------
    >>> get_cost("log_loss")
    Cost('cross_entropy')
    """
    key = canonical_name(name, COSTS, _ALIASES)  # case-insensitive
    if key not in COSTS:
        raise ValueError(f"unknown cost {name!r}; expected one of {sorted(COSTS)}")
    return COSTS[key]


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
    entry = resolve(fn, der, COSTS, get_cost, Cost, argname)
    if entry is not None:
        return entry
    name = getattr(fn, "__name__", type(fn).__name__)
    return Cost(name, fn, der if der is not None else derive_grad(fn, argname))


def register_cost(
    name: str, fn: CostFunc, der: CostFunc | None = None, *, overwrite: bool = False
) -> Cost:
    """Register a custom cost under ``name`` so strings (and saved models) can use it.

    Parameters
    ----------
    name : str
        The new name.
    fn : callable
        ``fn(pred, target) -> float``, written with :mod:`autograd.numpy`.
    der : callable or None, default=None
        The gradient with respect to ``pred``; derived with autograd when ``None``.
    overwrite : bool, default=False
        Allow replacing a custom entry (library entries can never be replaced).

    Returns
    -------
    Cost
        The registered record.

    Examples
    --------
    >>> import autograd.numpy as anp
    >>> c = register_cost("mae_demo", lambda p, t: anp.mean(anp.abs(p - t)), overwrite=True)
    >>> get_cost("mae_demo").name
    'mae_demo'
    """
    return register(name, lambda: make_cost(fn, der, argname="fn"), COSTS, "cost", overwrite)
