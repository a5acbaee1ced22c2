r"""The kernel sets of the training step: NumPy's (the reference) or numba-compiled ones.

A training step is a few matrix products, which BLAS runs, and elementwise passes: each
hidden layer's bias and activation and their backward pass, the output's softmax with its
loss and delta, the penalty and the optimizer's update. With the ``"numpy"`` set (the
default) these are the NumPy kernels beside each part (:mod:`nnet.activations`,
:mod:`nnet.costs`, :mod:`nnet.optimizers`): the readable reference. With the ``"numba"``
set (``pip install "nnet[fast]"``) the built-in parts run fused, compiled twins of them
(:mod:`nnet.kernels._compiled`): with one hidden layer, four calls a step besides the
products, which stay in BLAS (compiled products were slower, even W4's 4 x 8); each is tested
against its NumPy twin, and a model of a stack still equals the same model trained alone,
bit for bit, within one set.

Choose the set with the environment variable ``NNET_KERNELS=numpy|numba`` (read when nnet
is imported) or :func:`use_kernels` at run time; a network or sweep picks the set active
when its training starts. Only built-in parts have compiled kernels; with anything else
(a custom activation, cost or optimizer, another output pairing than softmax with
cross-entropy, sample weights, decoupled weight decay) the training step runs its NumPy
kernels, unchanged; with metrics on the training data, which score each step's outputs,
the forward and backward passes do (the compiled output pass overwrites them).

The compiled kernels are cached on disk (numba's ``cache=True``, in ``__pycache__`` beside
the module, or numba's user cache directory when that is read-only): the first training in
a new environment compiles them (seconds), later processes load them.
"""

from __future__ import annotations

import importlib.util
import os
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np

from nnet.activations import Activation
from nnet.costs import Cost
from nnet.optimizers import SGD, Momentum, Optimizer

__all__ = ["KERNELS", "active_kernels", "numba_available", "use_kernels"]

KERNELS = ("numpy", "numba")
"""The names of the kernel sets."""

_ENV = "NNET_KERNELS"


def numba_available() -> bool:
    """Whether numba is installed, so that the ``"numba"`` kernel set can be used.

    Returns
    -------
    bool

    Examples
    --------
    >>> from nnet.kernels import numba_available
    >>> isinstance(numba_available(), bool)
    True
    """
    return importlib.util.find_spec("numba") is not None


def _check_name(name: Any, argname: str) -> str:
    if not isinstance(name, str):
        raise TypeError(f"{argname} must be a str, one of {list(KERNELS)}; got {name!r}")
    if name.strip().lower() not in KERNELS:
        raise ValueError(f"{argname} must be one of {list(KERNELS)}, got {name!r}")
    return name.strip().lower()


def use_kernels(name: str) -> str:
    """Choose the kernel set of the training steps that start from now on.

    Parameters
    ----------
    name : {"numpy", "numba"}
        ``"numpy"``: the NumPy kernels (the reference, and the default); ``"numba"``:
        compiled kernels for the built-in parts (needs numba: ``pip install "nnet[fast]"``).

    Returns
    -------
    str
        The set active before the call, to restore it later.

    Raises
    ------
    TypeError
        If ``name`` is not a str.
    ValueError
        If ``name`` is not one of :data:`KERNELS`.
    ImportError
        If ``name`` is ``"numba"`` and numba is not installed (nothing is changed).

    See Also
    --------
    active_kernels : The set in use.

    Notes
    -----
    The choice is also written to the environment (``NNET_KERNELS``), so that worker
    processes started afterwards (``sweep(n_jobs=...)``) use the same set; workers already
    running keep theirs.

    Examples
    --------
    >>> from nnet.kernels import active_kernels, use_kernels
    >>> before = use_kernels("numpy")
    >>> active_kernels()
    'numpy'
    >>> _ = use_kernels(before)  # as it was
    """
    global _active
    checked = _check_name(name, "name")
    if checked == "numba" and not numba_available():
        raise ImportError(
            "use_kernels('numba') needs numba, which is not installed; "
            'install it with: pip install "nnet[fast]"'
        )
    previous, _active = _active, checked
    os.environ[_ENV] = checked
    return previous


def active_kernels() -> str:
    """The name of the kernel set that training steps starting now use.

    Returns
    -------
    str
        ``"numpy"`` or ``"numba"``.

    Examples
    --------
    >>> from nnet.kernels import active_kernels
    >>> active_kernels() in ("numpy", "numba")
    True
    """
    return _active


def _from_environment() -> str:
    """The set named by ``NNET_KERNELS`` (default ``"numpy"``).

    A name that is not a set raises ValueError (a typo should not quietly run the other
    set); ``numba`` without numba installed warns and gives ``"numpy"``, so that one
    environment variable can serve machines with and without it.
    """
    value = os.environ.get(_ENV, "").strip()
    if not value:
        return "numpy"
    name = _check_name(value, _ENV)
    if name == "numba" and not numba_available():
        warnings.warn(
            f"{_ENV}=numba but numba is not installed: nnet uses its NumPy kernels "
            '(pip install "nnet[fast]" brings numba)',
            UserWarning,
            stacklevel=2,
        )
        return "numpy"
    return name


_active: str = _from_environment()


# ----------------------------------------------------------------------------- the kernels
# Each lookup returns the compiled kernel of a built-in part when the numba set is active,
# else None: the caller then runs the NumPy kernels. Callers look up once, when a training
# engine is built, never per step.
ActivationKernels = tuple[Callable[..., None], Callable[..., None]]


def _compiled_module() -> Any:
    """The module of compiled kernels (importing numba), or None under the NumPy set."""
    if _active != "numba":
        return None
    from nnet.kernels import _compiled

    return _compiled


def activation_kernels(activation: Activation) -> ActivationKernels | None:
    r"""``(forward, backward)`` compiled kernels of a hidden layer's ``activation``, or None.

    ``forward(z, params, offset)``: ``z`` becomes ``f(z + b)``, ``b`` read from the rows
    of ``params`` at ``offset``; ``backward(a, grad, g, offset)``: ``grad`` becomes
    :math:`\partial C/\partial z` and its sum over rows is written into ``g`` at ``offset``.
    """
    compiled = _compiled_module()
    if compiled is None or not activation.builtin or activation.params:
        return None
    name = activation.name
    if name not in ("sigmoid", "relu", "tanh", "identity"):
        return None
    return getattr(compiled, f"{name}_forward"), getattr(compiled, f"{name}_backward")


def output_kernel(activation: Activation, cost: Cost) -> Callable[..., None] | None:
    """The compiled output pass for ``activation`` followed by ``cost``, or None.

    Only softmax with cross-entropy has one: see
    :func:`nnet.kernels._compiled.softmax_cross_entropy`.
    """
    compiled = _compiled_module()
    if compiled is None or not cost.fuses_with(activation):
        return None
    if (activation.name, cost.name) != ("softmax", "cross_entropy"):
        return None
    return compiled.softmax_cross_entropy


class FusedStep:
    """The penalty, the optimizer's update and its addition to the parameters, in one call.

    Built by :func:`fused_step` for a built-in :class:`~nnet.optimizers.Momentum` or
    :class:`~nnet.optimizers.SGD` (exactly those classes, without weight decay). The
    optimizer's bookkeeping (its state, step count and learning rate) is its own
    (``Optimizer.begin_step``); the arithmetic is the compiled kernel's: the penalty's
    value, then one pass that adds its gradient, updates and adds the update.

    Parameters
    ----------
    optimizer : Momentum or SGD
    penalty : StepPenalty or None
        The penalty whose value and gradient the step adds (the engine's Backprop then
        leaves them out).
    compiled : module
        The compiled kernels (:mod:`nnet.kernels._compiled`).
    """

    def __init__(self, optimizer: Optimizer, penalty: Any, compiled: Any) -> None:
        self.optimizer, self._compiled = optimizer, compiled
        self._factors = (None, None, None) if penalty is None else penalty.factors
        self._use2, self._use1 = self._factors[0] is not None, self._factors[1] is not None
        self._penalties = np.empty(0)
        self._mask = np.empty(0)
        self._segments = np.empty((0, 2), np.int64)
        self._hyper: tuple[Any, ...] | None = None

    def __call__(
        self, params: np.ndarray, grad: np.ndarray, shapes: Any, active: np.ndarray
    ) -> Any:
        """Add the penalty's gradient to ``grad``'s, update ``params`` in place (the models
        where ``active``); return the penalty's value (a float, or one per model)."""
        opt = self.optimizer
        rate = opt.begin_step(grad, params, shapes)  # the optimizer's own bookkeeping
        rows, grad_rows = _as_rows(params), _as_rows(grad)
        momentum = getattr(opt, "momentum", 0.0)
        hyper = self._hyper
        if hyper is None or hyper[0] is not rate or hyper[1] is not momentum:  # changed
            hyper = self._hyper = self._per_model(rate, momentum, rows)
        penalties, use2, use1 = self._penalties, self._use2, self._use1
        rates, momenta, l2x2, l1 = hyper[2:]
        if isinstance(opt, Momentum):
            velocity = _as_rows(opt.state["velocity"])  # type: ignore[index]
            self._compiled.momentum_step(
                rows, grad_rows, velocity, rates, momenta, opt.nesterov, l2x2, l1, self._mask,
                self._segments, use2, use1, penalties, active,
            )  # fmt: skip
        else:
            self._compiled.sgd_step(
                rows, grad_rows, rates, l2x2, l1, self._mask, self._segments, use2, use1,
                penalties, active,
            )  # fmt: skip
        return float(penalties[0]) if params.ndim == 1 else penalties.copy()

    def _per_model(self, rate: Any, momentum: Any, rows: np.ndarray) -> tuple[Any, ...]:
        """The hyperparameters as one number per model (made again when they change)."""
        k, dtype = rows.shape[0], rows.dtype
        two_l2, l1, mask = self._factors
        self._penalties = np.empty(k)
        self._mask = np.ones(rows.shape[1], dtype) if mask is None else np.asarray(mask, dtype)
        self._segments = runs_of_ones(self._mask)
        coefficients = [
            np.zeros(k, dtype) if c is None else per_model(c, k).astype(dtype) for c in (two_l2, l1)
        ]  # as StepPenalty lays them out: c2 = 2 l2 mask in the parameters' dtype
        return (rate, momentum, per_model(rate, k), per_model(momentum, k), *coefficients)


def _as_rows(array: np.ndarray) -> np.ndarray:
    """A (K, n) stack as it is, a lone (n,) vector as one row (a view)."""
    return array if array.ndim == 2 else array[None]


def runs_of_ones(mask: np.ndarray) -> np.ndarray:
    """``(start, stop)`` of each run of ones in a 0/1 ``mask``, as an (n_runs, 2) int64 array.

    Examples
    --------
    >>> runs_of_ones(np.array([1.0, 1.0, 0.0, 1.0])).tolist()
    [[0, 2], [3, 4]]
    """
    edges = np.diff(np.concatenate([[0], (mask != 0).astype(np.int64), [0]]))
    return np.stack([np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)], axis=1)


def per_model(value: Any, k: int) -> np.ndarray:
    """A hyperparameter (a number, or one per model as a (K, 1) column) as K float64s."""
    return np.ascontiguousarray(np.broadcast_to(np.asarray(value, np.float64).reshape(-1), (k,)))


def fused_step(optimizer: Any, backprop: Any) -> FusedStep | None:
    """The :class:`FusedStep` of ``optimizer``, taking over ``backprop``'s penalty, or None.

    Parameters
    ----------
    optimizer : object
        The training's optimizer; only a built-in Momentum or SGD (not a subclass, which
        may change the rule) without weight decay is fused.
    backprop : Backprop
        The engine's backpropagation: when the step is fused, it leaves the penalty
        (:meth:`~nnet.network.Backprop.defer_penalty`) to the step.

    Returns
    -------
    FusedStep or None
        None under the NumPy kernel set, or for another optimizer: then the engine adds
        ``optimizer.next_update`` as before.
    """
    compiled = _compiled_module()
    if compiled is None or type(optimizer) not in (Momentum, SGD):
        return None
    decay = optimizer.weight_decay
    if isinstance(decay, np.ndarray) or decay != 0.0:
        return None
    return FusedStep(optimizer, backprop.defer_penalty(), compiled)
