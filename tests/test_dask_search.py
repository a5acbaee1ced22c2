"""A grid search over the estimator on a dask.distributed cluster equals the sequential one.

GridSearchCV parallelizes through joblib; inside ``joblib.parallel_config(backend="dask")``
its fits run on the workers of the active ``distributed.Client``. The cluster here is a
``LocalCluster`` of two single-threaded worker *processes* on the loopback interface
(no dashboard, so no fixed port), so the estimator really is pickled, sent to another
process, fitted there and sent back. Each candidate has a fixed ``random_state``, so
the best parameters and every mean score must match ``n_jobs=1``.
"""

from __future__ import annotations

import logging

import joblib
import numpy as np
import pytest
from sklearn.datasets import load_iris
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from nnet import NeuralNetwork, sweep
from nnet.estimators import NeuralNetClassifier, NeuralNetRegressor
from nnet.optimizers import Momentum

distributed = pytest.importorskip("distributed")

GRID = {
    "neuralnetclassifier__learning_rate_init": [0.003, 0.03],
    "neuralnetclassifier__alpha": [1e-4, 1.0],
    "neuralnetclassifier__hidden_layer_sizes": [(8,), (8, 8)],
}


@pytest.fixture(scope="module")
def client():
    with (
        distributed.LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address=None,
            silence_logs=logging.ERROR,
        ) as cluster,
        distributed.Client(cluster) as dask_client,
    ):
        yield dask_client


def _search(n_jobs: int) -> GridSearchCV:
    model = make_pipeline(StandardScaler(), NeuralNetClassifier(max_iter=20, random_state=0))
    return GridSearchCV(model, GRID, cv=3, n_jobs=n_jobs)


def test_grid_search_on_dask_matches_the_sequential_search(client):
    X, y = load_iris(return_X_y=True)
    sequential = _search(n_jobs=1).fit(X, y)

    with distributed.get_task_stream(client) as stream, joblib.parallel_config(backend="dask"):
        on_dask = _search(n_jobs=-1).fit(X, y)

    workers = {task["worker"] for task in stream.data}
    assert workers == set(client.scheduler_info()["workers"])  # both workers took fits
    assert len(on_dask.cv_results_["params"]) == 8
    assert on_dask.cv_results_["params"] == sequential.cv_results_["params"]
    assert on_dask.best_params_ == sequential.best_params_
    np.testing.assert_allclose(
        on_dask.cv_results_["mean_test_score"], sequential.cv_results_["mean_test_score"]
    )
    np.testing.assert_array_equal(on_dask.predict(X), sequential.predict(X))


def test_regressor_fits_on_a_worker_and_comes_back_identical(client):
    rng = np.random.default_rng(0)
    X = rng.uniform(-1, 1, size=(100, 3))
    y = X @ np.array([1.0, -2.0, 0.5]) + 0.1 * rng.standard_normal(100)
    local = NeuralNetRegressor(hidden_layer_sizes=(8,), max_iter=10, random_state=0).fit(X, y)
    remote = client.submit(NeuralNetRegressor(**local.get_params()).fit, X, y).result()
    np.testing.assert_allclose(remote.predict(X), local.predict(X))
    assert remote.loss_curve_ == pytest.approx(local.loss_curve_)


def test_sweep_on_dask_matches_the_sequential_sweep(client):
    """nnet.sweep's groups go through joblib too: pickled, trained on the workers, sent back."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 4))
    Y = np.eye(3)[np.argmax(X[:, :3], axis=1)]
    net = NeuralNetwork(4, [6, 3], ["tanh", "softmax"], cost_fun="cross_entropy", seed=0)
    grid = {"batch_size": [8, 40], "learning_rate": [0.01, 0.1], "l2": [0.0, 1e-3]}
    sequential = sweep(net, Momentum(), X, Y, grid, epochs=5, seed=0)

    with distributed.get_task_stream(client) as stream, joblib.parallel_config(backend="dask"):
        on_dask = sweep(net, Momentum(), X, Y, grid, epochs=5, seed=0, n_jobs=-1)

    assert {task["worker"] for task in stream.data} == set(client.scheduler_info()["workers"])
    assert on_dask.params == sequential.params and len(on_dask) == 8
    for a, b in zip(on_dask.networks, sequential.networks):
        for (Wa, ba), (Wb, bb) in zip(a.layers, b.layers):
            np.testing.assert_array_equal(Wa, Wb)
            np.testing.assert_array_equal(ba, bb)
    assert [h.train_loss for h in on_dask.histories] == [h.train_loss for h in sequential.histories]
