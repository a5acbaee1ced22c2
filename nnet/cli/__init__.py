"""The ``nnet`` command: ``nnet train``, ``nnet predict`` and ``nnet info``.

``nnet train`` with no arguments trains the seed network (Iris, 4 → 8 sigmoid → 3
softmax, Momentum(0.01, 0.9), batch 10, 100 epochs) and prints its accuracy. Every
user error (a missing file, an unknown column, a bad option value) prints one line
on stderr and exits with status 2, without a traceback; any other error is a bug,
shown with its traceback and a request to report it (status 1; see
:mod:`nnet.cli._errors`). Ctrl-C prints one line and exits with status 130; a closed
output pipe (``nnet info ... | head -3``) ends quietly. scikit-learn is imported on
use, so that Ctrl-C during start-up is handled too.

Every command takes ``--import MODULE`` (repeatable: a module name, or the path of a
``.py`` file), imported before anything else, so that the module's ``register_*``
calls add its activations, costs, optimizers, initializers and metrics to the names
the options accept (``--optimizer adabelief``) and the model files that use them load.

The ``train`` command is in :mod:`nnet.cli._train`, ``sweep`` in :mod:`nnet.cli._sweep`.
"""

from __future__ import annotations

import itertools
import os
import signal
import sys


def _interrupted_at_start_up(signum: int, frame: object) -> None:
    """Ctrl-C while the ``nnet`` command imports the library: one line and status 130."""
    # Exit at once: an exception raised here could surface inside a C extension's import,
    # which would turn it into an ImportError; nothing has been done yet that needs undoing.
    sys.stderr.write("nnet: interrupted\n")
    sys.stderr.flush()
    os._exit(130)


def _running_as_the_command() -> bool:
    """Whether this process is ``nnet ...`` or ``python -m nnet ...`` (not a library user)."""
    argv = getattr(sys, "orig_argv", sys.argv)
    as_script = bool(sys.argv) and os.path.basename(sys.argv[0]) == "nnet"
    return as_script or any(a == "-m" and b == "nnet" for a, b in itertools.pairwise(argv))


# The imports below (NumPy, SciPy, autograd, the command's modules: about a second) get this
# handler instead of a traceback; main puts Python's own handler back when it starts. Only
# when running as the command: ``import nnet`` (lazy, see nnet/__init__.py) imports nothing
# slow before this line, and a library user importing nnet.cli keeps their handler.
if _running_as_the_command():
    signal.signal(signal.SIGINT, _interrupted_at_start_up)

import argparse  # noqa: E402 (after the start-up Ctrl-C handler)
import csv  # noqa: E402
import importlib  # noqa: E402
import importlib.util  # noqa: E402
import re  # noqa: E402
from collections.abc import Sequence  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any, NoReturn  # noqa: E402

import numpy as np  # noqa: E402

from nnet.cli._errors import UsageError, one_line, report_bug, user_input  # noqa: E402
from nnet.cli._sweep import add_sweep_parser, run_sweep  # noqa: E402
from nnet.cli._train import (  # noqa: E402
    add_data_args,
    add_optimizer_args,
    refuse_overwriting,
    run_train,
)
from nnet.datasets import numeric_columns, read_csv_columns  # noqa: E402
from nnet.kernels import active_kernels  # noqa: E402
from nnet.serialization import ModelFileError, describe_file, load_network  # noqa: E402

__all__ = ["main"]


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


IMPORT_HELP = (
    "import this module (a name, or a .py file) first, so that its register_* calls add "
    "activations, costs, optimizers... to the names the options accept (repeatable)"
)


def _imported_modules(argv: Sequence[str]) -> list[str]:
    """The values of every ``--import`` in ``argv`` (read before the parser is built)."""
    pre = argparse.ArgumentParser(add_help=False, allow_abbrev=False)
    pre.add_argument("--import", action="append", dest="imports", default=[])
    known, _ = pre.parse_known_args(argv)
    return list(known.imports)


def import_user_module(spec: str) -> None:
    """Import ``spec``, a module name (from the working directory too) or a ``.py`` path.

    Parameters
    ----------
    spec : str
        ``mypackage.parts`` or ``parts.py``.

    Raises
    ------
    UsageError
        When it cannot be found, or raises while it is imported (one line).
    """
    try:
        if spec.endswith(".py") or os.sep in spec:
            path = Path(spec)
            if not path.is_file():
                raise UsageError(f"--import {spec}: no such file")
            module_spec = importlib.util.spec_from_file_location(path.stem, path)
            assert module_spec is not None and module_spec.loader is not None  # a .py file
            module = importlib.util.module_from_spec(module_spec)
            sys.modules[path.stem] = module
            module_spec.loader.exec_module(module)
        else:
            if os.getcwd() not in sys.path:  # as python -m does; the nnet script does not
                sys.path.insert(0, os.getcwd())
            importlib.import_module(spec)
    except UsageError:
        raise
    except Exception as err:  # the user's module: its failure is theirs, in one line
        raise UsageError(f"--import {spec}: {type(err).__name__}: {err}") from err


def _hint(message: str) -> str:
    """``message``, with the way to add a name from the shell when it asks for one."""
    if re.search(r"nnet\.\w+\.register_\w+\(", message) or "--optimizer: invalid choice" in message:
        return f"{message}; from the command line, --import a module that registers it"
    return message


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
    add_data_args(tr)
    tr.add_argument("--hidden", type=_hidden_sizes, default=[8], help="e.g. 64,32 (default 8)")
    add_optimizer_args(tr)
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
    sw = add_sweep_parser(commands)  # nnet sweep: see nnet.cli._sweep
    for command in (tr, pr, info, sw):  # read first by _imported_modules; listed in --help
        command.add_argument(
            "--import", action="append", dest="imports", metavar="MODULE", help=IMPORT_HELP
        )
    return parser


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
    refuse_overwriting({"--output": args.output}, {"--csv": args.csv, "--model": args.model})
    net = load_network(args.model)
    extra = _model_extra(args.model)
    classes = extra["classes"]
    if args.proba and not classes:
        raise UsageError(f"--proba needs a classifier, but {args.model} predicts values")
    with user_input():  # the CSV file's refusals (a missing column, a bad value...)
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
    # predict refuses inputs so large that the outputs overflow: the user's data
    with np.errstate(over="ignore", invalid="ignore"), user_input():
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
    print(f"kernels: {active_kernels()} (this process's training kernels, see nnet.kernels)")


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status.

    Parameters
    ----------
    argv : sequence of str, optional
        The arguments after ``nnet``; ``sys.argv[1:]`` by default.

    Returns
    -------
    int
        0 on success, 2 for a user error (one line on stderr), 130 after Ctrl-C,
        141 (as for SIGPIPE) when the reader of the output went away (``| head``),
        and 1 for a bug in nnet (its traceback, and a request to report it).
    """
    signal.signal(signal.SIGINT, signal.default_int_handler)  # see the top of this module
    argv = sys.argv[1:] if argv is None else list(argv)
    try:
        imported = _imported_modules(argv)  # before the parser: --optimizer's choices
        for spec in imported:
            import_user_module(spec)
        args = _build_parser().parse_args(argv)
        for spec in args.imports or []:  # spelled --imp: the parser's abbreviation
            if spec not in imported:
                import_user_module(spec)
        if args.command == "sweep":
            run_sweep(args)
            return 0
        {"train": run_train, "predict": _predict, "info": _info}[args.command](args)
        sys.stdout.flush()  # a closed pipe shows here, not at exit
    except (UsageError, ModelFileError, OSError, MemoryError) as err:  # the user's to fix
        if isinstance(err, BrokenPipeError):
            return _broken_pipe()
        message = str(err) if not isinstance(err, MemoryError) else "out of memory"
        print(f"nnet: error: {one_line(_hint(message))}", file=sys.stderr)
        return 2
    except KeyboardInterrupt as err:
        # On a line of its own: ^C, or a progress bar, may have left the cursor mid-line.
        print(f"\nnnet: interrupted {err}".rstrip(), file=sys.stderr)
        return 130
    except Exception:  # anything else is a bug of ours: show it, ask for a report
        return report_bug()
    return 0


def _broken_pipe() -> int:
    """Stop quietly when the reader of our output closed it (Python's documented recipe)."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())  # so that the flush at exit does not fail again
    return 141
