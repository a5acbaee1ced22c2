"""``nnet train``: load and check the data, build the network, train, report, save.

The data options (``--dataset``/``--csv``, ``--target``, ``--task``, the split and the
standardization) are shared with ``nnet sweep`` (:mod:`nnet.cli._sweep`). The calls
whose ``ValueError`` is the user's mistake run inside
:func:`~nnet.cli._errors.user_input`; see :mod:`nnet.cli._errors`.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from nnet.cli._errors import UsageError, one_line, user_input
from nnet.datasets import DATASETS, Dataset, _target_type, load_csv, load_dataset
from nnet.metrics import METRICS
from nnet.network import NeuralNetwork, check_n_params
from nnet.optimizers import OPTIMIZERS, get_optimizer
from nnet.serialization import save_network
from nnet.training import DivergenceWarning, train

if TYPE_CHECKING:
    from nnet.callbacks import History

__all__ = [
    "add_data_args",
    "add_optimizer_args",
    "check_train_args",
    "load_data",
    "refuse_overwriting",
    "run_train",
    "split",
    "standardizer",
    "targets",
]


def add_data_args(parser: argparse.ArgumentParser) -> None:
    """Add the data options of ``nnet train`` and ``nnet sweep``: the source and the task."""
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--dataset", choices=sorted(DATASETS), default=None)
    source.add_argument("--csv", type=Path, help="a CSV file with a header line")
    parser.add_argument("--target", help="the target column of --csv")
    parser.add_argument("--task", choices=["auto", "classification", "regression"], default="auto")


def add_optimizer_args(parser: argparse.ArgumentParser) -> None:
    """Add the options both commands share from ``--activation`` to ``--batch-size``."""
    parser.add_argument("--activation", default="sigmoid", help="hidden activation (sigmoid)")
    parser.add_argument("--optimizer", choices=sorted(OPTIMIZERS), default="momentum")
    parser.add_argument("--lr", type=float, default=0.01, help="learning rate (0.01)")
    parser.add_argument("--momentum", type=float, default=0.9, help="for --optimizer momentum")
    parser.add_argument("--epochs", type=int, default=100)
    parser.add_argument("--batch-size", type=int, default=10, help="0 for full-batch GD")


def load_data(args: argparse.Namespace) -> tuple[str, Dataset]:
    """The data set named by ``--dataset`` or read from ``--csv``, and its name."""
    if args.csv is not None:
        if not args.target:
            raise UsageError("--csv needs --target COLUMN")
        task = None if args.task == "auto" else args.task
        with user_input():  # the file's refusals (missing column, bad value...)
            return str(args.csv), load_csv(args.csv, args.target, task)
    if args.target:
        raise UsageError("--target goes with --csv")
    name = args.dataset or "iris"
    with user_input():
        data = load_dataset(name, seed=args.seed)
    if args.task != "auto":
        data.task = args.task
    return name, data


def _same_file(a: Path, b: Path) -> bool:
    """Whether ``a`` and ``b`` name the same file (through links, or by path if absent)."""
    try:
        return os.path.samefile(a, b)
    except OSError:  # one does not exist (yet)
        return os.path.realpath(a) == os.path.realpath(b)


def refuse_overwriting(outputs: dict[str, Path | None], inputs: dict[str, Path | None]) -> None:
    """UsageError if an output path is one of the input files (it would be overwritten)."""
    for out_flag, out in outputs.items():
        for in_flag, given in inputs.items():
            if out is not None and given is not None and _same_file(out, given):
                raise UsageError(
                    f"{out_flag} {out} is the {in_flag} file; writing it would destroy the "
                    "input, so choose another path"
                )


def check_train_args(args: argparse.Namespace) -> None:
    """Check the options of ``nnet train`` (and those ``nnet sweep`` shares) before any work."""
    if args.epochs <= 0:
        raise UsageError(f"--epochs must be a positive int, got {args.epochs}")
    if args.batch_size < 0:
        raise UsageError(f"--batch-size must be >= 0, got {args.batch_size}")
    if not 0.0 < args.test_size < 1.0:
        raise UsageError(f"--test-size must be in (0, 1), got {args.test_size}")
    if not 0 <= args.seed < 2**32:  # scikit-learn's split takes no other seeds
        raise UsageError(f"--seed must be an int in [0, {2**32 - 1}], got {args.seed}")
    patience = getattr(args, "early_stopping", None)  # (nnet sweep shares these checks)
    if patience is not None and patience <= 0:
        raise UsageError(f"--early-stopping must be a positive int, got {patience}")
    save = getattr(args, "save", None)
    refuse_overwriting({"--save": save, "--plot": args.plot}, {"--csv": args.csv})
    if save is not None and args.plot is not None and _same_file(save, args.plot):
        raise UsageError(f"--save and --plot are the same file {save}")
    if args.plot is not None:
        _pyplot_backend(args.plot)  # before training, not after it


def targets(data: Dataset) -> tuple[np.ndarray, list[Any]]:
    """One-hot targets and the class labels, or a column of values and no labels."""
    if data.task == "regression":
        if data.y.dtype.kind not in "fiu":
            raise UsageError(
                f"target {data.target_name!r} is not numeric; use --task classification"
            )
        return data.y.astype(float).reshape(-1, 1), []
    if _target_type(data.y) == "continuous":
        examples = ", ".join(f"{v:g}" for v in data.y[:3])
        raise UsageError(
            f"target {data.target_name!r} looks continuous ({len(np.unique(data.y))} distinct "
            f"values such as {examples}), not like class labels; use --task regression, "
            "or bin it into classes first"
        )
    classes, codes = np.unique(data.y, return_inverse=True)
    if len(classes) < 2:
        raise UsageError(f"target {data.target_name!r} has a single class; nothing to learn")
    return np.eye(len(classes))[codes], classes.tolist()


def split(
    args: argparse.Namespace,
    X: np.ndarray,
    Y: np.ndarray,
    classes: list[Any],
    size: float | None = None,
) -> Any:
    """Train/test split (``size``: the test fraction, ``args.test_size`` by default)."""
    size = args.test_size if size is None else size
    from sklearn.model_selection import train_test_split

    stratify = Y.argmax(axis=1) if classes else None
    if stratify is not None and np.bincount(stratify).min() < 2:
        singles = int((np.bincount(stratify) == 1).sum())
        raise UsageError(
            f"the target has {len(classes)} classes and {singles} of them have a single "
            "sample, too few to split for testing; if it is a quantity, use --task regression"
        )
    try:
        return train_test_split(X, Y, test_size=size, random_state=args.seed, stratify=stratify)
    except ValueError as err:  # e.g. too few samples of a class for the split
        raise UsageError(f"cannot split the data for testing: {one_line(str(err))}") from None


def standardizer(
    args: argparse.Namespace, X: np.ndarray, names: Sequence[str] | None = None
) -> tuple[list[float], list[float]]:
    """Each column's mean and scale (0 and 1 with --no-standardize); names for errors."""
    names = names or [f"column {i}" for i in range(X.shape[1])]
    if args.no_standardize:
        return [0.0] * X.shape[1], [1.0] * X.shape[1]
    with np.errstate(over="ignore", invalid="ignore"):
        mean = X.mean(axis=0)
        scale = X.std(axis=0)
    bad = ~(np.isfinite(mean) & np.isfinite(scale))
    if bad.any():
        column = int(np.argmax(bad))
        raise UsageError(
            f"feature {names[column]!r} is too large to standardize (values up to "
            f"{np.abs(X[:, column]).max():.3g}); rescale it (e.g. divide it by a power of 10)"
        )
    scale[scale == 0] = 1.0  # a constant column stays constant
    return mean.tolist(), scale.tolist()


def _scores(net: NeuralNetwork, X: np.ndarray, Y: np.ndarray, metrics: list[str]) -> str:
    # predict refuses inputs so large that the outputs overflow: the user's data
    with np.errstate(over="ignore", invalid="ignore"), user_input():
        pred = net.predict(X)
    if not np.isfinite(pred).all():
        return "(the predictions are not finite)"
    return ", ".join(f"{name} {METRICS[name](Y, pred):.4f}" for name in metrics)


def _build_network(
    args: argparse.Namespace, n_inputs: int, n_outputs: int, classes: list[Any]
) -> NeuralNetwork:
    output, cost = ("softmax", "cross_entropy") if classes else ("identity", "mse")
    sizes = [*args.hidden, n_outputs]
    try:
        check_n_params(n_inputs, sizes)  # the library's size limit, before allocating
    except ValueError as err:
        raise UsageError(f"--hidden {','.join(map(str, args.hidden))}: {err}") from None
    activations = [args.activation] * len(args.hidden) + [output]
    with user_input():  # --activation, --init, --l1, --l2
        return NeuralNetwork(n_inputs, sizes, activations, cost_fun=cost, l1=args.l1,
                             l2=args.l2, init=args.init, seed=args.seed)  # fmt: skip


def run_train(args: argparse.Namespace) -> None:
    """Run ``nnet train``: load, split and standardize the data, train, report, save."""
    check_train_args(args)
    name, data = load_data(args)
    Y, classes = targets(data)
    X_train, X_test, Y_train, Y_test = split(args, data.X, Y, classes)
    net = _build_network(args, X_train.shape[1], Y.shape[1], classes)  # sizes checked first
    mean, scale = standardizer(args, X_train, data.feature_names)
    X_train, X_test = (X_train - mean) / scale, (X_test - mean) / scale
    validation = (X_test, Y_test)
    if args.early_stopping is not None:  # never choose the epoch on the test split
        X_train, X_val, Y_train, Y_val = split(args, X_train, Y_train, classes, 0.2)
        validation = (X_val, Y_val)
    kwargs = {"momentum": args.momentum} if args.optimizer == "momentum" else {}
    with user_input():  # --lr, --momentum
        optimizer = get_optimizer(args.optimizer, learning_rate=args.lr, **kwargs)
    print(f"{name}: {len(data.X)} samples, {data.X.shape[1]} features, {data.task}"
          + (f" with {len(classes)} classes" if classes else "")
          + f"; train {len(X_train)}, test {len(X_test)}"
          + (f", validation {len(validation[0])}" if args.early_stopping else ""))  # fmt: skip
    activations = ", ".join(act.name for act in net.activation_funcs)
    print(f"network: {' -> '.join(map(str, [net.network_input_size, *net.layer_output_sizes]))} "
          f"({activations}), cost {net.cost_fun.name}; optimizer {optimizer!r}")  # fmt: skip
    metrics = ["accuracy"] if classes else ["mse", "r2"]
    start = time.perf_counter()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", DivergenceWarning)
        history = train(net, optimizer, X_train, Y_train, epochs=args.epochs,
                        batch_size=args.batch_size or None, validation_data=validation,
                        metrics=metrics, early_stopping=args.early_stopping, seed=args.seed,
                        progress=not args.quiet)  # fmt: skip
    elapsed = time.perf_counter() - start
    print(f"epochs run: {history.epochs_run} ({history.stop_reason}) in {elapsed:.2f} s")
    print(f"train {_scores(net, X_train, Y_train, metrics)}")
    print(f"test  {_scores(net, X_test, Y_test, metrics)}")
    sys.stdout.flush()
    for warning in caught:  # one line each (a DivergenceWarning is reported below)
        if not issubclass(warning.category, DivergenceWarning):
            print(f"nnet: warning: {one_line(str(warning.message))}", file=sys.stderr)
    if args.plot is not None and history.epochs_run > 0:
        _plot(history, args.plot, metrics, early_stopping=args.early_stopping is not None)
    _end_of_training(args, history, caught)
    if args.save is not None:
        extra = {"features": data.feature_names, "target": data.target_name, "task": data.task,
                 "classes": classes, "mean": mean, "scale": scale}  # fmt: skip
        save_network(net, args.save, extra=extra)
        print(f"saved the model to {args.save}")


def _end_of_training(args: argparse.Namespace, history: History, caught: list[Any]) -> None:
    """Raise for a run that must not be saved: interrupted (Ctrl-C) or diverged."""
    unwritten = [flag for flag, path in (("--save", args.save), ("--plot", args.plot)) if path]
    if history.epochs_run > 0 and "--plot" in unwritten:
        unwritten.remove("--plot")  # the curves of the epochs done were drawn
    not_saved = f"; nothing was written to {' or '.join(unwritten)}" if unwritten else ""
    if history.stop_reason == "interrupted":
        raise KeyboardInterrupt(f"in epoch {history.epochs_run + 1}{not_saved}")
    if history.stop_reason == "diverged":
        reason = next(
            (str(w.message) for w in caught if issubclass(w.category, DivergenceWarning)),
            "training diverged",
        )
        raise UsageError(
            f"{one_line(reason.split('. ')[0])}{not_saved}; try a smaller --lr (now {args.lr:g})"
        )


def _pyplot_backend(path: Path) -> None:
    """Files only, no window; and a file type matplotlib can write (``p.png``, ``p.pdf``...)."""
    try:
        import matplotlib
    except ImportError:
        raise UsageError('--plot needs matplotlib: pip install "nnet[plot]"') from None
    matplotlib.use("Agg")
    from matplotlib.backend_bases import FigureCanvasBase

    kind, known = Path(path).suffix.lower().lstrip("."), FigureCanvasBase.get_supported_filetypes()
    if kind and kind not in known:
        raise UsageError(f"--plot {path}: matplotlib cannot write .{kind} files; use one of "
                         f".{', .'.join(sorted(known))} (e.g. curves.png)")  # fmt: skip


def _plot(history: History, path: Path, metrics: list[str], early_stopping: bool) -> None:
    """The loss and metric curves; "test" or "validation" curves as they are; a best-epoch
    line only when the model holds the best epoch's weights (early stopping)."""
    from nnet.plotting import plot_history

    curves = history.as_dict()
    if not early_stopping:
        curves["best_epoch"] = None  # the model holds the last epoch's weights
    drawn = plot_history(curves, metrics=metrics)
    figure = getattr(drawn, "figure", drawn)
    split = "validation" if early_stopping else "test"
    for ax in figure.axes:
        for line in ax.get_lines():
            label = str(line.get_label())
            if label.startswith("val_"):
                line.set_label(split + "_" + label.removeprefix("val_"))
        if ax.get_legend() is not None:
            ax.legend()
    figure.savefig(path)
    print(f"saved the loss curves to {path}")
