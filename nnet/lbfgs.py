r"""Full-batch training by L-BFGS: :func:`train_lbfgs`.

L-BFGS (limited-memory BFGS) is a quasi-Newton method: from the last few
gradients it builds an approximation of the inverse Hessian and takes a
line-searched step along it. On small data sets (a few thousand samples) it
usually reaches a far lower cost than mini-batch gradient descent in the same
time, which is why scikit-learn recommends ``solver="lbfgs"`` there.

It does not fit the mini-batch loop of :func:`nnet.training.train`, whose
optimizers take one step per mini-batch from the gradient alone: L-BFGS needs
the *cost* as well, evaluates it several times per iteration in its line
search, and always sees the whole data set. So it is a function of its own,
with the same result type as :func:`~nnet.training.train`'s history plus what
the minimizer reports. The minimizer is SciPy's
``scipy.optimize.minimize(method="L-BFGS-B", jac=True)``, given the network's
cost (penalties included) and its backpropagated gradient over the flat vector
of all parameters, laid out ``[W0.ravel(), b0, W1.ravel(), b1, ...]``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

import numpy as np
import scipy.optimize

from nnet.callbacks import History
from nnet.network import Backprop, NeuralNetwork
from nnet.parameters import pairs, split

__all__ = ["LBFGSResult", "train_lbfgs"]

LBFGSCallback = Callable[[int, History, NeuralNetwork], Any]
"""``callback(iteration, history, net)`` after each iteration (0-based); truthy stops."""


@dataclasses.dataclass(frozen=True)
class LBFGSResult:
    """What :func:`train_lbfgs` did.

    Parameters
    ----------
    history, converged, n_iter, n_fun, message
        The attributes below, by keyword (:func:`train_lbfgs` fills them).

    Attributes
    ----------
    history : History
        ``train_loss`` holds the cost after each iteration (so
        ``history.epochs_run`` is the number of iterations); ``stop_reason`` is
        ``"completed"`` when the minimizer stopped on its own (converged or out
        of its ``max_iter``/``max_fun`` budget) and ``"callback"`` when a
        callback stopped it.
    converged : bool
        Whether SciPy reports success (the projected gradient fell below
        ``tol`` or the relative change of the cost became negligible).
    n_iter : int
        Iterations run.
    n_fun : int
        Evaluations of the cost and gradient (line searches included).
    message : str
        SciPy's explanation of why it stopped.
    """

    history: History
    converged: bool
    n_iter: int
    n_fun: int
    message: str


def _flat_loss_and_gradient(
    net: NeuralNetwork, X: np.ndarray, Y: np.ndarray, scale: float
) -> Callable[[np.ndarray], tuple[float, np.ndarray]]:
    """The objective for SciPy: parameters as one float64 vector in, (cost, gradient) / scale out.

    SciPy's vector has the layout of the network's own (``net.parameters``), so a
    point becomes the network's storage by one cast copy (``ParameterStore.replace``;
    earlier views keep their values, as with the ``layers`` setter), and the gradient
    comes out flat from one :class:`~nnet.network.Backprop` made for all evaluations,
    through ``_loss_and_gradient``, the network's documented internal entry to one
    forward and one backward pass on checked data.
    """
    store = net.parameters
    backprop = Backprop(net, store.layout, X.shape[0])

    def objective(theta: np.ndarray) -> tuple[float, np.ndarray]:
        if not np.isfinite(theta).all():
            raise ValueError("L-BFGS reached parameters with NaN or infinity; scale the data")
        store.replace(theta.astype(store.layout.dtype))
        loss, _ = net._loss_and_gradient(X, Y, backprop)
        return loss / scale, np.divide(backprop.grad, scale, dtype=np.float64)

    return objective


def train_lbfgs(
    net: NeuralNetwork,
    X: Any,
    Y: Any,
    *,
    max_iter: int = 200,
    max_fun: int = 15000,
    tol: float = 1e-4,
    scale: float = 1.0,
    callback: LBFGSCallback | None = None,
) -> LBFGSResult:
    r"""Train ``net`` in place by L-BFGS on the full batch and return what happened.

    Minimizes :meth:`NeuralNetwork.cost <nnet.NeuralNetwork.cost>` (the mean
    loss plus the network's ``l1``/``l2`` penalties) over all parameters with
    ``scipy.optimize.minimize(method="L-BFGS-B", jac=True)``, as scikit-learn's
    ``MLPClassifier(solver="lbfgs")`` does.

    Parameters
    ----------
    net : NeuralNetwork
        Updated in place: at the end it holds the minimizer's last point.
    X : array-like of shape (n_samples, network_input_size)
    Y : array-like of shape (n_samples, n_outputs)
        1-D for a network with a single output.
    max_iter : int, default=200
        Maximum number of iterations (SciPy's ``maxiter``).
    max_fun : int, default=15000
        Maximum number of cost-and-gradient evaluations (SciPy's ``maxfun``).
    tol : float, default=1e-4
        Stop when the largest absolute gradient component of the minimized
        function is at most ``tol`` (SciPy's ``gtol``).
    scale : float, default=1.0
        Minimize ``cost / scale``: the same minimum, but SciPy's stopping tests
        (``tol``, and the relative reduction of the function, floored at 1)
        see that scale. scikit-learn's squared-error loss is half nnet's mean
        squared error, so its estimators pass 2 to stop where scikit-learn does.
    callback : callable, optional
        ``callback(iteration, history, net)`` after each iteration (0-based),
        with the net at the iteration's point; a truthy return stops.

    Returns
    -------
    LBFGSResult
        History of the cost per iteration, convergence flag and counts.

    Raises
    ------
    TypeError, ValueError
        For a bad argument, before anything changes.

    Notes
    -----
    The minimizer works in float64; a float32 network is evaluated in float32
    and its gradient widened. With no hidden layer and a convex cost (a linear
    or logistic regression) L-BFGS finds the global minimum.

    Examples
    --------
    >>> X = np.linspace(-1, 1, 50).reshape(-1, 1)
    >>> net = NeuralNetwork(1, [16, 1], ["tanh", "identity"], init="xavier", seed=0)
    >>> result = train_lbfgs(net, X, np.sin(3 * X), max_iter=300)
    >>> bool(net.cost(X, np.sin(3 * X)) < 1e-4), result.n_iter <= 300
    (True, True)
    """
    if not isinstance(net, NeuralNetwork):
        raise TypeError(f"net must be a NeuralNetwork, got {type(net).__name__}")
    X, Y = net._check_XY(X, Y)
    for name, value in (("max_iter", max_iter), ("max_fun", max_fun)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
            raise ValueError(f"{name} must be a positive int, got {value!r}")
    if isinstance(tol, bool) or not isinstance(tol, (int, float)) or not tol >= 0:
        raise ValueError(f"tol must be a number >= 0, got {tol!r}")
    if isinstance(scale, bool) or not isinstance(scale, (int, float)) or not 0 < scale < np.inf:
        raise ValueError(f"scale must be a finite number > 0, got {scale!r}")
    if callback is not None and not callable(callback):
        raise TypeError(f"callback must be callable(iteration, history, net), got {callback!r}")
    history = History()
    stopped = False

    def each_iteration(intermediate_result: scipy.optimize.OptimizeResult) -> None:
        nonlocal stopped
        cost = float(intermediate_result.fun) * scale
        history.train_loss.append(cost)
        if history.best_loss is None or cost <= history.best_loss:
            history.best_epoch = history.epochs_run - 1
        if callback is not None:
            net.layers = pairs(split(intermediate_result.x, shapes))
            if callback(history.epochs_run - 1, history, net):
                stopped = True
                raise StopIteration

    shapes = [shape for W, b in net.layers for shape in (W.shape, b.shape)]
    theta0 = net.parameters.vector.astype(np.float64)
    result = scipy.optimize.minimize(
        _flat_loss_and_gradient(net, X, Y, float(scale)),
        theta0,
        method="L-BFGS-B",
        jac=True,
        callback=each_iteration,
        options={"maxiter": int(max_iter), "maxfun": int(max_fun), "gtol": float(tol)},
    )
    net.layers = pairs(split(result.x, shapes))
    history.stop_reason = "callback" if stopped else "completed"
    return LBFGSResult(
        history=history,
        converged=bool(result.success),
        n_iter=int(result.nit),
        n_fun=int(result.nfev),
        message=str(result.message),
    )
