"""The update rules: SGD, Momentum, Adagrad, RMSprop, Adam and AdamW, each one ``update`` hook."""

from __future__ import annotations

from typing import Any

import numpy as np

from nnet._docstrings import fill_doc
from nnet._validation import check_reals as _check_real
from nnet.optimizers._base import LearningRate, Optimizer, State

__all__ = ["SGD", "Adagrad", "Adam", "AdamW", "Momentum", "RMSprop"]


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
        sum_squares = state["sum_squares"]
        sum_squares += np.square(grad)
        return _scaled_ratio(grad, sum_squares, self.eps, -learning_rate)


@fill_doc(learning_rate=_learning_rate("0.001"), eps=_EPS)
class RMSprop(Optimizer):
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
        super().__init__(learning_rate)
        self.rho = _check_real(rho, "rho", 0.0, 1.0, high_open=True)
        self.eps = _check_real(eps, "eps", 0.0, low_open=True)

    state_names = ("mean_square",)

    def update(
        self, grad: np.ndarray, state: State, learning_rate: Any, params: Any = None
    ) -> np.ndarray:
        mean_square = state["mean_square"]
        mean_square *= self.rho
        mean_square += (1.0 - self.rho) * np.square(grad)
        return _scaled_ratio(grad, mean_square, self.eps, -learning_rate)


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
