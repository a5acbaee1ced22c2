"""The file layer under :mod:`nnet.serialization`: writing and fully checking safetensors files.

``write`` adds the format tag, version and SHA-256 checksum to the metadata
and replaces the file atomically. ``read`` checks everything a file can get
wrong (header, format, version, checksum, metadata fields, tensor names, shapes,
dtypes, finite values) before it returns anything, and raises
:class:`nnet.serialization.ModelFileError` naming the file. Only JSON and numbers
are parsed: like :mod:`nnet.serialization`, this module must never import an
unpickler or evaluate code.
"""

from __future__ import annotations

import hashlib
import io
import itertools
import json
import math
import os
import re
import secrets
import stat
import struct
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import safetensors.numpy

from nnet.files.extra import check_extra, parse_extra
from nnet.files.state_key import parse_state_key
from nnet.utils.errors import ModelFileError
from nnet.utils.validation import is_finite_real, is_int, is_real

FORMAT = "nnet"
FORMAT_VERSION = 1  # documented (and re-exported) as nnet.serialization.FORMAT_VERSION
PathLike = str | os.PathLike[str]
Arrays = dict[str, np.ndarray]
_DTYPES = {"F32": "float32", "F64": "float64"}  # safetensors name -> numpy name
_MAX_HEADER = 100_000_000  # bytes, the limit safetensors itself enforces


def fail(path: Path, problem: str) -> ModelFileError:
    return ModelFileError(f"cannot load {str(path)!r}: {problem}")


def lookup(path: Path, registry: Mapping[str, Any], name: str, what: str, how: str) -> Any:
    """``registry[name]``, or a :class:`ModelFileError` saying the file's ``what`` is unknown."""
    if name not in registry:
        problem = f"it uses the {what} {name!r}, which is not registered in this process"
        raise fail(path, f"{problem}; register it before loading: {how}")
    return registry[name]


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a finite number")


def _json(text: str) -> Any:
    """Parse JSON, refusing NaN and Infinity (parse errors are ValueError)."""
    return json.loads(text, parse_constant=_no_constant)


def _is_size(v: Any) -> bool:
    return is_int(v) and v > 0


def _is_scalar(v: Any) -> bool:
    """A value JSON keeps exactly: a bool, a str, or a finite Python int or float."""
    return isinstance(v, (bool, str)) or (isinstance(v, (int, float)) and is_finite_real(v))


def _is_penalty(v: Any) -> bool:
    return _is_scalar(v) and is_real(v) and v >= 0


def _is_activation(e: Any) -> bool:
    if not (isinstance(e, dict) and set(e) == {"name", "params"} and isinstance(e["name"], str)):
        return False
    return isinstance(e["params"], dict) and all(map(_is_scalar, e["params"].values()))


# Each field is stored as text (JSON but for _TEXT_FIELDS) and checked by its predicate.
_TEXT_FIELDS = {"cost", "dtype", "optimizer"}  # and the optional "extra", see nnet.files.extra
_FIELDS: dict[str, dict[str, Callable[[Any], bool]]] = {
    "network": {
        "network_input_size": _is_size,
        "layer_output_sizes": lambda v: isinstance(v, list) and v != [] and all(map(_is_size, v)),
        "activations": lambda v: isinstance(v, list) and all(map(_is_activation, v)),
        "cost": lambda v: isinstance(v, str) and v != "",
        "dtype": lambda v: v in _DTYPES.values(),
        "l1": _is_penalty,
        "l2": _is_penalty,
        "regularize_bias": lambda v: isinstance(v, bool),
    },
    "optimizer": {
        "optimizer": lambda v: isinstance(v, str),
        "config": lambda v: isinstance(v, dict),
        "state": lambda v: isinstance(v, dict) and isinstance(v.get("layout"), str),
    },
}


def scalar(value: Any, what: str) -> bool | int | float | str:
    """``value`` as a JSON scalar (type kept, so numbers round-trip exactly), or ValueError."""
    value = value.item() if isinstance(value, np.generic) else value
    if _is_scalar(value):
        return value
    raise ValueError(f"{what}={value!r} cannot be saved; expected a finite number, bool or str")


def checksum(meta: Mapping[str, str], arrays: Mapping[str, np.ndarray]) -> str:
    """SHA-256 of the metadata (but itself) and each tensor's name, dtype, shape and bytes."""
    digest = hashlib.sha256(json.dumps({**meta, "sha256": ""}, sort_keys=True).encode())
    for name in sorted(arrays):
        a = arrays[name]
        digest.update(json.dumps([name, a.dtype.name, a.shape]).encode())
        digest.update(np.ascontiguousarray(a, dtype=a.dtype.newbyteorder("<")).reshape(-1).data)
    return digest.hexdigest()


def write(path: PathLike, kind: str, tensors: Arrays, fields: dict[str, Any]) -> None:
    """Write to a temporary file beside ``path``'s target, then rename it over it (atomic).

    A symbolic link is written through (its target is replaced, the link kept), an
    existing file keeps its permission bits, and the temporary name is short, so a
    name near the 255-byte limit works.
    """
    meta = {"format": FORMAT, "format_version": str(FORMAT_VERSION), "kind": kind}
    meta.update(
        {k: v if k in _TEXT_FIELDS else json.dumps(v, allow_nan=False) for k, v in fields.items()}
    )
    meta["sha256"] = checksum(meta, tensors)
    data = safetensors.numpy.save(tensors, metadata=meta)
    target = Path(os.path.realpath(path))
    try:
        mode: int | None = stat.S_IMODE(os.stat(target).st_mode)
    except FileNotFoundError:
        mode = None
    tmp = target.with_name(f".nnet-{secrets.token_hex(4)}.tmp")
    try:
        with open(tmp, "xb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        if mode is not None:
            os.chmod(tmp, mode)
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)


def _open_regular(path: Path) -> tuple[io.BufferedReader, int]:
    """Open ``path`` for reading and return it with its size; refuse anything but a file.

    Opened without blocking, so a FIFO is refused instead of waiting for a writer,
    and a device (``/dev/zero``) or directory is refused before a byte is read.
    """
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    info = os.fstat(fd)
    if not stat.S_ISREG(info.st_mode):
        os.close(fd)
        raise fail(path, "it is not a regular file (a directory, FIFO or device)")
    if hasattr(os, "set_blocking"):  # not on older Windows Pythons, which have no FIFOs
        os.set_blocking(fd, True)
    return os.fdopen(fd, "rb"), info.st_size


def _read_exactly(f: io.BufferedReader, buffer: memoryview) -> bool:
    """Fill ``buffer`` from ``f``; False if the file ends first."""
    done = 0
    while done < len(buffer):
        n = f.readinto(buffer[done:])
        if not n:
            return False
        done += n
    return True


def _read_header(path: Path, f: io.BufferedReader, file_size: int) -> dict[str, Any]:
    """The safetensors JSON header, its size checked against the file's before reading it."""
    first = f.read(8)
    (size,) = struct.unpack("<Q", first) if len(first) == 8 else (file_size,)
    if size > min(file_size - 8, _MAX_HEADER):
        if first[:1] == b"\x80" and first[1:2] in (b"\x02", b"\x03", b"\x04", b"\x05"):
            raise fail(path, "it is a pickle file; nnet never unpickles (that can run any code)")
        raise fail(path, "it is not a safetensors file, or it is truncated (header too short)")
    try:
        header = _json(f.read(size).decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as err:
        raise fail(path, f"its safetensors header is corrupted ({err})") from None
    if not isinstance(header, dict):
        raise fail(path, "its safetensors header is corrupted (not a JSON object)")
    return header


def _tensor_layout(path: Path, header: dict[str, Any], n_bytes: int) -> list[Any]:
    """``[(begin, name, dtype, shape)]`` in file order, checked to tile the data exactly."""
    layout = []
    for name, entry in header.items():
        if name == "__metadata__":
            continue
        if not (isinstance(entry, dict) and entry.get("dtype") in _DTYPES):
            raise fail(path, "it holds tensors that are not float32 or float64")
        dtype = np.dtype(_DTYPES[entry["dtype"]]).newbyteorder("<")
        shape: Any = entry.get("shape")
        offsets: Any = entry.get("data_offsets")
        if not (_is_index_list(shape) and _is_index_list(offsets) and len(offsets) == 2):
            raise fail(path, f"tensor {name!r} has an invalid shape or data offsets")
        if offsets[1] - offsets[0] != math.prod(shape) * dtype.itemsize:
            raise fail(path, f"tensor {name!r}: its data offsets do not fit its shape")
        layout.append((offsets[0], offsets[1], name, dtype, tuple(shape)))
    layout.sort()
    ends = [0] + [end for _, end, *_ in layout]
    if [begin for begin, *_ in layout] != ends[:-1] or ends[-1] != n_bytes:
        raise fail(path, "it is corrupted or truncated (its tensors do not tile its data)")
    return [entry[2:] for entry in layout]


def _is_index_list(v: Any) -> bool:
    return isinstance(v, list) and all(type(i) is int and i >= 0 for i in v)


def _read_checked(path: Path) -> tuple[dict[str, str], Arrays]:
    """Read the header, check it against the file's size, then read each tensor into place.

    Nothing is read before the file is known to be a regular file, and no tensor
    before the header is checked, so memory stays near the file's size.
    """
    f, file_size = _open_regular(path)
    with f:
        header = _read_header(path, f, file_size)
        meta = header.get("__metadata__")
        if not isinstance(meta, dict) or meta.get("format") != FORMAT:
            raise fail(path, "it is not an nnet model file (no 'format': 'nnet' metadata)")
        version = meta.get("format_version")
        if not isinstance(version, str) or not re.fullmatch(r"[1-9][0-9]{0,8}", version):
            raise fail(path, f"its format version {version!r} is invalid")
        if int(version) > FORMAT_VERSION:
            newer = f"format version {version}, newer than the {FORMAT_VERSION} this nnet reads"
            raise fail(path, f"it has {newer}; upgrade nnet to load it")
        arrays: Arrays = {}
        for name, dtype, shape in _tensor_layout(path, header, file_size - f.tell()):
            array = np.empty(shape, dtype)
            if not _read_exactly(f, array.reshape(-1).data.cast("B")):
                raise fail(path, "it is truncated (it changed while being read?)")
            arrays[name] = array
    if not all(isinstance(v, str) for v in meta.values()):
        raise fail(path, "its metadata values are not all text")
    if meta.get("sha256") != checksum(meta, arrays):
        raise fail(path, "it is corrupted: its SHA-256 checksum does not match its contents")
    return meta, arrays


def read(path: PathLike, kind: str | None) -> tuple[Path, dict[str, Any], Arrays]:
    """Read and check a whole file of ``kind``; return (path, decoded fields, arrays)."""
    path = Path(path)
    meta, arrays = _read_checked(path)
    if meta.get("kind") not in _FIELDS or kind not in (None, meta["kind"]):
        raise fail(path, f"it holds {meta.get('kind')!r}, not {kind!r}")
    spec: dict[str, Any] = {"kind": meta["kind"], "format_version": int(meta["format_version"])}
    for key, ok in _FIELDS[meta["kind"]].items():
        try:
            spec[key] = meta[key] if key in _TEXT_FIELDS else _json(meta[key])
        except (KeyError, ValueError, RecursionError):
            spec[key] = None
        if spec[key] is None or not ok(spec[key]):
            raise fail(path, f"its metadata field {key!r} is missing or invalid")
    if "extra" in meta and meta["kind"] == "network":
        try:
            n_outputs = spec["layer_output_sizes"][-1]
            parsed = parse_extra(meta["extra"])
            spec["extra"] = check_extra(parsed, spec["network_input_size"], n_outputs)
        except ValueError as err:
            raise fail(path, f"its extra data is invalid: {err}") from None
    expected = _network_tensors(spec) if meta["kind"] == "network" else _state_tensors(spec, arrays)
    if expected is None or set(arrays) != set(expected):
        raise fail(path, f"its tensors {sorted(arrays)} do not match its metadata")
    for name, (shape, dtype) in expected.items():
        a = arrays[name]
        if a.shape != tuple(shape) or a.dtype.name != dtype:
            raise fail(path, f"tensor {name!r} is {a.dtype} {a.shape}, expected {dtype} {shape}")
        if a.size and not (np.isfinite(a.min()) and np.isfinite(a.max())):
            raise fail(path, f"tensor {name!r} contains NaN or infinity")
    return path, spec, arrays


def _network_tensors(spec: dict[str, Any]) -> dict[str, Any] | None:
    """Expected ``{name: (shape, dtype)}`` of a network's tensors; None if inconsistent."""
    if len(spec["activations"]) != len(spec["layer_output_sizes"]):
        return None
    sizes, dtype = [spec["network_input_size"], *spec["layer_output_sizes"]], spec["dtype"]
    expected: dict[str, Any] = {}
    for i, (n_in, n_out) in enumerate(itertools.pairwise(sizes)):
        expected[f"layers.{i}.W"] = ((n_in, n_out), dtype)
        expected[f"layers.{i}.b"] = ((n_out,), dtype)
    return expected


def _state_tensors(spec: dict[str, Any], arrays: Arrays) -> dict[str, Any] | None:
    """Expected ``{name: (shape, dtype)}`` of an optimizer's state arrays, from its layout."""
    try:
        layout_json = spec["state"]["layout"]
        layout = [(tuple(s), str(d)) for s, d in _json(layout_json)] if layout_json else []
    except (TypeError, ValueError, RecursionError):
        return None
    parsed = {key: parse_state_key(key) for key in arrays}  # Optimizer.state_dict's names
    slots = {key: len(layout) if p is None else p[0] for key, p in parsed.items()}
    if any(slot >= len(layout) for slot in slots.values()):
        return None
    return {key: layout[slot] for key, slot in slots.items()}
