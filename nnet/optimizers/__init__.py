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

from __future__ import annotations

import inspect
import math
import numbers
import warnings
from collections.abc import Callable
from typing import Any, ClassVar, overload

import numpy as np

from nnet import parameters
from nnet.optimizers import _state
from nnet.optimizers._state import Shapes, State
from nnet.schedules import Constant, Schedule, as_schedule
from nnet.utils.configurable import Configurable
from nnet.utils.docstrings import fill_doc
from nnet.utils.types import Pairs, SupportsStep
from nnet.utils.validation import Registry, check_epoch, check_pairs, check_reals
from nnet.utils.validation import check_reals as _check_real

# -----------------------------------------------------------------------------
# The optimizer base class: ``init`` and ``update`` on flat vectors, step count, schedule.
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
        # A number (or one per model, as a (K, 1) column) needs no schedule to be evaluated:
        # then _schedule is None and _learning_rate is the checked rate.
        schedule: Schedule | None = None
        if isinstance(value, (numbers.Real, np.ndarray, list, tuple)):
            value = check_reals(value, "learning_rate", 0.0, low_open=True)
        else:
            schedule = as_schedule(value)
        self._schedule = schedule
        self._learning_rate: Any = value

    @property
    def schedule(self) -> Schedule:
        """``learning_rate`` as a :class:`~nnet.schedules.Schedule`."""
        return self._schedule or Constant(self._learning_rate)

    @property
    def current_learning_rate(self) -> Any:
        """The learning rate of the next step: ``schedule(epoch)``, or ``schedule(t)`` per step."""
        if self._schedule is None:
            return self._learning_rate
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

    # ------------------------------------------------------------------ the contract
    def init(self, params: np.ndarray) -> State:
        """Return the state of a first step on parameters shaped like ``params``.

        Parameters
        ----------
        params : ndarray of shape (n_params,) or (K, n_params)

        Returns
        -------
        dict of str to ndarray
            Zeros like ``params`` for each name in :attr:`state_names`.
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
        grad, params : ndarray of shape (n_params,) or (K, n_params)
            The gradient (not modified) and the current parameters (or None).
        shapes : list of tuple of int
            The shapes of ``[W0, b0, W1, ...]`` (``b`` as (n_out,)), checked by
            :meth:`check_fits` before the first step, not at every step.

        Returns
        -------
        ndarray
            The update to add, valid until the next step (it may be a state array).
        """
        rate = self.begin_step(grad, params, shapes)
        assert self.state is not None  # made by the first step
        try:
            if self._takes_params:
                update = self.update(grad, self.state, rate, params)
            else:
                update = self.update(grad, self.state, rate)
            if getattr(update, "shape", None) != grad.shape:
                raise ValueError(
                    f"{type(self).__name__}.update returned shape {np.shape(update)} "
                    f"for a gradient of shape {grad.shape}"
                )
        except BaseException:
            self.t -= 1  # a refused step is not a step
            raise
        decay = self.weight_decay
        if isinstance(decay, np.ndarray) or decay != 0.0:  # the weights shrink, the biases not
            assert params is not None
            update = update - (rate * decay) * (params * self._weight_mask(shapes))
        return update

    def begin_step(self, grad: np.ndarray, params: np.ndarray | None, shapes: Shapes) -> Any:
        """Count a step and return its learning rate, making the state at the first step.

        The bookkeeping of :meth:`next_update`, which the compiled updates of the built-in
        rules (:mod:`nnet.kernels`) share before applying the rule themselves.

        Parameters
        ----------
        grad, params : ndarray of shape (n_params,) or (K, n_params)
            The gradient and the current parameters (or None).
        shapes : list of tuple of int
            The shapes of ``[W0, b0, W1, ...]``.

        Returns
        -------
        float or ndarray of shape (K, 1)
            The learning rate of this step.
        """
        if self.state is None:
            self.check_fits(shapes, grad.shape, grad.dtype)
            self.state = self.init(grad if params is None else params)
            self._fits = (list(shapes), grad.shape, np.dtype(grad.dtype))
        rate = self.current_learning_rate
        self.t += 1
        return rate

    def check_fits(self, shapes: Shapes, grad_shape: tuple[int, ...], dtype: Any) -> None:
        """Raise ``ValueError`` unless the state fits parameters of these shapes (or is empty).

        Parameters
        ----------
        shapes : list of tuple of int
            The shapes of ``[W0, b0, ...]`` (``b`` as (n_out,)).
        grad_shape : tuple of int
            ``(n_params,)``, or ``(K, n_params)`` for a stack of K models.
        dtype : numpy dtype
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

    def _check_per_model(self, n_models: int | None) -> None:
        """Hyperparameters with one value per model need a stack of as many models."""
        for attribute, value in vars(self).items():  # the hyperparameters are attributes
            name = attribute.lstrip("_")  # _learning_rate is the property's value
            if isinstance(value, np.ndarray) and value.size != (n_models or 1) and value.size > 1:
                raise ValueError(
                    f"{name} holds {value.size} values (one per model) but the parameters "
                    f"are {'a lone network' if n_models is None else f'a stack of {n_models}'}"
                )

    def _weight_mask(self, shapes: Shapes) -> np.ndarray:
        """1 on the weights W, 0 on the biases b, in the flat layout (made once)."""
        if self._mask is None:
            assert self._fits is not None
            self._mask = parameters.weight_mask_for(shapes, self._fits[2])
        return self._mask

    # ------------------------------------------------------------------ the public step
    def step(self, layer_grads: Pairs, layers: Pairs | None = None) -> Pairs:
        """Return the additive updates ``[(uW, ub), ...]`` for ``layer_grads = [(dW, db), ...]``.

        Parameters
        ----------
        layer_grads : list of (ndarray, ndarray)
            Finite float gradients of shapes (n_in, n_out) and (n_out,) per layer.
        layers : list of (ndarray, ndarray), optional
            The current ``[(W, b), ...]``, for the weight decay and rules that read ``params``.

        Returns
        -------
        list of (ndarray, ndarray)
            New arrays of the gradients' shapes and dtypes, to be added to the parameters.
            Bad gradients, or shapes other than the first step's (see :meth:`reset`),
            raise ``TypeError``/``ValueError`` before anything changes.
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
        out = [
            u.astype(g.dtype, copy=False) for u, g in zip(parameters.split(owned, shapes), grads)
        ]
        return parameters.pairs(out)

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


# -----------------------------------------------------------------------------
# The update rules: SGD, Momentum, Adagrad, RMSprop, Adam and AdamW, each one ``update`` hook.


_EPS = r"""
eps : float, default=1e-8
    :math:`\epsilon` > 0.
"""


def _learning_rate(default: str) -> str:
    """The ``learning_rate`` entry of an optimizer's Parameters, with its default."""
    return f"learning_rate : float or Schedule, default={default}\n    :math:`\\eta`."


def _scaled_ratio(grad: np.ndarray, squares: np.ndarray, eps: Any, scale: Any) -> np.ndarray:
    """``scale * grad / (sqrt(squares) + eps)`` in one new array."""
    out = np.sqrt(squares)
    out += eps
    np.divide(grad, out, out=out)
    out *= scale
    return out


@fill_doc(learning_rate=_learning_rate("0.01"))
class SGD(Optimizer):
    r"""Plain stochastic gradient descent.

    .. math:: u = -\eta\, g

    Parameters
    ----------
    {learning_rate}

    Examples
    --------
    >>> SGD(learning_rate=0.1).step([(np.array([[1.0, 2.0]]), np.array([-1.0, 0.0]))])
    [(array([[-0.1, -0.2]]), array([ 0.1, -0. ]))]
    """

    def update(
        self, grad: np.ndarray, state: State, learning_rate: Any, params: Any = None
    ) -> np.ndarray:
        return -learning_rate * grad


@fill_doc(learning_rate=_learning_rate("0.01"))
class Momentum(Optimizer):
    r"""Gradient descent with (heavy-ball or Nesterov) momentum.

    .. math:: v \leftarrow \mu v - \eta g, \qquad
              u = v \ \text{(classical)} \quad\text{or}\quad u = \mu v - \eta g\ \text{(Nesterov)}

    This is the course's and scikit-learn's convention (the learning rate
    inside the velocity). PyTorch instead keeps :math:`v \leftarrow \mu v + g`
    and steps :math:`\theta \leftarrow \theta - \eta v`, which differs when
    :math:`\eta` changes. Nesterov's variant is scikit-learn's. With
    ``momentum=0`` this is :class:`SGD`.

    Parameters
    ----------
    {learning_rate}
    momentum : float, default=0.9
        :math:`\mu`, in [0, 1).
    nesterov : bool, default=False
        Use Nesterov's accelerated gradient.

    Examples
    --------
    >>> opt = Momentum(learning_rate=0.1, momentum=0.9)
    >>> g = [(np.array([[1.0, 2.0]]), np.zeros(2))]
    >>> opt.step(g)[0][0], opt.step(g)[0][0]  # v1 = -0.1 g; v2 = 0.9 v1 - 0.1 g
    (array([[-0.1, -0.2]]), array([[-0.19, -0.38]]))
    """

    def __init__(
        self, learning_rate: LearningRate = 0.01, momentum: float = 0.9, nesterov: bool = False
    ) -> None:
        super().__init__(learning_rate)
        self.momentum = _check_real(momentum, "momentum", 0.0, 1.0, high_open=True)
        if not isinstance(nesterov, (bool, np.bool_)):
            raise TypeError(f"nesterov must be a bool, got {nesterov!r}")
        self.nesterov = bool(nesterov)

    state_names = ("velocity",)

    def update(
        self, grad: np.ndarray, state: State, learning_rate: Any, params: Any = None
    ) -> np.ndarray:
        step = learning_rate * grad  # eta g
        velocity = state["velocity"]
        velocity *= self.momentum
        velocity -= step
        if self.nesterov:
            return self.momentum * velocity - step
        return velocity  # step() hands the caller a copy; the training loop adds it at once


@fill_doc(learning_rate=_learning_rate("0.01"))
class Adagrad(Optimizer):
    r"""Adagrad: per-coordinate rates shrinking with the sum of squared gradients.

    .. math:: G \leftarrow G + g^2, \qquad u = -\frac{\eta\, g}{\sqrt{G} + \epsilon}

    Parameters
    ----------
    {learning_rate}
    eps : float, default=1e-8
        :math:`\epsilon` > 0, guards the division.

    Examples
    --------
    >>> opt = Adagrad(learning_rate=0.1)
    >>> opt.step([(np.array([[3.0, -4.0]]), np.zeros(2))])[0][0]  # -0.1 g / |g|
    array([[-0.1,  0.1]])
    """

    def __init__(self, learning_rate: LearningRate = 0.01, eps: float = 1e-8) -> None:
        super().__init__(learning_rate)
        self.eps = _check_real(eps, "eps", 0.0, low_open=True)

    state_names = ("sum_squares",)

    def update(
        self, grad: np.ndarray, state: State, learning_rate: Any, params: Any = None
    ) -> np.ndarray:
        squares = state[self.state_names[0]]
        self._accumulate(squares, np.square(grad))
        return _scaled_ratio(grad, squares, self.eps, -learning_rate)

    def _accumulate(self, squares: np.ndarray, grad_squared: np.ndarray) -> None:
        r""":math:`G \leftarrow G + g^2`, in place."""
        squares += grad_squared


@fill_doc(learning_rate=_learning_rate("0.001"), eps=_EPS)
class RMSprop(Adagrad):
    r"""RMSprop: divide by a running root mean square of the gradients.

    .. math:: s \leftarrow \rho s + (1 - \rho) g^2, \qquad u = -\frac{\eta\, g}{\sqrt{s} + \epsilon}

    Parameters
    ----------
    {learning_rate}
    rho : float, default=0.9
        :math:`\rho`, decay of the running mean, in [0, 1).
    {eps}

    Examples
    --------
    >>> opt = RMSprop(learning_rate=0.01, rho=0.75)
    >>> opt.step([(np.array([[2.0]]), np.zeros(1))])[0][0]  # s = 0.25*4 = 1; -0.01*2/1
    array([[-0.02]])
    """

    def __init__(
        self, learning_rate: LearningRate = 0.001, rho: float = 0.9, eps: float = 1e-8
    ) -> None:
        super().__init__(learning_rate, eps)
        self.rho = _check_real(rho, "rho", 0.0, 1.0, high_open=True)

    state_names = ("mean_square",)

    def _accumulate(self, squares: np.ndarray, grad_squared: np.ndarray) -> None:
        r""":math:`s \leftarrow \rho s + (1 - \rho) g^2`, in place."""
        squares *= self.rho
        squares += (1.0 - self.rho) * grad_squared


@fill_doc(learning_rate=_learning_rate("0.001"), eps=_EPS)
class Adam(Optimizer):
    r"""Adam (Kingma & Ba, 2015) with bias-corrected moments.

    .. math:: m \leftarrow \beta_1 m + (1 - \beta_1) g, \quad
              v \leftarrow \beta_2 v + (1 - \beta_2) g^2, \quad
              u = -\eta \frac{m / (1 - \beta_1^t)}{\sqrt{v / (1 - \beta_2^t)} + \epsilon}

    :math:`\epsilon` is added to the bias-corrected :math:`\sqrt{\hat v}` as in the
    paper and PyTorch (scikit-learn adds it to :math:`\sqrt{v}`).

    Parameters
    ----------
    {learning_rate}
    beta1 : float, default=0.9
        :math:`\beta_1`, decay of the first moment, in [0, 1).
    beta2 : float, default=0.999
        :math:`\beta_2`, decay of the second moment, in [0, 1).
    {eps}

    Examples
    --------
    >>> opt = Adam(learning_rate=0.001)
    >>> opt.step([(np.array([[5.0, -0.1]]), np.zeros(2))])[0][0]  # first step: -eta sign(g)
    array([[-0.001,  0.001]])
    """

    def __init__(
        self,
        learning_rate: LearningRate = 0.001,
        beta1: float = 0.9,
        beta2: float = 0.999,
        eps: float = 1e-8,
    ) -> None:
        super().__init__(learning_rate)
        self.beta1 = _check_real(beta1, "beta1", 0.0, 1.0, high_open=True)
        self.beta2 = _check_real(beta2, "beta2", 0.0, 1.0, high_open=True)
        self.eps = _check_real(eps, "eps", 0.0, low_open=True)

    state_names = ("m", "v")

    def update(
        self, grad: np.ndarray, state: State, learning_rate: Any, params: Any = None
    ) -> np.ndarray:
        m, v = state["m"], state["v"]
        m *= self.beta1
        m += (1.0 - self.beta1) * grad
        v *= self.beta2
        v += (1.0 - self.beta2) * np.square(grad)
        # m_hat / (sqrt(v_hat) + eps) with c1 = 1 - beta1^t, c2 = 1 - beta2^t, without
        # dividing whole arrays: (sqrt(c2) / c1) * m / (sqrt(v) + eps sqrt(c2))
        root_c2 = (1.0 - self.beta2**self.t) ** 0.5
        denom = np.sqrt(v)
        denom += self.eps * root_c2
        update = np.divide(m, denom, out=denom)
        update *= -learning_rate * root_c2 / (1.0 - self.beta1**self.t)
        return update


@fill_doc(learning_rate=_learning_rate("0.001"))
class AdamW(Adam):
    r"""Adam with decoupled weight decay (Loshchilov & Hutter, 2019).

    .. math:: u_W = u_W^{\mathrm{Adam}} - \eta \lambda W, \qquad u_b = u_b^{\mathrm{Adam}}

    The decay is applied to the weights only, not the biases (as scikit-learn's
    ``alpha`` and the course's L2 regularization); it needs the current
    parameters: ``step(layer_grads, layers)``.

    Parameters
    ----------
    {learning_rate}
    beta1, beta2, eps : float
        As in :class:`Adam`.
    weight_decay : float, default=0.01
        :math:`\lambda`, a finite number >= 0.

    Examples
    --------
    >>> opt = AdamW(learning_rate=0.001, weight_decay=0.5)
    >>> W, b = np.array([[2.0]]), np.array([4.0])
    >>> opt.step([(np.array([[1.0]]), np.array([1.0]))], layers=[(W, b)])  # -0.001 - 0.001*0.5*2
    [(array([[-0.002]]), array([-0.001]))]
    """

    def __init__(
        self,
        learning_rate: LearningRate = 0.001,
        beta1: float = 0.9,
        beta2: float = 0.999,
        eps: float = 1e-8,
        weight_decay: float = 0.01,
    ) -> None:
        super().__init__(learning_rate, beta1, beta2, eps)
        self.weight_decay = _check_real(weight_decay, "weight_decay", 0.0)


# -----------------------------------------------------------------------------
# the registry

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
    "trained_through_step",
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


def trained_through_step(optimizer: Any) -> bool:
    """Whether training calls ``optimizer.step(layer_grads)`` (one network at a time).

    Parameters
    ----------
    optimizer : Optimizer or object with ``step(layer_grads)``

    Returns
    -------
    bool
        True for a duck-typed optimizer or a (deprecated) ``step`` override; False for an
        :class:`Optimizer`, whose rule runs on the flat vector, also on a stack of models.

    Examples
    --------
    >>> trained_through_step(Momentum()), trained_through_step(object())
    (False, True)
    """
    return not isinstance(optimizer, Optimizer) or optimizer._own_step


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
