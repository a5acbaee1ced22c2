"""Test configuration: a fixed, derandomized hypothesis profile so CI is not flaky."""

import os

from hypothesis import HealthCheck, settings

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
