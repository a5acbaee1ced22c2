"""``nnet sweep``: train a grid of networks on a data set, write the table and a heatmap.

Example::

    nnet sweep --dataset iris --grid learning_rate=1e-3,1e-2,1e-1 --grid l2=0,1e-4 \\
        --out results.csv --plot heatmap.png

The data, network and optimizer options are those of ``nnet train``; each
``--grid KEY=V1,V2,...`` adds a key of :func:`nnet.sweep.sweep`'s grid, plus
``hidden`` (hidden widths: ``8``, ``16``, ``8x8`` for two layers of 8, ``none``),
``activation`` (the hidden layers') and ``lr`` (``learning_rate``).

Every value the user gives is checked before the sweep starts, inside
:func:`~nnet.cli._errors.user_input` (a refusal is one line); an error during
the sweep itself is a bug (see :mod:`nnet.cli._errors`). ``--out`` and ``--plot``
never write over the ``--csv`` input or over each other. After a Ctrl-C, or when
every model diverged, nothing is written and no "best" is printed (status 130,
or 2 with one line); a warning (some models diverged) is one line on stderr.
"""

from __future__ import annotations

import argparse
import csv
import sys
import time
import warnings
from pathlib import Path
from typing import Any

from nnet.cli._errors import UsageError, one_line, user_input
from nnet.cli._train import _same_file, add_data_args, add_optimizer_args, refuse_overwriting

__all__ = ["add_sweep_parser", "run_sweep"]

_ALIASES = {"lr": "learning_rate", "hidden": "layer_output_sizes", "activation": "activation_funcs"}


def add_sweep_parser(commands: Any) -> argparse.ArgumentParser:
    """Add the ``sweep`` subcommand to the ``nnet`` parser's subcommands; return its parser."""
    sw = commands.add_parser("sweep", help="train a grid of networks; write a table and heatmap")
    add_data_args(sw)
    sw.add_argument(
        "--grid",
        action="append",
        required=True,
        metavar="KEY=V1,V2",
        help="a grid key and its values, e.g. learning_rate=1e-3,1e-2 (repeat for more keys)",
    )
    sw.add_argument("--hidden", default="8", help="hidden widths, e.g. 64x32 (default 8)")
    add_optimizer_args(sw)
    sw.add_argument("--l2", type=float, default=0.0)
    sw.add_argument("--init", default="xavier", help="normal, xavier or he (xavier)")
    sw.add_argument("--no-standardize", action="store_true", help="keep the raw features")
    sw.add_argument("--seed", type=int, default=0, help="weights, split and shuffling seed")
    sw.add_argument("--test-size", type=float, default=0.2)
    sw.add_argument("--n-jobs", type=int, default=1, help="stacks trained at once (joblib)")
    sw.add_argument("--out", type=Path, help="write one row per model here (.csv)")
    sw.add_argument("--plot", type=Path, help="write a heatmap here (.png)")
    sw.add_argument("--x", help="grid key of the heatmap's columns (the first varied key)")
    sw.add_argument("--y", help="grid key of the heatmap's rows (the second varied key)")
    sw.add_argument("--value", help="result drawn (val_accuracy, or val_loss for regression)")
    sw.add_argument("--quiet", action="store_true", help="no progress bar")
    return sw


# ----------------------------------------------------------------------------- parsing
def _value(text: str) -> Any:
    """``3`` -> 3, ``1e-3`` -> 0.001, ``none`` -> None, ``true``/``false``, else the text."""
    lowered = text.strip().lower()
    if lowered in ("none", "null"):
        return None
    if lowered in ("true", "false"):
        return lowered == "true"
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return text.strip()


def _hidden(text: str) -> list[int]:
    if text.strip().lower() in ("", "none", "0"):
        return []
    try:
        sizes = [int(part) for part in text.lower().split("x")]
    except ValueError:
        raise ValueError(f"hidden widths look like 8 or 16x8, got {text!r}") from None
    if any(size <= 0 for size in sizes):
        raise ValueError(f"hidden widths must be positive, got {text!r}")
    return sizes


def parse_grid(specs: list[str], n_outputs: int) -> dict[str, list[Any]]:
    """``["learning_rate=1e-3,1e-2", "hidden=8,8x8"]`` -> the grid of :func:`nnet.sweep.sweep`."""
    grid: dict[str, list[Any]] = {}
    for spec in specs:
        key, sep, values = spec.partition("=")
        key = _ALIASES.get(key.strip(), key.strip())
        if not sep or not key or not values.strip():
            raise ValueError(f"--grid takes KEY=V1,V2,..., got {spec!r}")
        if key in grid:
            raise ValueError(f"--grid gives {key!r} twice; list all its values in one --grid")
        parts = values.split(",")
        if key == "layer_output_sizes":
            grid[key] = [[*_hidden(part), n_outputs] for part in parts]
        elif key == "batch_size":  # 0 is full-batch, as in nnet train
            grid[key] = [None if _value(part) in (0, None) else _value(part) for part in parts]
        elif key in ("activation_funcs", "optimizer", "init"):
            grid[key] = [part.strip() for part in parts]
        else:
            grid[key] = [_value(part) for part in parts]
    return grid


# ----------------------------------------------------------------------------- running
def run_sweep(args: argparse.Namespace) -> None:
    """Run ``nnet sweep``: load and split the data, sweep, print the best, write the files."""
    from nnet import NeuralNetwork, sweep
    from nnet.cli._train import check_train_args, load_data, split, standardizer, targets
    from nnet.optimizers import get_optimizer
    from nnet.sweep import make_plan

    check_train_args(args)  # the options shared with nnet train (and matplotlib for --plot)
    refuse_overwriting({"--out": args.out}, {"--csv": args.csv})
    if args.out is not None and args.plot is not None and _same_file(args.out, args.plot):
        raise UsageError(f"--out and --plot are the same file {args.out}; give each its own")
    if args.n_jobs == 0:
        raise UsageError("--n-jobs must be a non-zero int (as in joblib), got 0")
    name, data = load_data(args)
    Y, classes = targets(data)
    with user_input():  # --grid's text
        grid = parse_grid(args.grid, Y.shape[1])
    plot = _plot_keys(args, grid, bool(classes)) if args.plot is not None else None
    X_train, X_test, Y_train, Y_test = split(args, data.X, Y, classes)
    mean, scale = standardizer(args, X_train)
    X_train, X_test = (X_train - mean) / scale, (X_test - mean) / scale
    output, cost = ("softmax", "cross_entropy") if classes else ("identity", "mse")
    kwargs = {"momentum": args.momentum} if args.optimizer == "momentum" else {}
    with user_input():  # --hidden, --activation, --l2, --init, --lr, --momentum
        hidden = _hidden(args.hidden)
        net = NeuralNetwork(X_train.shape[1], [*hidden, Y.shape[1]],
                            [args.activation] * len(hidden) + [output], cost_fun=cost,
                            l2=args.l2, init=args.init, seed=args.seed)  # fmt: skip
        optimizer = get_optimizer(args.optimizer, learning_rate=args.lr, **kwargs)
    if "optimizer" in grid:
        optimizer = None
    batch_size = args.batch_size or None
    with user_input():  # every grid value, checked by the sweep's own planning
        make_plan(net, optimizer, grid, epochs=args.epochs, batch_size=batch_size, seed=args.seed)
    metrics = _metrics(bool(classes))
    start = time.perf_counter()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        study = sweep(net, optimizer, X_train, Y_train, grid, epochs=args.epochs,
                      batch_size=batch_size, validation_data=(X_test, Y_test),
                      metrics=metrics, seed=args.seed, n_jobs=args.n_jobs,
                      progress=not args.quiet)  # fmt: skip
    elapsed = time.perf_counter() - start
    _end_of_sweep(args, study, caught)
    print(f"{name}: {len(study)} models over {', '.join(grid)} in {elapsed:.2f} s")
    value = "val_accuracy" if classes else "val_loss"
    best, _ = study.best(value)
    row = next(r for r, p in zip(study.table(), study.params) if p == best)
    print(f"best {value} {row[value]:.4f} at " + ", ".join(f"{k}={v}" for k, v in best.items()))
    if args.out is not None:
        _write_csv(study.table(), args.out)
        print(f"wrote {len(study)} rows to {args.out}")
    if plot is not None:
        figure: Any = study.heatmap(*plot).figure
        figure.savefig(args.plot, dpi=100)
        print(f"saved the heatmap of {plot[2]} to {args.plot}")


def _end_of_sweep(args: argparse.Namespace, study: Any, caught: list[Any]) -> None:
    """Each warning on one line; raise for a study that must not be written: interrupted
    (Ctrl-C) or without a single model that trained."""
    unwritten = [flag for flag, path in (("--out", args.out), ("--plot", args.plot)) if path]
    not_written = f"; nothing was written to {' or '.join(unwritten)}" if unwritten else ""
    reasons = [h.stop_reason for h in study.histories]
    if study.interrupted:
        done = reasons.count("completed") + reasons.count("diverged")
        raise KeyboardInterrupt(f"after {done} of {len(study)} models{not_written}")
    if reasons.count("diverged") == len(reasons):
        raise UsageError(
            f"every one of the {len(reasons)} models diverged{not_written}; try smaller "
            "learning rates (--lr, or lr= in --grid)"
        )
    for warning in caught:
        print(f"nnet: warning: {one_line(str(warning.message))}", file=sys.stderr)


def _plot_keys(
    args: argparse.Namespace, grid: dict[str, list[Any]], classes: bool
) -> tuple[str, str, str]:
    varied = [k for k, v in grid.items() if len(v) > 1]
    x = _ALIASES.get(args.x, args.x) or (varied[0] if varied else "")
    y = _ALIASES.get(args.y, args.y) or next((k for k in varied if k != x), "")
    if not (x and y):
        raise UsageError("--plot needs two grid keys with several values (or --x and --y)")
    for option, key in (("--x", x), ("--y", y)):
        if key not in grid:
            raise UsageError(f"{option} {key!r} is not a grid key; expected one of {list(grid)}")
    if x == y:
        raise UsageError(f"--x and --y must differ, got {x!r} twice")
    value = args.value or ("val_accuracy" if classes else "val_loss")
    curves = ["train_loss", "val_loss"] + [
        f"{p}{m}" for m in _metrics(classes) for p in ("", "val_")
    ]
    known = [*curves, *(f"best_{c}" for c in curves), "best_epoch", "epochs_run"]
    if value not in known:
        raise UsageError(f"--value {value!r} is not a result; expected one of {known}")
    return x, y, value


def _metrics(classes: bool) -> list[str]:
    return ["accuracy"] if classes else ["mse", "r2"]


def _write_csv(rows: list[dict[str, Any]], path: Path) -> None:
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
