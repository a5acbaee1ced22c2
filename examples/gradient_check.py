r"""
Gradient check: backpropagation vs autograd vs finite differences
=================================================================

The library's :meth:`~nnet.NeuralNetwork.compute_gradient` is hand-written
backpropagation. :func:`nnet.testing.check_gradients` compares it, array by
array, with two independent references:

* :meth:`~nnet.NeuralNetwork.autograd_gradient`, the derivative of the same
  cost computed by `autograd <https://github.com/HIPS/autograd>`_ (agreement
  to round-off, :math:`\sim 10^{-16}` relative);
* central finite differences,
  :math:`\partial C/\partial\theta \approx (C(\theta + h) - C(\theta - h))/2h`,
  whose error is :math:`O(h^2)` truncation plus :math:`O(\epsilon/h)` round-off
  (about :math:`10^{-10}` relative at the default :math:`h = \epsilon^{1/3}`).

The relative error of an array is :math:`\max|g - r| / \max|r|`, with
:math:`g` the library's gradient and :math:`r` the reference.
"""

import argparse
import os
from pathlib import Path

import autograd.numpy as anp
import matplotlib.pyplot as plt
import numpy as np

from nnet import NeuralNetwork
from nnet.testing import check_gradients, trace
from nnet.testing.strategies import targets

parser = argparse.ArgumentParser(description="Backprop vs autograd vs finite differences.")
parser.add_argument("--out", type=Path, default=Path("figures"), help="folder for the figures")
parser.add_argument("--quick", action="store_true", help="tiny settings (or NNET_EXAMPLES_QUICK=1)")
args, _ = parser.parse_known_args()
QUICK = args.quick or os.environ.get("NNET_EXAMPLES_QUICK") == "1"
args.out.mkdir(parents=True, exist_ok=True)
rng = np.random.default_rng(0)

# %%
# Networks covering every activation, cost and penalty
# ----------------------------------------------------
# The last one uses an activation the library does not know: its derivative
# is taken by autograd (:func:`nnet.activations.make_activation`).
# :func:`~nnet.testing.strategies.targets` makes targets that suit each cost.


def softplus(z):
    return anp.log1p(anp.exp(-anp.abs(z))) + anp.maximum(z, 0.0)


n = 20
X = rng.normal(size=(n, 3))
nets = {
    "sigmoid/mse": NeuralNetwork(3, [5, 2], ["sigmoid", "sigmoid"], cost_fun="mse", seed=1),
    "relu,tanh/softmax+CE, l2": NeuralNetwork(
        3, [6, 4, 3], ["relu", "tanh", "softmax"], cost_fun="cross_entropy", l2=1e-2, seed=2
    ),
    "leaky,elu/sigmoid+BCE, l1": NeuralNetwork(
        3,
        [5, 4, 2],
        ["leaky_relu", "elu", "sigmoid"],
        cost_fun="binary_cross_entropy",
        l1=1e-2,
        init="glorot",
        seed=3,
    ),
    "softplus (autograd)/identity": NeuralNetwork(
        3, [4, 1], [softplus, "identity"], cost_fun="mse", seed=4
    ),
}
cases = {
    name: (net, targets(net.cost_fun, n, net.layer_output_sizes[-1], rng))
    for name, net in nets.items()
}

# %%
# The reports
# -----------
# Each report is a table: one row per layer, array and reference, with the
# largest absolute and relative errors, the tolerance and the verdict.
# Finite differences skip (and count) the steps that cross a ReLU's kink.
worst = {"autograd": 0.0, "finite_differences": 0.0}
for name, (net, Y) in cases.items():
    report = check_gradients(net, X, Y)
    print(f"--- {name}\n{report}\n")
    for check in report.checks:
        worst[check.reference] = max(worst[check.reference], check.max_rel)
print("worst relative error:", {k: f"{v:.1e}" for k, v in worst.items()})
assert worst["autograd"] < 1e-12 and worst["finite_differences"] < 1e-6, "the gradients disagree"

# %%
# One backward pass, layer by layer
# ---------------------------------
# :func:`~nnet.testing.trace` keeps every intermediate under the tutorial's
# names; the softmax + cross-entropy output shows its fused delta.
net, Y = cases["relu,tanh/softmax+CE, l2"]
print(trace(net, X, Y))

# %%
# When the references are the inaccurate ones
# -------------------------------------------
# With the course's default initializer (standard normal weights *and* biases)
# the sigmoid outputs of the third network saturate: some are within
# :math:`10^{-7}` of 1, so :math:`1 - p` carries a relative round-off error of
# about :math:`10^{-16}/10^{-7} = 10^{-9}`. Autograd differentiates the cost's
# :math:`\log(1 - p)` literally and finite differences subtract two such costs,
# so both lose digits. Backpropagation uses the fused output delta
# :math:`(a - t)/NK` of sigmoid with binary cross-entropy, which never divides by
# :math:`1 - p`. A large gradient-check error near saturation can say more about
# the check than about the gradient.
saturated = NeuralNetwork(  # standard normal weights: large enough to saturate the sigmoid
    3, [5, 4, 2], ["leaky_relu", "elu", "sigmoid"], cost_fun="binary_cross_entropy", seed=3,
    init="normal",
)  # fmt: skip
Y = cases["leaky,elu/sigmoid+BCE, l1"][1]
print(f"largest output: {saturated.predict(X).max():.10f}")
report = check_gradients(saturated, X, Y)
print(report.summary(), f"(worst relative error {max(c.max_rel for c in report.checks):.1e})")
for note in report.notes:
    print("note:", note)

# %%
# How the finite-difference error depends on the step :math:`h`
# --------------------------------------------------------------
# Against backpropagation (equal to autograd to round-off), the error first
# falls as :math:`h^2` (truncation), then rises as :math:`\epsilon/h`
# (round-off in :math:`C(\theta+h) - C(\theta-h)`): the best step is near
# :math:`\epsilon^{1/3} \approx 6\times10^{-6}`, the default.
net, Y = cases["sigmoid/mse"]
steps = np.logspace(-10, -1, 4 if QUICK else 10)
fd_error = [
    max(
        c.max_rel for c in check_gradients(net, X, Y, against=["finite_differences"], step=h).checks
    )
    for h in steps
]

fig, ax = plt.subplots(figsize=(6, 4), layout="constrained")
ax.loglog(steps, fd_error, "o-", label="finite differences vs backpropagation")
ax.axhline(worst["autograd"], color="C1", linestyle="--", label="backpropagation vs autograd")
ax.axvline(np.finfo(float).eps ** (1 / 3), color="C2", linestyle=":", label="default step")
ax.set(
    xlabel="step $h$",
    ylabel="max relative error",
    title="Central differences: truncation vs round-off",
)
ax.legend()
fig.savefig(args.out / "gradient_check.png", dpi=100)
