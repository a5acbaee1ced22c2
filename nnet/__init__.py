"""nnet: a readable NumPy neural network whose backpropagation is proven equal to autograd.

The network is :class:`NeuralNetwork`; :func:`train` runs mini-batch training with an
optimizer from :mod:`nnet.optimizers`; :func:`sweep` trains a whole grid of
networks and returns a :class:`Study`. Activations, costs, initializers, optimizers,
schedules and metrics each have a name → object registry, so strings work everywhere.
"""

import itertools as _itertools
import os as _os
import signal as _signal
import sys as _sys


def _interrupted_at_start_up(signum: int, frame: object) -> None:
    """Ctrl-C while the ``nnet`` command imports the library: one line and status 130."""
    # Exit at once: an exception raised here could surface inside a C extension's import,
    # which would turn it into an ImportError; nothing has been done yet that needs undoing.
    _sys.stderr.write("nnet: interrupted\n")
    _sys.stderr.flush()
    _os._exit(130)


# The ``nnet`` command's Ctrl-C handling starts in nnet.cli.main; the imports before it
# (NumPy, SciPy, autograd, the command's modules: about a second) get this handler instead
# of a traceback. Only when running as the command, and only until main starts.
_ARGV = getattr(_sys, "orig_argv", _sys.argv)
_AS_SCRIPT = bool(_sys.argv) and _os.path.basename(_sys.argv[0]) == "nnet"
_COMMAND = _AS_SCRIPT or any(a == "-m" and b == "nnet" for a, b in _itertools.pairwise(_ARGV))
if _COMMAND:  # nnet.cli.main puts Python's own handler back when it starts
    _signal.signal(_signal.SIGINT, _interrupted_at_start_up)

from nnet.callbacks import History  # noqa: E402 (after the start-up Ctrl-C handler)
from nnet.network import NeuralNetwork  # noqa: E402 (after the start-up Ctrl-C handler)
from nnet.study import Study  # noqa: E402 (after the start-up Ctrl-C handler)
from nnet.sweep import sweep  # noqa: E402 (after the start-up Ctrl-C handler)
from nnet.training import DivergenceWarning, train  # noqa: E402 (after the start-up Ctrl-C handler)

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
__version__ = "0.1.0"  # the only place the version is written (see pyproject.toml)

_ESTIMATORS = ("NeuralNetClassifier", "NeuralNetRegressor")


def __getattr__(name: str) -> object:
    """Import the scikit-learn estimators on first use, so ``import nnet`` stays light."""
    if name in _ESTIMATORS:
        from nnet import estimators

        return getattr(estimators, name)
    raise AttributeError(f"module 'nnet' has no attribute {name!r}")
