"""Training resumes from saved files exactly as if it had never stopped."""

from __future__ import annotations

import numpy as np
import pytest

from nnet import NeuralNetwork, train
from nnet.optimizers import OPTIMIZERS, get_optimizer
from nnet.serialization import load_optimizer_state, save_optimizer_state


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_resuming_from_saved_network_and_optimizer_equals_uninterrupted_training(name, tmp_path):
    rng = np.random.default_rng(0)
    X, Y = rng.normal(size=(40, 3)), rng.normal(size=(40, 2))

    def fresh() -> NeuralNetwork:
        return NeuralNetwork(3, [5, 2], ["tanh", "identity"], init="xavier", seed=1)

    straight = fresh()
    straight_opt = get_optimizer(name, learning_rate=0.01)
    shuffle = np.random.default_rng(7)
    train(straight, straight_opt, X, Y, epochs=4, batch_size=8, rng=shuffle)

    first = fresh()
    first_opt = get_optimizer(name, learning_rate=0.01)
    shuffle = np.random.default_rng(7)
    train(first, first_opt, X, Y, epochs=2, batch_size=8, rng=shuffle)
    first.save(tmp_path / "net.safetensors")
    save_optimizer_state(first_opt, tmp_path / "opt.safetensors")

    resumed = NeuralNetwork.load(tmp_path / "net.safetensors")
    resumed_opt = load_optimizer_state(tmp_path / "opt.safetensors")
    train(resumed, resumed_opt, X, Y, epochs=2, batch_size=8, rng=shuffle)
    for (W, b), (W_ref, b_ref) in zip(resumed.layers, straight.layers, strict=True):
        np.testing.assert_array_equal(W, W_ref)
        np.testing.assert_array_equal(b, b_ref)
