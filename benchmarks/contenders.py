r"""The contenders: one small function each, building (untimed) and returning a run (timed).

A contender is ``prepare(workload, seed) -> run``. ``prepare`` builds the
network, optimizer and buffers from the same seed; ``run()`` trains for
``workload.epochs`` epochs and returns the last epoch's training loss (``None``
for the GEMM floor, which computes no loss). Only ``run()`` is timed.

All contenders use Momentum(learning_rate, 0.9) without Nesterov. PyTorch's
``SGD(momentum=mu)`` keeps :math:`b \leftarrow \mu b + g,\ \theta \leftarrow \theta - \eta b`
while nnet and scikit-learn keep :math:`v \leftarrow \mu v - \eta g,\ \theta \leftarrow
\theta + v`: for a constant :math:`\eta`, :math:`v = -\eta b` and the steps are identical.
"""

from __future__ import annotations

import importlib.util
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
from workloads import Workload

from nnet import NeuralNetwork
from nnet.optimizers import Momentum

Run = Callable[[], float | None]
Prepare = Callable[[Workload, int], Run]

__all__ = [
    "GRADIENT_CONTENDERS",
    "Prepare",
    "Run",
    "available_contenders",
    "make_network",
    "torch_info",
]


def make_network(w: Workload, seed: int) -> NeuralNetwork:
    """The workload's nnet network: Glorot-uniform weights, zero biases (scikit-learn's scale)."""
    return NeuralNetwork(
        w.sizes[0],
        w.sizes[1:],
        [w.activation] * len(w.hidden) + ["softmax"],
        cost_fun="cross_entropy",
        init="glorot",
        dtype=w.dtype,
        seed=seed,
    )


# ----------------------------------------------------------------------------- nnet
def nnet_train(w: Workload, seed: int) -> Run:
    """``nnet.training.train`` with ``Momentum``: the library's own loop."""
    from nnet.training import train

    net, opt = make_network(w, seed), Momentum(w.learning_rate, w.momentum)

    def run() -> float:
        history = train(net, opt, w.X, w.Y, epochs=w.epochs, batch_size=w.batch_size, seed=seed)
        assert history.epochs_run == w.epochs, history
        return history.train_loss[-1]

    return run


def nnet_estimator(w: Workload, seed: int) -> Run:
    """``nnet.estimators.NeuralNetClassifier``: the scikit-learn-style wrapper around ``train``."""
    from sklearn.exceptions import ConvergenceWarning

    from nnet.estimators import NeuralNetClassifier

    clf = NeuralNetClassifier(
        hidden_layer_sizes=w.hidden,
        activation=w.activation,
        solver=Momentum(w.learning_rate, w.momentum),
        alpha=0.0,
        batch_size=w.batch_size,
        max_iter=w.epochs,
        n_iter_no_change=np.inf,  # all epochs, as the other contenders
        shuffle=True,
        init="glorot",
        random_state=seed,
    )

    def run() -> float:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            clf.fit(w.X, w.y)
        if clf.n_iter_ != w.epochs or clf.network_.dtype != w.dtype:
            raise RuntimeError(f"estimator ran {clf.n_iter_} epochs in {clf.network_.dtype}")
        return float(clf.loss_curve_[-1])

    return run


# ----------------------------------------------------------------------------- scikit-learn
def sklearn_mlp(w: Workload, seed: int) -> Run:
    """``MLPClassifier(solver="sgd")`` made to run exactly ``epochs`` epochs of the same SGD."""
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPClassifier

    clf = MLPClassifier(
        hidden_layer_sizes=w.hidden,
        activation="logistic" if w.activation == "sigmoid" else w.activation,
        solver="sgd",
        alpha=0.0,
        batch_size=w.batch_size,
        learning_rate="constant",
        learning_rate_init=w.learning_rate,
        max_iter=w.epochs,
        shuffle=True,
        random_state=seed,
        tol=0.0,
        momentum=w.momentum,
        nesterovs_momentum=False,
        early_stopping=False,
        n_iter_no_change=w.epochs + 1,
    )

    def run() -> float:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            clf.fit(w.X, w.y)
        if clf.n_iter_ != w.epochs:
            raise RuntimeError(f"MLPClassifier stopped after {clf.n_iter_} of {w.epochs} epochs")
        if clf.coefs_[0].dtype != w.dtype:
            raise RuntimeError(f"MLPClassifier computed in {clf.coefs_[0].dtype}, not {w.dtype}")
        return float(clf.loss_curve_[-1])

    return run


# ----------------------------------------------------------------------------- PyTorch
def torch_sgd(w: Workload, seed: int) -> Run:
    """A plain PyTorch loop: ``nn.Linear`` layers with nnet's initial weights, ``SGD(momentum)``.

    Index slicing of a once-per-epoch shuffled copy, no DataLoader; the loss
    is accumulated per batch (``loss.item()``) as nnet and scikit-learn do.
    """
    import torch

    dtype = {np.dtype(np.float64): torch.float64, np.dtype(np.float32): torch.float32}[w.dtype]
    act = {"relu": torch.nn.ReLU, "sigmoid": torch.nn.Sigmoid}[w.activation]
    modules: list[torch.nn.Module] = []
    for i, (W, b) in enumerate(make_network(w, seed).layers):
        linear = torch.nn.Linear(W.shape[0], W.shape[1], dtype=dtype)
        with torch.no_grad():
            linear.weight.copy_(torch.from_numpy(W.T.copy()))
            linear.bias.copy_(torch.from_numpy(b.copy()))
        modules += [linear] if i == len(w.hidden) else [linear, act()]
    model = torch.nn.Sequential(*modules)  # the softmax is inside cross_entropy
    opt = torch.optim.SGD(model.parameters(), lr=w.learning_rate, momentum=w.momentum)
    X, y = torch.from_numpy(w.X), torch.from_numpy(w.y)
    generator = torch.Generator().manual_seed(seed)
    n, size = len(w.X), w.batch_size

    def run() -> float:
        epoch_loss = 0.0
        for _ in range(w.epochs):
            perm = torch.randperm(n, generator=generator)
            Xs, ys = X[perm], y[perm]
            total = 0.0
            for start in range(0, n, size):
                xb, yb = Xs[start : start + size], ys[start : start + size]
                opt.zero_grad()
                loss = torch.nn.functional.cross_entropy(model(xb), yb)
                loss.backward()
                opt.step()
                total += loss.item() * len(xb)
            epoch_loss = total / n
        return epoch_loss

    return run


# ----------------------------------------------------------------------------- the floor
def gemm_floor(w: Workload, seed: int) -> Run:
    """Only the matrix products of the same loop, into preallocated arrays.

    Per batch: gather the shuffled rows into a buffer (``np.take(..., out=)``),
    ``a @ W`` per layer forward, ``a.T @ delta`` per layer and ``delta @ W.T``
    per layer but the first backward (nobody needs the gradient of the inputs;
    nnet, scikit-learn and PyTorch all skip it). No bias, activation, loss or
    update: everything a real step adds to this is overhead.
    """
    rng = np.random.default_rng(seed)
    Ws = [np.array(W) for W, _ in make_network(w, seed).layers]
    size, n, dt = w.batch_size, len(w.X), w.dtype
    xb = np.empty((size, w.sizes[0]), dt)
    outs = [np.empty((size, k), dt) for k in w.sizes[1:]]
    deltas = [(0.01 * rng.standard_normal((size, k))).astype(dt) for k in w.sizes[1:]]
    grads = [np.empty_like(W) for W in Ws]

    def run() -> None:
        for _ in range(w.epochs):
            perm = rng.permutation(n)
            for start in range(0, n, size):
                index = perm[start : start + size]
                m = len(index)
                np.take(w.X, index, axis=0, out=xb[:m], mode="clip")
                ins = [xb[:m]] + [out[:m] for out in outs[:-1]]
                for a, W, out in zip(ins, Ws, outs):
                    np.matmul(a, W, out=out[:m])
                for layer in range(len(Ws) - 1, -1, -1):
                    np.matmul(ins[layer].T, deltas[layer][:m], out=grads[layer])
                    if layer > 0:
                        np.matmul(deltas[layer][:m], Ws[layer].T, out=deltas[layer - 1][:m])

    return run


# ----------------------------------------------------------------------------- workload 3
def gradient_method(method: str) -> Prepare:
    """Call ``net.<method>(X, Y)`` once per "epoch" on the whole (one-batch) workload."""

    def prepare(w: Workload, seed: int) -> Run:
        net = make_network(w, seed)
        gradient = getattr(net, method)

        def run() -> None:
            for _ in range(w.epochs):
                gradient(w.X, w.Y)

        return run

    prepare.__doc__ = f"``NeuralNetwork.{method}`` on one batch."
    return prepare


GRADIENT_CONTENDERS: dict[str, Prepare] = {
    "floor": gemm_floor,
    "compute_gradient": gradient_method("compute_gradient"),
    "autograd_gradient": gradient_method("autograd_gradient"),
}
"""Workload 3: one batch, so the floor's "epoch" is one step's products."""


# ----------------------------------------------------------------------------- registry
def available_contenders() -> tuple[dict[str, Prepare], dict[str, str]]:
    """The contenders that can run here, and a note for each one skipped."""
    contenders: dict[str, Prepare] = {"floor": gemm_floor, "nnet": nnet_train}
    skipped: dict[str, str] = {}
    if _importable("nnet.estimators"):
        contenders["nnet_estimator"] = nnet_estimator
    else:
        skipped["nnet_estimator"] = "nnet.estimators is not there yet"
    contenders["sklearn"] = sklearn_mlp
    if _importable("torch"):
        contenders["torch"] = torch_sgd
    else:
        skipped["torch"] = "PyTorch is not installed (optional: pip install torch)"
    return contenders, skipped


def _importable(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except ModuleNotFoundError:
        return False


def torch_info(n_threads: int) -> dict[str, Any] | None:
    """Set PyTorch's intra-op threads to ``n_threads`` (numpy's BLAS threads); describe it."""
    if not _importable("torch"):
        return None
    import torch

    torch.set_num_threads(n_threads)
    blas = "mkl" if torch.backends.mkl.is_available() else "other"
    return {"version": torch.__version__, "num_threads": torch.get_num_threads(), "blas": blas}
