"""A refused fit or partial_fit changes nothing, bit for bit.

Every kind of refusal is tried on a fitted estimator (whose whole state, pickled,
must come out byte-identical, and whose predictions must not move) and on a
never-fitted one (which must stay unfitted, with only its parameters set).
"""

from __future__ import annotations

import pickle
import warnings

import numpy as np
import pytest
from sklearn.datasets import load_iris
from sklearn.exceptions import NotFittedError
from sklearn.preprocessing import StandardScaler

from nnet.estimators import NeuralNetClassifier, NeuralNetRegressor

X, Y_CLASS = load_iris(return_X_y=True)
X = StandardScaler().fit_transform(X)
Y_REG = X[:, 0] - 2 * X[:, 1]
SETTINGS = {"hidden_layer_sizes": (6,), "max_iter": 5, "random_state": 0}


def _fitted(make, **params):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return make(**{**SETTINGS, **params}).fit(X, Y_CLASS if make is NeuralNetClassifier
                                                   else Y_REG)  # fmt: skip


def _huge():
    return np.finfo(np.float64).max * np.random.default_rng(0).uniform(size=X.shape)


# (name, estimator class, parameters set before the call, the call)
REFUSALS = [
    ("partial_fit n_features", NeuralNetClassifier, {}, lambda e: e.partial_fit(X[:, :3], Y_CLASS)),
    ("NaN in X", NeuralNetClassifier, {}, lambda e: e.fit(np.where(X > 2, np.nan, X), Y_CLASS)),
    ("y too short", NeuralNetClassifier, {}, lambda e: e.fit(X, Y_CLASS[:-1])),
    ("continuous y", NeuralNetClassifier, {}, lambda e: e.fit(X, Y_REG)),
    ("NaN in y", NeuralNetRegressor, {}, lambda e: e.fit(X, np.where(Y_REG > 1, np.nan, Y_REG))),
    ("sample_weight length", NeuralNetRegressor, {}, lambda e: e.fit(X, Y_REG, np.ones(3))),
    ("negative sample_weight", NeuralNetRegressor, {},
     lambda e: e.fit(X, Y_REG, -np.ones(len(X)))),
    ("zero sample_weight", NeuralNetRegressor, {}, lambda e: e.fit(X, Y_REG, np.zeros(len(X)))),
    ("bad alpha", NeuralNetRegressor, {"alpha": -1.0}, lambda e: e.fit(X, Y_REG)),
    ("bad hidden sizes", NeuralNetClassifier, {"hidden_layer_sizes": (0,)},
     lambda e: e.fit(X, Y_CLASS)),
    ("bad solver", NeuralNetClassifier, {"solver": "newton"}, lambda e: e.fit(X, Y_CLASS)),
    ("momentum 1", NeuralNetClassifier, {"solver": "sgd", "momentum": 1.0},
     lambda e: e.fit(X, Y_CLASS)),
    ("too small validation split", NeuralNetRegressor,
     {"early_stopping": True, "validation_fraction": 0.05}, lambda e: e.fit(X[:20], Y_REG[:20])),
    ("no validation split", NeuralNetRegressor,
     {"early_stopping": True, "validation_fraction": 0.0}, lambda e: e.fit(X, Y_REG)),
    ("impossible stratified split", NeuralNetClassifier, {"early_stopping": True},
     lambda e: e.fit(X[:4], [0, 0, 0, 1])),
    ("poisson with negative y", NeuralNetRegressor, {"loss": "poisson"},
     lambda e: e.fit(X, Y_REG)),
    ("diverging training", NeuralNetRegressor, {}, lambda e: e.fit(_huge(), Y_REG)),
    ("diverging L-BFGS", NeuralNetRegressor, {"solver": "lbfgs"},
     lambda e: e.fit(_huge(), Y_REG)),
    ("partial_fit with early stopping", NeuralNetRegressor, {"early_stopping": True},
     lambda e: e.partial_fit(X, Y_REG)),
    ("partial_fit unknown label", NeuralNetClassifier, {},
     lambda e: e.partial_fit(X, Y_CLASS + 1, classes=[0, 1, 2, 3])),
    ("partial_fit other targets", NeuralNetRegressor, {},
     lambda e: e.partial_fit(X, np.column_stack([Y_REG, Y_REG]))),
    ("warm_start new classes", NeuralNetClassifier, {"warm_start": True},
     lambda e: e.fit(X[Y_CLASS < 2], Y_CLASS[Y_CLASS < 2])),
]  # fmt: skip
IDS = [name for name, *_ in REFUSALS]


@pytest.mark.parametrize(("name", "make", "params", "call"), REFUSALS, ids=IDS)
def test_a_refused_call_leaves_a_fitted_estimator_bit_for_bit(name, make, params, call):
    est = _fitted(make)
    est.set_params(**params)
    before = pickle.dumps(est)
    predicted = est.predict(X)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # a diverging fit overflows on purpose
        with pytest.raises((ValueError, TypeError)):
            call(est)
    assert pickle.dumps(est) == before, name
    np.testing.assert_array_equal(est.predict(X), predicted)


# These refuse what differs from an earlier fit; on a first call there is nothing to differ from.
LATER_ONLY = ("warm_start new classes", "partial_fit other targets", "partial_fit n_features",
              "partial_fit unknown label")  # fmt: skip
FIRST_CALL_REFUSALS = [r for r in REFUSALS if r[0] not in LATER_ONLY]


@pytest.mark.parametrize(
    ("name", "make", "params", "call"), FIRST_CALL_REFUSALS, ids=[r[0] for r in FIRST_CALL_REFUSALS]
)
def test_a_refused_first_call_leaves_the_estimator_unfitted(name, make, params, call):
    est = make(**{**SETTINGS, **params})
    before = dict(vars(est))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises((ValueError, TypeError)):
            call(est)
    assert vars(est) == before, name  # no fitted attribute, not even n_features_in_
    with pytest.raises(NotFittedError):
        est.predict(X)


def test_a_refused_fit_after_a_good_one_keeps_the_feature_names():
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame(X, columns=list("abcd"))
    est = _fitted(NeuralNetRegressor)
    est.fit(frame, Y_REG)
    with pytest.raises(ValueError):
        est.fit(frame.rename(columns={"a": "z"}), Y_REG[:-1])
    assert est.feature_names_in_.tolist() == list("abcd")


def test_the_callers_arrays_are_never_modified():
    X_copy, y_copy, w = X.copy(), Y_CLASS.copy(), np.linspace(0.5, 2, len(X))
    w_copy = w.copy()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        NeuralNetClassifier(**SETTINGS, early_stopping=True).fit(X, Y_CLASS, sample_weight=w)
    np.testing.assert_array_equal(X, X_copy)
    np.testing.assert_array_equal(Y_CLASS, y_copy)
    np.testing.assert_array_equal(w, w_copy)
