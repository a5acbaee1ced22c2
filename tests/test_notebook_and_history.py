"""Notebook displays, History's timing/frame/restored flag, validation_split, quiet progress."""

from __future__ import annotations

import sys
import types
import warnings
import xml.etree.ElementTree as ET

import numpy as np
import pytest

from nnet import History, NeuralNetwork, train


def data(n=40, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 2))
    return X, (X[:, :1] * X[:, 1:]).copy()


def small_net(seed=0):
    return NeuralNetwork(2, [6, 1], ["tanh", "identity"], seed=seed)


# ----------------------------------------------------------------------------- displays
def test_network_html_is_the_summary_table():
    net = NeuralNetwork(4, [8, 3], ["sigmoid", "softmax"], cost_fun="cross_entropy", l2=0.5)
    page = net._repr_html_()
    table = ET.fromstring(page)  # well-formed XML (XHTML)
    rows = [[td.text for td in tr] for tr in table.iter("tr")]
    assert rows == [
        ["layer", "W shape", "b shape", "activation", "params"],
        ["1", "(4, 8)", "(8,)", "sigmoid", "40"],
        ["2", "(8, 3)", "(3,)", "softmax", "27"],
    ]
    assert "4 → 8 → 3" in page and "cross_entropy" in page and "total parameters: 67" in page
    assert "l2=0.5" in page


def test_history_html_has_the_final_numbers_and_an_svg_curve_per_loss():
    X, Y = data()
    net = small_net()
    history = train(net, "adam", X, Y, epochs=12, validation_data=data(20, 1), metrics=["mse"])
    page = history._repr_html_()
    root = ET.fromstring(page)
    cells = {tr[0].text: tr[1].text for tr in root.iter("tr") if tr[0].text}
    assert cells["epochs run"] == "12" and cells["stop reason"] == "completed"
    assert cells["final train_loss"] == f"{history.train_loss[-1]:.4g}"
    assert cells["final val_mse"] == f"{history.metrics['val_mse'][-1]:.4g}"
    assert "seconds per epoch" in cells
    svg = root.find("{http://www.w3.org/2000/svg}svg")
    lines = svg.findall("{http://www.w3.org/2000/svg}polyline")
    assert [line.get("class") for line in lines] == ["train_loss", "val_loss"]
    for line, values in zip(lines, (history.train_loss, history.val_loss)):
        points = [tuple(map(float, p.split(","))) for p in line.get("points").split()]
        assert len(points) == 12
        ys = np.array([y for _, y in points])
        # y grows downwards in SVG: a lower loss is drawn lower in value, higher on screen.
        order = np.argsort(values, kind="stable")
        assert np.all(np.diff(ys[order]) <= 1e-9)


def test_an_empty_history_still_displays():
    page = History()._repr_html_()
    ET.fromstring(page)
    assert "<svg" not in page and "epochs run" in page


# ----------------------------------------------------------------------------- History
def test_epoch_time_has_one_positive_entry_per_epoch_and_to_frame_lists_everything():
    X, Y = data()
    history = train(small_net(), "sgd", X, Y, epochs=5, metrics=["r2"])
    assert len(history.epoch_time) == 5 and all(t > 0 for t in history.epoch_time)
    frame = history.to_frame()
    assert frame.index.name == "epoch" and frame.index.tolist() == [0, 1, 2, 3, 4]
    assert frame.columns.tolist() == ["train_loss", "r2", "epoch_time"]
    np.testing.assert_array_equal(frame["train_loss"], history.train_loss)
    assert "epoch_time" not in history.as_dict()  # as_dict is what was learned: reproducible


def test_to_frame_explains_a_missing_pandas(monkeypatch):
    monkeypatch.setitem(sys.modules, "pandas", None)
    with pytest.raises(ImportError, match="pip install pandas"):
        History(train_loss=[1.0]).to_frame()


def test_restored_best_only_when_the_best_weights_were_put_back():
    X, Y = data()
    plain = train(small_net(), "adam", X, Y, epochs=5)
    assert plain.restored_best is False
    net = small_net()
    stopped = train(net, "sgd", X, Y, epochs=30, early_stopping=3, validation_data=data(20, 1))
    assert stopped.restored_best is True
    assert net.cost(*data(20, 1)) == pytest.approx(stopped.val_loss[stopped.best_epoch])


# ----------------------------------------------------------------------------- validation_split
def test_validation_split_holds_out_a_seeded_random_fraction():
    X, Y = data(50)
    history = train(small_net(), "adam", X, Y, epochs=3, validation_split=0.2, seed=3)
    again = train(small_net(), "adam", X, Y, epochs=3, validation_split=0.2, seed=3)
    assert history.val_loss == again.val_loss and len(history.val_loss) == 3
    assert history.monitor == "val_loss"
    # The same 10 rows, given explicitly, give the same validation loss.
    rows = np.random.default_rng(3).permutation(50)
    val, kept = np.sort(rows[:10]), np.sort(rows[10:])
    net = small_net()
    explicit = train(
        net, "adam", X[kept], Y[kept], epochs=3, validation_data=(X[val], Y[val]),
        rng=_after_permutation(3, 50),
    )  # fmt: skip
    assert explicit.val_loss == history.val_loss


def _after_permutation(seed, n):
    rng = np.random.default_rng(seed)
    rng.permutation(n)
    return rng


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"validation_split": 0.0}, ValueError, r"validation_split must be a float in \(0, 1\)"),
        ({"validation_split": 1.5}, ValueError, r"in \(0, 1\)"),
        ({"validation_split": "0.2"}, TypeError, "validation_split"),
        ({"validation_split": True}, TypeError, "validation_split"),
        ({"validation_split": 0.001}, ValueError, "leaves 0 for validation"),
        ({"validation_split": 0.2, "validation_data": data(5)}, ValueError, "not both"),
    ],
)
def test_validation_split_refuses_bad_values_before_training(kwargs, error, match):
    X, Y = data(40)
    net = small_net()
    before = [W.copy() for W, _ in net.layers]
    with pytest.raises(error, match=match):
        train(net, "adam", X, Y, epochs=2, **kwargs)
    assert all(np.array_equal(a, W) for a, (W, _) in zip(before, net.layers))


# ----------------------------------------------------------------------------- progress
def test_progress_in_a_notebook_without_ipywidgets_falls_back_quietly(monkeypatch, capsys):
    """tqdm.auto, imported in a Jupyter kernel without ipywidgets, warns TqdmWarning."""
    kernel = types.ModuleType("ipykernel.zmqshell")
    ipython = types.ModuleType("IPython")
    ipython.get_ipython = lambda: types.SimpleNamespace()  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "ipykernel.zmqshell", kernel)
    monkeypatch.setitem(sys.modules, "IPython", ipython)
    monkeypatch.setitem(sys.modules, "ipywidgets", None)  # import fails, as when not installed
    for name in ("tqdm.auto", "tqdm.autonotebook", "tqdm.notebook"):
        monkeypatch.delitem(sys.modules, name, raising=False)
    X, Y = data()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")  # not "error": tqdm catches its own warning then
        history = train(small_net(), "adam", X, Y, epochs=3, progress=True)
    assert [str(w.message) for w in caught] == []
    assert history.epochs_run == 3
    assert "3/3" in capsys.readouterr().err  # the plain text bar was drawn
    for name in ("tqdm.auto", "tqdm.autonotebook", "tqdm.notebook"):
        sys.modules.pop(name, None)  # re-imported afresh outside this fake kernel
