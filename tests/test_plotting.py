"""nnet.plotting: what each plot draws (data, labels, annotations), headless on Agg."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from sklearn.metrics import confusion_matrix  # noqa: E402

from nnet import plotting  # noqa: E402
from nnet.plotting import (  # noqa: E402
    plot_confusion_matrix,
    plot_heatmap,
    plot_history,
    plot_regression_fit,
)


@pytest.fixture(autouse=True)
def _close_figures_and_forbid_show(monkeypatch: pytest.MonkeyPatch):
    def show(*args, **kwargs):
        raise AssertionError("nnet.plotting must never call plt.show()")

    monkeypatch.setattr(plt, "show", show)
    yield
    plt.close("all")


def _lines(ax) -> dict[str, tuple[list[float], list[float]]]:
    return {
        line.get_label(): (list(line.get_xdata()), list(line.get_ydata()))
        for line in ax.get_lines()
    }


def _texts(ax) -> list[tuple[float, float, str]]:
    return [(*t.get_position(), t.get_text()) for t in ax.texts]


HISTORY = {
    "train_loss": [1.2, 0.8, 0.5, 0.45],
    "val_loss": [1.3, 0.9, 0.7, 0.75],
    "metrics": {
        "accuracy": [0.5, 0.7, 0.8, 0.85],
        "val_accuracy": [0.4, 0.6, 0.7, 0.65],
        "r2": [0.1, 0.2, 0.3, 0.4],
    },
    "best_epoch": 2,
}


# ----------------------------------------------------------------------------- lazy import
def test_importing_the_module_does_not_import_matplotlib():
    code = "import sys, nnet.plotting; print('matplotlib' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_missing_matplotlib_says_how_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib.pyplot", None)  # makes the import fail
    with pytest.raises(ImportError, match=r'pip install "nnet\[plot\]"'):
        plot_history(HISTORY)


# ----------------------------------------------------------------------------- history
def test_history_lines_are_the_recorded_losses_per_epoch():
    ax = plot_history(HISTORY)
    lines = _lines(ax)
    assert lines["train_loss"] == ([1, 2, 3, 4], HISTORY["train_loss"])
    assert lines["val_loss"] == ([1, 2, 3, 4], HISTORY["val_loss"])
    assert lines["best epoch"][0] == [3, 3]  # 0-based best_epoch 2 is epoch 3
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("epoch", "loss")
    assert [t.get_text() for t in ax.get_legend().get_texts()] == [
        "train_loss",
        "val_loss",
        "best epoch",
    ]


def test_history_from_a_real_training_run():
    training = pytest.importorskip("nnet.training")
    from nnet import NeuralNetwork

    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 2))
    Y = np.eye(2)[(X[:, 0] > 0).astype(int)]
    net = NeuralNetwork(2, [4, 2], ["tanh", "softmax"], cost_fun="cross_entropy", seed=0)
    history = training.train(
        net,
        "adam",
        X[:40],
        Y[:40],
        epochs=5,
        batch_size=10,
        validation_data=(X[40:], Y[40:]),
        metrics=["accuracy"],
        seed=0,
    )
    fig = plot_history(history, metrics="all")
    loss_ax, acc_ax = fig.axes
    assert _lines(loss_ax)["train_loss"][1] == history.train_loss
    assert _lines(loss_ax)["val_loss"][1] == history.val_loss
    assert _lines(acc_ax)["accuracy"][1] == history.metrics["accuracy"]
    assert _lines(acc_ax)["val_accuracy"][1] == history.metrics["val_accuracy"]
    assert acc_ax.get_ylabel() == "accuracy"


def test_history_without_validation_draws_only_the_training_loss():
    ax = plot_history({"train_loss": [3.0, 2.0]})
    assert list(_lines(ax)) == ["train_loss"]


def test_history_metric_panels_pair_each_metric_with_its_validation_twin():
    fig = plot_history(HISTORY, metrics=["val_accuracy", "r2"])
    loss_ax, acc_ax, r2_ax = fig.axes
    assert [a.get_ylabel() for a in fig.axes] == ["loss", "accuracy", "r2"]
    assert _lines(acc_ax)["accuracy"][1] == HISTORY["metrics"]["accuracy"]
    assert _lines(acc_ax)["val_accuracy"][1] == HISTORY["metrics"]["val_accuracy"]
    assert set(_lines(r2_ax)) == {"r2", "best epoch"}
    assert set(_lines(loss_ax)) == {"train_loss", "val_loss", "best epoch"}


def test_history_draws_on_the_given_axes():
    fig, ax = plt.subplots()
    assert plot_history(HISTORY, ax=ax) is ax
    fig, axes = plt.subplots(1, 2)
    assert plot_history(HISTORY, ax=axes, metrics="accuracy") is fig
    assert axes[1].get_ylabel() == "accuracy"


def test_history_refuses_unknown_metrics_and_wrong_axes():
    with pytest.raises(ValueError, match=r"\['f1'\] were not recorded"):
        plot_history(HISTORY, metrics=["f1"])
    _, axes = plt.subplots(1, 2)
    with pytest.raises(ValueError, match="ax must hold 3 Axes"):
        plot_history(HISTORY, ax=axes, metrics="all")
    with pytest.raises(TypeError, match="train_loss"):
        plot_history([1.0, 2.0])


# ----------------------------------------------------------------------------- heatmap
def test_heatmap_annotates_each_cell_with_its_formatted_score():
    scores = np.array([[0.123, 0.456, 0.789], [0.5, np.nan, 1.0]])
    etas, lambdas = [1e-4, 1e-3, 1e-2], [1e-5, 1e-1]
    ax = plot_heatmap(scores, etas, lambdas, "eta", "lambda", fmt=".3f")
    expected = [
        (j, i, "nan" if np.isnan(scores[i, j]) else f"{scores[i, j]:.3f}")
        for i in range(2)
        for j in range(3)
    ]
    assert _texts(ax) == expected
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("eta", "lambda")
    image = ax.get_images()[0]
    assert np.ma.getmaskarray(image.get_array()).tolist() == [
        [False, False, False],
        [False, True, False],
    ]
    np.testing.assert_array_equal(image.get_array().filled(0.0), np.nan_to_num(scores))


def test_heatmap_ticks_are_labelled_with_the_values():
    ax = plot_heatmap(np.zeros((3, 2)), [1e-3, 5e-2], [0.0, 0.5, 2], "x", "y", log_y=False)
    xticks = [t.get_text() for t in ax.get_xticklabels()]
    yticks = [t.get_text() for t in ax.get_yticklabels()]
    assert xticks == ["$10^{-3}$", "5e-02"]
    assert yticks == ["0", "0.5", "2"]
    assert list(ax.get_xticks()) == [0, 1] and list(ax.get_yticks()) == [0, 1, 2]


def test_heatmap_highlights_the_best_cell_and_labels_the_colorbar():
    scores = [[0.2, 0.9], [0.4, 0.1]]
    ax = plot_heatmap(scores, [1, 10], [1, 10], "a", "b", highlight="min", colorbar_label="MSE")
    [box] = ax.patches
    assert box.get_xy() == (0.5, 0.5)  # column 1, row 1 holds the minimum 0.1
    assert ax.figure.axes[1].get_ylabel() == "MSE"
    ax = plot_heatmap(scores, [1, 10], [1, 10], "a", "b", highlight="max")
    assert ax.patches[0].get_xy() == (0.5, -0.5)


def test_heatmap_percent_format_and_shape_check():
    ax = plot_heatmap([[0.5, 0.25]], [1, 2], [3], "x", "y", fmt=".0%")
    assert [t.get_text() for t in ax.texts] == ["50%", "25%"]
    with pytest.raises(ValueError, match=r"shape \(len\(y_values\), len\(x_values\)\) = \(1, 2\)"):
        plot_heatmap([[0.5], [0.25]], [1, 2], [3], "x", "y")


# ----------------------------------------------------------------------------- confusion
def test_confusion_matrix_counts_are_sklearns():
    rng = np.random.default_rng(1)
    y_true, y_pred = rng.integers(0, 4, 50), rng.integers(0, 4, 50)
    ax = plot_confusion_matrix(y_true, y_pred)
    counts = confusion_matrix(y_true, y_pred)
    assert _texts(ax) == [(j, i, str(counts[i, j])) for i in range(4) for j in range(4)]
    np.testing.assert_array_equal(ax.get_images()[0].get_array(), counts)
    assert [t.get_text() for t in ax.get_xticklabels()] == ["0", "1", "2", "3"]
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("predicted label", "true label")


def test_confusion_matrix_from_one_hot_targets_and_probabilities():
    targets = np.eye(3)[[0, 1, 2, 2]]
    probabilities = np.array([[0.7, 0.2, 0.1], [0.1, 0.3, 0.6], [0.2, 0.2, 0.6], [0.5, 0.1, 0.4]])
    ax = plot_confusion_matrix(targets, probabilities)
    assert [t.get_text() for t in ax.texts] == ["1", "0", "0", "0", "0", "1", "1", "0", "1"]
    ax = plot_confusion_matrix(np.array([[1.0], [0.0]]), np.array([[0.9], [0.6]]))
    assert [t.get_text() for t in ax.texts] == ["0", "1", "0", "1"]


def test_confusion_matrix_label_order_and_names():
    ax = plot_confusion_matrix(["cat", "dog", "dog"], ["dog", "dog", "cat"], labels=["dog", "cat"])
    assert [t.get_text() for t in ax.get_yticklabels()] == ["dog", "cat"]
    assert [t.get_text() for t in ax.texts] == ["1", "1", "1", "0"]
    with pytest.raises(ValueError, match="as many samples"):
        plot_confusion_matrix([0, 1], [0, 1, 1])


# ----------------------------------------------------------------------------- regression
def test_regression_fit_draws_data_and_sorted_prediction():
    x = np.array([[0.3], [-0.5], [0.9], [0.0]])
    y = np.array([1.0, 2.0, 3.0, 4.0])
    pred = np.array([10.0, 20.0, 30.0, 40.0])
    ax = plot_regression_fit(x, y, pred)
    np.testing.assert_array_equal(ax.collections[0].get_offsets(), np.column_stack([x[:, 0], y]))
    assert _lines(ax)["prediction"] == ([-0.5, 0.0, 0.3, 0.9], [20.0, 40.0, 10.0, 30.0])
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["data", "prediction"]


def test_regression_fit_evaluates_models_on_a_grid():
    class Doubler:
        def predict(self, X):
            assert X.shape == (50, 1)
            return 2 * X

    x = np.linspace(-1, 1, 7)
    ax = plot_regression_fit(x, x, {"model": Doubler(), "truth": x, "f": np.cos}, n_grid=50)
    gx, gy = _lines(ax)["model"]
    np.testing.assert_allclose(gx, np.linspace(-1, 1, 50))
    np.testing.assert_allclose(gy, 2 * np.linspace(-1, 1, 50))
    assert _lines(ax)["truth"] == (list(x), list(x))
    np.testing.assert_allclose(_lines(ax)["f"][1], np.cos(np.linspace(-1, 1, 50)))


def test_regression_fit_checks_shapes():
    with pytest.raises(ValueError, match="one value per x"):
        plot_regression_fit([1.0, 2.0], [1.0, 2.0], {"bad": [1.0]})
    with pytest.raises(ValueError, match="one target per x"):
        plot_regression_fit([1.0, 2.0], [1.0, 2.0, 3.0], [1.0, 2.0])


def test_public_names_are_documented():
    for name in plotting.__all__:
        doc = getattr(plotting, name).__doc__
        assert doc and "Examples" in doc and "Returns" in doc
