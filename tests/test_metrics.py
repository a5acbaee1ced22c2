"""Tests of nnet.metrics: class labels from outputs, each metric against its definition
computed by hand, and the registry's lookup and errors."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nnet.metrics import METRICS, accuracy, evaluate_stacked, get_metric, labels, mse, r2


def test_labels_are_the_row_argmax_for_several_columns():
    Y = np.array([[0.2, 0.5, 0.3], [0.9, 0.05, 0.05], [0.1, 0.1, 0.8]])
    np.testing.assert_array_equal(labels(Y), [1, 0, 2])


def test_labels_threshold_one_column_strictly_above_one_half():
    np.testing.assert_array_equal(labels(np.array([[0.49], [0.5], [0.51], [1.0]])), [0, 0, 1, 1])
    np.testing.assert_array_equal(labels(np.array([0.0, 0.7])), [0, 1])  # 1-D is one column


def test_accuracy_of_softmax_outputs_against_one_hot_targets():
    rng = np.random.default_rng(0)
    classes = rng.integers(0, 4, 50)
    Y_true = np.eye(4)[classes]
    Y_pred = rng.dirichlet(np.ones(4), size=50)
    expected = np.mean(np.argmax(Y_pred, axis=1) == classes)
    assert accuracy(Y_true, Y_pred) == pytest.approx(expected)


def test_accuracy_of_sigmoid_outputs_against_binary_targets():
    Y_true = np.array([[0.0], [1.0], [1.0], [0.0]])
    Y_pred = np.array([[0.1], [0.8], [0.3], [0.6]])  # right, right, wrong, wrong
    assert accuracy(Y_true, Y_pred) == 0.5
    assert accuracy(Y_true, Y_true) == 1.0


def test_mse_is_the_mean_over_all_elements():
    rng = np.random.default_rng(1)
    Y_true, Y_pred = rng.normal(size=(20, 3)), rng.normal(size=(20, 3))
    assert mse(Y_true, Y_pred) == pytest.approx(np.mean((Y_true - Y_pred) ** 2))


def test_r2_is_one_minus_residual_over_total_variance_averaged_over_outputs():
    rng = np.random.default_rng(2)
    Y_true = rng.normal(size=(30, 2))
    Y_pred = Y_true + 0.3 * rng.normal(size=(30, 2))
    ss_res = np.sum((Y_true - Y_pred) ** 2, axis=0)
    ss_tot = np.sum((Y_true - Y_true.mean(axis=0)) ** 2, axis=0)
    assert r2(Y_true, Y_pred) == pytest.approx(np.mean(1 - ss_res / ss_tot))
    assert r2(Y_true, Y_true) == 1.0


@pytest.mark.parametrize("name", sorted(METRICS))
def test_registered_metrics_return_python_floats(name):
    Y = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 0.0]])
    value = METRICS[name](Y, Y * 0.9 + 0.05)
    assert type(value) is float


def test_get_metric_by_name_and_by_callable():
    assert get_metric("accuracy") == ("accuracy", accuracy)

    def max_error(Y_true, Y_pred):
        return float(np.max(np.abs(Y_true - Y_pred)))

    assert get_metric(max_error) == ("max_error", max_error)


def test_get_metric_rejects_unknown_names_and_non_callables():
    with pytest.raises(ValueError, match="metrics: unknown metric 'acc'"):
        get_metric("acc")
    with pytest.raises(TypeError, match="metrics must hold metric names"):
        get_metric(3)


# ----------------------------------------------------------------------------- shapes
@pytest.mark.parametrize("name", ["mse", "r2", "accuracy"])
def test_a_1d_target_against_a_column_raises_instead_of_broadcasting(name):
    y = np.array([0.0, 1.0, 0.0, 1.0])
    with pytest.raises(ValueError, match=r"same shape.*\(4,\) and \(4, 1\).*reshape"):
        METRICS[name](y, y.reshape(-1, 1))
    with pytest.raises(ValueError, match="same shape"):
        METRICS[name](y.reshape(-1, 1), y)


@pytest.mark.parametrize("name", ["mse", "r2"])
def test_regression_metrics_refuse_different_numbers_of_outputs(name):
    with pytest.raises(ValueError, match=r"got \(5, 2\) and \(5, 3\)"):
        METRICS[name](np.ones((5, 2)), np.ones((5, 3)))


def test_accuracy_takes_integer_class_labels_against_scores():
    scores = np.array([[0.8, 0.1, 0.1], [0.1, 0.1, 0.8], [0.3, 0.6, 0.1], [0.5, 0.4, 0.1]])
    classes = np.array([0, 2, 2, 1])  # right, right, wrong, wrong
    assert accuracy(classes, scores) == 0.5
    assert accuracy(classes, scores) == accuracy(np.eye(3)[classes], scores)
    with pytest.raises(ValueError, match="same shape"):
        accuracy(classes[:3], scores)


def test_labels_keeps_integer_class_labels():
    np.testing.assert_array_equal(labels(np.array([3, 0, 2])), [3, 0, 2])


def test_the_course_mistake_is_caught_where_the_metric_gives_the_true_mse():
    # np.mean((y - net.predict(X))**2) broadcasts (n,) against (n, 1) into (n, n).
    rng = np.random.default_rng(0)
    y = rng.normal(size=50)
    pred = (y + 0.05 * rng.normal(size=50)).reshape(-1, 1)
    broadcast = np.mean((y - pred) ** 2)
    true = np.mean((y - pred[:, 0]) ** 2)
    assert broadcast > 10 * true  # the silent mistake the issue reports
    assert mse(y.reshape(-1, 1), pred) == pytest.approx(true)
    with pytest.raises(ValueError):
        mse(y, pred)


# ----------------------------------------------------------------------------- over the model axis
@st.composite
def stacked_outputs(draw):
    """Targets (n, m) and K models' outputs (K, n, m), at scales from 1e-3 to 1e3."""
    k, n, m = draw(st.integers(1, 5)), draw(st.integers(2, 30)), draw(st.integers(1, 4))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    Y = rng.normal(size=(n, m))
    if draw(st.booleans()):  # classification targets: one-hot, or 0-1 for one column
        Y = np.eye(m)[rng.integers(0, m, n)] if m > 1 else (Y > 0).astype(float)
    if draw(st.booleans()):
        Y[:, 0] = 1.0  # a constant column: r2's special cases
    preds = rng.normal(size=(k, n, m)) * draw(st.sampled_from([1e-3, 1.0, 1e3]))
    if draw(st.booleans()):
        preds[0] = Y  # a perfect model
    return Y, preds


@settings(max_examples=60, deadline=None)
@given(case=stacked_outputs(), name=st.sampled_from(sorted(METRICS)))
def test_a_stacked_metric_is_each_models_own_call(case, name):
    """Issue 22: the built-in metrics of K models at once equal the plain per-model calls
    (scikit-learn's), bit for bit, and no model's value depends on the others in the stack."""
    Y, preds = case
    stacked = evaluate_stacked(name, Y, preds)
    assert stacked.shape == (len(preds),)
    np.testing.assert_array_equal(stacked, [METRICS[name](Y, pred) for pred in preds])
    alone = [evaluate_stacked(name, Y, preds[k : k + 1])[0] for k in range(len(preds))]
    np.testing.assert_array_equal(stacked, alone)


def test_a_stacked_metric_never_calls_scikit_learn(monkeypatch):
    """The stacked path is checked once per call and computed by NumPy, not by one
    scikit-learn call per model (about 5 ms each)."""
    import sklearn.metrics

    def refuse(*args, **kwargs):
        raise AssertionError("a stacked metric called scikit-learn")

    for name in ("accuracy_score", "mean_squared_error", "r2_score"):
        monkeypatch.setattr(sklearn.metrics, name, refuse)
    Y, preds = np.eye(3)[[0, 1, 2, 1]], np.random.default_rng(0).random((7, 4, 3))
    for name in METRICS:
        assert evaluate_stacked(name, Y, preds).shape == (7,)


def test_a_custom_metric_is_called_once_per_model():
    seen = []

    def first_output(Y_true, Y_pred):
        seen.append(Y_pred.shape)
        return float(Y_pred[0, 0])

    preds = np.arange(12.0).reshape(3, 2, 2)
    np.testing.assert_array_equal(evaluate_stacked(first_output, preds[0], preds), [0, 4, 8])
    assert seen == [(2, 2)] * 3


def test_accuracy_of_a_stack_takes_class_labels():
    preds = np.array([[[0.9, 0.1], [0.2, 0.8]], [[0.1, 0.9], [0.2, 0.8]]])
    np.testing.assert_array_equal(evaluate_stacked("accuracy", np.array([0, 1]), preds), [1, 0.5])


@pytest.mark.parametrize(
    ("Y_true", "preds", "error", "match"),
    [
        (np.zeros((4, 1)), np.zeros((4, 1)), ValueError, r"Y_preds must have shape \(K"),
        (np.zeros(4), np.zeros((2, 4, 1)), ValueError, "the same shape"),
        (np.zeros((4, 2)), np.zeros((2, 4, 1)), ValueError, "the same shape"),
        (np.zeros((4, 1)), np.zeros((2, 4, 1)), None, None),
    ],
)
def test_a_stacked_metric_checks_the_shapes_once(Y_true, preds, error, match):
    if error is None:
        assert evaluate_stacked("mse", Y_true, preds).shape == (2,)
        return
    with pytest.raises(error, match=match):
        evaluate_stacked("mse", Y_true, preds)
