r"""Gradient-descent optimizers that turn gradients into additive parameter updates.

An optimizer consumes ``layer_grads = [(dW, db), ...]`` (the structure of the
network's parameters ``[(W, b), ...]``, W of shape (n_in, n_out), b of shape
(n_out,)) and returns updates ``[(uW, ub), ...]`` of the same shapes and
dtypes, which the network *adds*: ``W += uW``. Optimizers never touch a
network; their state (velocities, moments) is plain arrays, as in
scikit-learn's ``_stochastic_optimizers`` and optax.

Writing a new optimizer means subclassing :class:`Optimizer` and writing one
small method, :meth:`Optimizer.update`, called once per step on all parameters
as one flat vector (and :meth:`Optimizer.init` for state made up front), as
optax's ``init``/``update`` pair.
For the training loop, *any* object with a ``step(layer_grads)`` method
returning such updates works as an optimizer (duck typing, see
:class:`SupportsStep`); ``set_epoch(epoch)`` is called if it exists.
"""

from typing import Any, overload

from nnet._types import SupportsStep
from nnet._validation import Registry
from nnet.optimizers._base import Optimizer
from nnet.optimizers._rules import SGD, Adagrad, Adam, AdamW, Momentum, RMSprop

__all__ = [
    "OPTIMIZERS",
    "SGD",
    "Adagrad",
    "Adam",
    "AdamW",
    "Momentum",
    "Optimizer",
    "RMSprop",
    "SupportsStep",
    "get_optimizer",
    "register_optimizer",
]

OPTIMIZERS: dict[str, type[Optimizer]] = {
    "sgd": SGD,
    "momentum": Momentum,
    "adagrad": Adagrad,
    "rmsprop": RMSprop,
    "adam": Adam,
    "adamw": AdamW,
}
"""Name → optimizer class, for :func:`get_optimizer` and optimizer-state files."""

_REGISTRY = Registry("optimizer", "optimizers", OPTIMIZERS, "cls")


@overload
def get_optimizer(spec: str | type[Optimizer] | Optimizer, **params: Any) -> Optimizer: ...
@overload
def get_optimizer(spec: SupportsStep, **params: Any) -> SupportsStep: ...
def get_optimizer(spec: Any, **params: Any) -> SupportsStep:
    """Return an optimizer from a name in :data:`OPTIMIZERS`, a class, or an object with ``step``.

    Parameters
    ----------
    spec : str or Optimizer subclass or object with a ``step`` method
        A name (any case) or class is built with ``params``; an instance (any
        object with a ``step(layer_grads)`` method) is returned as is.
    **params
        Hyperparameters of the optimizer to build.

    Returns
    -------
    Optimizer or object with a ``step`` method
        The optimizer built, or ``spec`` itself.

    Raises
    ------
    ValueError
        For an unknown name (the message lists the registered ones).
    TypeError
        For a ``spec`` of another type, or ``params`` with an instance.

    Examples
    --------
    >>> get_optimizer("momentum", learning_rate=0.1, nesterov=True)
    Momentum(learning_rate=0.1, momentum=0.9, nesterov=True)
    """
    if isinstance(spec, str):
        return _REGISTRY.lookup(spec)(**params)  # case-insensitive: "Adam" is "adam"
    if isinstance(spec, type) and issubclass(spec, Optimizer):
        return spec(**params)
    if callable(getattr(spec, "step", None)) and not isinstance(spec, type):
        if params:
            raise TypeError(f"keyword arguments need an optimizer name or class, got {spec!r}")
        return spec
    raise TypeError(
        f"optimizer must be a name in {sorted(OPTIMIZERS)}, an Optimizer subclass or an "
        f"object with a step(layer_grads) method, got {spec!r}"
    )


def register_optimizer(
    name: str, cls: type[Optimizer], *, overwrite: bool = False
) -> type[Optimizer]:
    """Register an :class:`Optimizer` subclass under ``name``, for names and optimizer files.

    :func:`~nnet.serialization.save_optimizer_state` stores an optimizer by
    this name, and :func:`~nnet.serialization.load_optimizer_state` needs it
    registered again in the loading process.

    Parameters
    ----------
    name : str
        The new name (names ignore case).
    cls : Optimizer subclass
        Built as ``cls(**params)`` by :func:`get_optimizer`.
    overwrite : bool, default=False
        Allow replacing an optimizer registered before; the library's six are
        never replaced, and names ignore case (:doc:`/user_guide/registries`).

    Returns
    -------
    type
        ``cls``, now ``OPTIMIZERS[name]``.

    Examples
    --------
    >>> import numpy as np
    >>> class SignSGD(Optimizer):
    ...     def update(self, grad, state, learning_rate):
    ...         return -learning_rate * np.sign(grad)
    >>> _ = register_optimizer("sign_sgd_demo", SignSGD, overwrite=True)
    >>> get_optimizer("sign_sgd_demo", learning_rate=0.5).step([(np.array([[3.0]]), np.zeros(1))])
    [(array([[-0.5]]), array([-0.]))]
    >>> del OPTIMIZERS["sign_sgd_demo"]  # an entry is a dict item
    """
    if not (isinstance(cls, type) and issubclass(cls, Optimizer)):
        raise TypeError(f"cls must be an Optimizer subclass, got {cls!r}")
    return _REGISTRY.register(name, lambda: cls, overwrite)
