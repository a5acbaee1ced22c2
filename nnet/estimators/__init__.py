"""scikit-learn estimators around :class:`~nnet.NeuralNetwork`, drop-ins for its MLPs.

:class:`NeuralNetClassifier` and :class:`NeuralNetRegressor` take the parameters of
:class:`sklearn.neural_network.MLPClassifier` and
:class:`~sklearn.neural_network.MLPRegressor` with the same names, defaults and
meanings, set the same fitted attributes, and work with :func:`~sklearn.base.clone`,
:class:`~sklearn.pipeline.Pipeline`, :class:`~sklearn.model_selection.GridSearchCV`
and the rest: swap the class names in working scikit-learn code. nnet adds every
one of its activations (and custom ones), an ``l1`` penalty, the weight ``init``, the
``dtype``, nnet's optimizers as ``solver``, the trained ``network_``, and safe model
files (:meth:`~NeuralNetClassifier.save` / :meth:`~NeuralNetClassifier.load`).

Inputs are **not** standardized for you: put a
:class:`~sklearn.preprocessing.StandardScaler` first, as scikit-learn advises for its MLP.
"""

from __future__ import annotations

import inspect
from typing import Any, ClassVar

import numpy as np
import scipy.sparse
from sklearn.base import ClassifierMixin, RegressorMixin
from sklearn.metrics import accuracy_score, r2_score
from sklearn.preprocessing import LabelBinarizer
from sklearn.utils._param_validation import StrOptions
from sklearn.utils.metaestimators import available_if
from sklearn.utils.multiclass import type_of_target, unique_labels
from sklearn.utils.validation import column_or_1d, validate_data

from nnet.estimators._base import _BaseMLP
from nnet.estimators._docs import (
    CLASSIFIER_DOC,
    CLASSIFIER_Y,
    REGRESSOR_DOC,
    REGRESSOR_Y,
    SAMPLES,
    fit_sections,
)
from nnet.estimators._files import FileMixin
from nnet.utils.docstrings import fill_doc

__all__ = ["NeuralNetClassifier", "NeuralNetRegressor"]

_VALIDATION = {"accept_sparse": ["csr", "csc"], "dtype": (np.float64, np.float32)}


def _stochastic(estimator: _BaseMLP) -> bool:
    """``partial_fit`` exists for the stochastic solvers only, as in scikit-learn."""
    if estimator.solver == "lbfgs":
        raise AttributeError(f"partial_fit is only available for stochastic optimizers. "
                             f"{estimator.solver!r} is not stochastic.")  # fmt: skip
    return True


class NeuralNetClassifier(FileMixin, ClassifierMixin, _BaseMLP):
    __doc__ = CLASSIFIER_DOC

    loss: ClassVar[str] = "log_loss"  # scikit-learn's, fixed (not a parameter)
    _label_binarizer: LabelBinarizer
    classes_: np.ndarray

    @fill_doc(sections=fit_sections("NeuralNetClassifier", CLASSIFIER_Y))
    def fit(self, X: Any, y: Any, sample_weight: Any = None) -> NeuralNetClassifier:
        """Fit the model to ``X`` and labels ``y`` (a new network unless ``warm_start``).

        {sections}
        """
        return self._fit(X, y, sample_weight, incremental=False)

    @available_if(_stochastic)
    @fill_doc(sections=fit_sections("NeuralNetClassifier", CLASSIFIER_Y, classes=True))
    def partial_fit(
        self, X: Any, y: Any, sample_weight: Any = None, classes: Any = None
    ) -> NeuralNetClassifier:
        """Update the model with one epoch over ``X``, ``y``.

        {sections}
        """
        if not hasattr(self, "classes_") and classes is None:
            raise ValueError("classes must be passed on the first call to partial_fit.")
        if hasattr(self, "classes_") and classes is not None:
            if not np.array_equal(self.classes_, unique_labels(classes)):
                raise ValueError(f"`classes={classes!r}` is not the same as on last call to "
                                 f"partial_fit, was: {self.classes_!r}")  # fmt: skip
        return self._fit(X, y, sample_weight, incremental=True, classes=classes)

    @fill_doc(parameters=SAMPLES)
    def predict_proba(self, X: Any) -> np.ndarray:
        """Probability of each class, columns in the order of ``classes_``.

        A binary problem has one sigmoid output :math:`p`: its columns are
        :math:`1 - p` and :math:`p`.

        {parameters}

        Returns
        -------
        ndarray of shape (n_samples, n_classes)
            Rows sum to one (for multi-label, each column is its label's probability).
        """
        out = self._forward(X)
        if out.shape[1] == 1:
            return np.hstack([1.0 - out, out])
        return out

    @fill_doc(parameters=SAMPLES)
    def predict_log_proba(self, X: Any) -> np.ndarray:
        """Log of :meth:`predict_proba` (``-inf`` where a probability is 0).

        {parameters}

        Returns
        -------
        ndarray of shape (n_samples, n_classes)
        """
        with np.errstate(divide="ignore"):
            return np.log(self.predict_proba(X))

    @fill_doc(parameters=SAMPLES)
    def predict(self, X: Any) -> np.ndarray:
        """Predicted class of each sample (an indicator row for multi-label).

        The class of the largest probability; for multi-label, each label of probability
        above 0.5 (a CSR matrix after a sparse multi-label ``y``, as scikit-learn's).

        {parameters}

        Returns
        -------
        ndarray of shape (n_samples,) or (n_samples, n_classes)
        """
        return self._labels(self._forward(X))

    def __sklearn_tags__(self) -> Any:
        """Declare multi-class and multi-label support and sparse input."""
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_label = True
        tags.input_tags.sparse = True
        return tags

    # ------------------------------------------------------------------ hooks
    def _labels(self, outputs: np.ndarray) -> Any:
        labels = self._label_binarizer.inverse_transform(
            outputs.ravel() if outputs.shape[1] == 1 else outputs
        )  # CSR after a sparse multi-label y, as scikit-learn's
        return labels if scipy.sparse.issparse(labels) else np.asarray(labels)

    def _validate_X_y(self, X: Any, y: Any, *, reset: bool) -> tuple[Any, np.ndarray]:
        X, y = validate_data(self, X, y, multi_output=True, reset=reset, **_VALIDATION)
        if y.ndim == 2 and y.shape[1] == 1:
            y = column_or_1d(y, warn=True)
        return X, y

    def _encode_targets(self, y: np.ndarray, *, first: bool, classes: Any) -> np.ndarray:
        if first:
            # As scikit-learn: classes names the labels, but a multi-label y has its columns.
            multilabel = type_of_target(y).startswith("multilabel")
            binarizer = LabelBinarizer().fit(y if classes is None or multilabel else classes)
            if type_of_target(y) not in ("binary", "multiclass", "multilabel-indicator"):
                raise ValueError(f"Unknown label type: {type_of_target(y)!r}")
            self._label_binarizer = binarizer
            self.classes_ = binarizer.classes_
        elif self.warm_start:
            if set(unique_labels(y)) != set(self.classes_):
                raise ValueError(
                    "warm_start can only be used where `y` has the same classes as in the "
                    f"previous call to fit. Previously got {self.classes_}, `y` has "
                    f"{unique_labels(y)}"
                )
        if not set(unique_labels(y)) <= set(self.classes_):
            raise ValueError(f"`y` has classes not in `self.classes_`. `self.classes_` has "
                             f"{self.classes_}. 'y' has {unique_labels(y)}.")  # fmt: skip
        Y = np.asarray(self._label_binarizer.transform(y), dtype=float)
        if first:
            self.n_outputs_ = Y.shape[1]
        return Y

    def _output_layer(self) -> tuple[str, str]:
        if self._label_binarizer.y_type_ == "multiclass":
            return "softmax", "cross_entropy"
        return "sigmoid", "binary_cross_entropy"

    def _loss_factor(self) -> float:
        # nnet's binary cross-entropy averages over the labels, scikit-learn's sums them.
        return 1.0 if self._label_binarizer.y_type_ == "multiclass" else 1.0 / self.n_outputs_

    def _score_outputs(self, y: np.ndarray, outputs: np.ndarray, sample_weight: Any) -> float:
        return float(accuracy_score(y, self._labels(outputs), sample_weight=sample_weight))

    def _stratify(self, Y: np.ndarray) -> np.ndarray | None:
        # scikit-learn stratifies binary y only, by its 0/1 indicator as booleans.
        return Y.astype(bool) if self.n_outputs_ == 1 else None


_SHARED_PARAMETERS = list(inspect.signature(_BaseMLP.__init__).parameters.values())
_REGRESSOR_SIGNATURE = inspect.signature(_BaseMLP.__init__).replace(
    parameters=[
        _SHARED_PARAMETERS[0],
        inspect.Parameter("loss", inspect.Parameter.POSITIONAL_OR_KEYWORD, default="squared_error"),
        *_SHARED_PARAMETERS[1:],
    ]
)


class NeuralNetRegressor(FileMixin, RegressorMixin, _BaseMLP):
    __doc__ = REGRESSOR_DOC

    _parameter_constraints: ClassVar[dict] = {
        **_BaseMLP._parameter_constraints,
        "loss": [StrOptions({"squared_error", "poisson"})],
    }

    def __init__(
        self,
        loss: str = "squared_error",
        hidden_layer_sizes: Any = (100,),
        activation: Any = "relu",
        **params: Any,
    ) -> None:
        super().__init__(hidden_layer_sizes, activation, **params)
        self.loss = loss

    # scikit-learn reads the parameters from the signature: the shared one with `loss` first.
    __init__.__signature__ = _REGRESSOR_SIGNATURE  # type: ignore[attr-defined]

    @fill_doc(sections=fit_sections("NeuralNetRegressor", REGRESSOR_Y))
    def fit(self, X: Any, y: Any, sample_weight: Any = None) -> NeuralNetRegressor:
        """Fit the model to ``X`` and targets ``y`` (a new network unless ``warm_start``).

        {sections}
        """
        return self._fit(X, y, sample_weight, incremental=False)

    @available_if(_stochastic)
    @fill_doc(sections=fit_sections("NeuralNetRegressor", REGRESSOR_Y))
    def partial_fit(self, X: Any, y: Any, sample_weight: Any = None) -> NeuralNetRegressor:
        """Update the model with one epoch over ``X``, ``y``.

        {sections}
        """
        return self._fit(X, y, sample_weight, incremental=True)

    @fill_doc(parameters=SAMPLES)
    def predict(self, X: Any) -> np.ndarray:
        """Predicted targets.

        {parameters}

        Returns
        -------
        ndarray of shape (n_samples,) or (n_samples, n_targets)
            1-D when the model has one output, as scikit-learn's.
        """
        out = self._forward(X)
        return out.ravel() if out.shape[1] == 1 else out

    def __sklearn_tags__(self) -> Any:
        """Declare multi-output support and sparse input."""
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        tags.input_tags.sparse = True
        return tags

    # ------------------------------------------------------------------ hooks
    def _validate_X_y(self, X: Any, y: Any, *, reset: bool) -> tuple[Any, np.ndarray]:
        X, y = validate_data(
            self, X, y, multi_output=True, y_numeric=True, reset=reset, **_VALIDATION
        )
        if y.ndim == 2 and y.shape[1] == 1:
            y = column_or_1d(y, warn=True)
        if self.loss == "poisson" and np.any(y < 0):
            raise ValueError("loss='poisson' needs non-negative targets y, got negative values")
        return X, y

    def _encode_targets(self, y: np.ndarray, *, first: bool, classes: Any) -> np.ndarray:
        Y = y.reshape(-1, 1) if y.ndim == 1 else y
        if first:
            self.n_outputs_ = Y.shape[1]
        return Y

    def _output_layer(self) -> tuple[str, str]:
        return ("exp", "poisson") if self.loss == "poisson" else ("identity", "mse")

    def _loss_factor(self) -> float:
        # nnet's mse is the mean square; scikit-learn's squared error loss is half of it.
        return 1.0 if self.loss == "poisson" else 2.0

    def _score_outputs(self, y: np.ndarray, outputs: np.ndarray, sample_weight: Any) -> float:
        pred = outputs.ravel() if outputs.shape[1] == 1 else outputs
        return float(r2_score(y, pred, sample_weight=sample_weight))
