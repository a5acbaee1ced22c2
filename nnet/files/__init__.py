"""Model files: safetensors reading and writing, and what a network's file holds.

The user API is :mod:`nnet.serialization` and ``NeuralNetwork.save``/``load``; these
modules (``safetensors_io``, ``extra``, ``state_key``, ``network_file``) are what they
share with the estimators' files, and may change without notice.
"""

__all__: list[str] = []
