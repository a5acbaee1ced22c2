r"""Gradient-descent optimizers that turn gradients into additive parameter updates.

An optimizer consumes ``layer_grads = [(dW, db), ...]`` (the structure of the
network's parameters ``[(W, b), ...]``, W of shape (n_in, n_out), b of shape
(n_out,)) and returns updates ``[(uW, ub), ...]`` of the same shapes and
dtypes, which the network *adds*: ``W += uW``. Optimizers never touch a
network; their state (velocities, moments) is plain arrays, as in
scikit-learn's ``_stochastic_optimizers`` and optax.

Writing a new optimizer means subclassing :class:`Optimizer` and writing one
small method, :meth:`Optimizer.update`, called once per parameter array.
For the training loop, *any* object with a ``step(layer_grads)`` method
returning such updates works as an optimizer (duck typing, see
:class:`SupportsStep`); ``set_epoch(epoch)`` is called if it exists.
"""

from typing import Any, overload

from nnet._registry import canonical_name
from nnet.optimizers._base import Optimizer, SupportsStep
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
]

OPTIMIZERS: dict[str, type[Optimizer]] = {
    "sgd": SGD,
    "momentum": Momentum,
    "adagrad": Adagrad,
    "rmsprop": RMSprop,
    "adam": Adam,
    "adamw": AdamW,
}
"""Name → optimizer class, for :func:`get_optimizer`."""


@overload
def get_optimizer(spec: str | type[Optimizer] | Optimizer, **kwargs: Any) -> Optimizer: ...
@overload
def get_optimizer(spec: SupportsStep, **kwargs: Any) -> SupportsStep: ...
def get_optimizer(spec: Any, **kwargs: Any) -> SupportsStep:
    """Return an optimizer from a name in :data:`OPTIMIZERS`, a class, or an object with ``step``.

    Parameters
    ----------
    spec : str or Optimizer subclass or object with a ``step`` method
        A name or class is built with ``kwargs``; an instance (any object
        with a ``step(layer_grads)`` method) is returned as is.
    **kwargs
        Hyperparameters of the optimizer to build.

    Returns
    -------
    Optimizer or object with ``step``
        The optimizer built, or ``spec`` itself.

    Examples
    --------
    >>> get_optimizer("momentum", learning_rate=0.1, nesterov=True)
    Momentum(learning_rate=0.1, momentum=0.9, nesterov=True)
    """
    if isinstance(spec, str):
        spec = canonical_name(spec, OPTIMIZERS)  # case-insensitive: "Adam" is "adam"
        if spec not in OPTIMIZERS:
            raise ValueError(f"unknown optimizer {spec!r}; expected one of {sorted(OPTIMIZERS)}")
        return OPTIMIZERS[spec](**kwargs)
    if isinstance(spec, type) and issubclass(spec, Optimizer):
        return spec(**kwargs)
    if callable(getattr(spec, "step", None)) and not isinstance(spec, type):
        if kwargs:
            raise TypeError(f"keyword arguments need an optimizer name or class, got {spec!r}")
        return spec
    raise TypeError(
        f"optimizer must be a name in {sorted(OPTIMIZERS)}, an Optimizer subclass or an "
        f"object with a step(layer_grads) method, got {spec!r}"
    )
