"""numpydoc's own validator over every public callable: the docstrings say what they return
and document exactly the parameters there are.

The public callables are the functions and classes named in the ``__all__`` of each
public module (no ``_`` in its dotted name), and the public methods and properties of
those classes, including the ones inherited from nnet's private base classes (those
are part of the public class). Each object is checked once, under a public name.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from collections.abc import Iterator

import pytest

import nnet

pytest.importorskip("numpydoc", reason="numpydoc validates the docstrings (the docs extra)")
from numpydoc.validate import validate

CHECKS = {
    "RT01": "no Returns section",
    "PR01": "parameters not documented",
    "PR02": "unknown parameters documented",
}
"""The numpydoc checks enforced (``python -m numpydoc`` lists them all)."""


def _public_modules() -> list[str]:
    names = ["nnet"]
    for info in pkgutil.walk_packages(nnet.__path__, "nnet."):
        if not any(part.startswith("_") for part in info.name.split(".")):
            names.append(info.name)
    return sorted(names)


def _members(cls: type) -> Iterator[tuple[str, object]]:
    """Public methods and properties of ``cls`` defined by nnet (itself or its bases)."""
    seen: set[str] = set()
    for klass in cls.__mro__:
        if not klass.__module__.startswith("nnet"):
            continue
        for attr, value in vars(klass).items():
            if (attr.startswith("_") and attr != "__call__") or attr in seen:
                continue
            if isinstance(value, (staticmethod, classmethod)):
                value = value.__func__
            if inspect.isfunction(getattr(value, "fn", None)):  # scikit-learn's available_if
                value = value.fn
            if inspect.isfunction(value) or isinstance(value, property):
                seen.add(attr)
                yield attr, value


def public_callables() -> dict[str, object]:
    """Import path -> object, for every public function, class, method and property."""
    found: dict[str, object] = {}
    done: set[int] = set()

    def add(path: str, obj: object) -> None:
        key = id(obj.fget) if isinstance(obj, property) else id(obj)
        if key not in done:
            done.add(key)
            found[path] = obj

    for module_name in _public_modules():
        module = importlib.import_module(module_name)
        for name in getattr(module, "__all__", []):
            obj = getattr(module, name)
            if not (inspect.isclass(obj) or inspect.isfunction(obj)):
                continue  # constants and registries are documented, not validated here
            if not obj.__module__.startswith("nnet"):
                continue  # re-exported from elsewhere (e.g. a library class)
            if not getattr(obj, "_is_protocol", False):  # a Protocol is never instantiated
                add(f"{module_name}.{name}", obj)
            if inspect.isclass(obj):
                for attr, member in _members(obj):
                    add(f"{module_name}.{name}.{attr}", member)
    return found


PUBLIC = public_callables()


def test_the_public_callables_are_found():
    assert "nnet.training.train" in PUBLIC or "nnet.train" in PUBLIC
    assert any(path.endswith("NeuralNetwork.compute_gradient") for path in PUBLIC)
    assert any(path.endswith("NeuralNetClassifier.predict") for path in PUBLIC)
    assert any(path.endswith("NeuralNetClassifier.partial_fit") for path in PUBLIC)
    assert len(PUBLIC) > 150


@pytest.mark.parametrize("path", sorted(PUBLIC))
def test_numpydoc_validation(path):
    errors = [f"{code} {message}" for code, message in validate(path)["errors"] if code in CHECKS]
    assert not errors, f"{path}:\n  " + "\n  ".join(errors)
