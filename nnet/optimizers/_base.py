"""The optimizer base class: validation, per-array state, step count, schedule, state I/O."""

from __future__ import annotations

import json
import math
import numbers
import re
from collections.abc import Callable, Sequence
from typing import Any, Protocol

import numpy as np

from nnet import _flat
from nnet.schedules import Schedule, _check_epoch, _check_int, _config, as_schedule

Pairs = Sequence[tuple[np.ndarray, np.ndarray]]
Updates = list[tuple[np.ndarray, np.ndarray]]
LearningRate = float | Schedule | Callable[[int], float]
State = dict[str, np.ndarray]
_Layout = list[tuple[tuple[int, ...], np.dtype[Any]]]
LIBRARY_RULES: set[Callable[..., np.ndarray]] = set()
"""The library's own ``update`` methods, trusted to return fresh arrays shaped like the gradient
(so :meth:`Optimizer.step` skips re-checking them), elementwise, and updating their state in
place (so the training loop runs them on whole flat vectors, see ``Optimizer._flat_step``)."""
_KEY = re.compile(r"layer(\d+)\.(W|b)\.(.+)")


class SupportsStep(Protocol):
    """Anything with ``step(layer_grads) -> updates`` can drive the training loop."""

    def step(self, layer_grads: Pairs, /) -> Updates:
        """Return additive updates ``[(uW, ub), ...]`` for ``layer_grads = [(dW, db), ...]``."""
        ...


def _flatten_pairs(pairs: Any, name: str, pair: str = "(dW, db)") -> list[np.ndarray]:
    """Check ``pairs`` is a non-empty list of ``pair`` arrays; return [W0, b0, W1, b1, ...]."""
    expected = f"a non-empty list of {pair} pairs of float arrays"
    if not isinstance(pairs, (list, tuple)):
        raise TypeError(f"{name} must be {expected}, got {type(pairs).__name__}")
    if not pairs:
        raise ValueError(f"{name} must be {expected}, got an empty {type(pairs).__name__}")
    flat: list[np.ndarray] = []
    for i, item in enumerate(pairs):
        if not isinstance(item, (list, tuple)) or len(item) != 2:
            raise TypeError(f"{name}[{i}] must be a {pair} pair, got {item!r:.80}")
        W, b = item
        if not (isinstance(W, np.ndarray) and isinstance(b, np.ndarray)):
            kinds = f"{type(W).__name__} and {type(b).__name__}"
            raise TypeError(f"{name}[{i}] must hold two numpy arrays, got {kinds}")
        if W.dtype.kind != "f" or b.dtype.kind != "f":
            raise TypeError(f"{name}[{i}] must hold float arrays, got {W.dtype} and {b.dtype}")
        if W.ndim != 2 or b.shape != W.shape[1:]:
            raise ValueError(
                f"{name}[{i}] must be {pair} of shapes (n_in, n_out) and (n_out,), "
                f"got {W.shape} and {b.shape}"
            )
        flat += [W, b]
    return flat


def _is_state(array: np.ndarray, state: State) -> bool:
    return any(array is value for value in state.values())


def _array_name(k: int) -> str:
    return f"layer{k // 2}.{'Wb'[k % 2]}"


class Optimizer:
    r"""Base class: validation, per-array state, step count, schedule and the loop.

    A subclass writes only :meth:`update`, the rule for one parameter array.
    :meth:`step` calls it for every W and b with that array's own ``state``
    dict, after validating ``layer_grads`` and incrementing :attr:`t`.

    Parameters
    ----------
    learning_rate : float or Schedule or callable, default=0.01
        :math:`\eta`, a finite number > 0 or a per-epoch schedule
        ``epoch -> float`` (see :mod:`nnet.schedules`); the rate used by a step
        is ``schedule(self.epoch)``.

    Attributes
    ----------
    t : int
        Number of steps taken; inside :meth:`update` it is the 1-based index
        of the current step.
    epoch : int
        The epoch given to :meth:`set_epoch` (0 until then).
    schedule : Schedule
        ``learning_rate`` as a schedule.

    Examples
    --------
    A custom optimizer is one method; here sign-SGD, :math:`u = -\eta\,\mathrm{sign}(g)`:

    >>> class SignSGD(Optimizer):
    ...     def update(self, grad, state, learning_rate):
    ...         return -learning_rate * np.sign(grad)
    >>> opt = SignSGD(learning_rate=0.1)
    >>> [(uW, ub)] = opt.step([(np.array([[3.0, -0.5]]), np.array([-1.0, 2.0]))])
    >>> uW, ub, opt.t
    (array([[-0.1,  0.1]]), array([ 0.1, -0.1]), 1)
    """

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
        self._learning_rate = float(value) if isinstance(value, numbers.Real) else value
        self._rate_epoch = -1  # the cached rate of the current epoch is stale

    @property
    def current_learning_rate(self) -> float:
        """The learning rate of the current epoch, ``schedule(epoch)``."""
        return self.schedule(self.epoch)

    def set_epoch(self, epoch: int) -> None:
        """Set the 0-based epoch whose learning rate the next steps use."""
        self.epoch = _check_epoch(epoch)

    def reset(self) -> None:
        """Forget all state: per-array state, step count ``t`` and epoch."""
        self.t = 0
        self.epoch = 0
        self._layout: _Layout | None = None
        self._states: list[State] = []
        self._flat: State | None = None  # see _start_flat
        self._rate, self._rate_epoch = 0.0, -1

    def update(self, grad: np.ndarray, state: State, learning_rate: float) -> np.ndarray:
        """Return the additive update of one parameter array: the hook a subclass writes.

        Parameters
        ----------
        grad : ndarray
            The gradient of this array (W or b); read it, never modify it.
        state : dict of str to ndarray
            This array's own state, empty at the first step; fill it lazily
            (``state.setdefault("velocity", np.zeros_like(grad))``) and update
            it in place. It is what :meth:`state_dict` saves.
        learning_rate : float
            The learning rate of the current epoch. ``self.t`` is the 1-based
            index of the current step (for bias corrections).

        Returns
        -------
        ndarray
            The update, of ``grad``'s shape. It may be a new array or one of
            the state arrays (the base class then returns a copy), so the
            caller always owns the updates that :meth:`step` returns.
        """
        raise NotImplementedError(f"{type(self).__name__} must implement update()")

    def step(self, layer_grads: Pairs, layers: Pairs | None = None) -> Updates:
        """Return the additive updates ``[(uW, ub), ...]`` for ``layer_grads = [(dW, db), ...]``.

        Parameters
        ----------
        layer_grads : list of (ndarray, ndarray)
            Gradients of shapes (n_in, n_out) and (n_out,) per layer, float32
            or float64; same shapes and dtypes at every step until :meth:`reset`.
        layers : list of (ndarray, ndarray), optional
            The current parameters ``[(W, b), ...]``; only :class:`AdamW` uses them.

        Returns
        -------
        list of (ndarray, ndarray)
            New arrays of the gradients' shapes and dtypes, to be added to the parameters.

        Raises
        ------
        TypeError, ValueError
            If ``layer_grads`` is not such a list, or its shapes or dtypes differ
            from the first step's (call :meth:`reset` to optimize other parameters).
        """
        grads = _flatten_pairs(layer_grads, "layer_grads")
        self._adopt_layout([(g.shape, g.dtype) for g in grads], "layer_grads")
        flat = self._updates(grads, layers)
        owned = [u.copy() if _is_state(u, s) else u for u, s in zip(flat, self._states)]
        return list(zip(owned[::2], owned[1::2], strict=True))

    def _adopt_layout(self, layout: _Layout, what: str) -> None:
        """Take the arrays' shapes and dtypes at the first step; refuse others later."""
        if self._layout is None:
            self._layout, self._states = layout, [{} for _ in layout]
        elif layout != self._layout:  # dtype objects, not names: .name is slow
            raise ValueError(
                f"{what} changed shapes or dtypes since the first step ({self._layout} "
                f"-> {layout}); call reset() before optimizing other parameters"
            )

    def _epoch_rate(self) -> float:
        """:attr:`current_learning_rate`, evaluated once per epoch (schedules are per epoch)."""
        if self._rate_epoch != self.epoch:
            self._rate, self._rate_epoch = self.current_learning_rate, self.epoch
        return self._rate

    def _updates(self, grads: list[np.ndarray], layers: Pairs | None) -> list[np.ndarray]:
        """One step: the update of every array (W0, b0, W1, ...), in order."""
        lr = self._epoch_rate()
        self.t += 1
        states = self._states
        if type(self).update in LIBRARY_RULES:  # right shape and dtype, new or a state array
            return [self.update(g, s, lr) for g, s in zip(grads, states, strict=True)]
        return [self._update_one(g, s, lr) for g, s in zip(grads, states, strict=True)]

    def _update_one(self, grad: np.ndarray, state: State, lr: float) -> np.ndarray:
        update = np.asarray(self.update(grad, state, lr))
        if update is grad or _is_state(update, state):
            update = update.copy()
        if update.shape != grad.shape:
            raise ValueError(
                f"{type(self).__name__}.update returned shape {update.shape} "
                f"for a gradient of shape {grad.shape}"
            )
        return update.astype(grad.dtype, copy=False)

    # ------------------------------------------------------- the training loop's flat path
    # The library's rules are elementwise and update their state in place, so the training
    # loop runs them once per step on the network's whole flat gradient (see nnet._flat)
    # instead of once per array. Each array's state is then a view of a flat state vector,
    # so step(), state_dict() and load_state_dict() see the same numbers either way.
    def _start_flat(self, layout: _Layout) -> None:
        """Prepare flat steps for parameters of ``layout``: check it, share the state."""
        self._adopt_layout(layout, "the network's parameters")
        if self._flat is None:
            self._flat = {}
            self._share_flat_state()

    def __getstate__(self) -> dict[str, Any]:
        # copy.deepcopy and pickle copy each array's state on its own, no longer views of
        # the flat state: drop it; the next flat step gathers it again (_start_flat).
        state = self.__dict__.copy()
        state["_flat"] = None
        return state

    def _share_flat_state(self) -> None:
        """Make each array's state a view of the flat state (gathering what arrays hold)."""
        assert self._layout is not None and self._flat is not None
        shapes = [shape for shape, _ in self._layout]
        for key in set().union(*self._states) - set(self._flat):
            self._flat[key] = np.concatenate(
                [
                    state[key].ravel() if key in state else np.zeros(math.prod(shape), dtype)
                    for state, (shape, dtype) in zip(self._states, self._layout, strict=True)
                ]
            )
        for key, flat in self._flat.items():
            for state, view in zip(self._states, _flat.split(flat, shapes), strict=True):
                state[key] = view

    def _gradient_scale(self) -> float:
        """The factor the loop may fold into the gradient it gives :meth:`_flat_step` (1).

        A rule linear in the gradient (SGD, Momentum) returns -eta (the learning
        rate): the loop computes -eta g for the price of scaling the output error.
        """
        return 1.0

    def _flat_update(self, grad: np.ndarray, state: State, learning_rate: float) -> np.ndarray:
        """:meth:`update` of the flat gradient, already multiplied by :meth:`_gradient_scale`."""
        return self.update(grad, state, learning_rate)

    def _flat_step(self, grad: np.ndarray, layers: Pairs) -> np.ndarray:
        """One step on the flat gradient (after :meth:`_start_flat`); the flat update.

        The update may be the optimizer's state or ``grad`` itself, valid until the
        next step: the loop adds it to the parameters at once.
        """
        lr = self._epoch_rate()
        self.t += 1
        assert self._flat is not None, "call _start_flat first"
        n_keys = len(self._flat)
        update = self._flat_update(grad, self._flat, lr)
        if len(self._flat) != n_keys:  # the rule made its state (first step)
            self._share_flat_state()
        return update

    def get_config(self) -> dict[str, Any]:
        """Return the constructor hyperparameters, ``{name: value}``."""
        return _config(self)

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({args})"

    def state_dict(self) -> tuple[dict[str, np.ndarray], dict[str, str | int | float]]:
        """Return ``(arrays, meta)``: copies of the state arrays and the scalars to resume from.

        ``arrays`` has flat keys ``"layer<i>.<W|b>.<name>"`` (e.g.
        ``"layer0.W.velocity"``); ``meta`` holds ``class``, ``t``, ``epoch``,
        ``layout`` (JSON of the gradient shapes and dtypes) and the
        hyperparameters (a schedule as its ``repr``). Both fit a safetensors file.

        Examples
        --------
        >>> from nnet.optimizers import Momentum
        >>> opt = Momentum(learning_rate=0.1)
        >>> _ = opt.step([(np.ones((1, 2)), np.ones(2))])
        >>> arrays, meta = opt.state_dict()
        >>> sorted(arrays), meta["t"]
        (['layer0.W.velocity', 'layer0.b.velocity'], 1)
        """
        arrays = {
            f"{_array_name(k)}.{key}": value.copy()
            for k, state in enumerate(self._states)
            for key, value in state.items()
        }
        meta: dict[str, str | int | float] = {
            k: v if isinstance(v, (str, int, float)) else repr(v)
            for k, v in self.get_config().items()
        }
        layout = (
            ""
            if self._layout is None
            else json.dumps([(shape, dtype.name) for shape, dtype in self._layout])
        )
        meta.update({"class": type(self).__name__, "t": self.t, "epoch": self.epoch})
        meta["layout"] = layout
        return arrays, meta

    def load_state_dict(self, arrays: dict[str, np.ndarray], meta: dict[str, Any]) -> None:
        """Restore the state saved by :meth:`state_dict` (meta values may be strings).

        The hyperparameters are not restored: they are this optimizer's own, so
        build it alike first, e.g. ``get_optimizer(meta["class"].lower(), ...)``.
        """
        if str(meta.get("class")) != type(self).__name__:
            raise ValueError(
                f"meta is the state of {meta.get('class')!r}, not {type(self).__name__}"
            )
        t, epoch = _meta_int(meta, "t"), _check_epoch(_meta_int(meta, "epoch"))
        layout_json = str(meta.get("layout", ""))
        layout = (
            [(tuple(s), np.dtype(d)) for s, d in json.loads(layout_json)] if layout_json else None
        )
        states: list[State] = [{} for _ in layout or []]
        for key, value in arrays.items():
            k, name = _slot(key, len(states))
            assert layout is not None  # _slot refused every key when there is no layout
            shape, dtype = layout[k]
            if np.shape(value) != shape:
                raise ValueError(f"arrays[{key!r}] has shape {np.shape(value)}, expected {shape}")
            states[k][name] = np.array(value, dtype=dtype, copy=True)
        self.t, self.epoch, self._layout, self._states = t, epoch, layout, states
        self._flat = None


def _meta_int(meta: dict[str, Any], key: str) -> int:
    try:
        return _check_int(int(str(meta[key])), f"meta[{key!r}]", 0)
    except (KeyError, ValueError) as err:
        raise ValueError(f"meta[{key!r}] must be an int >= 0, got {meta.get(key)!r}") from err


def _slot(key: str, n_arrays: int) -> tuple[int, str]:
    """Parse ``"layer<i>.<W|b>.<name>"`` into (flat array index, state name)."""
    match = _KEY.fullmatch(key)
    k = 2 * int(match[1]) + (match[2] == "b") if match else n_arrays
    if match is None or k >= n_arrays:
        raise ValueError(
            f"arrays key {key!r} is not 'layer<i>.<W|b>.<name>' for one of {n_arrays} arrays"
        )
    return k, match[3]


LIBRARY_STEPS: set[Callable[..., Updates]] = {Optimizer.step}
"""The library's own ``step`` methods: an optimizer whose ``step`` is one of them (and whose
``update`` is in :data:`LIBRARY_RULES`) may be driven through ``_flat_step`` by the training
loop (a subclass overriding ``step`` itself is always called through its own ``step``)."""
