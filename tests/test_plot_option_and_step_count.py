"""Two small faults of issue 24: ``nnet train --plot`` with a file type matplotlib
cannot write, and the step count of an optimizer whose step is refused."""

from __future__ import annotations

import numpy as np
import pytest

from nnet.optimizers import SGD


def test_a_plot_file_matplotlib_cannot_write_is_a_user_error_before_training(tmp_path, capsys):
    pytest.importorskip("matplotlib")
    from nnet.cli import main

    status = main(["train", "--epochs", "1", "--quiet", "--plot", str(tmp_path / "curves.xyz")])
    err = capsys.readouterr().err
    assert status == 2 and "Traceback" not in err and err.count("\n") == 1
    assert err.startswith("nnet: error: --plot") and ".xyz" in err and ".png" in err
    assert list(tmp_path.iterdir()) == []


def test_a_refused_step_does_not_count():
    class Picky(SGD):
        """SGD that refuses a gradient with a large entry."""

        def update(self, grad, state, learning_rate):
            if np.abs(grad).max() > 1:
                raise ValueError("gradient too large")
            return super().update(grad, state, learning_rate)

    opt = Picky(0.1)
    small = [(np.full((2, 1), 0.5), np.zeros(1))]
    opt.step(small)
    with pytest.raises(ValueError, match="too large"):
        opt.step([(np.full((2, 1), 5.0), np.zeros(1))])
    assert opt.t == 1
    opt.step(small)
    assert opt.t == 2
