"""``nnet sweep`` under hostile input (issue 22), run as a user runs it: in a subprocess.

It answers like ``nnet train``: one ``nnet:`` line and status 2 for the user's
mistakes (a grid whose every model diverges included), 130 and nothing written on
Ctrl-C; it never writes over its input or one output over another, and ``--seed``
makes it reproducible whatever the grid holds.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from helpers import flower_rows, interrupt_once, write_csv


@pytest.fixture
def flowers(tmp_path: Path) -> Path:
    return write_csv(tmp_path / "flowers.csv", ["length", "width", "species"], flower_rows())


def test_a_grid_where_every_model_diverges_is_one_line_and_writes_nothing(
    tmp_path, nnet_cli, one_line_error
):
    out, plot = tmp_path / "r.csv", tmp_path / "h.png"
    result = nnet_cli("sweep", "--dataset", "runge", "--grid", "lr=1e3,1e4", "--grid", "l2=0,1",
                      "--epochs", "5", "--quiet", "--out", str(out),
                      "--plot", str(plot))  # fmt: skip
    line = one_line_error(result, "every one of the 4 models diverged")
    assert "nothing was written to --out or --plot" in line and "smaller learning rates" in line
    assert not out.exists() and not plot.exists() and "best" not in result.stdout


def test_some_diverged_models_are_a_one_line_warning(tmp_path, nnet_cli):
    result = nnet_cli("sweep", "--dataset", "runge", "--grid", "lr=0.01,1e4", "--epochs", "5",
                      "--quiet")  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stderr.strip().splitlines() == [
        "nnet: warning: 1 of 2 models diverged; they were stopped at their last finite weights "
        "(stop_reason 'diverged' in study.table()). Try smaller learning rates."
    ]


@pytest.mark.parametrize("through", ["path", "symlink"])
def test_out_never_overwrites_the_csv(through, flowers, tmp_path, nnet_cli, one_line_error):
    before = flowers.read_bytes()
    out = flowers
    if through == "symlink":
        out = tmp_path / "link.csv"
        out.symlink_to(flowers)
    result = nnet_cli("sweep", "--csv", str(flowers), "--target", "species", "--grid",
                      "lr=0.01,0.1", "--epochs", "1", "--quiet", "--out", str(out))  # fmt: skip
    one_line_error(result, "is the --csv file")
    assert flowers.read_bytes() == before


def test_out_and_plot_must_be_two_files(tmp_path, nnet_cli, one_line_error):
    same = tmp_path / "r.png"
    result = nnet_cli("sweep", "--grid", "lr=0.01,0.1", "--grid", "l2=0,1e-3", "--epochs", "1",
                      "--quiet", "--out", str(same), "--plot", str(same))  # fmt: skip
    one_line_error(result, "--out and --plot are the same file")
    assert not same.exists()


def test_seed_makes_a_sweep_of_inits_reproducible(tmp_path, nnet_cli):
    tables = []
    for run in range(2):
        out = tmp_path / f"r{run}.csv"
        result = nnet_cli("sweep", "--grid", "init=he,normal", "--seed", "0", "--epochs", "3",
                          "--quiet", "--out", str(out))  # fmt: skip
        assert result.returncode == 0, result.stderr
        tables.append(out.read_text())
    assert tables[0] == tables[1]


def test_ctrl_c_exits_130_prints_no_best_and_writes_nothing(tmp_path):
    out = tmp_path / "r.csv"
    proc = subprocess.Popen(
        [sys.executable, "-m", "nnet", "sweep", "--grid", "lr=0.01,0.1", "--epochs", "1000000",
         "--out", str(out)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    status, stdout, err = interrupt_once(proc, "sweep (2 models)")  # the progress bar is up
    assert status == 130, err
    assert "Traceback" not in err
    assert err.strip().splitlines()[-1].startswith("nnet: interrupted after 0 of 2 models")
    assert "nothing was written to --out" in err
    assert "best" not in stdout and not out.exists()
