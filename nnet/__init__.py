"""nnet: a readable NumPy neural network whose backpropagation is proven equal to autograd."""

from nnet.network import NeuralNetwork

__all__ = ["NeuralNetwork"]
__version__ = "0.1.0"
