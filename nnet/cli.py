"""The ``nnet`` command: ``nnet train``, ``nnet predict`` and ``nnet info``.

``nnet train`` with no arguments trains the seed network (Iris, 4 → 8 sigmoid → 3
softmax, Momentum(0.01, 0.9), batch 10, 100 epochs) and prints its accuracy. Every
user error (a missing file, an unknown column, a bad option value) prints one line
on stderr and exits with status 2, without a traceback; Ctrl-C prints one line and
exits with status 130; a closed output pipe (``nnet info ... | head -3``) ends quietly.
scikit-learn is imported on use, so that Ctrl-C during start-up is handled too.
"""

from __future__ import annotations

import argparse
import csv
import os
import signal
import sys
import time
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import numpy as np

from nnet._network_checks import check_n_params
from nnet._sweep_cli import add_sweep_parser, run_sweep
from nnet.datasets import (
    DATASETS,
    Dataset,
    _target_type,
    load_csv,
    load_dataset,
    numeric_columns,
    read_csv_columns,
)
from nnet.metrics import METRICS
from nnet.network import NeuralNetwork
from nnet.optimizers import OPTIMIZERS, get_optimizer
from nnet.serialization import ModelFileError, describe_file, load_network, save_network
from nnet.training import DivergenceWarning, train

if TYPE_CHECKING:
    from nnet.callbacks import History

__all__ = ["main"]


class UsageError(Exception):
    """A mistake of the user's: reported in one line, exit status 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:  # one line, no usage dump
        raise UsageError(message)


def _version() -> str:
    """The installed distribution's version (``importlib.metadata``), else the package's."""
    from importlib import metadata

    try:
        return metadata.version("nnet")
    except metadata.PackageNotFoundError:  # run from a source tree
        from nnet import __version__

        return __version__


def _hidden_sizes(text: str) -> list[int]:
    if text.strip().lower() in ("", "none", "0"):
        return []
    try:
        sizes = [int(part) for part in text.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected sizes like 64,32, got {text!r}") from None
    if any(size <= 0 for size in sizes):
        raise argparse.ArgumentTypeError(f"layer sizes must be positive, got {text!r}")
    return sizes


def _build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="nnet", description="Train, apply and describe nnet networks.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    tr = commands.add_parser(
        "train",
        help="train a network and report train/test metrics",
        description="Train a network and report its train and test metrics. The features "
        "are standardized by default (each column to mean 0 and standard deviation 1, with "
        "the training split's statistics, which a saved model keeps for predict); "
        "--no-standardize keeps them raw.",
    )
    source = tr.add_mutually_exclusive_group()
    source.add_argument("--dataset", choices=sorted(DATASETS), default=None)
    source.add_argument("--csv", type=Path, help="a CSV file with a header line")
    tr.add_argument("--target", help="the target column of --csv")
    tr.add_argument("--task", choices=["auto", "classification", "regression"], default="auto")
    tr.add_argument("--hidden", type=_hidden_sizes, default=[8], help="e.g. 64,32 (default 8)")
    tr.add_argument("--activation", default="sigmoid", help="hidden activation (sigmoid)")
    tr.add_argument("--optimizer", choices=sorted(OPTIMIZERS), default="momentum")
    tr.add_argument("--lr", type=float, default=0.01, help="learning rate (0.01)")
    tr.add_argument("--momentum", type=float, default=0.9, help="for --optimizer momentum")
    tr.add_argument("--epochs", type=int, default=100)
    tr.add_argument("--batch-size", type=int, default=10, help="0 for full-batch GD")
    tr.add_argument("--l1", type=float, default=0.0, help="L1 penalty on the weights (0)")
    tr.add_argument("--l2", type=float, default=0.0, help="L2 penalty on the weights (0)")
    tr.add_argument(
        "--early-stopping", type=int, default=None, metavar="PATIENCE",
        help="stop after PATIENCE epochs without a lower loss on a validation split (20%% of "
        "the training data) and keep the best epoch's weights",
    )  # fmt: skip
    tr.add_argument("--init", default="xavier", help="normal, xavier or he (xavier)")
    tr.add_argument(
        "--no-standardize", action="store_true",
        help="keep the raw features (by default each is standardized to mean 0, std 1)",
    )  # fmt: skip
    tr.add_argument("--seed", type=int, default=0)
    tr.add_argument("--test-size", type=float, default=0.2)
    tr.add_argument("--save", type=Path, help="write the model here (.safetensors)")
    tr.add_argument("--plot", type=Path, help="write the loss curves here (.png)")
    tr.add_argument("--quiet", action="store_true", help="no progress bar")
    pr = commands.add_parser("predict", help="predict the rows of a CSV file")
    pr.add_argument("--model", type=Path, required=True)
    pr.add_argument("--csv", type=Path, required=True)
    pr.add_argument("--output", type=Path, help="CSV to write (default: standard output)")
    pr.add_argument(
        "--proba", action="store_true", help="also write each class's probability (classifiers)"
    )
    info = commands.add_parser("info", help="describe a saved model")
    info.add_argument("--model", type=Path, required=True)
    add_sweep_parser(commands)  # nnet sweep: see nnet._sweep_cli
    return parser


# ----------------------------------------------------------------------------- train
def _load_data(args: argparse.Namespace) -> tuple[str, Dataset]:
    if args.csv is not None:
        if not args.target:
            raise UsageError("--csv needs --target COLUMN")
        task = None if args.task == "auto" else args.task
        return str(args.csv), load_csv(args.csv, args.target, task)
    if args.target:
        raise UsageError("--target goes with --csv")
    name = args.dataset or "iris"
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


def _refuse_overwriting(outputs: dict[str, Path | None], inputs: dict[str, Path | None]) -> None:
    """UsageError if an output path is one of the input files (it would be overwritten)."""
    for out_flag, out in outputs.items():
        for in_flag, given in inputs.items():
            if out is not None and given is not None and _same_file(out, given):
                raise UsageError(
                    f"{out_flag} {out} is the {in_flag} file; writing it would destroy the "
                    "input, so choose another path"
                )


def _check_train_args(args: argparse.Namespace) -> None:
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
    _refuse_overwriting({"--save": save, "--plot": args.plot}, {"--csv": args.csv})
    if save is not None and args.plot is not None and _same_file(save, args.plot):
        raise UsageError(f"--save and --plot are the same file {save}")
    if args.plot is not None:
        _pyplot_backend()  # before training, not after it


def _targets(data: Dataset) -> tuple[np.ndarray, list[Any]]:
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


def _split(
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
        raise UsageError(f"cannot split the data for testing: {_one_line(str(err))}") from None


def _standardizer(
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
    with np.errstate(over="ignore", invalid="ignore"):
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
    return NeuralNetwork(n_inputs, sizes, activations, cost_fun=cost, l1=args.l1, l2=args.l2,
                         init=args.init, seed=args.seed)  # fmt: skip


def _train(args: argparse.Namespace) -> None:
    _check_train_args(args)
    name, data = _load_data(args)
    Y, classes = _targets(data)
    X_train, X_test, Y_train, Y_test = _split(args, data.X, Y, classes)
    net = _build_network(args, X_train.shape[1], Y.shape[1], classes)  # sizes checked first
    mean, scale = _standardizer(args, X_train, data.feature_names)
    X_train, X_test = (X_train - mean) / scale, (X_test - mean) / scale
    validation = (X_test, Y_test)
    if args.early_stopping is not None:  # never choose the epoch on the test split
        X_train, X_val, Y_train, Y_val = _split(args, X_train, Y_train, classes, 0.2)
        validation = (X_val, Y_val)
    kwargs = {"momentum": args.momentum} if args.optimizer == "momentum" else {}
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
            print(f"nnet: warning: {_one_line(str(warning.message))}", file=sys.stderr)
    if args.plot is not None and history.epochs_run > 0:
        _plot(history, args.plot, metrics, early_stopping=args.early_stopping is not None)
    _end_of_training(args, history, caught)
    if args.save is not None:
        extra = {"features": data.feature_names, "target": data.target_name, "task": data.task,
                 "classes": classes, "mean": mean, "scale": scale}  # fmt: skip
        save_network(net, args.save, extra=extra)
        print(f"saved the model to {args.save}")


def _one_line(text: str) -> str:
    return " ".join(text.split())


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
            f"{_one_line(reason.split('. ')[0])}{not_saved}; try a smaller --lr (now {args.lr:g})"
        )


def _pyplot_backend() -> None:
    try:
        import matplotlib
    except ImportError:
        raise UsageError('--plot needs matplotlib: pip install "nnet[plot]"') from None
    matplotlib.use("Agg")  # files only, no window


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


# ----------------------------------------------------------------------------- predict, info
def _printable(value: Any) -> str:
    """``value`` as text, with control characters (terminal escapes) escaped as in repr."""
    text = str(value)
    return text if text.isprintable() else repr(text)[1:-1]


def _model_extra(path: Path) -> dict[str, Any]:
    extra = describe_file(path).get("extra") or {}  # checked against the network on loading
    needed = {"features", "classes", "mean", "scale"}
    if not needed <= set(extra):
        raise UsageError(
            f"{path} was not saved by 'nnet train --save' (it lacks the column names and "
            "scaling); load it in Python with NeuralNetwork.load instead"
        )
    return extra


def _predict(args: argparse.Namespace) -> None:
    _refuse_overwriting({"--output": args.output}, {"--csv": args.csv, "--model": args.model})
    net = load_network(args.model)
    extra = _model_extra(args.model)
    classes = extra["classes"]
    if args.proba and not classes:
        raise UsageError(f"--proba needs a classifier, but {args.model} predicts values")
    header, rows = read_csv_columns(args.csv)
    X = numeric_columns(args.csv, header, rows, list(extra["features"]))
    with np.errstate(over="ignore", invalid="ignore"):
        scaled = (X - np.asarray(extra["mean"])) / np.asarray(extra["scale"])
    if not np.isfinite(scaled).all():
        row, column = np.argwhere(~np.isfinite(scaled))[0]
        raise UsageError(
            f"{args.csv}, line {row + 2}, column {extra['features'][column]!r}: "
            f"{X[row, column]:g} is too large to standardize with the model's scaling"
        )
    with np.errstate(over="ignore", invalid="ignore"):
        pred = net.predict(scaled)
    if not np.isfinite(pred).all():
        row = int(np.argwhere(~np.isfinite(pred))[0][0])
        raise UsageError(f"{args.csv}, line {row + 2}: the model's output is not finite there")
    values = [classes[i] for i in pred.argmax(axis=1)] if classes else pred[:, 0].tolist()
    names = [f"predicted_{extra.get('target', 'target')}"]
    table: list[list[Any]] = [[value] for value in values]
    if args.proba:
        names += [f"proba_{label}" for label in classes]
        table = [[value, *row] for value, row in zip(values, pred.tolist())]
    if args.output is None:  # a terminal may be reading: escape control characters
        names = [_printable(name) for name in names]
        table = [[_printable(v) if isinstance(v, str) else v for v in row] for row in table]
    handle = args.output.open("w", newline="") if args.output else sys.stdout
    try:
        writer = csv.writer(handle)
        writer.writerow(names)
        writer.writerows(table)
    finally:
        if args.output:
            handle.close()


def _info(args: argparse.Namespace) -> None:
    for key, value in describe_file(args.model).items():
        print(f"{key}: {value}")


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status.

    0 on success, 2 for a user error (one line on stderr), 130 after Ctrl-C, and
    141 (as for SIGPIPE) when the reader of the output went away (``| head``).
    """
    signal.signal(signal.SIGINT, signal.default_int_handler)  # see nnet/__init__.py
    try:
        args = _build_parser().parse_args(argv)
        if args.command == "sweep":
            run_sweep(args)
            return 0
        {"train": _train, "predict": _predict, "info": _info}[args.command](args)
        sys.stdout.flush()  # a closed pipe shows here, not at exit
    except (UsageError, ModelFileError, OSError, ValueError, TypeError, MemoryError) as err:
        if isinstance(err, BrokenPipeError):
            return _broken_pipe()
        message = str(err) if not isinstance(err, MemoryError) else "out of memory"
        print(f"nnet: error: {_one_line(message)}", file=sys.stderr)
        return 2
    except KeyboardInterrupt as err:
        # On a line of its own: ^C, or a progress bar, may have left the cursor mid-line.
        print(f"\nnnet: interrupted {err}".rstrip(), file=sys.stderr)
        return 130
    return 0


def _broken_pipe() -> int:
    """Stop quietly when the reader of our output closed it (Python's documented recipe)."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())  # so that the flush at exit does not fail again
    return 141
