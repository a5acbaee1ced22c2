"""Shared docstring sections, written once (as scikit-learn and pandas do).

Sibling functions (an activation and its derivative, a cost and its gradient) document
the same parameters and return value. Each such section is a string here or beside its
functions, and :func:`fill_doc` puts it where a docstring has a line ``{name}``: the
runtime ``__doc__`` (what ``help``, Sphinx, numpydoc and the doctests read) holds the
whole text, the source holds the summary, the maths and the Examples.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TypeVar

_T = TypeVar("_T")

_PLACEHOLDER = re.compile(r"^(?P<indent>[ \t]*)\{(?P<name>\w+)\}[ \t]*$", re.MULTILINE)


def fill_doc(**sections: str) -> Callable[[_T], _T]:
    """Decorator: replace each line ``{name}`` of the docstring by ``sections[name]``.

    The section keeps its own relative indentation and takes the placeholder's; only
    whole-line placeholders are replaced, so braces elsewhere (maths, doctests) stay.
    A placeholder with no section raises ``KeyError`` at import time.
    """

    def fill(match: re.Match[str]) -> str:
        indent = match["indent"]
        lines = sections[match["name"]].strip("\n").splitlines()
        return "\n".join(indent + line if line.strip() else "" for line in lines)

    def decorate(obj: _T) -> _T:
        if obj.__doc__:
            obj.__doc__ = _PLACEHOLDER.sub(fill, obj.__doc__)
        return obj

    return decorate
