"""Turn the results dictionary into markdown tables: per workload, the targets, memory, machine."""

from __future__ import annotations

import math
import operator
from collections.abc import Callable
from typing import Any

__all__ = ["INFORMATION", "TARGETS", "evaluate_targets", "markdown", "replace_block"]

_OPS: dict[str, Callable[[float, float], bool]] = {
    "<=": operator.le,
    ">=": operator.ge,
    ">": operator.gt,
    "<": operator.lt,
}

# (label, workload, numerator, denominator, comparison, threshold): the bar
# (W1 Iris and W2 float32 as issue 10 raised them: no regression of a lone network).
TARGETS: list[tuple[str, str, str, str, str, float]] = [
    ("W2 float64: nnet epoch <= 1.25 x GEMM floor", "mnist_float64", "nnet", "floor", "<=", 1.25),
    ("W2 float64: >= 2 x faster than sklearn", "mnist_float64", "sklearn", "nnet", ">=", 2.0),
    ("W2 float64: faster than PyTorch CPU", "mnist_float64", "torch", "nnet", ">", 1.0),
    ("W2 float32: nnet epoch <= 1.3 x GEMM floor", "mnist_float32", "nnet", "floor", "<=", 1.3),
    ("W1 Iris: >= 4.5 x faster than sklearn", "iris", "sklearn", "nnet", ">=", 4.5),
    (
        "W3: compute_gradient >= 4 x faster than autograd",
        "gradient",
        "autograd_gradient",
        "compute_gradient",
        ">=",
        4.0,
    ),
    ("W4 grid: sweep >= 30 x faster than 100 train calls", "w4_iris_grid", "train_loop", "sweep",
     ">=", 30.0),
    ("W4 grid: sweep >= 100 x faster than 100 MLPClassifier fits", "w4_iris_grid", "sklearn",
     "sweep", ">=", 100.0),
    ("W4 grid: sweep >= 3 x faster than hand-batched PyTorch", "w4_iris_grid", "torch", "sweep",
     ">=", 3.0),
    ("W4 grid with validation data: metrics=['accuracy'] <= 1.3 x without", "w4_iris_grid",
     "sweep_accuracy", "sweep_validation", "<=", 1.3),
    ("W5 grid: sweep >= 3 x faster than 25 train calls", "w5_digits_grid", "train_loop", "sweep",
     ">=", 3.0),
    ("Digits Adam: estimator >= 2 x faster than sklearn", "digits_adam", "sklearn",
     "nnet_estimator", ">=", 2.0),
    ("W1 Iris: estimator >= 2 x faster than sklearn", "iris", "sklearn", "nnet_estimator",
     ">=", 2.0),
    ("Runge L-BFGS: estimator as fast as sklearn", "runge_lbfgs", "sklearn_lbfgs", "nnet_lbfgs",
     ">=", 1.0),
    # Issue 25: the compiled kernels (sweep_numba) against the NumPy ones (sweep) and JAX.
    ("W4 grid: compiled kernels <= 0.5 x the NumPy kernels", "w4_iris_grid", "sweep_numba",
     "sweep", "<=", 0.5),
    ("W5 grid: compiled kernels <= 0.667 x the NumPy kernels", "w5_digits_grid", "sweep_numba",
     "sweep", "<=", 0.667),
    ("W4 grid: compiled kernels faster than JAX jit(vmap(scan))", "w4_iris_grid", "sweep_numba",
     "jax", "<", 1.0),
    ("W5 grid: compiled kernels faster than JAX jit(vmap(scan))", "w5_digits_grid", "sweep_numba",
     "jax", "<", 1.0),
]  # fmt: skip


# (label, workload, numerator, denominator): ratios reported beside the targets, no verdict.
INFORMATION: list[tuple[str, str, str, str]] = [
    ("W4 grid, sweep(n_jobs=2) on 2 cores: x faster than 100 train calls", "w4_iris_grid",
     "train_loop", "sweep_2_jobs"),
    ("W4 grid, sweep(n_jobs=2) on 2 cores: x faster than sweep(n_jobs=1)", "w4_iris_grid",
     "sweep", "sweep_2_jobs"),
    ("W5 grid, sweep(n_jobs=2) on 2 cores: x faster than 25 train calls", "w5_digits_grid",
     "train_loop", "sweep_2_jobs"),
    ("W5 grid, sweep(n_jobs=2) on 2 cores: x faster than sweep(n_jobs=1)", "w5_digits_grid",
     "sweep", "sweep_2_jobs"),
    # Start-up of a new process (import nnet, a first small sweep; absolute times in the W4
    # table): with the compiled kernels compiled (empty cache) and loaded (cached).
    ("Start-up, compiled kernels, cold (empty numba cache): x the NumPy kernels'",
     "w4_iris_grid", "start_numba_cold", "start_numpy"),
    ("Start-up, compiled kernels, warm (numba cache filled): x the NumPy kernels'",
     "w4_iris_grid", "start_numba_warm", "start_numpy"),
]  # fmt: skip


def _ratio(results: dict[str, Any], workload: str, num: str, den: str, key: str) -> float | None:
    """``key`` ("median" or "min") of contender ``num`` over that of ``den``, or None."""
    entries = results["workloads"].get(workload, {}).get("contenders", {})
    if num not in entries or den not in entries:
        return None
    return float(entries[num][key]) / float(entries[den][key])


def _timing_row(
    results: dict[str, Any], ratio: tuple[str, str, str, str], wanted: str, verdict: str
) -> dict[str, Any]:
    """One row of the targets table: ``ratio`` is (label, workload, numerator, denominator)."""
    label, workload, num, den = ratio
    return {
        "target": label,
        "ratio": f"{num} / {den}",
        "measured": _ratio(results, workload, num, den, "median"),
        "best_of": _ratio(results, workload, num, den, "min"),
        "wanted": wanted,
        "verdict": verdict,
    }


def evaluate_targets(results: dict[str, Any]) -> list[dict[str, Any]]:
    """Each target with its measured ratio and "PASS", "MISS" or "SKIP" (contender missing).

    The verdict is on the ratio of medians; the ratio of the best repeats is given
    beside it, since a shared machine's slow spells inflate medians unevenly.
    """
    rows = []
    for label, workload, num, den, op, threshold in TARGETS:
        ratio = _ratio(results, workload, num, den, "median")
        verdict = "SKIP" if ratio is None else "PASS" if _OPS[op](ratio, threshold) else "MISS"
        wanted = f"{op} {threshold:g}"
        rows.append(_timing_row(results, (label, workload, num, den), wanted, verdict))
    for info in INFORMATION:
        if _ratio(results, *info[1:], "median") is not None:
            rows.append(_timing_row(results, info, "-", "info"))
    memory = results.get("memory")
    if memory:
        rows.append(
            {
                "target": "W2 float64 memory: peak <= budget",
                "ratio": "peak / budget",
                "measured": memory["peak_over_budget"],
                "wanted": "<= 1",
                "verdict": "PASS" if memory["peak_over_budget"] <= 1.0 else "MISS",
            }
        )
        rows.append(
            {
                "target": "W2 float64 memory: no growth across epochs",
                "ratio": "growth (KiB)",
                "measured": memory["growth_bytes"] / 1024,
                "wanted": f"<= {memory['growth_tolerance_bytes'] / 1024:g}",
                "verdict": "PASS"
                if abs(memory["growth_bytes"]) <= memory["growth_tolerance_bytes"]
                else "MISS",
            }
        )
    return rows


def _fmt(x: float | None, digits: int = 3) -> str:
    if x is None or not math.isfinite(x):
        return "-"
    return f"{x:.{digits}g}" if abs(x) < 1000 else f"{x:,.0f}"


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    return lines + ["| " + " | ".join(row) + " |" for row in rows]


def _workload_table(name: str, data: dict[str, Any], repeats: int) -> list[str]:
    spec, contenders = data["workload"], data["contenders"]
    floor = contenders.get("floor", {}).get("median")
    base = "compute_gradient" if name == "gradient" else "nnet"
    base = "sweep" if "sweep" in contenders else base  # the grid workloads
    reference = contenders.get(base, {}).get("median")
    per = "per call (ms)" if name == "gradient" else "per epoch (ms)"
    unit = "call" if name == "gradient" else "epoch"
    header = ["contender", per, "total (s)", "best (s)", "/ floor", f"/ {base}", "final loss"]
    rows = []
    for contender, entry in contenders.items():
        median = entry["median"]
        rows.append(
            [
                contender,
                _fmt(1000 * entry["per_epoch"]),
                _fmt(median),
                _fmt(entry["min"]),
                _fmt(median / floor if floor else None),
                _fmt(median / reference if reference else None),
                _fmt(entry.get("final_loss"), 4),
            ]
        )
    count, steps = spec["epochs"], spec["steps_per_epoch"]
    plural = "s" if count > 1 else ""
    each = "" if name == "gradient" else f" of {steps} steps"
    share, retries = data.get("others_cpu_share"), data.get("retries", 0)
    others = "" if share is None else f"; other processes' CPU share {share:.0%}"
    others += f" ({retries} disturbed timings redone)" if retries else ""
    title = (
        f"**{name}** — {spec['description']}; {count} {unit}{plural}{each} per repeat, "
        f"median of {repeats}{others}"
    )
    return [title, "", *_table(header, rows), ""]


def _memory_lines(memory: dict[str, Any]) -> list[str]:
    mib = 1024 * 1024
    rows = [
        ["peak traced during train()", f"{memory['peak_bytes'] / mib:.1f} MiB"],
        [
            "budget: data + 4 x params + 3 x batch activations",
            f"{memory['budget_bytes'] / mib:.1f} MiB "
            f"({memory['data_bytes'] / mib:.1f} + 4 x {memory['param_bytes'] / mib:.2f} "
            f"+ 3 x {memory['activation_bytes'] / mib:.2f})",
        ],
        ["peak / budget", f"{memory['peak_over_budget']:.2f}"],
        [
            f"traced after epoch 1 → after epoch {memory['epochs']}",
            f"{memory['after_first_epoch_bytes'] / 1024:.1f} KiB → "
            f"{memory['after_last_epoch_bytes'] / 1024:.1f} KiB "
            f"(growth {memory['growth_bytes'] / 1024:+.1f} KiB)",
        ],
    ]
    title = "**memory** — tracemalloc during one `train` call, workload 2 float64"
    return [title, "", *_table(["quantity", "value"], rows)]


def _machine_lines(env: dict[str, Any]) -> list[str]:
    blas = env["numpy_blas"]
    torch = env.get("torch")
    rows = [
        ["CPU", f"{env['cpu_model']}, {env['cores']} cores"],
        ["Python / numpy / scikit-learn", f"{env['python']} / {env['numpy']} / {env['sklearn']}"],
        [
            "numpy BLAS (threadpoolctl)",
            f"{blas.get('internal_api')} {blas.get('version')}, kernel "
            f"{blas.get('architecture')}, {blas.get('num_threads')} threads",
        ],
        ["OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE", " / ".join(env["openblas_env"].values())],
        [
            "PyTorch",
            "not installed"
            if torch is None
            else f"{torch['version']} ({torch['blas']}), {torch['num_threads']} threads",
        ],
        ["nnet", f"{env['nnet_commit']} ({env['date']})"],
        ["load average (1 min) before / after", " / ".join(map(str, env["load_average"]))],
    ]
    return ["**machine**", "", *_table(["", ""], rows)]


def markdown(results: dict[str, Any]) -> str:
    """The whole report as markdown: what the README shows and the script prints."""
    repeats = results["settings"]["repeats"]
    lines = [f"Mode `{results['mode']}`. Times are medians; ratios are time / time.", ""]
    for name, data in results["workloads"].items():
        lines += _workload_table(name, data, repeats)
    target_rows = [
        [
            r["target"],
            r["ratio"],
            _fmt(r["measured"]),
            _fmt(r.get("best_of")),
            r["wanted"],
            r["verdict"],
        ]
        for r in results["targets"]
    ]
    header = ["target", "ratio", "measured (medians)", "best repeats", "wanted", "verdict"]
    lines += [
        "**targets** (information, not assertions; the verdict is on the medians)",
        "",
        *_table(header, target_rows),
        "",
    ]
    if results.get("memory"):
        lines += [*_memory_lines(results["memory"]), ""]
    for contender, note in results.get("skipped", {}).items():
        lines.append(f"Skipped {contender}: {note}.")
    if results.get("skipped"):
        lines.append("")
    lines += _machine_lines(results["environment"])
    return "\n".join(lines) + "\n"


def replace_block(text: str, block: str, start: str, end: str) -> str:
    """Replace what lies between the ``start`` and ``end`` marker lines of ``text``."""
    head, found, rest = text.partition(start)
    _, found_end, tail = rest.partition(end)
    if not (found and found_end):
        raise ValueError(f"markers {start!r} and {end!r} not found")
    return f"{head}{start}\n{block}{end}{tail}"
