r"""The :class:`Cost` record: a cost function, its gradient and the output delta it fuses."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

from nnet._docstrings import fill_doc

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
"""A cost's ``{sections}`` (see :func:`nnet._docstrings.fill_doc`): ``pred, target -> float``."""
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
    fast_fn : callable or None, default=None
        A plain-NumPy ``fast_fn(pred, target) -> float`` equal to ``fn``, used on
        the training hot path.
    from_logits : mapping, default={}
        Activation name → ``(fn, fast_fn)``: the cost computed from the output
        layer's pre-activation ``z`` when that (library) activation precedes
        this cost, written with autograd and in plain NumPy. A network uses it
        for its cost, so that the cost stays exact (and equal to what its
        fused delta differentiates) where the probabilities underflow.
    clips : callable or None, default=None
        ``clips(pred) -> bool``: whether ``fast_fn`` clips a prediction of
        ``pred`` (then the network computes the cost from the logits instead).

    Attributes
    ----------
    fused_activation : str or None
        The library activation whose chain rule with this cost collapses to
        :meth:`output_delta` (Nielsen's ``delta``; scikit-learn's
        ``activations[-1] - y``): ``"softmax"`` for cross-entropy, ``"sigmoid"``
        for binary cross-entropy, None for the others.
    activates : bool
        Whether :meth:`activate_with_loss` computes the fused activation and the
        cost from the logits in one go (cross-entropy after softmax).

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
    fast_fn: CostFunc | None = dataclasses.field(default=None, repr=False)
    from_logits: Mapping[str, tuple[CostFunc, CostFunc]] = dataclasses.field(
        default_factory=dict, repr=False
    )
    clips: Callable[[np.ndarray], bool] | None = dataclasses.field(default=None, repr=False)

    fused_activation: ClassVar[str | None] = None
    activates: ClassVar[bool] = False

    @fill_doc(sections=COST_SECTIONS)
    def __call__(self, pred: Any, target: Any) -> Any:
        """Return the cost of ``pred`` against ``target``.

        {sections}
        """
        return self.fn(pred, target)

    def fuses_with(self, activation: Activation) -> bool:
        """Whether the output delta after ``activation`` is :meth:`output_delta`.

        True only for a library cost after its library :attr:`fused_activation`.

        Parameters
        ----------
        activation : Activation
            The network's output activation.

        Returns
        -------
        bool
            Whether the output delta after ``activation`` is :meth:`output_delta`.

        Examples
        --------
        >>> from nnet.activations import get_activation
        >>> from nnet.costs import get_cost
        >>> get_cost("cross_entropy").fuses_with(get_activation("softmax"))
        True
        """
        return self.builtin and activation.builtin and activation.name == self.fused_activation

    def output_delta(
        self, a: np.ndarray, target: np.ndarray, scale: Any = 1.0, rows_sum_to_one: bool = False
    ) -> np.ndarray:
        r"""``scale`` times :math:`\partial C/\partial z` of the output layer, its activation ``a``.

        Valid only when :meth:`fuses_with` the output activation; the network's
        backpropagation calls it then, instead of the chain rule through
        :attr:`der` and the activation's derivative.

        Parameters
        ----------
        a : ndarray of shape (n_samples, n_outputs) or (K, n_samples, n_outputs)
            The output layer's activation (a stack of K models' outputs).
        target : ndarray of shape (n_samples, n_outputs)
            The targets.
        scale : float or ndarray of shape (K, 1, 1), default=1.0
            A factor folded in (the learning rate of a gradient-linear optimizer).
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

        Valid only when :attr:`activates` and :meth:`fuses_with` the output
        activation: the training step then gets the output and an exact cost (no
        clipped probabilities) with fewer passes than the activation and the cost apart.

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
            For a cost without such a pass (:attr:`activates` False).

        Examples
        --------
        >>> from nnet.costs import get_cost
        >>> z = np.array([[800.0, 0.0]])  # the target's probability underflows to 0
        >>> loss = get_cost("cross_entropy").activate_with_loss(z, np.array([[0.0, 1.0]]))
        >>> float(loss), z.tolist()  # the exact cost, not log(0) clipped
        (800.0, [[1.0, 0.0]])
        """
        raise NotImplementedError(f"cost {self.name!r} has no fused forward pass")

    def _loss(self, pred: np.ndarray, target: np.ndarray) -> float:
        """The cost as a float, through the fast kernel when there is one."""
        return float((self.fast_fn or self.fn)(pred, target))

    def __repr__(self) -> str:
        return f"Cost({self.name!r})"
