r"""
Optimizers compared: SGD, Momentum, Adagrad, RMSprop, Adam
==========================================================

The same network (64 → 32 tanh → 10 softmax, cross-entropy) is trained on
scikit-learn's bundled ``digits`` from the same initial weights and with the
same mini-batches (32 samples) by each optimizer of :mod:`nnet.optimizers`:

.. list-table::
   :header-rows: 1

   * - optimizer
     - update of a parameter with gradient :math:`g`
   * - SGD
     - :math:`-\eta g`
   * - Momentum
     - :math:`v \leftarrow \mu v - \eta g`, update :math:`v`
   * - Adagrad
     - :math:`G \leftarrow G + g^2`, update :math:`-\eta g / (\sqrt{G} + \epsilon)`
   * - RMSprop
     - :math:`s \leftarrow \rho s + (1-\rho) g^2`, update :math:`-\eta g / (\sqrt{s} + \epsilon)`
   * - Adam
     - bias-corrected moving averages of :math:`g` and :math:`g^2`

Learning rates mean different things to different optimizers, so each one is
run with every learning rate of a small grid, and its curve is drawn at the
rate that reached the lowest training loss. The whole comparison is one call
to :func:`nnet.sweep`, with the optimizers as a grid key.
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
from nnet.optimizers import SGD, Adagrad, Adam, Momentum, RMSprop

parser = argparse.ArgumentParser(description="Loss curves of five optimizers on one problem.")
parser.add_argument("--out", type=Path, default=Path("figures"), help="folder for the figures")
parser.add_argument("--quick", action="store_true", help="tiny settings (or NNET_EXAMPLES_QUICK=1)")
args, _ = parser.parse_known_args()
QUICK = args.quick or os.environ.get("NNET_EXAMPLES_QUICK") == "1"
args.out.mkdir(parents=True, exist_ok=True)

# %%
# Data and network
# ----------------
X, y = load_digits(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(
    X / 16.0, y, test_size=0.25, stratify=y, random_state=0
)
Y_train, Y_test = np.eye(10)[y_train], np.eye(10)[y_test]
epochs = 3 if QUICK else 30
learning_rates = [1e-2, 1e-1] if QUICK else [1e-3, 1e-2, 1e-1, 1.0]
optimizers = {
    "SGD": SGD(),
    "Momentum": Momentum(momentum=0.9),
    "Adagrad": Adagrad(),
    "RMSprop": RMSprop(),
    "Adam": Adam(),
}

# %%
# Every optimizer at every learning rate
# --------------------------------------
# Each model starts from the template's weights and sees the same mini-batches.
net = NeuralNetwork(64, [32, 10], ["tanh", "softmax"], cost_fun="cross_entropy", seed=0)
with warnings.catch_warnings():
    warnings.simplefilter("ignore", DivergenceWarning)
    study = sweep(
        net,
        None,  # the optimizers are in the grid
        X_train,
        Y_train,
        grid={"optimizer": list(optimizers.values()), "learning_rate": learning_rates},
        epochs=epochs,
        batch_size=32,
        validation_data=(X_test, Y_test),
        seed=0,
    )
runs = {  # (optimizer's class name, learning rate) -> History
    (type(p["optimizer"]).__name__, p["learning_rate"]): h
    for p, h in zip(study.params, study.histories)
}

final = {
    key: h.train_loss[-1] if h.stop_reason != "diverged" else np.nan for key, h in runs.items()
}
best_lr = {
    name: min(learning_rates, key=lambda lr: np.nan_to_num(final[name, lr], nan=np.inf))
    for name in optimizers
}
print(f"{'optimizer':10} {'best eta':>8} {'final train loss':>17} {'final val loss':>15}")
for name, lr in best_lr.items():
    h = runs[name, lr]
    print(f"{name:10} {lr:8g} {h.train_loss[-1]:17.4f} {h.val_loss[-1]:15.4f}")

# %%
# Loss curves, and sensitivity to the learning rate
# -------------------------------------------------
# Left: the training loss per epoch of each optimizer at its best learning
# rate. Right: the final training loss against the learning rate (missing
# points diverged). The adaptive methods (Adagrad, RMSprop, Adam) scale each
# coordinate's step by its gradient history and so work over a different
# range of :math:`\eta` than SGD and Momentum. SGD's best rate is the largest
# one tried: on a real problem, extend the grid until the best rate lies inside.
fig, (left, right) = plt.subplots(1, 2, figsize=(12, 4.5), layout="constrained")
for name, lr in best_lr.items():
    loss = runs[name, lr].train_loss
    left.semilogy(np.arange(1, len(loss) + 1), loss, label=f"{name}, η={lr:g}")
    right.loglog(learning_rates, [final[name, r] for r in learning_rates], "o-", label=name)
left.set(xlabel="epoch", ylabel="training loss (cross-entropy)", title="at the best learning rate")
right.set(
    xlabel=r"learning rate $\eta$", ylabel="final training loss", title=f"after {epochs} epochs"
)
left.legend()
right.legend()
fig.savefig(args.out / "optimizers.png", dpi=100)
