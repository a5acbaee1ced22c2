"""The ``nnet`` command: ``nnet train``, ``nnet predict`` and ``nnet info``.

``nnet train`` with no arguments trains the seed network (Iris, 4 → 8 sigmoid → 3
softmax, Momentum(0.01, 0.9), batch 10, 100 epochs) and prints its accuracy. Every
user error (a missing file, an unknown column, a bad option value) prints one line
on stderr and exits with status 2, without a traceback.
"""

from __future__ import annotations

import argparse
import csv
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NoReturn

import numpy as np
from sklearn.model_selection import train_test_split

from nnet._sweep_cli import add_sweep_parser, run_sweep
from nnet.datasets import (
    DATASETS,
    Dataset,
    load_csv,
    load_dataset,
    numeric_columns,
    read_csv_columns,
)
from nnet.metrics import METRICS
from nnet.network import NeuralNetwork
from nnet.optimizers import OPTIMIZERS, get_optimizer
from nnet.serialization import ModelFileError, describe_file, load_network, save_network
from nnet.training import train

__all__ = ["main"]


class UsageError(Exception):
    """A mistake of the user's: reported in one line, exit status 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:  # one line, no usage dump
        raise UsageError(message)


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
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    tr = commands.add_parser("train", help="train a network and report train/test metrics")
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
    tr.add_argument("--l2", type=float, default=0.0)
    tr.add_argument("--init", default="xavier", help="normal, xavier or he (xavier)")
    tr.add_argument("--no-standardize", action="store_true", help="keep the raw features")
    tr.add_argument("--seed", type=int, default=0)
    tr.add_argument("--test-size", type=float, default=0.2)
    tr.add_argument("--save", type=Path, help="write the model here (.safetensors)")
    tr.add_argument("--plot", type=Path, help="write the loss curves here (.png)")
    tr.add_argument("--quiet", action="store_true", help="no progress bar")
    pr = commands.add_parser("predict", help="predict the rows of a CSV file")
    pr.add_argument("--model", type=Path, required=True)
    pr.add_argument("--csv", type=Path, required=True)
    pr.add_argument("--output", type=Path, help="CSV to write (default: standard output)")
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


def _check_train_args(args: argparse.Namespace) -> None:
    if args.epochs <= 0:
        raise UsageError(f"--epochs must be a positive int, got {args.epochs}")
    if args.batch_size < 0:
        raise UsageError(f"--batch-size must be >= 0, got {args.batch_size}")
    if not 0.0 < args.test_size < 1.0:
        raise UsageError(f"--test-size must be in (0, 1), got {args.test_size}")
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
    classes, codes = np.unique(data.y, return_inverse=True)
    if len(classes) < 2:
        raise UsageError(f"target {data.target_name!r} has a single class; nothing to learn")
    return np.eye(len(classes))[codes], classes.tolist()


def _split(args: argparse.Namespace, X: np.ndarray, Y: np.ndarray, classes: list[Any]) -> Any:
    stratify = Y.argmax(axis=1) if classes else None
    try:
        return train_test_split(
            X, Y, test_size=args.test_size, random_state=args.seed, stratify=stratify
        )
    except ValueError as err:  # e.g. too few samples of a class for the split
        raise UsageError(f"cannot split the data for testing: {err}") from None


def _standardizer(args: argparse.Namespace, X: np.ndarray) -> tuple[list[float], list[float]]:
    if args.no_standardize:
        return [0.0] * X.shape[1], [1.0] * X.shape[1]
    scale = X.std(axis=0)
    scale[scale == 0] = 1.0  # a constant column stays constant
    return X.mean(axis=0).tolist(), scale.tolist()


def _scores(net: NeuralNetwork, X: np.ndarray, Y: np.ndarray, metrics: list[str]) -> str:
    pred = net.predict(X)
    return ", ".join(f"{name} {METRICS[name](Y, pred):.4f}" for name in metrics)


def _train(args: argparse.Namespace) -> None:
    _check_train_args(args)
    name, data = _load_data(args)
    Y, classes = _targets(data)
    X_train, X_test, Y_train, Y_test = _split(args, data.X, Y, classes)
    mean, scale = _standardizer(args, X_train)
    X_train, X_test = (X_train - mean) / scale, (X_test - mean) / scale
    output, cost = ("softmax", "cross_entropy") if classes else ("identity", "mse")
    sizes = [*args.hidden, Y.shape[1]]
    activations = [args.activation] * len(args.hidden) + [output]
    net = NeuralNetwork(X_train.shape[1], sizes, activations, cost_fun=cost, l2=args.l2,
                        init=args.init, seed=args.seed)  # fmt: skip
    kwargs = {"momentum": args.momentum} if args.optimizer == "momentum" else {}
    optimizer = get_optimizer(args.optimizer, learning_rate=args.lr, **kwargs)
    print(f"{name}: {len(data.X)} samples, {data.X.shape[1]} features, {data.task}"
          + (f" with {len(classes)} classes" if classes else "")
          + f"; train {len(X_train)}, test {len(X_test)}")  # fmt: skip
    print(f"network: {' -> '.join(map(str, [X_train.shape[1], *sizes]))} "
          f"({', '.join(activations)}), cost {cost}; optimizer {optimizer!r}")  # fmt: skip
    metrics = ["accuracy"] if classes else ["mse", "r2"]
    start = time.perf_counter()
    history = train(net, optimizer, X_train, Y_train, epochs=args.epochs,
                    batch_size=args.batch_size or None, validation_data=(X_test, Y_test),
                    metrics=metrics, seed=args.seed, progress=not args.quiet)  # fmt: skip
    elapsed = time.perf_counter() - start
    print(f"epochs run: {history.epochs_run} ({history.stop_reason}) in {elapsed:.2f} s")
    print(f"train {_scores(net, X_train, Y_train, metrics)}")
    print(f"test  {_scores(net, X_test, Y_test, metrics)}")
    if args.save is not None:
        extra = {"features": data.feature_names, "target": data.target_name, "task": data.task,
                 "classes": classes, "mean": mean, "scale": scale}  # fmt: skip
        save_network(net, args.save, extra=extra)
        print(f"saved the model to {args.save}")
    if args.plot is not None:
        _plot(history, args.plot, metrics)


def _pyplot_backend() -> None:
    try:
        import matplotlib
    except ImportError:
        raise UsageError('--plot needs matplotlib: pip install "nnet[plot]"') from None
    matplotlib.use("Agg")  # files only, no window


def _plot(history: Any, path: Path, metrics: list[str]) -> None:
    from nnet.plotting import plot_history

    figure = plot_history(history, metrics=metrics)
    figure.savefig(path)
    print(f"saved the loss curves to {path}")


# ----------------------------------------------------------------------------- predict, info
def _model_extra(path: Path) -> dict[str, Any]:
    extra = describe_file(path).get("extra") or {}
    needed = {"features", "classes", "mean", "scale"}
    if not needed <= set(extra):
        raise UsageError(
            f"{path} was not saved by 'nnet train --save' (it lacks the column names and "
            "scaling); load it in Python with NeuralNetwork.load instead"
        )
    return extra


def _predict(args: argparse.Namespace) -> None:
    net = load_network(args.model)
    extra = _model_extra(args.model)
    header, rows = read_csv_columns(args.csv)
    X = numeric_columns(args.csv, header, rows, list(extra["features"]))
    pred = net.predict((X - np.asarray(extra["mean"])) / np.asarray(extra["scale"]))
    classes = extra["classes"]
    values = [classes[i] for i in pred.argmax(axis=1)] if classes else pred[:, 0].tolist()
    name = f"predicted_{extra.get('target', 'target')}"
    handle = args.output.open("w", newline="") if args.output else sys.stdout
    try:
        writer = csv.writer(handle)
        writer.writerow([name])
        writer.writerows([value] for value in values)
    finally:
        if args.output:
            handle.close()


def _info(args: argparse.Namespace) -> None:
    for key, value in describe_file(args.model).items():
        print(f"{key}: {value}")


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status (0, or 2 for a user error)."""
    try:
        args = _build_parser().parse_args(argv)
        if args.command == "sweep":
            run_sweep(args)
            return 0
        {"train": _train, "predict": _predict, "info": _info}[args.command](args)
    except (UsageError, ModelFileError, OSError, ValueError, TypeError) as err:
        print(f"nnet: error: {err}", file=sys.stderr)
        return 2
    return 0
