"""Smoke test of the benchmark suite: ``benchmarks/bench.py --quick`` runs and reports everything.

No assertion on time: only that the script exits 0 and that its JSON holds every
workload and contender with positive, finite times.
"""

from __future__ import annotations

import importlib.util
import json
import math
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "benchmarks" / "bench.py"
WORKLOADS = (
    "iris", "mnist_float64", "mnist_float32", "gradient", "w4_iris_grid", "w5_digits_grid",
    "digits_adam", "runge_lbfgs",
)  # fmt: skip
ESTIMATOR_CONTENDERS = {
    "digits_adam": {"nnet_estimator", "sklearn"},
    "runge_lbfgs": {"nnet_lbfgs", "sklearn_lbfgs"},
}
TRAINING_CONTENDERS = {"floor", "nnet", "sklearn"}
GRADIENT_CONTENDERS = {"floor", "compute_gradient", "autograd_gradient"}
GRID_CONTENDERS = {
    "w4_iris_grid": {
        "sweep",
        "sweep_2_jobs",
        "sweep_validation",
        "sweep_accuracy",
        "train_loop",
        "sklearn",
    },
    "w5_digits_grid": {"sweep", "sweep_2_jobs", "train_loop"},
}


def _importable(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except ModuleNotFoundError:
        return False


def _run(script: str, *args: str, timeout: int = 300) -> str:
    """Run ``benchmarks/<script>`` with ``args`` from the root; its stdout, once it exited 0."""
    proc = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / script), *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert proc.returncode == 0, f"stdout:\n{proc.stdout}\nstderr:\n{proc.stderr}"
    return proc.stdout


@pytest.fixture(scope="module")
def results(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    out = tmp_path_factory.mktemp("bench") / "results.json"
    assert "targets" in _run(SCRIPT.name, "--quick", "--json", str(out), timeout=600)
    return json.loads(out.read_text())


def _expected_training_contenders() -> set[str]:
    expected = set(TRAINING_CONTENDERS)
    if _importable("torch"):
        expected.add("torch")
    if _importable("nnet.estimators"):
        expected.add("nnet_estimator")
    return expected


def test_every_workload_and_contender_has_positive_finite_times(results: dict[str, Any]) -> None:
    assert results["mode"] == "quick"
    assert set(results["workloads"]) == set(WORKLOADS)
    for name in WORKLOADS:
        contenders = results["workloads"][name]["contenders"]
        expected = GRADIENT_CONTENDERS if name == "gradient" else _expected_training_contenders()
        if name in GRID_CONTENDERS:  # issue 10's grids: sweep against one training per model
            expected = GRID_CONTENDERS[name] | (
                {"torch"} if name == "w4_iris_grid" and _importable("torch") else set()
            )
            expected |= _kernel_contenders(name)
        expected = ESTIMATOR_CONTENDERS.get(name, expected)
        assert set(contenders) == expected, name
        for contender, entry in contenders.items():
            times = [*entry["times"], entry["median"], entry["per_epoch"]]
            assert times, (name, contender)
            assert all(math.isfinite(t) and t > 0 for t in times), (name, contender, times)


def _kernel_contenders(grid: str) -> set[str]:
    """Issue 25's optional contenders: the compiled kernels (and their start-up, on W4), JAX."""
    expected = {"jax"} if _importable("jax") else set()
    if _importable("numba"):
        expected.add("sweep_numba")
        if grid == "w4_iris_grid":
            expected |= {"start_numpy", "start_numba_cold", "start_numba_warm"}
    return expected


def test_skipped_contenders_are_explained(results: dict[str, Any]) -> None:
    skipped = results["skipped"]
    assert ("torch" in skipped) != _importable("torch")
    assert ("jax" in skipped) != _importable("jax")
    assert ("sweep_numba" in skipped) != _importable("numba")
    assert all(isinstance(note, str) and note for note in skipped.values())


def test_report_has_targets_memory_and_machine(results: dict[str, Any]) -> None:
    assert {row["verdict"] for row in results["targets"]} <= {"PASS", "MISS", "SKIP", "info"}
    start_ups = 2 if _importable("numba") else 0  # cold and warm, against the NumPy kernels'
    info = sum(row["verdict"] == "info" for row in results["targets"])
    assert info == 4 + start_ups  # the n_jobs=2 sweeps, the start-ups
    for row in results["targets"]:
        if row["verdict"] != "SKIP" and "best_of" in row:  # the timing targets
            assert row["best_of"] > 0 and math.isfinite(row["best_of"]), row
    memory = results["memory"]
    assert memory["peak_bytes"] > 0 and memory["budget_bytes"] > 0
    assert len(memory["after_epoch_bytes"]) == memory["epochs"] >= 2
    env = results["environment"]
    assert env["numpy"] and env["cpu_model"] and env["cores"] >= 1
    assert env["numpy_blas"].get("num_threads", 1) >= 1


def test_the_canary_tells_a_slow_spell_from_its_own_jitter() -> None:
    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        from quiet import SLOW, Canary
    finally:
        sys.path.remove(str(ROOT / "benchmarks"))
    canary = Canary()
    times = [canary.measure() for _ in range(3)]
    assert canary.fastest == min(times) > 0
    assert not canary.slow(canary.fastest)
    assert canary.slow(canary.fastest * (1.0 + 2 * SLOW))


def test_stack_floor_script_reports_a_finite_bound_per_grid():
    stdout = _run("stack_floor.py", "--quick")
    bounds = [line for line in stdout.splitlines() if "best possible sweep speed-up" in line]
    assert len(bounds) == 2  # W4 and W5
    for line in bounds:
        value = float(line.split("speed-up")[1].split()[0])
        assert math.isfinite(value) and value > 0


def test_seed_floor_does_trains_work_and_reports_its_parts():
    """``benchmarks/seed_floor.py`` checks that its floors reach ``train``'s last loss (it
    exits 1 otherwise) and prints each contender's time and the two differences."""
    stdout = _run("seed_floor.py", "--quick")
    for name in ("train", "floor", "floor with the tricks", "nnet around NumPy", "the tricks save"):
        [value] = [
            float(match.group(1))
            for line in stdout.splitlines()
            if (match := re.match(rf"\s+{re.escape(name)}\s{{2,}}(-?[\d.]+) ms", line))
        ]
        assert math.isfinite(value)


def test_the_tricks_audit_times_every_trick_on_its_workloads() -> None:
    """``benchmarks/tricks.py`` switches each speed trick off (its stand-in must train to the
    same final loss, or the script fails) and reports one finite ratio per trick and workload."""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        from tricks import TRICKS
    finally:
        sys.path.remove(str(ROOT / "benchmarks"))
    stdout = _run("tricks.py", "--quick", "--rounds", "1", timeout=600)
    rows = [
        line.split(" | ")
        for line in stdout.splitlines()
        if line.startswith("| ") and "---" not in line
    ][1:]
    expected = {(name, w) for name, trick in TRICKS.items() for w in trick.workloads}
    assert {(row[0].lstrip("| "), row[2]) for row in rows} == expected
    assert all(math.isfinite(float(row[3])) and float(row[3]) > 0 for row in rows)
