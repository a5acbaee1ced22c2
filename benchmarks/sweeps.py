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

Issue 25, the kernel sets (:mod:`nnet.kernels`), in the same process and interleaved:

* ``sweep`` runs the NumPy kernels (the reference) and ``sweep_numba`` the compiled ones
  (when numba is installed), switched with :func:`nnet.kernels.use_kernels` for the call;
* ``jax`` (optional, like PyTorch): ``jit(vmap(scan))`` of the same grid, the same
  architecture, initial weights, Momentum 0.9, L2 per model, batch size, epochs and batches
  per epoch (its own shuffling; the last, shorter batch padded and masked). Compiled when
  prepared: the time is the training's alone;
* ``start_numpy``, ``start_numba_cold`` and ``start_numba_warm`` (W4, with numba): a new
  Python process that imports nnet and runs one epoch of a 2-model grid with the NumPy
  kernels, with the compiled ones and an empty numba cache (they compile), and with the
  cache that run left (they load). The differences to ``start_numpy`` are the start-up
  costs of the compiled kernels.

``python benchmarks/sweeps.py`` times the kernel sets on W4 and W5 (and JAX), interleaved,
and prints the ratios and the start-up times (``--repeats``, ``--quick``).
"""

from __future__ import annotations

import argparse
import dataclasses
import importlib.util
import itertools
import os
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path
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
def _use_kernels(name: str) -> str:
    """``nnet.kernels.use_kernels``; with a checkout from before it (``ab.py``'s base), the
    NumPy kernels only, which it always ran."""
    try:
        from nnet.kernels import use_kernels
    except ImportError:
        if name != "numpy":
            raise
        return "numpy"
    return use_kernels(name)


def nnet_sweep(
    w: GridWorkload, seed: int, n_jobs: int = 1, kernel_set: str = "numpy", **kwargs: Any
) -> Any:
    """One ``sweep`` call over the grid with ``kernel_set`` (``kwargs``: more of its arguments)."""
    grid = {"learning_rate": list(w.learning_rates), "l2": list(w.l2s)}

    def run() -> float:
        previous = _use_kernels(kernel_set)
        try:
            study = sweep(_network(w, seed), Momentum(momentum=w.momentum), w.X, w.Y, grid,
                          epochs=w.epochs, batch_size=w.batch_size, seed=seed,
                          n_jobs=n_jobs, **kwargs)  # fmt: skip
        finally:
            _use_kernels(previous)
        assert len(study) == w.n_models
        return float(np.mean([h.train_loss[-1] for h in study.histories]))

    return run


def nnet_sweep_numba(w: GridWorkload, seed: int) -> Any:
    """The sweep through the compiled kernels (issue 25)."""
    return nnet_sweep(w, seed, kernel_set="numba")


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


def jax_vmap_scan(w: GridWorkload, seed: int) -> Any:
    """The grid in JAX: ``jit(vmap(scan))``, one compiled program for every model and step.

    Each model starts from the sweep's initial weights; the batches (the same for every
    model, drawn with NumPy from ``seed``) are index arrays, the last one padded and masked
    so that every step has one shape. Compiled here, not in the timed ``run``.
    """
    import jax
    import jax.numpy as jnp

    jax.config.update("jax_enable_x64", True)
    n, size = len(w.X), w.batch_size
    steps = -(-n // size)
    rng = np.random.default_rng(seed)
    order = np.stack([rng.permutation(n) for _ in range(w.epochs)])  # (epochs, n)
    padded = np.zeros((w.epochs, steps * size), np.int64)
    padded[:, :n] = order
    mask = np.zeros(steps * size)
    mask[:n] = 1.0
    index = jnp.asarray(padded.reshape(w.epochs * steps, size))
    weight = jnp.asarray(np.tile(mask.reshape(steps, size), (w.epochs, 1)))
    lr_l2 = list(itertools.product(w.learning_rates, w.l2s))
    eta = jnp.asarray([lr for lr, _ in lr_l2])
    lam = jnp.asarray([l2 for _, l2 in lr_l2])
    init = [jnp.asarray(a) for pair in _network(w, seed).layers for a in pair]
    X, Y, mu = jnp.asarray(w.X), jnp.asarray(w.Y), w.momentum
    hidden = {"sigmoid": jax.nn.sigmoid, "relu": jax.nn.relu}[w.activation]

    def loss(params: list[Any], rows: Any, kept: Any, l2: Any) -> Any:
        a = X[rows]
        for i in range(0, len(params) - 2, 2):
            a = hidden(a @ params[i] + params[i + 1])
        logits = a @ params[-2] + params[-1]
        per_row = -(Y[rows] * jax.nn.log_softmax(logits)).sum(axis=1)
        data = (per_row * kept).sum() / kept.sum()
        return data + l2 * sum((W * W).sum() for W in params[::2])

    def train_one(lr: Any, l2: Any) -> Any:
        def step(carry: Any, batch: Any) -> Any:
            params, velocity = carry
            value, grads = jax.value_and_grad(loss)(params, batch[0], batch[1], l2)
            velocity = [mu * v - lr * g for v, g in zip(velocity, grads)]
            params = [p + v for p, v in zip(params, velocity)]
            return (params, velocity), value * batch[1].sum()

        start = (init, [jnp.zeros_like(p) for p in init])
        _, weighted = jax.lax.scan(step, start, (index, weight))
        return weighted[-steps:].sum() / n  # the last epoch's training loss

    compiled = jax.jit(jax.vmap(train_one)).lower(eta, lam).compile()

    def run() -> float:
        return float(compiled(eta, lam).block_until_ready().mean())

    return run


_START = """
import sys, time
started = time.perf_counter()
import numpy as np
from nnet import NeuralNetwork, kernels, sweep
from nnet.optimizers import Momentum
kernels.use_kernels(sys.argv[1])
rng = np.random.default_rng(0)
X, Y = rng.normal(size=(20, 4)), np.eye(3)[rng.integers(0, 3, 20)]
net = NeuralNetwork(4, [8, 3], [sys.argv[2], "softmax"], cost_fun="cross_entropy", seed=0)
sweep(net, Momentum(), X, Y, {"l2": [0.0, 1e-3]}, epochs=1, batch_size=10, seed=0)
print(time.perf_counter() - started)
"""


def start_up(kernel_set: str, activation: str, cache: Path | None) -> float:
    """Seconds from a new process's ``import nnet`` to the end of its first small sweep.

    ``cache``: numba's cache directory (``NUMBA_CACHE_DIR``), empty for a cold start.
    """
    env = dict(os.environ)
    if cache is not None:
        env["NUMBA_CACHE_DIR"] = str(cache)
    root = str(Path(__file__).resolve().parents[1])
    env["PYTHONPATH"] = os.pathsep.join([root, env.get("PYTHONPATH", "")])
    out = subprocess.run(
        [sys.executable, "-c", _START, kernel_set, activation],
        env=env, capture_output=True, text=True, check=True,
    )  # fmt: skip
    return float(out.stdout.strip().splitlines()[-1])


def start_numpy(w: GridWorkload, seed: int) -> Any:
    """A new process's import and first sweep with the NumPy kernels (the baseline)."""
    return lambda: start_up("numpy", w.activation, None) and None


def start_numba_cold(w: GridWorkload, seed: int) -> Any:
    """The same with the compiled kernels and an empty numba cache: they are compiled."""

    def run() -> None:
        with tempfile.TemporaryDirectory() as cache:
            start_up("numba", w.activation, Path(cache))

    return run


def start_numba_warm(w: GridWorkload, seed: int) -> Any:
    """The same with a numba cache that a first run filled: the kernels are loaded."""
    cache = Path(tempfile.mkdtemp(prefix="nnet-numba-cache-"))
    start_up("numba", w.activation, cache)  # fills it (untimed)
    return lambda: start_up("numba", w.activation, cache) and None


def optional_grid_contenders() -> tuple[list[str], dict[str, str]]:
    """Which of the optional kernel contenders can run here, and a note for each one not."""
    available, skipped = [], {}
    for module, names, note in (
        ("numba", ["sweep_numba"], 'numba is not installed (pip install -e ".[fast]")'),
        ("jax", ["jax"], "JAX is not installed (optional: pip install jax jaxlib)"),
    ):
        if importlib.util.find_spec(module) is not None:
            available += names
        else:
            skipped.update(dict.fromkeys(names, note))
    return available, skipped


def grid_contenders(w: GridWorkload, torch_ok: bool) -> dict[str, Any]:
    """The contenders of a grid workload: all on W4, sweep and train on W5; the kernel sets
    and JAX on both when installed."""
    contenders: dict[str, Any] = {
        "sweep": nnet_sweep,
        "sweep_2_jobs": nnet_sweep_2_jobs,
        "train_loop": nnet_train_loop,
    }
    available, _ = optional_grid_contenders()
    if "sweep_numba" in available:
        contenders["sweep_numba"] = nnet_sweep_numba
    if "jax" in available:
        contenders["jax"] = jax_vmap_scan
    if w.name.startswith("w4"):
        contenders["sweep_validation"] = nnet_sweep_validation
        contenders["sweep_accuracy"] = nnet_sweep_accuracy
        contenders["sklearn"] = sklearn_loop
        if torch_ok:
            contenders["torch"] = torch_batched
        if "sweep_numba" in available:
            contenders.update(start_numpy=start_numpy, start_numba_cold=start_numba_cold,
                              start_numba_warm=start_numba_warm)  # fmt: skip
    return contenders


# ----------------------------------------------------------------------------- issue 25
KERNEL_CONTENDERS = {"sweep": nnet_sweep, "sweep_numba": nnet_sweep_numba, "jax": jax_vmap_scan}


def time_kernel_sets(w: GridWorkload, repeats: int) -> dict[str, Any]:
    """CPU time of each kernel contender on ``w``, interleaved, one warm-up round first."""
    available, skipped = optional_grid_contenders()
    names = ["sweep", *(name for name in ("sweep_numba", "jax") if name in available)]
    times: dict[str, list[float]] = {name: [] for name in names}
    losses: dict[str, float] = {}
    for repeat in range(repeats + 1):
        for name in names:
            run = KERNEL_CONTENDERS[name](w, 0)
            start = time.process_time()
            losses[name] = run()
            if repeat:
                times[name].append(time.process_time() - start)
    return {
        "median": {name: statistics.median(t) for name, t in times.items()},
        "spread": {name: (min(t), max(t)) for name, t in times.items()},
        "final_loss": losses,
        "skipped": {k: v for k, v in skipped.items() if k in KERNEL_CONTENDERS},
    }


def main(argv: list[str] | None = None) -> int:
    """Print the kernel sets' times on W4 and W5 beside JAX's, and the start-up times."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--quick", action="store_true", help="a small grid, 2 epochs")
    args = parser.parse_args(argv)
    grids = [w4_workload(), w5_workload()]
    if args.quick:
        grids = [w4_workload(3, 2), w5_workload(2, 1)]
    for w in grids:
        result = time_kernel_sets(w, args.repeats)
        median, base = result["median"], result["median"]["sweep"]
        print(f"{w.name}: median CPU seconds of {args.repeats} interleaved repeats")
        for name, value in median.items():
            low, high = result["spread"][name]
            loss = result["final_loss"][name]
            print(f"  {name:12} {value:8.4f} s  ({low:.4f} - {high:.4f})  "
                  f"{value / base:5.3f} x numpy  final loss {loss:.15g}")  # fmt: skip
        for name, note in result["skipped"].items():
            print(f"  {name:12} skipped: {note}")
    if "sweep_numba" in optional_grid_contenders()[0]:
        act = grids[0].activation
        with tempfile.TemporaryDirectory() as cache:
            starts = {
                "numpy": [start_up("numpy", act, None) for _ in range(3)],
                "numba cold (empty cache)": [
                    start_up("numba", act, Path(tempfile.mkdtemp(dir=cache))) for _ in range(3)
                ],
            }
            warm = Path(tempfile.mkdtemp(dir=cache))
            start_up("numba", act, warm)  # fills the cache
            starts["numba warm (cached)"] = [start_up("numba", act, warm) for _ in range(3)]
        print("start-up, a new process: import nnet and a first small sweep (median of 3)")
        for name, values in starts.items():
            print(f"  {name:26} {statistics.median(values):6.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
