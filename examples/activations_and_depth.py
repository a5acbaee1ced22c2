r"""
Activations and depth: sigmoid vs ReLU vs leaky ReLU
====================================================

How deep and how wide can a network be before plain stochastic gradient
descent stops training it, and does the activation function matter? We
classify scikit-learn's bundled ``digits`` (8 by 8 images, 10 classes) with
networks of 1 to 6 hidden layers of 8 to 64 units, all with a softmax output
and cross-entropy, for three hidden activations:

* sigmoid, :math:`\sigma(z) = 1/(1 + e^{-z})`, with Glorot initialization;
* ReLU, :math:`\max(0, z)`, with He initialization;
* leaky ReLU, :math:`\max(0.01 z, z)`, with He initialization.

Every network gets the same budget: SGD with :math:`\eta = 0.1`, mini-batches
of 32 and 15 epochs, starting from ``seed=0``. For each activation, one call to
:func:`nnet.sweep` trains every depth and width (``layer_output_sizes`` is a grid
key that changes the shapes, so each architecture is its own group).
"""

import argparse
import os
import warnings
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

from nnet import DivergenceWarning, NeuralNetwork, sweep
from nnet.optimizers import SGD
from nnet.plotting import plot_heatmap

parser = argparse.ArgumentParser(description="Sigmoid vs ReLU vs leaky ReLU over layers x nodes.")
parser.add_argument("--out", type=Path, default=Path("figures"), help="folder for the figures")
parser.add_argument("--quick", action="store_true", help="tiny settings (or NNET_EXAMPLES_QUICK=1)")
args, _ = parser.parse_known_args()
QUICK = args.quick or os.environ.get("NNET_EXAMPLES_QUICK") == "1"
args.out.mkdir(parents=True, exist_ok=True)

# %%
# Data
# ----
X, y = load_digits(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(
    X / 16.0, y, test_size=0.25, stratify=y, random_state=0
)
Y_train = np.eye(10)[y_train]

ACTIVATIONS = {"sigmoid": "glorot", "relu": "he", "leaky_relu": "he"}
if QUICK:
    depths, widths, epochs = [1, 4], [8, 32], 2
else:
    depths, widths, epochs = [1, 2, 4, 6], [8, 16, 32, 64], 15


def make_net(activation, depth, width):
    return NeuralNetwork(
        64,
        [width] * depth + [10],
        [activation] * depth + ["softmax"],
        cost_fun="cross_entropy",
        init=ACTIVATIONS[activation],
        seed=0,
    )


# %%
# Test accuracy over depth and width
# -----------------------------------
# The grid's ``layer_output_sizes`` run depth by depth, width by width (product
# order), so each study's accuracies reshape into a depths x widths table. A
# network that diverged is left blank.
sizes = [[width] * depth + [10] for depth in depths for width in widths]
accuracy = {}
for name in ACTIVATIONS:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DivergenceWarning)
        study = sweep(
            make_net(name, 1, 8),  # the template: its activation, init and seed
            SGD(0.1),
            X_train,
            Y_train,
            grid={"layer_output_sizes": sizes},
            epochs=epochs,
            validation_data=(X_test, np.eye(10)[y_test]),
            metrics=["accuracy"],
            seed=0,
        )
    scores = [
        np.nan if r["stop_reason"] == "diverged" else r["val_accuracy"] for r in study.table()
    ]
    accuracy[name] = np.reshape(scores, (len(depths), len(widths)))
    print(f"{name:>10}: test accuracy by depth (rows) x width (columns)")
    print(np.array2string(accuracy[name], precision=3))

# %%
# With one hidden layer all three activations learn, and wider is better.
# Deeper sigmoid networks stop learning within this budget: at four and more
# layers they predict one class (accuracy 0.1). ReLU and leaky ReLU networks
# still train at six layers unless they are very narrow.
fig, axes = plt.subplots(1, 3, figsize=(15, 4.3), layout="constrained")
for ax, name in zip(axes, ACTIVATIONS):
    plot_heatmap(
        accuracy[name],
        widths,
        depths,
        "units per hidden layer",
        "hidden layers",
        ax=ax,
        log_x=False,
        log_y=False,
        fmt=".2f",
        highlight="max",
    )
    ax.images[0].set_clim(0.0, 1.0)
    ax.set_title(f"{name} ({ACTIVATIONS[name]} init): test accuracy")
fig.colorbar(axes[0].images[0], ax=axes, label="test accuracy")
fig.savefig(args.out / "activations_and_depth.png", dpi=100)

# %%
# Why: the gradient vanishes layer by layer
# -----------------------------------------
# Backpropagation multiplies the error by :math:`f'(z)` at every layer. The
# sigmoid's derivative is at most 1/4, so in a deep sigmoid network the
# gradient of the first layers is orders of magnitude smaller than that of the
# last: those layers barely move. ReLU's derivative is 1 for active units, and
# He initialization keeps the signal's scale from layer to layer (ReLU and
# leaky ReLU, started from the same weights, draw almost the same line).
deep = max(depths)
fig, ax = plt.subplots(figsize=(6.5, 4), layout="constrained")
for name, style in zip(ACTIVATIONS, ("o-", "s-", "x--")):
    grads = make_net(name, deep, 32).compute_gradient(X_train[:256], Y_train[:256])
    norms = [np.linalg.norm(dW) for dW, _ in grads]
    ax.semilogy(range(1, len(norms) + 1), norms, style, label=name)
ax.set(
    xlabel="layer (1 = first hidden, last = output)",
    ylabel=r"$\|\partial C / \partial W^l\|$ at initialization",
    title=f"{deep} hidden layers of 32 units",
)
ax.legend()
fig.savefig(args.out / "gradient_norms_by_layer.png", dpi=100)
