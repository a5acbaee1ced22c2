"""The library's exceptions, in the lowest layer so that any module can raise them.

Each is re-exported where users import it (``nnet.serialization.ModelFileError``),
and keeps that public home as its ``__module__`` (as NumPy's ``set_module`` does), so
tracebacks and ``repr`` name it as before.
"""

from __future__ import annotations


class ModelFileError(ValueError):
    """A file that is not a loadable nnet model file; the message names the file."""


ModelFileError.__module__ = "nnet.serialization"


class NonFiniteError(ValueError):
    """Parameters or updates that are NaN or infinite, or would overflow to infinity.

    :func:`nnet.training.train` treats it, raised by ``update_weights`` for a custom
    optimizer's update, as a divergence.
    """


NonFiniteError.__module__ = "nnet.network"
