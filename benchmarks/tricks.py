"""Does each speed trick of the training step still earn its place (issue 21, item 7)?

A trick stays only if it makes a workload of ``benchmarks/`` at least 10 % faster. This script
switches each trick off in turn, rebinding a plain NumPy stand-in in its place in this
process, and times the workloads it serves interleaved with the code as it is: the report
gives, per trick and workload, the median over rounds of the per-round ratio plain / as is
(1.10 means the trick makes the workload 10 % faster). The final losses of both runs must
agree to 1e-9, so a stand-in that stopped doing the trick's job fails loudly. Run from the
repository root::

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python benchmarks/tricks.py --rounds 9

A function imported into several modules is rebound in every one of them (the first audit
rebound it in one module only and so timed nothing, which made four tricks look worthless).
"""

from __future__ import annotations

import argparse
import inspect
import math
import statistics
import sys
import textwrap
import time
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

Undo = Callable[[], None]


def rebind(name: str, stand_in: Callable[..., Any]) -> Undo:
    """Rebind the nnet function ``name`` to ``stand_in`` in every nnet module holding it."""
    modules = [m for key, m in sys.modules.items() if key.split(".")[0] == "nnet"]
    original = next(vars(m)[name] for m in modules if callable(vars(m).get(name)))
    holders = [m for m in modules if vars(m).get(name) is original]
    for module in holders:
        setattr(module, name, stand_in)

    def undo() -> None:
        for module in holders:
            setattr(module, name, original)

    return undo


def undo_all(undos: list[Undo]) -> Undo:
    """One undo for several."""

    def undo() -> None:
        for each in undos:
            each()

    return undo


def replace_method(cls: type, method: str, stand_in: Callable[..., Any]) -> Undo:
    """Replace ``cls.method`` by ``stand_in``."""
    original = vars(cls)[method]
    setattr(cls, method, stand_in)
    return lambda: setattr(cls, method, original)


def edited_method(cls: type, method: str, old: str, new: str) -> Undo:
    """Replace ``cls.method`` by its own source with ``old`` edited to ``new``."""
    source = textwrap.dedent(inspect.getsource(vars(cls)[method]))
    if old not in source:
        raise RuntimeError(f"{cls.__name__}.{method} no longer holds {old!r}: update this script")
    namespace: dict[str, Any] = {}
    exec(source.replace(old, new), vars(sys.modules[cls.__module__]), namespace)
    return replace_method(cls, method, namespace[method])


# ----------------------------------------------------------------------------- the stand-ins
def _plain_reductions() -> Undo:
    def model_dot(x: np.ndarray, y: np.ndarray) -> Any:
        if x.ndim == 2 and y.ndim == 2:
            return float(np.vdot(x, y))
        product = x * y
        return np.add.reduce(product.reshape(len(product), -1), axis=1)

    def model_sum(x: np.ndarray) -> Any:
        if x.ndim == 2:
            return float(np.add.reduce(x.ravel()))
        return np.add.reduce(x.reshape(len(x), -1), axis=1)

    return undo_all([
        rebind("row_sums", lambda x: np.add.reduce(x, axis=-1, keepdims=True)),
        rebind("row_maxima", lambda x: np.maximum.reduce(x, axis=-1, keepdims=True)),
        rebind("model_sum", model_sum),
        rebind("model_dot", model_dot),
        rebind("rows_dot", lambda x, y: np.add.reduce(x * y, axis=1)),
    ])  # fmt: skip


def _plain_bias_gradient() -> Undo:
    from nnet.network import Backprop

    return edited_method(
        Backprop, "loss_and_gradient", "np.matmul(ones, delta, out=db)",
        "np.add.reduce(delta, axis=-2, keepdims=True, out=db)",
    )  # fmt: skip


def _general_output_delta() -> Undo:
    import nnet.training

    original = nnet.training.rows_sum_to_one
    nnet.training.rows_sum_to_one = lambda Y: False
    return lambda: setattr(nnet.training, "rows_sum_to_one", original)


def _batch_by_batch() -> Undo:
    from nnet.training import Batches

    def batches(self: Any) -> Iterator[tuple[Any, Any, Any]]:
        order = None if self.order is None else self.order.permutation(self.n)
        for first in range(0, self.n, self.size):
            last = first + self.size
            rows = slice(first, last) if order is None else order[first:last]
            xb, yb, *wb = (array[rows] for array in self.arrays)
            yield xb, yb, (wb[0] if wb else None)

    return replace_method(Batches, "__iter__", batches)


def _append_every_epoch() -> Undo:
    from nnet.callbacks import call_callbacks
    from nnet.training import Engine

    def record(self: Any, epoch: int, logs: Any, rates: Any, patience: Any, seconds: float) -> None:
        active = self.active.copy()
        current = logs[self.histories[0].monitor]
        improved = active & ((self.best_epoch < 0) | (current < self.best))
        self.epochs_run += active
        np.copyto(self.best, current, where=improved)
        np.copyto(self.best_epoch, epoch, where=improved)
        for k in np.flatnonzero(active):
            history = self.histories[k]
            for key, values in logs.items():
                curve = (
                    getattr(history, key)
                    if key in ("train_loss", "val_loss")
                    else history.metrics.setdefault(key, [])
                )
                curve.append(float(values[k]))
            history.epoch_time.append(seconds)
            if rates is not None:
                history.learning_rate.append(float(rates[k % len(rates)]))
            history.best_epoch = None if self.best_epoch[k] < 0 else int(self.best_epoch[k])
        keep = active if patience is None else improved
        self.store.save(self.saved, keep)
        self.saved_epoch[keep] = epoch
        if self.callbacks and call_callbacks(self.callbacks, epoch, self.histories[0], self.net):
            self._stop(active, "callback")
        if patience is not None:
            waited = epoch - np.maximum(self.best_epoch, 0)
            self._stop(active & (waited >= patience), "early_stopping")

    def fill(self: Any) -> None:  # the histories are filled as each epoch ends
        for k, history in enumerate(self.histories):
            history.best_epoch = None if self.best_epoch[k] < 0 else int(self.best_epoch[k])

    record_undo = replace_method(Engine, "_record", record)
    return undo_all([record_undo, replace_method(Engine, "_fill", fill)])


@dataclass(frozen=True)
class Trick:
    """A trick: where it is, the workloads it serves, and how to switch it off."""

    where: str
    workloads: tuple[str, ...]
    switch_off: Callable[[], Undo]


TRICKS = {
    "reductions without NumPy's row-by-row reduction": Trick(
        "nnet.activations (row_sums, row_maxima, model_sum, model_dot, rows_dot)",
        ("W4 sweep", "W5 sweep"), _plain_reductions,
    ),
    "bias gradient as ones @ delta": Trick(
        "nnet.network.Backprop.loss_and_gradient", ("W4 sweep",), _plain_bias_gradient
    ),
    "output delta of rows that sum to one": Trick(
        "nnet.training.rows_sum_to_one", ("seed (W1)",), _general_output_delta
    ),
    "shuffled rows gathered many batches at a time": Trick(
        "nnet.training.Batches.__iter__", ("seed (W1)",), _batch_by_batch
    ),
    "sweep histories filled from per-epoch arrays": Trick(
        "nnet.training.Engine._fill", ("W4 sweep",), _append_every_epoch
    ),
}  # fmt: skip
"""Name -> the trick; each keeps its place by at least 10 % on one of its workloads."""


def audit(prepare: dict[str, Callable[[], Any]], rounds: int) -> dict[str, dict[str, float]]:
    """Per trick and workload, the median ratio plain / as is over ``rounds`` rounds."""
    ratios: dict[str, dict[str, list[float]]] = {
        name: {w: [] for w in trick.workloads} for name, trick in TRICKS.items()
    }
    for r in range(rounds):
        for name, trick in TRICKS.items():
            for workload in trick.workloads:
                seconds, losses = {}, {}
                for plain in (False, True) if r % 2 == 0 else (True, False):
                    undo = trick.switch_off() if plain else (lambda: None)
                    try:
                        run = prepare[workload]()
                        start = time.perf_counter()
                        losses[plain] = run()
                        seconds[plain] = time.perf_counter() - start
                    finally:
                        undo()
                if not math.isclose(losses[True], losses[False], rel_tol=1e-9):
                    raise AssertionError(f"{name} on {workload}: final losses {losses} differ")
                ratios[name][workload].append(seconds[True] / seconds[False])
        print(f"round {r + 1} of {rounds}", file=sys.stderr)
    return {n: {w: statistics.median(v) for w, v in ws.items()} for n, ws in ratios.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=9)
    parser.add_argument("--quick", action="store_true", help="small sizes, for a smoke run")
    args = parser.parse_args()
    warnings.simplefilter("ignore")  # the short runs' training-health warnings
    from ab import workloads

    prepare = workloads(args.quick)
    for workload in {w for trick in TRICKS.values() for w in trick.workloads}:
        prepare[workload]()()  # warm up
    results = audit(prepare, args.rounds)
    print("| trick | where | workload | plain / as is | earns its place |")
    print("|---|---|---|---|---|")
    for name, trick in TRICKS.items():
        for workload, ratio in results[name].items():
            verdict = "yes" if ratio >= 1.10 else "no"
            print(f"| {name} | {trick.where} | {workload} | {ratio:.3f} | {verdict} |")


if __name__ == "__main__":
    main()
