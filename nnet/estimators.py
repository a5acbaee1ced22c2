"""scikit-learn estimators around :class:`~nnet.NeuralNetwork`: a classifier and a regressor.

They follow scikit-learn's estimator API, so they work with :func:`~sklearn.base.clone`,
:class:`~sklearn.pipeline.Pipeline`, :class:`~sklearn.model_selection.GridSearchCV`,
:func:`~sklearn.model_selection.cross_val_score` and the rest, and they pass
scikit-learn's own estimator checks. Their parameters mirror
:class:`sklearn.neural_network.MLPClassifier` where the two libraries share an
idea (``hidden_layer_sizes``, ``activation``, ``batch_size="auto"``,
``early_stopping``, ``validation_fraction``, ``n_iter_no_change``, ...), and the
network is trained by :func:`nnet.training.train`.

Inputs are **not** standardized for you: gradient descent wants features of
similar scale, so put a :class:`~sklearn.preprocessing.StandardScaler` first,
``make_pipeline(StandardScaler(), NeuralNetClassifier())``. For regression
targets of large scale, :class:`~sklearn.compose.TransformedTargetRegressor`
does the same for ``y``.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from sklearn.base import ClassifierMixin, RegressorMixin
from sklearn.preprocessing import LabelBinarizer
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import validate_data

from nnet import metrics
from nnet._estimator_base import _BaseNeuralNet

__all__ = ["NeuralNetClassifier", "NeuralNetRegressor"]


class NeuralNetClassifier(ClassifierMixin, _BaseNeuralNet):
    r"""A neural-network classifier: a :class:`~nnet.NeuralNetwork` as a scikit-learn estimator.

    The output layer follows the classes seen in ``fit``, as in scikit-learn's
    ``MLPClassifier``: one sigmoid unit with binary cross-entropy for two
    classes, a softmax over the classes with cross-entropy for more. Class
    labels may be of any type (ints, strings, ...).

    Parameters
    ----------
    hidden_layer_sizes : int or tuple of int, default=(100,)
        Width of each hidden layer, as in scikit-learn's MLP: ``(100,)`` is one
        hidden layer of 100 units, ``(64, 32)`` two layers, ``()`` none (a
        linear model trained by gradient descent).
    activation : str or Activation, default="relu"
        Activation of the hidden layers, a name from
        :data:`nnet.activations.ACTIVATIONS` ("relu", "tanh", "sigmoid" or
        its alias "logistic", "leaky_relu", "elu", "identity") or an
        :class:`~nnet.activations.Activation`.
    optimizer : str or optimizer object, default="adam"
        A name from :data:`nnet.optimizers.OPTIMIZERS` ("sgd", "momentum",
        "adagrad", "rmsprop", "adam", "adamw") or an optimizer object (such as
        ``Momentum(0.01, nesterov=True)``, or anything with a
        ``step(layer_grads)`` method). An object is deep-copied and reset at
        ``fit``, never changed; the copy is ``optimizer_``.
    learning_rate : float, Schedule, callable or None, default=None
        The learning rate, or a per-epoch schedule (see :mod:`nnet.schedules`).
        ``None`` means 0.001 (scikit-learn's ``learning_rate_init``) for an
        optimizer given by name, and the object's own rate for an optimizer
        object; a value given here replaces the object's rate in its copy.
    l1 : float, default=0.0
        L1 penalty :math:`\lambda_1 \sum |W|` added to the cost (weights only).
    l2 : float, default=0.0
        L2 penalty :math:`\lambda_2 \sum W^2` added to the cost (weights only).
        It is added to the *mean* loss, not divided by the number of samples
        as scikit-learn's ``alpha`` is, so a useful value is much smaller
        than the same ``alpha``; scikit-learn's default ``alpha=1e-4`` is a
        negligible penalty at usual sample sizes, hence 0.0 here.
    batch_size : int, "auto" or None, default="auto"
        Mini-batch size. "auto" is ``min(200, n_samples)``, as in scikit-learn;
        ``None`` is full-batch gradient descent.
    epochs : int, default=200
        Passes over the training data in ``fit`` (scikit-learn's ``max_iter``).
        Training runs them all unless ``early_stopping`` stops it; there is no
        tolerance-based convergence test, so no ``ConvergenceWarning``.
    early_stopping : bool, default=False
        Hold out ``validation_fraction`` of the training data and stop when its
        loss has not improved for ``n_iter_no_change`` epochs; the weights of
        the best epoch are restored. Not available with ``partial_fit``.
    validation_fraction : float, default=0.1
        Fraction of the training data held out with ``early_stopping``.
    n_iter_no_change : int, default=10
        Patience of ``early_stopping``, in epochs.
    shuffle : bool, default=True
        Reshuffle the training data every epoch.
    init : {"auto", "normal", "xavier", "glorot", "he"} or callable, default="auto"
        Weight initializer (see :mod:`nnet.initializers`). "auto" is "he" for
        ReLU-like activations (relu, leaky_relu, elu) and "xavier" (Glorot
        uniform, scikit-learn's choice) otherwise.
    random_state : int, RandomState instance or None, default=None
        Seeds the weights, the shuffling and the early-stopping split. Pass
        an int for reproducible results: two fits with the same int give the
        same network.
    verbose : bool, default=False
        Show a progress bar with the losses while training.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        The class labels, sorted.
    network_ : NeuralNetwork
        The trained network; ``network_.layers`` holds its weights. Its dtype
        is float32 when ``X`` was float32 at the first fit, else float64.
    optimizer_ : optimizer object
        The optimizer, with its state (moments, step count), so that
        ``partial_fit`` continues where training stopped.
    n_features_in_ : int
        Number of features seen during ``fit``.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Names of the features seen during ``fit``; only when ``X`` has string
        column names (a pandas DataFrame, say).
    n_outputs_ : int
        Number of network outputs.
    n_iter_ : int
        Number of epochs run, over all calls to ``fit`` and ``partial_fit``
        since the network was made.
    loss_curve_ : list of float of length n_iter_
        Training loss of each epoch: the network's cost (penalties included),
        averaged over the epoch's mini-batches.
    validation_scores_ : list of float of length n_iter_, or None
        With ``early_stopping``, the score of each epoch on the held-out data
        (accuracy); ``None`` without it.

    See Also
    --------
    NeuralNetRegressor : The regressor.
    sklearn.neural_network.MLPClassifier : scikit-learn's own.

    Notes
    -----
    Standardize the features first (a :class:`~sklearn.pipeline.Pipeline`
    with a :class:`~sklearn.preprocessing.StandardScaler`): the estimator
    does not. Multi-label targets are not supported.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import StandardScaler
    >>> X, y = load_iris(return_X_y=True)
    >>> labels = np.array(["setosa", "versicolor", "virginica"])[y]
    >>> clf = make_pipeline(
    ...     StandardScaler(),
    ...     NeuralNetClassifier(hidden_layer_sizes=(16,), learning_rate=0.01, random_state=0),
    ... )
    >>> clf.fit(X, labels).predict(X[:2])
    array(['setosa', 'setosa'], dtype='<U10')
    >>> clf.predict_proba(X[:2]).shape
    (2, 3)
    >>> bool(clf.score(X, labels) > 0.9)
    True
    """

    def __init__(
        self,
        hidden_layer_sizes: Any = (100,),
        activation: Any = "relu",
        *,
        optimizer: Any = "adam",
        learning_rate: Any = None,
        l1: float = 0.0,
        l2: float = 0.0,
        batch_size: Any = "auto",
        epochs: int = 200,
        early_stopping: bool = False,
        validation_fraction: float = 0.1,
        n_iter_no_change: int = 10,
        shuffle: bool = True,
        init: Any = "auto",
        random_state: Any = None,
        verbose: bool = False,
    ) -> None:
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.optimizer = optimizer
        self.learning_rate = learning_rate
        self.l1 = l1
        self.l2 = l2
        self.batch_size = batch_size
        self.epochs = epochs
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.shuffle = shuffle
        self.init = init
        self.random_state = random_state
        self.verbose = verbose

    classes_: np.ndarray

    def fit(self, X: Any, y: Any) -> NeuralNetClassifier:
        """Train a new network on ``X`` and labels ``y`` for ``epochs`` epochs.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training data; float32 data is kept float32.
        y : array-like of shape (n_samples,)
            Class labels, at least two distinct ones.

        Returns
        -------
        self : NeuralNetClassifier
            The fitted estimator.
        """
        return self._fit(X, y, incremental=False)

    def partial_fit(self, X: Any, y: Any, classes: Any = None) -> NeuralNetClassifier:
        """Train for one more epoch on ``X``, ``y``; the first call makes the network.

        ``n_iter_`` grows by one and ``loss_curve_`` by one entry per call; the
        optimizer's state carries over, so calls continue one training run.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training data.
        y : array-like of shape (n_samples,)
            Class labels, all in ``classes``.
        classes : array-like of shape (n_classes,), default=None
            Every class of the whole data set. Required on the first call (when
            the estimator is not fitted yet), as scikit-learn requires; later
            calls may omit it or must repeat it unchanged.

        Returns
        -------
        self : NeuralNetClassifier
            The updated estimator.
        """
        fitted = hasattr(self, "network_")
        if not fitted and classes is None:
            raise ValueError("classes must be passed on the first call to partial_fit")
        if fitted and classes is not None:
            if not np.array_equal(self.classes_, np.unique(np.asarray(classes))):
                raise ValueError(
                    f"classes={classes!r} differs from classes_={self.classes_!r} of the "
                    "earlier calls"
                )
            classes = None
        return self._fit(X, y, incremental=True, classes=classes)

    def predict_proba(self, X: Any) -> np.ndarray:
        """Return the probability of each class, columns in the order of ``classes_``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Samples.

        Returns
        -------
        ndarray of shape (n_samples, n_classes)
            Rows sum to one; of the network's dtype.
        """
        out = self._forward(X)
        if out.shape[1] == 1:
            return np.hstack([1.0 - out, out])
        return out

    def predict_log_proba(self, X: Any) -> np.ndarray:
        """Return the log of :meth:`predict_proba` (``-inf`` where a probability is 0).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Samples.

        Returns
        -------
        ndarray of shape (n_samples, n_classes)
        """
        with np.errstate(divide="ignore"):
            return np.log(self.predict_proba(X))

    def predict(self, X: Any) -> np.ndarray:
        """Return the most probable class of each sample.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Samples.

        Returns
        -------
        ndarray of shape (n_samples,)
            Labels from ``classes_``.
        """
        proba = self.predict_proba(X)  # checks first that the estimator is fitted
        return np.asarray(self.classes_[np.argmax(proba, axis=1)])

    def __sklearn_tags__(self) -> Any:
        """Declare binary and multi-class support, not multi-label, to scikit-learn."""
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_class = True
        tags.classifier_tags.multi_label = False
        return tags

    # ------------------------------------------------------------------ hooks
    def _validate_X_y(self, X: Any, y: Any, *, reset: bool) -> tuple[np.ndarray, np.ndarray]:
        # A column vector y is raveled with a DataConversionWarning, as scikit-learn does.
        return validate_data(self, X, y, dtype=(np.float64, np.float32), reset=reset)

    def _encode_targets(self, y: np.ndarray, *, first: bool, classes: Any = None) -> np.ndarray:
        check_classification_targets(y)
        if first:
            binarizer = LabelBinarizer().fit(y if classes is None else np.asarray(classes))
            if len(binarizer.classes_) < 2:
                raise ValueError(
                    f"{type(self).__name__} needs at least 2 classes to train, got 1 class: "
                    f"{binarizer.classes_!r}"
                )
            self._label_binarizer = binarizer
            self.classes_ = binarizer.classes_
            self.n_outputs_ = 1 if len(self.classes_) == 2 else len(self.classes_)
        unknown = np.setdiff1d(np.unique(y), self.classes_)
        if unknown.size:
            raise ValueError(f"y has labels {unknown!r} that are not in classes_ {self.classes_!r}")
        return np.asarray(self._label_binarizer.transform(y))

    def _output_layer(self) -> tuple[Any, str]:
        if self.n_outputs_ == 1:
            return "sigmoid", "binary_cross_entropy"
        return "softmax", "cross_entropy"

    def _validation_score(self, Y_true: np.ndarray, Y_pred: np.ndarray) -> float:
        return metrics.accuracy(Y_true, Y_pred)

    def _stratify(self, y: np.ndarray) -> np.ndarray | None:
        # Stratify the early-stopping split when every class can be on both sides of it.
        _, counts = np.unique(y, return_counts=True)
        n_val = math.ceil(float(self.validation_fraction) * len(y))
        n_classes = len(counts)
        possible = counts.min() >= 2 and min(n_val, len(y) - n_val) >= n_classes
        return y if possible else None


class NeuralNetRegressor(RegressorMixin, _BaseNeuralNet):
    r"""A neural-network regressor: a :class:`~nnet.NeuralNetwork` as a scikit-learn estimator.

    Trained on the mean squared error, with one output unit per target
    column, so several targets (multi-output regression) are learned at once.

    Parameters
    ----------
    hidden_layer_sizes : int or tuple of int, default=(100,)
        Width of each hidden layer, as in scikit-learn's MLP: ``(100,)`` is one
        hidden layer of 100 units, ``(64, 32)`` two layers, ``()`` none (a
        linear model trained by gradient descent).
    activation : str or Activation, default="relu"
        Activation of the hidden layers, a name from
        :data:`nnet.activations.ACTIVATIONS` ("relu", "tanh", "sigmoid" or
        its alias "logistic", "leaky_relu", "elu", "identity") or an
        :class:`~nnet.activations.Activation`.
    optimizer : str or optimizer object, default="adam"
        A name from :data:`nnet.optimizers.OPTIMIZERS` ("sgd", "momentum",
        "adagrad", "rmsprop", "adam", "adamw") or an optimizer object (such as
        ``Momentum(0.01, nesterov=True)``, or anything with a
        ``step(layer_grads)`` method). An object is deep-copied and reset at
        ``fit``, never changed; the copy is ``optimizer_``.
    learning_rate : float, Schedule, callable or None, default=None
        The learning rate, or a per-epoch schedule (see :mod:`nnet.schedules`).
        ``None`` means 0.001 (scikit-learn's ``learning_rate_init``) for an
        optimizer given by name, and the object's own rate for an optimizer
        object; a value given here replaces the object's rate in its copy.
    l1 : float, default=0.0
        L1 penalty :math:`\lambda_1 \sum |W|` added to the cost (weights only).
    l2 : float, default=0.0
        L2 penalty :math:`\lambda_2 \sum W^2` added to the cost (weights only).
        It is added to the *mean* loss, not divided by the number of samples
        as scikit-learn's ``alpha`` is, so a useful value is much smaller
        than the same ``alpha``; scikit-learn's default ``alpha=1e-4`` is a
        negligible penalty at usual sample sizes, hence 0.0 here.
    batch_size : int, "auto" or None, default="auto"
        Mini-batch size. "auto" is ``min(200, n_samples)``, as in scikit-learn;
        ``None`` is full-batch gradient descent.
    epochs : int, default=200
        Passes over the training data in ``fit`` (scikit-learn's ``max_iter``).
        Training runs them all unless ``early_stopping`` stops it; there is no
        tolerance-based convergence test, so no ``ConvergenceWarning``.
    early_stopping : bool, default=False
        Hold out ``validation_fraction`` of the training data and stop when its
        loss has not improved for ``n_iter_no_change`` epochs; the weights of
        the best epoch are restored. Not available with ``partial_fit``.
    validation_fraction : float, default=0.1
        Fraction of the training data held out with ``early_stopping``.
    n_iter_no_change : int, default=10
        Patience of ``early_stopping``, in epochs.
    shuffle : bool, default=True
        Reshuffle the training data every epoch.
    init : {"auto", "normal", "xavier", "glorot", "he"} or callable, default="auto"
        Weight initializer (see :mod:`nnet.initializers`). "auto" is "he" for
        ReLU-like activations (relu, leaky_relu, elu) and "xavier" (Glorot
        uniform, scikit-learn's choice) otherwise.
    random_state : int, RandomState instance or None, default=None
        Seeds the weights, the shuffling and the early-stopping split. Pass
        an int for reproducible results: two fits with the same int give the
        same network.
    verbose : bool, default=False
        Show a progress bar with the losses while training.
    output_activation : str or Activation, default="identity"
        Activation of the output layer: "identity" for unbounded targets;
        "sigmoid" for targets in (0, 1), for instance.

    Attributes
    ----------
    network_ : NeuralNetwork
        The trained network; ``network_.layers`` holds its weights. Its dtype
        is float32 when ``X`` was float32 at the first fit, else float64.
    optimizer_ : optimizer object
        The optimizer, with its state (moments, step count), so that
        ``partial_fit`` continues where training stopped.
    n_features_in_ : int
        Number of features seen during ``fit``.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Names of the features seen during ``fit``; only when ``X`` has string
        column names (a pandas DataFrame, say).
    n_outputs_ : int
        Number of network outputs.
    n_iter_ : int
        Number of epochs run, over all calls to ``fit`` and ``partial_fit``
        since the network was made.
    loss_curve_ : list of float of length n_iter_
        Training loss of each epoch: the network's cost (penalties included),
        averaged over the epoch's mini-batches.
    validation_scores_ : list of float of length n_iter_, or None
        With ``early_stopping``, the score of each epoch on the held-out data
        (R²); ``None`` without it.

    See Also
    --------
    NeuralNetClassifier : The classifier.
    sklearn.neural_network.MLPRegressor : scikit-learn's own.

    Notes
    -----
    Standardize the features (a :class:`~sklearn.preprocessing.StandardScaler`
    in a :class:`~sklearn.pipeline.Pipeline`) and, for targets of large
    scale, the targets too
    (:class:`~sklearn.compose.TransformedTargetRegressor`): the estimator
    does neither.

    Examples
    --------
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import StandardScaler
    >>> rng = np.random.default_rng(0)
    >>> X = rng.uniform(-1, 1, size=(200, 2))
    >>> Y = np.column_stack([X[:, 0] ** 2, X[:, 0] - X[:, 1]])  # two targets
    >>> reg = make_pipeline(
    ...     StandardScaler(),
    ...     NeuralNetRegressor(hidden_layer_sizes=(32,), learning_rate=0.01, random_state=0),
    ... )
    >>> reg.fit(X, Y).predict(X[:3]).shape
    (3, 2)
    >>> bool(reg.score(X, Y) > 0.9)
    True
    """

    def __init__(
        self,
        hidden_layer_sizes: Any = (100,),
        activation: Any = "relu",
        *,
        optimizer: Any = "adam",
        learning_rate: Any = None,
        l1: float = 0.0,
        l2: float = 0.0,
        batch_size: Any = "auto",
        epochs: int = 200,
        early_stopping: bool = False,
        validation_fraction: float = 0.1,
        n_iter_no_change: int = 10,
        shuffle: bool = True,
        init: Any = "auto",
        random_state: Any = None,
        verbose: bool = False,
        output_activation: Any = "identity",
    ) -> None:
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.optimizer = optimizer
        self.learning_rate = learning_rate
        self.l1 = l1
        self.l2 = l2
        self.batch_size = batch_size
        self.epochs = epochs
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.shuffle = shuffle
        self.init = init
        self.random_state = random_state
        self.verbose = verbose
        self.output_activation = output_activation

    def fit(self, X: Any, y: Any) -> NeuralNetRegressor:
        """Train a new network on ``X`` and targets ``y`` for ``epochs`` epochs.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training data; float32 data is kept float32.
        y : array-like of shape (n_samples,) or (n_samples, n_targets)
            Targets; :meth:`predict` returns the same shape.

        Returns
        -------
        self : NeuralNetRegressor
            The fitted estimator.
        """
        return self._fit(X, y, incremental=False)

    def partial_fit(self, X: Any, y: Any) -> NeuralNetRegressor:
        """Train for one more epoch on ``X``, ``y``; the first call makes the network.

        ``n_iter_`` grows by one and ``loss_curve_`` by one entry per call; the
        optimizer's state carries over, so calls continue one training run.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training data.
        y : array-like of shape (n_samples,) or (n_samples, n_targets)
            Targets, with as many columns as at the first call.

        Returns
        -------
        self : NeuralNetRegressor
            The updated estimator.
        """
        return self._fit(X, y, incremental=True)

    def predict(self, X: Any) -> np.ndarray:
        """Return the predicted targets.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Samples.

        Returns
        -------
        ndarray of shape (n_samples,) or (n_samples, n_targets)
            1-D when ``y`` was 1-D at the first fit; of the network's dtype.
        """
        out = self._forward(X)
        return out.ravel() if self._y_1d else out

    def __sklearn_tags__(self) -> Any:
        """Declare multi-output support (several target columns) to scikit-learn."""
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags

    # ------------------------------------------------------------------ hooks
    def _validate_X_y(self, X: Any, y: Any, *, reset: bool) -> tuple[np.ndarray, np.ndarray]:
        return validate_data(
            self,
            X,
            y,
            dtype=(np.float64, np.float32),
            multi_output=True,
            y_numeric=True,
            reset=reset,
        )

    def _encode_targets(self, y: np.ndarray, *, first: bool, classes: Any = None) -> np.ndarray:
        Y = y.reshape(-1, 1) if y.ndim == 1 else y
        if first:
            self._y_1d = y.ndim == 1
            self.n_outputs_ = Y.shape[1]
        return Y

    def _output_layer(self) -> tuple[Any, str]:
        return self._check_activation("output_activation"), "mse"

    def _validation_score(self, Y_true: np.ndarray, Y_pred: np.ndarray) -> float:
        return metrics.r2(Y_true, Y_pred)
