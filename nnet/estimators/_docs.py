r"""The estimators' docstrings: the shared parameters and attributes are written once."""

from __future__ import annotations

_SHARED_PARAMETERS = r"""
    hidden_layer_sizes : array-like of shape (n_layers - 2,), default=(100,)
        Width of each hidden layer: ``(100,)`` is one hidden layer of 100 units,
        ``(64, 32)`` two, ``()`` none.
    activation : str or Activation or callable, default="relu"
        Activation of the hidden layers: scikit-learn's "identity", "logistic"
        (nnet's "sigmoid"), "tanh", "relu", or any name of
        :data:`nnet.activations.ACTIVATIONS` ("leaky_relu", "elu", registered
        ones), an :class:`~nnet.activations.Activation` or a function written
        with :mod:`autograd.numpy`.
    solver : str or optimizer object, default="adam"
        "lbfgs" (full-batch L-BFGS, :func:`nnet.lbfgs.train_lbfgs`), "sgd"
        (with ``momentum``/``nesterovs_momentum``) or "adam" (with
        ``beta_1``/``beta_2``/``epsilon``) as in scikit-learn; or another name
        of :data:`nnet.optimizers.OPTIMIZERS` ("momentum", "adagrad",
        "rmsprop", "adamw") at rate ``learning_rate_init``; or an optimizer
        object such as ``Adam(0.01)`` (deep-copied and reset at each new
        optimizer, with its own learning rate; the copy is ``optimizer_``).
    alpha : float, default=0.0001
        Strength of the L2 penalty, scikit-learn's: :math:`\frac{\alpha}{2n}\sum
        W^2` added to the loss of each mini-batch of :math:`n` samples.
    batch_size : int or "auto", default="auto"
        Mini-batch size of the stochastic solvers; "auto" is
        ``min(200, n_samples)``. Larger than the data, it is clipped with a warning.
    learning_rate : {"constant", "invscaling", "adaptive"}, default="constant"
        Schedule of ``solver="sgd"``: constant ``learning_rate_init``;
        ``learning_rate_init / (t + 1) ** power_t`` after each epoch (``t`` the
        samples seen); or divided by 5 each time ``n_iter_no_change`` epochs go
        by without the improvement ``tol`` (training stops once it is below 1e-6).
    learning_rate_init : float, default=0.001
        Step size of "sgd", "adam" and nnet's named optimizers.
    power_t : float, default=0.5
        Exponent of "invscaling".
    max_iter : int, default=200
        Epochs of the stochastic solvers (each sample seen ``max_iter`` times
        at most), or iterations of "lbfgs".
    shuffle : bool, default=True
        Reshuffle the samples every epoch.
    random_state : int, RandomState instance or None, default=None
        Seeds the weights, the early-stopping split and the shuffling; an int
        gives reproducible fits. ``None`` draws fresh entropy (never from
        NumPy's global state).
    tol : float, default=1e-4
        Improvement below which an epoch counts as no progress (of the training
        loss, or of the validation score with ``early_stopping``); for "lbfgs",
        the gradient tolerance.
    verbose : bool or int, default=False
        Print ``Iteration N, loss = ...`` after each epoch (and the validation score).
    warm_start : bool, default=False
        ``fit`` continues from the current weights instead of making a new network.
    momentum : float, default=0.9
        Momentum of "sgd", in [0, 1) (0 is plain SGD).
    nesterovs_momentum : bool, default=True
        Nesterov's momentum for "sgd".
    early_stopping : bool, default=False
        Hold out ``validation_fraction`` of the data (stratified for binary
        labels) and stop when the validation *score* (accuracy, or R²) has not
        improved by ``tol`` for ``n_iter_no_change`` epochs; the best weights
        are kept. Not available in ``partial_fit``.
    validation_fraction : float, default=0.1
        Fraction held out with ``early_stopping``; the held-out set must have 2
        samples at least.
    beta_1, beta_2 : float, default=0.9, 0.999
        Decay rates of Adam's moment estimates, in [0, 1).
    epsilon : float, default=1e-8
        Adam's numerical-stability constant.
    n_iter_no_change : int or np.inf, default=10
        Epochs without the improvement ``tol`` before stopping (or slowing
        down, with "adaptive").
    max_fun : int, default=15000
        Maximum number of loss evaluations of "lbfgs".
    l1 : float, default=0.0
        nnet's extra: L1 penalty :math:`\lambda_1 \sum |W|` added to the mean loss.
    init : str or callable, default="sklearn"
        nnet's extra: weight initializer. "sklearn" draws scikit-learn's
        Glorot-uniform weights and biases from ``random_state`` as its MLP does
        (the same int gives the same first weights); or a name of
        :data:`nnet.initializers.INITIALIZERS` ("xavier" is Glorot-uniform with
        zero biases) or ``init(n_in, n_out, rng) -> (W, b)``.
    dtype : {None, "float32", "float64"}, default=None
        nnet's extra: the network's float type; ``None`` follows ``X`` (float32
        data trains in float32)."""

_SHARED_ATTRIBUTES = r"""
    loss_ : float
        Loss of the last epoch (or at the end of "lbfgs"), as scikit-learn
        computes it (penalty included).
    best_loss_ : float or None
        Lowest training loss seen (``None`` with ``early_stopping``).
    loss_curve_ : list of float
        Loss of each epoch (of each iteration for "lbfgs"), over all fits since
        the network was made.
    validation_scores_ : list of float or None
        Validation score of each epoch with ``early_stopping``, else ``None``.
    best_validation_score_ : float or None
        Best validation score with ``early_stopping``, else ``None``.
    t_ : int
        Training samples seen by the stochastic solver.
    coefs_ : list of ndarray of shape (n_in, n_out)
        Weight matrix of each layer: read-only views of ``network_``.
    intercepts_ : list of ndarray of shape (n_out,)
        Bias vector of each layer: read-only views of ``network_``.
    n_features_in_ : int
        Number of features seen in ``fit``.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Feature names, when ``X`` had string column names.
    n_iter_ : int
        Epochs (iterations for "lbfgs") run by the last ``fit`` or ``partial_fit``.
    n_layers_ : int
        Number of layers, input and output included.
    n_outputs_ : int
        Number of outputs.
    out_activation_ : str
        Output activation ("logistic", "softmax", "identity" or "exp").
    network_ : NeuralNetwork
        nnet's extra: the trained network.
    optimizer_ : optimizer object
        nnet's extra: the stochastic solver with its state, which ``partial_fit``
        continues."""

_NOTES = r"""
    Notes
    -----
    The network minimizes scikit-learn's objective up to a constant factor
    (nnet's mean squared error is twice scikit-learn's halved one, and nnet's
    binary cross-entropy averages over labels where scikit-learn sums), and
    the step sizes are converted so that "sgd" takes the same steps; ``loss_``
    and ``loss_curve_`` are reported in scikit-learn's scale. With the same
    ``random_state``, the first weights, the early-stopping split and the
    order of the rows are scikit-learn's; the order then continues over
    warm-started fits and ``partial_fit`` calls, where scikit-learn starts it
    again. Sparse ``X`` is densified for training. ``sample_weight`` weighs
    each sample's loss, as scikit-learn's. Non-finite weights after training
    raise ``ValueError``, and a refused ``fit`` or ``partial_fit`` leaves the
    estimator exactly as it was. Warnings come from nnet's modules:
    ``warnings.filterwarnings("ignore", module="nnet")`` silences them as
    ``module="sklearn"`` does scikit-learn's. Save a fitted estimator with
    ``save``/``load`` (safe files); save a whole pipeline with :mod:`joblib`."""

_CLASS_TEMPLATE = """{summary}

    Parameters
    ----------{parameters}{shared_parameters}

    Attributes
    ----------{attributes}{shared_attributes}

    See Also
    --------
    {other} : The {other_kind}.
    sklearn.neural_network.{theirs} : scikit-learn's own.
{notes}

    Examples
    --------
{examples}
    """


def _class_doc(kind: str, summary: str, parameters: str, attributes: str, examples: str) -> str:
    """The docstring of the ``kind`` ("classifier" or "regressor"), its own parts in place."""
    other_kind = "regressor" if kind == "classifier" else "classifier"
    return _CLASS_TEMPLATE.format(
        summary=summary,
        parameters=parameters,
        shared_parameters=_SHARED_PARAMETERS,
        attributes=attributes,
        shared_attributes=_SHARED_ATTRIBUTES,
        other=f"NeuralNet{other_kind.capitalize()}",
        other_kind=other_kind,
        theirs=f"MLP{kind.capitalize()}",
        notes=_NOTES,
        examples=examples,
    )


CLASSIFIER_DOC = _class_doc(
    "classifier",
    """A multi-layer perceptron classifier, a drop-in for scikit-learn's MLP.

    Binary labels get one logistic output, multi-class labels a softmax, a
    multi-label indicator ``y`` one logistic output per label, each with the
    log-loss. Labels may be of any type.""",
    "",
    """
    classes_ : ndarray of shape (n_classes,)
        Class labels.""",
    """    >>> from sklearn.datasets import load_iris
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import StandardScaler
    >>> X, y = load_iris(return_X_y=True)
    >>> clf = make_pipeline(StandardScaler(), NeuralNetClassifier(solver="lbfgs", random_state=0))
    >>> bool(clf.fit(X, y).score(X, y) > 0.95)
    True
    >>> clf[-1].coefs_[0].shape, clf[-1].out_activation_
    ((4, 100), 'softmax')""",
)

REGRESSOR_DOC = _class_doc(
    "regressor",
    "A multi-layer perceptron regressor, a drop-in for scikit-learn's MLP.",
    """
    loss : {"squared_error", "poisson"}, default="squared_error"
        The loss: half the mean squared error with an identity output, or the
        half Poisson deviance with an exponential output (non-negative targets).""",
    "",
    """    >>> rng = np.random.default_rng(0)
    >>> X = rng.uniform(-1, 1, size=(200, 2))
    >>> y = X[:, 0] ** 2 - X[:, 1]
    >>> reg = NeuralNetRegressor(hidden_layer_sizes=(32,), solver="lbfgs", random_state=0)
    >>> bool(reg.fit(X, y).score(X, y) > 0.99)
    True""",
)

# ----------------------------------------------------------------------------- methods
# Sections of the methods' docstrings, put in place by nnet.utils.docstrings.fill_doc.

SAMPLES = """
Parameters
----------
X : {array-like, sparse matrix} of shape (n_samples, n_features)
    Samples."""
"""The Parameters of the prediction methods."""


CLASSIFIER_Y = """
y : array-like of shape (n_samples,) or (n_samples, n_classes)
    Labels, or a 2-D 0/1 indicator matrix for multi-label classification."""
"""The ``y`` of the classifier's ``fit`` and ``partial_fit``."""

REGRESSOR_Y = """
y : array-like of shape (n_samples,) or (n_samples, n_targets)
    Targets (non-negative for ``loss="poisson"``)."""
"""The ``y`` of the regressor's ``fit`` and ``partial_fit``."""

_CLASSES = """
classes : array-like of shape (n_classes,), default=None
    All the classes; required on the first call, ignored later."""


def fit_sections(estimator: str, y: str, *, classes: bool = False) -> str:
    """Parameters and Returns of ``fit`` and ``partial_fit`` (with ``classes``), given ``y``."""
    return f"""
Parameters
----------
X : {{array-like, sparse matrix}} of shape (n_samples, n_features)
    Training data; float32 data gives a float32 network.{y}
sample_weight : array-like of shape (n_samples,), default=None
    Weights of the samples; ``None`` weighs them all 1.{_CLASSES if classes else ""}

Returns
-------
self : {estimator}
    The fitted estimator."""
