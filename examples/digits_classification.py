r"""
Handwritten digits: softmax networks vs scikit-learn
====================================================

Classify the 8 by 8 images of scikit-learn's bundled ``digits`` data set (1797
images, 10 classes) with a softmax output and the cross-entropy cost, and
compare

* **our logistic regression**: a network with *no* hidden layer,
  :math:`p = \operatorname{softmax}(xW + b)`, trained by Adam;
* scikit-learn's ``LogisticRegression`` (the same model, fitted by L-BFGS);
* **our network** with one hidden layer of 64 ReLU units;
* scikit-learn's ``MLPClassifier`` with the same architecture, optimizer,
  learning rate, batch size, epochs and L2 penalty.

The data set is bundled with scikit-learn, so nothing is downloaded. With
``--mnist`` the script instead fetches MNIST (70 000 images of 28 by 28 pixels) from
OpenML via :func:`sklearn.datasets.fetch_openml` and trains on a subset of it;
when OpenML cannot be reached it says so and falls back to ``digits``.
"""

import argparse
import os
import time
import warnings
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import fetch_openml, load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier

from nnet import NeuralNetwork
from nnet.optimizers import Adam
from nnet.plotting import plot_confusion_matrix
from nnet.training import train

parser = argparse.ArgumentParser(description="Digits (or MNIST): softmax nets vs scikit-learn.")
parser.add_argument("--out", type=Path, default=Path("figures"), help="folder for the figures")
parser.add_argument("--quick", action="store_true", help="tiny settings (or NNET_EXAMPLES_QUICK=1)")
parser.add_argument(
    "--mnist", action="store_true", help="download MNIST from OpenML instead (needs internet)"
)
args, _ = parser.parse_known_args()
QUICK = args.quick or os.environ.get("NNET_EXAMPLES_QUICK") == "1"
args.out.mkdir(parents=True, exist_ok=True)
EPOCHS = 3 if QUICK else 40
if QUICK:
    print("QUICK RUN (3 epochs): these numbers are NOT the results of the full run.\n")

# %%
# Data: pixel intensities scaled to [0, 1], one-hot targets
# ---------------------------------------------------------


def load_mnist(n_samples):
    """A random subset of MNIST, or None when OpenML cannot be reached."""
    try:
        X, y = fetch_openml("mnist_784", version=1, as_frame=False, return_X_y=True, n_retries=1)
    except Exception as err:  # no network, proxy, OpenML down, ...
        print(f"could not fetch MNIST from OpenML ({type(err).__name__}: {err});")
        print("falling back to scikit-learn's bundled digits")
        return None
    keep = np.random.default_rng(0).choice(len(X), n_samples, replace=False)
    return X[keep] / 255.0, y[keep].astype(int), "MNIST"


data = load_mnist(2000 if QUICK else 12000) if args.mnist else None
if data is None:
    digits = load_digits()
    data = digits.data / 16.0, digits.target, "digits"
X, y, name = data
X_train, X_test, y_train, y_test = train_test_split(
    X, y, test_size=0.25, stratify=y, random_state=0
)
Y_train = np.eye(10)[y_train]
n_features = X.shape[1]
print(f"{name}: {len(X_train)} training and {len(X_test)} test images of {n_features} pixels")

# %%
# Four classifiers
# ----------------
# scikit-learn's ``MLPClassifier`` adds :math:`\frac{\alpha}{2n}\sum W^2` to the
# mean cross-entropy; our ``l2`` adds :math:`\lambda \sum W^2`, so
# :math:`\lambda = \alpha / 2n` is the same penalty.
alpha = 1e-4
l2 = alpha / (2 * len(X_train))
results, predictions, seconds = {}, {}, {}


def record(label, predict, started):
    seconds[label] = time.perf_counter() - started
    predictions[label] = predict(X_test)
    results[label] = float(np.mean(predictions[label] == y_test))


start = time.perf_counter()
logistic = NeuralNetwork(n_features, [10], ["softmax"], cost_fun="cross_entropy", seed=0)
train(logistic, Adam(learning_rate=1e-2), X_train, Y_train, epochs=EPOCHS, batch_size=32, seed=0)
record("ours, no hidden layer", lambda X: logistic.predict(X).argmax(axis=1), start)

start = time.perf_counter()
with warnings.catch_warnings():
    warnings.simplefilter("ignore", ConvergenceWarning)  # only with --quick's 50 iterations
    sk_logistic = LogisticRegression(max_iter=50 if QUICK else 1000).fit(X_train, y_train)
record("sklearn LogisticRegression", sk_logistic.predict, start)

start = time.perf_counter()
net = NeuralNetwork(
    n_features, [64, 10], ["relu", "softmax"], cost_fun="cross_entropy", l2=l2, init="he", seed=0
)
history = train(
    net, Adam(learning_rate=1e-3), X_train, Y_train, epochs=EPOCHS, batch_size=32, seed=0
)
record("ours, 64 ReLU", lambda X: net.predict(X).argmax(axis=1), start)

start = time.perf_counter()
with warnings.catch_warnings():
    warnings.simplefilter("ignore", ConvergenceWarning)  # max_iter epochs is the budget
    mlp = MLPClassifier(
        hidden_layer_sizes=(64,),
        alpha=alpha,
        batch_size=32,
        learning_rate_init=1e-3,
        max_iter=EPOCHS,
        n_iter_no_change=EPOCHS,
        random_state=0,
    ).fit(X_train, y_train)
record("sklearn MLPClassifier, 64 ReLU", mlp.predict, start)

print(f"\n{'classifier':32} {'test accuracy':>13} {'seconds':>8}")
for label, accuracy in results.items():
    print(f"{label:32} {accuracy:13.3f} {seconds[label]:8.2f}")
if not QUICK and name == "digits":  # the comparison's point, checked on every full run
    for ours, theirs in (("ours, no hidden layer", "sklearn LogisticRegression"),
                         ("ours, 64 ReLU", "sklearn MLPClassifier, 64 ReLU")):  # fmt: skip
        assert results[ours] >= results[theirs] - 0.02, f"{ours} should match {theirs}: {results}"

# %%
# Where the network errs
# ----------------------
# The confusion matrix counts, for each true digit (row), the predicted digits
# (columns); the diagonal holds the correct answers. Below it, a few of the
# misclassified test images.
fig, ax = plt.subplots(figsize=(6.5, 5.5), layout="constrained")
plot_confusion_matrix(y_test, predictions["ours, 64 ReLU"], labels=range(10), ax=ax)
ax.set_title(
    f"{name}: 64 ReLU network, test accuracy {results['ours, 64 ReLU']:.3f}"
    + (" (QUICK RUN)" if QUICK else "")
)
fig.savefig(args.out / "digits_confusion_matrix.png", dpi=100)

wrong = np.flatnonzero(predictions["ours, 64 ReLU"] != y_test)[:8]
side = int(np.sqrt(n_features))
fig, axes = plt.subplots(1, 8, figsize=(10, 1.9), layout="constrained")
for ax, index in zip(axes, wrong):
    ax.imshow(X_test[index].reshape(side, side), cmap="gray_r")
    ax.set_title(f"{y_test[index]} → {predictions['ours, 64 ReLU'][index]}", fontsize=10)
for ax in axes:
    ax.axis("off")
fig.suptitle("misclassified: true → predicted")
fig.savefig(args.out / "digits_misclassified.png", dpi=100)
