"""A/B of two checkouts of nnet on the workloads a change of the code must not slow down.

Run from the repository root, with the checkout you started from beside it::

    git worktree add ../base <commit>
    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python benchmarks/ab.py ../base . --rounds 5

Each round runs one child process per checkout, in alternating order, and each child times
every workload (the median of ``--repeats`` calls after one warm-up). The report gives, per
workload, the median over rounds of each checkout's time and of the per-round ratio B / A:
ratios taken side by side in one round cancel most of a shared machine's drift. The
workloads are the ones the redesign (issue 21) must keep: the seed network (W1, Iris), W2 in
float64 and float32, the W4 and W5 sweeps and the digits estimator. The benchmark code is
this checkout's for both sides; only ``nnet`` comes from each checkout (``PYTHONPATH``).
"""

from __future__ import annotations

import argparse
import json
import os
import pathlib
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from typing import Any

HERE = pathlib.Path(__file__).resolve().parent


def workloads(quick: bool) -> dict[str, Callable[[], Any]]:
    """Name -> ``run`` (built untimed, as ``bench.py``'s contenders are)."""
    import numpy as np
    from contenders import available_contenders
    from estimators_bench import ESTIMATOR_CONTENDERS, digits_workload
    from sweeps import nnet_sweep, w4_workload, w5_workload
    from workloads import iris_workload, mnist_workload

    nnet_train = available_contenders()[0]["nnet"]
    estimator = ESTIMATOR_CONTENDERS["digits_adam"]["nnet_estimator"]
    n, epochs = (2_000, 1) if quick else (20_000, 2)
    iris, digits = iris_workload(), digits_workload()
    w2 = {dtype: mnist_workload(dtype, n, epochs) for dtype in (np.float64, np.float32)}
    w4, w5 = w4_workload(), w5_workload()
    runs = {
        "seed (W1)": lambda: nnet_train(iris, 0),
        "W2 float64": lambda: nnet_train(w2[np.float64], 0),
        "W2 float32": lambda: nnet_train(w2[np.float32], 0),
        "W4 sweep": lambda: nnet_sweep(w4, 0),
        "W5 sweep": lambda: nnet_sweep(w5, 0),
        "digits estimator": lambda: estimator(digits, 0),
    }
    return runs


def child(repeats: int, quick: bool) -> None:
    """Time every workload with the ``nnet`` on ``sys.path``; print ``{name: seconds}``."""
    times = {}
    for name, prepare in workloads(quick).items():
        samples = []
        for _ in range(repeats + 1):  # the first call warms up
            run = prepare()
            start = time.perf_counter()
            run()
            samples.append(time.perf_counter() - start)
        times[name] = statistics.median(samples[1:])
    print(json.dumps(times))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("a", help="checkout A (the commit you started from)")
    parser.add_argument("b", help="checkout B (your change)")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="small sizes, for a smoke run")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.repeats, args.quick)
        return
    sides = {"A": pathlib.Path(args.a).resolve(), "B": pathlib.Path(args.b).resolve()}
    results: dict[str, list[dict[str, float]]] = {"A": [], "B": []}
    for r in range(args.rounds):
        for side in ("A", "B") if r % 2 == 0 else ("B", "A"):
            env = {**os.environ, "PYTHONPATH": f"{sides[side]}{os.pathsep}{HERE}"}
            cmd = [sys.executable, __file__, "x", "x", "--child", "--repeats", str(args.repeats)]
            out = subprocess.run(cmd + ["--quick"] * args.quick, env=env, check=True,
                                 capture_output=True, text=True).stdout  # fmt: skip
            results[side].append(json.loads(out.strip().splitlines()[-1]))
            print(f"round {r + 1} {side}: {results[side][-1]}", file=sys.stderr)
    print(f"| workload | A: {sides['A'].name} (s) | B: {sides['B'].name} (s) | B / A |")
    print("|---|---|---|---|")
    for name in results["A"][0]:
        a = [run[name] for run in results["A"]]
        b = [run[name] for run in results["B"]]
        ratio = statistics.median(y / x for x, y in zip(a, b, strict=True))
        print(f"| {name} | {statistics.median(a):.4f} | {statistics.median(b):.4f} | "
              f"{ratio:.3f} |")  # fmt: skip


if __name__ == "__main__":
    main()
