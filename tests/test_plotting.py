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
    plot_curves,
    plot_heatmap,
    plot_history,
    plot_regression_fit,
    plot_search_heatmap,
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
    "restored_best": True,
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
    [ax] = plot_history(HISTORY).axes
    lines = _lines(ax)
    assert lines["train_loss"] == ([1, 2, 3, 4], HISTORY["train_loss"])
    assert lines["val_loss"] == ([1, 2, 3, 4], HISTORY["val_loss"])
    assert lines["best epoch (restored)"][0] == [3, 3]  # 0-based best_epoch 2 is epoch 3
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("epoch", "loss")
    assert ax.get_yscale() == "linear"
    assert [t.get_text() for t in ax.get_legend().get_texts()] == [
        "train_loss",
        "val_loss",
        "best epoch (restored)",
    ]


def test_history_marks_the_best_epoch_only_when_its_weights_were_restored():
    kept_last = {**HISTORY, "restored_best": False}
    for fig in (plot_history(kept_last), plot_history(kept_last, metrics="all")):
        for ax in fig.axes:
            assert not any("best" in label for label in _lines(ax))
    legacy = {k: v for k, v in HISTORY.items() if k != "restored_best"}
    assert "best epoch (restored)" not in _lines(plot_history(legacy).axes[0])


def test_history_from_training_marks_the_best_epoch_after_early_stopping_only():
    from nnet import NeuralNetwork
    from nnet.training import train

    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 2))
    Y = X[:, :1] ** 2
    val = (X[40:], Y[40:])
    net = NeuralNetwork(2, [8, 1], ["tanh", "identity"], seed=0)
    plain = train(net, "adam", X[:40], Y[:40], epochs=8, validation_data=val, seed=0)
    assert "best epoch (restored)" not in _lines(plot_history(plain).axes[0])
    stopped = train(net, "sgd", X[:40], Y[:40], epochs=8, validation_data=val, early_stopping=50)
    line = _lines(plot_history(stopped).axes[0])["best epoch (restored)"]
    assert line[0] == [stopped.best_epoch + 1] * 2


def test_history_log_scale_applies_to_the_loss_panel_only():
    fig = plot_history(HISTORY, metrics="accuracy", log_y=True)
    assert [a.get_yscale() for a in fig.axes] == ["log", "linear"]


def test_history_always_returns_the_figure():
    from matplotlib.figure import Figure

    for metrics in (None, "accuracy", "all", ["r2"]):
        fig = plot_history(HISTORY, metrics=metrics)
        assert isinstance(fig, Figure)
        assert fig.axes[0].get_ylabel() == "loss"


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
    fig = plot_history({"train_loss": [3.0, 2.0]})
    assert list(_lines(fig.axes[0])) == ["train_loss"]


def test_history_metric_panels_pair_each_metric_with_its_validation_twin():
    fig = plot_history(HISTORY, metrics=["val_accuracy", "r2"])
    loss_ax, acc_ax, r2_ax = fig.axes
    assert [a.get_ylabel() for a in fig.axes] == ["loss", "accuracy", "r2"]
    assert _lines(acc_ax)["accuracy"][1] == HISTORY["metrics"]["accuracy"]
    assert _lines(acc_ax)["val_accuracy"][1] == HISTORY["metrics"]["val_accuracy"]
    assert set(_lines(r2_ax)) == {"r2", "best epoch (restored)"}
    assert set(_lines(loss_ax)) == {"train_loss", "val_loss", "best epoch (restored)"}


def test_history_draws_on_the_given_axes():
    fig, ax = plt.subplots()
    assert plot_history(HISTORY, ax=ax) is fig
    assert _lines(ax)["train_loss"][1] == HISTORY["train_loss"]
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
    ax = plot_heatmap(np.zeros((3, 2)), [1e-3, 5e-2], [0.0, 0.5, 2], "x", "y", log_x=True)
    xticks = [t.get_text() for t in ax.get_xticklabels()]
    yticks = [t.get_text() for t in ax.get_yticklabels()]
    assert xticks == ["$10^{-3}$", "$5{\\times}10^{-2}$"]  # a log axis: every value alike
    assert yticks == ["0", "0.5", "2"]
    assert list(ax.get_xticks()) == [0, 1] and list(ax.get_yticks()) == [0, 1, 2]


def test_log_spaced_ticks_are_all_written_as_powers_of_ten():
    """Issue 22: np.logspace values gave $10^{-4}$ beside 0.000316228."""
    values = np.logspace(-4, -1, 7)
    ax = plot_heatmap(np.zeros((1, 7)), values, [1.0], "learning_rate", "y")
    assert [t.get_text() for t in ax.get_xticklabels()] == [
        "$10^{-4}$", "$3.16{\\times}10^{-4}$", "$10^{-3}$", "$3.16{\\times}10^{-3}$",
        "$10^{-2}$", "$3.16{\\times}10^{-2}$", "$10^{-1}$",
    ]  # fmt: skip


def test_plot_history_labels_overlaid_histories():
    """Issue 22: every overlaid curve was labelled train_loss."""
    from nnet.callbacks import History

    fig = plot_history(History(train_loss=[0.9, 0.5], val_loss=[1.0, 0.6]), label="lr=0.1")
    plot_history(History(train_loss=[0.8, 0.7]), ax=fig.axes[0], label="lr=0.01")
    labels = [line.get_label() for line in fig.axes[0].get_lines()]
    assert labels == ["lr=0.1 train_loss", "lr=0.1 val_loss", "lr=0.01 train_loss"]
    with pytest.raises(TypeError, match="label must be a str"):
        plot_history(History(train_loss=[0.9]), label=3)


@pytest.mark.parametrize("draw", [
    lambda ax: plot_heatmap(np.zeros((1, 1)), [1], [1], "x", "y", ax=ax),
    lambda ax: plot_curves({"a": [1.0]}, ax=ax),
    lambda ax: plot_confusion_matrix([0, 1], [0, 1], ax=ax),
])  # fmt: skip
def test_an_ax_that_is_not_an_axes_is_refused_by_name(draw):
    with pytest.raises(TypeError, match="ax must be a matplotlib Axes"):
        draw(5)


def test_plot_curves_draws_one_labelled_line_per_curve():
    ax = plot_curves({"lr=0.1": [0.9, 0.5, 0.4], "lr=1": [], "lr=0.01": [0.9, 0.8]}, "val_loss",
                     log_y=True)  # fmt: skip
    assert [line.get_label() for line in ax.get_lines()] == ["lr=0.1", "lr=0.01"]
    assert list(ax.get_lines()[1].get_xdata()) == [1, 2]  # epochs from 1
    assert ax.get_ylabel() == "val_loss" and ax.get_yscale() == "log"


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


# ----------------------------------------------------------------------------- heatmap scales
def _ticks(ax):
    return [t.get_text() for t in ax.get_xticklabels()], [
        t.get_text() for t in ax.get_yticklabels()
    ]


def test_heatmap_chooses_power_of_ten_labels_only_for_grids_spanning_decades():
    # The layers x nodes grid was labelled "10^0, 2e+00, 3e+00".
    ax = plot_heatmap(np.zeros((3, 3)), [16, 32, 64], [1, 2, 3], "nodes", "layers")
    assert _ticks(ax) == (["16", "32", "64"], ["1", "2", "3"])
    ax = plot_heatmap(np.zeros((2, 4)), np.logspace(-4, -1, 4), [0.0, 1e-2], "eta", "lambda")
    assert _ticks(ax) == (["$10^{-4}$", "$10^{-3}$", "$10^{-2}$", "$10^{-1}$"], ["0", "0.01"])
    ax = plot_heatmap(np.zeros((1, 3)), ["relu", "tanh", "sigmoid"], [1], "act", "n")
    assert _ticks(ax)[0] == ["relu", "tanh", "sigmoid"]
    ax = plot_heatmap(np.zeros((1, 2)), [1, 1000], [1], "x", "y", log_x=False)
    assert _ticks(ax)[0] == ["1", "1000"]


def test_heatmap_vmin_vmax_clip_the_colours_and_mark_the_outliers():
    scores = np.array([[0.5, 0.9], [1.03e20, 0.1]])  # one exploded run
    ax = plot_heatmap(scores, [1, 2], [1, 2], "x", "y", vmin=0.2, vmax=1.0, colorbar_label="loss")
    image = ax.get_images()[0]
    assert image.get_clim() == (0.2, 1.0)
    assert [t.get_text() for t in ax.texts] == ["0.50", "0.90", "1.03e+20▲", "0.10▼"]
    colours = image.to_rgba(image.get_array())
    top, bottom = image.cmap(1.0), image.cmap(0.0)
    np.testing.assert_allclose(colours[1, 0], top)  # clipped to the end colour
    np.testing.assert_allclose(colours[1, 1], bottom)
    assert ax.figure.axes[1].get_ylabel() == "loss"
    assert ax.figure.axes[1]._colorbar.extend == "both"  # pointed ends show the clipping


def test_heatmap_robust_range_ignores_one_exploded_cell():
    scores = np.linspace(0.1, 0.9, 16).reshape(4, 4)
    scores[3, 3] = 3.6e17
    ax = plot_heatmap(scores, range(4), range(4), "x", "y", robust=True)
    low, high = ax.get_images()[0].get_clim()
    assert low == pytest.approx(scores.ravel()[1]) and high == pytest.approx(
        np.sort(scores.ravel())[-2]
    )
    assert ax.texts[-1].get_text() == "3.6e+17▲"
    default = plot_heatmap(scores, range(4), range(4), "x", "y")
    assert default.get_images()[0].get_clim() == (0.1, 3.6e17)
    assert not any(t.get_text().endswith("▲") for t in default.texts)


@pytest.mark.parametrize("shape", [(3, 3), (5, 12), (8, 8)])
def test_heatmap_cell_labels_stay_inside_their_cells(shape):
    rng = np.random.default_rng(0)
    scores = rng.uniform(-1e5, 1e5, shape)
    scores[0, 0] = np.nan
    fig, ax = plt.subplots(figsize=(5, 4), layout="constrained")
    plot_heatmap(scores, range(shape[1]), range(shape[0]), "x", "y", ax=ax, fmt=".4f")
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    to_pixels = ax.transData.transform
    for text in ax.texts:
        x, y = text.get_position()
        (x0, y0), (x1, y1) = to_pixels([(x - 0.5, y - 0.5), (x + 0.5, y + 0.5)])
        box = text.get_window_extent(renderer)
        assert x0 <= box.x0 and box.x1 <= x1 and y0 <= box.y0 and box.y1 <= y1, text.get_text()


# ----------------------------------------------------------------------------- grid search
def test_search_heatmap_follows_the_named_parameters_not_the_alphabet():
    from sklearn.model_selection import GridSearchCV
    from sklearn.neural_network import MLPRegressor

    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 2))
    y = X[:, 0] - X[:, 1]
    search = GridSearchCV(
        MLPRegressor(max_iter=20, random_state=0, hidden_layer_sizes=(4,)),
        {"learning_rate_init": [1e-3, 1e-2, 1e-1], "alpha": [1e-4, 1e-1]},
        cv=2,
    )
    with pytest.warns(Warning):  # ConvergenceWarning: 20 iterations is the budget
        search.fit(X, y)
    res = search.cv_results_
    ax = plot_search_heatmap(res, "learning_rate_init", "alpha", fmt=".4f")
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("learning_rate_init", "alpha")
    grid = ax.get_images()[0].get_array()
    assert grid.shape == (2, 3)  # rows alpha, columns learning rate, in increasing order
    for params, score in zip(res["params"], res["mean_test_score"]):
        i = [1e-4, 1e-1].index(params["alpha"])
        j = [1e-3, 1e-2, 1e-1].index(params["learning_rate_init"])
        assert grid[i, j] == score
    assert ax.figure.axes[1].get_ylabel() == "mean_test_score"


def test_search_heatmap_takes_the_best_score_over_other_parameters_and_checks_names():
    res = {
        "param_a": np.ma.masked_array([1, 1, 2, 2, 1], dtype=object),
        "param_b": np.ma.masked_array(["x", "y", "x", "y", "x"], dtype=object),
        "param_c": np.ma.masked_array([0, 0, 0, 0, 1], dtype=object),
        "mean_test_score": np.array([0.1, 0.2, 0.3, 0.4, 0.9]),
    }
    ax = plot_search_heatmap(res, "b", "param_a")
    np.testing.assert_array_equal(ax.get_images()[0].get_array(), [[0.9, 0.2], [0.3, 0.4]])
    assert _ticks(ax) == (["x", "y"], ["1", "2"])
    with pytest.raises(
        ValueError, match=r"parameter 'd' is not in cv_results; it has \['a', 'b', 'c'\]"
    ):
        plot_search_heatmap(res, "d", "a")
    with pytest.raises(ValueError, match="score 'mean_train_score'"):
        plot_search_heatmap(res, "a", "b", score="mean_train_score")
