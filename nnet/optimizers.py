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

from __future__ import annotations

import json
import numbers
import re
from collections.abc import Callable, Sequence
from typing import Any, Protocol, overload

import numpy as np

from nnet.schedules import Schedule, _check_epoch, _check_int, _check_real, _config, as_schedule

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

Pairs = Sequence[tuple[np.ndarray, np.ndarray]]
Updates = list[tuple[np.ndarray, np.ndarray]]
LearningRate = float | Schedule | Callable[[int], float]
State = dict[str, np.ndarray]
_Layout = list[tuple[tuple[int, ...], str]]
_KEY = re.compile(r"layer(\d+)\.(W|b)\.(.+)")


class SupportsStep(Protocol):
    """Anything with ``step(layer_grads) -> updates`` can drive the training loop."""

    def step(self, layer_grads: Pairs, /) -> Updates: ...


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


def _scaled_ratio(grad: np.ndarray, squares: np.ndarray, eps: float, scale: float) -> np.ndarray:
    """``scale * grad / (sqrt(squares) + eps)`` in one new array."""
    out = np.sqrt(squares)
    out += eps
    np.divide(grad, out, out=out)
    out *= scale
    return out


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
        layout = [(g.shape, g.dtype.name) for g in grads]
        if self._layout is None:
            self._layout, self._states = layout, [{} for _ in grads]
        elif layout != self._layout:
            raise ValueError(
                f"layer_grads changed shapes or dtypes since the first step ({self._layout} "
                f"-> {layout}); call reset() before optimizing other parameters"
            )
        lr = self.current_learning_rate
        self.t += 1
        flat = [self._update_one(g, s, lr) for g, s in zip(grads, self._states, strict=True)]
        return list(zip(flat[::2], flat[1::2], strict=True))

    def _update_one(self, grad: np.ndarray, state: State, lr: float) -> np.ndarray:
        update = np.asarray(self.update(grad, state, lr))
        if update is grad or any(update is s for s in state.values()):
            update = update.copy()
        if update.shape != grad.shape:
            raise ValueError(
                f"{type(self).__name__}.update returned shape {update.shape} "
                f"for a gradient of shape {grad.shape}"
            )
        return update.astype(grad.dtype, copy=False)

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
        layout = "" if self._layout is None else json.dumps(self._layout)
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
        layout = [(tuple(s), str(d)) for s, d in json.loads(layout_json)] if layout_json else None
        states: list[State] = [{} for _ in layout or []]
        for key, value in arrays.items():
            k, name = _slot(key, len(states))
            states[k][name] = np.array(value, copy=True)
        self.t, self.epoch, self._layout, self._states = t, epoch, layout, states


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


class SGD(Optimizer):
    r"""Plain stochastic gradient descent.

    .. math:: u = -\eta\, g

    Parameters
    ----------
    learning_rate : float or Schedule, default=0.01
        :math:`\eta`.

    Examples
    --------
    >>> SGD(learning_rate=0.1).step([(np.array([[1.0, 2.0]]), np.array([-1.0, 0.0]))])
    [(array([[-0.1, -0.2]]), array([ 0.1, -0. ]))]
    """

    def update(self, grad: np.ndarray, state: State, learning_rate: float) -> np.ndarray:
        return -learning_rate * grad


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
    learning_rate : float or Schedule, default=0.01
        :math:`\eta`.
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

    def update(self, grad: np.ndarray, state: State, learning_rate: float) -> np.ndarray:
        velocity = state.setdefault("velocity", np.zeros_like(grad))
        velocity *= self.momentum
        velocity -= learning_rate * grad
        if self.nesterov:
            return self.momentum * velocity - learning_rate * grad
        return velocity


class Adagrad(Optimizer):
    r"""Adagrad: per-coordinate rates shrinking with the sum of squared gradients.

    .. math:: G \leftarrow G + g^2, \qquad u = -\frac{\eta\, g}{\sqrt{G} + \epsilon}

    Parameters
    ----------
    learning_rate : float or Schedule, default=0.01
        :math:`\eta`.
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

    def update(self, grad: np.ndarray, state: State, learning_rate: float) -> np.ndarray:
        sum_squares = state.setdefault("sum_squares", np.zeros_like(grad))
        sum_squares += np.square(grad)
        return _scaled_ratio(grad, sum_squares, self.eps, -learning_rate)


class RMSprop(Optimizer):
    r"""RMSprop: divide by a running root mean square of the gradients.

    .. math:: s \leftarrow \rho s + (1 - \rho) g^2, \qquad u = -\frac{\eta\, g}{\sqrt{s} + \epsilon}

    Parameters
    ----------
    learning_rate : float or Schedule, default=0.001
        :math:`\eta`.
    rho : float, default=0.9
        :math:`\rho`, decay of the running mean, in [0, 1).
    eps : float, default=1e-8
        :math:`\epsilon` > 0.

    Examples
    --------
    >>> opt = RMSprop(learning_rate=0.01, rho=0.75)
    >>> opt.step([(np.array([[2.0]]), np.zeros(1))])[0][0]  # s = 0.25*4 = 1; -0.01*2/1
    array([[-0.02]])
    """

    def __init__(
        self, learning_rate: LearningRate = 0.001, rho: float = 0.9, eps: float = 1e-8
    ) -> None:
        super().__init__(learning_rate)
        self.rho = _check_real(rho, "rho", 0.0, 1.0, high_open=True)
        self.eps = _check_real(eps, "eps", 0.0, low_open=True)

    def update(self, grad: np.ndarray, state: State, learning_rate: float) -> np.ndarray:
        mean_square = state.setdefault("mean_square", np.zeros_like(grad))
        mean_square *= self.rho
        mean_square += (1.0 - self.rho) * np.square(grad)
        return _scaled_ratio(grad, mean_square, self.eps, -learning_rate)


class Adam(Optimizer):
    r"""Adam (Kingma & Ba, 2015) with bias-corrected moments.

    .. math:: m \leftarrow \beta_1 m + (1 - \beta_1) g, \quad
              v \leftarrow \beta_2 v + (1 - \beta_2) g^2, \quad
              u = -\eta \frac{m / (1 - \beta_1^t)}{\sqrt{v / (1 - \beta_2^t)} + \epsilon}

    :math:`\epsilon` is added to the bias-corrected :math:`\sqrt{\hat v}` as in the
    paper and PyTorch (scikit-learn adds it to :math:`\sqrt{v}`).

    Parameters
    ----------
    learning_rate : float or Schedule, default=0.001
        :math:`\eta`.
    beta1 : float, default=0.9
        :math:`\beta_1`, decay of the first moment, in [0, 1).
    beta2 : float, default=0.999
        :math:`\beta_2`, decay of the second moment, in [0, 1).
    eps : float, default=1e-8
        :math:`\epsilon` > 0.

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

    def update(self, grad: np.ndarray, state: State, learning_rate: float) -> np.ndarray:
        m = state.setdefault("m", np.zeros_like(grad))
        v = state.setdefault("v", np.zeros_like(grad))
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


class AdamW(Adam):
    r"""Adam with decoupled weight decay (Loshchilov & Hutter, 2019).

    .. math:: u_W = u_W^{\mathrm{Adam}} - \eta \lambda W, \qquad u_b = u_b^{\mathrm{Adam}}

    The decay is applied to the weights only, not the biases (as scikit-learn's
    ``alpha`` and the course's L2 regularization); it needs the current
    parameters: ``step(layer_grads, layers)``.

    Parameters
    ----------
    learning_rate : float or Schedule, default=0.001
        :math:`\eta`.
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

    def step(self, layer_grads: Pairs, layers: Pairs | None = None) -> Updates:
        if self.weight_decay == 0.0:
            return super().step(layer_grads)
        if layers is None:
            raise ValueError(
                "layers (the current [(W, b), ...]) are required when weight_decay > 0"
            )
        params = _flatten_pairs(layers, "layers", "(W, b)")
        shapes = [g.shape for g in _flatten_pairs(layer_grads, "layer_grads")]
        if [p.shape for p in params] != shapes:
            raise ValueError(f"layers must have the shapes of layer_grads, {shapes}")
        updates = super().step(layer_grads)
        decay = self.current_learning_rate * self.weight_decay
        for (uW, _), W in zip(updates, params[::2], strict=True):
            uW -= decay * W
        return updates


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

    Examples
    --------
    >>> get_optimizer("momentum", learning_rate=0.1, nesterov=True)
    Momentum(learning_rate=0.1, momentum=0.9, nesterov=True)
    """
    if isinstance(spec, str):
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
