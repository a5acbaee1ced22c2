r"""
Iris with momentum: a first classifier
======================================

The course's Exercise 7: classify the three Iris species from four flower
measurements with a network of one hidden layer,

* 4 inputs → 8 sigmoid units → 3 softmax outputs,
* cross-entropy cost on one-hot targets,
* gradient descent with momentum (:math:`\eta = 0.01`, :math:`\mu = 0.9`),
  mini-batches of 10, 100 epochs.

It prints the test accuracy and plots the loss and accuracy per epoch.
Run it as ``python examples/iris_momentum.py --out figures`` (``--quick``
for a few epochs only).
"""

import argparse
import os
from pathlib import Path

import numpy as np
from sklearn.datasets import load_iris
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

from nnet import NeuralNetwork
from nnet.optimizers import Momentum
from nnet.plotting import plot_history
from nnet.training import train

parser = argparse.ArgumentParser(description="Iris, 4 -> 8 sigmoid -> 3 softmax, momentum.")
parser.add_argument("--out", type=Path, default=Path("figures"), help="folder for the figures")
parser.add_argument("--quick", action="store_true", help="tiny settings (or NNET_EXAMPLES_QUICK=1)")
args, _ = parser.parse_known_args()
QUICK = args.quick or os.environ.get("NNET_EXAMPLES_QUICK") == "1"
args.out.mkdir(parents=True, exist_ok=True)

# %%
# Data: standardized features, one-hot targets
# --------------------------------------------
# The scaler is fitted on the training split only, so the test split stays unseen.
X, y = load_iris(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2, stratify=y, random_state=0)
scaler = StandardScaler().fit(X_train)
X_train, X_test = scaler.transform(X_train), scaler.transform(X_test)
Y_train, Y_test = np.eye(3)[y_train], np.eye(3)[y_test]  # one-hot rows

# %%
# The network and its training
# ----------------------------
# :func:`~nnet.training.train` shuffles the 120 training samples into
# mini-batches of 10 every epoch and records the losses and the accuracy on
# both splits.
net = NeuralNetwork(4, [8, 3], ["sigmoid", "softmax"], cost_fun="cross_entropy", seed=1)
print(net.summary())

history = train(
    net,
    Momentum(learning_rate=0.01, momentum=0.9),
    X_train,
    Y_train,
    epochs=10 if QUICK else 100,
    batch_size=10,
    validation_data=(X_test, Y_test),
    metrics=["accuracy"],
    seed=0,
)
predicted = net.predict(X_test).argmax(axis=1)
print(f"trained {history.epochs_run} epochs ({history.stop_reason})")
print(f"train accuracy: {history.metrics['accuracy'][-1]:.3f}")
print(f"test accuracy:  {np.mean(predicted == y_test):.3f}")

# %%
# Loss and accuracy per epoch
# ---------------------------
fig = plot_history(history, metrics="accuracy")
fig.suptitle("Iris: 4 → 8 sigmoid → 3 softmax, Momentum(0.01, 0.9)")
fig.savefig(args.out / "iris_momentum_history.png", dpi=100)
