"""The estimators' parameters: their declarative constraints and what they resolve to.

The constraints use scikit-learn's own vocabulary (:mod:`sklearn.utils._param_validation`,
as ``MLPClassifier`` does), so a bad value raises scikit-learn's
``InvalidParameterError`` (a ``ValueError`` and ``TypeError``) naming the parameter
and what it accepts, before ``fit`` touches anything. nnet's registries can grow at
run time (``register_activation``), so names are checked against the registry when
``fit`` runs, not against a set frozen at import.
"""

from __future__ import annotations

import copy
import dataclasses
import itertools
import warnings
from numbers import Integral, Real
from typing import Any

import numpy as np
from sklearn.model_selection import train_test_split
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import (
    HasMethods,
    Interval,
    Options,
    StrOptions,
)

from nnet.activations import ACTIVATIONS, Activation, make_activation
from nnet.initializers import INITIALIZERS
from nnet.optimizers import OPTIMIZERS, SGD, Adam, Momentum, get_optimizer
from nnet.utils.validation import is_int

SKLEARN_SOLVERS = frozenset({"lbfgs", "sgd", "adam"})
"""The solvers scikit-learn's MLP knows; names of :data:`nnet.optimizers.OPTIMIZERS` work too."""


class _RegisteredName(StrOptions):
    """A name in ``registry`` (or one of ``aliases``), looked up when checked.

    A :class:`StrOptions` (which scikit-learn's validation accepts) whose set of
    names is read at check time, so names registered after import work.
    """

    def __init__(self, registry: dict[str, Any], aliases: frozenset[str] = frozenset()):
        super().__init__(set())
        self.registry, self.aliases = registry, aliases

    def is_satisfied_by(self, val: Any) -> bool:
        return isinstance(val, str) and (val in self.registry or val in self.aliases)

    def __str__(self) -> str:
        return f"a str among {sorted({*self.registry, *self.aliases})}"


class _StepObject(HasMethods):
    """An optimizer *object* (with a ``step`` method), not an optimizer class."""

    def __init__(self) -> None:
        super().__init__("step")

    def is_satisfied_by(self, val: Any) -> bool:
        return not isinstance(val, type) and super().is_satisfied_by(val)

    def __str__(self) -> str:
        return "an optimizer object with a step method (not a class)"


SHARED_CONSTRAINTS: dict[str, list[Any]] = {
    "hidden_layer_sizes": ["array-like", Interval(Integral, 1, None, closed="left")],
    "activation": [
        _RegisteredName(ACTIVATIONS, frozenset({"logistic", "linear"})),
        Activation,
        callable,
    ],
    "solver": [
        _RegisteredName(dict.fromkeys(SKLEARN_SOLVERS | set(OPTIMIZERS))),
        _StepObject(),
    ],
    "alpha": [Interval(Real, 0, None, closed="left")],
    "batch_size": [StrOptions({"auto"}), Interval(Integral, 1, None, closed="left")],
    "learning_rate": [StrOptions({"constant", "invscaling", "adaptive"})],
    "learning_rate_init": [Interval(Real, 0, None, closed="neither")],
    "power_t": [Interval(Real, 0, None, closed="left")],
    "max_iter": [Interval(Integral, 1, None, closed="left")],
    "shuffle": ["boolean"],
    "random_state": ["random_state"],
    "tol": [Interval(Real, 0, None, closed="left")],
    "verbose": ["verbose"],
    "warm_start": ["boolean"],
    # scikit-learn allows momentum=1 (a velocity that never decays); nnet's Momentum refuses it.
    "momentum": [Interval(Real, 0, 1, closed="left")],
    "nesterovs_momentum": ["boolean"],
    "early_stopping": ["boolean"],
    "validation_fraction": [Interval(Real, 0, 1, closed="left")],
    "beta_1": [Interval(Real, 0, 1, closed="left")],
    "beta_2": [Interval(Real, 0, 1, closed="left")],
    "epsilon": [Interval(Real, 0, None, closed="neither")],
    "n_iter_no_change": [Interval(Integral, 1, None, closed="left"), Options(Real, {np.inf})],
    "max_fun": [Interval(Integral, 1, None, closed="left")],
    "l1": [Interval(Real, 0, None, closed="left")],
    "init": [_RegisteredName(INITIALIZERS, frozenset({"sklearn"})), callable],
    "dtype": [None, StrOptions({"float32", "float64"}), Options(type, {np.float32, np.float64})],
}
"""Constraints of the parameters both estimators share (``_parameter_constraints``)."""


@dataclasses.dataclass(frozen=True)
class Architecture:
    """What the parameters say about the network, resolved once per fit."""

    hidden: tuple[int, ...]
    activation: Activation


def resolve_architecture(params: dict[str, Any], owner: str) -> Architecture:
    """The hidden sizes as a tuple of positive ints and the activation object.

    Raises ValueError for a size that is not a positive int (the constraint
    admits any array-like), worded as scikit-learn's parameter errors.
    """
    sizes = params["hidden_layer_sizes"]
    sizes = [sizes] if isinstance(sizes, Integral) else list(sizes)
    if not all(is_int(s) and s > 0 for s in sizes):
        raise ValueError(
            f"The 'hidden_layer_sizes' parameter of {owner} must be an int or an array-like "
            f"of ints >= 1. Got {params['hidden_layer_sizes']!r} instead."
        )
    activation = make_activation(params["activation"], argname="activation")
    return Architecture(tuple(int(s) for s in sizes), activation)


def make_optimizer(params: dict[str, Any], cost_factor: float) -> Any:
    """The optimizer ``solver`` names, with scikit-learn's hyperparameters, for a fresh run.

    ``"adam"`` and ``"sgd"`` take ``beta_1``/``beta_2``/``epsilon`` and
    ``momentum``/``nesterovs_momentum`` as scikit-learn does; nnet's other names take
    ``learning_rate_init``; an optimizer object is deep-copied (the parameter itself
    never changes) and reset, keeping its own learning rate.

    nnet's cost is ``cost_factor`` times scikit-learn's loss, and so is its
    gradient. Plain and momentum SGD take steps proportional to the gradient, so
    their rate is divided by the factor to take scikit-learn's steps; the adaptive
    rules (Adam, RMSprop, Adagrad) divide the gradient by its own scale, so their
    rate stays and only Adam's ``epsilon`` is scaled.
    """
    solver, rate = params["solver"], params["learning_rate_init"]
    if solver == "adam":
        return Adam(rate, beta1=params["beta_1"], beta2=params["beta_2"],
                    eps=params["epsilon"] * cost_factor)  # fmt: skip
    if solver == "sgd":
        if params["momentum"] == 0:
            return SGD(rate / cost_factor)
        return Momentum(rate / cost_factor, momentum=params["momentum"],
                        nesterov=params["nesterovs_momentum"])  # fmt: skip
    if solver == "momentum":
        return Momentum(rate / cost_factor)
    if isinstance(solver, str):
        return get_optimizer(solver, learning_rate=rate)
    optimizer = copy.deepcopy(solver)
    if callable(getattr(optimizer, "reset", None)):
        optimizer.reset()
    return optimizer


def resolve_dtype(spec: Any, X_dtype: np.dtype[Any]) -> np.dtype[Any]:
    """The network's dtype: ``dtype`` if given, else the data's (float32 stays float32)."""
    return np.dtype(X_dtype if spec is None else spec)


def resolve_batch_size(batch_size: Any, n_samples: int) -> int:
    """scikit-learn's batch size: "auto" is min(200, n); a larger int is clipped."""
    if batch_size == "auto":
        return min(200, n_samples)
    if batch_size > n_samples:
        message = "Got `batch_size` larger than the sample size. It is going to be clipped"
        warnings.warn(message, stacklevel=1)  # nnet's module, as scikit-learn's
    return min(int(batch_size), n_samples)


def validation_split(
    X: np.ndarray,
    y: np.ndarray,
    Y: np.ndarray,
    sw: np.ndarray | None,
    fraction: float,
    rng: np.random.RandomState,
    stratify: np.ndarray | None,
) -> tuple[Any, ...]:
    """(X_train, Y_train, sw_train, (X_val, y_val, sw_val)): the early-stopping split.

    ``fraction`` of the samples (``validation_fraction``) is held out, chosen by ``rng``
    and stratified by ``stratify`` if given, as scikit-learn's MLP does; fewer than two
    refuse the fit.
    """
    if not fraction:
        raise ValueError(
            "The validation set is too small. Increase 'validation_fraction' (0 with "
            "early_stopping=True holds out nothing)."
        )
    arrays = [X, Y, y] if sw is None else [X, Y, y, sw]
    parts = train_test_split(*arrays, test_size=fraction, random_state=rng, stratify=stratify)
    X_train, X_val, Y_train, _, _, y_val = parts[:6]
    sw_train, sw_val = (None, None) if sw is None else (parts[6], parts[7])
    if X_val.shape[0] < 2:
        raise ValueError(
            "The validation set is too small. Increase 'validation_fraction' or the "
            "size of your dataset."
        )
    return X_train, Y_train, sw_train, (X_val, y_val, sw_val)


class RandomStream:
    """scikit-learn's MLP randomness: one ``RandomState`` for the first weights, the
    early-stopping split and each epoch's order of the rows, drawn in that order.

    ``RandomState(random_state)`` for an int, so the same ``random_state`` draws what
    ``MLPClassifier`` draws and a fit takes its steps; ``RandomState(seed)`` otherwise
    (nnet never draws from NumPy's global state). The stream continues over
    ``partial_fit`` and warm-started fits.
    """

    def __init__(self, random_state: Any, seed: int) -> None:
        self.rng = np.random.RandomState(
            int(random_state) if isinstance(random_state, Integral) else seed
        )
        self._order = np.arange(0)

    def weights(self, sizes: list[int], activation: Any) -> list[tuple[np.ndarray, np.ndarray]]:
        """scikit-learn's first weights (``init="sklearn"``): ``W`` then ``b`` uniform in ``±L``.

        ``L = sqrt(f / (n_in + n_out))``, ``f`` 2 for a logistic hidden activation, else 6.
        """
        factor = 2.0 if activation in ("logistic", "sigmoid") else 6.0
        layers = []
        for n_in, n_out in itertools.pairwise(sizes):
            bound = np.sqrt(factor / (n_in + n_out))
            W = self.rng.uniform(-bound, bound, (n_in, n_out))
            layers.append((W, self.rng.uniform(-bound, bound, n_out)))
        return layers

    def permutation(self, n: int) -> np.ndarray:
        """The next epoch's order of ``n`` rows: the last order shuffled again (scikit-learn's)."""
        if len(self._order) != n:
            self._order = np.arange(n)
        self._order = self._order[self.rng.permutation(n)]
        return self._order


def draw_seeds(random_state: Any) -> list[int]:
    """Two seeds (the network's, the :class:`RandomStream`'s) from ``random_state``.

    An int or a ``RandomState`` gives the same seeds as scikit-learn's
    ``check_random_state`` would; ``None`` draws fresh entropy from a new
    :class:`numpy.random.Generator`, never from NumPy's global state.
    """
    if random_state is None:
        return [int(s) for s in np.random.default_rng().integers(2**31 - 1, size=2)]
    rng = check_random_state(random_state)
    return [int(s) for s in rng.randint(2**31 - 1, size=2)]
