"""The ``nnet`` command under hostile input, run as a user runs it: in a subprocess.

Every user error ends with one ``nnet: error:`` line on stderr and exit status 2,
Ctrl-C with one line and 130, a closed pipe quietly; no input file is ever
overwritten and a diverged or interrupted run saves nothing.
"""

from __future__ import annotations

import csv
import json
import os
import signal
import subprocess
import sys
import time
from importlib import metadata
from pathlib import Path

import numpy as np
import pytest
import safetensors
import safetensors.numpy
from helpers import flower_rows, interrupt_once, write_csv

from nnet import serialization as ser
from nnet.serialization import describe_file, load_network


@pytest.fixture
def flowers(tmp_path: Path) -> Path:
    """Two separable classes with string labels: 'length', 'width' -> 'species'."""
    rows = [list(row) for row in flower_rows()]
    return write_csv(tmp_path / "flowers.csv", ["length", "width", "species"], rows)


@pytest.fixture
def model(flowers: Path, tmp_path: Path, nnet_cli) -> Path:
    path = tmp_path / "model.safetensors"
    args = ["--target", "species", "--save", str(path), "--epochs", "20", "--quiet"]
    result = nnet_cli("train", "--csv", str(flowers), *args)
    assert result.returncode == 0, result.stderr
    return path


def snapshot(*paths: Path) -> list[tuple[bytes, int]]:
    return [(p.read_bytes(), p.stat().st_mtime_ns) for p in paths]


# --------------------------------------------------------------------------- the CSV reader
def test_a_repeated_column_name_is_refused(tmp_path, nnet_cli, one_line_error):
    path = write_csv(tmp_path / "d.csv", ["a", "a", "label"], [[1, 2, "x"], [3, 4, "y"]] * 10)
    result = nnet_cli("train", "--csv", str(path), "--target", "label", "--quiet")
    one_line_error(result, "names the column 'a' twice")


def test_an_empty_column_name_is_refused(tmp_path, nnet_cli, one_line_error):
    path = write_csv(tmp_path / "d.csv", ["a", "", "label"], [[1, 2, "x"], [3, 4, "y"]] * 10)
    result = nnet_cli("train", "--csv", str(path), "--target", "label", "--quiet")
    one_line_error(result, "column 2 of the header has no name")


def test_a_utf8_byte_order_mark_is_dropped(tmp_path, nnet_cli):
    rows = [[i % 2, i % 3, float(i) * 0.5] for i in range(30)]
    path = write_csv(tmp_path / "bom.csv", ["a", "b", "y"], rows, encoding="utf-8-sig")
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    result = nnet_cli("train", "--csv", str(path), "--target", "a", "--epochs", "2", "--quiet")
    assert result.returncode == 0, result.stderr
    assert "2 features" in result.stdout


def test_a_field_longer_than_the_csv_limit_is_one_line(tmp_path, nnet_cli, one_line_error):
    path = tmp_path / "long.csv"
    path.write_text("a,y\n1,2\n" + "1" * 131_073 + ",3\n")
    result = nnet_cli("train", "--csv", str(path), "--target", "y", "--quiet")
    one_line_error(result, "line 3: not valid CSV (field larger than field limit")


def test_a_file_that_is_not_utf8_is_one_line(tmp_path, nnet_cli, one_line_error):
    path = tmp_path / "latin1.csv"
    path.write_bytes("a,y\n1,caf\xe9\n2,th\xe9\n".encode("latin-1"))
    result = nnet_cli("train", "--csv", str(path), "--target", "y", "--quiet")
    one_line_error(result, "is not UTF-8 text")


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs POSIX FIFOs")
def test_a_fifo_as_csv_is_refused_without_waiting(tmp_path, nnet_cli, one_line_error):
    fifo = tmp_path / "pipe.csv"
    os.mkfifo(fifo)
    result = nnet_cli("train", "--csv", str(fifo), "--target", "y", "--quiet", timeout=120)
    one_line_error(result, "is not a regular file")


def test_a_nan_target_names_the_column_and_line(tmp_path, nnet_cli, one_line_error):
    rows = [[i, "nan" if i == 5 else i % 2] for i in range(40)]
    path = write_csv(tmp_path / "d.csv", ["x", "label"], rows)
    result = nnet_cli("train", "--csv", str(path), "--target", "label", "--quiet")
    one_line_error(result, "line 7, target column 'label': 'nan' is not a finite number")


def test_an_infinite_feature_names_the_column_and_line(tmp_path, nnet_cli, one_line_error):
    rows = [[i, "-inf" if i == 3 else i, i % 2] for i in range(40)]
    path = write_csv(tmp_path / "d.csv", ["x", "z", "label"], rows)
    result = nnet_cli("train", "--csv", str(path), "--target", "label", "--quiet")
    one_line_error(result, "line 5, column 'z': '-inf' is not a finite number")


def test_huge_finite_features_say_they_cannot_be_standardized(tmp_path, nnet_cli, one_line_error):
    rows = [[1e308 if i % 2 else -1e308, i, i % 2] for i in range(40)]
    path = write_csv(tmp_path / "d.csv", ["big", "small", "label"], rows)
    result = nnet_cli("train", "--csv", str(path), "--target", "label", "--quiet")
    assert "RuntimeWarning" not in result.stderr
    one_line_error(result, "feature 'big' is too large to standardize")


def test_integer_targets_with_single_sample_classes_are_summarized(
    tmp_path, nnet_cli, one_line_error
):
    path = write_csv(tmp_path / "d.csv", ["x", "count"], [[i * 0.1, i] for i in range(200)])
    line = one_line_error(nnet_cli("train", "--csv", str(path), "--target", "count"), "200 classes")
    assert "single sample" in line and "--task regression" in line and len(line) < 300


def test_classification_of_a_continuous_target_says_it_looks_continuous(
    tmp_path, nnet_cli, one_line_error
):
    rng = np.random.default_rng(1)
    x = rng.normal(size=200)
    path = write_csv(tmp_path / "d.csv", ["x", "y"], np.column_stack([x, 2 * x]).tolist())
    args = ["--target", "y", "--task", "classification", "--quiet"]
    line = one_line_error(nnet_cli("train", "--csv", str(path), *args), "looks continuous")
    assert "200 distinct values" in line and "--task regression" in line


# --------------------------------------------------------------------------- outputs = inputs
@pytest.mark.parametrize("flag", ["--save", "--plot"])
@pytest.mark.parametrize("spelling", ["same", "dotted", "symlink", "hardlink"])
def test_train_never_overwrites_its_csv(flag, spelling, flowers, nnet_cli, one_line_error):
    target = {
        "same": flowers,
        "dotted": flowers.parent / "." / ".." / flowers.parent.name / flowers.name,
        "symlink": flowers.parent / "link.csv",
        "hardlink": flowers.parent / "hard.csv",
    }[spelling]
    if spelling == "symlink":
        target.symlink_to(flowers)
    if spelling == "hardlink":
        os.link(flowers, target)
    before = snapshot(flowers)
    args = ["--target", "species", flag, str(target), "--epochs", "2", "--quiet"]
    result = nnet_cli("train", "--csv", str(flowers), *args)
    one_line_error(result, f"{flag} {target} is the --csv file")
    assert snapshot(flowers) == before


@pytest.mark.parametrize("what", ["csv", "model"])
def test_predict_never_overwrites_its_inputs(what, flowers, model, nnet_cli, one_line_error):
    before = snapshot(flowers, model)
    target = flowers if what == "csv" else model
    result = nnet_cli(
        "predict", "--model", str(model), "--csv", str(flowers), "--output", str(target)
    )
    one_line_error(result, f"is the --{what} file")
    assert snapshot(flowers, model) == before


# --------------------------------------------------------------------------- model files
def rewrite_extra(path: Path, dest: Path, extra: object) -> Path:
    """A validly signed copy of ``path`` whose ``extra`` is ``extra`` (bypassing save's checks)."""
    with safetensors.safe_open(str(path), framework="np") as f:
        meta, arrays = f.metadata(), {k: f.get_tensor(k) for k in f.keys()}
    meta["extra"] = json.dumps(extra)
    meta["sha256"] = ser.checksum(meta, arrays)
    safetensors.numpy.save_file(arrays, str(dest), metadata=meta)
    return dest


BAD_EXTRAS = [
    ({"classes": ["setosa"]}, "extra['classes'] has 1 labels but the network has 2 outputs"),
    ({"classes": {"0": "setosa", "1": "virginica"}}, "extra['classes'] must be a list"),
    ({"classes": []}, "extra['classes'] is empty"),
    ({"features": ["length"]}, "extra['features'] has 1 entries"),
    ({"mean": ["a", "b"]}, "extra['mean'] must be a list of numbers"),
    ({"scale": [1.0, 0.0]}, "extra['scale'] must be a list of positive numbers"),
]


@pytest.mark.parametrize("command", ["predict", "info"])
@pytest.mark.parametrize(("change", "message"), BAD_EXTRAS)
def test_an_extra_that_disagrees_with_the_network_is_one_line(
    command, change, message, model, flowers, tmp_path, nnet_cli, one_line_error
):
    extra = {**describe_file(model)["extra"], **change}
    bad = rewrite_extra(model, tmp_path / "bad.safetensors", extra)
    args = ["--model", str(bad)] + (["--csv", str(flowers)] if command == "predict" else [])
    line = one_line_error(nnet_cli(command, *args), message)
    assert "bad.safetensors" in line


def test_predict_escapes_terminal_bytes_on_stdout_but_writes_them_to_files(
    model, flowers, tmp_path, nnet_cli
):
    extra = describe_file(model)["extra"]
    extra["classes"] = ["\x1b[2Jsetosa", "virginica\x07"]
    extra["target"] = "sp\x1b]0;pwned\x07ecies"
    hostile = rewrite_extra(model, tmp_path / "hostile.safetensors", extra)
    result = nnet_cli("predict", "--model", str(hostile), "--csv", str(flowers), "--proba")
    assert result.returncode == 0, result.stderr
    assert "\x1b" not in result.stdout and "\x07" not in result.stdout
    assert "\\x1b[2Jsetosa" in result.stdout and "virginica\\x07" in result.stdout
    info = nnet_cli("info", "--model", str(hostile))
    assert info.returncode == 0 and "\x1b" not in info.stdout
    out = tmp_path / "pred.csv"
    args = ["--csv", str(flowers), "--output", str(out)]
    assert nnet_cli("predict", "--model", str(hostile), *args).returncode == 0
    with out.open(newline="") as handle:
        rows = list(csv.reader(handle))
    assert rows[0] == ["predicted_sp\x1b]0;pwned\x07ecies"]
    assert {row[0] for row in rows[1:]} <= {"\x1b[2Jsetosa", "virginica\x07"}


def test_predict_names_a_feature_too_large_for_the_models_scaling(
    model, tmp_path, nnet_cli, one_line_error
):
    extra = {**describe_file(model)["extra"], "scale": [1e-10, 1e-10]}
    tiny = rewrite_extra(model, tmp_path / "tiny.safetensors", extra)
    data = write_csv(tmp_path / "x.csv", ["width", "length"], [[1.0, 2.0], [1.0, -1e308]])
    result = nnet_cli("predict", "--model", str(tiny), "--csv", str(data))
    assert "RuntimeWarning" not in result.stderr
    one_line_error(result, "line 3, column 'length': -1e+308 is too large to standardize")


def test_a_model_file_that_is_a_device_is_refused(flowers, nnet_cli, one_line_error):
    if not Path("/dev/zero").exists():
        pytest.skip("needs /dev/zero")
    result = nnet_cli("predict", "--model", "/dev/zero", "--csv", str(flowers), timeout=120)
    one_line_error(result, "not a regular file")


# --------------------------------------------------------------------------- sizes, divergence
@pytest.mark.parametrize("seed", ["-1", str(2**32)])
def test_seeds_outside_the_split_range_name_the_flag(seed, nnet_cli, one_line_error):
    one_line_error(nnet_cli("train", "--seed", seed, "--quiet"), "--seed must be an int in [0, ")


@pytest.mark.parametrize("hidden", ["99999999999", "60000,60000"])
def test_huge_hidden_layers_are_refused_before_allocating(hidden, nnet_cli, one_line_error):
    start = time.perf_counter()
    result = nnet_cli("train", "--hidden", hidden, "--quiet", timeout=120)
    line = one_line_error(result, f"--hidden {hidden}: ")
    assert "parameters, more than the 1,000,000,000" in line
    assert time.perf_counter() - start < 60  # refused, not attempted


def test_a_diverged_run_is_one_line_and_saves_nothing(tmp_path, nnet_cli, one_line_error):
    model, plot = tmp_path / "m.safetensors", tmp_path / "curves.png"
    args = ["--dataset", "runge", "--lr", "1e9", "--save", str(model), "--plot", str(plot)]
    result = nnet_cli("train", *args, "--quiet")
    line = one_line_error(result, "training diverged in epoch")
    assert "nothing was written to --save or --plot" in line and "smaller --lr" in line
    assert "were not recorded" not in result.stderr
    assert not model.exists() and not plot.exists()


def test_a_run_that_diverges_saves_no_model(tmp_path, nnet_cli, one_line_error):
    # (The loss explodes in the first epoch here, which train() now detects at once, so
    # there are no finished epochs to plot.)
    model, plot = tmp_path / "m.safetensors", tmp_path / "curves.png"
    args = ["--dataset", "runge", "--optimizer", "sgd", "--lr", "3", "--hidden", "32"]
    result = nnet_cli("train", *args, "--save", str(model), "--plot", str(plot), "--quiet")
    line = one_line_error(result, "training diverged in epoch")
    assert "it is exploding" in line and "nothing was written to --save" in line
    assert not model.exists()


# --------------------------------------------------------------------------- signals and pipes
def _start(*args: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "nnet", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _wait_until_mapped(proc: subprocess.Popen, library: str, timeout: float = 120) -> None:
    """Wait until ``proc`` has loaded a shared object of ``library`` (Linux /proc)."""
    deadline = time.monotonic() + timeout
    while library not in Path(f"/proc/{proc.pid}/maps").read_text():
        assert proc.poll() is None and time.monotonic() < deadline, proc.communicate()
        time.sleep(0.005)


@pytest.mark.skipif(not Path("/proc/self/maps").exists(), reason="needs Linux /proc")
def test_ctrl_c_during_start_up_is_one_line_and_130(nnet_cli, one_line_error):
    proc = _start("train", "--dataset", "digits", "--quiet")
    _wait_until_mapped(proc, "sklearn")  # while scikit-learn is imported, before training
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=120)
    result = subprocess.CompletedProcess(proc.args, proc.returncode, out, err)
    one_line_error(result, "nnet: interrupted", status=130)


def test_ctrl_c_caught_after_an_eval_still_exits_130(tmp_path, one_line_error):
    """CPython's ``-m`` would die by SIGINT once a KeyboardInterrupt left a string eval."""
    (tmp_path / "sitecustomize.py").write_text(
        "import nnet.cli\n"
        "def interrupted_in_an_eval(args):\n"
        "    exec('raise KeyboardInterrupt')  # as inside collections.namedtuple\n"
        "nnet.cli.run_train = interrupted_in_an_eval\n"
    )
    path = os.pathsep.join(filter(None, [str(tmp_path), os.environ.get("PYTHONPATH")]))
    result = subprocess.run(
        [sys.executable, "-m", "nnet", "train", "--quiet"],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": path},
        timeout=120,
    )
    one_line_error(result, "nnet: interrupted", status=130)


def test_ctrl_c_during_training_saves_nothing(tmp_path, one_line_error):
    model = tmp_path / "m.safetensors"
    proc = _start("train", "--dataset", "digits", "--epochs", "100000", "--save", str(model))
    status, out, err = interrupt_once(proc, "train:")  # the progress bar is up
    assert status == 130, err
    assert "Traceback" not in err
    assert err.strip().splitlines()[-1].startswith("nnet: interrupted in epoch")
    assert "nothing was written to --save" in err
    assert "(interrupted)" in out and not model.exists()


@pytest.mark.parametrize("command", ["info", "predict"])
def test_a_closed_output_pipe_ends_quietly(command, model, flowers):
    args = ["--model", str(model)] + (["--csv", str(flowers)] if command == "predict" else [])
    proc = subprocess.Popen(
        [sys.executable, "-m", "nnet", command, *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.close()  # like `| head -0`: the reader is gone before anything is written
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=120) == 141
    assert err == ""


# --------------------------------------------------------------------------- issue 14: flags
def test_version_comes_from_the_package_metadata(nnet_cli):
    result = nnet_cli("--version")
    assert result.returncode == 0
    assert result.stdout.strip() == f"nnet {metadata.version('nnet')}"


def test_help_says_features_are_standardized_and_how_to_stop_it(nnet_cli):
    result = nnet_cli("train", "--help")
    text = " ".join(result.stdout.split())
    assert result.returncode == 0
    assert "features are standardized by default" in text
    assert "--no-standardize keep the raw features (by default each is standardized" in text
    for flag in ("--l1", "--early-stopping"):
        assert flag in text


def test_proba_writes_one_probability_per_class(model, flowers, tmp_path, nnet_cli):
    out = tmp_path / "p.csv"
    args = ["--csv", str(flowers), "--output", str(out), "--proba"]
    assert nnet_cli("predict", "--model", str(model), *args).returncode == 0
    with out.open() as handle:
        rows = list(csv.DictReader(handle))
    assert list(rows[0]) == ["predicted_species", "proba_setosa", "proba_virginica"]
    probs = np.array([[float(r["proba_setosa"]), float(r["proba_virginica"])] for r in rows])
    np.testing.assert_allclose(probs.sum(axis=1), 1.0)
    labels = np.array(["setosa", "virginica"])[probs.argmax(axis=1)]
    assert labels.tolist() == [r["predicted_species"] for r in rows]


def test_proba_on_a_regression_model_is_refused(tmp_path, nnet_cli, one_line_error):
    model = tmp_path / "runge.safetensors"
    data = tmp_path / "runge.csv"
    write_csv(data, ["x", "y"], [[i / 10, (i / 10) ** 2] for i in range(-10, 11)])
    args = ["--csv", str(data), "--target", "y", "--epochs", "2", "--save", str(model)]
    assert nnet_cli("train", *args, "--quiet").returncode == 0
    result = nnet_cli("predict", "--model", str(model), "--csv", str(data), "--proba")
    one_line_error(result, "--proba needs a classifier")


def test_l1_reaches_the_saved_network_and_shrinks_its_weights(tmp_path, nnet_cli):
    sums = []
    for l1 in ("0", "0.05"):
        path = tmp_path / f"l1_{l1}.safetensors"
        args = ["--l1", l1, "--epochs", "30", "--save", str(path), "--quiet"]
        assert nnet_cli("train", *args).returncode == 0
        assert describe_file(path)["l1"] == float(l1)
        sums.append(sum(np.abs(W).sum() for W, _ in load_network(path).layers))
    assert sums[1] < 0.8 * sums[0]


def test_early_stopping_monitors_a_validation_split_not_the_test_split(nnet_cli, one_line_error):
    result = nnet_cli("train", "--early-stopping", "2", "--epochs", "300", "--quiet")
    assert result.returncode == 0, result.stderr
    assert "train 96, test 30, validation 24" in result.stdout
    assert "(early_stopping)" in result.stdout
    one_line_error(nnet_cli("train", "--early-stopping", "0"), "--early-stopping must be")


PLOT_DRIVER = """
import json, sys
import matplotlib
matplotlib.use("Agg")
from matplotlib.figure import Figure
drawn, save = [], Figure.savefig
def record(self, *args, **kwargs):
    drawn.append([[str(line.get_label()) for line in ax.get_lines()] for ax in self.axes])
    return save(self, *args, **kwargs)
Figure.savefig = record
from nnet.cli import main
status = main(sys.argv[1:])
print("DRAWN", json.dumps(drawn))
sys.exit(status)
"""


def _drawn_labels(tmp_path: Path, *args: str) -> list[list[str]]:
    """Run ``nnet train --plot`` in a subprocess that reports the lines of the saved figure."""
    plot = tmp_path / "curves.png"
    result = subprocess.run(
        [sys.executable, "-c", PLOT_DRIVER, "train", *args, "--plot", str(plot), "--quiet"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    assert plot.stat().st_size > 1000
    line = next(x for x in result.stdout.splitlines() if x.startswith("DRAWN "))
    (figure,) = json.loads(line.removeprefix("DRAWN "))
    return figure


def test_plot_labels_the_test_split_and_draws_no_best_epoch_for_the_last_epoch(tmp_path):
    loss, accuracy = _drawn_labels(tmp_path, "--epochs", "5")
    assert loss == ["train_loss", "test_loss"]
    assert accuracy == ["accuracy", "test_accuracy"]


def test_plot_with_early_stopping_shows_the_validation_split_and_best_epoch(tmp_path):
    loss, _ = _drawn_labels(tmp_path, "--epochs", "300", "--early-stopping", "2")
    assert loss == ["train_loss", "validation_loss", "best epoch (restored)"]


@pytest.mark.skipif(not Path("/proc/self/maps").exists(), reason="needs Linux /proc")
def test_ctrl_c_while_the_library_is_imported_is_one_line_and_130(one_line_error):
    proc = _start("info", "--model", "no-such-file.safetensors")
    _wait_until_mapped(proc, "numpy")  # nnet/__init__ imports NumPy first, about 1 s of imports
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=120)
    result = subprocess.CompletedProcess(proc.args, proc.returncode, out, err)
    one_line_error(result, "nnet: interrupted", status=130)


def test_importing_the_library_leaves_ctrl_c_alone():
    """Only the nnet command changes the SIGINT handler (until its main starts)."""
    code = (
        "import signal, nnet; print(signal.getsignal(signal.SIGINT) is signal.default_int_handler)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "True"
