"""The ``get_config``/``repr`` pair shared by optimizers and schedules (sklearn style)."""

from __future__ import annotations

import inspect
from typing import Any


class Configurable:
    """A mixin: each constructor argument is stored as an attribute of the same name.

    That gives :meth:`get_config` and a readable ``repr`` for free, as scikit-learn's
    ``get_params`` does.
    """

    def get_config(self) -> dict[str, Any]:
        """Return the constructor arguments, ``{name: value}``.

        Returns
        -------
        dict
            Constructor argument name -> value.
        """
        params = inspect.signature(type(self).__init__).parameters.values()
        kinds = (inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY)
        return {
            p.name: getattr(self, p.name) for p in params if p.kind in kinds and p.name != "self"
        }

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({args})"
