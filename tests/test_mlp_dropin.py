"""The estimators as drop-ins for scikit-learn's MLPClassifier / MLPRegressor.

scikit-learn's own MLP tests (``sklearn/neural_network/tests/test_mlp.py``) pin
down the behaviour working code relies on; the ones that matter to a user are
restated here, in our words, against our classes: the same code with the class
names swapped must run and give results of the same quality.
"""

from __future__ import annotations

import inspect

import numpy as np
import pytest
import scipy.sparse
from sklearn.datasets import load_diabetes, load_digits, load_iris, make_regression
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import PoissonRegressor
from sklearn.neural_network import MLPClassifier, MLPRegressor
from sklearn.preprocessing import MinMaxScaler, StandardScaler

from nnet.estimators import NeuralNetClassifier, NeuralNetRegressor
from nnet.optimizers import Adam, RMSprop

quiet = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

DIGITS_X, DIGITS_Y = load_digits(return_X_y=True)
DIGITS_X = MinMaxScaler().fit_transform(DIGITS_X)
BINARY_X, BINARY_Y = DIGITS_X[DIGITS_Y < 2][:100], DIGITS_Y[DIGITS_Y < 2][:100]
IRIS_X, IRIS_Y = load_iris(return_X_y=True)
IRIS_X = StandardScaler().fit_transform(IRIS_X)
REG_X, REG_Y = make_regression(n_samples=200, n_features=10, noise=1.0, random_state=0)
REG_X, REG_Y = MinMaxScaler().fit_transform(REG_X), REG_Y / REG_Y.std()


# ----------------------------------------------------------------------------- the same API
@pytest.mark.parametrize(
    ("ours", "theirs"), [(NeuralNetClassifier, MLPClassifier), (NeuralNetRegressor, MLPRegressor)]
)
def test_every_scikit_learn_parameter_exists_with_its_default(ours, theirs):
    mine, sklearn_params = ours().get_params(), theirs().get_params()
    assert {name: mine[name] for name in sklearn_params} == sklearn_params
    assert set(mine) - set(sklearn_params) == {"l1", "init", "dtype"}  # nnet's extras
    # The positional parameters come in scikit-learn's order.
    positional = [
        name
        for name, p in inspect.signature(theirs).parameters.items()
        if p.kind is p.POSITIONAL_OR_KEYWORD
    ]
    assert list(inspect.signature(ours).parameters)[: len(positional)] == positional


# ----------------------------------------------------------------------------- quality
@quiet
@pytest.mark.parametrize("solver", ["lbfgs", "sgd", "adam"])
def test_classification_quality_matches_scikit_learn_on_digits(solver):
    X_train, y_train, X_test, y_test = (
        DIGITS_X[:1200],
        DIGITS_Y[:1200],
        DIGITS_X[1200:],
        DIGITS_Y[1200:],
    )
    params = {"hidden_layer_sizes": (50,), "solver": solver, "max_iter": 150, "random_state": 1}
    if solver == "sgd":
        params["learning_rate_init"] = 0.1
    ours = NeuralNetClassifier(**params).fit(X_train, y_train).score(X_test, y_test)
    theirs = MLPClassifier(**params).fit(X_train, y_train).score(X_test, y_test)
    assert ours >= theirs - 0.03
    assert ours > 0.88


@quiet
@pytest.mark.parametrize("solver", ["lbfgs", "sgd", "adam"])
def test_regression_quality_matches_scikit_learn_on_diabetes(solver):
    X, y = load_diabetes(return_X_y=True)
    X, y = StandardScaler().fit_transform(X), (y - y.mean()) / y.std()
    scores = []
    for seed in range(3):
        params = {
            "hidden_layer_sizes": (20,),
            "solver": solver,
            "alpha": 1.0,
            "learning_rate_init": 0.01 if solver == "sgd" else 0.001,
            "random_state": seed,
        }
        ours = NeuralNetRegressor(**params).fit(X[:300], y[:300]).score(X[300:], y[300:])
        theirs = MLPRegressor(**params).fit(X[:300], y[:300]).score(X[300:], y[300:])
        scores.append((ours, theirs))
    ours, theirs = np.mean(scores, axis=0)
    assert ours >= theirs - 0.03
    assert ours > 0.3


def test_one_sgd_epoch_from_the_same_weights_is_scikit_learns():
    # The same network, data order and hyperparameters: nnet's SGD steps must be
    # scikit-learn's to rounding (nnet's cost is a constant times scikit-learn's loss,
    # and the estimator converts the step size), for all three output layers.
    cases = [
        (NeuralNetRegressor, MLPRegressor, REG_X, REG_Y),
        (NeuralNetClassifier, MLPClassifier, IRIS_X, IRIS_Y),
        (NeuralNetClassifier, MLPClassifier, IRIS_X, IRIS_Y == 1),
    ]
    for ours_cls, theirs_cls, X, y in cases:
        params = {
            "hidden_layer_sizes": (5,),
            "solver": "sgd",
            "max_iter": 3,
            "alpha": 0.1,
            "batch_size": 50,
            "shuffle": False,
            "warm_start": True,
            "random_state": 0,
        }
        with pytest.warns(ConvergenceWarning):
            theirs = theirs_cls(**params).fit(X, y)
            ours = ours_cls(**params).fit(X, y)
        ours.network_.layers = list(zip(theirs.coefs_, theirs.intercepts_))
        with pytest.warns(ConvergenceWarning):
            theirs.fit(X, y)
            ours.fit(X, y)
        for W_ours, W_theirs in zip(ours.coefs_, theirs.coefs_):
            np.testing.assert_allclose(W_ours, W_theirs, rtol=1e-12, atol=1e-14)
        np.testing.assert_allclose(ours.loss_curve_[3:], theirs.loss_curve_[3:], rtol=1e-12)


@quiet
def test_lbfgs_fits_a_runge_function_far_better_than_adam():
    x = np.linspace(-1, 1, 200).reshape(-1, 1)
    y = 1 / (1 + 25 * x[:, 0] ** 2)
    params = {"hidden_layer_sizes": (32,), "activation": "tanh", "random_state": 0}
    adam = NeuralNetRegressor(**params, max_iter=200).fit(x, y).score(x, y)
    lbfgs = NeuralNetRegressor(**params, solver="lbfgs", max_iter=500).fit(x, y)
    assert lbfgs.score(x, y) > 0.99 > adam


@quiet
def test_lbfgs_honours_max_iter_and_max_fun():
    clf = NeuralNetClassifier(solver="lbfgs", hidden_layer_sizes=50, max_iter=150, max_fun=15000)
    assert clf.fit(BINARY_X, BINARY_Y).n_iter_ <= 150
    with pytest.warns(ConvergenceWarning):
        reg = NeuralNetRegressor(solver="lbfgs", hidden_layer_sizes=50, max_iter=150, max_fun=10)
        reg.fit(REG_X, REG_Y)
    assert reg.n_iter_ < 10  # stopped by the evaluation budget, not the iterations


def test_poisson_loss_with_one_linear_unit_is_a_poisson_glm():
    rng = np.random.default_rng(0)
    X = np.linspace(0, 1, 100).reshape(-1, 1)
    y = rng.poisson(np.exp(X[:, 0] + 1))
    glm = PoissonRegressor(alpha=0, tol=1e-7).fit(X, y)
    settings = {
        "hidden_layer_sizes": (1,),
        "activation": "identity",
        "alpha": 0.0,
        "solver": "lbfgs",
        "tol": 1e-7,
        "random_state": 1,
    }
    mlp = NeuralNetRegressor(loss="poisson", **settings).fit(X, y)
    assert mlp.out_activation_ == "exp"
    np.testing.assert_allclose(mlp.predict(X), glm.predict(X), rtol=1e-4)
    squared = NeuralNetRegressor(loss="squared_error", **settings).fit(X, y)
    assert not np.allclose(squared.predict(X), glm.predict(X), rtol=1e-4)


def test_poisson_refuses_negative_targets():
    with pytest.raises(ValueError, match="non-negative"):
        NeuralNetRegressor(loss="poisson").fit(REG_X, REG_Y)


# ----------------------------------------------------------------------------- alpha, tol, stopping
@quiet
def test_more_alpha_shrinks_the_weights():
    norms = [
        sum(
            np.abs(W).sum()
            for W in NeuralNetClassifier(
                hidden_layer_sizes=10, alpha=alpha, random_state=1, max_iter=50
            )
            .fit(BINARY_X, BINARY_Y)
            .coefs_
        )
        for alpha in np.arange(2)
    ]
    assert norms[0] > norms[1]


def test_a_large_tol_stops_training_early_without_a_warning():
    X, y = [[3, 2], [1, 6]], [1, 0]
    clf = NeuralNetClassifier(tol=0.5, max_iter=3000, solver="sgd")
    with warnings_as_errors():
        clf.fit(X, y)
    assert clf.n_iter_ < clf.max_iter


@pytest.mark.parametrize("n_iter_no_change", [2, 5, 10])
def test_n_iter_no_change_epochs_without_progress_stop_training(n_iter_no_change):
    clf = NeuralNetClassifier(
        tol=0.01, max_iter=3000, solver="sgd", n_iter_no_change=n_iter_no_change
    )
    clf.fit(BINARY_X, BINARY_Y)
    assert clf.n_iter_ < 3000
    # It stopped at the first epoch that made more than n_iter_no_change in a row.
    curve = clf.loss_curve_
    best = np.minimum.accumulate([np.inf, *curve])
    stale = [loss > best[i] - 0.01 for i, loss in enumerate(curve)]
    assert all(stale[-(n_iter_no_change + 1) :])


@quiet
def test_n_iter_no_change_inf_runs_every_epoch():
    clf = NeuralNetClassifier(tol=1e9, max_iter=50, solver="sgd", n_iter_no_change=np.inf)
    assert clf.fit(BINARY_X, BINARY_Y).n_iter_ == 50


def test_convergence_warning_when_max_iter_is_reached():
    with pytest.warns(ConvergenceWarning, match=r"Maximum iterations \(3\) reached"):
        NeuralNetClassifier(max_iter=3, random_state=0).fit(IRIS_X, IRIS_Y)


def test_adaptive_learning_rate_divides_by_five_until_it_stops():
    clf = NeuralNetClassifier(tol=0.5, max_iter=3000, solver="sgd", learning_rate="adaptive")
    clf.fit([[3, 2], [1, 6]], [1, 0])
    assert clf.n_iter_ < clf.max_iter
    assert clf.optimizer_.learning_rate < 1e-6


@quiet
def test_invscaling_continues_over_warm_started_fits():
    X, y = [[3, 2], [1, 6], [5, 6], [-2, -4]], [1, 1, 1, 0]
    rates = {}
    for schedule in ("invscaling", "constant"):
        clf = NeuralNetClassifier(
            solver="sgd",
            hidden_layer_sizes=4,
            learning_rate=schedule,
            max_iter=1,
            power_t=0.25,
            warm_start=True,
        )
        clf.fit(X, y)
        clf.fit(X, y)
        rates[schedule] = clf.optimizer_.learning_rate
    assert rates["constant"] == 0.001
    assert rates["invscaling"] == pytest.approx(0.001 / 9**0.25)  # after t_ = 8 samples


# ----------------------------------------------------------------------------- early stopping
@pytest.mark.parametrize("make", [NeuralNetClassifier, NeuralNetRegressor])
def test_early_stopping_watches_the_validation_score(make):
    est = make(tol=0.2, max_iter=3000, solver="sgd", early_stopping=True, random_state=0)
    est.fit(BINARY_X, BINARY_Y)
    assert est.n_iter_ < 3000 and est.best_loss_ is None
    scores = est.validation_scores_
    assert max(scores) == est.best_validation_score_
    assert est.best_validation_score_ + 0.2 > scores[-2]
    assert est.best_validation_score_ + 0.2 > scores[-1]
    plain = make(tol=0.2, max_iter=3000, solver="sgd").fit(BINARY_X, BINARY_Y)
    assert plain.validation_scores_ is None and plain.best_validation_score_ is None
    assert plain.best_loss_ == min(plain.loss_curve_)


def test_early_stopping_split_is_stratified_and_refuses_impossible_splits():
    with pytest.raises(ValueError, match="least populated class"):
        NeuralNetClassifier(early_stopping=True).fit([[1, 2], [2, 3], [3, 4], [4, 5]], [0, 0, 0, 1])


def test_early_stopping_refuses_a_validation_set_below_two_samples():
    X, y = make_regression(n_samples=2, n_features=5, random_state=0)
    with pytest.raises(ValueError, match="The validation set is too small"):
        NeuralNetRegressor(early_stopping=True, random_state=0).fit(X, y)


@quiet
def test_early_stopping_with_string_labels_and_sample_weight():
    labels = np.array(["zero", "one"])[BINARY_Y]
    weights = np.where(BINARY_Y == 1, 2.0, 1.0)
    clf = NeuralNetClassifier(early_stopping=True, max_iter=20, random_state=0)
    clf.fit(BINARY_X, labels, sample_weight=weights)
    assert set(clf.predict(BINARY_X)) <= {"zero", "one"}
    assert len(clf.validation_scores_) == clf.n_iter_


# ------------------------------------------------------------------ warm start, partial_fit
@quiet
@pytest.mark.parametrize("make", [NeuralNetClassifier, NeuralNetRegressor])
def test_warm_start_runs_max_iter_more_epochs_each_fit(make):
    est = make(hidden_layer_sizes=2, solver="sgd", warm_start=True, max_iter=3)
    est.fit(IRIS_X, IRIS_Y)
    first = [W.copy() for W in est.coefs_]
    est.fit(IRIS_X, IRIS_Y)
    assert est.n_iter_ == 3 and len(est.loss_curve_) == 6
    assert not np.array_equal(first[0], est.coefs_[0])  # continued from the same network
    assert est.coefs_[0].shape == first[0].shape


@quiet
def test_warm_start_may_switch_early_stopping_on_and_off():
    est = NeuralNetClassifier(hidden_layer_sizes=4, warm_start=True, max_iter=3, random_state=0)
    est.fit(IRIS_X, IRIS_Y)
    est.set_params(early_stopping=True).fit(IRIS_X, IRIS_Y)
    assert len(est.validation_scores_) == est.n_iter_ and est.best_loss_ is None
    est.set_params(early_stopping=False).fit(IRIS_X, IRIS_Y)
    assert est.validation_scores_ is None and est.best_loss_ == min(est.loss_curve_[-3:])


@quiet
def test_warm_start_refuses_new_classes():
    clf = NeuralNetClassifier(hidden_layer_sizes=2, warm_start=True, max_iter=2)
    clf.fit(IRIS_X, IRIS_Y)
    with pytest.raises(ValueError, match="warm_start can only be used where `y` has the same"):
        clf.fit(IRIS_X[IRIS_Y < 2], IRIS_Y[IRIS_Y < 2])


@quiet
def test_partial_fit_gives_the_predictions_of_fit():
    X, y = DIGITS_X[:500], DIGITS_Y[:500]
    full = NeuralNetClassifier(
        solver="sgd", max_iter=30, random_state=1, tol=0, alpha=1e-5, learning_rate_init=0.2
    ).fit(X, y)
    step = NeuralNetClassifier(solver="sgd", random_state=1, alpha=1e-5, learning_rate_init=0.2)
    for _ in range(30):
        step.partial_fit(X, y, classes=np.unique(y))
    np.testing.assert_array_equal(step.predict(X), full.predict(X))
    assert step.score(X, y) > 0.95


def test_partial_fit_is_missing_for_lbfgs_and_refuses_early_stopping():
    assert not hasattr(NeuralNetClassifier(solver="lbfgs"), "partial_fit")
    assert hasattr(NeuralNetClassifier(solver="sgd"), "partial_fit")
    with pytest.raises(ValueError, match="partial_fit does not support early_stopping"):
        NeuralNetRegressor(early_stopping=True).partial_fit(REG_X, REG_Y)


@quiet
def test_partial_fit_after_fit_continues():
    reg = NeuralNetRegressor(max_iter=5, random_state=0).fit(REG_X, REG_Y)
    t = reg.t_
    reg.partial_fit(REG_X, REG_Y)
    assert reg.t_ == t + len(REG_X) and len(reg.loss_curve_) == 6


# ----------------------------------------------------------------------------- shapes and inputs
@quiet
def test_multilabel_classification_reaches_high_accuracy():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((200, 6))
    Y = np.column_stack([X[:, 0] > 0, X[:, 1] + X[:, 2] > 0, X[:, 3] * X[:, 4] > 0]).astype(int)
    clf = NeuralNetClassifier(
        solver="lbfgs", hidden_layer_sizes=50, alpha=1e-5, max_iter=150, random_state=0
    ).fit(X, Y)
    assert clf.out_activation_ == "logistic" and clf.n_outputs_ == 3
    assert clf.predict(X).shape == Y.shape and set(np.unique(clf.predict(X))) <= {0, 1}
    assert clf.score(X, Y) > 0.9
    proba = clf.predict_proba(X)
    assert proba.shape == Y.shape and np.all((proba >= 0) & (proba <= 1))


@quiet
def test_multioutput_regression():
    X, Y = make_regression(n_samples=200, n_targets=5, random_state=0)
    reg = NeuralNetRegressor(solver="lbfgs", hidden_layer_sizes=50, max_iter=200, random_state=1)
    assert reg.fit(X, Y / Y.std()).score(X, Y / Y.std()) > 0.9


@quiet
def test_sparse_input_gives_the_predictions_of_dense_input():
    X, y = BINARY_X[:50], BINARY_Y[:50]
    clf = NeuralNetClassifier(solver="lbfgs", hidden_layer_sizes=15, random_state=1)
    dense = clf.fit(X, y).predict(X)
    sparse = clf.fit(scipy.sparse.csr_matrix(X), y)
    np.testing.assert_array_equal(sparse.predict(scipy.sparse.csr_matrix(X)), dense)
    np.testing.assert_array_equal(sparse.predict(X), dense)


def test_predict_proba_binary_and_multiclass():
    binary = NeuralNetClassifier(hidden_layer_sizes=5, max_iter=1).fit(BINARY_X, BINARY_Y)
    assert binary.predict_proba(BINARY_X).shape == (len(BINARY_X), 2)
    multi = NeuralNetClassifier(hidden_layer_sizes=5, max_iter=1).fit(IRIS_X, IRIS_Y)
    proba = multi.predict_proba(IRIS_X)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    np.testing.assert_array_equal(proba.argmax(axis=1), multi.predict(IRIS_X))
    np.testing.assert_allclose(np.log(proba), multi.predict_log_proba(IRIS_X))


@quiet
def test_fitted_attributes_have_scikit_learn_shapes():
    clf = NeuralNetClassifier(hidden_layer_sizes=(7, 5), max_iter=2).fit(IRIS_X, IRIS_Y)
    assert [W.shape for W in clf.coefs_] == [(4, 7), (7, 5), (5, 3)]
    assert [b.shape for b in clf.intercepts_] == [(7,), (5,), (3,)]
    assert (clf.n_layers_, clf.n_outputs_, clf.out_activation_) == (4, 3, "softmax")
    assert clf.n_iter_ == 2 and clf.t_ == 2 * len(IRIS_X) and clf.loss_ == clf.loss_curve_[-1]
    assert clf.best_loss_ == min(clf.loss_curve_) and clf.n_features_in_ == 4


def test_the_reported_loss_is_scikit_learns_loss():
    # One full-batch SGD step from identical weights gives identical losses.
    X, y = REG_X[:20], REG_Y[:20]
    ours = NeuralNetRegressor(
        hidden_layer_sizes=(3,),
        solver="sgd",
        batch_size=20,
        max_iter=1,
        alpha=0.1,
        shuffle=False,
        random_state=0,
    )
    with pytest.warns(ConvergenceWarning):
        ours.fit(X, y)
    W0 = ours.network_.layers  # after the step; compute scikit-learn's loss there
    pred = ours.predict(X)
    expected = 0.5 * np.mean((pred - y) ** 2) + 0.5 * 0.1 * sum((W**2).sum() for W, _ in W0) / 20
    assert ours.network_.cost(X, y) / 2 == pytest.approx(expected)


def test_feature_names_are_kept_and_checked():
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame(IRIS_X, columns=["a", "b", "c", "d"])
    clf = NeuralNetClassifier(hidden_layer_sizes=3, max_iter=1).fit(frame, IRIS_Y)
    assert clf.feature_names_in_.tolist() == ["a", "b", "c", "d"]
    with pytest.raises(ValueError, match="feature names"):
        clf.predict(frame.rename(columns={"a": "z"}))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("make", [NeuralNetClassifier, NeuralNetRegressor])
def test_float32_data_trains_float32_weights(dtype, make):
    est = make(hidden_layer_sizes=3, max_iter=1).fit(IRIS_X.astype(dtype), IRIS_Y)
    assert est.coefs_[0].dtype == dtype and est.intercepts_[0].dtype == dtype


def test_non_finite_weights_raise_value_error():
    X = np.finfo(np.float64).max * np.random.default_rng(0).uniform(size=(10, 2))
    y = np.random.default_rng(1).standard_normal(10)
    with pytest.raises(ValueError, match="Solver produced non-finite parameter weights"):
        NeuralNetRegressor().fit(X, y)


def test_verbose_prints_scikit_learns_lines(capsys):
    clf = NeuralNetClassifier(solver="sgd", max_iter=2, verbose=10, hidden_layer_sizes=2)
    with pytest.warns(ConvergenceWarning):
        clf.fit([[3, 2], [1, 6]], [1, 0])
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("Iteration 1, loss = ") and out[1].startswith("Iteration 2, loss = ")
    assert float(out[1].split("= ")[1]) == pytest.approx(clf.loss_, abs=1e-8)


# ----------------------------------------------------------------------------- nnet's extras
@quiet
@pytest.mark.parametrize(
    "activation", ["logistic", "sigmoid", "tanh", "relu", "leaky_relu", "elu", "identity"]
)
def test_every_nnet_activation_trains(activation):
    clf = NeuralNetClassifier(
        hidden_layer_sizes=8,
        activation=activation,
        max_iter=30,
        learning_rate_init=0.01,
        random_state=0,
    )
    assert clf.fit(IRIS_X, IRIS_Y).score(IRIS_X, IRIS_Y) > 0.8


@quiet
@pytest.mark.parametrize(
    "solver", ["rmsprop", "adagrad", "momentum", "adamw", Adam(0.01), RMSprop(0.01)]
)
def test_solver_takes_nnet_optimizer_names_and_objects(solver):
    clf = NeuralNetClassifier(
        hidden_layer_sizes=8, solver=solver, max_iter=50, learning_rate_init=0.1, random_state=0
    )
    assert clf.fit(IRIS_X, IRIS_Y).score(IRIS_X, IRIS_Y) > 0.8
    if not isinstance(solver, str):
        assert clf.optimizer_ is not solver and getattr(solver, "t", 0) == 0  # never changed


def test_custom_activation_function():
    import autograd.numpy as anp

    def softsign(z):
        return z / (1 + anp.abs(z))

    clf = NeuralNetClassifier(hidden_layer_sizes=4, activation=softsign, max_iter=2)
    with pytest.warns(ConvergenceWarning):
        clf.fit(IRIS_X, IRIS_Y)
    assert clf.network_.activation_funcs[0].name == "softsign"


class warnings_as_errors:
    """Context manager: every warning raised inside is an error."""

    def __enter__(self) -> None:
        import warnings

        self._catch = warnings.catch_warnings()
        self._catch.__enter__()
        warnings.simplefilter("error")

    def __exit__(self, *exc: object) -> None:
        self._catch.__exit__(*exc)


# ----------------------------------------------------------------- scikit-learn's own tests
# The tests of scikit-learn's test_mlp.py that cannot pass with the import swapped: they
# set or call the MLP's private internals, which nnet does not have.
_PRIVATE_INTERNALS = {
    "test_fit": "sets _coef_grads, _intercept_velocity, ... on an unfitted MLP",
    "test_gradient": "calls the private _loss_grad_lbfgs",
    "test_learning_rate_warmstart": "reads the private _optimizer",
    "test_adaptive_learning_rate": "reads the private _optimizer",
}
_SWAPPED_IMPORT = (
    "from nnet.estimators import NeuralNetClassifier as MLPClassifier, "
    "NeuralNetRegressor as MLPRegressor"
)
_SEED_FIXTURE = '''
import pytest


@pytest.fixture
def global_random_seed():
    """scikit-learn's fixture (its conftest.py is not on this path), at its default seed."""
    return 42
'''


def test_scikit_learns_own_mlp_tests_pass_with_the_import_swapped(tmp_path):
    import os
    import subprocess
    import sys

    import sklearn.neural_network.tests.test_mlp as theirs

    source = inspect.getsource(theirs)
    original = "from sklearn.neural_network import MLPClassifier, MLPRegressor"
    assert original in source, "scikit-learn's test_mlp.py no longer imports the MLPs this way"
    (tmp_path / "test_mlp_swapped.py").write_text(source.replace(original, _SWAPPED_IMPORT))
    (tmp_path / "conftest.py").write_text(_SEED_FIXTURE)
    deselected = " or ".join(_PRIVATE_INTERNALS)
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-k",
         f"not ({deselected})", "test_mlp_swapped.py"],
        cwd=tmp_path, capture_output=True, text=True, timeout=600,
        env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
    )  # fmt: skip
    summary = run.stdout.strip().splitlines()[-1]
    assert run.returncode == 0, run.stdout[-3000:]
    assert "failed" not in summary and "error" not in summary, summary
    assert int(summary.split(" passed")[0].split()[-1]) >= 50, summary


@quiet
def test_the_same_random_state_trains_scikit_learns_network():
    # The same first weights (scikit-learn's Glorot bounds, biases included), early-stopping
    # split and order of the rows: an SGD fit takes scikit-learn's steps, to rounding. (The
    # batches divide the data: nnet gives a short last batch the penalty of a full one.)
    for ours_cls, theirs_cls, X, y in [
        (NeuralNetClassifier, MLPClassifier, IRIS_X, IRIS_Y),
        (NeuralNetRegressor, MLPRegressor, REG_X, REG_Y),
    ]:
        for extra in ({"activation": "logistic"}, {"early_stopping": True}):
            params = {"hidden_layer_sizes": (5,), "solver": "sgd", "max_iter": 5,
                      "batch_size": 5, "random_state": 3, **extra}  # fmt: skip
            ours, theirs = ours_cls(**params).fit(X, y), theirs_cls(**params).fit(X, y)
            for W_ours, W_theirs in zip(ours.coefs_ + ours.intercepts_,
                                        theirs.coefs_ + theirs.intercepts_):  # fmt: skip
                np.testing.assert_allclose(W_ours, W_theirs, rtol=1e-9, atol=1e-12)


def test_partial_fit_with_multilabel_y_takes_the_label_columns_as_classes():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((60, 4))
    Y = (X[:, :3] > 0).astype(int)
    clf = NeuralNetClassifier(solver="sgd", hidden_layer_sizes=10, random_state=0)
    for _ in range(3):
        clf.partial_fit(X, Y, classes=[0, 1, 2])
    assert clf.classes_.tolist() == [0, 1, 2] and clf.predict(X).shape == Y.shape


def test_early_stopping_stratifies_binary_labels_as_booleans():
    with pytest.raises(ValueError, match=r"Classes with too few members are: \['True'\]"):
        NeuralNetClassifier(early_stopping=True).fit([[1, 2], [2, 3], [3, 4], [4, 5]], [0, 0, 0, 1])


def test_a_diverged_model_records_a_nan_validation_score():
    X, y = load_iris(return_X_y=True)
    reg = NeuralNetRegressor(
        hidden_layer_sizes=100, activation="identity", solver="sgd", learning_rate_init=1,
        max_iter=20, early_stopping=True, random_state=0,
    )  # fmt: skip
    reg.fit(X, y)
    assert np.isnan(reg.validation_scores_[-1]) and isinstance(reg.validation_scores_[-1], float)
    assert np.isnan(reg.loss_curve_[-1]) and len(reg.loss_curve_) == reg.n_iter_
    assert reg.best_validation_score_ == max(reg.validation_scores_[:-1])  # best weights kept


# ----------------------------------------------------------------- warnings
@pytest.mark.parametrize("in_pipeline", [False, True])
def test_warnings_are_attributed_to_nnet_so_module_filters_work(in_pipeline):
    import warnings

    from sklearn.pipeline import make_pipeline

    def fit():
        est = NeuralNetClassifier(hidden_layer_sizes=3, max_iter=2, random_state=0)
        (make_pipeline(StandardScaler(), est) if in_pipeline else est).fit(IRIS_X, IRIS_Y)

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fit()
    assert [w.category for w in caught] == [ConvergenceWarning]
    assert "nnet" in caught[0].filename.replace("\\", "/").split("/")  # nnet's own file
    for module, shown in (("nnet", 0), ("sklearn", 1)):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            warnings.filterwarnings("ignore", category=ConvergenceWarning, module=module)
            fit()
        assert len(caught) == shown, module


# ----------------------------------------------------------------- fitted attributes
@quiet
def test_coefs_and_intercepts_can_be_written_as_in_scikit_learn():
    clf = NeuralNetClassifier(hidden_layer_sizes=4, max_iter=3, random_state=0)
    clf.fit(IRIS_X, IRIS_Y)
    W, b = clf.coefs_[1] + 0.5, clf.intercepts_[1] - 1.0
    clf.coefs_[0][:] = 0.0  # writing into an array
    clf.coefs_[1] = W  # assigning an item
    clf.intercepts_ = [clf.intercepts_[0], b]  # assigning the list
    mlp = MLPClassifier(hidden_layer_sizes=4, max_iter=1).fit(IRIS_X, IRIS_Y)
    mlp.coefs_, mlp.intercepts_ = [np.zeros((4, 4)), W], [clf.intercepts_[0].copy(), b]
    assert not clf.coefs_[0].any() and np.array_equal(clf.network_.layers[1][0], W)
    np.testing.assert_array_equal(clf.network_.layers[1][1], b)
    np.testing.assert_allclose(clf.predict_proba(IRIS_X), mlp.predict_proba(IRIS_X), rtol=1e-12)


@quiet
@pytest.mark.parametrize(
    ("assign", "match"),
    [
        (lambda c: setattr(c, "coefs_", [np.zeros((4, 4))]), "takes 2 arrays"),
        (lambda c: c.coefs_.__setitem__(0, np.zeros((4, 5))), r"coefs_\[0\] must have shape"),
        (lambda c: setattr(c, "intercepts_", [np.zeros(4), np.zeros(2)]), r"intercepts_\[1\]"),
        (lambda c: c.intercepts_.__setitem__(0, [np.nan] * 4), "NaN"),
        (lambda c: c.coefs_.__setitem__(1, "abc"), "array of numbers"),
    ],
)
def test_wrong_coefs_or_intercepts_are_refused_and_change_nothing(assign, match):
    clf = NeuralNetClassifier(hidden_layer_sizes=4, max_iter=3, random_state=0)
    clf.fit(IRIS_X, IRIS_Y)
    before = clf.predict_proba(IRIS_X)
    with pytest.raises(ValueError, match=match):
        assign(clf)
    np.testing.assert_array_equal(clf.predict_proba(IRIS_X), before)


def test_classifier_loss_is_scikit_learns():
    assert NeuralNetClassifier().loss == MLPClassifier().loss == "log_loss"
    assert "loss" not in NeuralNetClassifier().get_params()  # as in scikit-learn


@quiet
@pytest.mark.parametrize("make", [NeuralNetClassifier, NeuralNetRegressor])
def test_outputs_follow_the_input_dtype_as_scikit_learns(make):
    theirs = MLPClassifier if make is NeuralNetClassifier else MLPRegressor
    for fit_dtype in (np.float32, np.float64):
        ours = make(hidden_layer_sizes=3, max_iter=2).fit(IRIS_X.astype(fit_dtype), IRIS_Y)
        mlp = theirs(hidden_layer_sizes=3, max_iter=2).fit(IRIS_X.astype(fit_dtype), IRIS_Y)
        for dtype in (np.float32, np.float64):
            method = "predict_proba" if make is NeuralNetClassifier else "predict"
            got = getattr(ours, method)(IRIS_X.astype(dtype)).dtype
            assert got == getattr(mlp, method)(IRIS_X.astype(dtype)).dtype, (fit_dtype, dtype)


def test_html_repr_links_to_the_docs_with_parameter_tooltips():
    html = NeuralNetClassifier(alpha=0.1)._repr_html_()
    assert "nnet.estimators.NeuralNetClassifier.html" in html
    assert 'class="param-doc-description"' in html and "Strength of the L2 penalty" in html


def test_the_class_notes_are_current():
    for make in (NeuralNetClassifier, NeuralNetRegressor):
        notes = make.__doc__.split("Notes")[1].split("Examples")[0]
        assert "must be uniform" not in notes  # sample weights are used as given
        assert 'module="nnet"' in notes  # how to filter nnet's warnings


@quiet
def test_warm_start_after_set_params_activation_trains_the_same_weights_with_it():
    # shuffle=False: scikit-learn reseeds the row order at every fit, nnet continues it.
    params = {"hidden_layer_sizes": 5, "solver": "sgd", "max_iter": 3, "batch_size": 50,
              "warm_start": True, "shuffle": False, "random_state": 0}  # fmt: skip
    ours, theirs = NeuralNetClassifier(**params), MLPClassifier(**params)
    for est in (ours, theirs):
        est.fit(IRIS_X, IRIS_Y).set_params(activation="tanh").fit(IRIS_X, IRIS_Y)
    assert ours.network_.activation_funcs[0].name == "tanh" and len(ours.loss_curve_) == 6
    for W_ours, W_theirs in zip(ours.coefs_, theirs.coefs_):
        np.testing.assert_allclose(W_ours, W_theirs, rtol=1e-9, atol=1e-12)


@quiet
def test_warm_start_refuses_new_hidden_sizes_and_changes_nothing():
    clf = NeuralNetClassifier(hidden_layer_sizes=5, warm_start=True, max_iter=2, random_state=0)
    before = clf.fit(IRIS_X, IRIS_Y).predict_proba(IRIS_X)
    with pytest.raises(ValueError, match="set warm_start=False"):
        clf.set_params(hidden_layer_sizes=(6,)).fit(IRIS_X, IRIS_Y)
    np.testing.assert_array_equal(clf.predict_proba(IRIS_X), before)
    assert clf.network_.layer_output_sizes == (5, 3)
