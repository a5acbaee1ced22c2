r"""
XOR: the smallest network that learns it
========================================

XOR is the classic function no linear model can represent: the points
(0, 1) and (1, 0) must be on one side of the decision boundary, (0, 0) and
(1, 1) on the other, and no straight line does that. Logistic regression (a network
with no hidden layer) minimizing cross-entropy ends up answering 0.5 for all
four inputs, while two hidden units suffice: 2 → 2 sigmoid → 1 sigmoid.

Two hidden units are also *barely* enough: from some random initial weights,
gradient descent ends in a local minimum. We train from ten seeds, count how
many learn XOR, and print the truth table one of them learned.
"""

import argparse
import os
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

from nnet import NeuralNetwork
from nnet.optimizers import Adam
from nnet.plotting import plot_history
from nnet.training import train

parser = argparse.ArgumentParser(description="The smallest network that learns XOR.")
parser.add_argument("--out", type=Path, default=Path("figures"), help="folder for the figures")
parser.add_argument("--quick", action="store_true", help="tiny settings (or NNET_EXAMPLES_QUICK=1)")
args, _ = parser.parse_known_args()
QUICK = args.quick or os.environ.get("NNET_EXAMPLES_QUICK") == "1"
args.out.mkdir(parents=True, exist_ok=True)

# %%
# The four samples
# ----------------
X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
y = np.array([0.0, 1.0, 1.0, 0.0])
EPOCHS = 300 if QUICK else 1000
if QUICK:
    print("QUICK RUN (300 epochs): these numbers are NOT the results the text describes.\n")


def fit(hidden: list[int], seed: int):
    """Train 2 -> hidden -> 1 sigmoid units with binary cross-entropy, full batch."""
    net = NeuralNetwork(
        2,
        [*hidden, 1],
        ["sigmoid"] * (len(hidden) + 1),
        cost_fun="binary_cross_entropy",
        seed=seed,
    )
    history = train(net, Adam(learning_rate=0.1), X, y, epochs=EPOCHS, batch_size=None)
    return net, history


# %%
# No hidden layer: logistic regression cannot
# -------------------------------------------
linear, _ = fit([], seed=0)
print("no hidden layer, outputs:", linear.predict(X).ravel().round(2))
print("accuracy:", np.mean((linear.predict(X).ravel() > 0.5) == y))

# %%
# Two hidden units: most seeds learn it
# -------------------------------------
# A run "learns XOR" when all four outputs are on the right side of 0.5.
runs = [fit([2], seed) for seed in range(10)]
learned = [bool(np.all((net.predict(X).ravel() > 0.5) == y)) for net, _ in runs]
print(f"2 hidden units learned XOR from {sum(learned)} of {len(runs)} seeds: {learned}")
if not QUICK:  # the section titles' claims, checked on every full run
    assert not np.all((linear.predict(X).ravel() > 0.5) == y), "logistic regression cannot"
    assert sum(learned) > len(runs) / 2, f"most seeds should learn XOR: {learned}"

best = int(np.argmin([h.train_loss[-1] for _, h in runs]))
net, history = runs[best]
print(f"\ntruth table learned from seed {best} (final loss {history.train_loss[-1]:.2e}):")
print(" x1  x2 | target  output")
for (x1, x2), target, out in zip(X, y, net.predict(X).ravel()):
    print(f"  {x1:.0f}   {x2:.0f} |   {target:.0f}     {out:.3f}")

# %%
# The decision regions of the trained network
# -------------------------------------------
# The hidden layer bends the input plane so that one threshold separates the
# classes: the 0.5 contour is two roughly parallel lines around the diagonal
# (squares are targets 0, circles targets 1).
grid = np.linspace(-0.5, 1.5, 201)
gx, gy = np.meshgrid(grid, grid)
surface = net.predict(np.column_stack([gx.ravel(), gy.ravel()])).reshape(gx.shape)

fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4.2), layout="constrained")
filled = left.contourf(gx, gy, surface, levels=np.linspace(0, 1, 11), cmap="RdBu_r")
left.contour(gx, gy, surface, levels=[0.5], colors="k")
for target, marker, color in ((0, "s", "black"), (1, "o", "white")):
    at = X[y == target]
    left.scatter(
        at[:, 0], at[:, 1], marker=marker, c=color, edgecolors="k", s=150, label=f"y={target}"
    )
left.legend(loc="upper center")
left.set(xlabel="$x_1$", ylabel="$x_2$", title="output of 2 → 2 → 1, and its 0.5 contour")
fig.colorbar(filled, ax=left)
plot_history(history, ax=right, log_y=True)
right.set_title(f"binary cross-entropy, seed {best}")
fig.savefig(args.out / "xor.png", dpi=100)
