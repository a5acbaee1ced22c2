r"""The library's costs, one section each: the maths in one place.

Each section holds, side by side (as Nielsen's cost classes keep ``fn`` beside ``delta``):

* the public cost ``c(pred, target)``, written with :mod:`autograd.numpy` (the
  reference), and its gradient ``c_der(pred, target)``
  :math:`= \partial C/\partial\,\mathrm{pred}`;
* the training hot path's plain-NumPy twin ``_c_loss(pred, target)``: the cost as a
  float, or one per model for a stack of outputs ``(K, n, m)`` (see :mod:`nnet._flat`);
* for a cost with a canonical output activation (softmax + cross-entropy, sigmoid +
  binary cross-entropy): the cost from that activation's logits, in autograd and in
  NumPy, a test of whether the twin clips, and the :class:`~nnet.costs.Cost` subclass
  whose :meth:`~nnet.costs.Cost.output_delta` is the fused
  :math:`\partial C/\partial z = (a - t)/N`, cheaper and more accurate than multiplying
  the two factors of the chain rule;
* the :class:`~nnet.costs.Cost` record tying them together.

``tests/test_kernels.py`` checks each twin against its reference, and
``tests/test_gradients.py`` each gradient and fused delta against autograd.
"""

from __future__ import annotations

import functools
from typing import Any

import autograd.numpy as anp
import numpy as np

from nnet._docstrings import fill_doc
from nnet._kernels import model_dot, model_sum, row_maxima, row_sums
from nnet.costs._cost import COST_SECTIONS, GRADIENT_SECTIONS, LOGITS_SECTIONS, Cost


def _tiny(x: Any) -> float:
    """Smallest positive normal number of ``x``'s float type: the floor under ``log``."""
    return float(np.finfo(np.result_type(getattr(x, "dtype", float), np.float32)).tiny)


def _eps(x: Any) -> float:
    return float(np.finfo(np.result_type(getattr(x, "dtype", float), np.float32)).eps)


@functools.cache
def _limits(dtype: np.dtype) -> tuple[float, float]:
    """(eps, tiny) of a float dtype; np.finfo costs a microsecond per call, this a lookup."""
    info = np.finfo(dtype)
    return float(info.eps), float(info.tiny)


def _per_model_size(pred: Any) -> int:
    """N K: the number of elements of one model's (N, K) output (pred may be a stack)."""
    shape = np.shape(pred)
    return int(shape[-2] * shape[-1])


# --- mse ----------------------------------------------------------------------------------------


@fill_doc(sections=COST_SECTIONS)
def mse(pred: Any, target: Any) -> Any:
    r"""Mean squared error over all elements, as ``np.mean((pred - target) ** 2)``.

    .. math:: C = \frac{1}{N K}\sum_{i,k} (p_{ik} - t_{ik})^2

    {sections}

    Examples
    --------
    >>> float(mse(np.array([[1.0], [3.0]]), np.array([[0.0], [1.0]])))
    2.5
    """
    return anp.mean((pred - target) ** 2)


@fill_doc(sections=GRADIENT_SECTIONS)
def mse_der(pred: Any, target: Any) -> Any:
    r"""Gradient of :func:`mse`: :math:`2(p - t)/(NK)`.

    {sections}

    Examples
    --------
    >>> mse_der(np.array([[1.0], [3.0]]), np.array([[0.0], [1.0]]))
    array([[1.],
           [2.]])
    """
    return 2.0 * (pred - target) / _per_model_size(pred)


def _mse_loss(pred: np.ndarray, target: np.ndarray) -> Any:
    diff = pred - target
    return model_dot(diff, diff) / (diff.shape[-2] * diff.shape[-1])


MSE = Cost("mse", mse, mse_der, builtin=True, fast_fn=_mse_loss)


# --- binary_cross_entropy (fused with sigmoid) --------------------------------------------------


@fill_doc(sections=COST_SECTIONS)
def binary_cross_entropy(pred: Any, target: Any) -> Any:
    r"""Binary cross-entropy (log-loss), mean over all elements.

    .. math:: C = -\frac{1}{N K}\sum_{i,k} t_{ik}\log p_{ik} + (1 - t_{ik})\log(1 - p_{ik})

    ``pred`` is clipped to :math:`[\epsilon, 1-\epsilon]` (machine epsilon of
    its dtype, as scikit-learn does), so ``log(0)`` never happens.

    {sections}

    Examples
    --------
    >>> round(float(binary_cross_entropy(np.array([[0.5]]), np.array([[1.0]]))), 6)
    0.693147
    """
    eps = _eps(pred)
    p = anp.clip(pred, eps, 1.0 - eps)
    return -anp.mean(target * anp.log(p) + (1.0 - target) * anp.log(1.0 - p))


@fill_doc(sections=GRADIENT_SECTIONS)
def binary_cross_entropy_der(pred: Any, target: Any) -> Any:
    r"""Gradient of :func:`binary_cross_entropy`: :math:`\frac{p - t}{p(1 - p)NK}`.

    {sections}

    Examples
    --------
    >>> binary_cross_entropy_der(np.array([[0.5]]), np.array([[1.0]]))
    array([[-2.]])
    """
    eps = _eps(pred)
    p = np.clip(pred, eps, 1.0 - eps)
    return (p - target) / (p * (1.0 - p)) / _per_model_size(pred)


def _binary_cross_entropy_loss(pred: np.ndarray, target: np.ndarray) -> Any:
    eps = _limits(pred.dtype)[0]
    p = np.clip(pred, eps, 1.0 - eps)
    log_p, log_q = np.log(p), np.log1p(-p)
    log_p -= log_q
    log_p *= target
    log_p += log_q
    return -model_sum(log_p) / (pred.shape[-2] * pred.shape[-1])


def _binary_cross_entropy_clips(pred: np.ndarray) -> bool:
    """Whether :func:`_binary_cross_entropy_loss` clips ``pred`` to [eps, 1 - eps]."""
    eps = _limits(pred.dtype)[0]
    return bool(
        np.minimum.reduce(pred, axis=None) < eps or np.maximum.reduce(pred, axis=None) > 1 - eps
    )


@fill_doc(sections=LOGITS_SECTIONS)
def sigmoid_binary_cross_entropy_from_logits(z: Any, target: Any) -> Any:
    r""":func:`binary_cross_entropy` of ``sigmoid(z)``, from the logits ``z`` without clipping.

    .. math:: C = \frac{1}{N K}\sum_{i,k} \log(1 + e^{z_{ik}}) - t_{ik} z_{ik}

    {sections}

    Examples
    --------
    >>> float(sigmoid_binary_cross_entropy_from_logits(np.array([[40.0]]), np.array([[0.0]])))
    40.0
    """
    return anp.mean(anp.logaddexp(0.0, z) - target * z)


def _sigmoid_binary_cross_entropy_from_logits(z: np.ndarray, target: np.ndarray) -> Any:
    # The mean of log(1 + e^z) - t z, exact where the probabilities round to 0 or 1.
    return (model_sum(np.logaddexp(0.0, z)) - model_dot(target, z)) / (z.shape[-2] * z.shape[-1])


class _BinaryCrossEntropy(Cost):
    fused_activation = "sigmoid"

    def output_delta(
        self, a: np.ndarray, target: np.ndarray, scale: Any = 1.0, rows_sum_to_one: bool = False
    ) -> np.ndarray:
        r"""``scale`` times :math:`(a - t)/(NK)`: :math:`\sigma'(z) = a(1 - a)` cancels the
        denominator of the gradient."""
        delta = a - target
        delta *= scale / _per_model_size(a)
        return delta


BINARY_CROSS_ENTROPY = _BinaryCrossEntropy(
    "binary_cross_entropy",
    binary_cross_entropy,
    binary_cross_entropy_der,
    probabilities=True,
    builtin=True,
    fast_fn=_binary_cross_entropy_loss,
    clips=_binary_cross_entropy_clips,
    from_logits={
        "sigmoid": (
            sigmoid_binary_cross_entropy_from_logits,
            _sigmoid_binary_cross_entropy_from_logits,
        )
    },
)


# --- cross_entropy (fused with softmax) ---------------------------------------------------------


@fill_doc(sections=COST_SECTIONS)
def cross_entropy(pred: Any, target: Any) -> Any:
    r"""Categorical cross-entropy: mean over samples of :math:`-\sum_k t_{ik}\log p_{ik}`.

    .. math:: C = -\frac{1}{N}\sum_{i}\sum_{k} t_{ik}\log p_{ik}

    ``pred`` is floored at the smallest normal number of its dtype, so a zero
    probability gives a large finite cost instead of ``log(0)``.

    {sections}

    Examples
    --------
    >>> round(float(cross_entropy(np.array([[0.25, 0.75]]), np.array([[0.0, 1.0]]))), 6)
    0.287682
    """
    tiny = _tiny(pred)
    p = anp.where(pred > tiny, pred, tiny)
    return -anp.sum(target * anp.log(p)) / anp.shape(pred)[0]


@fill_doc(sections=GRADIENT_SECTIONS)
def cross_entropy_der(pred: Any, target: Any) -> Any:
    r"""Gradient of :func:`cross_entropy`: :math:`-t/(pN)`.

    {sections}

    Examples
    --------
    >>> cross_entropy_der(np.array([[0.25, 0.5]]), np.array([[0.0, 1.0]]))
    array([[-0., -2.]])
    """
    tiny = _tiny(pred)
    return -target / np.where(pred > tiny, pred, tiny) / np.shape(pred)[-2]


def _cross_entropy_loss(pred: np.ndarray, target: np.ndarray) -> Any:
    tiny = _limits(pred.dtype)[1]
    log_p = np.maximum(pred, tiny)
    np.log(log_p, out=log_p)
    return -model_dot(target, log_p) / pred.shape[-2]


def _cross_entropy_clips(pred: np.ndarray) -> bool:
    """Whether :func:`_cross_entropy_loss` floors a probability of ``pred`` (one <= tiny)."""
    return bool(np.minimum.reduce(pred, axis=None) <= _limits(pred.dtype)[1])


@fill_doc(sections=LOGITS_SECTIONS)
def softmax_cross_entropy_from_logits(z: Any, target: Any) -> Any:
    r""":func:`cross_entropy` of ``softmax(z)``, computed from the logits ``z`` without clipping.

    .. math:: C = \frac{1}{N}\sum_i \sum_k t_{ik}
              \Big(\log\sum_j e^{z_{ij}} - z_{ik}\Big)

    This is what a network with a softmax output and this cost minimizes: it
    equals ``cross_entropy(softmax(z), target)`` wherever no probability
    underflows, and stays exact (with the gradient :math:`(a - t)/N`) where one
    does.

    {sections}

    Examples
    --------
    >>> z, t = np.array([[800.0, 0.0]]), np.array([[0.0, 1.0]])
    >>> clipped = cross_entropy(np.array([[1.0, 0.0]]), t)  # log(0) floored at log(tiny)
    >>> float(softmax_cross_entropy_from_logits(z, t)), float(clipped)
    (800.0, 708.3964185322641)
    """
    m = anp.max(z, axis=-1, keepdims=True)
    log_sums = m + anp.log(anp.sum(anp.exp(z - m), axis=-1, keepdims=True))
    return anp.sum(target * (log_sums - z)) / anp.shape(z)[-2]


def _softmax_cross_entropy_from_logits(z: np.ndarray, target: np.ndarray) -> Any:
    # sum_k t_k (lse(z) - z_k) per row, averaged over rows; exact where the probabilities
    # underflow (no clipping).
    shifted = z - row_maxima(z)
    log_sums = np.log(row_sums(np.exp(shifted)))
    return (model_sum(row_sums(target) * log_sums) - model_dot(target, shifted)) / z.shape[-2]


class _CrossEntropy(Cost):
    fused_activation = "softmax"
    activates = True

    def activate_with_loss(
        self, z: np.ndarray, target: np.ndarray, rows_sum_to_one: bool = False
    ) -> Any:
        r"""Softmax of ``z`` in place, and the cost from the logits (as
        :func:`softmax_cross_entropy_from_logits`): with :math:`z' = z - \max_j z_j` and
        :math:`s = \sum_j e^{z'_j}` per row, :math:`C = \frac1N \sum_i \big((\sum_k t_{ik})
        \log s_i - \sum_k t_{ik} z'_{ik}\big)`; the softmax is :math:`e^{z'}/s`, as in
        the activation's own kernel."""
        z -= row_maxima(z)
        picked = model_dot(z, target)
        np.exp(z, out=z)
        sums = row_sums(z)
        z /= sums
        log_sums = np.log(sums, out=sums)
        if not rows_sum_to_one:
            log_sums *= row_sums(target)
        return (model_sum(log_sums) - picked) / z.shape[-2]

    def output_delta(
        self, a: np.ndarray, target: np.ndarray, scale: Any = 1.0, rows_sum_to_one: bool = False
    ) -> np.ndarray:
        r"""``scale`` times :math:`(a \sum_k t_k - t)/N`, the derivative of
        :math:`-\sum t \log\operatorname{softmax}(z)/N`; :math:`(a - t)/N` when every target
        row sums to exactly 1 (one-hot or probabilities: the training loop checks once)."""
        if rows_sum_to_one:
            delta = a - target
        else:
            delta = a * row_sums(target)
            delta -= target
        delta *= scale / a.shape[-2]
        return delta


CROSS_ENTROPY = _CrossEntropy(
    "cross_entropy",
    cross_entropy,
    cross_entropy_der,
    probabilities=True,
    builtin=True,
    fast_fn=_cross_entropy_loss,
    clips=_cross_entropy_clips,
    from_logits={
        "softmax": (softmax_cross_entropy_from_logits, _softmax_cross_entropy_from_logits)
    },
)


# --- poisson ------------------------------------------------------------------------------------


@fill_doc(sections=COST_SECTIONS)
def poisson(pred: Any, target: Any) -> Any:
    r"""Half Poisson deviance, summed over outputs and averaged over samples.

    .. math:: C = \frac{1}{N}\sum_{i,k} t_{ik}\log\frac{t_{ik}}{p_{ik}} - t_{ik} + p_{ik}

    The cost of counts ``target`` >= 0 predicted by positive ``pred`` (an
    ``"exp"`` output, as scikit-learn's ``MLPRegressor(loss="poisson")``), whose
    gradient through the exponential is :math:`(p - t)/N`. ``pred`` is floored at
    machine epsilon of its dtype, as the cross-entropies clip theirs, so that an
    output that is not positive gives a finite value.

    {sections}

    Examples
    --------
    >>> float(poisson(np.array([[2.0]]), np.array([[2.0]])))
    0.0
    """
    p = anp.maximum(pred, _eps(pred))
    positive = target > 0
    safe_target = anp.where(positive, target, 1.0)
    log_ratio = anp.where(positive, target * anp.log(safe_target / p), 0.0)
    return anp.sum(log_ratio - target + p) / pred.shape[0]


@fill_doc(sections=GRADIENT_SECTIONS)
def poisson_der(pred: Any, target: Any) -> Any:
    r"""Gradient of :func:`poisson`: :math:`(1 - t/p)/N`.

    {sections}

    Examples
    --------
    >>> poisson_der(np.array([[2.0]]), np.array([[1.0]]))
    array([[0.5]])
    """
    return (1.0 - target / np.maximum(pred, _eps(pred))) / np.shape(pred)[-2]


def _poisson_loss(pred: np.ndarray, target: np.ndarray) -> Any:
    p = np.maximum(pred, _limits(pred.dtype)[0])
    positive = target > 0
    terms = np.where(positive, target * np.log(np.where(positive, target, 1.0) / p), 0.0)
    terms -= target
    terms += p
    return model_sum(terms) / pred.shape[-2]


POISSON = Cost("poisson", poisson, poisson_der, builtin=True, fast_fn=_poisson_loss)


BUILTINS = (MSE, BINARY_CROSS_ENTROPY, CROSS_ENTROPY, POISSON)
"""The library's costs, in the registry's order."""
