"""The ``nnet`` command, run as a user runs it: in a subprocess."""

from __future__ import annotations

import csv
import importlib
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from helpers import flower_rows, write_csv

from nnet.datasets import DATASETS, make_runge


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "nnet", *args], capture_output=True, text=True, cwd=cwd, timeout=300
    )


def _metric(stdout: str, line_start: str, name: str) -> float:
    line = next(line for line in stdout.splitlines() if line.startswith(line_start))
    return float(line.split(name)[1].split(",")[0])


def test_console_script_is_installed():
    assert shutil.which("nnet") is not None
    result = subprocess.run(["nnet", "--help"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0 and "train" in result.stdout


def test_default_run_trains_the_seed_network_on_iris():
    result = run("train")
    assert result.returncode == 0, result.stderr
    assert "iris: 150 samples, 4 features, classification with 3 classes" in result.stdout
    assert "network: 4 -> 8 -> 3 (sigmoid, softmax), cost cross_entropy" in result.stdout
    assert "epochs run: 100 (completed)" in result.stdout
    assert _metric(result.stdout, "test", "accuracy") >= 0.9
    assert "100/100" in result.stderr  # the tqdm progress bar reached the last epoch


@pytest.mark.parametrize("dataset", sorted(DATASETS))
def test_every_bundled_dataset_trains(dataset, tmp_path):
    plot = tmp_path / "curve.png"
    args = ["train", "--dataset", dataset, "--epochs", "3", "--quiet", "--plot", str(plot)]
    result = run(*args, "--hidden", "16", "--activation", "relu", "--optimizer", "adam")
    assert result.returncode == 0, result.stderr
    assert ("r2" in result.stdout) == (dataset == "runge")
    assert plot.stat().st_size > 1000


@pytest.fixture
def flowers_csv(tmp_path: Path) -> Path:
    """Two well-separated classes with string labels and an extra column order."""
    rows = [[length, label, width] for length, width, label in flower_rows()]
    return write_csv(tmp_path / "flowers.csv", ["length", "species", "width"], rows)


def test_csv_train_save_predict_info(flowers_csv, tmp_path):
    model = tmp_path / "model.safetensors"
    result = run(
        "train", "--csv", str(flowers_csv), "--target", "species", "--save", str(model),
        "--epochs", "30", "--quiet",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "classification with 2 classes" in result.stdout
    assert _metric(result.stdout, "test", "accuracy") == 1.0
    out = tmp_path / "pred.csv"
    result = run("predict", "--model", str(model), "--csv", str(flowers_csv), "--output", str(out))
    assert result.returncode == 0, result.stderr
    with flowers_csv.open() as handle:
        truth = [row["species"] for row in csv.DictReader(handle)]
    with out.open() as handle:
        predicted = [row["predicted_species"] for row in csv.DictReader(handle)]
    assert np.mean(np.array(predicted) == np.array(truth)) >= 0.95
    result = run("info", "--model", str(model))
    assert result.returncode == 0, result.stderr
    assert "layer_output_sizes: [8, 2]" in result.stdout
    assert "kernels: numpy" in result.stdout or "kernels: numba" in result.stdout


def test_csv_regression_is_inferred(tmp_path):
    data = make_runge(150, seed=1)
    path = tmp_path / "runge.csv"
    write_csv(path, ["x", "y"], np.column_stack([data.X[:, 0], data.y]).tolist())
    result = run("train", "--csv", str(path), "--target", "y", "--epochs", "5", "--quiet")
    assert result.returncode == 0, result.stderr
    assert "regression" in result.stdout and "r2" in result.stdout


USER_ERRORS = [
    (["train", "--csv", "missing.csv", "--target", "y"], "no such CSV file"),
    (["train", "--csv", "{flowers}", "--target", "colour"], "no target column 'colour'"),
    (["train", "--csv", "{flowers}"], "--csv needs --target"),
    (["train", "--lr", "abc"], "invalid float value"),
    (["train", "--lr", "-1"], "learning_rate"),
    (["train", "--epochs", "0"], "--epochs must be a positive int"),
    (["train", "--hidden", "8,x"], "sizes like 64,32"),
    (["train", "--activation", "swish"], "unknown activation 'swish'"),
    (["train", "--optimizer", "lbfgs"], "invalid choice"),
    (["train", "--dataset", "mnist"], "invalid choice"),
    (["train", "--test-size", "1.5"], "--test-size"),
    (["train", "--init", "zeros"], "unknown init"),
    (["predict", "--model", "missing.safetensors", "--csv", "{flowers}"], "missing.safetensors"),
    (["predict", "--model", "{flowers}", "--csv", "{flowers}"], "flowers.csv"),
    (["info", "--model", "{flowers}"], "flowers.csv"),
    (["frobnicate"], "invalid choice"),
    ([], "required"),
]


@pytest.mark.parametrize(("args", "message"), USER_ERRORS)
def test_user_errors_print_one_line_and_exit_2(args, message, flowers_csv):
    args = [a.replace("{flowers}", str(flowers_csv)) for a in args]
    result = run(*args, cwd=flowers_csv.parent)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("nnet: error:"), result.stderr
    assert message in lines[0]


def test_predict_refuses_a_csv_without_the_model_columns(flowers_csv, tmp_path):
    model = tmp_path / "m.safetensors"
    args = ["--target", "species", "--save", str(model), "--epochs", "1", "--quiet"]
    assert run("train", "--csv", str(flowers_csv), *args).returncode == 0
    other = tmp_path / "other.csv"
    write_csv(other, ["length", "height"], [[1, 2]])
    result = run("predict", "--model", str(model), "--csv", str(other))
    assert result.returncode == 2 and "no column 'width'" in result.stderr


# ----------------------------------------------------------------------------- user error or bug
# In-process: main() is the command (the subprocess tests above check the console script).
def test_a_value_the_library_refuses_is_still_one_line_and_status_2(capsys):
    from nnet.cli import main

    assert main(["train", "--lr", "-1", "--quiet"]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert err.count("\n") == 1 and err.startswith("nnet: error:") and "learning_rate" in err


def _injected_bug(*args: object, **kwargs: object) -> None:
    raise ValueError("injected bug deep inside the library")


@pytest.mark.parametrize(
    ("command", "owner", "name"),
    [
        (["train", "--epochs", "2", "--quiet"], "nnet.training.Engine", "_epoch"),
        (["train", "--epochs", "2", "--quiet"], "nnet.callbacks.History", "epochs_run"),
        (["sweep", "--grid", "lr=0.1,0.2", "--epochs", "2", "--quiet"], "nnet.study.Study", "best"),
    ],
)
def test_an_error_inside_the_library_shows_its_traceback_and_asks_for_a_report(
    command, owner, name, monkeypatch, capsys
):
    from nnet.cli import main

    module, _, cls = owner.rpartition(".")
    target = getattr(importlib.import_module(module), cls)
    bug = property(_injected_bug) if isinstance(vars(target)[name], property) else _injected_bug
    monkeypatch.setattr(target, name, bug)
    status = main(command)
    err = capsys.readouterr().err
    assert status not in (0, 2, 130)
    assert "Traceback (most recent call last)" in err
    assert "ValueError: injected bug deep inside the library" in err
    assert "nnet: internal error" in err and "please report it" in err
    assert "nnet: error:" not in err  # not passed off as the user's mistake


def test_importing_nnet_changes_no_signal_handler_even_in_a_script_named_nnet(tmp_path):
    # Only the command's own module (nnet.cli) handles Ctrl-C at start-up; the package, even
    # imported from a script whose name is the command's, leaves Python's default alone.
    script = tmp_path / "nnet"
    script.write_text(
        "import signal, sys, nnet\n"
        "print(signal.getsignal(signal.SIGINT) is signal.default_int_handler)\n"
        "print('numpy' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["True", "False"]


# ----------------------------------------------------------------------------- --import (issue 22)
PARTS = '''
import autograd.numpy as anp
from nnet.activations import register_activation
from nnet.optimizers import Optimizer, register_optimizer


class HalfStep(Optimizer):
    """Plain gradient descent at half the learning rate."""

    def update(self, grad, state, learning_rate, params=None):
        return -0.5 * learning_rate * grad


register_activation("softsign_demo", lambda z: z / (1 + anp.abs(z)), overwrite=True)
register_optimizer("halfstep_demo", HalfStep, overwrite=True)
'''


@pytest.fixture
def parts(tmp_path: Path) -> Path:
    """A user's module of custom parts, registered when it is imported."""
    path = tmp_path / "course_parts.py"
    path.write_text(PARTS)
    return path


@pytest.mark.parametrize("spelling", ["path", "module"])
def test_import_registers_custom_parts_for_train_predict_and_info(spelling, parts, tmp_path):
    """Issue 22: a shell cannot call register_activation; --import runs a module that does."""
    spec = str(parts) if spelling == "path" else "course_parts"
    model = tmp_path / "m.safetensors"
    result = run("train", "--import", spec, "--activation", "softsign_demo", "--optimizer",
                 "halfstep_demo", "--epochs", "3", "--quiet", "--save", str(model),
                 cwd=tmp_path)  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "softsign_demo, softmax" in result.stdout and "HalfStep(" in result.stdout
    rows = tmp_path / "rows.csv"
    features = [f"{p} {size} (cm)" for p in ("sepal", "petal") for size in ("length", "width")]
    write_csv(rows, features, [[5.1, 3.5, 1.4, 0.2]])
    result = run("predict", "--model", str(model), "--csv", str(rows), cwd=tmp_path)
    assert result.returncode == 2 and "--import" in result.stderr  # the model needs the parts
    for command in (["predict", "--csv", str(rows)], ["info"]):
        result = run(*command, "--model", str(model), "--import", spec, cwd=tmp_path)
        assert result.returncode == 0, result.stderr
    assert "softsign_demo" in result.stdout


def test_import_registers_an_optimizer_for_sweep(parts, tmp_path):
    result = run("sweep", "--import", str(parts), "--optimizer", "halfstep_demo", "--grid",
                 "lr=0.01,0.1", "--grid", "activation=softsign_demo,tanh", "--epochs", "2",
                 "--quiet")  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "4 models over learning_rate, activation_funcs" in result.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["train", "--activation", "softsign_demo"], "--import a module that registers it"),
        (["train", "--optimizer", "halfstep_demo"], "--import a module that registers it"),
        (["sweep", "--grid", "activation=softsign_demo"], "--import a module that registers it"),
        (["train", "--import", "no_such_module_xyz"], "--import no_such_module_xyz: "
         "ModuleNotFoundError: No module named 'no_such_module_xyz'"),
        (["info", "--import", "missing.py", "--model", "m"], "--import missing.py: no such file"),
        (["train", "--import", "broken.py"], "--import broken.py: ZeroDivisionError"),
        (["train", "--imp", "broken.py"], "--import broken.py: ZeroDivisionError"),
    ],
)  # fmt: skip
def test_import_errors_and_unknown_names_are_one_line(args, message, tmp_path):
    (tmp_path / "broken.py").write_text("1 / 0\n")
    result = run(*args, "--quiet" if args[0] != "info" else "--model=m", cwd=tmp_path)
    assert result.returncode == 2, result.stderr
    assert result.stderr.startswith("nnet: error:") and message in result.stderr
    assert "Traceback" not in result.stderr and len(result.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize("command", ["train", "predict", "info", "sweep"])
def test_every_command_lists_import_in_its_help(command):
    result = run(command, "--help")
    assert result.returncode == 0 and "--import MODULE" in result.stdout
