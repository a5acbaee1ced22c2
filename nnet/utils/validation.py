"""Input checks shared by the public API: clear errors that name the argument, raised early."""

from __future__ import annotations

import dataclasses
import math
import numbers
from collections.abc import Callable, Mapping, MutableMapping
from typing import Any, Generic, TypeVar, cast

import numpy as np
import scipy.sparse

from nnet.utils.errors import NonFiniteError
from nnet.utils.types import Pairs, Shapes

FLOAT_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))


# ----------------------------------------------------------------------------- scalars
# One vocabulary for scalar arguments, in the spirit of scikit-learn's declarative
# ``Interval(Real, 0, 1, closed="left")``: a predicate says what a value *is*
# (``is_real``, ``is_int``), a check returns the value converted or raises an error
# that names the argument and the expected range. Bools are never numbers here.
# Non-numbers raise TypeError; NaN, infinity and out-of-range values ValueError.


def is_real(value: Any) -> bool:
    """Whether ``value`` is a real number (Python or NumPy), bools excluded."""
    return isinstance(value, numbers.Real) and not isinstance(value, (bool, np.bool_))


def is_int(value: Any) -> bool:
    """Whether ``value`` is an integer (Python or NumPy), bools excluded."""
    return isinstance(value, numbers.Integral) and not isinstance(value, (bool, np.bool_))


def is_finite_real(value: Any) -> bool:
    """Whether ``value`` is a real number other than NaN and ±infinity (any int is finite)."""
    return is_real(value) and (is_int(value) or math.isfinite(value))


def describe_interval(
    low: float | None, high: float | None, *, low_open: bool = False, high_open: bool = False
) -> str:
    """The words for a finite number in a range: ``"a finite number in (0, 1]"``, ``"... >= 0"``."""
    if low is not None and high is not None:
        left, right = "(" if low_open else "[", ")" if high_open else "]"
        return f"a finite number in {left}{low:g}, {high:g}{right}"
    if low is not None:
        return f"a finite number {'>' if low_open else '>='} {low:g}"
    return "a finite number"


def check_real(
    value: Any,
    name: str,
    low: float | None = None,
    high: float | None = None,
    *,
    low_open: bool = False,
    high_open: bool = False,
) -> float:
    """Return ``value`` as a float, or raise naming ``name`` if it is not a finite real in range.

    ``low``/``high`` bound the range (None: unbounded), closed unless ``low_open``
    or ``high_open``, like scikit-learn's ``Interval(Real, low, high, closed=...)``.
    """
    expected = describe_interval(low, high, low_open=low_open, high_open=high_open)
    if not is_real(value):
        raise TypeError(f"{name} must be {expected}, got {value!r}")
    x = float(value)
    too_low = low is not None and (x <= low if low_open else x < low)
    too_high = high is not None and (x >= high if high_open else x > high)
    if not math.isfinite(x) or too_low or too_high:
        raise ValueError(f"{name} must be {expected}, got {value!r}")
    return x


def check_reals(value: Any, name: str, *bounds: float | None, **open_ends: bool) -> Any:
    """:func:`check_real` (same ``bounds`` and ``open_ends``), also one value per model.

    One number gives a float; several (a 1-D sequence or array) give a ``(K, 1)``
    float column, which broadcasts against a stack's ``(K, n_params)`` vectors
    (see :mod:`nnet.parameters`). Element ``i`` is checked as ``name[i]``.
    """
    if not isinstance(value, (np.ndarray, list, tuple)):
        return check_real(value, name, *bounds, **open_ends)
    values = np.asarray(value, dtype=object).ravel()
    if values.size == 0 or np.ndim(value) > 2:
        raise ValueError(f"{name} must be a number or a 1-D sequence of numbers, got {value!r:.80}")
    items = (v.item() if isinstance(v, np.generic) else v for v in values)
    checked = [check_real(v, f"{name}[{i}]", *bounds, **open_ends) for i, v in enumerate(items)]
    return checked[0] if len(checked) == 1 else np.array(checked).reshape(-1, 1)


def check_int(value: Any, name: str, minimum: int) -> int:
    """Return ``value`` as an int >= ``minimum``, or raise naming ``name`` (bools refused)."""
    if type(value) is int and value >= minimum:  # the common case, without numbers' ABCs
        return value
    expected = "a positive int" if minimum == 1 else f"an int >= {minimum}"
    if not is_int(value):
        raise TypeError(f"{name} must be {expected}, got {value!r}")
    if value < minimum:
        raise ValueError(f"{name} must be {expected}, got {value!r}")
    return int(value)


def check_positive_int(value: Any, name: str) -> int:
    """Return ``value`` as an int, or raise if it is not a positive integer (bools refused)."""
    return check_int(value, name, 1)


def check_non_negative_float(value: Any, name: str) -> float:
    """Return ``value`` as a float, or raise if it is not a finite number >= 0."""
    return check_real(value, name, 0.0)


def check_bool(value: Any, name: str) -> bool:
    """Return ``value`` as a bool, or raise TypeError naming ``name`` unless it is True or False."""
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be True or False, got {value!r}")
    return bool(value)


def check_epoch(epoch: Any, name: str = "epoch") -> int:
    """Return ``epoch`` (or a step index) as an int >= 0, or raise naming ``name``."""
    return check_int(epoch, name, 0)


# ----------------------------------------------------------------------------- arrays
def check_float_dtype(dtype: Any) -> np.dtype[Any]:
    """Return ``dtype`` as a numpy float32/float64 dtype, or raise."""
    try:
        resolved = np.dtype(dtype)
    except TypeError as err:
        raise TypeError(f"dtype must be float32 or float64, got {dtype!r}") from err
    if resolved not in FLOAT_DTYPES:
        raise ValueError(f"dtype must be float32 or float64, got {resolved}")
    return resolved


def to_array(value: Any, name: str) -> np.ndarray:
    """``np.asarray(value)``, refusing masked arrays and ragged nested lists with clear errors.

    A mask would be silently dropped (NumPy computes on the hidden values too), so
    a masked array is refused rather than guessed at: fill it or drop its rows first.
    """
    if isinstance(value, np.ma.MaskedArray):
        raise TypeError(
            f"{name} is a masked array, whose mask nnet would ignore; fill the masked "
            "values (.filled(value)) or drop those rows first"
        )
    try:
        return np.asarray(value)
    except ValueError:  # NumPy's "inhomogeneous shape" for ragged lists
        raise ValueError(
            f"{name} must be a rectangular array, but its rows have different lengths"
        ) from None


def as_float_array(value: Any, name: str, dtype: np.dtype[Any]) -> np.ndarray:
    """Convert ``value`` to a float array of ``dtype`` without ever writing to the caller's data.

    Refuses masked arrays and non-numeric data (TypeError), ragged nested lists, empty
    arrays and NaN/inf (ValueError).
    """
    array = to_array(value, name)
    if array.dtype.kind not in "biuf":
        raise TypeError(
            f"{name} must hold real numbers, got an array of dtype {array.dtype} "
            f"(kind {array.dtype.kind!r})"
        )
    if array.size == 0:
        raise ValueError(f"{name} is empty (shape {array.shape}); expected at least one sample")
    array = array.astype(dtype, copy=False)
    # min and max propagate NaN and show infinities, without a boolean copy of the data.
    if not (np.isfinite(array.min()) and np.isfinite(array.max())):
        raise ValueError(f"{name} contains NaN or infinity; expected finite numbers")
    return array


def check_inputs(X: Any, n_features: int, dtype: np.dtype[Any], name: str = "X") -> Any:
    """Return ``X`` as a (n_samples, n_features) float array of ``dtype``, or CSR if sparse.

    1-D input is refused, as scikit-learn does, because it is ambiguous (one
    sample or one feature?); the message says how to reshape.
    """
    if scipy.sparse.issparse(X):
        return check_sparse_inputs(X, n_features, dtype, name)
    X = as_float_array(X, name, dtype)
    if X.ndim == 1:
        raise ValueError(
            f"{name} must be 2-D of shape (n_samples, {n_features}), got a 1-D array of shape "
            f"{X.shape}; use {name}.reshape(1, -1) for a single sample"
        )
    if X.ndim != 2 or X.shape[1] != n_features:
        raise ValueError(f"{name} must have shape (n_samples, {n_features}), got shape {X.shape}")
    return X


def check_sparse_inputs(X: Any, n_features: int, dtype: np.dtype[Any], name: str) -> Any:
    """A SciPy sparse ``X`` as CSR of ``dtype`` (a matrix or an array, as given), never dense."""
    if X.dtype.kind not in "biuf":
        raise TypeError(f"{name} must hold real numbers, got a sparse matrix of dtype {X.dtype}")
    if X.ndim != 2 or X.shape[1] != n_features or X.shape[0] == 0:
        raise ValueError(f"{name} must have shape (n_samples, {n_features}), got shape {X.shape}")
    X = X.tocsr().astype(dtype, copy=False)  # CSR slices rows and multiplies fast
    if not np.isfinite(X.data).all():
        raise ValueError(f"{name} contains NaN or infinity; expected finite numbers")
    return X


def check_targets(
    Y: Any,
    n_samples: int,
    n_outputs: int,
    dtype: np.dtype[Any],
    probabilities: bool = False,
    name: str = "Y",
) -> np.ndarray:
    """Return ``Y`` as a (n_samples, n_outputs) float array of ``dtype``.

    A 1-D ``Y`` of length n_samples is taken as one column when the network has
    one output, as scikit-learn does for ``y``. With ``probabilities`` (the
    cross-entropy costs) the values must lie in [0, 1], and a 1-D integer ``Y``
    for several outputs holds class indices, one-hot encoded here (as PyTorch's
    ``CrossEntropyLoss`` and Keras's sparse cross-entropy take them).
    """
    if probabilities and n_outputs > 1:
        Y = one_hot_class_indices(Y, n_outputs, name)
    Y = as_float_array(Y, name, dtype)
    if Y.ndim == 1 and n_outputs == 1:
        Y = Y.reshape(-1, 1)
    if Y.shape != (n_samples, n_outputs):
        hint = ""
        if Y.ndim == 1 and n_outputs > 1:
            hint = (
                "; one-hot encode class labels (e.g. sklearn.preprocessing.OneHotEncoder), "
                "or give integer class indices 0..n_outputs-1 with a cross-entropy cost"
            )
        raise ValueError(
            f"{name} must have shape ({n_samples}, {n_outputs}) to match X and the output "
            f"layer, got shape {Y.shape}{hint}"
        )
    if probabilities and (Y.min() < 0 or Y.max() > 1):
        raise ValueError(f"{name} must lie in [0, 1] for a cross-entropy cost")
    return Y


def one_hot_class_indices(Y: Any, n_classes: int, name: str = "Y") -> Any:
    """One-hot rows for a 1-D integer array of class indices in ``0..n_classes-1``.

    Anything else is returned unchanged, for :func:`check_targets` to check.
    """
    if not isinstance(Y, np.ndarray):
        return Y  # only an integer array holds class indices (a list goes to the checks)
    labels = Y
    if labels.ndim != 1 or labels.dtype.kind not in "iu" or labels.size == 0:
        return Y
    if labels.min() < 0 or labels.max() >= n_classes:
        raise ValueError(
            f"{name} holds integer class indices from {labels.min()} to {labels.max()}; "
            f"expected indices in 0..{n_classes - 1} for {n_classes} outputs"
        )
    return np.eye(n_classes)[labels]


def check_pairs(
    pairs: Any, name: str, shapes: Shapes | None = None, *, pair: str = "(W, b)"
) -> Pairs:
    """The one check of a ``[(W, b), ...]`` list (parameters, updates or gradients).

    With ``shapes`` (a network's own): exactly ``len(shapes)`` pairs of array-likes
    of real numbers of those shapes, returned as arrays; NaN or infinity raises
    :class:`~nnet.utils.errors.NonFiniteError`. Without (an optimizer's gradients): a
    non-empty list of pairs of float32 or float64 ndarrays of shapes (n_in, n_out)
    and (n_out,), returned as they are. Errors name ``name[i]`` and call a pair
    ``pair``; nothing is copied.
    """
    _check_pair_list(pairs, name, shapes, pair)
    checked = []
    for i, item in enumerate(pairs):
        where = f"{name}[{i}]"
        if not isinstance(item, (list, tuple)) or len(item) != 2:
            raise TypeError(f"{where} must be a {pair} pair, got {item!r:.80}")
        if shapes is None:
            checked.append(_float_pair(item[0], item[1], where, pair))
        else:
            checked.append(_shaped_pair(item[0], item[1], where, shapes[i]))
    return checked


def _check_pair_list(pairs: Any, name: str, shapes: Shapes | None, pair: str) -> None:
    if shapes is not None:
        if not isinstance(pairs, (list, tuple)) or len(pairs) != len(shapes):
            got = type(pairs).__name__
            if isinstance(pairs, (list, tuple)):
                got += f" of length {len(pairs)}"
            raise TypeError(f"{name} must be a list of {len(shapes)} {pair} pairs, got {got}")
        return
    expected = f"a non-empty list of {pair} pairs of float32 or float64 arrays"
    if not isinstance(pairs, (list, tuple)):
        raise TypeError(f"{name} must be {expected}, got {type(pairs).__name__}")
    if not pairs:
        raise ValueError(f"{name} must be {expected}, got an empty {type(pairs).__name__}")


def _shaped_pair(W: Any, b: Any, where: str, shapes: Any) -> tuple[np.ndarray, np.ndarray]:
    """Array-likes of real numbers of ``shapes``, finite (a network's parameters)."""
    W, b = to_array(W, f"{where} W"), to_array(b, f"{where} b")
    for part, array, shape in (("W", W, shapes[0]), ("b", b, shapes[1])):
        if array.shape != shape or array.dtype.kind not in "biuf":
            raise ValueError(
                f"{where} {part} must be a real array of shape {shape}, "
                f"got {array.dtype} array of shape {array.shape}"
            )
        if array.size and not (np.isfinite(array.min()) and np.isfinite(array.max())):
            raise NonFiniteError(f"{where} {part} contains NaN or infinity")
    return W, b


def _float_pair(W: Any, b: Any, where: str, pair: str) -> tuple[np.ndarray, np.ndarray]:
    """Float ndarrays of shapes (n_in, n_out) and (n_out,), finite (an optimizer's input)."""
    if not (isinstance(W, np.ndarray) and isinstance(b, np.ndarray)):
        kinds = f"{type(W).__name__} and {type(b).__name__}"
        raise TypeError(f"{where} must hold two numpy arrays, got {kinds}")
    if W.dtype not in FLOAT_DTYPES or b.dtype not in FLOAT_DTYPES:
        raise TypeError(f"{where} must hold float32 or float64 arrays, got {W.dtype} and {b.dtype}")
    if W.ndim != 2 or b.shape != W.shape[1:]:
        raise ValueError(
            f"{where} must be {pair} of shapes (n_in, n_out) and (n_out,), "
            f"got {W.shape} and {b.shape}"
        )
    if not (np.isfinite(W).all() and np.isfinite(b).all()):
        raise ValueError(f"{where} holds NaN or infinite values")
    return W, b


def make_rng(seed: Any, rng: Any) -> np.random.Generator:
    """The generator from ``rng``, or a new one seeded with ``seed`` (not both)."""
    if rng is not None:
        if seed is not None:
            raise ValueError("give seed or rng, not both")
        if not isinstance(rng, np.random.Generator):
            raise TypeError(f"rng must be a numpy.random.Generator, got {type(rng).__name__}")
        return rng
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, (int, np.integer))):
        raise TypeError(f"seed must be an int or None, got {seed!r}")
    if seed is not None and seed < 0:
        raise ValueError(f"seed must be a non-negative int or None, got {seed!r}")
    return np.random.default_rng(seed)


# ----------------------------------------------------------------------------- argument tables
# The scalar arguments of NeuralNetwork, train and sweep, declared in one place in the style
# of scikit-learn's ``_parameter_constraints``: each name maps to the check of the vocabulary
# above that its value must pass. Each caller runs its table with :func:`check_args` before
# changing anything; the arguments that need a network or the data (the layers, X and Y, the
# optimizer, the grid) are checked beside the code that uses them.
Check = Callable[[Any, str], Any]


def optional(check: Check) -> Check:
    """``check``, letting None through (as None)."""
    return lambda value, name: None if value is None else check(value, name)


def check_n_jobs(value: Any, name: str) -> int:
    """Return ``value``, a non-zero int as joblib takes it, or raise naming ``name``."""
    expected = f"{name} must be a non-zero int or None (as in joblib), got {value!r}"
    if not is_int(value):
        raise TypeError(expected)
    if value == 0:
        raise ValueError(expected)
    return int(value)


def check_explosion_factor(value: Any, name: str) -> float:
    """Return ``value`` as a float > 1, or raise naming ``name``."""
    return check_real(value, name, 1.0, low_open=True)


NETWORK_ARGS: dict[str, Check] = {
    "network_input_size": check_positive_int,
    "l1": check_non_negative_float,
    "l2": check_non_negative_float,
    "regularize_bias": check_bool,
}
""":class:`~nnet.NeuralNetwork`'s scalar arguments."""

TRAIN_ARGS: dict[str, Check] = {
    "epochs": check_positive_int,
    "batch_size": optional(check_positive_int),
    "early_stopping": optional(check_positive_int),
    "shuffle": check_bool,
    "explosion_factor": optional(check_explosion_factor),
    "warn": check_bool,
}
""":func:`~nnet.train`'s scalar arguments."""

SWEEP_ARGS: dict[str, Check] = {
    "early_stopping": optional(check_positive_int),
    "n_jobs": optional(check_n_jobs),
}
""":func:`~nnet.sweep`'s scalar arguments (``epochs`` and ``batch_size`` may be grid keys)."""


def check_args(table: Mapping[str, Check], values: Mapping[str, Any]) -> dict[str, Any]:
    """Each argument of ``table`` in ``values`` (a function's ``locals()``) checked by its
    check, in the table's order (the first refused raises); the checked values by name."""
    return {name: check(values[name], name) for name, check in table.items()}


# ----------------------------------------------------------------------------- registries
# What the registries share: case-insensitive names, resolving a spec, registering a name.
#
# Every registry (activations, costs, initializers, optimizers, schedules, metrics)
# looks names up through :meth:`Registry.key`, so ``"ReLU"``, ``"Adam"`` and
# ``"MSE"`` mean ``"relu"``, ``"adam"`` and ``"mse"``, as in Keras and PyTorch's
# usual spellings. Names differing only in case cannot both be registered.

Entry = TypeVar("Entry")


def resolve(
    spec: Any,
    der: Any,
    registry: MutableMapping[str, Any],
    lookup: Callable[[str], Any],
    entry_type: type,
    argname: str,
) -> Any:
    """The registry entry that ``spec`` (with derivative ``der``) stands for, or None.

    A name is looked up and an entry returned as is (a derivative goes only with a
    callable); a function of a registered entry, given without a derivative or with
    that entry's own, maps back to the entry (so library functions keep their fused
    rules and saved models keep their names). None means: a new callable, to wrap.
    """
    if isinstance(spec, entry_type) and der is None:
        return spec
    if isinstance(spec, str):
        if der is not None:
            raise TypeError(f"{argname}: give a derivative only with a callable, not a name")
        return lookup(spec)
    if not callable(spec):
        raise TypeError(
            f"{argname} must be a name in {sorted(registry)}, a {entry_type.__name__} or a "
            f"callable, got {type(spec).__name__}"
        )
    if der is not None and not callable(der):
        raise TypeError(
            f"the derivative given with {argname} must be callable or None, "
            f"got {type(der).__name__}"
        )
    for entry in registry.values():
        if spec is entry.fn and der in (None, entry.der):
            return entry
    return None


def register_sections(entry: str, fn: str, der: str) -> str:
    """The Parameters and Returns of ``register_<kind>(name, fn, der, *, overwrite)``.

    ``entry`` is the record's class name, ``fn`` the function's signature and ``der``
    what its derivative is (see :func:`nnet.utils.docstrings.fill_doc`).
    """
    return f"""
Parameters
----------
name : str
    The new name (names ignore case).
fn : callable
    {fn} written with :mod:`autograd.numpy`.
der : callable or None, default=None
    {der}; derived with autograd when ``None``.
overwrite : bool, default=False
    Allow replacing a custom entry (library entries can never be replaced).

Returns
-------
{entry}
    The registered entry.
"""


class Registry(Generic[Entry]):
    """One registry: a name → entry dict with the library's lookup and registration rules.

    Every registry of the library is one of these around its public dict
    (``ACTIVATIONS``, ``COSTS``, ``INITIALIZERS``, ``OPTIMIZERS``, ``SCHEDULES``,
    ``METRICS``), so all six look names up, refuse unknown names and register new
    ones alike: names ignore case, the library's own entries can never be replaced,
    and an unknown name gets the same message everywhere.

    Parameters
    ----------
    kind : str
        What an entry is, in messages and in ``register_<kind>``: ``"optimizer"``.
    module : str
        The public module holding ``register_<kind>``: ``"optimizers"``.
    entries : dict
        The public name → entry dict; the entries it holds now are the library's own.
    what : str
        The name of ``register_<kind>``'s second parameter: ``"fn"`` or ``"cls"``.
    aliases : mapping, optional
        Other names (any case) → keys of ``entries``.
    """

    def __init__(
        self,
        kind: str,
        module: str,
        entries: dict[str, Entry],
        what: str,
        aliases: Mapping[str, str] | None = None,
    ) -> None:
        self.kind, self.module, self.entries, self.what = kind, module, entries, what
        self.aliases = dict(aliases or {})
        self.builtin = frozenset(entries)

    def key(self, name: str, aliases: bool = True) -> str:
        """The key that ``name`` means: an alias, a key, or either up to case; else ``name``."""
        if aliases and name in self.aliases:
            return self.aliases[name]
        if name in self.entries:
            return name
        keys = {k.casefold(): v for k, v in self.aliases.items()} if aliases else {}
        return {**keys, **{key.casefold(): key for key in self.entries}}.get(name.casefold(), name)

    def lookup(self, name: str, argname: str | None = None) -> Entry:
        """The entry under ``name`` (any case); else ValueError, prefixed by ``argname``."""
        key = self.key(name)
        if key not in self.entries:
            prefix = f"{argname}: " if argname else ""
            raise ValueError(
                f"{prefix}unknown {self.kind} {name!r}; choose one of {sorted(self.entries)} or "
                f"register your own with nnet.{self.module}.register_{self.kind}(name, {self.what})"
            )
        return self.entries[key]

    def make(
        self, spec: Any, der: Any, argname: str, entry_type: type, build: Callable[[str], Entry]
    ) -> Entry:
        """The entry a name (or a registered function) stands for, else ``build(name)`` for a
        new callable ``spec`` (see :func:`resolve`)."""
        if isinstance(spec, str) and der is None:
            return self.lookup(spec, argname)
        entry = resolve(spec, der, self.entries, self.lookup, entry_type, argname)
        return build(getattr(spec, "__name__", type(spec).__name__)) if entry is None else entry

    def entry_or_callable(
        self, spec: Any, params: Mapping[str, Any], argname: str | None, refusal: str
    ) -> Any:
        """For a registry whose entries take no parameters: the entry a name means, or a
        callable ``spec`` itself; ``refusal`` is the TypeError's text for anything else."""
        if params:
            raise TypeError(f"{self.kind}s take no parameters, got {sorted(params)}")
        if isinstance(spec, str):
            return self.lookup(spec, argname)
        if callable(spec):
            return spec
        raise TypeError(refusal)

    def register(self, name: Any, make: Callable[[], Entry], overwrite: bool) -> Entry:
        """Store ``make()`` under ``name`` after checking the name; library entries stay."""
        if not isinstance(name, str) or not name:
            raise TypeError(f"name must be a non-empty str, got {name!r}")
        same_up_to_case = self.key(name, aliases=False)
        if same_up_to_case != name:
            raise ValueError(
                f"{self.kind} {same_up_to_case!r} is already registered and names ignore case; "
                "choose another name"
            )
        if name in self.entries and (name in self.builtin or not overwrite):
            raise ValueError(f"{self.kind} {name!r} is already registered; choose another name")
        self.entries[name] = make()
        return self.entries[name]

    def register_callable(
        self, name: Any, make: Callable[..., Entry], fn: Any, der: Any, overwrite: bool
    ) -> Entry:
        """:meth:`register` ``make(fn, der, argname="fn")``, renamed ``name``."""
        return self.register(
            name,
            lambda: dataclasses.replace(cast(Any, make(fn, der, argname="fn")), name=name),
            overwrite,
        )
