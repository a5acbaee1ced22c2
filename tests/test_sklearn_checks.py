"""scikit-learn's own estimator checks, run on the estimators of :mod:`nnet.estimators`.

Three configurations of each estimator go through the whole suite:

* the defaults (100 ReLU units, Adam, 200 epochs), what a user gets;
* a small, fast one (8 units, 30 epochs, a larger learning rate) that still
  reaches the training accuracy (> 0.83) and R² (> 0.5) the checks demand;
* the same with ``early_stopping=True``, so the held-out split, the
  validation scores and the restoring of the best weights are checked too.

The only expected failures are those of the early-stopping configuration's
``partial_fit``, which refuses ``early_stopping=True`` as scikit-learn's own
``MLPClassifier`` and ``SGDClassifier`` do. They are strict: should one pass, the
test fails and the entry must go (scikit-learn >= 1.8; older versions have no
strict mode).
"""

import inspect

from sklearn.utils.estimator_checks import parametrize_with_checks

from nnet.estimators import NeuralNetClassifier, NeuralNetRegressor

FAST = {"hidden_layer_sizes": (8,), "epochs": 30, "learning_rate": 0.02, "random_state": 0}
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


def expected_failed_checks(estimator):
    """The checks that call partial_fit fail, by design, when early_stopping is on."""
    if not estimator.early_stopping:
        return {}
    return dict.fromkeys(
        [
            "check_fit_score_takes_y",
            "check_n_features_in_after_fitting",
            "check_estimators_partial_fit_n_features",
        ],
        _PARTIAL_FIT_REFUSES_EARLY_STOPPING,
    )


@parametrize_with_checks(
    [
        NeuralNetClassifier(),
        NeuralNetRegressor(),
        NeuralNetClassifier(**FAST),
        NeuralNetRegressor(**FAST),
        NeuralNetClassifier(**EARLY),
        NeuralNetRegressor(**EARLY),
    ],
    expected_failed_checks=expected_failed_checks,
    **STRICT,
)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)
