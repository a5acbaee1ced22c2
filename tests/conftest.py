"""Test configuration: a fixed, derandomized hypothesis profile so CI is not flaky."""

import os

import pytest
from hypothesis import HealthCheck, settings

import nnet.training
from nnet.network import Backprop

# "ci": the default, deterministic (derandomize) and without deadlines, since these shared
# machines are noisy. "thorough": more examples, random seeds, for a local soak.
settings.register_profile(
    "ci",
    max_examples=200,
    deadline=None,
    derandomize=True,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile("thorough", max_examples=2000, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


@pytest.fixture
def batches(monkeypatch):
    """The first input column of every mini-batch the training loop trains on, in order."""
    seen = []

    class Recording(Backprop):
        def loss_and_gradient(self, parameters, X, Y, weights=None):
            seen.append(X[:, 0].copy())
            return super().loss_and_gradient(parameters, X, Y, weights)

    monkeypatch.setattr(nnet.training, "Backprop", Recording)
    return seen
