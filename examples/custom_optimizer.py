r"""
Writing your own optimizer
==========================

:func:`~nnet.training.train` accepts two kinds of optimizer:

1. a subclass of :class:`nnet.optimizers.Optimizer`, which writes one method,
   ``update(grad, state, learning_rate)``: the additive update of *one*
   parameter array, given its gradient and a dict for its own state. The base
   class does the rest: the loop over every ``W`` and ``b``, input checks, the
   step count ``t``, learning-rate schedules, ``get_config``, ``repr`` and
   ``state_dict``/``load_state_dict`` for checkpoints;
2. any object with a ``step(layer_grads)`` method that returns the updates
   ``[(uW, ub), ...]`` to *add* to the parameters (duck typing, see
   :class:`nnet.optimizers.SupportsStep`); ``set_epoch(epoch)`` is called
   before each epoch when the object has it.

As examples we write the Lion optimizer (Chen et al., 2023, *Symbolic
discovery of optimization algorithms*) as a subclass, and gradient-norm
clipping as a duck-typed wrapper around any other optimizer.
"""

import argparse
import os
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

from nnet import NeuralNetwork
from nnet.optimizers import SGD, Adam, Optimizer
from nnet.training import train

parser = argparse.ArgumentParser(description="Write and plug in your own optimizer.")
parser.add_argument("--out", type=Path, default=Path("figures"), help="folder for the figures")
parser.add_argument("--quick", action="store_true", help="tiny settings (or NNET_EXAMPLES_QUICK=1)")
args, _ = parser.parse_known_args()
QUICK = args.quick or os.environ.get("NNET_EXAMPLES_QUICK") == "1"
args.out.mkdir(parents=True, exist_ok=True)
EPOCHS = 3 if QUICK else 30

# %%
# 1. A subclass: Lion
# -------------------
# Lion steps by the *sign* of an interpolation between the momentum and the
# current gradient, so every coordinate moves by exactly :math:`\eta`:
#
# .. math::
#     u = -\eta\,\operatorname{sign}\big(\beta_1 m + (1 - \beta_1) g\big), \qquad
#     m \leftarrow \beta_2 m + (1 - \beta_2) g.
#
# Store each constructor argument under its own name: ``get_config`` and
# ``repr`` read them back. ``init`` makes the state (zeros shaped like the
# parameters, all of them as one flat vector) and ``update`` changes it in place,
# as optax's ``init``/``update`` pair does.


class Lion(Optimizer):
    """Lion: sign of the interpolated momentum, times the learning rate."""

    def __init__(self, learning_rate=1e-4, beta1=0.9, beta2=0.99):
        super().__init__(learning_rate)
        self.beta1, self.beta2 = beta1, beta2

    def init(self, params):
        return {"momentum": np.zeros_like(params)}

    def update(self, grad, state, learning_rate, params=None):
        m = state["momentum"]
        update = -learning_rate * np.sign(self.beta1 * m + (1.0 - self.beta1) * grad)
        m *= self.beta2
        m += (1.0 - self.beta2) * grad
        return update


lion = Lion(learning_rate=1e-3)
[(uW, ub)] = lion.step([(np.array([[0.5, -2.0]]), np.array([0.25, -1.0]))])
print(lion, "first step:", uW, ub)
arrays, meta = lion.state_dict()
print("state to checkpoint:", sorted(arrays), "t =", meta["t"])
lion.reset()

# %%
# 2. A duck-typed object: clipping the gradient norm
# --------------------------------------------------
# Rescale the whole gradient when its norm exceeds ``max_norm``, then hand it
# to any other optimizer. It needs no base class, only ``step``; it forwards
# ``set_epoch`` so that the inner optimizer's learning-rate schedule still works.


class ClipGradNorm:
    """Clip the global gradient norm to ``max_norm``, then step ``inner``."""

    def __init__(self, inner, max_norm):
        self.inner, self.max_norm, self.clipped = inner, max_norm, 0

    def set_epoch(self, epoch):
        if hasattr(self.inner, "set_epoch"):
            self.inner.set_epoch(epoch)

    def step(self, layer_grads):
        norm = np.sqrt(sum(np.sum(dW**2) + np.sum(db**2) for dW, db in layer_grads))
        if norm > self.max_norm:
            scale = self.max_norm / norm
            layer_grads = [(dW * scale, db * scale) for dW, db in layer_grads]
            self.clipped += 1
        return self.inner.step(layer_grads)


# %%
# Plugging them in
# ----------------
# The digits data set, a 64 → 32 tanh → 10 softmax network, the same initial
# weights and mini-batches for every run. Plain SGD with the large learning
# rate 3 is unstable; the same SGD behind the clipping wrapper trains well.
X, y = load_digits(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(
    X / 16.0, y, test_size=0.25, stratify=y, random_state=0
)
Y_train = np.eye(10)[y_train]

clip = ClipGradNorm(SGD(learning_rate=3.0), max_norm=1.0)
runs = {
    "Adam(0.01)": Adam(learning_rate=0.01),
    "Lion(0.001), our subclass": lion,
    "SGD(3.0)": SGD(learning_rate=3.0),
    "SGD(3.0) with clipping, our wrapper": clip,
}
histories = {}
for label, optimizer in runs.items():
    net = NeuralNetwork(64, [32, 10], ["tanh", "softmax"], cost_fun="cross_entropy", seed=0)
    histories[label] = train(net, optimizer, X_train, Y_train, epochs=EPOCHS, batch_size=32, seed=0)
    accuracy = np.mean(net.predict(X_test).argmax(axis=1) == y_test)
    print(
        f"{label:36} final loss {histories[label].train_loss[-1]:.4f}, test accuracy {accuracy:.3f}"
    )
print(f"the wrapper clipped {clip.clipped} of {clip.inner.t} steps")

# %%
# The loss curves
# ---------------
fig, ax = plt.subplots(figsize=(7, 4.5), layout="constrained")
for label, history in histories.items():
    ax.semilogy(np.arange(1, EPOCHS + 1), history.train_loss, label=label)
ax.set(xlabel="epoch", ylabel="training loss (cross-entropy)", title="Custom optimizers on digits")
ax.legend()
fig.savefig(args.out / "custom_optimizer.png", dpi=100)
