"""Tests of nnet.schedules: the formulas at chosen epochs, the registry, validation, and an
optimizer following its schedule epoch by epoch."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

import nnet.schedules as schedules_module
from nnet.optimizers import SGD, Adam
from nnet.schedules import (
    SCHEDULES,
    Constant,
    CosineDecay,
    ExponentialDecay,
    InverseTimeDecay,
    LambdaSchedule,
    Schedule,
    StepDecay,
    as_schedule,
    get_schedule,
)

# name -> constructor arguments; every registry entry needs a row
REGISTRY_KWARGS = {
    "constant": {"learning_rate": 0.1},
    "step": {"initial": 0.1, "drop": 0.5, "every": 3},
    "exponential": {"initial": 0.1, "decay_rate": 0.9},
    "inverse_time": {"initial": 0.1, "decay_rate": 0.5},
    "cosine": {"initial": 0.1, "total_epochs": 10, "final": 0.01},
    "step_inverse_time": {"t0": 5.0, "t1": 50.0},
}


@pytest.mark.parametrize(
    ("schedule", "epoch", "expected"),
    [
        (Constant(0.3), 0, 0.3),
        (Constant(0.3), 1000, 0.3),
        # 0.1 * 0.5^floor(e / 10)
        (StepDecay(0.1), 0, 0.1),
        (StepDecay(0.1), 9, 0.1),
        (StepDecay(0.1), 10, 0.05),
        (StepDecay(0.1), 25, 0.025),
        (StepDecay(2.0, drop=0.1, every=3), 7, 0.02),  # 2 * 0.1^2
        (StepDecay(0.1, drop=1.0, every=1), 50, 0.1),
        # 0.01 * 0.95^e
        (ExponentialDecay(1e-2, 0.95), 0, 0.01),
        (ExponentialDecay(1e-2, 0.95), 1, 0.0095),
        (ExponentialDecay(1e-2, 0.95), 2, 0.009025),
        (ExponentialDecay(1.0, 0.5), 10, 1 / 1024),
        # 0.1 / (1 + 0.5 e)
        (InverseTimeDecay(0.1, 0.5), 0, 0.1),
        (InverseTimeDecay(0.1, 0.5), 2, 0.05),
        (InverseTimeDecay(0.1, 0.5), 4, 0.1 / 3),
        (InverseTimeDecay(0.1, 0.0), 99, 0.1),
        # 0.2 + 0.4 (1 + cos(pi e / 4)) from 1.0 to 0.2 over 4 epochs, then 0.2
        (CosineDecay(1.0, 4, final=0.2), 0, 1.0),
        (CosineDecay(1.0, 4, final=0.2), 1, 0.2 + 0.4 * (1 + math.sqrt(0.5))),
        (CosineDecay(1.0, 4, final=0.2), 2, 0.6),
        (CosineDecay(1.0, 4, final=0.2), 3, 0.2 + 0.4 * (1 - math.sqrt(0.5))),
        (CosineDecay(1.0, 4, final=0.2), 4, 0.2),
        (CosineDecay(1.0, 4, final=0.2), 40, 0.2),
        (CosineDecay(0.1, 10), 5, 0.05),
        (CosineDecay(0.1, 10), 10, 0.0),
        # anything callable
        (LambdaSchedule(lambda e: 1.0 / (e + 1)), 3, 0.25),
    ],
    ids=repr,
)
def test_values_follow_the_formulas(schedule, epoch, expected):
    value = schedule(epoch)
    assert type(value) is float
    assert value == pytest.approx(expected, rel=1e-12, abs=1e-15)


def test_every_registry_entry_has_a_row():
    assert set(SCHEDULES) == set(REGISTRY_KWARGS)


@pytest.mark.parametrize("name", sorted(SCHEDULES))
def test_registered_schedules_start_at_their_rate_and_never_increase(name):
    kwargs = REGISTRY_KWARGS[name]
    schedule = get_schedule(name, **kwargs)
    assert isinstance(schedule, SCHEDULES[name])
    values = [schedule(epoch) for epoch in range(60)]
    first = kwargs["t0"] / kwargs["t1"] if "t0" in kwargs else None
    assert values[0] == kwargs.get("initial", kwargs.get("learning_rate", first))
    assert all(np.isfinite(values)) and min(values) >= 0
    assert all(later <= earlier for earlier, later in itertools.pairwise(values))
    rebuilt = eval(repr(schedule), vars(schedules_module))
    assert rebuilt.get_config() == schedule.get_config() == kwargs
    assert [rebuilt(epoch) for epoch in range(60)] == values


@pytest.mark.parametrize("name", sorted(SCHEDULES))
@pytest.mark.parametrize(
    ("epoch", "error"), [(-1, ValueError), (1.0, TypeError), (True, TypeError)]
)
def test_epoch_must_be_a_non_negative_int(name, epoch, error):
    schedule = get_schedule(name, **REGISTRY_KWARGS[name])
    with pytest.raises(error, match=r"(epoch|step) must be an int >= 0"):
        schedule(epoch)
    assert schedule(np.int64(2)) == schedule(2)


@pytest.mark.parametrize(
    ("cls", "kwargs", "error", "match"),
    [
        (Constant, {"learning_rate": 0.0}, ValueError, "learning_rate must be a finite number > 0"),
        (Constant, {"learning_rate": "0.1"}, TypeError, "learning_rate"),
        (StepDecay, {"initial": -1.0}, ValueError, "initial must be a finite number > 0"),
        (StepDecay, {"initial": math.nan}, ValueError, "initial"),
        (StepDecay, {"initial": math.inf}, ValueError, "initial"),
        (StepDecay, {"initial": True}, TypeError, "initial"),
        (StepDecay, {"initial": 0.1, "drop": 0.0}, ValueError, r"drop must be .* in \(0, 1\]"),
        (StepDecay, {"initial": 0.1, "drop": 1.5}, ValueError, "drop"),
        (StepDecay, {"initial": 0.1, "every": 0}, ValueError, "every must be a positive int"),
        (StepDecay, {"initial": 0.1, "every": 2.0}, TypeError, "every must be a positive int"),
        (ExponentialDecay, {"initial": 0.1, "decay_rate": 1.01}, ValueError, "decay_rate"),
        (ExponentialDecay, {"initial": 0.1, "decay_rate": 0.0}, ValueError, "decay_rate"),
        (InverseTimeDecay, {"initial": 0.1, "decay_rate": -0.1}, ValueError, "decay_rate"),
        (InverseTimeDecay, {"initial": 0, "decay_rate": 0.1}, ValueError, "initial"),
        (CosineDecay, {"initial": 0.1, "total_epochs": 0}, ValueError, "total_epochs"),
        (CosineDecay, {"initial": 0.1, "total_epochs": None}, TypeError, "total_epochs"),
        (CosineDecay, {"initial": 0.1, "total_epochs": 5, "final": 0.2}, ValueError, "final"),
        (CosineDecay, {"initial": 0.1, "total_epochs": 5, "final": -0.01}, ValueError, "final"),
        (LambdaSchedule, {"fn": 0.1}, TypeError, "fn must be a callable"),
    ],
)
def test_bad_arguments_are_refused_by_name(cls, kwargs, error, match):
    with pytest.raises(error, match=match):
        cls(**kwargs)


def test_as_schedule():
    assert as_schedule(0.5)(7) == 0.5
    assert isinstance(as_schedule(np.float32(0.5)), Constant)
    step = StepDecay(0.1)
    assert as_schedule(step) is step
    wrapped = as_schedule(lambda epoch: 0.1 * 0.5**epoch)
    assert isinstance(wrapped, Schedule) and wrapped(3) == 0.1 / 8
    for bad, error in [(0.0, ValueError), (-1, ValueError), (math.nan, ValueError),
                       (True, TypeError), ("fast", TypeError), (None, TypeError)]:  # fmt: skip
        with pytest.raises(error, match="learning_rate"):
            as_schedule(bad)
    with pytest.raises(ValueError, match="must be a finite number >= 0, got -1"):
        as_schedule(lambda epoch: -1.0)  # checked at epoch 0
    late_negative = as_schedule(lambda epoch: 1.0 - epoch)
    with pytest.raises(ValueError, match=r"\(2\) must be a finite number >= 0"):
        late_negative(2)


def test_get_schedule_lookup():
    assert get_schedule(0.01).get_config() == {"learning_rate": 0.01}
    cosine = CosineDecay(0.1, 5)
    assert get_schedule(cosine) is cosine
    with pytest.raises(ValueError, match=r"unknown schedule 'linear'.*'constant', 'cosine'"):
        get_schedule("linear")
    with pytest.raises(ValueError, match=r"schedule must be a finite number > 0, got -0\.5"):
        get_schedule(-0.5)
    with pytest.raises(TypeError, match=r"or a name in \['constant'"):
        get_schedule({"rate": 0.1})
    with pytest.raises(TypeError, match="keyword arguments"):
        get_schedule(0.1, every=2)


def test_custom_schedule_subclass():
    class Halving(Schedule):
        def __init__(self, initial: float) -> None:
            self.initial = initial

        def __call__(self, epoch: int) -> float:
            return self.initial / 2**epoch

    assert repr(Halving(1.0)) == "Halving(initial=1.0)"
    assert SGD(learning_rate=Halving(1.0)).schedule(3) == 0.125
    with pytest.raises(TypeError, match="abstract"):
        Schedule()  # type: ignore[abstract]


def test_optimizer_uses_the_schedule_of_its_epoch():
    opt = SGD(learning_rate=StepDecay(0.1, drop=0.5, every=2))
    grads = [(np.array([[1.0, -2.0]]), np.array([4.0, 0.5]))]
    # epoch 0: lr 0.1, u = -0.1 g
    np.testing.assert_allclose(opt.step(grads)[0][0], [[-0.1, 0.2]])
    opt.set_epoch(3)  # 0.1 * 0.5^floor(3/2) = 0.05
    assert opt.current_learning_rate == 0.05
    uW, ub = opt.step(grads)[0]
    np.testing.assert_allclose(uW, [[-0.05, 0.1]])
    np.testing.assert_allclose(ub, [-0.2, -0.025])
    opt.set_epoch(4)  # 0.1 * 0.5^2 = 0.025
    np.testing.assert_allclose(opt.step(grads)[0][1], [-0.1, -0.0125])
    opt.reset()  # epoch back to 0
    assert opt.current_learning_rate == 0.1


def test_adam_with_exponential_decay_per_epoch():
    opt = Adam(learning_rate=ExponentialDecay(1e-2, 0.95))
    opt.set_epoch(2)
    # Adam's first step is -lr sign(g) (up to eps), lr = 0.01 * 0.95^2 = 0.009025
    [(uW, ub)] = opt.step([(np.array([[3.0]]), np.array([-0.2]))])
    np.testing.assert_allclose([uW[0, 0], ub[0]], [-0.009025, 0.009025], rtol=1e-7)


def test_a_bad_schedule_value_fails_the_step_without_counting_it():
    opt = SGD(learning_rate=lambda epoch: 0.1 if epoch == 0 else -0.1)
    grads = [(np.ones((1, 1)), np.ones(1))]
    opt.step(grads)
    opt.set_epoch(1)
    with pytest.raises(ValueError, match=r"\(1\) must be a finite number >= 0, got -0\.1"):
        opt.step(grads)
    assert opt.t == 1
