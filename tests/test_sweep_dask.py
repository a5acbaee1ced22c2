"""A sweep on a dask.distributed cluster, through joblib's dask backend, equals the sequential one.

As in ``test_dask_search.py``: a ``LocalCluster`` of two single-threaded worker
processes on the loopback interface; inside ``joblib.parallel_config(backend="dask")``
the sweep's groups are pickled, trained on the workers and sent back.
"""

from __future__ import annotations

import logging

import joblib
import numpy as np
import pytest
from helpers import relative_error

from nnet import NeuralNetwork, sweep
from nnet.optimizers import Momentum

distributed = pytest.importorskip("distributed")


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


def test_sweep_on_dask_matches_the_sequential_sweep(client):
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
        assert relative_error(a.layers, b.layers) == 0.0
    assert [h.train_loss for h in on_dask.histories] == [h.train_loss for h in sequential.histories]
