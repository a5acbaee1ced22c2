"""The layering of docs/design.rst, checked on the source: no import cycle, nothing imports upward.

A module of a subpackage is named with dots (``cli._train``); its underscore makes it private
to that subpackage, and no module outside the subpackage may import it.

Every ``import`` and ``from ... import`` in ``nnet/**/*.py`` counts, at module level
and inside functions alike (a function-level import is still a dependency, only a
later one). Imports under ``if TYPE_CHECKING:`` do not count: they never run and
only name types for annotations.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import nnet

ROOT = Path(nnet.__file__).parent

# Lowest first; a module may import from its own layer and the layers below.
# docs/design.rst ("Layers") shows the same table: change both together.
LAYERS: list[tuple[str, set[str]]] = [
    (
        "helpers",
        {
            "utils", "utils.autodiff", "utils.configurable", "utils.display", "utils.docstrings",
            "utils.errors", "utils.types", "utils.validation", "files.extra", "files.state_key",
            "parameters", "datasets", "estimators._docs", "plotting._heatmap",
            "plotting._helpers", "testing._fd",
        },
    ),
    (
        "building blocks",
        {
            "activations", "costs", "initializers",
            "metrics", "schedules", "plotting", "files", "files.safetensors_io",
        },
    ),
    (
        "parts of the core",
        {
            "files.network_file", "optimizers",
            "optimizers._state", "kernels", "kernels._compiled",
        },
    ),
    ("core", {"network"}),
    (
        "training",
        {
            "callbacks", "training", "lbfgs", "serialization", "testing",
            "testing._check", "testing._optimizer", "testing._trace", "testing.strategies",
        },
    ),
    ("sweeps", {"sweep", "study"}),
    (
        "front ends",
        {
            "", "__main__", "cli", "cli._errors", "cli._train", "cli._sweep", "estimators",
            "estimators._base", "estimators._files", "estimators._params", "estimators._sgd",
            "estimators._weighted",
        },
    ),
]  # fmt: skip

# Cycles known and waiting for a fix, each with the reason; the test fails if one
# is fixed without being removed from here, or if any other cycle appears.
KNOWN_CYCLES: dict[frozenset[str], str] = {}


def module_name(path: Path, root: Path) -> str:
    parts = ["nnet", *path.relative_to(root).with_suffix("").parts]
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


class _Imports(ast.NodeVisitor):
    """The nnet modules one module imports, outside ``if TYPE_CHECKING:`` blocks."""

    def __init__(self, module: str, is_package: bool, known: set[str]) -> None:
        self.module, self.is_package, self.known = module, is_package, known
        self.found: set[str] = set()

    def visit_If(self, node: ast.If) -> None:
        if "TYPE_CHECKING" in ast.unparse(node.test):
            for child in node.orelse:
                self.visit(child)
        else:
            self.generic_visit(node)

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            self._add(alias.name)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        base = node.module or ""
        if node.level:
            package = self.module.split(".")
            if not self.is_package:
                package = package[:-1]
            package = package[: len(package) - node.level + 1]
            base = ".".join([*package, *([node.module] if node.module else [])])
        for alias in node.names:
            submodule = f"{base}.{alias.name}"
            self._add(submodule if submodule in self.known else base)

    def _add(self, name: str) -> None:
        while name and name not in self.known:
            name = name.rpartition(".")[0]
        if name and name != self.module:
            self.found.add(name)


def import_graph(root: Path = ROOT) -> dict[str, set[str]]:
    """``{module: the nnet modules it imports}`` for every module under ``root``."""
    paths = {module_name(p, root): p for p in root.rglob("*.py")}
    graph = {}
    for name, path in paths.items():
        visitor = _Imports(name, path.name == "__init__.py", set(paths))
        visitor.visit(ast.parse(path.read_text(encoding="utf-8")))
        graph[name] = visitor.found
    return graph


def cycles(graph: dict[str, set[str]]) -> list[frozenset[str]]:
    """The strongly connected components of more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = set()
            while True:
                w = stack.pop()
                component.add(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(frozenset(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def layer_of() -> dict[str, int]:
    return {
        ".".join(filter(None, ["nnet", name])): level
        for level, (_, names) in enumerate(LAYERS)
        for name in names
    }


GRAPH = import_graph()


def test_every_module_has_a_layer():
    assert set(GRAPH) == set(layer_of()), "add new modules to LAYERS (and docs/design.rst)"


def test_no_module_imports_a_higher_layer():
    layers = layer_of()
    upward = sorted(
        f"{module} ({LAYERS[layers[module]][0]}) imports {dep} ({LAYERS[layers[dep]][0]})"
        for module, deps in GRAPH.items()
        for dep in deps
        if layers[dep] > layers[module]
    )
    assert upward == []


def private_home(module: str) -> str | None:
    """The subpackage owning ``module`` privately, else None: ``nnet.cli._train`` -> ``nnet.cli``.

    A module is private to the subpackage above its first underscore name below ``nnet``;
    a top-level ``nnet._x`` module would be the package's own (there are none: shared helpers
    live in the subpackages ``nnet.utils`` and ``nnet.files``, under public names).
    """
    parts = module.split(".")
    for i in range(2, len(parts)):
        if parts[i].startswith("_"):
            return ".".join(parts[:i])
    return None


def test_no_module_reaches_into_another_subpackages_private_modules():
    # Inside nnet.cli, nnet.cli._train is shared freely; from outside, only the package's own
    # names (its __init__) are visible, so that its private modules can change without notice.
    reaching = sorted(
        f"{module} imports {dep}"
        for module, deps in GRAPH.items()
        for dep in deps
        if (home := private_home(dep)) and module != home and not module.startswith(home + ".")
    )
    assert reaching == []


def home_package(module: str) -> str:
    """The subpackage (or top-level module) ``module`` belongs to: ``nnet.files.extra`` ->
    ``nnet.files``, ``nnet.training`` -> ``nnet.training``."""
    return ".".join(module.split(".")[:2])


def private_names_imported(root: Path = ROOT) -> list[str]:
    """``module imports other._name`` for every private name taken from another subpackage
    or top-level module (a public name under a private alias is fine)."""
    paths = {module_name(p, root): p for p in root.rglob("*.py")}
    found = []
    for module, path in paths.items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.ImportFrom) or node.level or not node.module:
                continue
            source = node.module
            if not source.startswith("nnet") or home_package(source) == home_package(module):
                continue
            found += [
                f"{module} imports {source}.{alias.name}"
                for alias in node.names
                if alias.name.startswith("_") and not alias.name.startswith("__")
            ]
    return sorted(found)


def test_no_module_imports_a_private_name_of_another_subpackage_or_module():
    # Inside nnet.files, safetensors_io's helpers are shared freely; another part of nnet
    # that needs one is a sign the boundary is in the wrong place (make the name public).
    assert private_names_imported() == []


def test_the_private_name_scanner_sees_a_reach_across(tmp_path):
    (tmp_path / "__init__.py").write_text("")
    (tmp_path / "a.py").write_text("def _helper(): ...\n")
    (tmp_path / "b.py").write_text("from nnet.a import _helper\nfrom nnet.a import __doc__\n")
    (tmp_path / "c.py").write_text("from nnet.a import _helper as ok_in_name_only\n")
    assert private_names_imported(tmp_path) == [
        "nnet.b imports nnet.a._helper",
        "nnet.c imports nnet.a._helper",
    ]


def test_no_import_cycle_but_the_known_ones():
    assert sorted(map(sorted, cycles(GRAPH))) == sorted(map(sorted, KNOWN_CYCLES))


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("from nnet import network\n", {"nnet.network"}),
        ("def f():\n    from nnet.network import NeuralNetwork\n", {"nnet.network"}),
        ("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import nnet.network\n", set()),
        ("from . import network\n", {"nnet.network"}),
        ("import numpy\n", set()),
    ],
)
def test_the_scanner_sees_function_level_imports_and_skips_type_checking(
    tmp_path, source, expected
):
    (tmp_path / "__init__.py").write_text("")
    (tmp_path / "network.py").write_text("")
    (tmp_path / "user.py").write_text(source)
    assert import_graph(tmp_path)["nnet.user"] == expected


@pytest.mark.parametrize(
    ("module", "home"),
    [
        ("nnet.cli._train", "nnet.cli"),
        ("nnet.testing._fd", "nnet.testing"),
        ("nnet.a._b._c", "nnet.a"),
        ("nnet.parameters", None),
        ("nnet.testing.strategies", None),
        ("nnet.cli", None),
    ],
)
def test_a_private_module_belongs_to_the_subpackage_above_it(module, home):
    assert private_home(module) == home


def test_the_cycle_finder_finds_a_cycle():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert cycles(graph) == [frozenset({"a", "b", "c"})]
