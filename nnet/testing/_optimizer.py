r"""Check an optimizer plug-in: its updates against a reference rule, and descent on a quadratic.

The test problem is a separable convex quadratic over parameters shaped like a
network's ``[(W, b), ...]``,

.. math:: f(\theta) = \tfrac12 \sum_k \sum_i c_{k,i}\,(\theta_{k,i} - m_{k,i})^2,
          \qquad \nabla f = c \odot (\theta - m),

with curvatures :math:`c` in [0.5, 2]. Two properties are checked:

* **descent**: after ``n_steps`` of ``params += optimizer.step(grads)`` the
  value is below the starting value (a sign error, a wrong scale or a NaN fails);
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
from nnet.utils.docstrings import fill_doc
from nnet.utils.types import Pairs
from nnet.utils.validation import check_positive_int

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
        cls, shapes: Sequence[tuple[int, int]], dtype: Any = np.float64, seed: int = 0
    ) -> Quadratic:
        """A quadratic over layers of ``shapes`` ``[(n_in, n_out), ...]`` (W shapes).

        Parameters
        ----------
        shapes : sequence of (int, int)
            The ``(n_in, n_out)`` shape of each layer's ``W``.
        dtype : dtype, default=numpy.float64
            The arrays' dtype.
        seed : int, default=0
            Seed of :func:`numpy.random.default_rng`.

        Returns
        -------
        Quadratic
            Start and minimum drawn from N(0, 1), curvatures from U(0.5, 2).
        """
        rng = np.random.default_rng(seed)

        def pairs(draw: Callable[[tuple[int, ...]], np.ndarray]) -> Pairs:
            return [(draw((i, o)).astype(dtype), draw((o,)).astype(dtype)) for i, o in shapes]

        return cls(
            pairs(lambda s: rng.normal(size=s)),
            pairs(lambda s: rng.normal(size=s)),
            pairs(lambda s: rng.uniform(0.5, 2.0, size=s)),
        )

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


@dataclass
class OptimizerReport:
    """The result of :func:`check_optimizer`.

    Parameters
    ----------
    name : str
        The optimizer's class name.
    values, reference_errors
        The attributes below, by keyword (:func:`check_optimizer` fills them).

    Attributes
    ----------
    values : list of float
        :math:`f` before the first step and after each step.
    reference_errors : list of float
        Per step, the largest ``max|u - r| / (atol + rtol max|r|)`` over the arrays
        (empty without a reference); at most 1 passes.
    """

    name: str
    values: list[float]
    reference_errors: list[float] = field(default_factory=list)

    @property
    def descended(self) -> bool:
        """Whether the final value is finite and below the starting value."""
        return bool(np.isfinite(self.values[-1]) and self.values[-1] < self.values[0])

    @property
    def matches_reference(self) -> bool:
        """Whether every update matched the reference rule (True without a reference)."""
        return all(e <= 1.0 for e in self.reference_errors)

    @property
    def ok(self) -> bool:
        """Descent and agreement with the reference."""
        return self.descended and self.matches_reference

    def __str__(self) -> str:
        verdict = "passed" if self.ok else "FAILED"
        lines = [
            f"optimizer check of {self.name} {verdict}",
            f"  descent on a quadratic: f {self.values[0]:.4g} -> {self.values[-1]:.4g} "
            f"after {len(self.values) - 1} steps ({'ok' if self.descended else 'FAIL'})",
        ]
        if self.reference_errors:
            bad = [t for t, e in enumerate(self.reference_errors, start=1) if e > 1.0]
            where = f"first differs at step {bad[0]}" if bad else "every step matches"
            lines.append(
                f"  reference rule: worst error/tolerance {max(self.reference_errors):.2g}, "
                f"{where} ({'ok' if not bad else 'FAIL'})"
            )
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        return "<pre>" + html.escape(str(self)) + "</pre>"


def _reference_error(
    updates: Any, expected: Sequence[np.ndarray], rtol: float, atol: float
) -> float:
    worst = 0.0
    got = [np.asarray(u) for pair in updates for u in pair]
    for u, r in zip(got, expected, strict=True):
        r = np.asarray(r)
        if u.shape != r.shape:
            return float("inf")
        tol = atol + rtol * float(np.max(np.abs(r), initial=0.0))
        worst = max(worst, float(np.max(np.abs(u - r), initial=0.0)) / tol)
    return worst


def check_optimizer(
    optimizer: Any,
    quadratic: Quadratic | None = None,
    *,
    reference: Callable[[np.ndarray, dict[str, Any], int], np.ndarray] | None = None,
    n_steps: int = 50,
    rtol: float = 1e-6,
    atol: float = 1e-12,
) -> OptimizerReport:
    """Run ``optimizer`` on a quadratic; check that it descends and follows ``reference``.

    Parameters
    ----------
    optimizer : Optimizer or object with ``step(layer_grads)``
        Reset first (its ``reset()`` is called if it has one).
    quadratic : Quadratic or None, default=None
        The problem; ``None`` is ``Quadratic.random([(3, 2), (2, 1)])``.
    reference : callable or None, default=None
        ``reference(grad, state, t) -> update`` for one array; ``state`` is a dict
        kept for that array, ``t`` the 1-based step number.
    n_steps : int, default=50
    rtol, atol : float
        Tolerance of the comparison with ``reference``, per array:
        ``max|u - r| <= atol + rtol * max|r|``.

    Returns
    -------
    OptimizerReport
        The quadratic's value and the error against ``reference`` at each step;
        ``report.ok`` is True when it descended and matched the reference.

    Examples
    --------
    >>> from nnet.optimizers import SGD
    >>> report = check_optimizer(SGD(learning_rate=0.1),
    ...                          reference=lambda g, state, t: -0.1 * g)
    >>> report.ok
    True
    """
    check_positive_int(n_steps, "n_steps")
    if quadratic is not None and not isinstance(quadratic, Quadratic):
        raise TypeError(f"quadratic must be a Quadratic or None, got {type(quadratic).__name__}")
    q = quadratic if quadratic is not None else Quadratic.random([(3, 2), (2, 1)])
    if hasattr(optimizer, "reset"):
        optimizer.reset()
    params = [(W.copy(), b.copy()) for W, b in q.start]
    states: list[dict[str, Any]] = [{} for _ in range(2 * len(params))]
    report = OptimizerReport(type(optimizer).__name__, [q.value(params)])
    for t in range(1, n_steps + 1):
        grads = q.gradient(params)
        updates = optimizer.step([(dW.copy(), db.copy()) for dW, db in grads])
        if reference is not None:
            flat = [g for pair in grads for g in pair]
            expected = [reference(g, s, t) for g, s in zip(flat, states)]
            report.reference_errors.append(_reference_error(updates, expected, rtol, atol))
        params = [(W + uW, b + ub) for (W, b), (uW, ub) in zip(params, updates)]
        report.values.append(q.value(params))
    return report
