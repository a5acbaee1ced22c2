r"""How fast can the seed workload be? Its step's NumPy floor, with and without three tricks.

The seed workload (workload 1: Iris, 4 -> 8 sigmoid -> 3 softmax, batch 10, 100 epochs,
Momentum 0.01/0.9) takes 1,500 tiny steps, so its time is NumPy's cost per call plus the
Python around the calls. This script times, interleaved (median of repeats):

- ``train``: :func:`nnet.train` as it is;
- ``floor``: the NumPy operations of nnet's step, in order, in a plain loop and nothing
  else: the shuffled gather, ``z = a W + b`` and the sigmoid, the softmax, loss and delta,
  ``dW``, ``db`` and the error, the sigmoid's backward, Momentum's update;
- ``floor with the tricks``: the same with three tricks nnet does not use: the first
  layer's bias inside its product (a column of ones in the batch, issue 21 deleted it),
  the learning rate folded into the output delta (prescaling, deleted too), and scipy's
  ``expit`` for the sigmoid (one kernel for every size keeps a sweep's model bit-identical
  to its lone training; ``expit`` is 2-3 times slower on a stack).

Both floors start from the network's initial weights and shuffle as ``train`` does, and
the script checks that their last epoch's loss is ``train``'s: they do its work, no less.
``train - floor`` is what nnet spends around NumPy; ``floor - floor with the tricks`` is
what the three tricks save in NumPy calls. Issue 21's seed bar (``train`` within 5 % of the
code before the redesign, timed with ``benchmarks/ab.py``) leaves ``1.05 T_before -
floor`` for the former. Run from the repository root::

    python benchmarks/seed_floor.py           # 100 epochs, 9 repeats
    python benchmarks/seed_floor.py --quick   # a smoke run (tests/test_benchmarks_smoke.py)
"""

from __future__ import annotations

import argparse
import pathlib
import statistics
import sys
import time
from collections.abc import Callable

import numpy as np
from contenders import make_network
from scipy.special import expit
from workloads import Workload, iris_workload

import nnet
from nnet import train
from nnet.optimizers import Momentum

Run = Callable[[], float]  # trains from scratch, returns the last epoch's loss


def nnet_run(w: Workload) -> Run:
    """``train`` on the workload from a new network (built untimed)."""
    net, opt = make_network(w, 0), Momentum(w.learning_rate, w.momentum)
    return lambda: train(net, opt, w.X, w.Y, epochs=w.epochs, batch_size=w.batch_size,
                         seed=0).train_loss[-1]  # fmt: skip


def floor_run(w: Workload, tricks: bool) -> Run:
    """The step's NumPy operations alone (one hidden sigmoid layer), ``tricks`` or not."""
    (W0, b0), (W1, b1) = make_network(w, 0).layers
    n, size, eta, mu = len(w.X), w.batch_size, w.learning_rate, w.momentum
    assert n % size == 0 and w.hidden == (8,) and w.activation == "sigmoid"  # the seed's
    X = np.column_stack([w.X, np.ones(n)]) if tricks else w.X  # the column of ones
    top = np.vstack([W0, b0]) if tricks else W0  # [W0; b0], the bias inside the product
    sizes = [top.size, *([] if tricks else [b0.size]), W1.size, b1.size]
    vector = np.concatenate([top.ravel(), *([] if tricks else [b0]), W1.ravel(), b1])
    grad, velocity = np.zeros_like(vector), np.zeros_like(vector)
    views = np.split(vector, np.cumsum(sizes)[:-1])
    grads = np.split(grad, np.cumsum(sizes)[:-1])
    W0, W1 = views[0].reshape(top.shape), views[-2].reshape(W1.shape)
    dW0, dW1 = grads[0].reshape(top.shape), grads[-2].reshape(W1.shape)
    b0, db0 = (None, None) if tricks else (views[1][None], grads[1][None])
    b1, db1 = views[-1][None], grads[-1][None]
    Xs, Ys = np.empty_like(X), np.empty_like(w.Y)
    z0, z1, error = np.empty((size, 8)), np.empty((size, 3)), np.empty((size, 8))
    ones, ones3 = np.ones((1, size)), np.ones((3, 1))

    def run() -> float:
        nonlocal vector, velocity, z0, z1, error  # (updated in place)
        order = np.random.default_rng(0)
        for _ in range(w.epochs):
            rows, total = order.permutation(n), 0.0
            X.take(rows, axis=0, out=Xs, mode="clip")
            w.Y.take(rows, axis=0, out=Ys, mode="clip")
            for start in range(0, n, size):
                xb, yb = Xs[start : start + size], Ys[start : start + size]
                np.matmul(xb, W0, out=z0)
                if tricks:
                    expit(z0, out=z0)
                else:
                    z0 += b0
                    np.negative(z0, out=z0)
                    np.exp(z0, out=z0)
                    z0 += 1.0
                    np.divide(1.0, z0, out=z0)
                np.matmul(z0, W1, out=z1)
                z1 += b1
                z1 -= np.maximum.reduce(z1, axis=-1, keepdims=True)
                picked = float(np.vdot(z1, yb))
                np.exp(z1, out=z1)
                sums = z1 @ ones3
                z1 /= sums
                total += float(np.add.reduce(np.log(sums).ravel())) - picked  # size x the mean
                delta = z1 - yb
                if tricks:
                    delta *= eta / size  # prescaled: the learning rate rides in the gradient
                else:
                    delta /= size
                np.matmul(z0.T, delta, out=dW1)
                np.matmul(ones, delta, out=db1)
                np.matmul(delta, W1.T, out=error)
                error *= z0
                error *= 1.0 - z0
                np.matmul(xb.T, error, out=dW0)
                if not tricks:
                    np.matmul(ones, error, out=db0)
                velocity *= mu
                velocity -= grad if tricks else eta * grad
                vector += velocity
        return total / n

    return run


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="5 epochs, 2 repeats (smoke)")
    parser.add_argument("--repeats", type=int, default=9)
    args = parser.parse_args(argv)
    w = iris_workload(epochs=5 if args.quick else 100)
    contenders = {
        "train": lambda: nnet_run(w),
        "floor": lambda: floor_run(w, tricks=False),
        "floor with the tricks": lambda: floor_run(w, tricks=True),
    }
    times: dict[str, list[float]] = {name: [] for name in contenders}
    losses = {}
    for _ in range(1 + (2 if args.quick else args.repeats)):  # the first round warms up
        for name, prepare in contenders.items():
            run = prepare()
            start = time.perf_counter()
            losses[name] = run()
            times[name].append(time.perf_counter() - start)
    if not np.isclose(losses["floor"], losses["train"], rtol=1e-9, atol=0.0):
        print(f"the floor does not do train's work: {losses}", file=sys.stderr)
        return 1
    # Medians of each round's times and of each round's ratio to the floor (a shared
    # machine's drift cancels within a round).
    median = {name: statistics.median(t[1:]) for name, t in times.items()}
    ratio = {
        name: statistics.median(a / b for a, b in zip(t[1:], times["floor"][1:]))
        for name, t in times.items()
    }
    print(f"{w.name}: {w.description}, {w.epochs} epochs (median of {len(times['train']) - 1})")
    print(f"  nnet from {pathlib.Path(nnet.__file__).parent}")
    for name, seconds in median.items():
        print(f"  {name:<24s} {seconds * 1e3:8.2f} ms  {ratio[name]:5.2f} x floor  "
              f"loss {losses[name]:.6g}")  # fmt: skip
    print(f"  nnet around NumPy         {(median['train'] - median['floor']) * 1e3:8.2f} ms")
    saved = median["floor"] - median["floor with the tricks"]
    print(f"  the tricks save           {saved * 1e3:8.2f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
