r"""Check a network's backpropagation against autograd and finite differences, array by array."""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from nnet.network import NeuralNetwork
from nnet.testing import _fd
from nnet.utils.validation import (
    check_int,
    check_non_negative_float,
    check_positive_int,
    check_real,
    make_rng,
)

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
    r"""The comparison of one gradient array with one reference.

    Parameters
    ----------
    layer, array, activation, reference, max_abs, max_rel, tolerance
        The attributes below, by keyword (:func:`check_gradients` fills them).
    checked, excluded, element, got, expected, ratio
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
        Entries (or directions) compared, and probes left out (at kinks, clipped
        logs, or where the cost was not finite). Nothing compared is *inconclusive*.
    element : str
        Where the error is largest: ``"W[2, 0]"``, or ``"direction 3"`` of random probes.
    got, expected : float
        Backpropagation's value there, and the reference's.
    ratio : float
        The factor that best maps the reference onto the gradient (least
        squares, :math:`\langle g, r\rangle / \langle r, r\rangle`); NaN
        when the gradient is not such a multiple (within 1 %).
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
    element: str = ""
    got: float = float("nan")
    expected: float = float("nan")
    ratio: float = float("nan")

    @property
    def status(self) -> str:
        """``"ok"``, ``"FAIL"``, or ``"inconclusive"`` when nothing could be compared."""
        if self.checked == 0:
            return "inconclusive"
        return "ok" if self.max_abs <= self.tolerance else "FAIL"

    @property
    def ok(self) -> bool:
        """Whether entries were compared and the error is within tolerance."""
        return self.status == "ok"

    @property
    def name(self) -> str:
        """``"layer 2 W"``."""
        return f"layer {self.layer} {self.array}"


def _compare(got: np.ndarray, ref: np.ndarray, rtol: float, atol: float) -> dict[str, Any]:
    """The numbers of an :class:`ArrayCheck` of ``got`` against ``ref`` (1-D), worst at ``at``."""
    if got.size == 0:
        return {"max_abs": np.nan, "max_rel": np.nan, "tolerance": atol, "checked": 0, "at": 0}
    with np.errstate(invalid="ignore", over="ignore"):
        diff = np.abs(got - ref)
        at = int(np.argmax(diff))  # the first NaN, if any
        err, scale = float(diff[at]), float(np.max(np.abs(ref)))
        rel = err / scale if scale > 0 else (0.0 if err == 0 else float("inf"))
        norm = float(np.vdot(ref, ref))
        ratio = float(np.vdot(got, ref)) / norm if norm > 0 else np.nan
        if not np.linalg.norm(got - ratio * ref) <= 0.01 * np.linalg.norm(got):
            ratio = np.nan  # not a multiple of the reference
    return {"max_abs": err, "max_rel": rel, "tolerance": atol + rtol * scale,
            "checked": got.size, "at": at, "got": float(got[at]), "expected": float(ref[at]),
            "ratio": ratio}  # fmt: skip


def _element(array: str, shape: tuple[int, ...], at: int) -> str:
    """``"W[2, 0]"``: the entry of flat index ``at`` in an array of ``shape``."""
    return f"{array}[{', '.join(str(int(i)) for i in np.unravel_index(at, shape))}]"


_COLUMNS = ("layer", "activation", "array", "reference", "max abs err", "rel err", "tolerance",
            "checked", "excluded", "worst at", "ours", "reference's", "")  # fmt: skip


@dataclass
class GradientReport:
    """The result of :func:`check_gradients`: one :class:`ArrayCheck` per array and reference.

    ``str(report)`` is a table; in a notebook the report shows as an HTML table.

    Parameters
    ----------
    checks, notes
        The attributes below, by keyword (:func:`check_gradients` fills them).
    cost_name : str, default=""
        The network's cost, named in the report's summary.
    hint : str, default=""
        When every failing array is off by one factor: the factor and its likely cause.

    Attributes
    ----------
    checks : list of ArrayCheck
    notes : list of str
        What the check noticed (kinks skipped, saturated outputs...).
    """

    checks: list[ArrayCheck]
    notes: list[str] = field(default_factory=list)
    cost_name: str = ""
    hint: str = ""

    @property
    def ok(self) -> bool:
        """Whether every array was compared and passes against every reference."""
        return bool(self.checks) and all(c.ok for c in self.checks)

    @property
    def failures(self) -> list[ArrayCheck]:
        """The checks that fail (not those that are inconclusive)."""
        return [c for c in self.checks if c.status == "FAIL"]

    @property
    def inconclusive(self) -> list[ArrayCheck]:
        """The checks that compared nothing: every probe was excluded."""
        return [c for c in self.checks if c.status == "inconclusive"]

    @property
    def worst(self) -> ArrayCheck:
        """The check with the largest error relative to its tolerance."""
        return max(self.checks, key=lambda c: (c.status == "FAIL", _ratio(c)))

    def summary(self) -> str:
        """One line: passed, or the worst array and element, where the error enters, the hint.

        Returns
        -------
        str
            The line.
        """
        n, failures, unsure = len(self.checks), self.failures, self.inconclusive
        entries = sum(c.checked for c in self.checks)
        compared = f"{n - len(unsure)} of {n} comparisons ({entries} entries) compared"
        nothing = (
            f"{len(unsure)} of {n} comparisons compared nothing (every probe excluded: "
            "see the notes), so they prove nothing"
            if unsure
            else ""
        )
        if not failures:
            if not unsure:
                return f"gradient check passed: {compared}, all within tolerance"
            rest = f"; the other {n - len(unsure)} ({entries} entries) are within tolerance"
            return f"gradient check INCONCLUSIVE: {nothing}{rest if len(unsure) < n else ''}"
        w = self.worst
        line = (
            f"gradient check FAILED: {len(failures)} of {n} comparisons; worst: {w.name} "
            f"against {w.reference} (relative error {w.max_rel:.1e}), at {w.element}: "
            f"ours {w.got:.4g}, {w.reference} {w.expected:.4g}"
        )
        entry = max(failures, key=lambda c: c.layer)
        last = max(c.layer for c in self.checks)
        culprit = (
            f"the gradient of cost {self.cost_name!r} or the derivative of output activation "
            f"{entry.activation!r}"
            if entry.layer == last
            else f"the derivative of activation {entry.activation!r}"
        )
        return " ".join([
            f"{line}. The error enters at layer {entry.layer} (backpropagation carries it to "
            f"every earlier layer): check {culprit}.",
            *([self.hint] if self.hint else []),
            *([f"Also, {nothing}."] if unsure else []),
        ])  # fmt: skip

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
             str(c.checked), str(c.excluded), c.element if c.checked else "-",
             _num(c.got, c.checked), _num(c.expected, c.checked), c.status)
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
    """Error over tolerance (NaN errors are the worst)."""
    if not c.checked or c.tolerance <= 0:
        return 0.0
    return float(np.nan_to_num(c.max_abs / c.tolerance, nan=np.inf))


def _num(value: float, checked: int) -> str:
    """A number of the table ("-" where nothing was compared)."""
    return "-" if checked == 0 else f"{value:.1e}"


def _part_name(part: Any) -> str:
    """A library part's name (``"tanh"``); a user's function with its module (``"__main__.f"``)."""
    if part.builtin:
        return str(part.name)
    module, qualname = (getattr(part.fn, a, None) for a in ("__module__", "__qualname__"))
    return f"{module}.{qualname}" if module and qualname else str(part.name)


def _hint(failures: Sequence[ArrayCheck], n_samples: int, n_outputs: int) -> str:
    """When every failing array is the reference times one factor: the factor and likely cause."""
    ratios = [c.ratio for c in failures]
    if not ratios or not np.all(np.isfinite(ratios)):
        return ""
    factor = float(np.median(ratios))
    if not np.allclose(ratios, factor, rtol=0.01) or abs(factor - 1.0) < 0.01:
        return ""
    n, k = n_samples, n_outputs
    square = "a factor of 2 (a square differentiates to 2x; a cost with 1/2 to p - t)"
    causes = [
        (-1.0, "", "a sign: the gradient points uphill"),
        (2.0, "", square),
        (0.5, "", square),
        (n * k, f" = n_samples x n_outputs = {n * k}",
         "a missing mean over the samples and outputs (divide by pred.size)"),
        (n, f" = n_samples = {n}", "a missing mean over the samples (divide by len(pred))"),
        (k, f" = n_outputs = {k}", "a missing mean over the outputs"),
        (1 / n, f" = 1/n_samples = 1/{n}", "the mean over the samples taken twice"),
    ]  # fmt: skip
    known = [(eq, cause) for value, eq, cause in causes if abs(factor - value) <= 0.02 * abs(value)]
    equals, cause = known[0] if known else ("", "")
    return (
        f"Every failing array is off by the same factor, {factor:.4g} (ours / reference)"
        f"{equals}" + (f": likely {cause}." if cause else ".")
    )


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
    """One :class:`ArrayCheck` per array against :meth:`~nnet.NeuralNetwork.autograd_gradient`."""
    for k, (pair, ref_pair) in enumerate(zip(grads, net.autograd_gradient(X, Y))):
        for name, g, r in zip("Wb", pair, ref_pair):
            g = np.asarray(g)
            numbers = _compare(g.ravel(), np.asarray(r).ravel(), rtol, atol)
            element = _element(name, g.shape, numbers.pop("at"))
            yield ArrayCheck(k + 1, name, _part_name(net.activation_funcs[k]), "autograd",
                             element=element, **numbers)  # fmt: skip


def _fd_checks(net: Any, X: Any, Y: Any, grads: Any, options: dict[str, Any]) -> Any:
    """One :class:`ArrayCheck` per array against central finite differences."""
    rng = np.random.default_rng(options["seed"])
    n_dir = None if options["coordinates"] else options["n_directions"]
    for k, pair in enumerate(grads):
        for which, (name, g) in enumerate(zip("Wb", pair)):
            with np.errstate(all="ignore"):  # a cost that overflows is counted as non-finite
                probes = _fd.probe_array(net, X, Y, (k, which), n_dir, rng, options["step"],
                                         noise_limit=options["tols"][1])  # fmt: skip
            keep = ~np.isnan(probes.numeric)
            analytic = np.tensordot(probes.directions, g, axes=g.ndim)
            numbers = _compare(analytic[keep], probes.numeric[keep], *options["tols"])
            at = numbers.pop("at")
            probe = int(np.flatnonzero(keep)[at]) if keep.any() else 0
            element = _element(name, g.shape, probe) if n_dir is None else f"direction {probe}"
            yield ArrayCheck(k + 1, name, _part_name(net.activation_funcs[k]),
                             "finite_differences", excluded=len(keep) - int(keep.sum()),
                             element=element, **numbers)  # fmt: skip


def _notes(net: Any, X: np.ndarray, fd_checks: Sequence[ArrayCheck], coordinates: bool) -> Any:
    """What the check noticed: the probes, their exclusions, saturated outputs."""
    if fd_checks:
        excluded = sum(c.excluded for c in fd_checks)
        mode = "coordinates" if coordinates else "random directions per array"
        yield (
            f"finite differences along {mode}; {excluded} probe(s) excluded at kinks, clipped "
            "logs or a cost that is not finite"
        )
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
    max_coordinates : int >= 0, default=400
        Networks with at most this many parameters are probed along every
        coordinate; bigger ones along ``n_directions`` random unit directions per array.
    n_directions : int, default=6
    step : float in (0, 1] or None, default=None
        Relative finite-difference step; ``None`` is :math:`\epsilon^{1/3}` of the dtype.
    seed : int, default=0
        Seed of the random directions (an int >= 0).

    Returns
    -------
    GradientReport
        ``.ok``, ``.worst``, ``.failures``, ``.inconclusive``, ``.hint``, ``str()``
        (a table) and a notebook display.

    Notes
    -----
    Finite differences skip (and count as *excluded*) probes that cross a kink
    (a ReLU-like pre-activation or an l1-penalized parameter changing sign) or
    reach a clipped log (an output within machine epsilon of 0 or 1 under a
    cross-entropy): there the cost has no derivative, or a flat one, and a
    difference quotient would report a false error; so are probes where the
    cost is not finite. A comparison left with no entry is *inconclusive*:
    it proves nothing, and the report is not ``.ok``. Relative errors compare
    with the largest magnitude in the array, so tiny entries cannot blow them up.

    A failing report names the worst array and its worst element (backpropagation's
    value and the reference's), the layer where the error enters, and, when every
    failing array is off by one factor, that factor and its likely cause (a
    missing mean over the samples, a factor of 2, a sign). A user's function is
    named with its module (``__main__.cross_entropy``), a library one by its name.

    Examples
    --------
    >>> from nnet import NeuralNetwork
    >>> net = NeuralNetwork(2, [3, 1], ["tanh", "identity"], seed=0)
    >>> X, Y = np.ones((4, 2)), np.zeros((4, 1))
    >>> report = check_gradients(net, X, Y)
    >>> report.ok
    True
    >>> print(report.summary())
    gradient check passed: 8 of 8 comparisons (26 entries) compared, all within tolerance
    """
    check_net(net)
    if isinstance(against, str) or not isinstance(against, Sequence):
        raise TypeError(f"against must be a non-empty list from {REFERENCES}, got {against!r}")
    if not against or any(a not in REFERENCES for a in against):
        raise ValueError(f"against must be a non-empty list from {REFERENCES}, got {against!r}")
    check_positive_int(n_directions, "n_directions")
    check_int(max_coordinates, "max_coordinates", 0)
    for name, value in (("rtol", rtol), ("atol", atol)):
        if value is not None:
            check_non_negative_float(value, name)
    if step is not None:
        check_real(step, "step", 0.0, 1.0, low_open=True)
    make_rng(seed, None)  # seed: an int >= 0
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
    failures = [c for c in checks if c.status == "FAIL"]
    return GradientReport(checks, list(_notes(net, X, fd, coordinates)), _part_name(net.cost_fun),
                          _hint(failures, *Y.shape))  # fmt: skip


def check_net(net: Any) -> None:
    """Raise TypeError unless ``net`` is a :class:`~nnet.NeuralNetwork`."""
    if not isinstance(net, NeuralNetwork):
        raise TypeError(f"net must be a NeuralNetwork, got {type(net).__name__}")


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
