"""The ``nnet`` command's two kinds of error: the user's, and ours.

A mistake of the user's (a bad option, a missing or malformed file, data the
library refuses) is a :class:`UsageError`, printed as one line with exit status 2.
The library raises ``ValueError``/``TypeError`` both for bad arguments and,
should it have a bug, from deep inside; so the command converts them only
around the calls that take the user's input (:func:`user_input`). Anything
else that escapes is a bug: :func:`report_bug` prints the traceback and asks
for a report.
"""

from __future__ import annotations

import sys
import traceback
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["UsageError", "one_line", "report_bug", "user_input"]

BUG_STATUS = 1
"""The exit status after an internal error (Python's own for an uncaught exception)."""


class UsageError(Exception):
    """A mistake of the user's: reported in one line, exit status 2."""


def one_line(text: str) -> str:
    """``text`` with every run of whitespace (newlines included) made one space.

    Parameters
    ----------
    text : str
        A message, possibly on several lines.

    Returns
    -------
    str
        The message on one line.
    """
    return " ".join(text.split())


@contextmanager
def user_input() -> Iterator[None]:
    """Treat a ``ValueError``/``TypeError`` raised inside as the user's mistake.

    Wrap exactly the calls that check what the user gave (option values, files,
    grid values): their refusals become a :class:`UsageError` with the same
    message. Nothing else is wrapped, so a library bug keeps its traceback.

    Yields
    ------
    None
        The body runs unchanged.

    Raises
    ------
    UsageError
        From the ``ValueError`` or ``TypeError`` raised in the body.
    """
    try:
        yield
    except (ValueError, TypeError) as err:
        raise UsageError(str(err)) from err


def _tracker() -> str | None:
    """The issue tracker's address from the installed package's metadata, if it has one."""
    from importlib import metadata

    try:
        urls = metadata.metadata("nnet").get_all("Project-URL") or []
    except metadata.PackageNotFoundError:  # run from a source tree
        return None
    for entry in urls:
        label, _, url = entry.partition(",")
        if any(word in label.lower() for word in ("issue", "bug", "tracker")):
            return url.strip()
    return None


def report_bug() -> int:
    """Print the exception being handled with its traceback, and ask for a report.

    Returns
    -------
    int
        The exit status, :data:`BUG_STATUS`.
    """
    traceback.print_exc()
    where = _tracker()
    to = f"at {where}" if where else "to nnet's developers"
    print(
        "nnet: internal error: this is a bug in nnet, not a mistake in your command; "
        f"please report it {to}, with the command and the traceback above",
        file=sys.stderr,
    )
    return BUG_STATUS
