r"""Central finite differences of a network's cost, built from its public pieces.

The cost is recomputed from ``net.layers``, ``net.activation_funcs``,
``net.cost_fun`` and the penalty (``l1``, ``l2``, ``regularize_bias``), never by
changing the network, so a check leaves the network untouched.

A probe ``d`` (a unit coordinate vector or a random unit direction inside one
parameter array) gives

.. math:: \frac{C(\theta + h d) - C(\theta - h d)}{2h} = \nabla C\cdot d + O(h^2),

with :math:`h = \epsilon^{1/3}\max(1, \max|\theta_k|)`, the step that balances
the :math:`O(h^2)` truncation against the :math:`O(\epsilon/h)` round-off
(:math:`\epsilon` of the network's dtype: :math:`h\approx 6\times10^{-6}` in
float64, :math:`5\times10^{-3}` in float32).

A probe that crosses a kink is tried again with a step 10 and 100 times
smaller (a pre-activation *near* 0 is then left on one side). A probe is
*excluded* (and counted) when the cost is not smooth between
:math:`\theta - hd` and :math:`\theta + hd`, where a central difference
averages two different slopes:

* **kinks**: a pre-activation ``z`` of a layer whose activation is not one of
  the library's smooth ones (sigmoid, tanh, identity, softmax, exp) changes sign,
  i.e. crosses the kink of ReLU/leaky ReLU (and the second-derivative jump of
  ELU) at 0; custom activations are assumed to have their kink, if any, at 0 too;
  with ``l1 > 0`` a penalized parameter changing sign crosses the kink of
  :math:`|p|`;
* **clipped logs**: with a cost that needs probabilities (the cross-entropies),
  an output lies within machine epsilon of 0 or 1, where the cost clips its
  log and is flat, while backpropagation's fused delta :math:`(a - t)/n` is not.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

KINK_SHRINKS = (1.0, 0.1, 0.01)
"""A probe that crosses a kink is tried again with these fractions of the step."""

SMOOTH_ACTIVATIONS = frozenset({"sigmoid", "tanh", "identity", "softmax", "exp"})
"""Library activations with no kink: probes through them are never excluded."""


def forward(net: Any, layers: Any, X: np.ndarray) -> tuple[list[np.ndarray], np.ndarray]:
    """The pre-activations ``z`` of every layer and the output, for parameters ``layers``."""
    zs, a = [], X
    for (W, b), act in zip(layers, net.activation_funcs):
        z = a @ W + b
        zs.append(z)
        a = np.asarray(act(z))
    return zs, a


def penalty(net: Any, layers: Any) -> float:
    r""":math:`\lambda_2\sum p^2 + \lambda_1\sum|p|` over the penalized arrays."""
    total = 0.0
    for W, b in layers:
        for p in (W, b) if net.regularize_bias else (W,):
            total += net.l2 * float(np.sum(p * p)) + net.l1 * float(np.sum(np.abs(p)))
    return total


def cost(net: Any, layers: Any, output: np.ndarray, Y: np.ndarray) -> float:
    """The network's cost (penalty included) at parameters ``layers`` whose output is ``output``."""
    return float(net.cost_fun(output, Y)) + penalty(net, layers)


@dataclass
class Probes:
    """Finite differences along the probes of one parameter array.

    Attributes
    ----------
    directions : ndarray of shape (n_probes, *array_shape)
        Unit probes (coordinates or random directions).
    numeric : ndarray of shape (n_probes,)
        The central differences, NaN where excluded.
    kinks, clipped, nonfinite : int
        Probes excluded for crossing a kink, for a clipped log, or for a cost
        (or a step) that is not a finite number.
    """

    directions: np.ndarray
    numeric: np.ndarray
    kinks: int = 0
    clipped: int = 0
    nonfinite: int = 0


def _signs_change(before: np.ndarray, *others: np.ndarray) -> bool:
    s = np.sign(before)
    return any(bool(np.any(np.sign(o) != s)) for o in others)


class _Smoothness:
    """Tells whether the cost is smooth along a probe (see the module docstring)."""

    def __init__(self, net: Any, layers: Any, X: np.ndarray) -> None:
        self.net = net
        self.kinked = [act.name not in SMOOTH_ACTIVATIONS for act in net.activation_funcs]
        self.zs, out = forward(net, layers, X)
        eps = float(np.finfo(net.dtype).eps)
        self.clip = (eps, 1.0 - eps) if net.cost_fun.probabilities else None
        self.center_clipped = self._clipped(out)

    def _clipped(self, out: np.ndarray) -> bool:
        return self.clip is not None and bool(np.any((out <= self.clip[0]) | (out >= self.clip[1])))

    def verdict(self, plus: Any, minus: Any, penalized: Any) -> str:
        """``"kink"``, ``"clipped"`` or ``""``; ``plus``/``minus`` are ``(zs, output)`` passes."""
        (zp, outp), (zm, outm) = plus, minus
        if penalized is not None and self.net.l1 and _signs_change(*penalized):
            return "kink"
        for kinked, z0, z1, z2 in zip(self.kinked, self.zs, zp, zm):
            if kinked and _signs_change(z0, z1, z2):
                return "kink"
        if self.center_clipped or self._clipped(outp) or self._clipped(outm):
            return "clipped"
        return ""


def _probe_directions(shape: tuple[int, ...], n: int | None, rng: np.random.Generator) -> Any:
    size = int(np.prod(shape))
    if n is None:  # coordinates
        return np.eye(size).reshape(size, *shape)
    d = rng.normal(size=(n, size))
    d /= np.linalg.norm(d, axis=1, keepdims=True)
    return d.reshape(n, *shape)


def probe_array(
    net: Any,
    X: np.ndarray,
    Y: np.ndarray,
    where: tuple[int, int],
    n_directions: int | None,
    rng: np.random.Generator,
    step: float,
    noise_limit: float = np.inf,
) -> Probes:
    """Central differences of the cost along probes of array ``where = (layer, 0 for W / 1 for b)``.

    ``n_directions=None`` probes every coordinate; otherwise that many random unit directions.
    A probe shrunk near a kink whose rounding error (machine epsilon of the dtype times the
    costs, over the step) exceeds ``noise_limit`` is excluded at that kink: in float32 a
    hundredth of the step leaves a slope of noise, not a reference.
    Call it under ``np.errstate(all="ignore")``: a cost that overflows is counted, not raised.
    """
    layers = [[W.copy(), b.copy()] for W, b in net.layers]
    layer, which = where
    base = layers[layer][which]
    penalized_array = which == 0 or net.regularize_bias
    h = step * max(1.0, float(np.max(np.abs(base))) if base.size else 1.0)
    smooth = _Smoothness(net, layers, X)
    eps = float(np.finfo(net.dtype).eps)
    dirs = _probe_directions(base.shape, n_directions, rng)
    result = Probes(dirs, np.full(len(dirs), np.nan))

    def probe(d: np.ndarray, hk: float) -> tuple[dict[float, Any], dict[float, Any], str]:
        """The parameters and passes at ``base +- hk d``, and the smoothness verdict."""
        moved = {}
        for sign in (1.0, -1.0):
            shifted = [list(pair) for pair in layers]
            shifted[layer][which] = (base + sign * hk * d).astype(base.dtype)
            moved[sign] = shifted
        pen = (base, moved[1.0][layer][which], moved[-1.0][layer][which])
        passes = {sign: forward(net, moved[sign], X) for sign in (1.0, -1.0)}
        verdict = smooth.verdict(passes[1.0], passes[-1.0], pen if penalized_array else None)
        return moved, passes, verdict

    for k, d in enumerate(dirs):
        for shrink in KINK_SHRINKS:  # near (not on) a kink, a smaller step stays on one side
            moved, passes, verdict = probe(d, h * shrink)
            if verdict != "kink":
                break
        if verdict == "kink":
            result.kinks += 1
            continue
        if verdict == "clipped":
            result.clipped += 1
            continue
        plus, minus = (cost(net, moved[sign], passes[sign][1], Y) for sign in (1.0, -1.0))
        # The step actually taken, after rounding base +- h d to the dtype.
        taken = float(np.vdot(moved[1.0][layer][which] - moved[-1.0][layer][which], d))
        slope = (plus - minus) / taken if taken else np.nan
        if shrink < 1.0 and eps * (abs(plus) + abs(minus)) > noise_limit * abs(taken):
            result.kinks += 1
            continue
        if np.isfinite(slope):
            result.numeric[k] = slope
        else:
            result.nonfinite += 1
    return result
