"""nnet: a readable NumPy neural network whose backpropagation is proven equal to autograd.

The network is :class:`NeuralNetwork`; :func:`train` runs mini-batch training with an
optimizer from :mod:`nnet.optimizers`; :func:`sweep` trains a whole grid of
networks and returns a :class:`Study`. Activations, costs, initializers, optimizers,
schedules and metrics each have a name → object registry, so strings work everywhere.
"""

import sys as _sys
import types as _types
from typing import TYPE_CHECKING as _TYPE_CHECKING

if _TYPE_CHECKING:
    from nnet.callbacks import History
    from nnet.estimators import NeuralNetClassifier, NeuralNetRegressor
    from nnet.network import NeuralNetwork
    from nnet.study import Study
    from nnet.sweep import sweep
    from nnet.training import DivergenceWarning, TrainingHealthWarning, train

__all__ = [
    "DivergenceWarning",
    "History",
    "NeuralNetClassifier",
    "NeuralNetRegressor",
    "NeuralNetwork",
    "Study",
    "TrainingHealthWarning",
    "sweep",
    "train",
]
__version__ = "0.1.0"  # the only place the version is written (see pyproject.toml)

# Each public name is imported on first use, so that ``import nnet`` runs no NumPy, SciPy or
# scikit-learn import and changes no process-wide state: the ``nnet`` command installs its
# start-up Ctrl-C handler (nnet/cli/__init__.py) before anything slow is imported.
_HOMES = {
    "DivergenceWarning": "nnet.training",
    "History": "nnet.callbacks",
    "NeuralNetClassifier": "nnet.estimators",
    "NeuralNetRegressor": "nnet.estimators",
    "NeuralNetwork": "nnet.network",
    "Study": "nnet.study",
    "TrainingHealthWarning": "nnet.training",
    "sweep": "nnet.sweep",
    "train": "nnet.training",
}


def __getattr__(name: str) -> object:
    """Import a public name from its module on first use (PEP 562)."""
    if name not in _HOMES:
        raise AttributeError(f"module 'nnet' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(_HOMES[name]), name)
    globals()[name] = value
    return value


class _Package(_types.ModuleType):
    """The package, whose ``nnet.sweep`` is the function, as ``from nnet import sweep`` gives.

    Importing the submodule :mod:`nnet.sweep` sets the package's attribute ``sweep`` to the
    module; the function takes its place (the module stays in ``sys.modules``).
    """

    def __setattr__(self, name: str, value: object) -> None:
        if name == "sweep" and isinstance(value, _types.ModuleType):
            value = value.sweep
        super().__setattr__(name, value)


_sys.modules[__name__].__class__ = _Package
