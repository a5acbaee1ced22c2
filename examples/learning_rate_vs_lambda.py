r"""
Learning rate vs regularization: a grid-search heatmap
======================================================

The two hyperparameters every course project tunes first are the learning
rate :math:`\eta` of stochastic gradient descent and the strength
:math:`\lambda` of the L2 penalty, which adds :math:`\lambda\sum W^2` to the
cost. Here a network with one hidden layer of 32 sigmoid units classifies
the breast-cancer data set bundled with scikit-learn (569 tumours, 30
features, benign or malignant) with a sigmoid output and binary
cross-entropy, for every pair on a grid, and the heatmaps show the accuracy
on the test and the training split.

The whole grid is one call to :func:`nnet.sweep`, which returns a
:class:`~nnet.Study`: its table, its best model and its heatmaps. A run that
diverges (the loss overflows) is stopped at its last finite weights and marked
``"diverged"`` in the table, while the others train on.
"""

import argparse
import os
import warnings
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_breast_cancer
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

from nnet import DivergenceWarning, NeuralNetwork, sweep
from nnet.optimizers import SGD

parser = argparse.ArgumentParser(description="Heatmap of accuracy over learning rate x lambda.")
parser.add_argument("--out", type=Path, default=Path("figures"), help="folder for the figures")
parser.add_argument("--quick", action="store_true", help="tiny settings (or NNET_EXAMPLES_QUICK=1)")
args, _ = parser.parse_known_args()
QUICK = args.quick or os.environ.get("NNET_EXAMPLES_QUICK") == "1"
args.out.mkdir(parents=True, exist_ok=True)

# %%
# Data
# ----
X, y = load_breast_cancer(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(
    X, y, test_size=0.25, stratify=y, random_state=0
)
scaler = StandardScaler().fit(X_train)
X_train, X_test = scaler.transform(X_train), scaler.transform(X_test)

# %%
# The grid
# --------
# Learning rates on a log scale; :math:`\lambda = 0` (no penalty) and then
# powers of ten. Every model starts from the template's initial weights
# (``seed=0``) and sees the same mini-batches (the sweep's ``seed``).
if QUICK:
    etas, lambdas, epochs = np.logspace(-2, 1, 3), [0.0, 1e-2, 1.0], 5
else:
    etas, lambdas, epochs = np.logspace(-3, 1, 5), [0.0, 1e-4, 1e-3, 1e-2, 1e-1, 1.0], 100

net = NeuralNetwork(
    30, [32, 1], ["sigmoid", "sigmoid"], cost_fun="binary_cross_entropy", init="glorot", seed=0
)
with warnings.catch_warnings():
    warnings.simplefilter("ignore", DivergenceWarning)  # the table says which diverged
    study = sweep(
        net,
        SGD(),
        X_train,
        y_train,
        grid={"learning_rate": etas, "l2": lambdas},
        epochs=epochs,
        validation_data=(X_test, y_test),
        metrics=["accuracy"],
        seed=0,
    )

best, _ = study.best("val_accuracy")
rows = study.table()
diverged = sum(row["stop_reason"] == "diverged" for row in rows)
best_row = rows[study.params.index(best)]
print(
    f"best test accuracy {best_row['val_accuracy']:.3f} at eta={best['learning_rate']:g}, ", end=""
)
print(f"lambda={best['l2']:g}; diverged runs: {diverged}")

# %%
# The heatmaps
# ------------
# Small :math:`\lambda` and large :math:`\eta` fit the training data perfectly
# but not the test data (overfitting); large :math:`\lambda` shrinks the weights
# until the network predicts the majority class (63 % of the tumours are
# benign); too large a learning rate diverges. The best cell is outlined.
fig, axes = plt.subplots(1, 2, figsize=(13, 5), layout="constrained")
for ax, value, split in zip(axes, ("val_accuracy", "accuracy"), ("test", "training")):
    study.heatmap("learning_rate", "l2", value, ax=ax, fmt=".3f")
    ax.set(xlabel=r"learning rate $\eta$", ylabel=r"L2 penalty $\lambda$")
    ax.set_title(f"{split} accuracy, 30 → 32 sigmoid → 1, SGD, {epochs} epochs")
fig.savefig(args.out / "learning_rate_vs_lambda.png", dpi=100)
