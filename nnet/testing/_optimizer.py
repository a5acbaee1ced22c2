r"""Check an optimizer plug-in: descent on a quadratic it can solve, properties, a reference.

The test problem is a separable convex quadratic over parameters shaped like a
network's ``[(W, b), ...]``,

.. math:: f(\theta) = \tfrac12 \sum_k \sum_i c_{k,i}\,(\theta_{k,i} - m_{k,i})^2,
          \qquad \nabla f = c \odot (\theta - m).

*A quadratic an optimizer can solve* is scaled to its learning rate
:math:`\eta`: curvatures in :math:`[0.05/\eta, 0.2/\eta]` (so a plain gradient
step shrinks the distance to :math:`m` by 5 to 20 %) and a start
:math:`3\eta\,\mathcal N(0, 1)` away from the minimum (a few steps of an
adaptive rule, whose steps are about :math:`\eta` long). Every library optimizer
takes :math:`f` below a tenth of its start there in 50 steps, at any
:math:`\eta`. The checks, each reported per array (layer, ``W`` or ``b``) and step:

* **finite**: every update has the parameters' shapes and finite entries (the
  run stops at the first that does not);
* **descent**: after ``n_steps`` of ``params += optimizer.step(grads)``,
  :math:`f` is at most :data:`DESCENT` times its start (a sign error, a wrong
  scale or a rule that barely moves fails);
* **same step for W and b** (for an elementwise rule): fed the same gradient in
  every entry of every array, the rule gives every entry the same step (a
  velocity, moment or bias correction forgotten for the biases fails);
* **fresh runs agree**: two runs after ``reset()`` give the same steps (state kept
  on ``self`` instead of in the state object fails);
* **reference** (optional): every update equals the user's reference rule
  ``reference(grad, state, t) -> update``, written once per array as plainly as
  possible (``state`` is a dict kept per array, ``t`` the 1-based step).
"""

from __future__ import annotations

import html
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from nnet import parameters
from nnet.optimizers import Optimizer
from nnet.utils.docstrings import fill_doc
from nnet.utils.types import Pairs
from nnet.utils.validation import (
    check_float_dtype,
    check_non_negative_float,
    check_positive_int,
    check_real,
    is_finite_real,
    make_rng,
)

DESCENT = 0.25
"""The descent check passes when the final value is at most this fraction of the start."""

_POINT = """
Parameters
----------
params : list of (ndarray, ndarray)
    A point, shaped as ``start``.
"""


@dataclass(frozen=True)
class Quadratic:
    r"""A separable convex quadratic over ``[(W, b), ...]``-shaped parameters.

    Parameters
    ----------
    start, minimum, curvature
        The attributes below, by keyword (or use :meth:`random`).

    Attributes
    ----------
    start, minimum, curvature : list of (ndarray, ndarray)
        Starting point :math:`\theta_0`, minimizer :math:`m` and curvatures :math:`c > 0`.

    Examples
    --------
    >>> q = Quadratic.random([(2, 3)], seed=0)
    >>> q.value(q.minimum)
    0.0
    """

    start: Pairs
    minimum: Pairs
    curvature: Pairs

    @classmethod
    def random(
        cls,
        shapes: Sequence[tuple[int, int]],
        dtype: Any = np.float64,
        seed: int = 0,
        learning_rate: float = 1.0,
    ) -> Quadratic:
        r"""A quadratic over layers of ``shapes`` that an optimizer with ``learning_rate`` solves.

        Parameters
        ----------
        shapes : sequence of (int, int)
            The ``(n_in, n_out)`` shape of each layer's ``W``.
        dtype : {numpy.float64, numpy.float32}, default=numpy.float64
            The arrays' dtype.
        seed : int, default=0
            Seed of :func:`numpy.random.default_rng`.
        learning_rate : float, default=1.0
            :math:`\eta` of the optimizer to check (see the module's description).

        Returns
        -------
        Quadratic
            Minimum drawn from N(0, 1), start :math:`m + 3\eta\,\mathcal N(0, 1)`,
            curvatures from :math:`U(0.05, 0.2)/\eta`.

        Examples
        --------
        >>> q = Quadratic.random([(3, 2)], learning_rate=0.01)
        >>> [W.shape for W, b in q.start], float(q.curvature[0][1].max()) <= 20
        ([(3, 2)], True)
        """
        shapes = _check_shapes(shapes)
        dtype = check_float_dtype(dtype)
        rng = make_rng(seed, None)
        eta = check_real(learning_rate, "learning_rate", 0.0, low_open=True)

        def pairs(draw: Callable[[tuple[int, ...]], np.ndarray]) -> Pairs:
            return [(draw((i, o)).astype(dtype), draw((o,)).astype(dtype)) for i, o in shapes]

        minimum = pairs(lambda s: rng.normal(size=s))
        offset = pairs(lambda s: 3.0 * eta * rng.normal(size=s))
        start = [(W + dW, b + db) for (W, b), (dW, db) in zip(minimum, offset)]
        return cls(start, minimum, pairs(lambda s: rng.uniform(0.05, 0.2, size=s) / eta))

    @fill_doc(params=_POINT)
    def value(self, params: Any) -> float:
        """:math:`f(\\theta)`.

        {params}

        Returns
        -------
        float
            The value of the quadratic there.
        """
        return 0.5 * sum(float(np.sum(c * (p - m) ** 2)) for p, m, c in self._arrays(params))

    @fill_doc(params=_POINT)
    def gradient(self, params: Any) -> Pairs:
        """:math:`\\nabla f(\\theta)` as ``[(dW, db), ...]``.

        {params}

        Returns
        -------
        list of (ndarray, ndarray)
            The gradient there, shaped as ``params``.
        """
        grads = [c * (p - m) for p, m, c in self._arrays(params)]
        return parameters.pairs(grads)

    def _arrays(self, params: Any) -> Iterator[tuple[Any, np.ndarray, np.ndarray]]:
        """``(p, m, c)`` for each array of ``params`` (W0, b0, W1, ...) and of the quadratic."""
        for pp, mm, cc in zip(params, self.minimum, self.curvature):
            yield from zip(pp, mm, cc)


def _check_shapes(shapes: Any) -> list[tuple[int, int]]:
    """``shapes`` as a non-empty list of ``(n_in, n_out)`` positive ints, or an error naming it."""
    ok = isinstance(shapes, Sequence) and not isinstance(shapes, str) and len(shapes) > 0
    if not ok or not all(isinstance(s, Sequence) and len(s) == 2 for s in shapes):
        raise TypeError(f"shapes must be a non-empty list of (n_in, n_out) pairs, got {shapes!r}")
    name = "shapes[{}]".format
    return [
        (check_positive_int(i, name(k)), check_positive_int(o, name(k)))
        for k, (i, o) in enumerate(shapes)
    ]


@dataclass(frozen=True)
class PropertyCheck:
    """One property of an optimizer, checked by :func:`check_optimizer`.

    Parameters
    ----------
    name, status, detail
        The attributes below, by keyword.

    Attributes
    ----------
    name : str
        ``"finite"``, ``"descent"``, ``"same step for W and b"``,
        ``"fresh runs agree"`` or ``"reference rule"``.
    status : {"ok", "FAIL", "skipped"}
        ``"skipped"`` when the property does not apply (said in ``detail``).
    detail : str
        What was seen: for a failure, the array (layer, ``W`` or ``b``), the step and by how much.
    """

    name: str
    status: str
    detail: str

    @property
    def ok(self) -> bool:
        """Whether the property holds (or was skipped for a stated reason)."""
        return self.status != "FAIL"


@dataclass
class OptimizerReport:
    """The result of :func:`check_optimizer`.

    Parameters
    ----------
    name : str
        The optimizer's class name.
    values, reference_errors, checks
        The attributes below, by keyword (:func:`check_optimizer` fills them).

    Attributes
    ----------
    values : list of float
        :math:`f` before the first step and after each step.
    reference_errors : list of float
        Per step, the largest ``max|u - r| / (atol + rtol max|r|)`` over the arrays
        (empty without a reference); at most 1 passes.
    checks : list of PropertyCheck
        Every property checked, in the order of the report.
    """

    name: str
    values: list[float]
    reference_errors: list[float] = field(default_factory=list)
    checks: list[PropertyCheck] = field(default_factory=list)

    @property
    def descended(self) -> bool:
        """Whether the final value is finite and at most :data:`DESCENT` times the start."""
        return bool(np.isfinite(self.values[-1]) and self.values[-1] <= DESCENT * self.values[0])

    @property
    def matches_reference(self) -> bool:
        """Whether every update matched the reference rule (True without a reference)."""
        return all(e <= 1.0 for e in self.reference_errors)

    @property
    def failures(self) -> list[PropertyCheck]:
        """The properties that fail."""
        return [c for c in self.checks if not c.ok]

    @property
    def ok(self) -> bool:
        """Whether every property holds."""
        return not self.failures

    def __str__(self) -> str:
        verdict = "passed" if self.ok else "FAILED"
        lines = [f"optimizer check of {self.name} {verdict}"]
        lines += [f"  {c.name}: {c.detail} ({c.status})" for c in self.checks]
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        return "<pre>" + html.escape(str(self)) + "</pre>"


# ----------------------------------------------------------------------------- runs
@dataclass
class _Run:
    """One run from a reset: the gradients fed, the updates returned, why it stopped early."""

    grads: list[list[np.ndarray]] = field(default_factory=list)
    steps: list[list[np.ndarray]] = field(default_factory=list)
    params: list[Pairs] = field(default_factory=list)
    stopped: str = ""


def _array_name(i: int) -> str:
    """``"layer 2 b"`` for the ``i``-th array of the flat order W0, b0, W1, b1, ..."""
    return f"layer {i // 2 + 1} {'Wb'[i % 2]}"


def _flat(pairs: Any) -> list[np.ndarray]:
    """``[W0, b0, W1, b1, ...]`` of ``[(W0, b0), ...]``."""
    return [np.asarray(a) for pair in pairs for a in pair]


def _bad_update(updates: Any, like: list[np.ndarray]) -> str:
    """Why ``updates`` cannot be added to arrays shaped as ``like`` ("" if they can)."""
    try:
        got = _flat(updates)
    except TypeError:
        return f"step returned {type(updates).__name__}, not [(uW, ub), ...]"
    if len(got) != len(like):
        return f"step returned {len(got)} arrays for {len(like)} parameter arrays"
    for i, (u, p) in enumerate(zip(got, like)):
        if u.shape != p.shape:
            return f"{_array_name(i)}'s update has shape {u.shape}, not {p.shape}"
        if not np.all(np.isfinite(u)):
            return f"{_array_name(i)}'s update holds NaN or infinity"
    return ""


def _run(
    optimizer: Any,
    start: Pairs,
    grads_at: Callable[[Pairs], Pairs],
    n_steps: int,
    move: bool = True,
) -> _Run:
    """Reset ``optimizer``, take up to ``n_steps`` steps from ``start`` (stop at a bad one).

    With ``move=False`` the parameters stay at ``start`` (the updates are only recorded).
    """
    if hasattr(optimizer, "reset"):
        optimizer.reset()
    run, params = _Run(), [(W.copy(), b.copy()) for W, b in start]
    for t in range(1, n_steps + 1):
        grads = grads_at(params)
        fed = [(dW.copy(), db.copy()) for dW, db in grads]
        try:  # an Optimizer's weight decay reads the parameters
            is_optimizer = isinstance(optimizer, Optimizer)
            updates = optimizer.step(fed, params) if is_optimizer else optimizer.step(fed)
        except Exception as error:  # the user's bug, reported with its step
            run.stopped = f"step {t} raised {type(error).__name__}: {error}"
            return run
        problem = _bad_update(updates, _flat(params))
        if problem:
            run.stopped = f"step {t}: {problem}"
            return run
        run.grads.append(_flat(grads))
        run.steps.append(_flat(updates))
        if move:
            params = [(W + uW, b + ub) for (W, b), (uW, ub) in zip(params, updates)]
        run.params.append(params)
    return run


# ----------------------------------------------------------------------------- properties
def _descent(q: Quadratic, run: _Run, values: list[float]) -> PropertyCheck:
    """Whether ``f`` fell to at most :data:`DESCENT` of its start."""
    ok = np.isfinite(values[-1]) and values[-1] <= DESCENT * values[0]
    detail = (
        f"f {values[0]:.4g} -> {values[-1]:.4g} after {len(run.steps)} steps "
        f"(needs <= {DESCENT:g} x the start)"
    )
    return PropertyCheck("descent on a quadratic", "ok" if ok else "FAIL", detail)


def _same_step(optimizer: Any, q: Quadratic, n_steps: int, tol: tuple[float, float]) -> Any:
    """Every entry of every array, fed the same gradients from zero, takes the same steps."""
    zeros = [(np.zeros(W.shape), np.zeros(b.shape)) for W, b in q.start]
    stream = iter(np.random.default_rng(0).normal(size=n_steps))

    def same_everywhere(params: Pairs) -> Pairs:
        g = next(stream)
        return [(np.full(W.shape, g), np.full(b.shape, g)) for W, b in params]

    # Parameters stay at zero: a decoupled weight decay (on W only) adds nothing there.
    run = _run(optimizer, zeros, same_everywhere, n_steps, move=False)
    if run.stopped:
        return "FAIL", f"fed one gradient in every entry, {run.stopped}"
    for t, step in enumerate(run.steps, start=1):
        first = float(step[0].flat[0])
        bad = [i for i, u in enumerate(step) if not np.allclose(u, first, rtol=tol[0], atol=tol[1])]
        if bad:
            i = bad[0]
            other = float(step[i].flat[np.argmax(np.abs(step[i] - first))])
            return "FAIL", (
                f"fed one gradient in every entry, {', '.join(map(_array_name, bad))} first "
                f"differ{'s' if len(bad) == 1 else ''} from layer 1 W at step {t} "
                f"({_array_name(i)}: {other:.4g}, layer 1 W: {first:.4g}): is the state "
                "(velocity, moments, step count of a bias correction) kept alike for every array?"
            )
    return "ok", f"every entry took the same step in each of {len(run.steps)} steps"


def _fresh_runs(first: _Run, second: _Run) -> tuple[str, str]:
    """Two runs after ``reset()`` give bit-identical steps."""
    if second.stopped:
        return "FAIL", f"the run after reset() stopped at {second.stopped}"
    for t, (a, b) in enumerate(zip(first.steps, second.steps), start=1):
        for i, (u, v) in enumerate(zip(a, b)):
            if not np.array_equal(u, v):
                return "FAIL", (
                    f"a second run after reset() differs from the first at step {t} in "
                    f"{_array_name(i)} (by up to {float(np.max(np.abs(u - v))):.3g}): state "
                    "kept outside the state object (on self?) survives reset()"
                )
    return "ok", f"two runs after reset() took the same {len(first.steps)} steps"


def _reference(run: _Run, reference: Callable[..., Any], tol: tuple[float, float]) -> Any:
    """Per step, the worst error/tolerance over arrays; and the check, naming each array."""
    states: list[dict[str, Any]] = [{} for _ in run.grads[0]] if run.grads else []
    ratios = np.zeros((len(run.steps), len(states)))
    errors = np.zeros_like(ratios)
    for t, (grads, steps) in enumerate(zip(run.grads, run.steps), start=1):
        for i, (g, u, state) in enumerate(zip(grads, steps, states)):
            r = np.asarray(reference(g, state, t))
            err = float(np.max(np.abs(u - r), initial=0.0)) if r.shape == u.shape else np.inf
            errors[t - 1, i] = err
            ratios[t - 1, i] = err / (tol[1] + tol[0] * float(np.max(np.abs(r), initial=0.0)))
    differs = ~(ratios <= 1.0)  # NaN differs too
    bad = [i for i in range(ratios.shape[1]) if np.any(differs[:, i])]
    if not bad:
        detail = f"every array matches at each of {len(run.steps)} steps"
        return list(ratios.max(axis=1, initial=0.0)), PropertyCheck("reference rule", "ok", detail)
    parts = []
    for i in bad:
        first = int(np.argmax(differs[:, i])) + 1
        worst = int(np.argmax(np.nan_to_num(ratios[:, i], nan=np.inf)))
        parts.append(
            f"{_array_name(i)} from step {first} (worst at step {worst + 1}: max|u - r| = "
            f"{errors[worst, i]:.3g}, {ratios[worst, i]:.2g} x tolerance)"
        )
    detail = "differs in " + "; ".join(parts)
    return list(ratios.max(axis=1)), PropertyCheck("reference rule", "FAIL", detail)


def _learning_rate(optimizer: Any) -> float:
    """The optimizer's learning rate if it states one as a number, else 1.0."""
    rate: Any = getattr(optimizer, "current_learning_rate", getattr(optimizer, "learning_rate", 1))
    return float(rate) if is_finite_real(rate) and rate > 0 else 1.0


def _check_args(optimizer: Any, quadratic: Any, reference: Any, elementwise: Any) -> None:
    """:func:`check_optimizer`'s object arguments, or an error naming the first wrong one."""
    if isinstance(optimizer, type):
        raise TypeError(
            f"optimizer must be an optimizer object, got the class {optimizer.__name__}: "
            f"create one, e.g. {optimizer.__name__}()"
        )
    if not callable(getattr(optimizer, "step", None)):
        raise TypeError(
            "optimizer must be an Optimizer or an object with step(layer_grads), "
            f"got {type(optimizer).__name__}"
        )
    if quadratic is not None and not isinstance(quadratic, Quadratic):
        raise TypeError(f"quadratic must be a Quadratic or None, got {type(quadratic).__name__}")
    if reference is not None and not callable(reference):
        raise TypeError(f"reference must be a function or None, got {type(reference).__name__}")
    if not isinstance(elementwise, (bool, np.bool_)):
        raise TypeError(f"elementwise must be True or False, got {elementwise!r}")


def check_optimizer(
    optimizer: Any,
    quadratic: Quadratic | None = None,
    *,
    reference: Callable[[np.ndarray, dict[str, Any], int], np.ndarray] | None = None,
    n_steps: int = 50,
    rtol: float = 1e-6,
    atol: float = 1e-12,
    elementwise: bool = True,
) -> OptimizerReport:
    """Run ``optimizer`` on a quadratic and check the properties of the module's description.

    Parameters
    ----------
    optimizer : Optimizer or object with ``step(layer_grads)``
        Reset before each run (its ``reset()`` is called if it has one; an
        object without ``reset()`` skips the check of fresh runs).
    quadratic : Quadratic or None, default=None
        The problem; ``None`` is ``Quadratic.random([(3, 2), (2, 1)],
        learning_rate=...)`` with the optimizer's learning rate (1.0 if it
        states none), a quadratic it can solve.
    reference : callable or None, default=None
        ``reference(grad, state, t) -> update`` for one array; ``state`` is a dict
        kept for that array, ``t`` the 1-based step number.
    n_steps : int, default=50
    rtol, atol : float, default=1e-6, 1e-12
        Tolerance of the comparisons with ``reference`` and between entries,
        per array: ``max|u - r| <= atol + rtol * max|r|``.
    elementwise : bool, default=True
        Whether the rule treats each entry on its own (every library rule
        does); ``False`` (a rule that mixes entries, as a global-norm clipping)
        skips the check of the same step for ``W`` and ``b``.

    Returns
    -------
    OptimizerReport
        The quadratic's value at each step and every property's verdict;
        ``report.ok`` is True when all hold, ``str(report)`` says which array
        and step fail.

    Examples
    --------
    >>> from nnet.optimizers import SGD
    >>> report = check_optimizer(SGD(learning_rate=0.1),
    ...                          reference=lambda g, state, t: -0.1 * g)
    >>> report.ok
    True
    >>> [c.name for c in report.checks]  # doctest: +NORMALIZE_WHITESPACE
    ['finite', 'descent on a quadratic', 'same step for W and b', 'fresh runs agree',
     'reference rule']
    """
    _check_args(optimizer, quadratic, reference, elementwise)
    check_positive_int(n_steps, "n_steps")
    tol = (check_non_negative_float(rtol, "rtol"), check_non_negative_float(atol, "atol"))
    q = quadratic or Quadratic.random([(3, 2), (2, 1)], learning_rate=_learning_rate(optimizer))
    run = _run(optimizer, q.start, q.gradient, n_steps)
    values = [q.value(q.start)] + [q.value(p) for p in run.params]
    if run.stopped:
        values.append(float("nan"))
    report = OptimizerReport(type(optimizer).__name__, values)
    finite = "FAIL" if run.stopped else "ok"
    detail = run.stopped or f"all {n_steps} updates are finite and shaped as the parameters"
    report.checks += [PropertyCheck("finite", finite, detail), _descent(q, run, values)]
    if elementwise:
        report.checks.append(PropertyCheck("same step for W and b",
                                           *_same_step(optimizer, q, n_steps, tol)))  # fmt: skip
    else:
        report.checks.append(PropertyCheck("same step for W and b", "skipped", "elementwise=False"))
    if hasattr(optimizer, "reset"):
        again = _run(optimizer, q.start, q.gradient, n_steps)
        report.checks.append(PropertyCheck("fresh runs agree", *_fresh_runs(run, again)))
    else:
        report.checks.append(PropertyCheck("fresh runs agree", "skipped", "no reset() method"))
    if reference is not None:
        report.reference_errors, check = _reference(run, reference, tol)
        report.checks.append(check)
    return report
