"""Studies of many networks in one call: :func:`sweep` trains every model of a grid.

A grid of networks of the same shapes is one network with an extra axis: the
models that share the keys which change shapes or the loop (a *group*) are
trained together as one stack by ``nnet._stack.train_models``; groups run one
after the other, or in parallel processes through joblib, split so that every
worker has a stack.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Mapping, Sequence
from typing import Any

from nnet import _stack
from nnet._grid import Group, Plan, check_data, make_plan
from nnet._validation import check_positive_int, make_rng
from nnet.callbacks import History
from nnet.metrics import get_metric
from nnet.network import NeuralNetwork
from nnet.study import Study
from nnet.training import DivergenceWarning

__all__ = ["sweep"]

GroupResult = tuple[list[NeuralNetwork], list[History]]


def sweep(
    network: NeuralNetwork,
    optimizer: Any,
    X: Any,
    Y: Any,
    grid: Mapping[str, Sequence[Any]],
    *,
    epochs: int = 100,
    batch_size: int | None = 32,
    validation_data: tuple[Any, Any] | None = None,
    metrics: Any = None,
    early_stopping: int | None = None,
    seed: int | None = None,
    n_jobs: int | None = 1,
    progress: bool = False,
) -> Study:
    """Train one network per combination of the grid's values; return the :class:`Study`.

    Parameters
    ----------
    network : NeuralNetwork
        The template: every model has its architecture, cost, penalties, dtype
        and (unless the grid says otherwise) its current weights. It is not modified.
    optimizer : str or Optimizer or None
        The template optimizer: each model gets a fresh one of its class and
        hyperparameters (``type(opt)(**opt.get_config())``), updated by the grid;
        the template's own state is not used. ``None`` when the grid has an
        ``"optimizer"`` list.
    X : array-like of shape (n_samples, network_input_size)
    Y : array-like of shape (n_samples, n_outputs)
        As for :func:`~nnet.training.train`.
    grid : dict of str to list
        Values to combine, in :func:`itertools.product` order (the last key
        varies fastest). Keys:

        * ``l1``, ``l2``, ``seed`` (the initializer's seed), ``init``: the
          network's keywords. Without ``seed`` or ``init`` every model starts from
          the template's weights; with them, each is initialized as
          ``NeuralNetwork(<template's arguments>, seed=..., init=...)`` would be.
        * the optimizer's constructor parameters: ``learning_rate``,
          ``momentum``, ``beta1``, ``weight_decay``, ...
        * keys that change the shapes or the loop, which split the grid into
          groups trained one after the other: ``layer_output_sizes`` (lists of
          widths), ``activation_funcs`` (lists with one activation per layer, or
          one activation for the hidden layers), ``batch_size``, ``epochs`` and
          ``optimizer`` (names or optimizers). A group whose shapes differ from
          the template's starts as ``NeuralNetwork(..., init=network.init,
          seed=seed)`` would.
    epochs : int, default=100
    batch_size : int or None, default=32
        As for :func:`~nnet.training.train`, unless in the grid.
    validation_data : (X_val, Y_val), optional
    metrics : list of str or callable, optional
    early_stopping : int or None, default=None
        As for :func:`~nnet.training.train`, per model: each model stops (and
        is restored) at its own best epoch.
    seed : int or None, default=None
        The shuffling seed, the same for every model (so each model sees the
        mini-batches its lone :func:`~nnet.training.train` call would).
    n_jobs : int or None, default=1
        Stacks trained at once, in joblib worker processes (``-1``: one per core;
        inside ``joblib.parallel_config(backend="dask")``, on a Dask cluster).
        Groups run in parallel; when there are fewer groups than workers, each
        group is split into stacks of consecutive models, one per worker (models
        never interact, so each ends as it would in one stack). The BLAS threads of
        each process are limited to its share of the cores. Worker processes take
        about a second to start on first use, then joblib reuses them: it pays for
        studies that take seconds.
    progress : bool, default=False
        Show a progress bar.

    Returns
    -------
    Study
        The models in product order. Every argument is checked before anything
        is trained; a model that diverges is marked ``"diverged"`` (one
        :class:`~nnet.training.DivergenceWarning` for the whole sweep) while the
        others train on. On Ctrl-C the models trained so far are returned
        (``study.interrupted`` is True).

    Notes
    -----
    Model *i* ends with the same weights and history as ``train(NeuralNetwork(
    <template's arguments>, **its network params), <optimizer class>(**its optimizer
    params), X, Y, epochs=..., batch_size=..., seed=seed, ...)`` run alone.

    Examples
    --------
    >>> import numpy as np
    >>> from nnet import NeuralNetwork
    >>> from nnet.optimizers import Momentum
    >>> X = np.linspace(-1, 1, 40).reshape(-1, 1)
    >>> net = NeuralNetwork(1, [8, 1], ["tanh", "identity"], seed=0)
    >>> study = sweep(net, Momentum(momentum=0.9), X, X**2, seed=0, epochs=20,
    ...               grid={"learning_rate": [0.01, 0.1], "l2": [0.0, 1e-3]})
    >>> len(study), study.params[1]
    (4, {'learning_rate': 0.01, 'l2': 0.001})
    >>> [h.epochs_run for h in study.histories]
    [20, 20, 20, 20]
    """
    plan = make_plan(network, optimizer, grid, epochs=epochs, batch_size=batch_size, seed=seed)
    check_data(plan.groups, X, Y, validation_data)
    _check_options(metrics, early_stopping, seed, n_jobs)
    run = _GroupRunner(X, Y, validation_data, metrics, early_stopping, seed)
    groups = _spread(plan.groups, _workers(n_jobs))
    results = _run_groups(run, groups, n_jobs, bool(progress))
    return _study(plan, groups, results, early_stopping)


def _workers(n_jobs: int | None) -> int:
    """How many processes joblib would run for ``n_jobs`` (in the active backend)."""
    if n_jobs == 1:
        return 1
    import joblib

    with joblib.parallel_config(n_jobs=n_jobs):
        return int(joblib.effective_n_jobs(n_jobs))


def _spread(groups: list[Group], workers: int) -> list[Group]:
    """The groups, split into chunks of models when there are fewer groups than workers.

    Each group gets a share of the workers in proportion to its models (so one
    group, the usual grid of learning rates and penalties, becomes one chunk per worker).
    A chunk trains each of its models as the whole group would: nothing mixes
    across the model axis of a stack.
    """
    if len(groups) >= workers:
        return groups
    total = sum(len(group.models) for group in groups)
    spread = []
    for group in groups:
        parts = min(len(group.models), -(-workers * len(group.models) // total))
        spread.extend(group.split(parts))
    return spread


def _study(
    plan: Plan, groups: list[Group], results: list[GroupResult], early_stopping: int | None
) -> Study:
    """The trained models in product order; fewer than the grid's after a Ctrl-C."""
    done: dict[int, tuple[NeuralNetwork, History]] = {}
    for group, (networks, histories) in zip(groups, results):
        done.update(zip(group.indices, zip(networks, histories)))
    order = sorted(done)
    histories = [done[i][1] for i in order]
    interrupted = len(done) < len(plan.params) or any(
        h.stop_reason == "interrupted" for h in histories
    )
    _warn_divergence(histories)
    return Study(
        [plan.params[i] for i in order], [done[i][0] for i in order], histories,
        grid=plan.grid, early_stopping=early_stopping, interrupted=interrupted,
    )  # fmt: skip


def _check_options(metrics: Any, early_stopping: Any, seed: Any, n_jobs: Any) -> None:
    if metrics is not None:
        specs = [metrics] if isinstance(metrics, str) or callable(metrics) else metrics
        if not isinstance(specs, (list, tuple)):
            raise TypeError(f"metrics must be a list of names or callables, got {metrics!r}")
        for spec in specs:
            get_metric(spec, "metrics")
    if early_stopping is not None:
        check_positive_int(early_stopping, "early_stopping")
    make_rng(seed, None)
    if n_jobs is None:
        return
    if isinstance(n_jobs, bool) or not isinstance(n_jobs, int):
        raise TypeError(f"n_jobs must be a non-zero int or None (as in joblib), got {n_jobs!r}")
    if n_jobs == 0:
        raise ValueError("n_jobs must be a non-zero int or None (as in joblib), got 0")


class _GroupRunner:
    """Trains one group (a picklable callable, for joblib's worker processes)."""

    def __init__(
        self,
        X: Any,
        Y: Any,
        validation_data: Any,
        metrics: Any,
        early_stopping: int | None,
        seed: int | None,
    ) -> None:
        self.X, self.Y, self.validation_data = X, Y, validation_data
        self.metrics, self.early_stopping, self.seed = metrics, early_stopping, seed

    def __call__(
        self, group: Group, progress: bool = False, blas_threads: int | None = None
    ) -> GroupResult:
        if blas_threads is None:
            return self._train(group, progress)
        from threadpoolctl import threadpool_limits

        with threadpool_limits(limits=blas_threads, user_api="blas"):
            return self._train(group, progress)

    def _train(self, group: Group, progress: bool) -> GroupResult:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DivergenceWarning)  # one warning for the sweep
            return _stack.train_models(
                group.network, group.optimizer, self.X, self.Y, group.models,
                epochs=group.epochs, batch_size=group.batch_size,
                validation_data=self.validation_data, metrics=self.metrics,
                early_stopping=self.early_stopping, seed=self.seed, progress=progress,
            )  # fmt: skip


def _run_groups(
    run: _GroupRunner, groups: list[Group], n_jobs: int | None, progress: bool
) -> list[GroupResult]:
    """Each group's result, in order; on Ctrl-C, those finished (a shorter list)."""
    results: list[GroupResult] = []
    if n_jobs == 1 or len(groups) == 1:
        try:
            for group in groups:
                results.append(run(group, progress))
                if any(h.stop_reason == "interrupted" for h in results[-1][1]):
                    break
        except KeyboardInterrupt:
            pass
        return results
    import joblib

    workers = min(len(groups), _workers(n_jobs))
    threads = max(1, (os.cpu_count() or 1) // workers)
    parallel = joblib.Parallel(n_jobs=n_jobs, return_as="generator", verbose=0)
    bar = _progress_bar(sum(len(g.models) for g in groups)) if progress else None
    try:
        for result in parallel(joblib.delayed(run)(g, False, threads) for g in groups):
            results.append(result)
            if bar is not None:
                bar.update(len(result[0]))
    except KeyboardInterrupt:
        pass
    finally:
        if bar is not None:
            bar.close()
    return results


def _progress_bar(total: int) -> Any:
    from tqdm.auto import tqdm  # on use, as in train

    return tqdm(total=total, desc="sweep", unit="model")


def _warn_divergence(histories: list[History]) -> None:
    diverged = sum(h.stop_reason == "diverged" for h in histories)
    if diverged:
        warnings.warn(
            f"{diverged} of {len(histories)} models diverged; they were stopped at their last "
            "finite weights (stop_reason 'diverged' in study.table()). Try smaller learning rates.",
            DivergenceWarning,
            stacklevel=3,
        )
