"""``nnet sweep``, run as a user runs it: in a subprocess."""

from __future__ import annotations

import csv
import subprocess
import sys
from pathlib import Path

import pytest

from nnet.cli._sweep import parse_grid


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "nnet", "sweep", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=300,
    )


def test_iris_grid_writes_one_row_per_model_and_a_heatmap(tmp_path):
    out, plot = tmp_path / "results.csv", tmp_path / "heatmap.png"
    result = run(
        "--dataset", "iris", "--grid", "learning_rate=1e-3,1e-2,1e-1", "--grid", "l2=0,1e-4",
        "--epochs", "20", "--out", str(out), "--plot", str(plot),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "iris: 6 models over learning_rate, l2" in result.stdout
    assert "sweep (6 models)" in result.stderr and "100%" in result.stderr  # the progress bar
    with out.open() as handle:
        rows = list(csv.DictReader(handle))
    assert [(float(r["learning_rate"]), float(r["l2"])) for r in rows] == [
        (lr, l2) for lr in (1e-3, 1e-2, 1e-1) for l2 in (0.0, 1e-4)
    ]
    assert {r["stop_reason"] for r in rows} == {"completed"}
    assert all(0.0 <= float(r["val_accuracy"]) <= 1.0 for r in rows)
    best = max(rows, key=lambda r: float(r["val_accuracy"]))
    assert f"best val_accuracy {float(best['val_accuracy']):.4f}" in result.stdout
    assert plot.stat().st_size > 1000


def test_architecture_keys_and_regression(tmp_path):
    out = tmp_path / "r.csv"
    result = run(
        "--dataset", "runge", "--grid", "hidden=4,8x8", "--grid", "activation=relu,tanh",
        "--grid", "batch_size=0,16", "--epochs", "2", "--quiet", "--out", str(out),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "best val_loss" in result.stdout
    with out.open() as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 8
    assert [r["layer_output_sizes"] for r in rows[::4]] == ["[4, 1]", "[8, 8, 1]"]
    assert "val_r2" in rows[0]


def test_parse_grid_turns_text_into_values():
    grid = parse_grid(
        ["lr=1e-3,0.1", "hidden=8,none,16x4", "batch_size=0,10", "seed=0,1", "optimizer=sgd,adam"],
        n_outputs=3,
    )
    assert grid == {
        "learning_rate": [0.001, 0.1],
        "layer_output_sizes": [[8, 3], [3], [16, 4, 3]],
        "batch_size": [None, 10],
        "seed": [0, 1],
        "optimizer": ["sgd", "adam"],
    }


USER_ERRORS = [
    (["--grid", "learnig_rate=0.1"], "unknown grid key 'learnig_rate'"),
    (["--grid", "lr"], "--grid takes KEY=V1,V2"),
    (["--grid", "lr=0.1", "--grid", "learning_rate=1"], "twice"),
    (["--grid", "lr=-1"], r"grid['learning_rate'][0]"),
    (["--grid", "hidden=8,x"], "hidden widths"),
    (["--grid", "lr=0.1,1", "--plot", "h.png"], "--plot needs two grid keys"),
    (["--grid", "lr=0.1,1", "--grid", "l2=0,1", "--plot", "h.png", "--x", "eta"], "--x 'eta'"),
    (["--grid", "lr=0.1,1", "--grid", "l2=0,1", "--plot", "h.png", "--value", "r2"], "--value"),
    (["--epochs", "0", "--grid", "lr=0.1"], "--epochs must be a positive int"),
    (["--dataset", "mnist", "--grid", "lr=0.1"], "invalid choice"),
    ([], "--grid"),
]


@pytest.mark.parametrize(("args", "message"), USER_ERRORS, ids=[m for _, m in USER_ERRORS])
def test_user_errors_are_one_line_and_status_2(args, message, tmp_path):
    result = run(*args, "--quiet", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.startswith("nnet: error:") and message in result.stderr
    assert "Traceback" not in result.stderr
    assert not list(tmp_path.iterdir())  # nothing written
