"""The optimizer base class: ``init`` and ``update`` on flat vectors, step count, schedule."""

from __future__ import annotations

import inspect
import math
import numbers
import warnings
from collections.abc import Callable
from typing import Any, ClassVar

import numpy as np

from nnet import _flat
from nnet._configurable import Configurable
from nnet._types import Pairs
from nnet._validation import check_epoch, check_pairs, check_reals
from nnet.optimizers import _state
from nnet.optimizers._state import Shapes, State
from nnet.schedules import Constant, Schedule, as_schedule

LearningRate = float | Schedule | Callable[[int], float]


class Optimizer(Configurable):
    r"""Base class of the optimizers: one contract, ``init`` and ``update``, in optax's style.

    A subclass writes the rule, :meth:`update` (and, for state it wants made
    up front, :meth:`init`). Everything else is shared: the step count, the
    learning-rate schedule, the decoupled weight decay and the state files.
    The rule always sees **every parameter at once, as one flat vector**
    (``(n_params,)``, laid out ``[W0.ravel(), b0, W1.ravel(), b1, ...]``), or
    a ``(K, n_params)`` array for a stack of K models (:func:`nnet.sweep`):
    being flat or stacked is a property of the data, not a second protocol.
    The public :meth:`step` (the course's by-hand use) flattens
    ``layer_grads`` and runs the same code as :func:`nnet.train`.

    Parameters
    ----------
    learning_rate : float or Schedule or callable, default=0.01
        :math:`\eta`, a finite number > 0, a schedule (per epoch, or per step
        when ``schedule.per_step``, see :mod:`nnet.schedules`), or one number
        per model of a stack.

    Attributes
    ----------
    state : dict of str to ndarray or None
        The rule's state (velocities, moments), one array of the parameters'
        shape per name; ``None`` until the first step. :meth:`init` makes it,
        zeros for each name of the class attribute ``state_names``.
    t : int
        Number of steps taken; inside :meth:`update` it is the 1-based index
        of the current step.
    epoch : int
        The epoch whose learning rate the next steps use. :func:`nnet.train`
        sets it and moves it on after each completed epoch, so a second
        ``train`` call continues the schedule where the first stopped.
    schedule : Schedule
        ``learning_rate`` as a schedule.
    weight_decay : float or ndarray of shape (K, 1)
        :math:`\lambda` of the decoupled weight decay (0 here; :class:`AdamW`
        has it as a parameter): a term of its own, added after the rule,
        :math:`u \leftarrow u - \eta\lambda W` on the weights (never the biases).

    Notes
    -----
    Hyperparameters are numbers, or for a stack of models one value per model as
    a ``(K, 1)`` column, which broadcasts against the ``(K, n_params)`` arrays:
    :func:`nnet.sweep` sets any numeric hyperparameter of any optimizer so.

    The state fits one shape of parameters: a step with gradients of other
    shapes, dtype or number of models raises ``ValueError`` (call
    :meth:`reset` first), before anything changes.

    Examples
    --------
    A custom optimizer is one method; here sign-SGD, :math:`u = -\eta\,\mathrm{sign}(g)`:

    >>> class SignSGD(Optimizer):
    ...     def update(self, grad, state, learning_rate, params=None):
    ...         return -learning_rate * np.sign(grad)
    >>> opt = SignSGD(learning_rate=0.1)
    >>> [(uW, ub)] = opt.step([(np.array([[3.0, -0.5]]), np.array([-1.0, 2.0]))])
    >>> uW, ub, opt.t
    (array([[-0.1,  0.1]]), array([ 0.1, -0.1]), 1)
    """

    weight_decay: Any = 0.0
    state_names: ClassVar[tuple[str, ...]] = ()  # the arrays init() makes

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        for flag in ("elementwise", "linear_in_gradient", "uses_params"):
            if flag in cls.__dict__:
                warnings.warn(
                    f"{cls.__name__}.{flag} is no longer used (every optimizer now runs on "
                    "all parameters at once, as one flat vector); remove it",
                    DeprecationWarning,
                    stacklevel=2,
                )
        if "step" in cls.__dict__:
            warnings.warn(
                f"{cls.__name__} overrides step: write the rule as update() instead (train "
                "calls a step of its own through it, as for any object with step, and sweep "
                "trains it one model at a time)",
                DeprecationWarning,
                stacklevel=2,
            )
            cls._own_step = True
        # The rule written before params was part of the contract: update(grad, state, lr).
        cls._takes_params = "params" in inspect.signature(cls.update).parameters

    _takes_params: ClassVar[bool] = True
    _own_step: ClassVar[bool] = False  # a deprecated subclass that overrides step

    def __init__(self, learning_rate: LearningRate = 0.01) -> None:
        self.learning_rate = learning_rate
        self.reset()

    @property
    def learning_rate(self) -> LearningRate:
        """The learning rate as given (setting it rebuilds :attr:`schedule`)."""
        return self._learning_rate

    @learning_rate.setter
    def learning_rate(self, value: LearningRate) -> None:
        # A number (or one per model, as a (K, 1) column) needs no schedule to be evaluated.
        numbers_given = isinstance(value, (numbers.Real, np.ndarray, list, tuple))
        self._constant = check_reals(value, "learning_rate", 0.0, low_open=True) if (
            numbers_given) else None  # fmt: skip
        self._schedule = None if numbers_given else as_schedule(value)
        self._learning_rate = value if self._constant is None else self._constant
        self._rate_epoch = -1  # the cached rate of the current epoch is stale

    @property
    def schedule(self) -> Schedule:
        """``learning_rate`` as a :class:`~nnet.schedules.Schedule`."""
        return self._schedule or Constant(self._constant)  # type: ignore[arg-type]

    @property
    def current_learning_rate(self) -> Any:
        """The learning rate of the next step: ``schedule(epoch)``, or ``schedule(t)`` per step."""
        if self._schedule is None:
            return self._constant
        return self._schedule(self.t if self._schedule.per_step else self.epoch)

    def set_epoch(self, epoch: int) -> None:
        """Set the 0-based epoch whose learning rate the next steps use.

        Parameters
        ----------
        epoch : int
            A non-negative int.
        """
        self.epoch = check_epoch(epoch)

    def reset(self) -> None:
        """Forget all state: the state arrays, step count ``t`` and epoch."""
        self.t = 0
        self.epoch = 0
        self.state: State | None = None
        self._fits: tuple[Any, ...] | None = None  # (shapes, grad shape, dtype) of the state
        self._mask: np.ndarray | None = None
        self._rate, self._rate_epoch = 0.0, -1

    # ------------------------------------------------------------------ the contract
    def init(self, params: np.ndarray) -> State:
        """Return the state of a first step on parameters shaped like ``params``.

        Parameters
        ----------
        params : ndarray of shape (n_params,) or (K, n_params)
            The parameters, flat (read only their shape and dtype).

        Returns
        -------
        dict of str to ndarray
            Zeros shaped like ``params`` for each name in :attr:`state_names`
            (none by default). A rule may also fill its state lazily in
            :meth:`update` (``state.setdefault("velocity", np.zeros_like(grad))``).
        """
        return {name: np.zeros_like(params) for name in self.state_names}

    def update(
        self, grad: np.ndarray, state: State, learning_rate: Any, params: Any = None
    ) -> np.ndarray:
        """Return the additive update for ``grad``: the rule, which a subclass writes.

        Parameters
        ----------
        grad : ndarray of shape (n_params,) or (K, n_params)
            The gradient of every parameter, flat (one row per model of a
            stack). Read it, never modify it: it is the training loop's buffer,
            valid during the call only (copy what you keep).
        state : dict of str to ndarray
            The state of these parameters, as :meth:`init` made it; update it
            in place. It is what :meth:`state_dict` saves.
        learning_rate : float or ndarray of shape (K, 1)
            The learning rate of this step. ``self.t`` is the 1-based index of
            the current step (for bias corrections).
        params : ndarray of ``grad``'s shape, optional
            The current parameters (None when :meth:`step` was called without
            ``layers``). A rule written as ``update(grad, state, learning_rate)``
            works too.

        Returns
        -------
        ndarray
            The update, of ``grad``'s shape. It may be a new array or one of
            the state arrays: :meth:`step` returns copies either way.
        """
        raise NotImplementedError(f"{type(self).__name__} must implement update()")

    def next_update(
        self, grad: np.ndarray, params: np.ndarray | None, shapes: Shapes
    ) -> np.ndarray:
        """One step on the flat gradient: the one path of :meth:`step` and the training loop.

        Parameters
        ----------
        grad : ndarray of shape (n_params,) or (K, n_params)
            Not modified (unless the rule returns it).
        params : ndarray of ``grad``'s shape or None
            The current parameters.
        shapes : list of tuple of int
            The shapes of ``[W0, b0, W1, b1, ...]`` in the flat layout (``b`` as
            (n_out,)), for the weight decay's mask and the state files.

        Returns
        -------
        ndarray
            The update, to add to the parameters at once: it may be the
            optimizer's state or ``grad`` itself, valid until the next step.

        Notes
        -----
        A state made earlier is not checked here, at every step: :meth:`step`
        and :func:`nnet.train` call :meth:`check_fits` first.
        """
        if self.state is None:
            self.check_fits(shapes, grad.shape, grad.dtype)
            self.state = self.init(grad if params is None else params)
            self._fits = (list(shapes), grad.shape, np.dtype(grad.dtype))
        rate = self._step_rate()
        self.t += 1
        if self._takes_params:
            update = self.update(grad, self.state, rate, params)
        else:
            update = self.update(grad, self.state, rate)
        if getattr(update, "shape", None) != grad.shape:
            raise ValueError(
                f"{type(self).__name__}.update returned shape {np.shape(update)} "
                f"for a gradient of shape {grad.shape}"
            )
        decay = self.weight_decay
        if isinstance(decay, np.ndarray) or decay != 0.0:  # the weights shrink, the biases not
            assert params is not None
            update = update - (rate * decay) * (params * self._weight_mask(shapes))
        return update

    def check_fits(self, shapes: Shapes, grad_shape: tuple[int, ...], dtype: Any) -> None:
        """Raise ``ValueError`` unless the state fits parameters of these shapes (or is empty).

        Parameters
        ----------
        shapes : list of tuple of int
            The shapes of ``[W0, b0, ...]`` (``b`` as (n_out,)).
        grad_shape : tuple of int
            ``(n_params,)``, or ``(K, n_params)`` for a stack of K models.
        dtype : numpy dtype
            The parameters' dtype.
        """
        here = (list(shapes), tuple(grad_shape), np.dtype(dtype))
        if self._fits is not None and here != self._fits:
            raise ValueError(
                f"this {type(self).__name__}'s state (t={self.t}) was built for parameters "
                f"{_describe(self._fits)}, not {_describe(here)}; call reset() first, or "
                "use a new optimizer"
            )
        if self._fits is None:
            self._check_per_model(grad_shape[0] if len(grad_shape) == 2 else None)

    def _step_rate(self) -> Any:
        """The learning rate of the coming step, evaluated once per epoch unless per step."""
        schedule = self._schedule
        if schedule is None:
            return self._constant
        if schedule.per_step:
            return schedule(self.t)
        if self._rate_epoch != self.epoch:
            self._rate, self._rate_epoch = schedule(self.epoch), self.epoch
        return self._rate

    def _check_per_model(self, n_models: int | None) -> None:
        """Hyperparameters with one value per model need a stack of as many models."""
        for attribute, value in vars(self).items():  # the hyperparameters are attributes
            name = attribute.lstrip("_")  # _learning_rate is the property's
            if isinstance(value, np.ndarray) and value.size != (n_models or 1) and value.size > 1:
                raise ValueError(
                    f"{name} holds {value.size} values (one per model) but the parameters "
                    f"are {'a lone network' if n_models is None else f'a stack of {n_models}'}"
                )

    def _weight_mask(self, shapes: Shapes) -> np.ndarray:
        """1 on the weights W, 0 on the biases b, in the flat layout (made once)."""
        if self._mask is None:
            assert self._fits is not None
            self._mask = _flat.weight_mask_for(shapes, self._fits[2])
        return self._mask

    # ------------------------------------------------------------------ the public step
    def step(self, layer_grads: Pairs, layers: Pairs | None = None) -> Pairs:
        """Return the additive updates ``[(uW, ub), ...]`` for ``layer_grads = [(dW, db), ...]``.

        Parameters
        ----------
        layer_grads : list of (ndarray, ndarray)
            Finite gradients of shapes (n_in, n_out) and (n_out,) per layer,
            float32 or float64; same shapes and dtypes at every step until
            :meth:`reset`.
        layers : list of (ndarray, ndarray), optional
            The current parameters ``[(W, b), ...]``; the weight decay
            (:class:`AdamW`) and rules that read ``params`` need them.

        Returns
        -------
        list of (ndarray, ndarray)
            New arrays of the gradients' shapes and dtypes, to be added to the parameters.

        Raises
        ------
        TypeError, ValueError
            If ``layer_grads`` is not such a list, holds NaN or infinity, or its
            shapes or dtypes differ from the first step's (call :meth:`reset`
            to optimize other parameters). Nothing changes then.
        """
        grads = _flatten(check_pairs(layer_grads, "layer_grads", pair="(dW, db)"))
        dtype = np.result_type(*grads)
        shapes = [g.shape for g in grads]
        params = self._check_layers(layers, shapes)
        if params is None and np.any(self.weight_decay):
            raise ValueError(
                f"layers (the current [(W, b), ...]) are required by {type(self).__name__}.step "
                "when weight_decay > 0"
            )
        n_params = sum(g.size for g in grads)
        self.check_fits(shapes, (n_params,), dtype)
        flat = np.concatenate([g.ravel() for g in grads]).astype(dtype, copy=False)
        update = self.next_update(flat, params, shapes)
        owned = update.copy() if update is flat or _shares_state(update, self.state) else update
        out = [u.astype(g.dtype, copy=False) for u, g in zip(_flat.split(owned, shapes), grads)]
        return _flat.pairs(out)

    def _check_layers(self, layers: Pairs | None, shapes: Shapes) -> np.ndarray | None:
        if layers is None:
            return None
        params = _flatten(check_pairs(layers, "layers"))
        if [p.shape for p in params] != shapes:
            raise ValueError(f"layers must have the shapes of layer_grads, {shapes}")
        return np.concatenate([p.ravel() for p in params])

    # ------------------------------------------------------------------ state files
    def state_dict(self) -> tuple[dict[str, np.ndarray], dict[str, str | int | float]]:
        """Return ``(arrays, meta)``: copies of the state arrays and the scalars to resume from.

        ``arrays`` has flat keys ``"layer<i>.<W|b>.<name>"`` (e.g.
        ``"layer0.W.velocity"``); ``meta`` holds ``class``, ``t``, ``epoch``,
        ``layout`` (JSON of the gradient shapes and dtypes) and the
        hyperparameters (a schedule as its ``repr``). Both fit a safetensors file.

        Returns
        -------
        (dict of str to ndarray, dict of str to str, int or float)

        Examples
        --------
        >>> from nnet.optimizers import Momentum
        >>> opt = Momentum(learning_rate=0.1)
        >>> _ = opt.step([(np.ones((1, 2)), np.ones(2))])
        >>> arrays, meta = opt.state_dict()
        >>> sorted(arrays), meta["t"]
        (['layer0.W.velocity', 'layer0.b.velocity'], 1)
        """
        shapes, dtype = (None, None) if self._fits is None else (self._fits[0], self._fits[2])
        states = _state.per_array(self.state, shapes) if self.state and shapes else []
        header = {"class": type(self).__name__, "t": self.t, "epoch": self.epoch}
        return _state.encode(states, self.get_config(), header, shapes, dtype)

    def load_state_dict(self, arrays: dict[str, np.ndarray], meta: dict[str, Any]) -> None:
        """Restore the state saved by :meth:`state_dict` (meta values may be strings).

        The hyperparameters are not restored: they are this optimizer's own, so
        build it alike first, e.g. ``get_optimizer(meta["class"].lower(), ...)``.
        Everything is checked before anything changes.

        Parameters
        ----------
        arrays : dict of str to ndarray
            Finite state arrays, keyed as :meth:`state_dict` names them.
        meta : dict
            ``class``, ``t``, ``epoch`` and ``layout``, as :meth:`state_dict` gives them.
        """
        t, epoch, shapes, dtype, states = _state.decode(arrays, meta, type(self).__name__)
        self.reset()
        self.t, self.epoch = t, epoch
        if shapes:
            self.state = {}
            _state.gather(self.state, states, shapes, dtype)
            self._fits = (shapes, (sum(math.prod(s) for s in shapes),), np.dtype(dtype))


def _flatten(pairs: Pairs) -> list[np.ndarray]:
    """``[W0, b0, W1, b1, ...]``."""
    return [array for pair in pairs for array in pair]


def _shares_state(update: np.ndarray, state: State | None) -> bool:
    return any(np.shares_memory(update, value) for value in (state or {}).values())


def _describe(fits: tuple[Any, ...]) -> str:
    """``shapes, (K models,) dtype`` of a state's parameters, for errors."""
    shapes, grad_shape, dtype = fits
    models = f", {grad_shape[0]} models" if len(grad_shape) == 2 else ""
    return f"{[tuple(s) for s in shapes]}{models} ({np.dtype(dtype).name})"
