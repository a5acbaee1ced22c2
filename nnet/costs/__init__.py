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
``nnet/costs/_builtins.py``.
"""

from __future__ import annotations

from typing import Any

from nnet._autodiff import derive_grad
from nnet._docstrings import fill_doc
from nnet._validation import Registry, register_sections, resolve
from nnet.costs._builtins import (
    BUILTINS,
    binary_cross_entropy,
    binary_cross_entropy_der,
    cross_entropy,
    cross_entropy_der,
    mse,
    mse_der,
    poisson,
    poisson_der,
    sigmoid_binary_cross_entropy_from_logits,
    softmax_cross_entropy_from_logits,
)
from nnet.costs._cost import Cost, CostFunc

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
    entry = resolve(fn, der, COSTS, get_cost, Cost, argname)
    if entry is not None:
        return entry
    name = getattr(fn, "__name__", type(fn).__name__)
    return Cost(name, fn, der if der is not None else derive_grad(fn, argname))


@fill_doc(
    sections=register_sections("Cost", "``fn(pred, target) -> float``", "Gradient w.r.t. ``pred``")
)
def register_cost(
    name: str, fn: CostFunc, der: CostFunc | None = None, *, overwrite: bool = False
) -> Cost:
    """Register a custom cost under ``name`` so strings (and saved models) can use it.

    {sections}

    Examples
    --------
    >>> import autograd.numpy as anp
    >>> c = register_cost("mae_demo", lambda p, t: anp.mean(anp.abs(p - t)), overwrite=True)
    >>> get_cost("mae_demo").name
    'mae_demo'
    """
    return _REGISTRY.register_callable(name, make_cost, fn, der, overwrite)
