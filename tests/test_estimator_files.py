"""est.save(path) / Cls.load(path): safe files that keep everything prediction needs."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.datasets import load_iris
from sklearn.exceptions import NotFittedError
from sklearn.preprocessing import StandardScaler

from nnet.estimators import NeuralNetClassifier, NeuralNetRegressor
from nnet.serialization import ModelFileError

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

X, Y = load_iris(return_X_y=True)
X = StandardScaler().fit_transform(X)
SMALL = {"hidden_layer_sizes": (5,), "max_iter": 5, "random_state": 0}


def _round_trip(est, tmp_path):
    path = tmp_path / "model.safetensors"
    est.save(path)
    return type(est).load(path)


@pytest.mark.parametrize(
    "labels",
    [
        Y,
        np.array(["setosa", "versicolor", "virginica"])[Y],
        np.array([-1.0, 0.0, 2.0])[Y],  # integral floats: continuous labels are refused
        Y == 1,  # bool labels, binary
        np.array([10, 20, 30])[Y].astype(np.int32),
        np.array(["a", "b", "c"], dtype=object)[Y],  # strings in an object array (pandas')
    ],
    ids=["int", "str", "float", "bool", "int32", "object"],
)
def test_classifier_round_trip_keeps_labels_and_predictions(labels, tmp_path):
    clf = NeuralNetClassifier(**SMALL).fit(X, labels)
    loaded = _round_trip(clf, tmp_path)
    assert loaded.classes_.dtype == clf.classes_.dtype
    np.testing.assert_array_equal(loaded.classes_, clf.classes_)
    np.testing.assert_array_equal(loaded.predict_proba(X), clf.predict_proba(X))
    np.testing.assert_array_equal(loaded.predict(X), clf.predict(X))
    assert loaded.score(X, labels) == clf.score(X, labels)
    assert loaded.get_params() == clf.get_params()
    for name in ("n_outputs_", "n_layers_", "out_activation_", "n_features_in_", "n_iter_", "t_"):
        assert getattr(loaded, name) == getattr(clf, name), name
    assert loaded.loss_curve_ == clf.loss_curve_


def test_multilabel_classifier_round_trip(tmp_path):
    indicator = np.column_stack([Y == 0, Y == 1, X[:, 0] > 0]).astype(int)
    clf = NeuralNetClassifier(**SMALL).fit(X, indicator)
    loaded = _round_trip(clf, tmp_path)
    np.testing.assert_array_equal(loaded.predict(X), clf.predict(X))
    assert loaded.predict(X).shape == indicator.shape


@pytest.mark.parametrize("loss", ["squared_error", "poisson"])
def test_regressor_round_trip(loss, tmp_path):
    targets = np.column_stack([X[:, 0] ** 2, np.abs(X[:, 1])])
    reg = NeuralNetRegressor(loss=loss, solver="lbfgs", **SMALL).fit(X, targets)
    loaded = _round_trip(reg, tmp_path)
    np.testing.assert_array_equal(loaded.predict(X), reg.predict(X))
    assert loaded.out_activation_ == reg.out_activation_ and loaded.loss == loss


def test_feature_names_and_float32_survive(tmp_path):
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame(X.astype(np.float32), columns=["a", "b", "c", "d"])
    clf = NeuralNetClassifier(**SMALL).fit(frame, Y)
    loaded = _round_trip(clf, tmp_path)
    assert loaded.feature_names_in_.tolist() == ["a", "b", "c", "d"]
    assert loaded.coefs_[0].dtype == np.float32
    np.testing.assert_array_equal(loaded.predict_proba(frame), clf.predict_proba(frame))
    with pytest.raises(ValueError, match="feature names"):
        loaded.predict(frame.rename(columns={"a": "z"}))


def test_a_loaded_estimator_can_train_further(tmp_path):
    clf = NeuralNetClassifier(**SMALL).fit(X, Y)
    loaded = _round_trip(clf, tmp_path)
    loaded.partial_fit(X, Y)
    assert len(loaded.loss_curve_) == len(clf.loss_curve_) + 1
    loaded.set_params(warm_start=True).fit(X, Y)
    assert loaded.loss_curve_[-1] < clf.loss_curve_[-1]  # continued from the saved weights


def test_unfitted_save_and_wrong_class_load_are_refused(tmp_path):
    with pytest.raises(NotFittedError):
        NeuralNetClassifier().save(tmp_path / "x.safetensors")
    NeuralNetRegressor(**SMALL).fit(X, X[:, 0]).save(tmp_path / "reg.safetensors")
    with pytest.raises(ModelFileError, match="not a NeuralNetClassifier file"):
        NeuralNetClassifier.load(tmp_path / "reg.safetensors")


def test_a_plain_network_file_is_not_an_estimator_file(tmp_path):
    clf = NeuralNetClassifier(**SMALL).fit(X, Y)
    clf.network_.save(tmp_path / "net.safetensors")
    with pytest.raises(ModelFileError):
        NeuralNetClassifier.load(tmp_path / "net.safetensors")


def test_labels_json_cannot_hold_are_refused_before_writing(tmp_path):
    days = np.array(["2020-01-01", "2021-01-01", "2022-01-01"], dtype="datetime64[D]")
    clf = NeuralNetClassifier(**SMALL).fit(X, days[Y])  # dates: no JSON type for them
    with pytest.raises(ValueError, match="cannot be stored in JSON"):
        clf.save(tmp_path / "dates.safetensors")
    assert not (tmp_path / "dates.safetensors").exists()


def test_parameters_json_cannot_hold_get_their_defaults(tmp_path):
    from nnet.optimizers import Adam

    clf = NeuralNetClassifier(**SMALL, solver=Adam(0.01)).fit(X, Y)
    loaded = _round_trip(clf, tmp_path)
    assert loaded.solver == "adam"  # the default: the object is not stored
    np.testing.assert_array_equal(loaded.predict(X), clf.predict(X))


# ----------------------------------------------------------------------------- strict files
# Crafted files: the estimator's own file with its `extra` changed, written by the network's
# save, so that checksum and format are valid and only the estimator's metadata is wrong.
def _crafted(tmp_path, est, change):
    from nnet.serialization import describe_file

    est.save(tmp_path / "good.safetensors")
    extra = describe_file(tmp_path / "good.safetensors")["extra"]
    change(extra)
    path = tmp_path / "crafted.safetensors"
    est.network_.save(path, extra=extra)
    return path


def _set(key, value):
    return lambda extra: extra.__setitem__(key, value)


def _drop(key):
    return lambda extra: extra.pop(key)


def _set_param(key, value):
    return lambda extra: extra["params"].__setitem__(key, value)


CLASSIFIER_CASES = {
    "no params": (_drop("params"), "params", "missing"),
    "no n_iter": (_drop("n_iter"), "n_iter", "missing"),
    "an unknown key": (_set("surprise", 1), "surprise", "not an estimator file's"),
    "an unknown parameter": (_set_param("bogus", 1), "params", "'bogus'"),
    "a bad random_state": (_set_param("random_state", "x"), "params", "random_state"),
    "bad hidden sizes": (_set_param("hidden_layer_sizes", [7]), "params", "hidden layers"),
    "no labels": (_drop("labels"), "labels", "missing"),
    "too few labels": (lambda e: e["labels"].pop(), "labels", "2 labels"),
    "four labels for three outputs": (lambda e: e["labels"].append(3), "labels", "4 labels"),
    "repeated labels": (_set("labels", [0, 1, 1]), "labels", "distinct"),
    "labels not of their dtype": (_set("labels", ["a", "b", "c"]), "labels", "dtype"),
    "an unknown dtype": (_set("labels_dtype", "zz"), "labels_dtype", "not a NumPy dtype"),
    "a huge str dtype": (_set("labels_dtype", "<U200000000"), "labels_dtype", "too large"),
    "a binary y_type for a softmax": (_set("y_type", "binary"), "y_type", "'sigmoid'"),
    "an unknown y_type": (_set("y_type", "continuous"), "y_type", "must be one of"),
    "n_features_in against the inputs": (_set("n_features_in", 5), "n_features_in", "4 inputs"),
    "too few feature names": (_set("feature_names_in", ["a"]), "feature_names_in", "4 strings"),
    "a negative n_iter": (_set("n_iter", -1), "n_iter", "int >= 0"),
    "a text t": (_set("t", "12"), "t", "int >= 0"),
    "a bad loss curve": (_set("loss_curve", ["x"]), "loss_curve", "numbers"),
    "another version": (_set("version", 2), "version", "reads version 1"),
}


@pytest.mark.parametrize("case", CLASSIFIER_CASES)
def test_every_field_of_a_classifier_file_is_checked_and_named(case, tmp_path):
    import tracemalloc

    change, field, words = CLASSIFIER_CASES[case]
    path = _crafted(tmp_path, NeuralNetClassifier(**SMALL).fit(X, Y), change)
    tracemalloc.start()
    try:
        with pytest.raises(ModelFileError) as refused:
            NeuralNetClassifier.load(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    message = str(refused.value)
    assert str(path) in message and f"field {field!r}" in message and words in message, message
    assert peak < 20 * path.stat().st_size + 5_000_000  # no allocation the metadata asks for


def test_a_regressor_file_must_fit_its_loss_and_have_no_labels(tmp_path):
    reg = NeuralNetRegressor(**SMALL).fit(X, X[:, 0])
    path = _crafted(tmp_path, reg, _set_param("loss", "poisson"))
    with pytest.raises(ModelFileError, match=r"field 'params'.*'exp'"):
        NeuralNetRegressor.load(path)
    path = _crafted(tmp_path, reg, _set("labels", [0, 1]))
    with pytest.raises(ModelFileError, match="field 'labels' is not an estimator file's"):
        NeuralNetRegressor.load(path)


def test_load_reads_the_file_once(tmp_path, monkeypatch):
    import os

    path = tmp_path / "model.safetensors"
    NeuralNetClassifier(**SMALL).fit(X, Y).save(path)
    opened = []
    real_open = os.open

    def counting_open(file, *args, **kwargs):
        opened.append(os.fspath(file))
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr(os, "open", counting_open)
    NeuralNetClassifier.load(path)
    assert opened.count(str(path)) == 1  # one snapshot: network and classes from one read
