r"""Workloads 4 and 5 (issue 10): a grid of networks, by ``sweep`` and by one training per model.

* **W4**, the course's grid: Iris 4 → 8 sigmoid → 3 softmax, cross-entropy, Momentum 0.9,
  batch 10, 100 epochs, 10 learning rates x 10 L2 strengths = 100 models.
* **W5**, a digits-sized grid: 64 → 32 ReLU → 10 softmax on 1,347 training rows, batch 32,
  20 epochs, 5 x 5 = 25 models.

Contenders (``prepare(workload, seed) -> run``, as in ``contenders.py``; ``run`` builds the
networks and trains every model, returning the mean final training loss):

* ``sweep``: one :func:`nnet.sweep` call over the grid;
* ``sweep_validation`` and ``sweep_accuracy`` (W4): the same call with validation data,
  without and with ``metrics=["accuracy"]`` (issue 22: the metric costs at most 1.3 times);
* ``sweep_2_jobs`` (information): the same call with ``n_jobs=2``, two worker
  processes with a stack of half the models each, against contenders that use one
  core (their products are too small for BLAS threads);
* ``train_loop``: a loop of lone :func:`nnet.train` calls, one per model;
* ``sklearn`` (W4): one ``MLPClassifier(solver="sgd")`` fit per model, ``alpha`` = λ;
* ``torch`` (W4, optional): the grid hand-batched in PyTorch: weights of shape
  (K, n_in, n_out), ``torch.matmul`` over the model axis, autograd, and an in-place
  momentum update :math:`v \leftarrow \mu v - \eta_k g,\ \theta \leftarrow \theta + v`.
"""

from __future__ import annotations

import dataclasses
import itertools
import warnings
from typing import Any

import numpy as np
from workloads import Workload

from nnet import NeuralNetwork, sweep, train
from nnet.optimizers import Momentum

__all__ = ["GridWorkload", "grid_contenders", "w4_workload", "w5_workload"]


@dataclasses.dataclass(frozen=True)
class GridWorkload(Workload):
    """A grid of models of one architecture: learning rates x L2 strengths."""

    learning_rates: tuple[float, ...] = ()
    l2s: tuple[float, ...] = ()

    @property
    def n_models(self) -> int:
        return len(self.learning_rates) * len(self.l2s)

    def as_dict(self) -> dict[str, Any]:
        grid = {"n_models": self.n_models, "learning_rates": list(self.learning_rates)}
        return {**super().as_dict(), **grid, "l2s": list(self.l2s)}


def _grid(side: int, lr_range: tuple[float, float], l2_max: float) -> tuple[tuple, tuple]:
    lrs = tuple(float(v) for v in np.logspace(*np.log10(lr_range), side))
    l2s = (
        0.0,
        *(float(v) for v in np.logspace(np.log10(l2_max) - (side - 2), np.log10(l2_max), side - 1)),
    )
    return lrs, l2s


def w4_workload(side: int = 10, epochs: int = 100) -> GridWorkload:
    """W4: standardized Iris, 4 -> 8 sigmoid -> 3 softmax, batch 10, ``side`` x ``side`` models."""
    from sklearn.datasets import load_iris

    data = load_iris()
    X = np.asarray(data.data, dtype=np.float64)
    X = (X - X.mean(axis=0)) / X.std(axis=0)
    y = np.asarray(data.target, dtype=np.int64)
    lrs, l2s = _grid(side, (1e-3, 1e-1), 1e-2)
    return GridWorkload(
        name="w4_iris_grid",
        description=f"Iris 150x4 -> 8 sigmoid -> 3 softmax, Momentum 0.9, batch 10, "
        f"{side} learning rates x {side} L2 = {side * side} models",
        X=X, y=y, Y=np.eye(3)[y], hidden=(8,), activation="sigmoid", batch_size=10,
        epochs=epochs, learning_rates=lrs, l2s=l2s,
    )  # fmt: skip


def w5_workload(side: int = 5, epochs: int = 20) -> GridWorkload:
    """W5: digits (1,347 training rows of 64 pixels / 16), 64 -> 32 relu -> 10 softmax, batch 32."""
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    X, y = load_digits(return_X_y=True)
    X_train, _, y_train, _ = train_test_split(X / 16.0, y, test_size=0.25, random_state=0)
    lrs, l2s = _grid(side, (1e-3, 1e-1), 1e-3)
    return GridWorkload(
        name="w5_digits_grid",
        description=f"digits {len(X_train)}x64 -> 32 relu -> 10 softmax, Momentum 0.9, "
        f"batch 32, {side} x {side} = {side * side} models",
        X=np.ascontiguousarray(X_train), y=y_train.astype(np.int64), Y=np.eye(10)[y_train],
        hidden=(32,), activation="relu", batch_size=32, epochs=epochs, learning_rates=lrs,
        l2s=l2s,
    )  # fmt: skip


def _network(w: GridWorkload, seed: int, l2: float = 0.0) -> NeuralNetwork:
    return NeuralNetwork(
        w.X.shape[1],
        [*w.hidden, w.Y.shape[1]],
        [w.activation] * len(w.hidden) + ["softmax"],
        cost_fun="cross_entropy",
        l2=l2,
        init="glorot",
        seed=seed,
    )


# ----------------------------------------------------------------------------- contenders
def nnet_sweep(w: GridWorkload, seed: int, n_jobs: int = 1, **kwargs: Any) -> Any:
    """One ``sweep`` call over the grid (``kwargs``: more of its arguments)."""
    grid = {"learning_rate": list(w.learning_rates), "l2": list(w.l2s)}

    def run() -> float:
        study = sweep(_network(w, seed), Momentum(momentum=w.momentum), w.X, w.Y, grid,
                      epochs=w.epochs, batch_size=w.batch_size, seed=seed,
                      n_jobs=n_jobs, **kwargs)  # fmt: skip
        assert len(study) == w.n_models
        return float(np.mean([h.train_loss[-1] for h in study.histories]))

    return run


def nnet_sweep_2_jobs(w: GridWorkload, seed: int) -> Any:
    """One ``sweep`` call with ``n_jobs=2`` (joblib reuses its worker processes between calls)."""
    return nnet_sweep(w, seed, n_jobs=2)


def nnet_sweep_validation(w: GridWorkload, seed: int) -> Any:
    """The sweep with validation data (the training rows): every model's validation loss."""
    return nnet_sweep(w, seed, validation_data=(w.X, w.Y))


def nnet_sweep_accuracy(w: GridWorkload, seed: int) -> Any:
    """The sweep with validation data and ``metrics=["accuracy"]``: every model's accuracy
    on the training and the validation data, every epoch, besides the losses (issue 22)."""
    return nnet_sweep(w, seed, validation_data=(w.X, w.Y), metrics=["accuracy"])


def nnet_train_loop(w: GridWorkload, seed: int) -> Any:
    """A loop of lone ``train`` calls, one new network and optimizer per model."""

    def run() -> float:
        losses = []
        for lr, l2 in itertools.product(w.learning_rates, w.l2s):
            net = _network(w, seed, l2)
            history = train(net, Momentum(lr, w.momentum), w.X, w.Y, epochs=w.epochs,
                            batch_size=w.batch_size, seed=seed)  # fmt: skip
            losses.append(history.train_loss[-1])
        return float(np.mean(losses))

    return run


def sklearn_loop(w: GridWorkload, seed: int) -> Any:
    """One ``MLPClassifier(solver="sgd")`` fit per model, exactly ``epochs`` epochs each."""
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPClassifier

    def run() -> float:
        losses = []
        for lr, l2 in itertools.product(w.learning_rates, w.l2s):
            clf = MLPClassifier(
                hidden_layer_sizes=w.hidden, activation="logistic" if w.activation == "sigmoid"
                else w.activation, solver="sgd", alpha=l2, batch_size=w.batch_size,
                learning_rate="constant", learning_rate_init=lr, max_iter=w.epochs, shuffle=True,
                random_state=seed, tol=0.0, momentum=w.momentum, nesterovs_momentum=False,
                early_stopping=False, n_iter_no_change=w.epochs + 1,
            )  # fmt: skip
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ConvergenceWarning)
                clf.fit(w.X, w.y)
            losses.append(float(clf.loss_curve_[-1]))
        return float(np.mean(losses))

    return run


def torch_batched(w: GridWorkload, seed: int) -> Any:
    """The grid hand-batched in PyTorch: a model axis, autograd, in-place momentum."""
    import torch

    K = w.n_models
    lr_l2 = list(itertools.product(w.learning_rates, w.l2s))
    eta = torch.tensor([lr for lr, _ in lr_l2], dtype=torch.float64).reshape(K, 1, 1)
    lam = torch.tensor([l2 for _, l2 in lr_l2], dtype=torch.float64).reshape(K, 1, 1)
    layers = _network(w, seed).layers
    params = []
    for W, b in layers:  # every model starts from the same weights, as in the sweep
        params.append(torch.from_numpy(np.repeat(W[None], K, axis=0)).requires_grad_())
        params.append(torch.from_numpy(np.repeat(b[None, None], K, axis=0)).requires_grad_())
    velocity = [torch.zeros_like(p) for p in params]
    act = {"relu": torch.relu, "sigmoid": torch.sigmoid}[w.activation]
    X, y = torch.from_numpy(w.X), torch.from_numpy(w.y)
    generator = torch.Generator().manual_seed(seed)
    n, size = len(w.X), w.batch_size

    def run() -> float:
        epoch_loss = torch.zeros(K, dtype=torch.float64)
        for _ in range(w.epochs):
            perm = torch.randperm(n, generator=generator)
            Xs, ys = X[perm], y[perm]
            epoch_loss.zero_()
            for start in range(0, n, size):
                xb, yb = Xs[start : start + size], ys[start : start + size]
                a = xb
                for i in range(0, len(params), 2):
                    z = torch.matmul(a, params[i]) + params[i + 1]  # (K, B, n_out)
                    a = act(z) if i + 2 < len(params) else z
                per_model = (
                    torch.nn.functional.cross_entropy(
                        a.reshape(-1, a.shape[-1]), yb.repeat(K), reduction="none"
                    )
                    .reshape(K, -1)
                    .mean(dim=1)
                )
                penalty = sum((lam * W.square()).sum() for W in params[::2])
                (per_model.sum() + penalty).backward()
                with torch.no_grad():
                    for p, v in zip(params, velocity):
                        v.mul_(w.momentum).sub_(eta * p.grad)
                        p.add_(v)
                        p.grad = None
                epoch_loss += per_model.detach() * len(xb)
        return float((epoch_loss / n).mean())

    return run


def grid_contenders(w: GridWorkload, torch_ok: bool) -> dict[str, Any]:
    """The contenders of a grid workload: all on W4, sweep and train on W5."""
    contenders: dict[str, Any] = {
        "sweep": nnet_sweep,
        "sweep_2_jobs": nnet_sweep_2_jobs,
        "train_loop": nnet_train_loop,
    }
    if w.name.startswith("w4"):
        contenders["sweep_validation"] = nnet_sweep_validation
        contenders["sweep_accuracy"] = nnet_sweep_accuracy
        contenders["sklearn"] = sklearn_loop
        if torch_ok:
            contenders["torch"] = torch_batched
    return contenders
