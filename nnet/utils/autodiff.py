"""Derivatives of user-given callables via autograd, checked once when they are given."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import autograd
import numpy as np

_PROBE = np.linspace(-0.9, 0.9, 12).reshape(3, 4)


def _name(fn: Any) -> str:
    return getattr(fn, "__name__", type(fn).__name__)


def _probe_error(argname: str, fn: Any, err: Exception) -> TypeError:
    return TypeError(
        f"{argname}: autograd cannot differentiate {_name(fn)!r} ({type(err).__name__}: {err}); "
        "write it with autograd.numpy (import autograd.numpy as np) or pass its derivative"
    )


def derive_vjp(fn: Callable[[Any], Any], argname: str) -> Callable[[Any, Any, Any], Any]:
    """Return ``vjp(z, a, grad_a) -> grad_z`` for ``fn``, computed by autograd.

    ``fn`` is tried once on a small probe so that a function autograd cannot
    differentiate fails here, with a message naming ``argname``.
    """
    try:
        vjp_fun, out = autograd.make_vjp(fn)(_PROBE)
        vjp_fun(np.ones_like(out))
    except Exception as err:
        raise _probe_error(argname, fn, err) from err
    if np.shape(out) != _PROBE.shape:
        raise ValueError(
            f"{argname}: {_name(fn)!r} must return an array shaped like its input "
            f"{_PROBE.shape}, got shape {np.shape(out)}"
        )

    def vjp(z: Any, a: Any, grad_a: Any) -> Any:
        return autograd.make_vjp(fn)(z)[0](grad_a)

    return vjp


def derive_grad(cost: Callable[[Any, Any], Any], argname: str) -> Callable[[Any, Any], Any]:
    """Return ``der(pred, target) -> d cost / d pred`` for ``cost``, computed by autograd."""
    grad = autograd.grad(cost, 0)
    target = np.eye(3, 4)
    try:
        value = cost(np.full((3, 4), 0.25), target)
        grad(np.full((3, 4), 0.25), target)
    except Exception as err:
        raise _probe_error(argname, cost, err) from err
    if np.ndim(value) != 0:
        raise ValueError(
            f"{argname}: {_name(cost)!r} must return a scalar, got shape {np.shape(value)}"
        )
    return grad
