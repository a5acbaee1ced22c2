"""scikit-learn's own estimator checks, run on the estimators of :mod:`nnet.estimators`.

Four configurations of each estimator go through the whole suite:

* the defaults (100 ReLU units, Adam, at most 200 epochs), what a user gets;
* a small, fast one (8 units, 30 epochs, a larger learning rate) that still
  reaches the training accuracy (> 0.83) and R² (> 0.5) the checks demand;
* the same with ``early_stopping=True``, so the held-out split, the
  validation scores and the restoring of the best weights are checked too;
* a small L-BFGS one (``solver="lbfgs"``, which has no ``partial_fit``).

The only expected failures are those of the early-stopping configuration's
``partial_fit``, which refuses ``early_stopping=True`` as scikit-learn's own
``MLPClassifier`` and ``SGDClassifier`` do, and its sample-weight equivalence
(the held-out split draws rows, so repeating a row differs from weighting it).
They are strict: should one pass, the test fails and the entry must go
(scikit-learn >= 1.8; older versions have no strict mode).
"""

import inspect

from sklearn.utils.estimator_checks import parametrize_with_checks

from nnet.estimators import NeuralNetClassifier, NeuralNetRegressor

FAST = {"hidden_layer_sizes": (8,), "max_iter": 30, "learning_rate_init": 0.02, "random_state": 0}
# alpha=1 makes the minimum well posed: on the sample-weight checks' 15 rows of 30 features,
# a weakly penalized L-BFGS run is chaotic (the repeated rows' last-bit rounding sends the
# line search elsewhere), so weighting and repeating would agree by chance only.
LBFGS = {
    "hidden_layer_sizes": (8,),
    "solver": "lbfgs",
    "max_iter": 50,
    "alpha": 1.0,
    "random_state": 0,
}
EARLY = {**FAST, "early_stopping": True, "validation_fraction": 0.2, "n_iter_no_change": 5}

_PARTIAL_FIT_REFUSES_EARLY_STOPPING = (
    "partial_fit raises ValueError when early_stopping=True, as scikit-learn's MLPClassifier "
    "and SGDClassifier do: one epoch per call leaves no held-out set to stop on"
)


# xfail_strict appeared in scikit-learn 1.8; the estimators themselves need >= 1.6.
STRICT = (
    {"xfail_strict": True}
    if "xfail_strict" in inspect.signature(parametrize_with_checks).parameters
    else {}
)


_SPLIT_SEES_ROWS = (
    "with early stopping, repeating a row is not the same as weighting it by 2: the held-out "
    "split draws rows, so the repeated data set holds out different samples (scikit-learn's "
    "MLP is checked for this equivalence with solver='lbfgs' only)"
)


def expected_failed_checks(estimator):
    """The checks that fail, by design, when early_stopping is on."""
    if not estimator.early_stopping:
        return {}
    partial_fit = dict.fromkeys(
        [
            "check_fit_score_takes_y",
            "check_n_features_in_after_fitting",
            "check_estimators_partial_fit_n_features",
        ],
        _PARTIAL_FIT_REFUSES_EARLY_STOPPING,
    )
    weights = dict.fromkeys(
        [
            "check_sample_weight_equivalence_on_dense_data",
            "check_sample_weight_equivalence_on_sparse_data",
        ],
        _SPLIT_SEES_ROWS,
    )
    return {**partial_fit, **weights}


@parametrize_with_checks(
    [
        NeuralNetClassifier(),
        NeuralNetRegressor(),
        NeuralNetClassifier(**FAST),
        NeuralNetRegressor(**FAST),
        NeuralNetClassifier(**EARLY),
        NeuralNetRegressor(**EARLY),
        NeuralNetClassifier(**LBFGS),
        NeuralNetRegressor(**LBFGS),
    ],
    expected_failed_checks=expected_failed_checks,
    **STRICT,
)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)
