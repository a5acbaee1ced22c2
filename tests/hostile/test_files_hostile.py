"""Model files and CSV files under hostile input: odd files, crafted headers, fuzzing.

Reading refuses anything but a regular file before reading a byte, checks the
header against the file's length before reading the tensors, and raises
:class:`ModelFileError` (a ValueError) for everything else that is wrong.
Saving replaces the target atomically, keeping its permissions and links.
"""

from __future__ import annotations

import json
import os
import stat
import struct
import threading
import tracemalloc
from pathlib import Path

import numpy as np
import pytest
import safetensors
import safetensors.numpy
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nnet import NeuralNetwork
from nnet import serialization as ser
from nnet.datasets import load_csv, read_csv_columns
from nnet.files.extra import MAX_EXTRA_BYTES, MAX_EXTRA_DEPTH
from nnet.serialization import ModelFileError, describe_file, load_network, save_network

READERS = [load_network, describe_file]


def make_net(n_in: int = 3, sizes=(5, 2)) -> NeuralNetwork:
    acts = ["tanh"] * (len(sizes) - 1) + ["softmax"]
    return NeuralNetwork(n_in, list(sizes), acts, cost_fun="cross_entropy", seed=3)


def assert_same(a: NeuralNetwork, b: NeuralNetwork) -> None:
    for (W, bb), (W0, b0) in zip(a.layers, b.layers):
        np.testing.assert_array_equal(W, W0)
        np.testing.assert_array_equal(bb, b0)


@pytest.fixture
def saved(tmp_path: Path) -> Path:
    path = tmp_path / "model.safetensors"
    save_network(make_net(), path, extra={"classes": ["a", "b"], "features": ["x", "y", "z"]})
    return path


def craft(path: Path, header: dict, data: bytes = b"", size: int | None = None) -> Path:
    text = json.dumps(header).encode()
    path.write_bytes(struct.pack("<Q", len(text) if size is None else size) + text + data)
    return path


def resign(path: Path, dest: Path, **meta_changes: str) -> Path:
    """A validly signed copy of ``path`` with changed metadata (bypassing save's checks)."""
    with safetensors.safe_open(str(path), framework="np") as f:
        meta, arrays = f.metadata(), {k: f.get_tensor(k) for k in f.keys()}
    meta.update(meta_changes)
    meta["sha256"] = ser.checksum(meta, arrays)
    safetensors.numpy.save_file(arrays, str(dest), metadata=meta)
    return dest


# --------------------------------------------------------------------------- not regular files
@pytest.mark.parametrize("read", READERS)
@pytest.mark.parametrize("device", ["/dev/zero", "/dev/urandom", "/dev/null"])
def test_devices_are_refused_before_reading(read, device):
    if not Path(device).exists():
        pytest.skip(f"needs {device}")
    with pytest.raises(ModelFileError, match="not a regular file"):
        read(device)


@pytest.mark.parametrize("read", READERS)
def test_a_directory_is_refused(read, tmp_path):
    with pytest.raises(ModelFileError, match="not a regular file"):
        read(tmp_path)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs POSIX FIFOs")
@pytest.mark.parametrize("read", READERS)
def test_a_fifo_is_refused_without_waiting_for_a_writer(read, tmp_path):
    fifo = tmp_path / "model.safetensors"
    os.mkfifo(fifo)
    outcome: list[BaseException] = []

    def attempt() -> None:
        try:
            read(fifo)
        except BaseException as err:  # reported to the test's thread
            outcome.append(err)

    thread = threading.Thread(target=attempt, daemon=True)
    thread.start()
    thread.join(timeout=30)
    if thread.is_alive():  # it blocked: give it a writer so it ends, then fail
        with open(fifo, "wb"):
            pass
        pytest.fail("reading a FIFO blocked")
    assert len(outcome) == 1 and isinstance(outcome[0], ModelFileError)
    assert "not a regular file" in str(outcome[0])


# --------------------------------------------------------------------------- crafted headers
@pytest.mark.parametrize("read", READERS)
def test_a_sparse_3_gib_file_is_refused_without_reading_it(read, tmp_path):
    path = tmp_path / "sparse.safetensors"
    with path.open("wb") as f:
        f.truncate(3 * 2**30)  # all zeros: a header size of 0, then 3 GiB of nothing
    tracemalloc.start()
    try:
        with pytest.raises(ModelFileError):
            read(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 2**20


@pytest.mark.parametrize("read", READERS)
def test_a_header_size_beyond_the_file_is_refused(read, tmp_path):
    path = craft(tmp_path / "m.safetensors", {"__metadata__": {}}, size=2**40)
    with pytest.raises(ModelFileError, match="header too short"):
        read(path)


META = {"format": "nnet", "format_version": "1", "kind": "network"}


@pytest.mark.parametrize(
    ("tensors", "data", "match"),
    [
        ({"t": {"dtype": "F64", "shape": [10**9], "data_offsets": [0, 8 * 10**9]}}, b"", "tile"),
        ({"t": {"dtype": "F64", "shape": [2], "data_offsets": [0, 8]}}, bytes(8), "do not fit"),
        ({"t": {"dtype": "F64", "shape": [-1], "data_offsets": [0, 8]}}, bytes(8), "invalid"),
        ({"t": {"dtype": "F64", "shape": [1], "data_offsets": [8, 16]}}, bytes(16), "tile"),
        (
            {
                "a": {"dtype": "F64", "shape": [1], "data_offsets": [0, 8]},
                "b": {"dtype": "F64", "shape": [1], "data_offsets": [0, 8]},
            },
            bytes(8),
            "tile",
        ),
        ({"t": {"dtype": "I64", "shape": [1], "data_offsets": [0, 8]}}, bytes(8), "float32"),
        ({"t": {"dtype": "F64", "shape": [True], "data_offsets": [0, 8]}}, bytes(8), "invalid"),
        ({"t": [1, 2]}, b"", "float32 or float64"),
    ],
    ids=["beyond-file", "wrong-length", "negative", "hole", "overlap", "int", "bool", "list"],
)
def test_tensor_entries_are_checked_against_the_data(tensors, data, match, tmp_path):
    path = craft(tmp_path / "m.safetensors", {"__metadata__": META, **tensors}, data)
    with pytest.raises(ModelFileError, match=match):
        describe_file(path)


# --------------------------------------------------------------------------- extra
def test_extra_of_100_mb_is_refused_on_save_with_a_clear_error(tmp_path):
    path = tmp_path / "m.safetensors"
    with pytest.raises(ValueError, match="bytes allowed"):
        save_network(make_net(), path, extra={"blob": "x" * 100_000_000})
    assert not path.exists()


def test_extra_too_large_in_a_file_is_refused(saved, tmp_path):
    bad = resign(
        saved, tmp_path / "bad.safetensors", extra=json.dumps({"x": "y" * MAX_EXTRA_BYTES})
    )
    with pytest.raises(ModelFileError, match="bytes"):
        describe_file(bad)


def _nested(depth: int) -> dict:
    extra: dict = {}
    inner = extra
    for _ in range(depth):
        inner["x"] = {}
        inner = inner["x"]
    return extra


@pytest.mark.parametrize("depth", [MAX_EXTRA_DEPTH, 100_000])  # + the top level
def test_deep_extra_is_refused_on_save(depth, tmp_path):
    with pytest.raises(ValueError, match=f"nested more than {MAX_EXTRA_DEPTH} levels"):
        save_network(make_net(), tmp_path / "m.safetensors", extra=_nested(depth))


def test_extra_just_deep_enough_is_kept(tmp_path):
    path = tmp_path / "m.safetensors"
    save_network(make_net(), path, extra=_nested(MAX_EXTRA_DEPTH - 1))
    assert describe_file(path)["extra"] == _nested(MAX_EXTRA_DEPTH - 1)


@pytest.mark.parametrize("depth", [MAX_EXTRA_DEPTH + 1, 100_000])
def test_deep_extra_in_a_file_is_refused(depth, saved, tmp_path):
    text = '{"x": ' * depth + "1" + "}" * depth
    bad = resign(saved, tmp_path / "bad.safetensors", extra=text)
    for read in READERS:
        with pytest.raises(ModelFileError, match="nested more than"):
            read(bad)


@pytest.mark.parametrize(
    ("extra", "match"),
    [
        ({1: "a"}, "has the key 1; keys must be strings"),
        ({"a": {2.5: "b"}}, r"extra\['a'\] has the key 2.5"),
        ({"a": [{None: 1}]}, "has the key None"),
        ({"classes": ["a", "b", "c"]}, "3 labels but the network has 2 outputs"),
        ({"classes": []}, "is empty"),
        ({"classes": [["a"], ["b"]]}, "must be a list of labels"),
        ({"features": ["x"]}, "1 entries but the network has 3 inputs"),
        ({"mean": [0, 1, "2"]}, "must be a list of numbers"),
        ({"scale": [1, 1, -1]}, "positive numbers"),
        ({"target": 3}, "must be a string"),
        ({"task": "clustering"}, "'classification', 'regression' or None"),
        ({"x": np.ones(2)}, "JSON-serializable"),
        ({"x": float("inf")}, "JSON-serializable"),
        ({"x": {1, 2}}, "JSON-serializable"),
        (["not", "a", "mapping"], "must be a mapping"),
    ],
)
def test_bad_extra_is_refused_on_save_and_nothing_is_written(extra, match, tmp_path):
    with pytest.raises(ValueError, match=match):
        save_network(make_net(), tmp_path / "m.safetensors", extra=extra)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("extra", "match"),
    [
        ({"classes": ["a"]}, "1 labels but the network has 2 outputs"),
        ({"classes": {"0": "a"}}, "must be a list of labels"),
        ({"features": ["x", "y"]}, "2 entries"),
        (["a"], "must be a mapping"),
    ],
)
def test_bad_extra_in_a_file_is_refused_by_every_reader(extra, match, saved, tmp_path):
    bad = resign(saved, tmp_path / "bad.safetensors", extra=json.dumps(extra))
    for read in READERS:
        with pytest.raises(ModelFileError, match=match):
            read(bad)


def test_tuples_in_extra_come_back_as_lists(tmp_path):
    path = tmp_path / "m.safetensors"
    save_network(make_net(), path, extra={"classes": ("a", "b"), "nested": {"t": (1, (2, 3))}})
    assert describe_file(path)["extra"] == {"classes": ["a", "b"], "nested": {"t": [1, [2, 3]]}}


# --------------------------------------------------------------------------- saving
def test_saving_keeps_the_targets_permission_bits(saved):
    os.chmod(saved, 0o600)
    save_network(make_net(), saved)
    assert stat.S_IMODE(saved.stat().st_mode) == 0o600


def test_saving_writes_through_a_symlink(saved, tmp_path):
    link = tmp_path / "link.safetensors"
    link.symlink_to(saved)
    net = make_net(sizes=(7, 2))
    save_network(net, link)
    assert link.is_symlink() and link.resolve() == saved.resolve()
    assert_same(load_network(saved), net)


def test_saving_to_a_dangling_symlink_creates_its_target(tmp_path):
    link = tmp_path / "link.safetensors"
    link.symlink_to(tmp_path / "target.safetensors")
    save_network(make_net(), link)
    assert link.is_symlink() and (tmp_path / "target.safetensors").is_file()


def test_saving_works_for_names_near_the_255_byte_limit(tmp_path):
    path = tmp_path / ("m" * (255 - len(".safetensors")) + ".safetensors")
    assert len(path.name.encode()) == 255
    save_network(make_net(), path)
    assert_same(load_network(path), make_net())
    assert sorted(p.name for p in tmp_path.iterdir()) == [path.name]


def test_a_failed_save_leaves_the_old_file_and_no_temporary(saved, tmp_path):
    before = saved.read_bytes()
    with pytest.raises(ValueError):
        save_network(make_net(), saved, extra={"classes": ["only one"]})
    assert saved.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == [saved.name]


# --------------------------------------------------------------------------- memory
def test_loading_needs_about_twice_the_file_and_describing_about_once(tmp_path):
    path = tmp_path / "big.safetensors"
    net = NeuralNetwork(300, [700, 700, 10], ["relu", "relu", "identity"], seed=0)
    save_network(net, path)
    del net
    size = path.stat().st_size  # about 6 MB
    peaks = {}
    for read in READERS:
        tracemalloc.start()
        try:
            loaded = read(path)
            peaks[read.__name__] = tracemalloc.get_traced_memory()[1] / size
        finally:
            tracemalloc.stop()
        del loaded
    assert peaks["describe_file"] < 1.2, peaks
    assert peaks["load_network"] < 2.2, peaks


# --------------------------------------------------------------------------- fuzzing
_FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))


@pytest.fixture(scope="module")
def valid_bytes(tmp_path_factory) -> bytes:
    path = tmp_path_factory.mktemp("fuzz") / "m.safetensors"
    save_network(make_net(), path, extra={"classes": ["a", "b"]})
    return path.read_bytes()


def _read_or_refuse(path: Path) -> NeuralNetwork | None:
    try:
        return load_network(path)
    except ModelFileError as err:
        assert path.name in str(err)
        return None


@_FUZZ
@given(data=st.data())
def test_fuzzed_model_files_load_exactly_or_are_refused(data, valid_bytes, tmp_path_factory):
    blob = bytearray(valid_bytes)
    edit = data.draw(st.sampled_from(["flip", "truncate", "splice", "header_size"]))
    if edit == "flip":
        for _ in range(data.draw(st.integers(1, 8))):
            i = data.draw(st.integers(0, len(blob) - 1))
            blob[i] ^= 1 << data.draw(st.integers(0, 7))
    elif edit == "truncate":
        blob = blob[: data.draw(st.integers(0, len(blob) - 1))]
    elif edit == "splice":
        i = data.draw(st.integers(0, len(blob)))
        blob[i:i] = data.draw(st.binary(min_size=1, max_size=64))
    else:
        blob[:8] = struct.pack("<Q", data.draw(st.integers(0, 2**64 - 1)))
    path = tmp_path_factory.mktemp("fuzz") / "fuzzed.safetensors"
    path.write_bytes(bytes(blob))
    net = _read_or_refuse(path)
    if net is not None:  # the edit left a valid file: it must be the saved network
        assert bytes(blob) == valid_bytes or net.layer_output_sizes == (5, 2)


@_FUZZ
@given(blob=st.binary(max_size=512))
def test_random_bytes_are_refused(blob, tmp_path_factory):
    path = tmp_path_factory.mktemp("fuzz") / "random.safetensors"
    path.write_bytes(blob)
    assert _read_or_refuse(path) is None


_CSV_TOKENS = [*'ab,1.5-e\n\r"\ufeff\x00 \t', "nan", "inf", "é", "a,b,c\n", "1,2,3\n"]
_CSV_TEXT = st.lists(st.sampled_from(_CSV_TOKENS), max_size=60).map("".join)


@_FUZZ
@given(text=_CSV_TEXT, encoding=st.sampled_from(["utf-8", "utf-8-sig", "latin-1", "utf-16"]))
def test_fuzzed_csv_files_are_read_or_refused_with_a_value_error(text, encoding, tmp_path_factory):
    path = tmp_path_factory.mktemp("fuzz") / "data.csv"
    path.write_bytes(text.encode(encoding, errors="replace"))
    try:
        header, rows = read_csv_columns(path)
    except ValueError as err:
        assert str(path) in str(err)
        return
    assert len(set(header)) == len(header) and all(header)
    assert not header[0].startswith("\ufeff")
    assert all(len(row) == len(header) for row in rows)
    try:
        data = load_csv(path, header[-1])
    except ValueError as err:
        assert str(path) in str(err)
        return
    assert np.isfinite(data.X).all() and data.X.shape == (len(rows), len(header) - 1)


@_FUZZ
@given(
    table=st.lists(
        st.lists(
            st.floats(allow_nan=False, allow_infinity=False, width=64), min_size=3, max_size=3
        ),
        min_size=1,
        max_size=20,
    ),
    bom=st.booleans(),
)
def test_well_formed_csv_files_read_back_exactly(table, bom, tmp_path_factory):
    path = tmp_path_factory.mktemp("fuzz") / "data.csv"
    lines = ["a,b,target"] + [",".join(repr(v) for v in row) for row in table]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8-sig" if bom else "utf-8")
    data = load_csv(path, "target", task="regression")
    assert data.feature_names == ["a", "b"]
    np.testing.assert_array_equal(data.X, np.array(table)[:, :2])
    np.testing.assert_array_equal(data.y, np.array(table)[:, 2])
