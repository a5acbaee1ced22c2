r"""Datasets for the command line and the examples: bundled, generated, or read from CSV.

Nothing is downloaded: ``iris``, ``digits`` and ``breast_cancer`` ship with
scikit-learn; ``xor`` and ``runge`` are generated from a seed.
"""

from __future__ import annotations

import csv
import dataclasses
import math
from collections.abc import Callable
from pathlib import Path

import numpy as np

__all__ = ["DATASETS", "Dataset", "load_csv", "load_dataset", "make_runge", "make_xor"]


@dataclasses.dataclass
class Dataset:
    """Features, target and what they are.

    Parameters
    ----------
    X, y, feature_names, target_name, task
        The attributes below, by keyword.

    Attributes
    ----------
    X : ndarray of shape (n_samples, n_features)
    y : ndarray of shape (n_samples,)
        Class labels (any type) or real values.
    feature_names : list of str
    target_name : str
    task : {"classification", "regression"}
    """

    X: np.ndarray
    y: np.ndarray
    feature_names: list[str]
    target_name: str
    task: str


def make_runge(n_samples: int = 200, noise: float = 0.05, seed: int | None = 0) -> Dataset:
    r"""Noisy samples of the Runge function on :math:`[-1, 1]`.

    .. math:: y = \frac{1}{1 + 25x^2} + \varepsilon,
              \qquad \varepsilon \sim \mathcal N(0, \sigma^2)

    Parameters
    ----------
    n_samples : int, default=200
        Number of points, drawn uniformly on [-1, 1].
    noise : float, default=0.05
        Standard deviation :math:`\sigma` of the Gaussian noise.
    seed : int or None, default=0
        Seed of :func:`numpy.random.default_rng`.

    Returns
    -------
    Dataset
        ``X`` of shape (n_samples, 1), ``y`` of shape (n_samples,); regression.

    Examples
    --------
    >>> data = make_runge(5, noise=0.0, seed=0)
    >>> bool(np.allclose(data.y, 1 / (1 + 25 * data.X[:, 0] ** 2)))
    True
    """
    rng = np.random.default_rng(seed)
    x = rng.uniform(-1.0, 1.0, n_samples)
    y = 1.0 / (1.0 + 25.0 * x**2) + rng.normal(0.0, noise, n_samples)
    return Dataset(x.reshape(-1, 1), y, ["x"], "y", "regression")


def make_xor(n_samples: int = 200, noise: float = 0.15, seed: int | None = 0) -> Dataset:
    """Points scattered around the four corners of the unit square, labelled by XOR.

    Parameters
    ----------
    n_samples : int, default=200
        Number of points.
    noise : float, default=0.15
        Standard deviation of the Gaussian scatter around each corner.
    seed : int or None, default=0
        Seed of :func:`numpy.random.default_rng`.

    Returns
    -------
    Dataset
        ``X`` of shape (n_samples, 2), labels 0 and 1; classification.

    Examples
    --------
    >>> data = make_xor(8, noise=0.0, seed=0)
    >>> bool(np.all(data.y == np.logical_xor(data.X[:, 0] > 0.5, data.X[:, 1] > 0.5)))
    True
    """
    rng = np.random.default_rng(seed)
    corners = rng.integers(0, 2, (n_samples, 2))
    X = corners + rng.normal(0.0, noise, (n_samples, 2))
    return Dataset(X, corners[:, 0] ^ corners[:, 1], ["x1", "x2"], "xor", "classification")


def _bundled(loader_name: str) -> Callable[..., Dataset]:
    """A loader of scikit-learn's bundled data set ``sklearn.datasets.<loader_name>``."""

    def load(seed: int | None = 0) -> Dataset:
        from sklearn import datasets as sk_datasets  # on use: scikit-learn is slow to import

        bunch = getattr(sk_datasets, loader_name)()
        names = [str(n) for n in getattr(bunch, "feature_names", [])] or [
            f"x{i}" for i in range(bunch.data.shape[1])
        ]
        return Dataset(bunch.data.astype(float), bunch.target, names, "target", "classification")

    return load


DATASETS: dict[str, Callable[..., Dataset]] = {
    "iris": _bundled("load_iris"),
    "digits": _bundled("load_digits"),
    "breast_cancer": _bundled("load_breast_cancer"),
    "xor": make_xor,
    "runge": make_runge,
}
"""Name → loader ``loader(seed=0) -> Dataset``."""


def load_dataset(name: str, seed: int | None = 0) -> Dataset:
    """Load a bundled or generated dataset by name (see :data:`DATASETS`).

    Parameters
    ----------
    name : str
        A key of :data:`DATASETS`.
    seed : int or None, default=0
        Seed of a generated data set's noise (the bundled ones ignore it).

    Returns
    -------
    Dataset
        The data set.

    Examples
    --------
    >>> data = load_dataset("iris")
    >>> data.X.shape, data.task
    ((150, 4), 'classification')
    """
    if name not in DATASETS:
        raise ValueError(f"unknown dataset {name!r}; expected one of {sorted(DATASETS)}")
    return DATASETS[name](seed=seed)


def read_csv_columns(path: str | Path) -> tuple[list[str], list[list[str]]]:
    """Return the header and the rows (as strings) of a UTF-8 CSV file with a header line.

    The one CSV reader of the command line. A UTF-8 byte-order mark is dropped and
    the names stripped of spaces; a file that is not regular, not UTF-8 or not
    CSV (a field longer than :func:`csv.field_size_limit`, 131,072 characters by
    default), a repeated or empty column name, or a row whose length differs from
    the header's raises ``ValueError`` (``FileNotFoundError`` for a missing file)
    naming the file and the line.
    """
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"no such CSV file: {path}")
    if not path.is_file():
        raise ValueError(f"{path} is not a regular file (a directory, FIFO or device)")
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.reader(handle)
        try:
            rows = [row for row in reader if row]
        except csv.Error as err:
            raise ValueError(f"{path}, line {reader.line_num}: not valid CSV ({err})") from None
        except UnicodeDecodeError as err:
            raise ValueError(f"{path} is not UTF-8 text (byte {err.start}: {err.reason})") from None
    if len(rows) < 2:
        raise ValueError(f"{path}: expected a header line and at least one row of data")
    header = [name.strip() for name in rows[0]]
    _check_header(path, header)
    for number, row in enumerate(rows[1:], start=2):
        if len(row) != len(header):
            raise ValueError(
                f"{path}, line {number}: {len(row)} fields, but the header has {len(header)}"
            )
    return header, rows[1:]


def _check_header(path: Path, header: list[str]) -> None:
    seen: set[str] = set()
    for number, name in enumerate(header, start=1):
        if not name:
            raise ValueError(f"{path}: column {number} of the header has no name")
        if name in seen:
            raise ValueError(
                f"{path}: the header names the column {name!r} twice; column names must be unique"
            )
        seen.add(name)


def numeric_columns(
    path: str | Path, header: list[str], rows: list[list[str]], names: list[str]
) -> np.ndarray:
    """The columns ``names`` of ``rows`` as a float array; a clear error for a missing column
    or a value that is not a finite number, naming the line and the column."""
    missing = [name for name in names if name not in header]
    if missing:
        raise ValueError(f"{path}: no column {missing[0]!r}; the columns are {header}")
    index = [header.index(name) for name in names]
    X = np.empty((len(rows), len(names)))
    for r, row in enumerate(rows):
        for c, i in enumerate(index):
            try:
                X[r, c] = float(row[i])
            except ValueError:
                raise ValueError(
                    f"{path}, line {r + 2}, column {names[c]!r}: {row[i]!r:.80} is not a number"
                ) from None
            if not math.isfinite(X[r, c]):
                raise ValueError(
                    f"{path}, line {r + 2}, column {names[c]!r}: {row[i]!r:.80} is not a "
                    "finite number; features must be finite"
                )
    return X


def _parse_target(path: str | Path, name: str, values: list[str]) -> np.ndarray:
    try:
        numbers = [float(v) for v in values]
    except ValueError:
        return np.array([v.strip() for v in values])
    for line, (value, text) in enumerate(zip(numbers, values), start=2):
        if not math.isfinite(value):
            raise ValueError(
                f"{path}, line {line}, target column {name!r}: {text!r:.80} is not a finite number"
            )
    return np.array(numbers)


def target_type(y: np.ndarray) -> str:
    """:func:`sklearn.utils.multiclass.type_of_target`, quietly for huge values.

    scikit-learn casts a float target to int to see whether it holds integers,
    which warns for values beyond the int64 range; such a target is continuous.
    """
    from sklearn.utils.multiclass import type_of_target  # on use: slow to import

    with np.errstate(invalid="ignore", over="ignore"):
        return str(type_of_target(y))


def load_csv(path: str | Path, target: str, task: str | None = None) -> Dataset:
    """Read a CSV file with a header: ``target`` is the target, every other column a feature.

    The task is ``"regression"`` for a continuous numeric target and
    ``"classification"`` otherwise (labels, or a few integer values), as
    :func:`sklearn.utils.multiclass.type_of_target` decides; ``task`` overrides it.

    Parameters
    ----------
    path : str or pathlib.Path
        A UTF-8 CSV file whose first line names the columns.
    target : str
        The name of the target column.
    task : {"classification", "regression"} or None, default=None
        The task; inferred from the target when None.

    Returns
    -------
    Dataset
        The features (every other column, as floats), the target and the task.

    Examples
    --------
    >>> import tempfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), "d.csv")
    >>> _ = open(path, "w").write("a,b,kind\\n1,2,cat\\n3,4,dog\\n")
    >>> data = load_csv(path, "kind")
    >>> data.X.tolist(), data.y.tolist(), data.task
    ([[1.0, 2.0], [3.0, 4.0]], ['cat', 'dog'], 'classification')
    """
    header, rows = read_csv_columns(path)
    if target not in header:
        raise ValueError(f"{path}: no target column {target!r}; the columns are {header}")
    features = [name for name in header if name != target]
    if not features:
        raise ValueError(f"{path}: no feature columns besides the target {target!r}")
    X = numeric_columns(path, header, rows, features)
    y = _parse_target(path, target, [row[header.index(target)] for row in rows])
    inferred = "regression" if target_type(y) == "continuous" else "classification"
    if task not in (None, "classification", "regression"):
        raise ValueError(f"task must be 'classification' or 'regression', got {task!r}")
    if task == "regression" and y.dtype.kind not in "fiu":
        raise ValueError(f"{path}: target {target!r} is not numeric, so it cannot be regressed")
    return Dataset(X, y, features, target, task or inferred)
