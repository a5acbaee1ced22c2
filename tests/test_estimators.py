"""NeuralNetClassifier / NeuralNetRegressor: scikit-learn tooling and the promised behaviour.

scikit-learn's generic checks are in test_sklearn_checks.py; these tests are the
behaviour a user relies on: pipelines, searches, label handling, reproducibility,
partial_fit continuing training exactly, regularization, dtypes and errors.
"""

from __future__ import annotations

import pickle

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.datasets import load_iris, make_classification, make_regression
from sklearn.exceptions import DataConversionWarning, NotFittedError
from sklearn.model_selection import GridSearchCV, cross_val_score, train_test_split
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler

from nnet import NeuralNetwork
from nnet.estimators import NeuralNetClassifier, NeuralNetRegressor
from nnet.optimizers import Momentum

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

SMALL = {"hidden_layer_sizes": (16,), "learning_rate_init": 0.02, "max_iter": 60, "random_state": 0}


@pytest.fixture(scope="module")
def iris():
    X, y = load_iris(return_X_y=True)
    return StandardScaler().fit_transform(X), y


@pytest.fixture(scope="module")
def binary():
    X, y = make_classification(n_samples=120, n_features=5, random_state=0)
    return StandardScaler().fit_transform(X), y


@pytest.fixture(scope="module")
def regression():
    X, Y = make_regression(n_samples=120, n_features=4, n_targets=3, noise=0.1, random_state=0)
    return StandardScaler().fit_transform(X), Y / Y.std(axis=0)


def _weights(estimator) -> np.ndarray:
    return np.concatenate([np.ravel(p) for pair in estimator.network_.layers for p in pair])


# ----------------------------------------------------------------------------- sklearn tooling
def test_pipeline_reaches_high_accuracy_on_held_out_iris():
    X, y = load_iris(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(X, y, stratify=y, random_state=0)
    model = Pipeline([("scale", StandardScaler()), ("net", NeuralNetClassifier(**SMALL))])
    model.fit(X_train, y_train)
    assert model.score(X_test, y_test) >= 0.9
    assert isinstance(model.named_steps["net"].network_, NeuralNetwork)


def test_cross_val_score_on_iris():
    X, y = load_iris(return_X_y=True)
    scores = cross_val_score(make_pipeline(StandardScaler(), NeuralNetClassifier(**SMALL)), X, y)
    assert scores.shape == (5,)
    assert scores.mean() >= 0.9


def test_grid_search_over_rate_penalty_and_architecture(iris):
    X, y = iris
    grid = {
        "learning_rate_init": [0.001, 0.01],
        "alpha": [1e-4, 1e-1],
        "hidden_layer_sizes": [(8,), (8, 8)],
    }
    search = GridSearchCV(NeuralNetClassifier(max_iter=30, random_state=0), grid, cv=3)
    search.fit(X, y)
    assert len(search.cv_results_["params"]) == 8
    assert search.best_params_ in search.cv_results_["params"]
    assert search.best_score_ >= 0.8
    assert search.best_estimator_.get_params()["max_iter"] == 30
    assert search.predict(X).shape == (len(X),)


def test_grid_search_regressor_in_a_pipeline(regression):
    X, Y = regression
    search = GridSearchCV(
        make_pipeline(StandardScaler(), NeuralNetRegressor(max_iter=30, random_state=0)),
        {"neuralnetregressor__learning_rate_init": [0.001, 0.01]},
        cv=3,
    )
    search.fit(X, Y)
    assert search.best_params_ == {"neuralnetregressor__learning_rate_init": 0.01}
    assert search.predict(X).shape == Y.shape


def test_clone_gives_an_unfitted_copy_with_the_same_parameters(iris):
    momentum = Momentum(0.05)
    clf = NeuralNetClassifier(hidden_layer_sizes=(4, 3), solver=momentum, alpha=0.01)
    clf.fit(*iris)
    copy = clone(clf)
    assert copy.get_params()["hidden_layer_sizes"] == (4, 3)
    assert copy.alpha == 0.01 and isinstance(copy.solver, Momentum)
    assert copy.solver is not momentum  # clone deep-copies non-estimator parameters
    assert not hasattr(copy, "network_")
    with pytest.raises(NotFittedError):
        copy.predict(iris[0])


def test_set_params_then_refit_uses_the_new_architecture(iris):
    clf = NeuralNetClassifier(**SMALL).fit(*iris)
    clf.set_params(hidden_layer_sizes=(5, 4), max_iter=2)
    clf.fit(*iris)
    assert clf.network_.layer_output_sizes == (5, 4, 3)
    assert clf.n_iter_ == 2 and len(clf.loss_curve_) == 2


# ----------------------------------------------------------------------------- labels and shapes
def test_string_labels_round_trip(iris):
    X, y = iris
    names = np.array(["setosa", "versicolor", "virginica"])[y]
    clf = NeuralNetClassifier(**SMALL).fit(X, names)
    assert clf.classes_.tolist() == ["setosa", "versicolor", "virginica"]
    pred = clf.predict(X)
    assert pred.dtype == names.dtype and set(pred) <= set(names)
    assert np.mean(pred == names) >= 0.9


def test_object_and_int_labels(binary):
    X, y = binary
    labels = np.array([-7, 42])[y]
    clf = NeuralNetClassifier(**SMALL).fit(X, labels)
    assert clf.classes_.tolist() == [-7, 42]
    assert set(clf.predict(X)) <= {-7, 42}
    objects = np.array(["no", "yes"], dtype=object)[y]
    assert set(NeuralNetClassifier(**SMALL).fit(X, objects).predict(X)) <= {"no", "yes"}


def test_binary_problem_has_one_sigmoid_output_and_two_probability_columns(binary):
    X, y = binary
    clf = NeuralNetClassifier(**SMALL).fit(X, y)
    assert clf.n_outputs_ == 1
    assert clf.network_.activation_funcs[-1].name == "sigmoid"
    assert clf.network_.cost_fun.name == "binary_cross_entropy"
    proba = clf.predict_proba(X)
    assert proba.shape == (len(X), 2)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    assert np.all((proba >= 0) & (proba <= 1))
    np.testing.assert_array_equal(clf.classes_[proba.argmax(axis=1)], clf.predict(X))
    assert clf.score(X, y) >= 0.85
    np.testing.assert_allclose(np.exp(clf.predict_log_proba(X)), proba, rtol=1e-12)


def test_multiclass_problem_has_a_softmax_output(iris):
    clf = NeuralNetClassifier(**SMALL).fit(*iris)
    assert clf.n_outputs_ == 3
    assert clf.network_.activation_funcs[-1].name == "softmax"
    assert clf.network_.cost_fun.name == "cross_entropy"
    np.testing.assert_allclose(clf.predict_proba(iris[0]).sum(axis=1), 1.0)


def test_multi_output_regression_shapes(regression):
    X, Y = regression
    reg = NeuralNetRegressor(**SMALL).fit(X, Y)
    assert reg.n_outputs_ == 3 and reg.predict(X).shape == (len(X), 3)
    assert reg.score(X, Y) > 0.9
    assert reg.network_.activation_funcs[-1].name == "identity"
    one = NeuralNetRegressor(**SMALL).fit(X, Y[:, 0])
    assert one.predict(X).shape == (len(X),)
    with pytest.warns(DataConversionWarning):  # a column y is raveled, as scikit-learn does
        column = NeuralNetRegressor(**SMALL).fit(X, Y[:, :1])
    np.testing.assert_array_equal(column.predict(X), one.predict(X))


def test_no_hidden_layer_is_a_linear_model(binary):
    clf = NeuralNetClassifier(**{**SMALL, "hidden_layer_sizes": ()}).fit(*binary)
    assert clf.network_.layer_output_sizes == (1,)
    assert clf.score(*binary) >= 0.85
    assert NeuralNetClassifier(**{**SMALL, "hidden_layer_sizes": 7}).fit(
        *binary
    ).network_.layer_output_sizes == (7, 1)


def test_wrong_number_of_features_at_predict(iris):
    clf = NeuralNetClassifier(**SMALL).fit(*iris)
    with pytest.raises(
        ValueError, match="X has 3 features, but NeuralNetClassifier is expecting 4"
    ):
        clf.predict(iris[0][:, :3])


def test_continuous_targets_are_refused_by_the_classifier(regression):
    with pytest.raises(ValueError, match="Unknown label type"):
        NeuralNetClassifier(**SMALL).fit(regression[0], regression[1][:, 0])


# ----------------------------------------------------------------------------- partial_fit
@pytest.mark.parametrize("estimator", ["classifier", "regressor"])
def test_partial_fit_continues_training_exactly(estimator, iris, regression):
    if estimator == "classifier":
        (X, y), make, first_kwargs = iris, NeuralNetClassifier, {"classes": [0, 1, 2]}
    else:
        (X, y), make, first_kwargs = regression, NeuralNetRegressor, {}
    settings = {**SMALL, "batch_size": 32}
    full = make(**{**settings, "max_iter": 4}).fit(X, y)

    stepwise = make(**{**settings, "max_iter": 1}).fit(X, y)
    curves = [list(stepwise.loss_curve_)]
    for t in (2, 3, 4):
        stepwise.partial_fit(X, y)
        assert stepwise.n_iter_ == 1 and stepwise.t_ == t * len(X)  # as scikit-learn counts
        assert stepwise.loss_curve_[:-1] == curves[-1]  # extended, history unchanged
        curves.append(list(stepwise.loss_curve_))

    assert stepwise.loss_curve_ == full.loss_curve_
    np.testing.assert_array_equal(_weights(stepwise), _weights(full))

    incremental = make(**{**settings, "max_iter": 999})
    for _ in range(4):
        incremental.partial_fit(X, y, **first_kwargs)
    assert len(incremental.loss_curve_) == 4  # partial_fit ignores max_iter: one epoch per call
    np.testing.assert_array_equal(_weights(incremental), _weights(full))


def test_partial_fit_classes_rules(iris):
    X, y = iris
    with pytest.raises(ValueError, match="classes must be passed on the first call"):
        NeuralNetClassifier(**SMALL).partial_fit(X, y)
    clf = NeuralNetClassifier(**SMALL)
    clf.partial_fit(X[y < 2], y[y < 2], classes=[0, 1, 2])  # y may hold a subset of classes
    assert clf.classes_.tolist() == [0, 1, 2] and clf.n_outputs_ == 3
    clf.partial_fit(X, y, classes=[0, 1, 2])  # repeating them is allowed
    with pytest.raises(ValueError, match="is not the same as on last call"):
        clf.partial_fit(X, y, classes=[0, 1])
    with pytest.raises(ValueError, match=r"has classes not in `self\.classes_`"):
        clf.partial_fit(X, y + 1)


def test_partial_fit_refuses_early_stopping(iris):
    clf = NeuralNetClassifier(**SMALL, early_stopping=True)
    with pytest.raises(ValueError, match="partial_fit does not support early_stopping"):
        clf.partial_fit(*iris, classes=[0, 1, 2])


def test_partial_fit_refuses_a_change_in_the_number_of_targets(regression):
    X, Y = regression
    reg = NeuralNetRegressor(**SMALL).fit(X, Y)
    with pytest.raises(ValueError, match="y has 2 outputs"):
        reg.partial_fit(X, Y[:, :2])


# ----------------------------------------------------------------------------- training behaviour
def test_more_alpha_gives_smaller_weights(iris):
    norms = [
        np.linalg.norm(_weights(NeuralNetClassifier(**{**SMALL, "alpha": alpha}).fit(*iris)))
        for alpha in (0.0, 1.0, 10.0)
    ]
    assert norms[0] > norms[1] > norms[2]


def test_l1_penalty_reaches_the_network(iris):
    clf = NeuralNetClassifier(**{**SMALL, "l1": 1e-3, "alpha": 0.6, "max_iter": 1}).fit(*iris)
    # scikit-learn's alpha / (2 n_batch) on the loss; nnet's l2 is that factor.
    assert (clf.network_.l1, clf.network_.l2) == (1e-3, 0.6 / (2 * 150))


@pytest.mark.parametrize("make", [NeuralNetClassifier, NeuralNetRegressor])
def test_same_random_state_gives_identical_predictions(make, iris):
    X, y = iris
    method = "predict_proba" if make is NeuralNetClassifier else "predict"
    first = getattr(make(**SMALL).fit(X, y), method)(X)
    second = getattr(make(**SMALL).fit(X, y), method)(X)
    np.testing.assert_array_equal(first, second)
    other = getattr(make(**{**SMALL, "random_state": 1}).fit(X, y), method)(X)
    assert not np.array_equal(first, other)


def test_refitting_the_same_estimator_is_reproducible(iris):
    clf = NeuralNetClassifier(**SMALL)
    first = clf.fit(*iris).predict_proba(iris[0])
    np.testing.assert_array_equal(clf.fit(*iris).predict_proba(iris[0]), first)


def test_early_stopping_records_validation_scores_and_stops(iris):
    clf = NeuralNetClassifier(
        hidden_layer_sizes=(16,),
        learning_rate_init=0.05,
        max_iter=2000,
        early_stopping=True,
        n_iter_no_change=5,
        random_state=0,
    ).fit(*iris)
    assert 5 < clf.n_iter_ < 2000  # stopped: 6 epochs without a better score
    assert len(clf.validation_scores_) == clf.n_iter_ == len(clf.loss_curve_)
    assert clf.best_validation_score_ == max(clf.validation_scores_) >= 0.7
    assert all(0.0 <= s <= 1.0 for s in clf.validation_scores_)
    assert NeuralNetClassifier(**SMALL).fit(*iris).validation_scores_ is None


def test_early_stopping_regressor_scores_are_r2(regression):
    reg = NeuralNetRegressor(**{**SMALL, "early_stopping": True}).fit(*regression)
    assert len(reg.validation_scores_) == reg.n_iter_
    assert reg.validation_scores_[-1] > 0.5


def test_pickle_round_trip(iris):
    clf = NeuralNetClassifier(**SMALL).fit(*iris)
    restored = pickle.loads(pickle.dumps(clf))
    np.testing.assert_array_equal(restored.predict_proba(iris[0]), clf.predict_proba(iris[0]))


# ----------------------------------------------------------------------------- dtypes
@pytest.mark.parametrize("make", [NeuralNetClassifier, NeuralNetRegressor])
def test_float32_input_gives_a_float32_network(make, iris):
    X, y = iris
    est = make(**SMALL).fit(X.astype(np.float32), y)
    assert est.network_.dtype == np.float32
    method = est.predict_proba if make is NeuralNetClassifier else est.predict
    assert method(X.astype(np.float32)).dtype == np.float32
    assert method(X).dtype == np.float64  # the output follows the input, as scikit-learn's
    assert make(**SMALL).fit(X, y).network_.dtype == np.float64
    assert make(**SMALL).fit(X.round().astype(np.int64), y).network_.dtype == np.float64


# ----------------------------------------------------------------------------- bad hyperparameters
BAD_PARAMETERS = [
    ("hidden_layer_sizes", (0,)),
    ("hidden_layer_sizes", (10, "a")),
    ("hidden_layer_sizes", "10"),
    ("hidden_layer_sizes", (2.5,)),
    ("activation", "nope"),
    ("activation", 3),
    ("solver", "nope"),
    ("solver", object()),
    ("solver", Momentum),
    ("learning_rate_init", -0.1),
    ("learning_rate_init", 0),
    ("learning_rate_init", "fast"),
    ("learning_rate_init", float("nan")),
    ("learning_rate", "fast"),
    ("alpha", -1.0),
    ("momentum", 1.5),
    ("beta_1", 1.0),
    ("epsilon", 0.0),
    ("tol", -1.0),
    ("max_fun", 0),
    ("dtype", "int32"),
    ("l1", -1.0),
    ("alpha", float("nan")),
    ("alpha", "a lot"),
    ("batch_size", 0),
    ("batch_size", "big"),
    ("batch_size", 2.0),
    ("max_iter", 0),
    ("max_iter", 1.5),
    ("max_iter", None),
    ("early_stopping", "yes"),
    ("validation_fraction", -0.1),
    ("validation_fraction", 1.0),
    ("n_iter_no_change", 0),
    ("shuffle", None),
    ("init", "nope"),
    ("init", 5),
    ("random_state", "seed"),
    ("verbose", "loud"),
]


@pytest.mark.parametrize(("name", "value"), BAD_PARAMETERS, ids=lambda v: repr(v)[:20])
@pytest.mark.parametrize("make", [NeuralNetClassifier, NeuralNetRegressor])
def test_bad_hyperparameters_raise_at_fit_naming_the_parameter(make, name, value, binary):
    est = make(**{**SMALL, "max_iter": 1, name: value})  # constructing never validates
    assert est.get_params()[name] is value
    with pytest.raises(ValueError, match=f"The '{name}' parameter of {make.__name__} must be"):
        est.fit(*binary)


@pytest.mark.parametrize("solver", ["sgd", "lbfgs"])
def test_weighted_training_keeps_the_networks_regularize_bias(solver):
    # Sample weights are row weights in backprop (stochastic solvers) or a twin network with
    # a weighted cost (L-BFGS); both must penalize what the network penalizes. With unit
    # weights the weighted cost and gradient are the network's own, biases' penalty included
    # (the twin once dropped it).
    from nnet.estimators._weighted import ROW_LOSSES, lbfgs_weighted
    from nnet.optimizers import SGD
    from nnet.training import Engine

    rng = np.random.default_rng(0)
    X, Y = rng.normal(size=(6, 3)), rng.normal(size=(6, 1))
    net = NeuralNetwork(3, [4, 1], ["tanh", "identity"], l2=0.5, regularize_bias=True,
                        init="normal", seed=0)  # fmt: skip
    net.layers = [(W, b + 1.0) for W, b in net.layers]  # biases the penalty can see
    expected = net.clone(seed=0)
    expected.layers = net.layers
    if solver == "sgd":
        expected.update_weights(SGD(learning_rate=0.1).step(expected.compute_gradient(X, Y)))
        engine = Engine(net, net.parameters, SGD(learning_rate=0.1), (X, Y), None, [], 6, None,
                        sample_weight=np.ones(6), row_loss=ROW_LOSSES["mse"])  # fmt: skip
        engine.run(1, None, None)
    else:
        from nnet.lbfgs import train_lbfgs

        train_lbfgs(expected, X, Y, max_iter=3)
        lbfgs_weighted(net, X, Y, np.ones(6), max_iter=3)
    for (W, b), (W2, b2) in zip(net.layers, expected.layers):
        np.testing.assert_allclose(W, W2, rtol=1e-12)
        np.testing.assert_allclose(b, b2, rtol=1e-12)
