r"""Learning-rate schedules, evaluated once per epoch, and their registry.

A schedule is a callable ``schedule(epoch) -> float`` of the 0-based epoch
number, like PyTorch's per-epoch schedulers: the training loop tells the
optimizer the epoch (:meth:`nnet.optimizers.Optimizer.set_epoch`) and every
step of that epoch uses ``schedule(epoch)``. A plain float is the constant
schedule, and any callable ``epoch -> float`` works (see :func:`as_schedule`)::

    Adam(learning_rate=ExponentialDecay(1e-2, 0.95))
    Adam(learning_rate=get_schedule("step", initial=0.1, drop=0.5, every=10))
"""

from __future__ import annotations

import abc
import math
import numbers
from collections.abc import Callable
from typing import Any, ClassVar

import numpy as np

from nnet.utils.configurable import Configurable
from nnet.utils.validation import Registry, check_epoch, check_int, check_real, check_reals

__all__ = [
    "SCHEDULES",
    "Constant",
    "CosineDecay",
    "ExponentialDecay",
    "InverseTimeDecay",
    "LambdaSchedule",
    "Schedule",
    "StepDecay",
    "StepInverseTime",
    "as_schedule",
    "get_schedule",
    "register_schedule",
]


class Schedule(Configurable, abc.ABC):
    """Base class of learning-rate schedules: ``schedule(epoch) -> learning rate``.

    A schedule whose class sets ``per_step = True`` is called with the 0-based
    index of the step (mini-batch) instead of the epoch, at every step.

    A subclass implements :meth:`__call__` and stores each constructor argument
    as an attribute of the same name, which gives it :meth:`get_config` and a
    readable ``repr`` for free.

    Examples
    --------
    >>> class Halving(Schedule):
    ...     def __init__(self, initial: float) -> None:
    ...         self.initial = initial
    ...     def __call__(self, epoch: int) -> float:
    ...         return self.initial / 2**epoch
    >>> Halving(1.0)(3), Halving(1.0)
    (0.125, Halving(initial=1.0))
    """

    per_step: ClassVar[bool] = False
    """Whether the schedule counts steps (mini-batches) rather than epochs."""

    @abc.abstractmethod
    def __call__(self, epoch: int) -> float:
        """Return the learning rate of the 0-based ``epoch`` (a non-negative int).

        Parameters
        ----------
        epoch : int
            The 0-based epoch.

        Returns
        -------
        float
            The learning rate, > 0.
        """


class Constant(Schedule):
    r"""The same learning rate at every epoch, :math:`\eta_e = \eta`.

    Parameters
    ----------
    learning_rate : float or sequence of float
        A finite number > 0, or one per model of a stack (kept as a (K, 1) column).

    Examples
    --------
    >>> Constant(0.01)(0), Constant(0.01)(99)
    (0.01, 0.01)
    """

    def __init__(self, learning_rate: float) -> None:
        self.learning_rate = check_reals(learning_rate, "learning_rate", 0.0, low_open=True)

    def __call__(self, epoch: int) -> Any:
        check_epoch(epoch)
        return self.learning_rate


class StepDecay(Schedule):
    r"""Multiply the learning rate by ``drop`` every ``every`` epochs.

    .. math:: \eta_e = \eta_0 \, d^{\lfloor e / k \rfloor}

    Parameters
    ----------
    initial : float
        :math:`\eta_0`, a finite number > 0.
    drop : float, default=0.5
        :math:`d`, in (0, 1].
    every : int, default=10
        :math:`k`, a positive int.

    Examples
    --------
    >>> s = StepDecay(0.1, drop=0.5, every=10)
    >>> s(9), s(10), s(25)
    (0.1, 0.05, 0.025)
    """

    def __init__(self, initial: float, drop: float = 0.5, every: int = 10) -> None:
        self.initial = check_real(initial, "initial", 0.0, low_open=True)
        self.drop = check_real(drop, "drop", 0.0, 1.0, low_open=True)
        self.every = check_int(every, "every", 1)

    def __call__(self, epoch: int) -> float:
        return self.initial * self.drop ** (check_epoch(epoch) // self.every)


class ExponentialDecay(Schedule):
    r"""Multiply the learning rate by ``decay_rate`` every epoch.

    .. math:: \eta_e = \eta_0 \, r^{e}

    Parameters
    ----------
    initial : float
        :math:`\eta_0`, a finite number > 0.
    decay_rate : float
        :math:`r`, in (0, 1].

    Examples
    --------
    >>> ExponentialDecay(1e-2, 0.95)(2)  # 0.01 * 0.9025
    0.009025
    """

    def __init__(self, initial: float, decay_rate: float) -> None:
        self.initial = check_real(initial, "initial", 0.0, low_open=True)
        self.decay_rate = check_real(decay_rate, "decay_rate", 0.0, 1.0, low_open=True)

    def __call__(self, epoch: int) -> float:
        return self.initial * self.decay_rate ** check_epoch(epoch)


class InverseTimeDecay(Schedule):
    r"""Decay the learning rate as the inverse of time.

    .. math:: \eta_e = \frac{\eta_0}{1 + r e}

    Parameters
    ----------
    initial : float
        :math:`\eta_0`, a finite number > 0.
    decay_rate : float
        :math:`r`, a finite number >= 0.

    Examples
    --------
    >>> InverseTimeDecay(0.1, 0.5)(2)  # 0.1 / (1 + 0.5 * 2)
    0.05
    """

    def __init__(self, initial: float, decay_rate: float) -> None:
        self.initial = check_real(initial, "initial", 0.0, low_open=True)
        self.decay_rate = check_real(decay_rate, "decay_rate", 0.0)

    def __call__(self, epoch: int) -> float:
        return self.initial / (1.0 + self.decay_rate * check_epoch(epoch))


class CosineDecay(Schedule):
    r"""Half a cosine from ``initial`` down to ``final`` over ``total_epochs``, then ``final``.

    .. math:: \eta_e = \eta_f + \tfrac12 (\eta_0 - \eta_f)
              \left(1 + \cos\frac{\pi \min(e, T)}{T}\right)

    Parameters
    ----------
    initial : float
        :math:`\eta_0`, a finite number > 0.
    total_epochs : int
        :math:`T`, a positive int.
    final : float, default=0.0
        :math:`\eta_f`, in [0, initial].

    Examples
    --------
    >>> s = CosineDecay(0.1, total_epochs=10)
    >>> s(0), s(5), s(10), s(20)
    (0.1, 0.05, 0.0, 0.0)
    """

    def __init__(self, initial: float, total_epochs: int, final: float = 0.0) -> None:
        self.initial = check_real(initial, "initial", 0.0, low_open=True)
        self.total_epochs = check_int(total_epochs, "total_epochs", 1)
        self.final = check_real(final, "final", 0.0, self.initial)

    def __call__(self, epoch: int) -> float:
        progress = min(check_epoch(epoch), self.total_epochs) / self.total_epochs
        return self.final + 0.5 * (self.initial - self.final) * (1.0 + math.cos(math.pi * progress))


class LambdaSchedule(Schedule):
    """Wrap any callable ``fn(epoch) -> float`` as a :class:`Schedule`, checking its values.

    Parameters
    ----------
    fn : callable
        Called with the 0-based epoch; must return a finite number >= 0.

    Examples
    --------
    >>> LambdaSchedule(lambda epoch: 0.1 / (epoch + 1))(3)
    0.025
    """

    def __init__(self, fn: Callable[[int], float]) -> None:
        if not callable(fn):
            raise TypeError(f"fn must be a callable epoch -> float, got {fn!r}")
        self.fn = fn

    def __call__(self, epoch: int) -> float:
        value = self.fn(check_epoch(epoch))
        return check_real(value, f"the learning rate {self.fn!r}({epoch})", 0.0)


class StepInverseTime(Schedule):
    r"""The course's per-step schedule, :math:`\eta_t = t_0 / (t + t_1)`, over mini-batch steps.

    ``t`` is the 0-based index of the step counted over all epochs (the course's
    ``t = epoch * m + i`` with ``m`` mini-batches per epoch), so the rate falls
    at every mini-batch, not once per epoch.

    Parameters
    ----------
    t0 : float, default=5.0
        :math:`t_0`, a finite number > 0.
    t1 : float, default=50.0
        :math:`t_1`, a finite number > 0.

    Examples
    --------
    >>> s = StepInverseTime(5, 50)
    >>> s(0), s(50), s.per_step
    (0.1, 0.05, True)
    """

    per_step = True

    def __init__(self, t0: float = 5.0, t1: float = 50.0) -> None:
        self.t0 = check_real(t0, "t0", 0.0, low_open=True)
        self.t1 = check_real(t1, "t1", 0.0, low_open=True)

    def __call__(self, step: int) -> float:
        return self.t0 / (check_epoch(step, "step") + self.t1)


SCHEDULES: dict[str, type[Schedule]] = {
    "constant": Constant,
    "step": StepDecay,
    "exponential": ExponentialDecay,
    "inverse_time": InverseTimeDecay,
    "cosine": CosineDecay,
    "step_inverse_time": StepInverseTime,
}
"""Name → schedule class, for :func:`get_schedule`."""


def as_schedule(learning_rate: Any, name: str = "learning_rate") -> Schedule:
    """Turn a learning rate given as a number, a :class:`Schedule` or a callable into a Schedule.

    Parameters
    ----------
    learning_rate : float or Schedule or callable
        A finite number > 0 becomes :class:`Constant`; a Schedule is returned
        as is; another callable ``epoch -> float`` is wrapped in
        :class:`LambdaSchedule` and checked at epoch 0.
    name : str, default="learning_rate"
        The argument name used in error messages.

    Returns
    -------
    Schedule
        The schedule.

    Examples
    --------
    >>> as_schedule(0.01)
    Constant(learning_rate=0.01)
    >>> as_schedule(lambda epoch: 0.5**epoch)(2)
    0.25
    """
    if isinstance(learning_rate, Schedule):
        return learning_rate
    if isinstance(learning_rate, (numbers.Real, np.ndarray, list, tuple)):
        return Constant(check_reals(learning_rate, name, 0.0, low_open=True))
    if callable(learning_rate):
        schedule = LambdaSchedule(learning_rate)
        schedule(0)
        return schedule
    raise TypeError(
        f"{name} must be a finite number > 0, a Schedule or a callable epoch -> float, "
        f"got {learning_rate!r}"
    )


_REGISTRY = Registry("schedule", "schedules", SCHEDULES, "cls")


def get_schedule(spec: Any, **params: Any) -> Schedule:
    """Return a schedule from a name in :data:`SCHEDULES` (with ``params``), a Schedule or a float.

    Parameters
    ----------
    spec : str or Schedule or float or callable
        A registry name (any case), built with ``params``; anything else goes
        through :func:`as_schedule` (and then ``params`` must be empty).
    **params
        Constructor arguments of the named schedule.

    Returns
    -------
    Schedule
        The schedule.

    Raises
    ------
    ValueError
        For an unknown name (the message lists the registered ones) or a bad value.
    TypeError
        For a ``spec`` of another type, or ``params`` without a name.

    Examples
    --------
    >>> get_schedule("step", initial=0.1, every=5)
    StepDecay(initial=0.1, drop=0.5, every=5)
    >>> get_schedule(0.01)
    Constant(learning_rate=0.01)
    """
    if isinstance(spec, str):
        return _REGISTRY.lookup(spec)(**params)
    if params:
        raise TypeError(f"keyword arguments are only accepted with a schedule name, got {spec!r}")
    try:
        return as_schedule(spec, "schedule")
    except TypeError as err:
        raise TypeError(f"{err}; or a name in {sorted(SCHEDULES)}") from None


def register_schedule(name: str, cls: type[Schedule], *, overwrite: bool = False) -> type[Schedule]:
    """Register a :class:`Schedule` subclass under ``name``, for :func:`get_schedule` and files.

    Parameters
    ----------
    name : str
        The new name (names ignore case).
    cls : Schedule subclass
        Built as ``cls(**params)`` by :func:`get_schedule`; its ``get_config()``
        must give those ``params`` back, as a saved optimizer's schedule is
        rebuilt from them.
    overwrite : bool, default=False
        Whether ``name`` may already hold a schedule you registered (never a
        library one).

    Returns
    -------
    type
        The class given, which :data:`SCHEDULES` now holds under ``name``.

    Examples
    --------
    >>> class Halving(Schedule):
    ...     def __init__(self, initial=0.1):
    ...         self.initial = initial
    ...     def __call__(self, epoch):
    ...         return self.initial * 0.5**epoch
    >>> _ = register_schedule("halving_demo", Halving, overwrite=True)
    >>> get_schedule("Halving_Demo", initial=0.4)(2)
    0.1
    >>> del SCHEDULES["halving_demo"]  # an entry is a dict item
    """
    if not (isinstance(cls, type) and issubclass(cls, Schedule)):
        raise TypeError(f"cls must be a Schedule subclass, got {cls!r}")
    return _REGISTRY.register(name, lambda: cls, overwrite)
