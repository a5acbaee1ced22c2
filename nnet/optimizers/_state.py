"""An optimizer's state as ``(arrays, meta)``: ``state_dict``'s result, ``load_state_dict``'s input.

``arrays`` maps ``"layer<i>.<W|b>.<entry>"`` (:mod:`nnet.files.state_key`) to each
parameter array's state; ``meta`` holds the hyperparameters, ``class``, ``t``,
``epoch`` and ``layout`` (JSON of the arrays' shapes and dtype). Both fit a
safetensors file (:func:`nnet.serialization.save_optimizer_state`). Decoding checks
everything before the optimizer changes.
"""

from __future__ import annotations

import json
import math
from typing import Any

import numpy as np

from nnet import parameters
from nnet.files.state_key import parse_state_key, state_key
from nnet.utils.validation import FLOAT_DTYPES, check_epoch, check_int

State = dict[str, np.ndarray]
Shapes = list[tuple[int, ...]]


def per_array(state: State, shapes: Shapes) -> list[State]:
    """One state dict per parameter array, of views of the flat ``state``."""
    views = {key: parameters.split(flat, shapes) for key, flat in state.items()}
    return [{key: v[k] for key, v in views.items()} for k in range(len(shapes))]


def gather(state: State, states: list[State], shapes: Shapes, dtype: Any) -> None:
    """Add to the flat ``state`` the entries a rule created per array (at its first step)."""
    for key in set().union(*states) - set(state):
        state[key] = np.concatenate(
            [
                np.asarray(s[key], dtype).ravel() if key in s else np.zeros(math.prod(shape), dtype)
                for s, shape in zip(states, shapes, strict=True)
            ]
        )


def encode(
    states: list[State],
    config: dict[str, Any],
    header: dict[str, Any],
    shapes: Shapes | None,
    dtype: np.dtype[Any] | None,
) -> tuple[dict[str, np.ndarray], dict[str, str | int | float]]:
    """Copies of the per-array ``states``; the meta: ``config``, ``header``, then the layout."""
    arrays = {
        state_key(k, key): value.copy()
        for k, state in enumerate(states)
        for key, value in state.items()
    }
    meta: dict[str, str | int | float] = {
        k: v if isinstance(v, (str, int, float)) else repr(v) for k, v in config.items()
    }
    layout = (
        "" if shapes is None else json.dumps([(list(shape), dtype.name) for shape in shapes])  # type: ignore[union-attr]
    )
    meta.update(header)
    meta["layout"] = layout
    return arrays, meta


def decode(
    arrays: dict[str, np.ndarray], meta: dict[str, Any], class_name: str
) -> tuple[int, int, Shapes, np.dtype[Any] | None, list[State]]:
    """``(t, epoch, shapes, dtype, states)`` of a ``class_name``'s saved state, all checked."""
    if str(meta.get("class")) != class_name:
        raise ValueError(f"meta is the state of {meta.get('class')!r}, not {class_name}")
    t, epoch = _meta_int(meta, "t"), check_epoch(_meta_int(meta, "epoch"))
    shapes, dtype = _meta_layout(meta)
    states: list[State] = [{} for _ in shapes]
    for key, value in arrays.items():
        k, name = _slot(key, len(states))
        if np.shape(value) != shapes[k]:
            raise ValueError(f"arrays[{key!r}] has shape {np.shape(value)}, expected {shapes[k]}")
        if not np.isfinite(value).all():
            raise ValueError(f"arrays[{key!r}] holds NaN or infinite values")
        states[k][name] = np.array(value, dtype=dtype, copy=True)
    return t, epoch, shapes, dtype, states


def _meta_int(meta: dict[str, Any], key: str) -> int:
    try:
        return check_int(int(str(meta[key])), f"meta[{key!r}]", 0)
    except (KeyError, ValueError) as err:
        raise ValueError(f"meta[{key!r}] must be an int >= 0, got {meta.get(key)!r}") from err


def _meta_layout(meta: dict[str, Any]) -> tuple[Shapes, np.dtype[Any] | None]:
    """The shapes and dtype of ``meta["layout"]`` (none when the optimizer never stepped)."""
    layout_json = str(meta.get("layout", ""))
    if not layout_json:
        return [], None
    try:
        entries = json.loads(layout_json)
        shapes = [tuple(int(n) for n in shape) for shape, _ in entries]
        dtypes = {np.dtype(d) for _, d in entries}
    except (ValueError, TypeError) as err:
        raise ValueError(f"meta['layout'] is not a layout: {layout_json[:80]!r}") from err
    if len(dtypes) != 1 or not dtypes <= set(FLOAT_DTYPES):
        raise ValueError(f"meta['layout'] must name one float32 or float64 dtype, got {dtypes}")
    return shapes, dtypes.pop()


def _slot(key: str, n_arrays: int) -> tuple[int, str]:
    """Parse ``"layer<i>.<W|b>.<name>"`` into (flat array index, state name)."""
    slot = parse_state_key(key)
    if slot is None or slot[0] >= n_arrays:
        raise ValueError(
            f"arrays key {key!r} is not 'layer<i>.<W|b>.<name>' for one of {n_arrays} arrays"
        )
    return slot
