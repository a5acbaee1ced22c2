"""Benchmark nnet's training against scikit-learn, PyTorch and the GEMM floor (issue 5).

Run from the repository root, with OpenBLAS' core-type overrides unset for this
command only (see benchmarks/README.md)::

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python benchmarks/bench.py          # full
    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python benchmarks/bench.py --quick  # CI smoke

Contenders run in one process, interleaved (for each repeat, each contender in
turn), after a warm-up round; each time is ``time.perf_counter`` around one
training call, and the report gives the median of the repeats. Nothing here
asserts on time: the targets are printed as PASS/MISS for information.
"""

from __future__ import annotations

import argparse
import cProfile
import dataclasses
import datetime
import gc
import json
import os
import platform
import pstats
import statistics
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path
from typing import Any

import numpy as np
from contenders import GRADIENT_CONTENDERS, Prepare, available_contenders, make_network, torch_info
from estimators_bench import ESTIMATOR_CONTENDERS, estimator_workloads
from quiet import QUIET, SLOW, Canary, cpu_sample, others_share
from report import evaluate_targets, markdown, replace_block
from sweeps import grid_contenders, optional_grid_contenders, w4_workload, w5_workload
from workloads import Workload, iris_workload, mnist_workload

HERE = Path(__file__).resolve().parent
README = HERE / "README.md"
README_START, README_END = "<!-- results:start -->", "<!-- results:end -->"
CANARY = Canary()  # one for the whole run: it remembers the fastest canary


@dataclasses.dataclass(frozen=True)
class Settings:
    """How big each workload is and how often it is timed."""

    iris_epochs: int
    mnist_samples: int
    mnist_epochs: int
    gradient_calls: int
    repeats: int
    warmup: int
    memory_epochs: int
    estimator_epochs: int  # epochs (and L-BFGS iterations) of the estimator workloads
    retries: int  # how often a timing disturbed by other processes is redone
    pause: float  # seconds before each timing: OpenBLAS threads spin ~0.1 s after their last call
    w4_side: int = 10  # W4: side x side models (learning rates x L2 strengths)
    w4_epochs: int = 100
    w5_side: int = 5
    w5_epochs: int = 20
    grid_repeats: int = 3  # the grids take a minute per repeat on 2 cores: at most this many


MODES = {
    "full": Settings(
        iris_epochs=100,
        mnist_samples=20_000,
        mnist_epochs=2,
        gradient_calls=20,
        repeats=7,
        warmup=1,
        memory_epochs=3,
        estimator_epochs=200,
        retries=3,
        pause=0.2,
    ),
    "quick": Settings(
        iris_epochs=3,
        mnist_samples=256,
        mnist_epochs=1,
        gradient_calls=2,
        repeats=2,
        warmup=1,
        memory_epochs=2,
        estimator_epochs=2,
        retries=0,
        pause=0.02,
        w4_side=3,
        w4_epochs=2,
        w5_side=2,
        w5_epochs=1,
        grid_repeats=2,
    ),
}


# ----------------------------------------------------------------------------- timing
def _time_once(
    w: Workload, prepare: Prepare, seed: int, settings: Settings
) -> tuple[float, float | None, float | None, int]:
    """Time one training call; redo it when the machine was not quiet meanwhile.

    Not quiet: other processes took more than ``QUIET`` of the CPUs, or a canary
    before or after it ran more than ``SLOW`` slower than the fastest (see
    ``quiet.py``). Returns the time, the final loss, the others' CPU share and the
    number of retries.
    """
    attempt = 0
    while True:
        run = prepare(w, seed)
        gc.collect()
        canary_before = CANARY.measure()
        time.sleep(settings.pause)  # after the canary: its BLAS threads stop spinning
        before, start = cpu_sample(), time.perf_counter()
        loss = run()
        elapsed, after = time.perf_counter() - start, cpu_sample()
        canary_after = CANARY.measure()
        others = others_share(before, after)
        busy = others is not None and others > QUIET
        slow_spell = CANARY.slow(max(canary_before, canary_after))
        if not (busy or slow_spell) or attempt == settings.retries:
            return elapsed, loss, others, attempt
        attempt += 1


def time_workload(
    w: Workload, contenders: dict[str, Prepare], settings: Settings, log: bool
) -> dict[str, Any]:
    """Time every contender on ``w``, interleaved: for each repeat, each contender in turn."""
    times: dict[str, list[float]] = {name: [] for name in contenders}
    losses: dict[str, float | None] = {}
    shares: list[float] = []
    n_retries = 0
    for repeat in range(settings.warmup + settings.repeats):
        for name, prepare in contenders.items():
            # The same seed for every contender of this repeat.
            elapsed, loss, others, retried = _time_once(w, prepare, repeat, settings)
            if repeat >= settings.warmup:
                times[name].append(elapsed)
                losses[name] = loss
                shares += [] if others is None else [others]
                n_retries += retried
            if log:
                kind = "warm-up" if repeat < settings.warmup else f"repeat {repeat}"
                note = "" if others is None else f"  others {others:4.0%}"
                note += f", {retried} retries" if retried else ""
                print(f"  {w.name:14} {kind:9} {name:18} {elapsed:9.4f} s{note}", file=sys.stderr)
    return {
        "workload": w.as_dict(),
        "others_cpu_share": statistics.median(shares) if shares else None,
        "retries": n_retries,
        "contenders": {
            name: {
                "times": t,
                "median": statistics.median(t),
                "min": min(t),
                "per_epoch": statistics.median(t) / w.epochs,
                "final_loss": losses[name],
            }
            for name, t in times.items()
        },
    }


# ----------------------------------------------------------------------------- memory
def measure_memory(w: Workload, epochs: int) -> dict[str, Any]:
    """Peak traced memory of one ``train`` call, and traced memory after each epoch.

    The data exists before tracing starts, so it is not counted; the budget
    still allows one copy of it (the per-epoch shuffled gather).
    """
    from nnet.optimizers import Momentum
    from nnet.training import train

    net, opt = make_network(w, 0), Momentum(w.learning_rate, w.momentum)
    after_epoch: list[int] = []

    def record(epoch: int, history: Any, net: Any) -> None:
        after_epoch.append(tracemalloc.get_traced_memory()[0])

    gc.collect()
    tracemalloc.start()
    try:
        train(net, opt, w.X, w.Y, epochs=epochs, batch_size=w.batch_size, seed=0, callbacks=record)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    item = w.dtype.itemsize
    data, params = w.X.nbytes + w.Y.nbytes, w.n_params * item
    activations = w.batch_size * sum(w.sizes) * item
    budget = data + 4 * params + 3 * activations
    return {
        "epochs": epochs,
        "peak_bytes": peak,
        "data_bytes": data,
        "param_bytes": params,
        "activation_bytes": activations,
        "budget_bytes": budget,
        "peak_over_budget": peak / budget,
        "after_epoch_bytes": after_epoch,
        "after_first_epoch_bytes": after_epoch[0],
        "after_last_epoch_bytes": after_epoch[-1],
        "growth_bytes": after_epoch[-1] - after_epoch[0],
        "growth_tolerance_bytes": 64 * 1024,
    }


# ----------------------------------------------------------------------------- profile
def profile_train(w: Workload, top: int) -> None:
    """Print cProfile's top entries (by own time) of one nnet ``train`` call on ``w``."""
    run = available_contenders()[0]["nnet"](w, 0)
    profiler = cProfile.Profile()
    profiler.runcall(run)
    print(f"\n## cProfile of nnet train on {w.name}: {w.epochs} epochs, top {top} by tottime")
    pstats.Stats(profiler, stream=sys.stdout).sort_stats("tottime").print_stats(top)


# ----------------------------------------------------------------------------- environment
def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _git(*args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=HERE, capture_output=True, text=True, check=True
    ).stdout.strip()


def _git_commit() -> str:
    """The commit measured, flagged when nnet/ has uncommitted changes."""
    try:
        dirty = " + uncommitted nnet changes" if _git("status", "--porcelain", "--", "nnet") else ""
        return _git("rev-parse", "--short", "HEAD") + dirty
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def environment() -> dict[str, Any]:
    """The machine, libraries and threads, and PyTorch set to numpy's thread count."""
    import sklearn
    from threadpoolctl import threadpool_info

    pools = threadpool_info()
    blas_pools = [p for p in pools if p["user_api"] == "blas"]
    numpy_blas = next((p for p in blas_pools if "numpy" in p["filepath"]), None)
    numpy_blas = numpy_blas or (blas_pools[0] if blas_pools else {})
    threads = int(numpy_blas.get("num_threads") or os.cpu_count() or 1)
    return {
        "cpu_model": _cpu_model(),
        "cores": os.cpu_count(),
        "usable_cores": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None,
        "python": platform.python_version(),
        "numpy": np.__version__,
        "sklearn": sklearn.__version__,
        "numpy_blas": {k: v for k, v in numpy_blas.items() if k != "filepath"},
        "threadpools": pools,
        "openblas_env": {
            key: os.environ.get(key, "unset") for key in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")
        },
        "torch": torch_info(threads),
        "nnet_commit": _git_commit(),
        "date": datetime.date.today().isoformat(),
        "load_average": [_load_average()],
    }


def _load_average() -> float | None:
    """The 1-minute load average: other work on the machine makes every number noisy."""
    return round(os.getloadavg()[0], 2) if hasattr(os, "getloadavg") else None


# ----------------------------------------------------------------------------- main
def run_benchmarks(settings: Settings, log: bool) -> dict[str, Any]:
    """Every workload and contender, then memory; the results as plain data."""
    contenders, skipped = available_contenders()
    skipped.update(optional_grid_contenders()[1])  # numba, JAX (issue 25)
    env = environment()  # also sets PyTorch's threads before anything is timed
    s = settings
    workloads = [
        iris_workload(epochs=s.iris_epochs),
        mnist_workload(np.float64, n_samples=s.mnist_samples, epochs=s.mnist_epochs),
        mnist_workload(np.float32, n_samples=s.mnist_samples, epochs=s.mnist_epochs),
    ]
    results: dict[str, Any] = {"workloads": {}}
    for w in workloads:
        results["workloads"][w.name] = time_workload(w, contenders, s, log)
    one_batch = mnist_workload(np.float64, n_samples=128, epochs=s.gradient_calls)
    one_batch = dataclasses.replace(one_batch, name="gradient", description=(
        "one 128-row batch of workload 2 (float64), gradient of the cross-entropy"
    ))  # fmt: skip
    results["workloads"]["gradient"] = time_workload(one_batch, GRADIENT_CONTENDERS, s, log)
    grid_settings = dataclasses.replace(s, repeats=min(s.repeats, s.grid_repeats))
    for grid in (w4_workload(s.w4_side, s.w4_epochs), w5_workload(s.w5_side, s.w5_epochs)):
        runs = grid_contenders(grid, "torch" in contenders)
        results["workloads"][grid.name] = time_workload(grid, runs, grid_settings, log)
    for w in estimator_workloads(s.estimator_epochs):
        results["workloads"][w.name] = time_workload(w, ESTIMATOR_CONTENDERS[w.name], s, log)
    results["memory"] = measure_memory(workloads[1], s.memory_epochs)
    env["load_average"] = [env["load_average"][0], _load_average()]
    results.update(environment=env, skipped=skipped, settings=dataclasses.asdict(s))
    results["targets"] = evaluate_targets(results)
    return results


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="tiny sizes and repeats (CI smoke)")
    parser.add_argument(
        "--json", type=Path, default=HERE / "results.json", help="where to write the results"
    )
    parser.add_argument(
        "--from-json", type=Path, metavar="PATH", help="report earlier results instead of timing"
    )
    parser.add_argument("--markdown", type=Path, help="also write the markdown report here")
    parser.add_argument(
        "--update-readme", action="store_true", help="put the report in benchmarks/README.md"
    )
    parser.add_argument(
        "--profile",
        action="store_true",
        help="instead of timing, print cProfile's top entries of nnet's train on workloads 1 and 2",
    )
    parser.add_argument("--repeats", type=int, help="timed repeats (default: 7 full, 2 quick)")
    parser.add_argument(
        "--retries",
        type=int,
        help=f"redo a timing at most this often when other processes took > {QUIET * 100:.0f}%% "
        f"of the CPUs during it or a canary ran > {SLOW * 100:.0f}%% slower than the fastest "
        "(a slow spell of the host; default: 3 full, 0 quick)",
    )
    parser.add_argument("--verbose", action="store_true", help="log every timing to stderr")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    mode = "quick" if args.quick else "full"
    settings = MODES[mode]
    if args.repeats:
        settings = dataclasses.replace(settings, repeats=args.repeats)
    if args.retries is not None:
        settings = dataclasses.replace(settings, retries=args.retries)
    if args.profile:
        profile_train(iris_workload(epochs=settings.iris_epochs), top=25)
        profile_train(mnist_workload(np.float64, settings.mnist_samples, epochs=1), top=25)
        return 0
    if args.from_json:
        results = json.loads(args.from_json.read_text())
        results["targets"] = evaluate_targets(results)  # as the current report judges them
    else:
        results = {"mode": mode, **run_benchmarks(settings, args.verbose)}
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(results, indent=2) + "\n")
    for contender, note in results["skipped"].items():
        print(f"note: skipping {contender}: {note}")
    report = markdown(results)
    print(report)
    if not args.from_json:
        print(f"results written to {args.json}")
    if args.markdown:
        args.markdown.write_text(report)
    if args.update_readme:
        README.write_text(replace_block(README.read_text(), report, README_START, README_END))
    return 0


if __name__ == "__main__":
    sys.exit(main())
