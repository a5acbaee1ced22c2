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

from nnet.estimators._params import RandomStream, draw_seeds
from nnet.serialization import ModelFileError, describe_file, load_network

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
            If the file is not an nnet model file of this estimator class.
        """
        extra = describe_file(path).get("extra") or {}
        if extra.get("kind") != _KIND or extra.get("estimator") != cls.__name__:
            raise ModelFileError(f"{path}: not a {cls.__name__} file (saved by est.save)")
        net = load_network(path)
        params = dict(extra["params"])
        if isinstance(params.get("hidden_layer_sizes"), list):  # JSON has no tuples
            params["hidden_layer_sizes"] = tuple(params["hidden_layer_sizes"])
        est: Any = cls(**params)
        est.network_ = net
        _restore_fitted(est, extra)
        return est


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
