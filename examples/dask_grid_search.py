r"""
Hyperparameter search on a Dask cluster
=======================================

A grid search fits one model per candidate and fold, and the fits are independent:
they parallelize perfectly. scikit-learn's :class:`~sklearn.model_selection.GridSearchCV`
runs them through joblib, and joblib's Dask backend sends them to the workers of a
`dask.distributed <https://distributed.dask.org>`_ cluster, so the same search runs
on one laptop or on many machines without changing a line of the model code.

Here we search the learning rate :math:`\eta`, the L2 penalty :math:`\lambda` and the
architecture of a :class:`~nnet.estimators.NeuralNetClassifier` (in a pipeline behind
a :class:`~sklearn.preprocessing.StandardScaler`) on scikit-learn's bundled digits.

Run it as ``python examples/dask_grid_search.py`` to start a ``LocalCluster`` of two
single-threaded worker processes on this machine, or with ``--scheduler
tcp://HOST:8786`` to use a running cluster (every worker needs ``nnet`` installed).
``--help`` lists the other flags; ``--quick`` (or ``NNET_EXAMPLES_QUICK=1``) searches
a smaller grid on Iris. Since every candidate has a fixed ``random_state``, the
results are the same as a sequential search's: ``--check-sequential`` runs one too
and compares.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import time
from collections.abc import Iterator, Sequence
from typing import Any

import joblib
import numpy as np
from sklearn.datasets import load_digits, load_iris
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from nnet.estimators import NeuralNetClassifier

# %%
# The search: :math:`\eta \times \lambda \times` architecture
# -----------------------------------------------------------
# Parameters of a pipeline step are addressed as ``<step>__<parameter>``. Each
# candidate is trained with the same ``random_state``, so candidates differ only in
# their hyperparameters and the search is reproducible.


def make_search(grid: dict[str, list[Any]], *, epochs: int, cv: int, n_jobs: int) -> GridSearchCV:
    """A GridSearchCV over ``grid`` for a scaled NeuralNetClassifier."""
    model = Pipeline(
        [
            ("scale", StandardScaler()),
            ("net", NeuralNetClassifier(max_iter=epochs, random_state=0)),
        ]
    )
    return GridSearchCV(model, grid, cv=cv, n_jobs=n_jobs)


def make_grid(quick: bool) -> dict[str, list[Any]]:
    """Learning rate x L2 penalty (alpha) x hidden layers: 8 candidates."""
    return {
        "net__learning_rate_init": [0.001, 0.01],
        "net__alpha": [1e-4, 1e-1],
        "net__hidden_layer_sizes": [(16,), (16, 16)] if quick else [(32,), (64, 32)],
    }


# %%
# The cluster
# -----------
# ``LocalCluster`` starts a scheduler and worker processes on this machine, listening
# on the loopback interface only; ``Client(address)`` connects to a cluster that is
# already running instead. Inside ``joblib.parallel_config(backend="dask")`` every
# joblib call, here GridSearchCV's, is executed by the client's cluster.


@contextlib.contextmanager
def dask_client(scheduler: str | None, n_workers: int, threads_per_worker: int) -> Iterator[Any]:
    """A distributed.Client: for ``scheduler``, or for a new LocalCluster closed on exit."""
    from distributed import Client, LocalCluster

    with contextlib.ExitStack() as stack:
        if scheduler is None:
            cluster = stack.enter_context(
                LocalCluster(
                    n_workers=n_workers,
                    threads_per_worker=threads_per_worker,
                    processes=True,
                    host="127.0.0.1",
                    dashboard_address=None,
                    silence_logs=logging.ERROR,
                )
            )
            client = stack.enter_context(Client(cluster))
        else:
            client = stack.enter_context(Client(scheduler))
        yield client


def print_results(search: GridSearchCV, seconds: float, label: str) -> None:
    """The ranked candidates, then the best one."""
    results = search.cv_results_
    print(f"\n{label}: {len(results['params'])} candidates in {seconds:.1f} s")
    for i in np.argsort(results["rank_test_score"]):
        mean, std = results["mean_test_score"][i], results["std_test_score"][i]
        print(f"  {mean:.3f} ± {std:.3f}  {results['params'][i]}")
    print(f"best params: {search.best_params_}")
    print(f"best CV accuracy: {search.best_score_:.3f}")


# %%
# Running it
# ----------


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.strip().splitlines()[0])
    parser.add_argument(
        "--scheduler", metavar="ADDRESS", help="address of a running scheduler (tcp://HOST:8786)"
    )
    parser.add_argument("--n-workers", type=int, default=2, help="LocalCluster worker processes")
    parser.add_argument("--threads-per-worker", type=int, default=1, help="LocalCluster threads")
    parser.add_argument(
        "--dataset", choices=["digits", "iris"], help="default: digits (iris quick)"
    )
    parser.add_argument("--epochs", type=int, help="epochs per fit (default: 30, 20 quick)")
    parser.add_argument("--cv", type=int, default=3, help="cross-validation folds")
    parser.add_argument(
        "--check-sequential",
        action="store_true",
        help="also run the search with n_jobs=1 and check the results are the same",
    )
    parser.add_argument(
        "--quick", action="store_true", help="small settings (NNET_EXAMPLES_QUICK=1)"
    )
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> GridSearchCV:
    args = parse_args(argv)
    quick = args.quick or os.environ.get("NNET_EXAMPLES_QUICK") == "1"
    dataset = args.dataset or ("iris" if quick else "digits")
    X, y = (load_iris if dataset == "iris" else load_digits)(return_X_y=True)
    grid = make_grid(quick)
    epochs = args.epochs or (20 if quick else 30)
    print(f"{dataset}: {X.shape[0]} samples, {X.shape[1]} features, {len(set(y))} classes")

    search = make_search(grid, epochs=epochs, cv=args.cv, n_jobs=-1)
    with dask_client(args.scheduler, args.n_workers, args.threads_per_worker) as client:
        workers = client.scheduler_info()["workers"]
        print(f"cluster: {client.scheduler.address}, {len(workers)} workers")
        start = time.perf_counter()
        with joblib.parallel_config(backend="dask"):
            search.fit(X, y)
        print_results(search, time.perf_counter() - start, "dask")

    if args.check_sequential:
        sequential = make_search(grid, epochs=epochs, cv=args.cv, n_jobs=1)
        start = time.perf_counter()
        sequential.fit(X, y)
        print_results(sequential, time.perf_counter() - start, "sequential")
        same = sequential.best_params_ == search.best_params_ and np.allclose(
            sequential.cv_results_["mean_test_score"], search.cv_results_["mean_test_score"]
        )
        print("same results as the sequential search:", same)
    return search


if __name__ == "__main__":  # worker processes import this file: start nothing on import
    main()
