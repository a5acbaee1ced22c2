r"""Check a network's backpropagation against autograd and finite differences, array by array."""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from nnet.testing import _fd
from nnet.utils.validation import check_non_negative_float, check_positive_int

REFERENCES = ("autograd", "finite_differences")

#: Default (rtol, atol) per dtype kind and reference (see check_gradients' Notes).
_TOLERANCES = {
    (8, "autograd"): (1e-7, 1e-10),
    (8, "finite_differences"): (1e-5, 1e-7),
    (4, "autograd"): (1e-3, 1e-5),
    (4, "finite_differences"): (5e-2, 1e-3),
}


@dataclass(frozen=True)
class ArrayCheck:
    """The comparison of one gradient array with one reference.

    Parameters
    ----------
    layer, array, activation, reference, max_abs, max_rel, tolerance
        The attributes below, by keyword (:func:`check_gradients` fills them).
    checked, excluded
        Likewise.

    Attributes
    ----------
    layer : int
        1-based layer number.
    array : {"W", "b"}
    activation : str
        The layer's activation.
    reference : {"autograd", "finite_differences"}
    max_abs : float
        Largest absolute difference (NaN if nothing could be compared).
    max_rel : float
        ``max_abs / scale``, with ``scale`` the largest magnitude of the reference.
    tolerance : float
        ``atol + rtol * scale``; the array passes when ``max_abs <= tolerance``.
    checked, excluded : int
        Entries (or directions) compared, and probes left out at kinks or clipped logs.
    """

    layer: int
    array: str
    activation: str
    reference: str
    max_abs: float
    max_rel: float
    tolerance: float
    checked: int
    excluded: int = 0

    @property
    def ok(self) -> bool:
        """Whether the error is within tolerance (nothing compared counts as passing)."""
        return self.checked == 0 or bool(self.max_abs <= self.tolerance)

    @property
    def name(self) -> str:
        """``"layer 2 W"``."""
        return f"layer {self.layer} {self.array}"


def _compare(
    got: np.ndarray, ref: np.ndarray, rtol: float, atol: float
) -> tuple[float, float, float]:
    if got.size == 0:
        return 0.0, 0.0, atol
    err = float(np.max(np.abs(got - ref)))
    scale = float(np.max(np.abs(ref)))
    rel = err / scale if scale > 0 else (0.0 if err == 0 else float("inf"))
    return err, rel, atol + rtol * scale


_COLUMNS = ("layer", "activation", "array", "reference", "max abs err", "rel err", "tolerance",
            "checked", "excluded", "")  # fmt: skip


@dataclass
class GradientReport:
    """The result of :func:`check_gradients`: one :class:`ArrayCheck` per array and reference.

    ``str(report)`` is a table; in a notebook the report shows as an HTML table.

    Parameters
    ----------
    checks, notes
        The attributes below, by keyword (:func:`check_gradients` fills them).
    cost_name : str, default=""
        The network's cost, named in the report's table.

    Attributes
    ----------
    checks : list of ArrayCheck
    notes : list of str
        What the check noticed (kinks skipped, saturated outputs...).
    """

    checks: list[ArrayCheck]
    notes: list[str] = field(default_factory=list)
    cost_name: str = ""

    @property
    def ok(self) -> bool:
        """Whether every array passes against every reference."""
        return all(c.ok for c in self.checks)

    @property
    def failures(self) -> list[ArrayCheck]:
        """The checks that fail."""
        return [c for c in self.checks if not c.ok]

    @property
    def worst(self) -> ArrayCheck:
        """The check with the largest error relative to its tolerance."""
        return max(self.checks, key=lambda c: (not c.ok, _ratio(c)))

    def summary(self) -> str:
        """One line: passed, or the worst array and where the error enters.

        Returns
        -------
        str
            The line.
        """
        n = len(self.checks)
        if self.ok:
            return f"gradient check passed: {n} of {n} comparisons within tolerance"
        w, failures = self.worst, self.failures
        entry = max(failures, key=lambda c: c.layer)
        line = (
            f"gradient check FAILED: {len(failures)} of {n} comparisons; worst: {w.name} "
            f"against {w.reference} (relative error {w.max_rel:.1e})"
        )
        last = max(c.layer for c in self.checks)
        culprit = (
            f"the gradient of cost {self.cost_name!r} or the derivative of output activation "
            f"{entry.activation!r}"
            if entry.layer == last
            else f"the derivative of activation {entry.activation!r}"
        )
        return (
            f"{line}. The error enters at layer {entry.layer} (backpropagation carries it to "
            f"every earlier layer): check {culprit}."
        )

    def rows(self) -> list[tuple[str, ...]]:
        """The table's rows, as strings.

        Returns
        -------
        list of tuple of str
            One row per :class:`ArrayCheck`.
        """
        return [
            (str(c.layer), c.activation, c.array, c.reference,
             _num(c.max_abs, c.checked), _num(c.max_rel, c.checked), f"{c.tolerance:.1e}",
             str(c.checked), str(c.excluded), "ok" if c.ok else "FAIL")
            for c in self.checks
        ]  # fmt: skip

    def __str__(self) -> str:
        table = [_COLUMNS, *self.rows()]
        widths = [max(len(row[i]) for row in table) for i in range(len(_COLUMNS))]
        lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip() for row in table]
        lines.insert(1, "-" * len(lines[0]))
        return "\n".join([self.summary(), "", *lines, *(f"note: {n}" for n in self.notes)])

    def _repr_html_(self) -> str:
        head = "".join(f"<th>{html.escape(c)}</th>" for c in _COLUMNS)
        body = "".join(
            "<tr>" + "".join(f"<td>{html.escape(cell)}</td>" for cell in row) + "</tr>"
            for row in self.rows()
        )
        notes = "".join(f"<li>{html.escape(n)}</li>" for n in self.notes)
        return (
            f"<p><b>{html.escape(self.summary())}</b></p><table><thead><tr>{head}</tr></thead>"
            f"<tbody>{body}</tbody></table>" + (f"<ul>{notes}</ul>" if notes else "")
        )


def _ratio(c: ArrayCheck) -> float:
    return c.max_abs / c.tolerance if c.checked and c.tolerance > 0 else 0.0


def _num(value: float, checked: int) -> str:
    return "-" if checked == 0 else f"{value:.1e}"


def _checked_data(net: Any, X: Any, Y: Any) -> tuple[np.ndarray, np.ndarray]:
    """``X``, ``Y`` in the network's dtype, validated by the network's own checks."""
    net.cost(X, Y)  # raises a clear error for bad X or Y
    X = np.asarray(X, dtype=net.dtype)
    Y = np.asarray(Y, dtype=net.dtype)
    return X, (Y.reshape(-1, 1) if Y.ndim == 1 else Y)


def _tolerances(net: Any, reference: str, rtol: float | None, atol: float | None) -> Any:
    default_rtol, default_atol = _TOLERANCES[(np.dtype(net.dtype).itemsize, reference)]
    return (default_rtol if rtol is None else rtol), (default_atol if atol is None else atol)


def _autograd_checks(net: Any, X: Any, Y: Any, grads: Any, rtol: float, atol: float) -> Any:
    for k, (pair, ref_pair) in enumerate(zip(grads, net.autograd_gradient(X, Y))):
        for name, g, r in zip("Wb", pair, ref_pair):
            err, rel, tol = _compare(np.asarray(g), np.asarray(r), rtol, atol)
            yield ArrayCheck(k + 1, name, net.activation_funcs[k].name, "autograd", err, rel, tol,
                             int(np.size(g)))  # fmt: skip


def _fd_checks(net: Any, X: Any, Y: Any, grads: Any, options: dict[str, Any]) -> Any:
    rng = np.random.default_rng(options["seed"])
    n_dir = None if options["coordinates"] else options["n_directions"]
    for k, pair in enumerate(grads):
        for which, (name, g) in enumerate(zip("Wb", pair)):
            probes = _fd.probe_array(net, X, Y, (k, which), n_dir, rng, options["step"])
            keep = ~np.isnan(probes.numeric)
            analytic = np.tensordot(probes.directions, g, axes=g.ndim)
            err, rel, tol = _compare(analytic[keep], probes.numeric[keep], *options["tols"])
            yield ArrayCheck(k + 1, name, net.activation_funcs[k].name, "finite_differences", err,
                             rel, tol, int(keep.sum()), probes.kinks + probes.clipped)  # fmt: skip


def _notes(net: Any, X: np.ndarray, fd_checks: Sequence[ArrayCheck], coordinates: bool) -> Any:
    if fd_checks:
        excluded = sum(c.excluded for c in fd_checks)
        mode = "coordinates" if coordinates else "random directions per array"
        yield f"finite differences along {mode}; {excluded} probe(s) excluded at kinks/clipped logs"
    if net.cost_fun.probabilities:
        p = net.predict(X)
        near = int(np.sum((p < 1e-7) | (p > 1 - 1e-7)))
        if near:
            yield (
                f"{near} output(s) within 1e-7 of 0 or 1: the cross-entropy's log is clipped or "
                "loses digits there (1 - p), so autograd and finite differences may be the "
                "inaccurate side; backpropagation's fused delta (a - t)/n is not affected"
            )


def check_gradients(
    net: Any,
    X: Any,
    Y: Any,
    *,
    against: Sequence[str] = REFERENCES,
    rtol: float | None = None,
    atol: float | None = None,
    max_coordinates: int = 400,
    n_directions: int = 6,
    step: float | None = None,
    seed: int = 0,
) -> GradientReport:
    r"""Compare ``net.compute_gradient(X, Y)`` with independent references, array by array.

    Parameters
    ----------
    net : NeuralNetwork
    X : array-like of shape (n_samples, network_input_size)
    Y : array-like of shape (n_samples, n_outputs)
    against : sequence of {"autograd", "finite_differences"}, default=both
        The references: :meth:`~nnet.NeuralNetwork.autograd_gradient`, and central
        finite differences of the cost (see :mod:`nnet.testing._fd`).
    rtol, atol : float or None, default=None
        An array passes when :math:`\max|g - r| \le \mathrm{atol} + \mathrm{rtol}\max|r|`
        (:math:`g` the backpropagated gradient, :math:`r` the reference). ``None``
        takes the default for the network's dtype and the reference: float64
        1e-7/1e-10 (autograd), 1e-5/1e-7 (finite differences); float32
        1e-3/1e-5 and 5e-2/1e-3.
    max_coordinates : int, default=400
        Networks with at most this many parameters are probed along every
        coordinate; bigger ones along ``n_directions`` random unit directions per array.
    n_directions : int, default=6
    step : float or None, default=None
        Relative finite-difference step; ``None`` is :math:`\epsilon^{1/3}` of the dtype.
    seed : int, default=0
        Seed of the random directions.

    Returns
    -------
    GradientReport
        ``.ok``, ``.worst``, ``.failures``, ``str()`` (a table) and a notebook display.

    Notes
    -----
    Finite differences skip (and count as *excluded*) probes that cross a kink
    (a ReLU-like pre-activation or an l1-penalized parameter changing sign) or
    reach a clipped log (an output within machine epsilon of 0 or 1 under a
    cross-entropy): there the cost has no derivative, or a flat one, and a
    difference quotient would report a false error. Relative errors compare
    with the largest magnitude in the array, so tiny entries cannot blow them up.

    Examples
    --------
    >>> from nnet import NeuralNetwork
    >>> net = NeuralNetwork(2, [3, 1], ["tanh", "identity"], seed=0)
    >>> X, Y = np.ones((4, 2)), np.zeros((4, 1))
    >>> report = check_gradients(net, X, Y)
    >>> report.ok
    True
    >>> print(report.summary())
    gradient check passed: 8 of 8 comparisons within tolerance
    """
    unknown = [a for a in against if a not in REFERENCES]
    if isinstance(against, str) or unknown or not against:
        raise ValueError(f"against must be a non-empty list from {REFERENCES}, got {against!r}")
    check_positive_int(n_directions, "n_directions")
    if max_coordinates != 0:
        check_positive_int(max_coordinates, "max_coordinates")
    for name, value in (("rtol", rtol), ("atol", atol), ("step", step)):
        if value is not None:
            check_non_negative_float(value, name)
    if step is not None and step == 0:
        raise ValueError("step must be a float > 0, got 0")
    X, Y = _checked_data(net, X, Y)
    grads = net.compute_gradient(X, Y)
    checks: list[ArrayCheck] = []
    if "autograd" in against:
        checks += _autograd_checks(net, X, Y, grads, *_tolerances(net, "autograd", rtol, atol))
    n_params = sum(W.size + b.size for W, b in net.layers)
    coordinates = n_params <= max_coordinates
    fd: list[ArrayCheck] = []
    if "finite_differences" in against:
        options = {
            "seed": seed,
            "coordinates": coordinates,
            "n_directions": n_directions,
            "step": float(np.finfo(net.dtype).eps) ** (1 / 3) if step is None else step,
            "tols": _tolerances(net, "finite_differences", rtol, atol),
        }
        fd = list(_fd_checks(net, X, Y, grads, options))
    checks = sorted(checks + fd, key=lambda c: (c.layer, c.array, c.reference))
    return GradientReport(checks, list(_notes(net, X, fd, coordinates)), net.cost_fun.name)


def assert_gradients_close(
    net: Any, X: Any, Y: Any, *, rtol: float | None = None, atol: float | None = None,
    **options: Any,
) -> GradientReport:  # fmt: skip
    """Raise :class:`AssertionError` with the :func:`check_gradients` table if any array fails.

    Parameters
    ----------
    net, X, Y, rtol, atol, **options
        As for :func:`check_gradients`.

    Returns
    -------
    GradientReport
        The passing report.

    Examples
    --------
    >>> from nnet import NeuralNetwork
    >>> net = NeuralNetwork(2, [1], ["sigmoid"], cost_fun="binary_cross_entropy", seed=0)
    >>> _ = assert_gradients_close(net, np.ones((3, 2)), np.ones((3, 1)))
    """
    report = check_gradients(net, X, Y, rtol=rtol, atol=atol, **options)
    if not report.ok:
        raise AssertionError(str(report))
    return report
