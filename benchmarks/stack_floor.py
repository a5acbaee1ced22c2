r"""How fast can a stacked sweep be? The NumPy floor of one stacked step, against lone training.

A sweep of K models takes one training step for all of them at once. Whatever Python
does around it, that step must run the whole-array operations of the four backprop
equations on arrays with a model axis: per layer a product, a bias addition and an
activation forward; the output's softmax, loss and delta; per layer the products for
``dW``, ``db`` and the error, and an activation backward; the L2 penalty's value and
gradient; the momentum update. The first layer's bias rides in its products, as in
nnet: the batch carries a column of ones, ``[W; b]`` is one matrix. This script times
each of those operations **alone** (NumPy and the library's own kernels, on buffers of
the stack's shapes, minimum of repeats), adds them up, and compares the sum with the
measured time of training one model by :func:`nnet.train`. The best possible speed-up
of a sweep over K lone trainings is

.. math:: \text{bound} = \frac{K \, T_{\text{lone}}}{S \, F_K},

with :math:`S` the steps of one training and :math:`F_K` the floor of one stacked
step: no sweep written with these NumPy operations can beat it, however little Python
runs between them. Run from the repository root::

    python benchmarks/stack_floor.py           # W4 and W5 at the sizes of issue 10
    python benchmarks/stack_floor.py --quick   # a smoke run (tests/test_benchmarks_smoke.py)
"""

from __future__ import annotations

import argparse
import itertools
import sys
import time
import timeit
from collections.abc import Callable
from typing import Any

import numpy as np
from sweeps import GridWorkload, _network, w4_workload, w5_workload

from nnet import train
from nnet.optimizers import Momentum

Op = tuple[str, Callable[[], Any]]
TARGETS = {"w4_iris_grid": 30.0, "w5_digits_grid": 3.0}  # issue 10's bars: sweep vs loop


def stacked_step_ops(w: GridWorkload, n_models: int) -> list[Op]:
    """The whole-array operations of one training step of ``n_models`` stacked models."""
    rng = np.random.default_rng(0)
    sizes, n, K = w.sizes, w.batch_size, n_models
    n_params = sum(i * o + o for i, o in itertools.pairwise(sizes))
    X, Y = w.X, w.Y
    rows = rng.permutation(len(X))[:n]
    Ws = [rng.normal(0, 0.3, (K, i, o)) for i, o in itertools.pairwise(sizes)]
    bs = [rng.normal(0, 0.3, (K, 1, o)) for o in sizes[1:]]
    zs = [np.empty((K, n, o)) for o in sizes[1:]]
    # The first layer's bias rides in its product: [X, 1] @ [W; b] (nnet's column of ones).
    a0 = np.column_stack([X[rows], np.ones(n)])
    block0 = np.concatenate([Ws[0], bs[0]], axis=1)
    ops: list[Op] = [("gather the batch (X, Y)", lambda: (X.take(rows, 0), Y.take(rows, 0)))]
    ops.append(("z0 = [X, 1] @ [W; b]", lambda: np.matmul(a0, block0, out=zs[0])))
    for layer, (W, b, z) in enumerate(zip(Ws, bs, zs)):
        if layer == 0:
            continue
        a = zs[layer - 1]
        ops.append((f"z{layer} = a @ W", lambda a=a, W=W, z=z: np.matmul(a, W, out=z)))
        ops.append((f"z{layer} += b", lambda z=z, b=b: np.add(z, b, out=z)))
    # Activations read inputs of their own (unit normal, as after a good initializer):
    # the timed ``z += b`` above drifts ``zs``, and saturated or subnormal values would
    # time NumPy's slow paths instead of training's.
    z_hidden, a_hidden = rng.normal(size=zs[0].shape), np.empty_like(zs[0])
    if w.activation == "sigmoid":  # as nnet's kernel for arrays this large: SIMD exp
        ops.append(("sigmoid 1 / (1 + exp(-z))", lambda: _sigmoid(z_hidden, a_hidden)))
    else:
        ops.append(("relu", lambda: np.maximum(z_hidden, 0.0, out=a_hidden)))
    z_out = np.empty_like(zs[-1])
    ops += _softmax_cross_entropy_ops(z_out, Y[rows])
    delta = rng.normal(size=z_out.shape)
    error = rng.normal(size=zs[0].shape)
    ones = np.ones((1, n))
    grads = [(np.empty_like(W), np.empty_like(b)) for W, b in zip(Ws, bs)]
    grad_block0 = np.empty_like(block0)
    Wt = np.empty((K, sizes[2], sizes[1]))
    ops += [
        ("dW1 = a1.T @ delta", lambda: np.matmul(a_hidden.swapaxes(1, 2), delta, out=grads[1][0])),
        ("db1 = 1 @ delta", lambda: np.matmul(ones, delta, out=grads[1][1])),
        ("W1.T (copy)", lambda: np.copyto(Wt, Ws[1].swapaxes(1, 2))),
        ("error = delta @ W1.T", lambda: np.matmul(delta, Wt, out=error)),
        ("activation backward", lambda: _activation_backward(w.activation, a_hidden, error)),
        ("[dW0; db0] = [X, 1].T @ delta0", lambda: np.matmul(a0.T, error, out=grad_block0)),
    ]
    theta, grad, velocity = (rng.normal(size=(K, n_params)) for _ in range(3))
    mask = (rng.random(n_params) < 0.9).astype(float)
    l2, rate = rng.random((K, 1)) * 1e-3, rng.random((K, 1)) * 1e-2
    coefficient = 2 * l2 * rate * mask  # laid out once: the least a step can do
    ops += [
        ("L2 value: (theta^2) @ mask", lambda: (theta * theta) @ mask),
        ("L2 gradient: grad += c theta mask", lambda: np.add(grad, theta * coefficient, out=grad)),
        ("momentum: v = mu v - g", lambda: np.subtract(velocity * 0.9, grad, out=velocity)),
        ("theta += v", lambda: np.add(theta, velocity, out=theta)),
    ]  # fmt: skip
    return ops


def _softmax_cross_entropy_ops(z: np.ndarray, T: np.ndarray) -> list[Op]:
    """Softmax (row maxima, shift, exp, row sums, divide), the loss and the fused delta.

    Each operation reads fixed inputs and writes another buffer, so that repeating
    it (to time it) never drifts into overflow or NaN, whose arithmetic is slower.
    """
    rng = np.random.default_rng(1)
    z[...] = rng.normal(size=z.shape)
    shifted, p = np.empty_like(z), np.empty_like(z)
    maxima, sums = np.empty((*z.shape[:-1], 1)), np.empty((*z.shape[:-1], 1))
    ones = np.ones((z.shape[-1], 1))

    def row_maxima() -> None:  # pairwise over a few columns: faster than a reduction
        np.maximum(z[..., :1], z[..., 1:2], out=maxima)
        for column in range(2, z.shape[-1]):
            np.maximum(maxima, z[..., column : column + 1], out=maxima)

    row_maxima()
    np.subtract(z, maxima, out=shifted)
    np.exp(shifted, out=p)
    np.matmul(p, ones, out=sums)
    p /= sums
    return [
        ("softmax: row maxima", row_maxima),
        ("softmax: z - max", lambda: np.subtract(z, maxima, out=shifted)),
        ("softmax: exp", lambda: np.exp(shifted, out=z)),
        ("softmax: row sums", lambda: np.matmul(p, ones, out=sums)),
        ("softmax: divide by sums", lambda: np.divide(p, sums, out=shifted)),
        ("cross-entropy: log", lambda: np.log(p)),
        ("cross-entropy: sum t log p", lambda: np.einsum("kij,ij->k", p, T)),
        ("delta = (p - t) * eta / n", lambda: np.subtract(p, T) * 0.1),
    ]


def _sigmoid(z: np.ndarray, out: np.ndarray) -> np.ndarray:
    """The sigmoid as nnet computes it from a thousand elements on (faster than ``expit``)."""
    np.negative(z, out=out)
    np.exp(out, out=out)
    out += 1.0
    return np.reciprocal(out, out=out)


def _activation_backward(name: str, a: np.ndarray, grad: np.ndarray) -> np.ndarray:
    """The activation's backward pass into a new array (``grad`` stays as it was)."""
    if name == "sigmoid":
        out = grad * a
        out *= 1.0 - a
        return out
    return grad * (a > 0)


def op_time(fn: Callable[[], Any], repeats: int) -> float:
    """Seconds per call: the minimum over ``repeats`` timings of a batch of calls."""
    number = 200
    return min(timeit.repeat(fn, number=number, repeat=repeats)) / number


def lone_training_time(w: GridWorkload, repeats: int) -> float:
    """Seconds of one ``train`` of one model of the grid, averaged over the grid's diagonal.

    The cells (learning rate i, L2 strength i) cover every learning rate and every
    penalty, with and without L2; each cell's time is the minimum of ``repeats``.
    """
    cells = []
    for lr, l2 in zip(w.learning_rates, w.l2s, strict=True):
        times = []
        for _ in range(repeats):
            net, opt = _network(w, 0, l2), Momentum(lr, w.momentum)
            start = time.perf_counter()
            train(net, opt, w.X, w.Y, epochs=w.epochs, batch_size=w.batch_size, seed=0)
            times.append(time.perf_counter() - start)
        cells.append(min(times))
    return sum(cells) / len(cells)


def report(w: GridWorkload, repeats: int) -> dict[str, float]:
    """Print the floor of ``w``'s stacked step and the bound it puts on a sweep's speed-up."""
    ops = stacked_step_ops(w, w.n_models)
    times = {name: op_time(fn, repeats) for name, fn in ops}
    floor = sum(times.values())
    lone = lone_training_time(w, repeats)
    steps = w.steps_per_epoch * w.epochs
    bound = w.n_models * lone / (steps * floor)
    print(f"\n{w.name}: {w.description}")
    for name, seconds in times.items():
        print(f"  {name:<36s} {seconds * 1e6:8.1f} us")
    print(f"  floor of one stacked step ({w.n_models} models)  {floor * 1e6:8.1f} us")
    print(f"  one lone train ({steps} steps, mean)    {lone * 1e3:8.1f} ms")
    target = TARGETS.get(w.name)
    verdict = "" if target is None else f" (issue 10's bar: {target:g}x)"
    print(f"  best possible sweep speed-up          {bound:8.1f} x{verdict}")
    return {"floor_us": floor * 1e6, "lone_ms": lone * 1e3, "bound": bound}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="small grids, few repeats (smoke)")
    args = parser.parse_args(argv)
    if args.quick:
        workloads, repeats = [w4_workload(side=3, epochs=2), w5_workload(side=2, epochs=1)], 2
    else:
        workloads, repeats = [w4_workload(), w5_workload()], 5
    for w in workloads:
        report(w, repeats)
    return 0


if __name__ == "__main__":
    sys.exit(main())
