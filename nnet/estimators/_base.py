"""The machinery shared by :class:`~nnet.estimators.NeuralNetClassifier` and the regressor.

scikit-learn's conventions (its developer guide, and
``sklearn/neural_network/_multilayer_perceptron.py``, which is the specification
here): ``__init__`` only stores its arguments, ``fit`` validates them through the
declarative ``_parameter_constraints`` and the data through
:func:`~sklearn.utils.validation.validate_data`, and fitted attributes end in ``_``.
A subclass says how targets are encoded, which output layer and cost go with
them, and how predictions are scored.

**Warnings as scikit-learn raises them.** ``ConvergenceWarning`` and the others
are raised with ``stacklevel=1``, so Python attributes them to the nnet module that
raises them (scikit-learn's MLP does the same): ``warnings.filterwarnings("ignore",
module="nnet")`` hides them wherever the fit is called from, as ``module="sklearn"``
does for scikit-learn's.

**A refused fit changes nothing.** ``fit`` and ``partial_fit`` run as a
transaction: the estimator's attributes are snapshotted first, training works on
copies of the network and the optimizer, and any exception (bad data, bad
parameter, impossible split, divergence) puts the snapshot back, so a fitted
estimator stays bit-for-bit as it was and an unfitted one stays unfitted.
"""

from __future__ import annotations

import copy
import warnings
from typing import Any, ClassVar

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils.validation import check_is_fitted, validate_data

from nnet.estimators._params import (
    SHARED_CONSTRAINTS,
    RandomStream,
    draw_seeds,
    make_optimizer,
    resolve_architecture,
    resolve_batch_size,
    resolve_dtype,
    validation_split,
)
from nnet.estimators._sgd import EpochMonitor, Progress, Rules
from nnet.estimators._weighted import ROW_LOSSES, SampleWeights, lbfgs_weighted
from nnet.lbfgs import train_lbfgs
from nnet.network import NeuralNetwork
from nnet.training import Engine
from nnet.utils.types import Pairs

_NON_FINITE = (
    "Solver produced non-finite parameter weights. The input data may contain large "
    "values and need to be preprocessed."
)
_SKLEARN_OUTPUT_NAMES = {"sigmoid": "logistic"}
DOCS_URL = "https://nnet.readthedocs.io/en/latest/"
"""Where nnet's documentation is published (the root of the built ``docs/``)."""


def _layer_parts(part: int, what: str) -> Any:
    """The property ``coefs_`` (``part`` 0) or ``intercepts_`` (1): views that can be set."""

    def get(self: _BaseMLP) -> list[np.ndarray]:
        check_is_fitted(self)
        return _LayerParts(self, part)

    def set(self: _BaseMLP, arrays: Any) -> None:
        self._set_layer_parts(part, arrays)

    return property(get, set, doc=f"{what}: writable views of ``network_``.")


class _BaseMLP(BaseEstimator):
    """Base class of the estimators: not for direct use.

    Subclasses set ``_parameter_constraints`` and write the hooks
    ``_validate_X_y``, ``_encode_targets``, ``_output_layer``, ``_loss_factor``
    and ``_score_outputs``.
    """

    _parameter_constraints: ClassVar[dict] = SHARED_CONSTRAINTS
    # The HTML repr links to the class's page (and its parameters' tooltips to their
    # entries), as scikit-learn's own estimators do.
    _doc_link_module = "nnet"
    _doc_link_template = DOCS_URL + "api/generated/nnet.estimators.{estimator_name}.html"

    def __init__(
        self,
        hidden_layer_sizes: Any = (100,),
        activation: Any = "relu",
        *,
        solver: Any = "adam",
        alpha: float = 0.0001,
        batch_size: Any = "auto",
        learning_rate: str = "constant",
        learning_rate_init: float = 0.001,
        power_t: float = 0.5,
        max_iter: int = 200,
        shuffle: bool = True,
        random_state: Any = None,
        tol: float = 1e-4,
        verbose: Any = False,
        warm_start: bool = False,
        momentum: float = 0.9,
        nesterovs_momentum: bool = True,
        early_stopping: bool = False,
        validation_fraction: float = 0.1,
        beta_1: float = 0.9,
        beta_2: float = 0.999,
        epsilon: float = 1e-8,
        n_iter_no_change: Any = 10,
        max_fun: int = 15000,
        l1: float = 0.0,
        init: Any = "sklearn",
        dtype: Any = None,
    ) -> None:
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.solver = solver
        self.alpha = alpha
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.learning_rate_init = learning_rate_init
        self.power_t = power_t
        self.max_iter = max_iter
        self.shuffle = shuffle
        self.random_state = random_state
        self.tol = tol
        self.verbose = verbose
        self.warm_start = warm_start
        self.momentum = momentum
        self.nesterovs_momentum = nesterovs_momentum
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.n_iter_no_change = n_iter_no_change
        self.max_fun = max_fun
        self.l1 = l1
        self.init = init
        self.dtype = dtype

    # Fitted attributes (declared for type checkers).
    network_: NeuralNetwork
    optimizer_: Any
    n_outputs_: int
    n_layers_: int
    out_activation_: str
    n_iter_: int
    t_: int
    loss_: float
    loss_curve_: list[float]
    best_loss_: float | None
    validation_scores_: list[float] | None
    best_validation_score_: float | None

    # ------------------------------------------------------------------ subclass hooks
    def _validate_X_y(self, X: Any, y: Any, *, reset: bool) -> tuple[Any, np.ndarray]:
        """``X`` (dense or sparse) and ``y`` through ``validate_data``."""
        raise NotImplementedError

    def _encode_targets(self, y: np.ndarray, *, first: bool, classes: Any) -> np.ndarray:
        """``y`` as the network's targets, of shape (n_samples, n_outputs)."""
        raise NotImplementedError

    def _output_layer(self) -> tuple[str, str]:
        """(output activation, cost name) for the targets seen on the first fit."""
        raise NotImplementedError

    def _loss_factor(self) -> float:
        """nnet's cost divided by scikit-learn's loss for this output layer."""
        raise NotImplementedError

    def _score_outputs(self, y: np.ndarray, outputs: np.ndarray, sample_weight: Any) -> float:
        """The estimator's ``score`` for network ``outputs`` against raw targets ``y``."""
        raise NotImplementedError

    def _stratify(self, Y: np.ndarray) -> np.ndarray | None:
        """Targets to stratify the early-stopping split by, or None."""
        return None

    # ------------------------------------------------------------------ fitted views
    coefs_ = _layer_parts(0, "Weight matrices ``W`` (n_in, n_out) of each layer")
    intercepts_ = _layer_parts(1, "Bias vectors ``b`` (n_out,) of each layer")

    def _set_layer_parts(self, part: int, arrays: Any) -> None:
        """Write ``arrays`` into the network's W (``part`` 0) or b (1): all checked first."""
        check_is_fitted(self)
        name = ("coefs_", "intercepts_")[part]
        views = [pair[part] for pair in self.network_.parameters.public_layers()]
        arrays = list(arrays)
        if len(arrays) != len(views):
            raise ValueError(f"{name} takes {len(views)} arrays (one per layer), got {len(arrays)}")
        checked = []
        for i, (view, array) in enumerate(zip(views, arrays)):
            try:
                array = np.asarray(array, dtype=view.dtype)
            except (TypeError, ValueError):
                raise ValueError(f"{name}[{i}] must be an array of numbers") from None
            if array.shape != view.shape:
                raise ValueError(f"{name}[{i}] must have shape {view.shape}, got {array.shape}")
            if not np.isfinite(array).all():
                raise ValueError(f"{name}[{i}] contains NaN or infinity")
            checked.append(array)
        for view, array in zip(views, checked):
            view[...] = array

    # ------------------------------------------------------------------ fitting
    def _fit(
        self, X: Any, y: Any, sample_weight: Any, *, incremental: bool, classes: Any = None
    ) -> Any:
        """``fit`` or ``partial_fit`` as a transaction: on any error, restore every attribute."""
        snapshot = dict(self.__dict__)
        try:
            self._fit_unsafe(X, y, sample_weight, incremental=incremental, classes=classes)
        except BaseException:
            self.__dict__.clear()
            self.__dict__.update(snapshot)
            raise
        return self

    def _fit_unsafe(
        self, X: Any, y: Any, sample_weight: Any, *, incremental: bool, classes: Any
    ) -> None:
        self._validate_params()
        params = self.get_params()
        arch = resolve_architecture(params, type(self).__name__)
        if incremental and self.early_stopping:
            raise ValueError("partial_fit does not support early_stopping=True")
        first = not hasattr(self, "network_") or not (self.warm_start or incremental)
        X, y = self._validate_X_y(X, y, reset=first)
        weights = SampleWeights.check(sample_weight, X, float(self.alpha))
        Y = self._encode_targets(y, first=first, classes=classes)
        seeds = draw_seeds(self.random_state)
        if first:
            self._initialize(X, arch, seeds)
        elif Y.shape[1] != self.n_outputs_:
            raise ValueError(f"y has {Y.shape[1]} outputs; the estimator was fitted with "
                             f"{self.n_outputs_}")  # fmt: skip
        net = self._network_to_train(arch)  # a copy, committed at the end
        X = X.astype(net.dtype, copy=False)
        if self.solver == "lbfgs":
            self._run_lbfgs(net, X, Y, weights)
        else:
            self._run_stochastic(net, (X, y, Y), weights, incremental=incremental)
        if not np.isfinite(np.concatenate([a.ravel() for p in net.layers for a in p])).all():
            raise ValueError(_NON_FINITE)
        self.network_ = net

    def _initialize(self, X: np.ndarray, arch: Any, seeds: list[int]) -> None:
        """Build a new network and reset the fitted state: the first fit's work."""
        out_activation, cost = self._output_layer()
        sizes = [X.shape[1], *arch.hidden, self.n_outputs_]
        net = NeuralNetwork(
            sizes[0],
            sizes[1:],
            [arch.activation] * len(arch.hidden) + [out_activation],
            cost_fun=cost,
            l1=float(self.l1),
            init="xavier" if self.init == "sklearn" else self.init,
            dtype=resolve_dtype(self.dtype, X.dtype),
            seed=seeds[0],
        )
        self._random = RandomStream(self.random_state, seeds[1])
        if self.init == "sklearn":
            net.layers = self._random.weights(sizes, self.activation)
        self.network_ = net
        self.n_layers_ = len(arch.hidden) + 2
        self.out_activation_ = _SKLEARN_OUTPUT_NAMES.get(out_activation, out_activation)
        self.n_iter_ = 0
        self.t_ = 0
        self.loss_curve_ = []
        self.best_loss_ = None if self.early_stopping else np.inf
        self.validation_scores_ = [] if self.early_stopping else None
        self.best_validation_score_ = -np.inf if self.early_stopping else None
        self._best_layers: Pairs = [(W.copy(), b.copy()) for W, b in net.layers]
        self._no_improvement_count = 0
        self._current_learning_rate: float | None = None
        self.__dict__.pop("optimizer_", None)

    def _network_to_train(self, arch: Any) -> NeuralNetwork:
        """A copy of ``network_`` with the parameters as they are now (``set_params``).

        As in scikit-learn, a warm start trains the same weights with the hidden
        ``activation`` (and ``l1``) set since; other layer sizes cannot reuse them.
        """
        net = self.network_
        if arch.hidden != tuple(net.layer_output_sizes[:-1]):
            raise ValueError(
                f"hidden_layer_sizes={self.hidden_layer_sizes!r} does not fit the hidden layers "
                f"{tuple(net.layer_output_sizes[:-1])} of the fitted network: set "
                "warm_start=False to train a new network"
            )
        activations = [arch.activation] * len(arch.hidden) + net.activation_funcs[-1:]
        if activations == net.activation_funcs and float(self.l1) == net.l1:
            return copy.deepcopy(net)
        twin = net.clone(activation_funcs=activations, l1=float(self.l1), seed=0)
        twin.layers = net.layers
        return twin

    def _run_lbfgs(
        self, net: NeuralNetwork, X: np.ndarray, Y: np.ndarray, weights: SampleWeights
    ) -> None:
        factor = self._loss_factor()
        net.l2 = factor * weights.alpha / (2 * X.shape[0])

        def report(iteration: int, history: Any, _: NeuralNetwork) -> None:
            print(f"Iteration {iteration + 1}, loss = {history.train_loss[-1] / factor:.8f}")

        options: dict[str, Any] = {
            "max_iter": self.max_iter,
            "max_fun": self.max_fun,
            "tol": float(self.tol),
            "scale": factor,
            "callback": report if self.verbose else None,
        }
        if weights.values is None:
            result = train_lbfgs(net, X, Y, **options)
        else:
            result = lbfgs_weighted(net, X, Y, weights.values, **options)
        if not result.converged:
            warnings.warn(
                f"lbfgs failed to converge after {result.n_iter} iteration(s): "
                f"{result.message}. Increase the number of iterations (max_iter="
                f"{self.max_iter}) or of function evaluations (max_fun={self.max_fun}), "
                "or scale the data.",
                ConvergenceWarning,
                stacklevel=1,  # nnet's module, as scikit-learn's: see the module docstring
            )
        self.n_iter_ = result.n_iter
        curve = [v / factor for v in result.history.train_loss]
        self.loss_ = curve[-1] if curve else float(net.cost(X, Y)) / factor
        self.loss_curve_ = self.loss_curve_ + curve
        self.best_loss_ = min(self.loss_curve_, default=self.loss_)

    def _run_stochastic(
        self,
        net: NeuralNetwork,
        data: tuple[np.ndarray, np.ndarray, np.ndarray],
        weights: SampleWeights,
        *,
        incremental: bool,
    ) -> None:
        factor = self._loss_factor()
        fresh = not incremental or not hasattr(self, "optimizer_")
        optimizer = (
            make_optimizer(self.get_params(), factor) if fresh else copy.deepcopy(self.optimizer_)
        )
        schedule = self.learning_rate if self.solver == "sgd" else None
        X, y, Y = data
        sw = weights.values
        random = copy.deepcopy(self._random)  # one stream over fit and partial_fits
        score = None
        if self.early_stopping:
            fraction, stratify = float(self.validation_fraction), self._stratify(Y)
            split = validation_split(X, y, Y, sw, fraction, random.rng, stratify)
            X, Y, sw, (Xv, yv, swv) = split
            score = lambda net: self._validation_score(net, Xv, yv, swv)  # noqa: E731
        batch = resolve_batch_size(self.batch_size, X.shape[0])
        progress = self._progress(fresh, schedule, early=score is not None)
        rules = Rules(
            tol=float(self.tol), n_iter_no_change=self.n_iter_no_change, schedule=schedule,
            learning_rate_init=float(self.learning_rate_init), power_t=float(self.power_t),
            lr_factor=factor, loss_factor=factor, verbose=bool(self.verbose),
        )  # fmt: skip
        monitor = EpochMonitor(progress, rules, optimizer, X.shape[0], score)
        epochs = 1 if incremental else int(self.max_iter)
        net.l2 = factor * weights.alpha / (2 * batch)
        engine = Engine(
            net, net.parameters, optimizer, net._check_XY(X, Y), None, [], batch,
            random if self.shuffle else None,  # type: ignore[arg-type]  # has .permutation
            callbacks=[monitor], sample_weight=sw,
            row_loss=ROW_LOSSES[net.cost_fun.name],
        )  # fmt: skip
        engine.run(epochs, None, None)  # scikit-learn stops only on non-finite values
        history = engine.histories[0]
        if history.stop_reason == "diverged" and score is None:
            raise ValueError(_NON_FINITE)
        if history.stop_reason == "diverged":
            monitor.diverged()  # with early stopping, the best weights are kept
        if history.stop_reason == "interrupted":
            warnings.warn("Training interrupted by user.", UserWarning, stacklevel=1)
        if score is not None:
            net.layers = progress.best_layers
        if not incremental and not monitor.stopped and monitor.n_iter == self.max_iter:
            warnings.warn(
                f"Stochastic Optimizer: Maximum iterations ({self.max_iter}) reached and "
                "the optimization hasn't converged yet.",
                ConvergenceWarning,
                stacklevel=1,  # nnet's module, as scikit-learn's: see the module docstring
            )
        self.optimizer_ = optimizer
        self._random = random
        self.n_iter_ = monitor.n_iter
        self._commit(progress)

    def _validation_score(self, net: NeuralNetwork, X: Any, y: Any, sample_weight: Any) -> float:
        """The score on the held-out set; NaN, as scikit-learn's, if the outputs overflow."""
        try:
            outputs = net.predict(X)
        except ValueError:  # X is checked, so only the outputs can be at fault
            return float("nan")
        return self._score_outputs(y, outputs, sample_weight)

    def _progress(self, fresh: bool, schedule: str | None, *, early: bool) -> Progress:
        """The fitted state the epoch logic continues from (copies: the fit may fail)."""
        rate = float(self.learning_rate_init) if fresh else self._current_learning_rate
        return Progress(
            loss_curve=list(self.loss_curve_),
            # early_stopping may be switched between warm-started fits: start what is missing.
            best_loss=None if early else _or(self.best_loss_, np.inf),
            validation_scores=list(self.validation_scores_ or []) if early else None,
            best_validation_score=_or(self.best_validation_score_, -np.inf) if early else None,
            best_layers=self._best_layers,
            no_improvement_count=self._no_improvement_count,
            t=self.t_,
            learning_rate=rate if schedule else None,
        )

    def _commit(self, progress: Progress) -> None:
        """Make the finished run's state the fitted attributes."""
        self.t_ = progress.t
        self.loss_ = progress.loss_curve[-1]
        self.loss_curve_ = progress.loss_curve
        self.best_loss_ = progress.best_loss
        self.validation_scores_ = progress.validation_scores
        self.best_validation_score_ = progress.best_validation_score
        self._best_layers = progress.best_layers
        self._no_improvement_count = progress.no_improvement_count
        self._current_learning_rate = progress.learning_rate

    # ------------------------------------------------------------------ prediction
    def _forward(self, X: Any) -> np.ndarray:
        """Network outputs for ``X``, after the fitted and feature checks."""
        check_is_fitted(self)
        X = validate_data(
            self, X, accept_sparse=["csr", "csc"], dtype=(np.float64, np.float32), reset=False
        )
        net = self.network_
        out = net.predict(X.astype(net.dtype, copy=False))  # sparse X stays sparse
        return out.astype(np.result_type(X.dtype, net.dtype), copy=False)  # as scikit-learn's


class _LayerParts(list):
    """``coefs_`` or ``intercepts_``: views of the network's arrays, as scikit-learn's list.

    Writing into an array changes the network; assigning an item (``coefs_[0] = W``)
    writes ``W`` into the network too, shape-checked, as it would in scikit-learn's
    list of the MLP's own arrays.
    """

    def __init__(self, owner: _BaseMLP, part: int) -> None:
        super().__init__(pair[part] for pair in owner.network_.parameters.public_layers())
        self._owner, self._part = owner, part

    def __setitem__(self, index: Any, value: Any) -> None:
        arrays = list(self)
        arrays[index] = value
        self._owner._set_layer_parts(self._part, arrays)


def _or(value: float | None, default: float) -> float:
    return default if value is None else value
