"""The one check of a model file's ``extra`` data, run on saving and again on loading.

``extra`` is JSON data kept beside a network (see :func:`nnet.serialization.save_network`).
It must be a mapping with string keys, holding only ``None``, bools, ints, finite floats,
strings, lists and mappings, at most :data:`MAX_EXTRA_DEPTH` levels deep and
:data:`MAX_EXTRA_BYTES` bytes of JSON. The keys the ``nnet`` command writes are also
checked against the network they describe, wherever they appear:

* ``features``: one string per input; ``mean`` and ``scale``: one finite number per
  input (``scale`` > 0);
* ``classes``: one label (str, int, float or bool) per output, or an empty list for a
  network with one output that predicts values;
* ``target``: a string; ``task``: ``"classification"``, ``"regression"`` or ``None``.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from typing import Any

from nnet.utils.validation import is_real

MAX_EXTRA_BYTES = 10_000_000
"""The largest ``extra`` accepted, in bytes of JSON text."""

MAX_EXTRA_DEPTH = 32
"""The deepest nesting of lists and mappings accepted in ``extra``."""

_SCALARS = (str, int, float, bool, type(None))


def parse_extra(text: str) -> Any:
    """The JSON ``text`` of a file's ``extra``, its size checked before it is parsed."""
    if len(text) > MAX_EXTRA_BYTES:
        raise ValueError(f"extra is {len(text):,} bytes, more than the {MAX_EXTRA_BYTES:,} allowed")
    try:
        return json.loads(text, parse_constant=_no_constant)
    except RecursionError:
        raise ValueError(f"extra is nested more than {MAX_EXTRA_DEPTH} levels deep") from None


def _no_constant(name: str) -> Any:
    raise ValueError(f"extra holds {name}, not a finite number")


def check_extra(extra: Any, n_inputs: int, n_outputs: int) -> dict[str, Any]:
    """``extra`` as plain JSON data, checked as the module docstring says, or ValueError.

    Parameters
    ----------
    extra : mapping
    n_inputs, n_outputs : int
        The network's input and output sizes, which the known keys must match.
    """
    if not isinstance(extra, Mapping):
        raise ValueError(f"extra must be a mapping with str keys, got {type(extra).__name__}")
    _check_tree(extra)
    text = json.dumps(dict(extra), allow_nan=False)
    if len(text.encode("utf-8")) > MAX_EXTRA_BYTES:
        raise ValueError(f"extra is more than the {MAX_EXTRA_BYTES:,} bytes of JSON allowed")
    plain: dict[str, Any] = json.loads(text)
    _check_known_keys(plain, n_inputs, n_outputs)
    return plain


def _check_tree(extra: Mapping[Any, Any]) -> None:
    """JSON types, str keys, finite floats, depth and size, without recursion."""
    stack: list[tuple[str, Any, int]] = [("extra", extra, 1)]
    size = 0
    while stack:
        where, value, depth = stack.pop()
        if isinstance(value, (Mapping, list, tuple)) and depth > MAX_EXTRA_DEPTH:
            raise ValueError(f"extra is nested more than {MAX_EXTRA_DEPTH} levels deep")
        if isinstance(value, Mapping):
            children = []
            for key, item in value.items():
                if not isinstance(key, str):
                    raise ValueError(f"{where} has the key {key!r}; keys must be strings")
                children.append((f"{where}[{key!r}]", item))
        elif isinstance(value, (list, tuple)):
            children = [(f"{where}[{i}]", item) for i, item in enumerate(value)]
        else:
            if not isinstance(value, _SCALARS) or (
                isinstance(value, float) and not math.isfinite(value)
            ):
                raise ValueError(
                    f"extra must be JSON-serializable, finite numbers only: {where:.200} is "
                    f"{value!r:.80}"
                )
            size += len(value) if isinstance(value, str) else 1
            if size > MAX_EXTRA_BYTES:
                raise ValueError(f"extra is more than the {MAX_EXTRA_BYTES:,} bytes allowed")
            continue
        size += len(children) + 1
        stack.extend((w, item, depth + 1) for w, item in children)


def _check_known_keys(extra: dict[str, Any], n_inputs: int, n_outputs: int) -> None:
    """The ``nnet`` command's keys, against the network's sizes."""
    per_input = {
        "features": (lambda v: isinstance(v, str), "strings"),
        "mean": (is_real, "numbers"),
        "scale": (lambda v: is_real(v) and v > 0, "positive numbers"),
    }
    for key, (ok, what) in per_input.items():
        value: Any = extra.get(key)
        if key in extra and not (isinstance(value, list) and all(map(ok, value))):
            raise ValueError(f"extra[{key!r}] must be a list of {what}, got {value!r:.80}")
        if key in extra and len(value) != n_inputs:
            raise ValueError(
                f"extra[{key!r}] has {len(value)} entries but the network has {n_inputs} inputs"
            )
    if "classes" in extra:
        _check_classes(extra["classes"], n_outputs)
    if "target" in extra and not isinstance(extra["target"], str):
        raise ValueError(f"extra['target'] must be a string, got {extra['target']!r:.80}")
    if extra.get("task") not in (None, "classification", "regression"):
        raise ValueError(
            f"extra['task'] must be 'classification', 'regression' or None, "
            f"got {extra['task']!r:.80}"
        )


def _check_classes(classes: Any, n_outputs: int) -> None:
    if not isinstance(classes, list) or not all(
        isinstance(c, (str, int, float, bool)) for c in classes
    ):
        raise ValueError(f"extra['classes'] must be a list of labels, got {classes!r:.80}")
    if classes and len(classes) != n_outputs:
        raise ValueError(
            f"extra['classes'] has {len(classes)} labels but the network has {n_outputs} outputs"
        )
    if not classes and n_outputs != 1:
        raise ValueError(
            f"extra['classes'] is empty (values are predicted), but the network has "
            f"{n_outputs} outputs instead of 1"
        )
