r"""
Iris with momentum: a first classifier
======================================

The course's Exercise 7: classify the three Iris species from four flower
measurements with a network of one hidden layer,

* 4 inputs → 8 sigmoid units → 3 softmax outputs,
* cross-entropy cost on the class labels (0, 1, 2; the network one-hot
  encodes integer labels itself, as PyTorch's ``CrossEntropyLoss`` does),
* gradient descent with momentum (:math:`\eta = 0.01`, :math:`\mu = 0.9`),
  mini-batches of 10, 100 epochs.

It prints the test accuracy and plots the loss and accuracy per epoch.
Run it as ``python examples/iris_momentum.py --out figures`` (``--quick``
for a few epochs only).
"""

import argparse
import os
from pathlib import Path

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
if QUICK:
    print("QUICK RUN (10 epochs): these numbers are NOT the results of the full run.\n")

# %%
# Data: standardized features, integer class labels
# -------------------------------------------------
# The scaler is fitted on the training split only, so the test split stays unseen.
# The labels stay integers: for a cross-entropy network with several outputs,
# ``train``, ``cost`` and ``evaluate`` one-hot encode them (``np.eye(3)[y]``).
X, y = load_iris(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2, stratify=y, random_state=0)
scaler = StandardScaler().fit(X_train)
X_train, X_test = scaler.transform(X_train), scaler.transform(X_test)

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
    y_train,
    epochs=10 if QUICK else 100,
    batch_size=10,
    validation_data=(X_test, y_test),
    metrics=["accuracy"],
    seed=0,
)
test = net.evaluate(X_test, y_test, metrics=["accuracy"])  # shapes checked, no broadcasting
print(f"trained {history.epochs_run} epochs ({history.stop_reason})")
print(f"train accuracy: {history.metrics['accuracy'][-1]:.3f}")
print(f"test accuracy:  {test['accuracy']:.3f}, test loss {test['loss']:.3f}")
if not QUICK:  # the course's target, checked on every full run
    assert test["accuracy"] >= 0.9, f"the Iris network should classify >= 90 %: {test}"

# %%
# Loss and accuracy per epoch
# ---------------------------
fig = plot_history(history, metrics="accuracy")
title = "Iris: 4 → 8 sigmoid → 3 softmax, Momentum(0.01, 0.9)"
fig.suptitle(title + " (QUICK RUN, not the real result)" if QUICK else title)
fig.savefig(args.out / "iris_momentum_history.png", dpi=100)
