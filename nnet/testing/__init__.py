"""Test your own activations, costs and optimizers against independent references.

* :func:`check_gradients` / :func:`assert_gradients_close`: a network's
  backpropagation against autograd and central finite differences, array by
  array, in a table that names the worst layer and array;
* :func:`trace`: every intermediate of one backward pass under the course's
  names (``a_in``, ``z``, ``a``, ``dC_da``, ``dC_dz``, ``dC_dW``, ``dC_db``);
* :func:`check_optimizer`: an optimizer's properties on a quadratic it can
  solve (finite updates, descent, the same step for ``W`` and ``b``, fresh runs
  that agree) and its updates against a reference rule, per array and step;
* :mod:`nnet.testing.strategies`: `hypothesis <https://hypothesis.readthedocs.io>`_
  strategies for networks built from your parts, with matching inputs and
  targets (needs the ``testing`` extra: ``pip install nnet[testing]``).

Examples
--------
>>> import autograd.numpy as anp
>>> import numpy as np
>>> from nnet import NeuralNetwork
>>> def swish(z):
...     return z / (1 + anp.exp(-z))
>>> net = NeuralNetwork(3, [4, 1], [swish, "identity"], seed=0)
>>> rng = np.random.default_rng(0)
>>> check_gradients(net, rng.normal(size=(5, 3)), rng.normal(size=(5, 1))).ok
True
"""

from nnet.testing._check import ArrayCheck, GradientReport, assert_gradients_close, check_gradients
from nnet.testing._optimizer import OptimizerReport, PropertyCheck, Quadratic, check_optimizer
from nnet.testing._trace import LayerTrace, Trace, trace

__all__ = [
    "ArrayCheck",
    "GradientReport",
    "LayerTrace",
    "OptimizerReport",
    "PropertyCheck",
    "Quadratic",
    "Trace",
    "assert_gradients_close",
    "check_gradients",
    "check_optimizer",
    "trace",
]
