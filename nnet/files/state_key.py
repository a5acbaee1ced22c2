"""The names of an optimizer's state arrays: ``"layer<i>.<W|b>.<entry>"``.

:meth:`nnet.optimizers.Optimizer.state_dict` writes them and ``load_state_dict``
reads them; the file layer (:mod:`nnet.files.safetensors_io`) checks a saved state's
tensor names with the same parser. Array ``k`` of the flat layout
``[W0, b0, W1, b1, ...]`` is layer ``k // 2``, part ``"Wb"[k % 2]``.
"""

from __future__ import annotations

import re

_PATTERN = re.compile(r"layer(\d+)\.(W|b)\.(.+)")


def state_key(array_index: int, entry: str) -> str:
    """The name of state ``entry`` of flat array ``array_index``.

    Examples
    --------
    >>> state_key(3, "velocity")
    'layer1.b.velocity'
    """
    return f"layer{array_index // 2}.{'Wb'[array_index % 2]}.{entry}"


def parse_state_key(key: str) -> tuple[int, str] | None:
    """``(array_index, entry)`` of a name made by :func:`state_key`, or None for another name.

    Examples
    --------
    >>> parse_state_key("layer1.b.velocity"), parse_state_key("velocity")
    ((3, 'velocity'), None)
    """
    match = _PATTERN.fullmatch(key)
    if match is None:
        return None
    return 2 * int(match[1]) + (match[2] == "b"), match[3]
