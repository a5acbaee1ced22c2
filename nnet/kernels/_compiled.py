r"""The compiled kernels: numba twins of NumPy kernels of the training step (imports numba).

Each kernel is the NumPy kernels named in its docstring, fused: it runs over a whole stack
``(K, n, m)`` of models in one call, so a training step of one hidden layer makes four calls
into compiled code besides its matrix products (which stay in BLAS). Every kernel computes
each element by one formula, whatever the length of the loop it sits in (no ``fastmath``: no
reassociation and no contraction into fused multiply-adds, which the vectorized body of a
loop and its scalar remainder could apply differently), and every sum runs over its rows in
order, one model at a time: a model of a stack and the same model alone give the same bits.

Layouts: activations and deltas are C-contiguous ``(K, n, m)`` arrays (a lone network is
``K = 1``); the parameters, gradient and optimizer state are ``(K, n_params)`` rows, and a
layer's bias is ``m`` entries of a row from an offset (see :class:`nnet.parameters.Layout`).
"""

# mypy: ignore-errors
# (numba's stubs type neither the intrinsics' calls nor the jit options given as a dict; the
# kernels are checked by tests/test_compiled_kernels.py against their NumPy twins instead)
from __future__ import annotations

import math
from typing import Any

import numpy as np
from llvmlite import ir
from numba import njit, types
from numba.extending import intrinsic

_JIT = {"cache": True, "error_model": "numpy", "nogil": True}
"""Cached on disk (the first run compiles, later ones load); ``error_model="numpy"``: a
division by zero gives inf or NaN, as in NumPy, instead of raising."""


# ----------------------------------------------------------------------------- exp
@intrinsic
def _as_float(typingctx: Any, bits: Any) -> Any:
    """The float64 whose IEEE bits are the int64 ``bits`` (a bit cast, which vectorizes)."""
    if bits != types.int64:
        return None

    def codegen(context: Any, builder: Any, signature: Any, args: Any) -> Any:
        return builder.bitcast(args[0], ir.DoubleType())

    return types.float64(types.int64), codegen


@intrinsic
def _as_bits(typingctx: Any, value: Any) -> Any:
    """The int64 holding the IEEE bits of the float64 ``value``."""
    if value != types.float64:
        return None

    def codegen(context: Any, builder: Any, signature: Any, args: Any) -> Any:
        return builder.bitcast(args[0], ir.IntType(64))

    return types.int64(types.float64), codegen


_SHIFTER = 6755399441055744.0  # 1.5 * 2**52: adding it rounds to an integer, in the low bits
_LOG2E = 1.4426950408889634
_LN2_HI = 6.93147180369123816490e-01  # ln 2 in two parts (fdlibm): n * _LN2_HI is exact
_LN2_LO = 1.90821492927058770002e-10
_P1 = 1.66666666666666019037e-01  # fdlibm's e_exp.c: its minimax polynomial on |r| <= ln2/2
_P2 = -2.77777777770155933842e-03
_P3 = 6.61375632143793436117e-05
_P4 = -1.65339022054652515390e-06
_P5 = 4.13813679705723846039e-08


@njit(inline="always", **_JIT)
def exp(x: float) -> float:
    r""":math:`e^x` in float64, within one ulp, by straight-line arithmetic that vectorizes.

    NumPy's float64 ``exp`` here is glibc's, one element at a time (5-10 ns); this is fdlibm's
    method (:math:`x = n \ln 2 + r`, a rational approximation of :math:`e^r`) with
    :math:`2^n` built from its bits as :math:`2^{\lfloor n/2\rfloor} 2^{n - \lfloor n/2\rfloor}`,
    so that over- and underflow (to inf, subnormals and 0) come from the last product, as
    NumPy's do. No branch: LLVM vectorizes a loop calling it, and the vector body and the
    scalar remainder compute each element alike. NaN gives NaN, ``-inf`` 0 and ``inf`` inf.
    """
    x = 710.0 if x > 710.0 else x  # beyond, e^x overflows (and -746 underflows) anyway
    x = -746.0 if x < -746.0 else x  # (a NaN passes both tests unchanged)
    shifted = x * _LOG2E + _SHIFTER
    n = _as_bits(shifted) - _as_bits(_SHIFTER)  # round(x / ln 2), |n| < 1100
    k = shifted - _SHIFTER  # n as a float
    hi = x - k * _LN2_HI
    lo = k * _LN2_LO
    r = hi - lo
    t = r * r
    c = r - t * (_P1 + t * (_P2 + t * (_P3 + t * (_P4 + t * _P5))))
    y = 1.0 - ((lo - (r * c) / (2.0 - c)) - hi)
    half = n >> 1
    return y * _as_float((half + 1023) << 52) * _as_float((n - half + 1023) << 52)


# ----------------------------------------------------------------------------- activations
# Forward: ``z`` (K, n, m), the products a @ W, becomes f(z + b) in place, b the m entries
# of ``params[k]`` from ``offset``. Backward: ``grad`` (K, n, m) becomes grad * f'(z) from
# the output ``a``, and the bias gradient (its sum over rows) is written to ``g[k, offset:]``.
# Arrays of K n m entries are C-contiguous; the elementwise work runs in one flat loop over
# all of them, which LLVM vectorizes (a row of a few units is too short to: W4's sweep took
# 1.35 times as long with loops over rows).


@njit(**_JIT)
def add_bias(z: np.ndarray, params: np.ndarray, offset: int) -> None:
    """``z += b``, each model's bias ``params[k, offset:offset + m]`` added to each row."""
    K, n, m = z.shape
    for k in range(K):
        b = params[k, offset : offset + m]
        for i in range(n):
            row = z[k, i]
            for j in range(m):
                row[j] = row[j] + b[j]


@njit(**_JIT)
def bias_sums(grad: np.ndarray, g: np.ndarray, offset: int) -> None:
    """The bias gradient: ``g[k, offset:offset + m]`` = the sum of ``grad[k]``'s rows, in order."""
    K, n, m = grad.shape
    for k in range(K):
        db = g[k, offset : offset + m]
        db[:] = 0.0
        for i in range(n):
            row = grad[k, i]
            for j in range(m):
                db[j] += row[j]


@njit(**_JIT)
def sigmoid_forward(z: np.ndarray, params: np.ndarray, offset: int) -> None:
    r"""``z += b`` and :func:`nnet.activations._sigmoid_forward`: :math:`1/(1 + e^{-z})`."""
    add_bias(z, params, offset)
    flat = z.reshape(z.size)
    for idx in range(flat.size):
        flat[idx] = 1.0 / (1.0 + exp(-flat[idx]))


@njit(**_JIT)
def relu_forward(z: np.ndarray, params: np.ndarray, offset: int) -> None:
    """``z += b`` and :func:`nnet.activations._relu_forward`: ``max(z, 0)`` (NaN kept)."""
    add_bias(z, params, offset)
    flat = z.reshape(z.size)
    for idx in range(flat.size):
        v = flat[idx]
        flat[idx] = 0.0 if v <= 0.0 else v


@njit(**_JIT)
def tanh_forward(z: np.ndarray, params: np.ndarray, offset: int) -> None:
    """``z += b`` and :func:`nnet.activations._tanh_forward` (libm's ``tanh``, as NumPy's)."""
    add_bias(z, params, offset)
    flat = z.reshape(z.size)
    for idx in range(flat.size):
        flat[idx] = math.tanh(flat[idx])


@njit(**_JIT)
def identity_forward(z: np.ndarray, params: np.ndarray, offset: int) -> None:
    """``z += b``: the identity activation."""
    add_bias(z, params, offset)


@njit(**_JIT)
def sigmoid_backward(a: np.ndarray, grad: np.ndarray, g: np.ndarray, offset: int) -> None:
    """:func:`nnet.activations._sigmoid_backward` (``grad *= a (1 - a)``) and the bias gradient."""
    out, flat = a.reshape(a.size), grad.reshape(grad.size)
    for idx in range(flat.size):
        flat[idx] = flat[idx] * out[idx] * (1.0 - out[idx])
    bias_sums(grad, g, offset)


@njit(**_JIT)
def relu_backward(a: np.ndarray, grad: np.ndarray, g: np.ndarray, offset: int) -> None:
    """:func:`nnet.activations._relu_backward` (``grad *= a > 0``) and the bias gradient."""
    out, flat = a.reshape(a.size), grad.reshape(grad.size)
    for idx in range(flat.size):
        flat[idx] = flat[idx] * (1.0 if out[idx] > 0.0 else 0.0)
    bias_sums(grad, g, offset)


@njit(**_JIT)
def tanh_backward(a: np.ndarray, grad: np.ndarray, g: np.ndarray, offset: int) -> None:
    """:func:`nnet.activations._tanh_backward` (``grad *= 1 - a**2``) and the bias gradient."""
    out, flat = a.reshape(a.size), grad.reshape(grad.size)
    for idx in range(flat.size):
        flat[idx] = flat[idx] * (1.0 - out[idx] * out[idx])
    bias_sums(grad, g, offset)


@njit(**_JIT)
def identity_backward(a: np.ndarray, grad: np.ndarray, g: np.ndarray, offset: int) -> None:
    """The identity's backward (``grad`` unchanged) and the bias gradient."""
    bias_sums(grad, g, offset)


# ----------------------------------------------------------------------------- softmax + loss
@njit(**_JIT)
def softmax_cross_entropy(
    z: np.ndarray,
    params: np.ndarray,
    offset: int,
    target: np.ndarray,
    rows_sum_to_one: bool,
    g: np.ndarray,
    losses: np.ndarray,
) -> None:
    r"""The output layer of softmax + cross-entropy in one call, over the logits ``z``.

    ``z += b``; then per row, as ``CROSS_ENTROPY.activate_with_loss`` and ``output_delta``
    (:mod:`nnet.costs`): :math:`z' = z - \max_j z_j`, :math:`s = \sum_j e^{z'_j}`, the loss
    :math:`\frac1N\sum_i \big((\sum_k t_{ik})\log s_i - \sum_k t_{ik} z'_{ik}\big)` into
    ``losses[k]``, the delta :math:`(a \sum_k t_k - t)/N` (:math:`(a - t)/N` when every
    target row sums to 1) into ``z``, and its sum over rows, the bias gradient, into
    ``g[k, offset:]``. ``target`` (n, m) is shared by every model.

    The exponentials run in one flat loop over all K n m logits, which LLVM vectorizes.
    """
    K, n, m = z.shape
    for k in range(K):  # z + b - max(z + b), and sum t (z + b - max(z + b))
        b = params[k, offset : offset + m]
        picked = 0.0
        for i in range(n):
            row, t = z[k, i], target[i]
            top = row[0] + b[0]
            for j in range(m):
                v = row[j] + b[j]
                row[j] = v
                top = v if v > top else top  # a NaN makes the whole row NaN below
            for j in range(m):
                v = row[j] - top
                row[j] = v
                picked += t[j] * v
        losses[k] = picked
    flat = z.reshape(z.size)
    for idx in range(flat.size):
        flat[idx] = exp(flat[idx])
    for k in range(K):  # the loss, the delta and the bias gradient
        db = g[k, offset : offset + m]
        db[:] = 0.0
        log_sums = 0.0  # sum of (sum_k t_k) log s
        for i in range(n):
            row, t = z[k, i], target[i]
            s = 0.0
            for j in range(m):
                s += row[j]
            scale = 1.0
            if not rows_sum_to_one:
                scale = 0.0
                for j in range(m):
                    scale += t[j]
            log_sums += scale * math.log(s)
            for j in range(m):
                v = (row[j] / s * scale - t[j]) / n
                row[j] = v
                db[j] += v
        losses[k] = (log_sums - losses[k]) / n


# ----------------------------------------------------------------------------- optimizers
# One call over (K, n_params) rows: each model's penalty value (c2 p^2 / 2 + c1 |p|) into
# penalties[k]; then one pass where the penalty's gradient (c2 p + c1 sign(p)) joins the
# gradient and the optimizer's update is added to the parameters of the models where
# ``active[k]`` (the engine's frozen ones keep still). StepPenalty's coefficients are
# c2[k, j] = l2x2[k] mask[j] and c1[k, j] = l1[k] mask[j], the same numbers (the mask is 0
# or 1) without reading two more (K, n_params) arrays;
# ``use2``/``use1`` say whether each is in use.


@njit(inline="always", **_JIT)
def _sign(p: float) -> float:
    """NumPy's ``sign``: -1, 0 or 1, and NaN for NaN."""
    return 1.0 if p > 0.0 else (-1.0 if p < 0.0 else 0.0 * p)


@njit(**_JIT)
def penalty_values(
    params: np.ndarray, l2x2: np.ndarray, l1: np.ndarray, segments: np.ndarray,
    use2: bool, use1: bool, out: np.ndarray,
) -> None:  # fmt: skip
    """Each model's penalty value into ``out``: over the penalized ``segments`` (rows of
    ``(start, stop)``, the runs of the mask's ones) of its parameters ``w``,
    ``l2x2 / 2 <w, w> + l1 sum |w|``. The dot product is BLAS's: W5's 25 x 2,410 parameters
    take 8 us instead of 50 us with a compiled running sum (15 % of the sweep); the same for
    any K, one model a call.
    """
    K = params.shape[0]
    for k in range(K):
        total = 0.0
        for s in range(segments.shape[0]):
            w = params[k, segments[s, 0] : segments[s, 1]]
            if use2:
                total += 0.5 * l2x2[k] * np.dot(w, w)
            if use1:
                absolute = 0.0
                for j in range(w.size):
                    absolute += abs(w[j])
                total += l1[k] * absolute
        out[k] = total


@njit(inline="always", **_JIT)
def _penalized(p: float, grad: float, c2: float, c1: float, use2: bool, use1: bool) -> float:
    """The gradient with the penalty's, added as StepPenalty adds them (c2's first)."""
    if use2:
        grad = grad + p * c2
    if use1:
        grad = grad + _sign(p) * c1
    return grad


@njit(**_JIT)
def momentum_step(
    params: np.ndarray, grad: np.ndarray, velocity: np.ndarray, rate: np.ndarray,
    momentum: np.ndarray, nesterov: bool, l2x2: np.ndarray, l1: np.ndarray, mask: np.ndarray,
    segments: np.ndarray, use2: bool, use1: bool, penalties: np.ndarray, active: np.ndarray,
) -> None:  # fmt: skip
    r""":class:`nnet.optimizers.Momentum`: :math:`v \leftarrow \mu v - \eta g`, :math:`p
    \mathrel{+}= v` (Nesterov: :math:`p \mathrel{+}= \mu v - \eta g`), penalty included;
    ``rate``, ``momentum``, ``l2x2`` and ``l1`` hold one value per model."""
    K, P = params.shape
    penalty_values(params, l2x2, l1, segments, use2, use1, penalties)
    for k in range(K):
        eta, mu, live = rate[k], momentum[k], active[k]
        p, g, v, c2, c1 = params[k], grad[k], velocity[k], l2x2[k], l1[k]
        for j in range(P):
            step = eta * _penalized(p[j], g[j], c2 * mask[j], c1 * mask[j], use2, use1)
            vj = v[j] * mu - step
            v[j] = vj
            update = mu * vj - step if nesterov else vj
            p[j] = p[j] + (update if live else 0.0)


@njit(**_JIT)
def sgd_step(
    params: np.ndarray, grad: np.ndarray, rate: np.ndarray, l2x2: np.ndarray, l1: np.ndarray,
    mask: np.ndarray, segments: np.ndarray, use2: bool, use1: bool, penalties: np.ndarray,
    active: np.ndarray,
) -> None:  # fmt: skip
    r""":class:`nnet.optimizers.SGD`: :math:`p \mathrel{+}= -\eta g`, penalty included."""
    K, P = params.shape
    penalty_values(params, l2x2, l1, segments, use2, use1, penalties)
    for k in range(K):
        eta, live, c2, c1 = -rate[k], active[k], l2x2[k], l1[k]
        p, g = params[k], grad[k]
        for j in range(P):
            update = eta * _penalized(p[j], g[j], c2 * mask[j], c1 * mask[j], use2, use1)
            p[j] = p[j] + (update if live else 0.0)
