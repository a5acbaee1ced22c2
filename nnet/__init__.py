"""nnet: a readable NumPy neural network whose backpropagation is proven equal to autograd.

The network is :class:`NeuralNetwork`; :func:`train` runs mini-batch training with an
optimizer from :mod:`nnet.optimizers`; :func:`sweep` trains a whole grid of
networks and returns a :class:`Study`. Activations, costs, initializers, optimizers,
schedules and metrics each have a name → object registry, so strings work everywhere.
"""

from nnet.callbacks import History
from nnet.network import NeuralNetwork
from nnet.study import Study
from nnet.sweep import sweep
from nnet.training import DivergenceWarning, train

__all__ = [
    "DivergenceWarning",
    "History",
    "NeuralNetClassifier",
    "NeuralNetRegressor",
    "NeuralNetwork",
    "Study",
    "sweep",
    "train",
]
__version__ = "0.1.0"

_ESTIMATORS = ("NeuralNetClassifier", "NeuralNetRegressor")


def __getattr__(name: str) -> object:
    """Import the scikit-learn estimators on first use, so ``import nnet`` stays light."""
    if name in _ESTIMATORS:
        from nnet import estimators

        return getattr(estimators, name)
    raise AttributeError(f"module 'nnet' has no attribute {name!r}")
