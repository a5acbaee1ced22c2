"""The machinery shared by :class:`~nnet.estimators.NeuralNetClassifier` and the regressor.

scikit-learn's conventions (see its developer guide, and how
``sklearn/neural_network/_multilayer_perceptron.py`` is laid out): ``__init__``
only stores its arguments; ``fit`` checks them, validates the data with
:func:`sklearn.utils.validation.validate_data` and sets the fitted attributes,
whose names end in ``_``. A subclass says how targets are encoded, which output
layer and cost go with them and how a validation set is scored; everything else,
the network, the optimizer, the seeds and the calls to :func:`nnet.training.train`,
is here.
"""

from __future__ import annotations

import contextlib
import copy
import dataclasses
import math
import numbers
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.model_selection import train_test_split
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted, validate_data

from nnet.activations import Activation, make_activation
from nnet.initializers import get_initializer
from nnet.network import NeuralNetwork
from nnet.optimizers import OPTIMIZERS, get_optimizer
from nnet.schedules import Schedule
from nnet.training import train

_RELU_LIKE = frozenset({"relu", "leaky_relu", "elu"})
_SEED_BOUND = np.iinfo(np.int32).max
_DEFAULT_LEARNING_RATE = 0.001  # scikit-learn's learning_rate_init, Adam's usual rate


@dataclasses.dataclass(frozen=True)
class _Settings:
    """The hyperparameters, checked and resolved once per ``fit``/``partial_fit``."""

    hidden: tuple[int, ...]
    activation: Activation
    init: Any
    batch_size: Any  # "auto", a positive int or None
    epochs: int
    l1: float
    l2: float
    patience: int | None


def _is_int(value: Any) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, (bool, np.bool_))


def _is_bool(value: Any) -> bool:
    return isinstance(value, (bool, np.bool_))


def _is_finite_real(value: Any) -> bool:
    return (
        isinstance(value, numbers.Real)
        and not isinstance(value, (bool, np.bool_))
        and math.isfinite(float(value))
    )


class _BaseNeuralNet(BaseEstimator):
    """Base class of the estimators: not for direct use.

    Subclasses define ``__init__`` (the public parameters), ``_validate_X_y``,
    ``_encode_targets``, ``_output_layer`` and ``_validation_score``.
    """

    # Declared for type checkers; set by the subclasses' __init__.
    hidden_layer_sizes: Any
    activation: Any
    optimizer: Any
    learning_rate: Any
    l1: Any
    l2: Any
    batch_size: Any
    epochs: Any
    early_stopping: Any
    validation_fraction: Any
    n_iter_no_change: Any
    shuffle: Any
    init: Any
    random_state: Any
    verbose: Any

    # Fitted attributes (set in fit / partial_fit).
    network_: NeuralNetwork
    optimizer_: Any
    n_outputs_: int
    n_iter_: int
    loss_curve_: list[float]
    validation_scores_: list[float] | None

    # ------------------------------------------------------------------ subclass hooks
    def _validate_X_y(self, X: Any, y: Any, *, reset: bool) -> tuple[np.ndarray, np.ndarray]:
        """Return ``X`` and ``y`` through ``validate_data`` (``reset`` on the first call)."""
        raise NotImplementedError

    def _encode_targets(self, y: np.ndarray, *, first: bool, classes: Any = None) -> np.ndarray:
        """Return ``y`` as the network's targets, of shape (n_samples, n_outputs)."""
        raise NotImplementedError

    def _output_layer(self) -> tuple[Any, str]:
        """Return (output activation, cost name) for the targets seen on the first call."""
        raise NotImplementedError

    def _validation_score(self, Y_true: np.ndarray, Y_pred: np.ndarray) -> float:
        """Score of network outputs ``Y_pred`` against encoded targets (higher is better)."""
        raise NotImplementedError

    def _stratify(self, y: np.ndarray) -> np.ndarray | None:
        """Labels to stratify the early-stopping split by, or None."""
        return None

    # ------------------------------------------------------------------ checks
    def _bad(self, param: str, expected: str) -> ValueError:
        value = getattr(self, param)
        return ValueError(f"{type(self).__name__}: {param} must be {expected}, got {value!r:.200}")

    def _check_params(self) -> _Settings:
        """Check every hyperparameter; raise a ValueError naming the first bad one."""
        sizes = self.hidden_layer_sizes
        if _is_int(sizes):
            sizes = (sizes,)
        if isinstance(sizes, (str, bytes)) or not isinstance(sizes, (list, tuple, np.ndarray)):
            raise self._bad("hidden_layer_sizes", "a positive int or a sequence of positive ints")
        if not all(_is_int(s) and s > 0 for s in sizes):
            raise self._bad("hidden_layer_sizes", "a sequence of positive ints")
        activation = self._check_activation("activation")
        init = self.init
        if isinstance(init, str) and init == "auto":
            init = "he" if activation.name in _RELU_LIKE else "xavier"
        try:
            get_initializer(init)
        except (TypeError, ValueError) as err:
            raise self._bad("init", f"'auto' or valid for NeuralNetwork ({err})") from err
        batch_size = self.batch_size
        if not (
            batch_size is None
            or (isinstance(batch_size, str) and batch_size == "auto")
            or (_is_int(batch_size) and batch_size > 0)
        ):
            raise self._bad("batch_size", "'auto', a positive int or None (full batch)")
        if not (_is_int(self.epochs) and self.epochs > 0):
            raise self._bad("epochs", "a positive int")
        for name in ("l1", "l2"):
            value = getattr(self, name)
            if not (_is_finite_real(value) and value >= 0):
                raise self._bad(name, "a finite number >= 0")
        for name in ("early_stopping", "shuffle", "verbose"):
            if not _is_bool(getattr(self, name)):
                raise self._bad(name, "True or False")
        if not (_is_finite_real(self.validation_fraction) and 0 < self.validation_fraction < 1):
            raise self._bad("validation_fraction", "a number strictly between 0 and 1")
        if not (_is_int(self.n_iter_no_change) and self.n_iter_no_change > 0):
            raise self._bad("n_iter_no_change", "a positive int")
        self._check_learning_rate()
        self._make_optimizer()  # checks optimizer (and learning_rate against it)
        try:
            check_random_state(self.random_state)
        except ValueError as err:
            raise self._bad("random_state", "None, an int or a numpy RandomState") from err
        return _Settings(
            hidden=tuple(int(s) for s in sizes),
            activation=activation,
            init=init,
            batch_size=batch_size,
            epochs=int(self.epochs),
            l1=float(self.l1),
            l2=float(self.l2),
            patience=int(self.n_iter_no_change) if self.early_stopping else None,
        )

    def _check_activation(self, param: str) -> Activation:
        try:
            return make_activation(getattr(self, param), argname=param)
        except (TypeError, ValueError, KeyError) as err:
            raise self._bad(param, f"an activation name or function ({err})") from err

    def _check_learning_rate(self) -> None:
        lr = self.learning_rate
        if lr is None or isinstance(lr, Schedule):
            return
        if _is_finite_real(lr):
            if lr <= 0:
                raise self._bad("learning_rate", "a finite number > 0")
            return
        if not callable(lr):
            raise self._bad("learning_rate", "None, a number > 0, a Schedule or a callable")

    def _make_optimizer(self) -> Any:
        """A fresh optimizer: built from the name, or a reset deep copy of the given object."""
        spec, lr = self.optimizer, self.learning_rate
        if isinstance(spec, str):
            if spec not in OPTIMIZERS:
                raise self._bad("optimizer", f"one of {sorted(OPTIMIZERS)} or an optimizer object")
            try:
                return get_optimizer(
                    spec, learning_rate=_DEFAULT_LEARNING_RATE if lr is None else lr
                )
            except (TypeError, ValueError) as err:
                raise self._bad("learning_rate", f"valid for the optimizer ({err})") from err
        if isinstance(spec, type) or not callable(getattr(spec, "step", None)):
            raise self._bad(
                "optimizer", f"one of {sorted(OPTIMIZERS)} or an object with a step() method"
            )
        opt = copy.deepcopy(spec)  # the parameter itself is never changed
        if callable(getattr(opt, "reset", None)):
            opt.reset()
        if lr is not None:
            if not hasattr(opt, "learning_rate"):
                raise self._bad(
                    "learning_rate", f"None for an optimizer without one ({type(spec).__name__})"
                )
            try:
                opt.learning_rate = lr
            except (TypeError, ValueError) as err:
                raise self._bad("learning_rate", f"valid for the optimizer ({err})") from err
        return opt

    # ------------------------------------------------------------------ fitting
    def _fit(self, X: Any, y: Any, *, incremental: bool, classes: Any = None) -> Any:
        """``fit`` (fresh network, ``epochs`` epochs) or ``partial_fit`` (one more epoch)."""
        settings = self._check_params()
        first = not incremental or not hasattr(self, "network_")
        if incremental and self.early_stopping:
            raise ValueError(
                f"{type(self).__name__}: partial_fit does not support early_stopping=True "
                "(there is no held-out set across calls); set early_stopping=False"
            )
        X, y = self._validate_X_y(X, y, reset=first)
        Y = self._encode_targets(y, first=first, classes=classes)
        if first:
            self._initialize(X, settings)
        elif Y.shape[1] != self.n_outputs_:
            raise ValueError(
                f"y has {Y.shape[1]} outputs but {type(self).__name__} was fitted with "
                f"{self.n_outputs_}"
            )
        validation = None
        if settings.patience is not None:
            X, Xv, Y, Yv = train_test_split(
                X,
                Y,
                test_size=float(self.validation_fraction),
                random_state=self._split_seed,
                stratify=self._stratify(y),
            )
            validation = (Xv, Yv)
        self._train(X, Y, settings, epochs=1 if incremental else settings.epochs, val=validation)
        return self

    def _initialize(self, X: np.ndarray, settings: _Settings) -> None:
        """Build the network and optimizer and draw the seeds: the first call's work."""
        rng = check_random_state(self.random_state)
        init_seed, split_seed, shuffle_seed = (int(s) for s in rng.randint(_SEED_BOUND, size=3))
        out_activation, cost = self._output_layer()
        hidden = settings.hidden
        self.network_ = NeuralNetwork(
            X.shape[1],
            [*hidden, self.n_outputs_],
            [settings.activation] * len(hidden) + [out_activation],
            cost_fun=cost,
            l1=settings.l1,
            l2=settings.l2,
            init=settings.init,
            dtype=X.dtype,
            seed=init_seed,
        )
        self.optimizer_ = self._make_optimizer()
        self._split_seed = split_seed
        self._shuffle_rng = np.random.default_rng(shuffle_seed)
        self.n_iter_ = 0
        self.loss_curve_ = []
        self.validation_scores_ = [] if settings.patience is not None else None

    def _train(
        self,
        X: np.ndarray,
        Y: np.ndarray,
        settings: _Settings,
        *,
        epochs: int,
        val: tuple[np.ndarray, np.ndarray] | None,
    ) -> None:
        callbacks = []
        if val is not None:
            scores, (Xv, Yv) = self.validation_scores_, val
            assert scores is not None

            def record_score(epoch: int, history: Any, net: NeuralNetwork) -> None:
                scores.append(self._validation_score(Yv, net.predict(Xv)))

            callbacks.append(record_score)
        batch_size = min(200, len(X)) if settings.batch_size == "auto" else settings.batch_size
        with _epoch_offset(self.optimizer_, self.n_iter_):
            history = train(
                self.network_,
                self.optimizer_,
                X,
                Y,
                epochs=epochs,
                batch_size=batch_size,
                validation_data=val,
                early_stopping=settings.patience,
                callbacks=callbacks,
                rng=self._shuffle_rng,
                progress=bool(self.verbose),
                shuffle=bool(self.shuffle),
            )
        self.loss_curve_.extend(history.train_loss)
        self.n_iter_ += history.epochs_run

    # ------------------------------------------------------------------ prediction
    def _forward(self, X: Any) -> np.ndarray:
        """Network outputs for ``X``, after the fitted and feature checks."""
        check_is_fitted(self)
        X = validate_data(self, X, dtype=(np.float64, np.float32), reset=False)
        return self.network_.predict(X)


@contextlib.contextmanager
def _epoch_offset(optimizer: Any, offset: int) -> Iterator[None]:
    """Make ``optimizer.set_epoch`` count from ``offset`` while training continues.

    :func:`nnet.training.train` numbers the epochs of each call from 0, so a
    learning-rate schedule would restart on every ``partial_fit``; shifting the
    epoch keeps it going as one long training run.
    """
    set_epoch: Callable[[int], Any] | None = getattr(optimizer, "set_epoch", None)
    attributes = getattr(optimizer, "__dict__", None)
    if offset == 0 or set_epoch is None or attributes is None or "set_epoch" in attributes:
        yield
        return
    optimizer.set_epoch = lambda epoch: set_epoch(epoch + offset)
    try:
        yield
    finally:
        del optimizer.set_epoch
