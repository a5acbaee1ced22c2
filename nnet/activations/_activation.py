"""The :class:`Activation` record: an activation function with the rule that backpropagates it."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from nnet._validation import is_finite_real

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
        sit beside their functions in ``nnet/activations/_builtins.py`` and
        ``_softmax.py``):
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

    def _forward_inplace(self, z: np.ndarray) -> np.ndarray:
        """The activation of ``z``, which may be overwritten: the network's hot path."""
        if self.fast_forward is not None and self.fast_backward is not None:
            return self.fast_forward(z, **self.params)  # a kernel returns its ndarray z
        return np.asarray(self(z))

    def _backward_inplace(
        self, z: np.ndarray | None, a: np.ndarray, grad: np.ndarray
    ) -> np.ndarray:
        """:meth:`backward`, allowed to overwrite ``grad``; ``z`` is None unless :attr:`needs_z`."""
        if self.fast_backward is not None:
            return self.fast_backward(a, grad, **self.params)  # a kernel returns its ndarray grad
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
