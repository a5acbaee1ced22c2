"""The optimizer base class: one update path on flat vectors, state, step count, schedule."""

from __future__ import annotations

import numbers
from collections.abc import Callable
from typing import Any, ClassVar

import numpy as np

from nnet import _flat
from nnet._configurable import Configurable
from nnet._flat import ParameterStore
from nnet._types import Pairs
from nnet._validation import check_epoch, check_pairs
from nnet.optimizers import _state
from nnet.optimizers._state import Shapes, State
from nnet.schedules import Schedule, as_schedule

LearningRate = float | Schedule | Callable[[int], float]


class Optimizer(Configurable):
    r"""Base class: the update path, state, step count, schedule and state I/O.

    A subclass writes only :meth:`update`, the rule. Every step, whether from
    :meth:`step` or from the training loop, goes through :meth:`flat_update`:
    the rule runs **once on the whole flat gradient** when the class declares
    ``elementwise = True`` (its rule treats each number on its own, as every
    rule of the library does), otherwise once per parameter array.

    Parameters
    ----------
    learning_rate : float or Schedule or callable, default=0.01
        :math:`\eta`, a finite number > 0, a schedule (per epoch, or per step
        when ``schedule.per_step``, see :mod:`nnet.schedules`), or one number
        per model of a stack.

    Attributes
    ----------
    t : int
        Number of steps taken; inside :meth:`update` it is the 1-based index
        of the current step.
    epoch : int
        The epoch whose learning rate the next steps use. :func:`nnet.train`
        sets it and moves it on after each completed epoch, so a second
        ``train`` call continues the schedule where the first stopped.
    schedule : Schedule
        ``learning_rate`` as a schedule.

    Notes
    -----
    A rule declares what the loop may do with it in three class attributes:

    * ``elementwise`` (default False): the rule treats each number on its own,
      so it may run on all parameters at once, and on a stack of models (see
      :func:`nnet.sweep`);
    * ``linear_in_gradient`` (default False): ``update(grad, state, lr)``
      depends on ``grad`` and ``lr`` only through ``lr * grad`` (SGD,
      Momentum), so the training loop may fold the learning rate into the
      gradient it computes (see :meth:`gradient_scale`);
    * ``uses_params`` (default False): ``update`` is called with ``params=``
      (flat, like ``grad``), e.g. :class:`AdamW`'s weight decay.

    State belongs to one set of parameters: the training loop records which
    network (:attr:`NeuralNetwork.parameters`) an optimizer's state was built
    for, and refuses to train another network with it (call :meth:`reset`, or
    use a new optimizer); copies of that network (deepcopy, pickle) count as
    the same network. State loaded with :meth:`load_state_dict` or made by
    :meth:`step` alone belongs to the first network it trains.

    Examples
    --------
    A custom optimizer is one method; here sign-SGD, :math:`u = -\eta\,\mathrm{sign}(g)`:

    >>> class SignSGD(Optimizer):
    ...     elementwise = True
    ...     def update(self, grad, state, learning_rate):
    ...         return -learning_rate * np.sign(grad)
    >>> opt = SignSGD(learning_rate=0.1)
    >>> [(uW, ub)] = opt.step([(np.array([[3.0, -0.5]]), np.array([-1.0, 2.0]))])
    >>> uW, ub, opt.t
    (array([[-0.1,  0.1]]), array([ 0.1, -0.1]), 1)
    """

    elementwise: ClassVar[bool] = False
    linear_in_gradient: ClassVar[bool] = False
    uses_params: ClassVar[bool] = False

    def __init__(self, learning_rate: LearningRate = 0.01) -> None:
        self.learning_rate = learning_rate
        self.reset()

    @property
    def learning_rate(self) -> LearningRate:
        """The learning rate as given (setting it rebuilds :attr:`schedule`)."""
        return self._learning_rate

    @learning_rate.setter
    def learning_rate(self, value: LearningRate) -> None:
        self.schedule = as_schedule(value)
        if isinstance(value, numbers.Real):
            value = float(value)
        elif isinstance(value, (np.ndarray, list, tuple)):
            value = self.schedule(0)  # checked, as a (K, 1) column
        self._learning_rate = value
        self._rate_epoch = -1  # the cached rate of the current epoch is stale

    @property
    def current_learning_rate(self) -> Any:
        """The learning rate of the next step: ``schedule(epoch)``, or ``schedule(t)`` per step."""
        return self.schedule(self.t if self.schedule.per_step else self.epoch)

    def set_epoch(self, epoch: int) -> None:
        """Set the 0-based epoch whose learning rate the next steps use.

        Parameters
        ----------
        epoch : int
            A non-negative int.
        """
        self.epoch = check_epoch(epoch)

    def reset(self) -> None:
        """Forget all state: the state arrays, step count ``t``, epoch and owner."""
        self.t = 0
        self.epoch = 0
        self._shapes: Shapes | None = None  # the parameter arrays' shapes (b as (n_out,))
        self._n_models: int | None = None
        self._dtype: np.dtype[Any] | None = None
        self._state: State = {}  # flat arrays, one entry per state name
        self._owner: str | None = None
        self._mask: np.ndarray | None = None
        self._rate, self._rate_epoch = 0.0, -1

    def update(self, grad: np.ndarray, state: State, learning_rate: Any) -> np.ndarray:
        """Return the additive update for ``grad``: the hook a subclass writes.

        Parameters
        ----------
        grad : ndarray
            The gradient: all parameters as one flat vector (``elementwise``
            rules; ``(K, n_params)`` for a stack), or one W or b. Read it, never
            modify it; an elementwise rule gets the training loop's buffer,
            valid during the call only (copy what you keep), any other rule a
            copy of its own.
        state : dict of str to ndarray
            The state of these parameters, empty at the first step; fill it
            lazily (``state.setdefault("velocity", np.zeros_like(grad))``) and
            update it in place. It is what :meth:`state_dict` saves.
        learning_rate : float or ndarray of shape (K, 1)
            The learning rate of this step. ``self.t`` is the 1-based index of
            the current step (for bias corrections).

        Returns
        -------
        ndarray
            The update, of ``grad``'s shape. It may be a new array or one of
            the state arrays: :meth:`step` returns copies either way.
        """
        raise NotImplementedError(f"{type(self).__name__} must implement update()")

    # ------------------------------------------------------------------ the one update path
    def start(self, parameters: ParameterStore) -> None:
        """Prepare to train ``parameters`` (the training loop calls this once per call).

        Parameters
        ----------
        parameters : ParameterStore
            The network's parameter store (``net.parameters``).

        Raises
        ------
        ValueError
            If the state was built for other parameters (another network, or
            other shapes), or a hyperparameter holds one value per model but
            ``parameters`` is not a stack of that many models.
        """
        if self._owner is not None and self._owner != parameters.owner:
            raise ValueError(
                f"this {type(self).__name__}'s state (t={self.t}) was built while training "
                "another network; call optimizer.reset() or use a new optimizer for each network"
            )
        layout = parameters.layout
        shapes = [s if k % 2 == 0 else s[1:] for k, s in enumerate(layout.array_shapes)]
        self._adopt(shapes, layout.n_models, layout.dtype, "the network's parameters")
        if layout.stacked and not self.elementwise:
            raise ValueError(
                f"{type(self).__name__} does not declare elementwise = True, so it cannot "
                "train a stack of models at once"
            )
        self._check_per_model(layout.n_models)
        self._owner = parameters.owner

    def gradient_scale(self) -> Any:
        r"""The factor the training loop may fold into the gradient it computes.

        :math:`\eta` (the current learning rate) for a rule that is
        ``linear_in_gradient``, else 1.0; then call
        ``flat_update(grad, prescaled=True)``.

        Returns
        -------
        float or ndarray
            :math:`\eta`, or 1.0 (one value per model for a stack).
        """
        return self._step_rate() if self.linear_in_gradient else 1.0

    def flat_update(
        self, grad: np.ndarray, params: np.ndarray | None = None, *, prescaled: bool = False
    ) -> np.ndarray:
        """One step on the flat gradient (all parameters, in the store's layout).

        Parameters
        ----------
        grad : ndarray of shape (n_params,) or (K, n_params)
            Not modified, unless the rule returns it.
        params : ndarray of the same shape, optional
            The current parameters, for rules that declare ``uses_params``.
        prescaled : bool, default=False
            ``grad`` is already :meth:`gradient_scale` times the gradient.

        Returns
        -------
        ndarray
            The update, to add to the parameters at once: it may be the
            optimizer's state or ``grad`` itself, valid until the next step.
        """
        lr = 1.0 if prescaled else self._step_rate()
        self.t += 1
        extra = {"params": params} if self.uses_params else {}
        if self.elementwise:
            return self.update(grad, self._state, lr, **extra)
        return self._update_per_array(grad, lr, extra)

    def _update_per_array(self, grad: np.ndarray, lr: Any, extra: dict[str, Any]) -> np.ndarray:
        """The rule once per W and b, each with its own state dict of views of the flat state."""
        assert self._shapes is not None
        shapes = self._shapes
        states = _state.per_array(self._state, self._shapes)
        grads = _flat.split(grad, shapes)
        params = _flat.split(extra["params"], shapes) if extra.get("params") is not None else None
        out = np.empty_like(grad)
        for k, (g, state, u) in enumerate(zip(grads, states, _flat.split(out, shapes))):
            kwargs = {"params": params[k]} if params is not None else dict(extra)
            # A copy: such a rule may keep its gradient (the loop reuses its buffer).
            update = np.asarray(self.update(g.copy(), state, lr, **kwargs))
            if update.shape != g.shape:
                raise ValueError(
                    f"{type(self).__name__}.update returned shape {update.shape} "
                    f"for a gradient of shape {g.shape}"
                )
            u[...] = update
        _state.gather(self._state, states, self._shapes, self._dtype)
        return out

    def _step_rate(self) -> Any:
        """The learning rate of the coming step, evaluated once per epoch unless per step."""
        if self.schedule.per_step:
            return self.schedule(self.t)
        if self._rate_epoch != self.epoch:
            self._rate, self._rate_epoch = self.schedule(self.epoch), self.epoch
        return self._rate

    def _adopt(self, shapes: Shapes, n_models: int | None, dtype: Any, what: str) -> None:
        """Take the arrays' shapes and dtype at the first step; refuse others later."""
        if self._shapes is None:
            self._shapes, self._n_models, self._dtype = shapes, n_models, np.dtype(dtype)
        elif (shapes, n_models, np.dtype(dtype)) != (self._shapes, self._n_models, self._dtype):
            raise ValueError(
                f"{what} changed shapes or dtypes since the first step ({self._shapes}, "
                f"{self._dtype} -> {shapes}, {np.dtype(dtype)}); call reset() before "
                "optimizing other parameters"
            )

    def _check_per_model(self, n_models: int | None) -> None:
        """Hyperparameters with one value per model need a stack of as many models."""
        for name, value in self.get_config().items():
            if isinstance(value, np.ndarray) and value.size != (n_models or 1) and value.size > 1:
                raise ValueError(
                    f"{name} holds {value.size} values (one per model) but the parameters "
                    f"are {'a lone network' if n_models is None else f'a stack of {n_models}'}"
                )

    def _weight_mask(self) -> np.ndarray:
        """1 on the weights W, 0 on the biases b, in the flat layout (made once per layout)."""
        assert self._shapes is not None
        if self._mask is None:
            self._mask = _flat.weight_mask_for(self._shapes, self._dtype)
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
            The current parameters ``[(W, b), ...]``; rules that declare
            ``uses_params`` (:class:`AdamW`) need them.

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
        if params is None and self._needs_params():
            raise ValueError(
                f"layers (the current [(W, b), ...]) are required by {type(self).__name__}.step"
            )
        self._adopt(shapes, None, dtype, "layer_grads")
        self._check_per_model(None)
        flat = np.concatenate([g.ravel() for g in grads]).astype(dtype, copy=False)
        update = self.flat_update(flat, params)
        owned = update.copy() if update is flat or _shares_state(update, self._state) else update
        out = [u.astype(g.dtype, copy=False) for u, g in zip(_flat.split(owned, shapes), grads)]
        return _flat.pairs(out)

    def _needs_params(self) -> bool:
        """Whether :meth:`step` needs ``layers`` with these hyperparameters (False)."""
        return False

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
        states = _state.per_array(self._state, self._shapes) if self._shapes else []
        header = {"class": type(self).__name__, "t": self.t, "epoch": self.epoch}
        return _state.encode(states, self.get_config(), header, self._shapes, self._dtype)

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
            self._shapes, self._dtype = shapes, dtype
            _state.gather(self._state, states, self._shapes, self._dtype)


def _flatten(pairs: Pairs) -> list[np.ndarray]:
    """``[W0, b0, W1, b1, ...]``."""
    return [array for pair in pairs for array in pair]


def _shares_state(update: np.ndarray, state: State) -> bool:
    return any(np.shares_memory(update, value) for value in state.values())
