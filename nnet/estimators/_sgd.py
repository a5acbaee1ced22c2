"""scikit-learn's stochastic-solver epoch logic, as one callback of :func:`nnet.training.train`.

After every epoch scikit-learn's MLP records the loss, prints ``Iteration N, loss
= ...`` when verbose, scores the validation set with early stopping (keeping the
best weights), counts epochs without an improvement of at least ``tol`` (of the
training loss, or of the validation *score* with early stopping), updates the
``"invscaling"`` learning rate, and after more than ``n_iter_no_change`` such
epochs either stops or, with ``learning_rate="adaptive"``, divides the rate by 5
(stopping once it is below 1e-6). :class:`EpochMonitor` does exactly that from
inside one ``train`` call; the epoch count and the rate are its own, so nothing
depends on how ``train`` numbers epochs across calls.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

from nnet.callbacks import History
from nnet.network import NeuralNetwork
from nnet.utils.types import Pairs


@dataclasses.dataclass
class Progress:
    """What carries over from one ``fit``/``partial_fit`` to the next (the fitted state)."""

    loss_curve: list[float]
    best_loss: float | None
    validation_scores: list[float] | None
    best_validation_score: float | None
    best_layers: Pairs
    no_improvement_count: int = 0
    t: int = 0
    learning_rate: float | None = None  # the current rate of "sgd" (adaptive/invscaling)


@dataclasses.dataclass
class Rules:
    """The parameters the epoch logic reads, resolved by the estimator."""

    tol: float
    n_iter_no_change: float
    schedule: str | None  # "constant", "invscaling" or "adaptive" for solver="sgd", else None
    learning_rate_init: float
    power_t: float
    lr_factor: float  # nnet's step size = scikit-learn's / lr_factor (see _BaseMLP._loss_factor)
    loss_factor: float  # nnet's cost = loss_factor * scikit-learn's loss
    verbose: bool


class EpochMonitor:
    """``callback(epoch, history, net)`` for :func:`nnet.training.train`; truthy stops.

    ``score`` (``None`` without early stopping) returns the validation score of the
    network as it is. ``stopped`` tells afterwards whether the no-improvement rule
    ended training (as opposed to running out of epochs).
    """

    def __init__(
        self,
        progress: Progress,
        rules: Rules,
        optimizer: Any,
        n_samples: int,
        score: Callable[[NeuralNetwork], float] | None,
    ) -> None:
        self.progress, self.rules, self.optimizer = progress, rules, optimizer
        self.n_samples, self.score = n_samples, score
        self.n_iter = 0
        self.stopped = False

    def __call__(self, epoch: int, history: History, net: NeuralNetwork) -> bool:
        progress, rules = self.progress, self.rules
        loss = history.train_loss[-1] / rules.loss_factor
        self.n_iter += 1
        progress.t += self.n_samples
        progress.loss_curve.append(loss)
        if rules.verbose:
            print(f"Iteration {self.n_iter}, loss = {loss:.8f}")
        self._count_no_improvement(net)
        if rules.schedule == "invscaling":
            self._set_rate(rules.learning_rate_init / (progress.t + 1) ** rules.power_t)
        if progress.no_improvement_count > rules.n_iter_no_change:
            if self._stop_or_slow_down():
                self.stopped = True
                return True
            progress.no_improvement_count = 0
        return False

    def diverged(self) -> None:
        """Record the epoch whose loss stopped being finite, as scikit-learn does: NaNs."""
        self.n_iter += 1
        self.progress.t += self.n_samples
        self.progress.loss_curve.append(float("nan"))
        if self.progress.validation_scores is not None:
            self.progress.validation_scores.append(float("nan"))

    def _count_no_improvement(self, net: NeuralNetwork) -> None:
        progress, tol = self.progress, self.rules.tol
        if self.score is None:
            loss = progress.loss_curve[-1]
            assert progress.best_loss is not None
            improved = loss <= progress.best_loss - tol
            progress.best_loss = min(progress.best_loss, loss)
        else:
            score = float(self.score(net))
            assert progress.validation_scores is not None
            assert progress.best_validation_score is not None
            progress.validation_scores.append(score)
            if self.rules.verbose:
                print(f"Validation score: {score:f}")
            improved = score >= progress.best_validation_score + tol
            if score > progress.best_validation_score:
                progress.best_validation_score = score
                progress.best_layers = [(W.copy(), b.copy()) for W, b in net.layers]
        progress.no_improvement_count = 0 if improved else progress.no_improvement_count + 1

    def _stop_or_slow_down(self) -> bool:
        rules, what = self.rules, "Validation score" if self.score else "Training loss"
        message = (
            f"{what} did not improve more than tol={rules.tol:f} for "
            f"{rules.n_iter_no_change} consecutive epochs."
        )
        rate = self.progress.learning_rate
        if rules.schedule != "adaptive" or rate is None:
            stop = True
            message += " Stopping."
        elif rate <= 1e-6:
            stop = True
            message += " Learning rate too small. Stopping."
        else:
            self._set_rate(rate / 5.0)
            stop = False
            message += f" Setting learning rate to {rate / 5.0:f}"
        if rules.verbose:
            print(message)
        return stop

    def _set_rate(self, rate: float) -> None:
        """Set scikit-learn's rate; the optimizer gets it in nnet's scale."""
        self.progress.learning_rate = rate
        self.optimizer.learning_rate = rate / self.rules.lr_factor
