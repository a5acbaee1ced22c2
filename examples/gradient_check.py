r"""
Gradient check: backpropagation vs autograd vs finite differences
=================================================================

The library's :meth:`~nnet.NeuralNetwork.compute_gradient` is hand-written
backpropagation. Here it is compared, layer by layer, with two independent
references on a few networks:

* :meth:`~nnet.NeuralNetwork.autograd_gradient`, the derivative of the same
  cost computed by `autograd <https://github.com/HIPS/autograd>`_ (agreement
  to round-off, :math:`\sim 10^{-16}` relative);
* central finite differences,
  :math:`\partial C/\partial\theta \approx (C(\theta + h) - C(\theta - h))/2h`,
  whose error is :math:`O(h^2)` truncation plus :math:`O(\epsilon/h)` round-off
  (agreement to about :math:`10^{-9}` relative at :math:`h = 10^{-6}`).

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

parser = argparse.ArgumentParser(description="Backprop vs autograd vs finite differences.")
parser.add_argument("--out", type=Path, default=Path("figures"), help="folder for the figures")
parser.add_argument("--quick", action="store_true", help="tiny settings (or NNET_EXAMPLES_QUICK=1)")
args, _ = parser.parse_known_args()
QUICK = args.quick or os.environ.get("NNET_EXAMPLES_QUICK") == "1"
args.out.mkdir(parents=True, exist_ok=True)
rng = np.random.default_rng(0)

# %%
# Finite differences, one parameter at a time
# -------------------------------------------
# Each parameter is nudged by :math:`\pm h` in a copy of the weights; the
# network's ``layers`` setter installs the copy and :meth:`~nnet.NeuralNetwork.cost`
# evaluates it (penalties included, like the gradients).


def finite_difference_gradient(net, X, Y, h=1e-6):
    original = [(W.copy(), b.copy()) for W, b in net.layers]
    grads = []
    for layer, (W, b) in enumerate(original):
        pair = []
        for which, param in enumerate((W, b)):
            grad = np.zeros_like(param)
            for index in np.ndindex(param.shape):
                costs = []
                for sign in (1.0, -1.0):
                    nudged = [(w.copy(), c.copy()) for w, c in original]
                    nudged[layer][which][index] += sign * h
                    net.layers = nudged
                    costs.append(net.cost(X, Y))
                grad[index] = (costs[0] - costs[1]) / (2 * h)
            pair.append(grad)
        grads.append(tuple(pair))
    net.layers = original
    return grads


def errors(grads, reference):
    """Per array: (max absolute error, relative error = max abs error / max |reference|)."""
    rows = []
    for g_pair, r_pair in zip(grads, reference):
        for g, r in zip(g_pair, r_pair):
            abs_err = float(np.max(np.abs(g - r)))
            rows.append((abs_err, abs_err / max(float(np.max(np.abs(r))), 1e-300)))
    return rows


# %%
# Networks covering every activation, cost and penalty
# ----------------------------------------------------
# The last one uses an activation the library does not know: its derivative
# is taken by autograd (:func:`nnet.activations.make_activation`).


def softplus(z):
    return anp.log1p(anp.exp(-anp.abs(z))) + anp.maximum(z, 0.0)


def one_hot(n, k):
    return np.eye(k)[rng.integers(0, k, n)]


n = 20
cases = {
    "sigmoid/mse": (
        NeuralNetwork(3, [5, 2], ["sigmoid", "sigmoid"], cost_fun="mse", seed=1),
        rng.random((n, 2)),
    ),
    "relu,tanh/softmax+CE, l2": (
        NeuralNetwork(
            3, [6, 4, 3], ["relu", "tanh", "softmax"], cost_fun="cross_entropy", l2=1e-2, seed=2
        ),
        one_hot(n, 3),
    ),
    "leaky,elu/sigmoid+BCE, l1": (
        NeuralNetwork(
            3,
            [5, 4, 2],
            ["leaky_relu", "elu", "sigmoid"],
            cost_fun="binary_cross_entropy",
            l1=1e-2,
            init="glorot",
            seed=3,
        ),
        rng.integers(0, 2, (n, 2)).astype(float),
    ),
    "softplus (autograd)/identity": (
        NeuralNetwork(3, [4, 1], [softplus, "identity"], cost_fun="mse", seed=4),
        rng.normal(size=(n, 1)),
    ),
}
X = rng.normal(size=(n, 3))

# %%
# The table
# ---------
header = (
    f"{'network':30} {'array':9} {'autograd abs':>13} {'rel':>9} {'finite-diff abs':>16} {'rel':>9}"
)
print(header)
print("-" * len(header))
worst_autograd = worst_fd = 0.0
for name, (net, Y) in cases.items():
    mine = net.compute_gradient(X, Y)
    by_autograd = errors(mine, net.autograd_gradient(X, Y))
    by_fd = errors(mine, finite_difference_gradient(net, X, Y))
    for k, ((a_abs, a_rel), (f_abs, f_rel)) in enumerate(zip(by_autograd, by_fd)):
        array = f"layer{k // 2 + 1}.{'Wb'[k % 2]}"
        print(f"{name:30} {array:9} {a_abs:13.1e} {a_rel:9.1e} {f_abs:16.1e} {f_rel:9.1e}")
        name = ""
        worst_autograd, worst_fd = max(worst_autograd, a_rel), max(worst_fd, f_rel)
print(f"\nworst relative error: {worst_autograd:.1e} vs autograd, {worst_fd:.1e} vs differences")
assert worst_autograd < 1e-12 and worst_fd < 1e-6, "the gradients disagree"

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
mine = saturated.compute_gradient(X, Y)
worst = {
    "autograd": max(rel for _, rel in errors(mine, saturated.autograd_gradient(X, Y))),
    "finite differences": max(
        rel for _, rel in errors(mine, finite_difference_gradient(saturated, X, Y))
    ),
}
print("worst relative error when saturated:", {k: f"{v:.1e}" for k, v in worst.items()})

# %%
# How the finite-difference error depends on the step :math:`h`
# --------------------------------------------------------------
# Against the exact gradient, the error first falls as :math:`h^2` (truncation),
# then rises as :math:`\epsilon/h` (round-off in :math:`C(\theta+h) - C(\theta-h)`):
# the best step is near :math:`\epsilon^{1/3} \approx 10^{-5}`. This needs a
# smooth network: with ReLU, a step that crosses a kink makes an error of order 1.
net, Y = cases["sigmoid/mse"]
exact = net.autograd_gradient(X, Y)
steps = np.logspace(-10, -1, 4 if QUICK else 10)
fd_error = [
    max(rel for _, rel in errors(finite_difference_gradient(net, X, Y, h), exact)) for h in steps
]

fig, ax = plt.subplots(figsize=(6, 4), layout="constrained")
ax.loglog(steps, fd_error, "o-", label="finite differences vs autograd")
ax.axhline(worst_autograd, color="C1", linestyle="--", label="backpropagation vs autograd (worst)")
ax.set(
    xlabel="step $h$",
    ylabel="max relative error",
    title="Central differences: truncation vs round-off",
)
ax.legend()
fig.savefig(args.out / "gradient_check.png", dpi=100)
