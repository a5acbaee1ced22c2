"""Safe files for fitted estimators: ``est.save(path)`` and ``Cls.load(path)``.

The file is nnet's safetensors model file (:func:`nnet.serialization.save_network`):
the network's arrays and architecture, plus, in its JSON ``extra``, what the
estimator adds to the network: its class, its JSON-able parameters, the classes
and what the outputs mean, the feature names and the training record. Loading
reads numbers and JSON only, never pickle, so a file cannot run code.

A whole :class:`~sklearn.pipeline.Pipeline` (a scaler in front, say) is not an
nnet object: save it with :mod:`joblib` (pickle), from trusted sources only.
"""

from __future__ import annotations

import json
import math
from typing import Any

import numpy as np
from sklearn.preprocessing import LabelBinarizer
from sklearn.utils.validation import check_is_fitted

from nnet.estimators._params import RandomStream, draw_seeds, resolve_architecture
from nnet.files import network_file
from nnet.network import NeuralNetwork
from nnet.serialization import ModelFileError

_KIND = "nnet.estimators"
_VERSION = 1


def _json_able(value: Any) -> bool:
    try:
        json.dumps(value, allow_nan=False)
    except (TypeError, ValueError):
        return False
    return True


class FileMixin:
    """``save``/``load`` for the estimators (see the module docstring)."""

    def save(self, path: Any) -> None:
        """Save the fitted estimator to a safetensors file (never pickle).

        Parameters that JSON cannot hold (an optimizer object as ``solver``, a
        custom activation function) are not stored: :meth:`load` gives them
        their defaults, which only matters for training the loaded estimator
        further. Custom activations must be registered (by name) to be saved.

        Parameters
        ----------
        path : str or path-like
            The file to write.

        Raises
        ------
        sklearn.exceptions.NotFittedError
            If the estimator is not fitted.
        """
        check_is_fitted(self)
        est: Any = self
        extra: dict[str, Any] = {
            "kind": _KIND,
            "version": _VERSION,
            "estimator": type(self).__name__,
            "params": {k: v for k, v in est.get_params().items() if _json_able(v)},
            "n_features_in": int(est.n_features_in_),
            "feature_names_in": (
                est.feature_names_in_.tolist() if hasattr(est, "feature_names_in_") else None
            ),
            "n_iter": int(est.n_iter_),
            "t": int(est.t_),
            "loss_curve": [float(v) for v in est.loss_curve_ if math.isfinite(v)],
        }
        if hasattr(est, "classes_"):
            extra["labels"] = est.classes_.tolist()
            extra["labels_dtype"] = est.classes_.dtype.str
            extra["y_type"] = est._label_binarizer.y_type_
            if not _json_able(extra["labels"]):
                raise ValueError(
                    f"classes_ {est.classes_!r} cannot be stored in JSON; save with joblib"
                )
        est.network_.save(path, extra=extra)

    @classmethod
    def load(cls, path: Any) -> Any:
        """Load an estimator saved by :meth:`save`, ready to predict and score.

        The file is read once, and its metadata checked in full (every key, type,
        count and bound, the labels against the output layer and ``n_features_in``
        against the input layer) before anything is built.

        Parameters
        ----------
        path : str or path-like
            A file written by :meth:`save` of this class.

        Returns
        -------
        estimator
            Predicts exactly as the saved one; ``partial_fit``/``warm_start``
            continue with a fresh optimizer (its state is not stored).

        Raises
        ------
        nnet.serialization.ModelFileError
            If the file is not an nnet model file of this estimator class, naming
            the file and the field at fault.
        """
        checked: dict[str, Any] = {}

        def check(path: Any, spec: dict[str, Any]) -> None:
            checked.update(_check_file(cls, path, spec))

        net = network_file.load(path, NeuralNetwork, check)
        est: Any = cls(**checked["params"])
        est.network_ = net
        _restore_fitted(est, checked)
        return est


# ----------------------------------------------------------------------------- the schema
_LABEL_KINDS = "biufUO"  # bool, ints, floats, str; "O": strings in an object array
_LABELS_MEMORY = 4  # bytes of classes_ allowed per byte of the file's extra data
_MAX_COUNT = 2**63 - 1
_Y_TYPES = {  # y_type: (output activation, does the output count equal the label count)
    "binary": ("sigmoid", False),
    "multiclass": ("softmax", True),
    "multilabel-indicator": ("sigmoid", True),
}


def _check_file(cls: Any, path: Any, spec: dict[str, Any]) -> dict[str, Any]:
    """The file's ``extra`` checked against the schema and the network, or ModelFileError."""

    def fail(field: str, problem: str) -> ModelFileError:
        return ModelFileError(f"cannot load {str(path)!r}: its field {field!r} {problem}")

    extra = spec.get("extra")
    if not isinstance(extra, dict) or extra.get("kind") != _KIND:
        raise ModelFileError(
            f"cannot load {str(path)!r}: not a {cls.__name__} file (saved by est.save)"
        )
    if extra.get("estimator") != cls.__name__:
        found = extra.get("estimator")
        raise fail("estimator", f"is {found!r:.40}: not a {cls.__name__} file (saved by est.save)")
    if extra.get("version") != _VERSION or isinstance(extra.get("version"), bool):
        raise fail("version", f"is {extra.get('version')!r}; this nnet reads version {_VERSION}")
    classifier = hasattr(cls, "predict_proba")
    keys = _KEYS | (_LABEL_KEYS if classifier else set())
    odd = sorted(keys ^ set(extra))  # missing or unknown
    if odd:
        raise fail(odd[0], "is missing" if odd[0] in keys else "is not an estimator file's")
    params = _check_params(cls, extra["params"], fail)
    n_inputs, sizes = spec["network_input_size"], spec["layer_output_sizes"]
    if "hidden_layer_sizes" in params and _hidden(params["hidden_layer_sizes"]) != sizes[:-1]:
        raise fail("params", f"says hidden_layer_sizes={params['hidden_layer_sizes']!r}, but "
                             f"the network's hidden layers are {sizes[:-1]}")  # fmt: skip
    if extra["n_features_in"] != n_inputs or isinstance(extra["n_features_in"], bool):
        raise fail("n_features_in", f"is {extra['n_features_in']!r:.40}, but the network has "
                                    f"{n_inputs} inputs")  # fmt: skip
    names = extra["feature_names_in"]
    if names is not None and not (
        isinstance(names, list)
        and len(names) == n_inputs
        and all(isinstance(n, str) for n in names)
    ):
        raise fail("feature_names_in", f"must be None or {n_inputs} strings (one per input)")
    for key in ("n_iter", "t"):
        value = extra[key]
        if not (type(value) is int and 0 <= value <= _MAX_COUNT):
            raise fail(key, f"must be an int >= 0, got {value!r:.40}")
    curve = extra["loss_curve"]
    if not (isinstance(curve, list) and all(type(v) in (int, float) for v in curve)):
        raise fail("loss_curve", "must be a list of numbers")
    output = spec["activations"][-1]["name"]
    if classifier:
        _check_labels(extra, sizes[-1], output, fail)
    else:
        expected = "exp" if params.get("loss") == "poisson" else "identity"
        if output != expected:
            raise fail("params", f"say loss={params.get('loss', 'squared_error')!r}, but the "
                                 f"network's output is {output!r}, not {expected!r}")  # fmt: skip
    return {**extra, "params": params}


_KEYS = {"kind", "version", "estimator", "params", "n_features_in", "feature_names_in", "n_iter",
         "t", "loss_curve"}  # fmt: skip
_LABEL_KEYS = {"labels", "labels_dtype", "y_type"}


def _hidden(sizes: Any) -> Any:
    """``hidden_layer_sizes`` as the list the network's sizes are compared with."""
    return [sizes] if isinstance(sizes, int) else list(sizes)


def _check_params(cls: Any, params: Any, fail: Any) -> dict[str, Any]:
    """The saved parameters, each known to ``cls`` and valid (scikit-learn's constraints)."""
    if not isinstance(params, dict):
        raise fail("params", "must be a mapping of parameter names to values")
    unknown = sorted(set(params) - set(cls().get_params()))
    if unknown:
        raise fail("params", f"holds {unknown[0]!r:.60}, which is not a {cls.__name__} parameter")
    params = dict(params)
    if isinstance(params.get("hidden_layer_sizes"), list):  # JSON has no tuples
        params["hidden_layer_sizes"] = tuple(params["hidden_layer_sizes"])
    try:
        est = cls(**params)
        est._validate_params()
        resolve_architecture(est.get_params(), cls.__name__)
    except (TypeError, ValueError) as err:
        raise fail("params", f"is invalid: {err}") from None
    return params


def _check_labels(extra: dict[str, Any], n_outputs: int, output: str, fail: Any) -> None:
    """The labels, their dtype and y_type, against each other and the output layer."""
    labels, y_type = extra["labels"], extra["y_type"]
    if not (
        isinstance(labels, list)
        and labels
        and all(type(v) in (str, int, float, bool) for v in labels)
    ):
        raise fail("labels", "must be a non-empty list of labels (str, int, float or bool)")
    if y_type not in _Y_TYPES:
        raise fail("y_type", f"must be one of {sorted(_Y_TYPES)}, got {y_type!r:.40}")
    activation, one_per_label = _Y_TYPES[y_type]
    if output != activation:
        raise fail("y_type", f"is {y_type!r}, which needs a {activation!r} output, not {output!r}")
    fits = n_outputs == len(labels) if one_per_label else n_outputs == 1 and len(labels) <= 2
    if not fits:
        raise fail("labels", f"holds {len(labels)} labels, which do not fit the network's "
                             f"{n_outputs} outputs for y_type {y_type!r}")  # fmt: skip
    try:
        dtype = np.dtype(extra["labels_dtype"])
    except (TypeError, ValueError):
        raise fail("labels_dtype", f"is not a NumPy dtype: {extra['labels_dtype']!r:.40}") from None
    budget = _LABELS_MEMORY * len(json.dumps(extra)) + 1024
    if dtype.kind not in _LABEL_KINDS or len(labels) * dtype.itemsize > budget:
        raise fail("labels_dtype", f"{dtype.str!r} is not a label type, or too large for the file")
    with np.errstate(all="ignore"):
        try:
            classes = np.asarray(labels, dtype=dtype)
        except (TypeError, ValueError, OverflowError):
            classes = None
    if classes is None or classes.tolist() != labels or len(set(labels)) != len(labels):
        raise fail("labels", f"are not {len(labels)} distinct labels of dtype {dtype.str!r}")


def _restore_fitted(est: Any, extra: dict[str, Any]) -> None:
    """Set the fitted attributes of a loaded estimator from the file's ``extra``."""
    net = est.network_
    est.n_features_in_ = extra["n_features_in"]
    if extra["feature_names_in"] is not None:
        est.feature_names_in_ = np.asarray(extra["feature_names_in"], dtype=object)
    if "labels" in extra:
        classes = np.asarray(extra["labels"], dtype=np.dtype(extra["labels_dtype"]))
        n = len(classes)
        binarizer = LabelBinarizer().fit(
            np.eye(n, dtype=int) if extra["y_type"] == "multilabel-indicator" else classes
        )
        binarizer.classes_ = classes
        est._label_binarizer, est.classes_ = binarizer, classes
    est.n_outputs_ = net.layer_output_sizes[-1]
    est.n_layers_ = len(net.layer_output_sizes) + 1
    out = net.activation_funcs[-1].name
    est.out_activation_ = "logistic" if out == "sigmoid" else out
    est.n_iter_, est.t_ = extra["n_iter"], extra["t"]
    est.loss_curve_ = list(extra["loss_curve"])
    est.loss_ = est.loss_curve_[-1] if est.loss_curve_ else float("nan")
    est.best_loss_ = min(est.loss_curve_, default=np.inf)
    est.validation_scores_ = None
    est.best_validation_score_ = None
    est._best_layers = [(W.copy(), b.copy()) for W, b in net.layers]
    est._no_improvement_count = 0
    est._current_learning_rate = None
    est._random = RandomStream(est.random_state, draw_seeds(est.random_state)[1])
