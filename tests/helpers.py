"""Small helpers shared by the tests; the data strategies are the public ``nnet.testing`` ones."""

from __future__ import annotations

import csv
import signal
import subprocess
from pathlib import Path

import numpy as np

from nnet.activations import ACTIVATIONS
from nnet.costs import COSTS
from nnet.testing.strategies import PROBABILITY_OUTPUTS, targets

BUILTIN_ACTIVATIONS = sorted(name for name, act in ACTIVATIONS.items() if act.builtin)
BUILTIN_COSTS = sorted(name for name, cost in COSTS.items() if cost.builtin)
make_targets = targets  # (cost, n_samples, n_outputs, rng): one-hot, 0/1 labels or real values
LARGEST_INPUT = {"exp": 80.0}  # e^80 ~ 5.5e34: finite, times a gradient too, in float32

__all__ = [
    "BUILTIN_ACTIVATIONS",
    "BUILTIN_COSTS",
    "LARGEST_INPUT",
    "PROBABILITY_OUTPUTS",
    "flatten",
    "flower_rows",
    "interrupt_once",
    "make_targets",
    "relative_error",
    "write_csv",
]


def flatten(layers) -> np.ndarray:
    """All (W, b) pairs as one float64 vector."""
    return np.concatenate([np.ravel(p).astype(np.float64) for pair in layers for p in pair])


def relative_error(got, expected) -> float:
    """||got - expected|| / ||expected||, with 0 when both are exactly zero."""
    got, expected = flatten(got), flatten(expected)
    diff = np.linalg.norm(got - expected)
    scale = np.linalg.norm(expected)
    return 0.0 if diff == 0 else float(diff / scale) if scale > 0 else float("inf")


def write_csv(path: Path, header: list[str], rows: list[list[object]], **open_kw) -> Path:
    """Write ``header`` and ``rows`` to ``path`` as CSV (``open_kw``: e.g. an encoding)."""
    with path.open("w", newline="", **open_kw) as handle:
        csv.writer(handle).writerows([header, *rows])
    return path


def flower_rows(n: int = 60) -> list[tuple[float, float, str]]:
    """``(length, width, species)`` rows of two well-separated classes with string labels."""
    rng = np.random.default_rng(0)
    rows = []
    for i in range(n):
        label = ["setosa", "virginica"][i % 2]
        center = 0.0 if label == "setosa" else 4.0
        rows.append((round(center + rng.normal(), 4), round(center - rng.normal(), 4), label))
    return rows


def interrupt_once(proc: subprocess.Popen[str], started: str) -> tuple[int, str, str]:
    """Ctrl-C ``proc`` once its standard error shows ``started`` (training is under way);
    return its exit status, standard output and whole standard error."""
    assert proc.stderr is not None
    seen = ""
    while started not in seen:
        chunk = proc.stderr.read(1)
        assert chunk, proc.communicate()
        seen += chunk
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=120)
    return proc.returncode, out, seen + err
