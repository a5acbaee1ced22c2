"""Build helpers for the nnet documentation: API pages from ``__all__``, gallery argv, CLI help.

The API reference is generated from the package itself so that it cannot fall
behind: every public module (a module of ``nnet`` whose name does not start with
an underscore) gets a page, and every name in its ``__all__`` is documented on
the page of the module that defines it; the other modules that re-export it link
there. A public module without ``__all__`` or a public name without a docstring
is reported as a Sphinx warning, which ``-W`` turns into a build error.
"""

from __future__ import annotations

import importlib
import inspect
import os
import pkgutil
import re
import subprocess
import sys
import tempfile
import types
from pathlib import Path
from typing import Any

import nnet

HERE = Path(__file__).resolve().parent.parent  # docs/
API_DIR = HERE / "api"

#: Bases whose inherited members are documented by scikit-learn, not here.
EXTERNAL_BASES = "BaseEstimator"

#: Shown on every page of a gallery built with the examples' quick settings.
QUICK_BANNER = (
    "QUICK BUILD: the gallery ran every example with tiny budgets (NNET_EXAMPLES_QUICK=1), "
    "so its numbers and figures are NOT the results the text describes. Build without "
    "NNET_EXAMPLES_QUICK=1 for the real ones."
)


def public_modules() -> list[str]:
    """``nnet`` and its public submodules (and subpackages), sorted."""
    names = ["nnet"]
    for info in pkgutil.iter_modules(nnet.__path__):
        if not info.name.startswith("_"):
            names.append(f"nnet.{info.name}")
    return names


def _public_home(module_name: str) -> str:
    """The public module owning a private one: ``nnet.optimizers._base`` -> ``nnet.optimizers``."""
    parts = module_name.split(".")
    while any(p.startswith("_") for p in parts[1:]):
        parts.pop()
    return ".".join(parts)


def _defines(module: types.ModuleType, name: str) -> bool:
    """Whether ``module``'s source assigns ``name`` at top level (for data and type aliases)."""
    try:
        source = inspect.getsource(module)
    except (OSError, TypeError):
        return False
    return re.search(rf"^{re.escape(name)}\s*(:[^=\n]*)?=", source, re.MULTILINE) is not None


def home_of(module: types.ModuleType, name: str, obj: Any) -> str:
    """The public module whose API page documents ``module.name``."""
    owner = getattr(obj, "__module__", None)
    is_code = inspect.isclass(obj) or inspect.isfunction(obj) or inspect.isbuiltin(obj)
    if is_code and isinstance(owner, str) and owner.split(".")[0] == "nnet":
        home = _public_home(owner)
        if home == module.__name__ or name in getattr(sys.modules[home], "__all__", ()):
            return home
    if _defines(module, name):
        return module.__name__
    for other in public_modules():
        mod = importlib.import_module(other)
        if other != module.__name__ and getattr(mod, name, None) is obj and _defines(mod, name):
            return other
    return module.__name__


def is_nnet_member(obj: Any) -> bool:
    """Whether a class member is nnet's own code (not inherited from a third-party base)."""
    target = obj.fget if isinstance(obj, property) else obj
    module = getattr(target, "__module__", None)
    return not isinstance(module, str) or module.split(".")[0] == "nnet"


def _documented_data(module: types.ModuleType, name: str) -> bool:
    """Whether ``name`` has a ``#:`` comment or a docstring after its assignment in ``module``."""
    from sphinx.pycode import ModuleAnalyzer

    try:
        analyzer = ModuleAnalyzer.for_module(module.__name__)
        analyzer.analyze()
    except Exception:
        return False
    return ("", name) in analyzer.attr_docs


def undocumented(module: types.ModuleType, name: str, obj: Any) -> list[str]:
    """Problems: ``module.name`` (or a public method or property of it) has no docstring."""
    where = f"{module.__name__}.{name}"
    if inspect.isclass(obj) or inspect.isfunction(obj):
        problems = [] if inspect.getdoc(obj) else [f"{where} is public but has no docstring"]
        if inspect.isclass(obj) and not issubclass(obj, BaseException):
            for attr, member in inspect.getmembers(obj):
                raw = inspect.getattr_static(obj, attr)
                is_code = callable(member) or isinstance(raw, property)
                if attr.startswith("_") or not is_code or not is_nnet_member(raw):
                    continue
                if not inspect.getdoc(member if not isinstance(raw, property) else raw):
                    problems.append(f"{where}.{attr} is public but has no docstring")
        return problems
    if not _documented_data(module, name):
        return [
            f"{where} is public but undocumented: add a docstring line after the "
            "assignment (or a '#:' comment before it)"
        ]
    return []


def write_api_pages(warn: Any) -> list[str]:
    """Write ``api/index.rst`` and one page per public module; return the module names."""
    API_DIR.mkdir(exist_ok=True)
    modules = public_modules()
    for name in modules:
        module = importlib.import_module(name)
        exported = getattr(module, "__all__", None)
        if exported is None:
            warn(f"public module {name} has no __all__; its API page lists nothing")
            exported = []
        own, elsewhere = [], []
        for item in exported:
            obj = getattr(module, item)
            home = home_of(module, item, obj)
            if home == name:
                own.append(item)
            else:
                elsewhere.append((item, home))
            if home == name:
                for problem in undocumented(module, item, obj):
                    warn(problem)
        title = f":mod:`{name}`"
        lines = [
            title,
            "=" * len(title),
            "",
            f".. automodule:: {name}",
            "   :no-members:",
            "",
            f".. currentmodule:: {name}",
            "",
        ]
        if own:
            lines += [
                ".. autosummary::",
                "   :toctree: generated/",
                "",
                *(f"   {item}" for item in sorted(own, key=str.lower)),
                "",
            ]
        if elsewhere:
            lines += [
                ".. rubric:: Also available here",
                "",
                "These names are imported from the module that documents them:",
                "",
                *(f"* ``{name}.{item}``: :py:obj:`{home}.{item}`" for item, home in elsewhere),
                "",
            ]
        _write_if_changed(API_DIR / f"{name}.rst", "\n".join(lines))
    index = [
        "API reference",
        "=============",
        "",
        "Every public name of every public module, generated from the modules' ``__all__``.",
        "Names re-exported by another module (``nnet.History`` is",
        ":class:`nnet.callbacks.History`) are documented once, where they are defined.",
        "",
        ".. autosummary::",
        "",
        *(f"   {name}" for name in modules),
        "",
        ".. toctree::",
        "   :hidden:",
        "",
        *(f"   {name}" for name in modules),
        "",
    ]
    _write_if_changed(API_DIR / "index.rst", "\n".join(index))
    return modules


def _write_if_changed(path: Path, text: str) -> None:
    """Rewrite only on change, so Sphinx does not rebuild unchanged pages."""
    if not path.exists() or path.read_text(encoding="utf-8") != text:
        path.write_text(text, encoding="utf-8")


def write_cli_help() -> None:
    """Capture ``nnet --help`` and each subcommand's help for the command-line page."""
    out = HERE / "user_guide" / "cli_help"
    out.mkdir(exist_ok=True)
    env = {**os.environ, "COLUMNS": "88"}
    for command in ([], ["train"], ["predict"], ["info"]):
        proc = subprocess.run(
            [sys.executable, "-m", "nnet", *command, "--help"],
            capture_output=True,
            text=True,
            env=env,
            check=False,
        )
        text = (
            proc.stdout if proc.returncode == 0 else f"(nnet {' '.join(command)} --help failed)\n"
        )
        _write_if_changed(out / f"nnet{'_' if command else ''}{'_'.join(command)}.txt", text)


_TYPE_LINE = re.compile(r"^(\s*\*\*[^*]+\*\* : )(.*)$")
_CODE = re.compile(r"(`[^`]*`)")
_TRAILING_UNDERSCORE = re.compile(r"\b([A-Za-z]\w*?)_(?=\W|$)")


def escape_names_in_types(
    app: Any, what: str, name: str, obj: Any, options: Any, lines: list[str]
) -> None:
    """Escape ``name_`` in numpydoc's rendered parameter types, outside of roles.

    numpydoc cross-references the words of a type but leaves parenthesized shapes
    as they are, and reST reads ``(n_features_in_,)`` as a link to a target named
    ``n_features_in``. scikit-learn's notation is kept; only its rendering is fixed.
    """
    for i, line in enumerate(lines):
        match = _TYPE_LINE.match(line)
        if match is None:
            continue
        parts = _CODE.split(match[2])
        parts[::2] = [_TRAILING_UNDERSCORE.sub(r"\1\\_", part) for part in parts[::2]]
        lines[i] = match[1] + "".join(parts)


def write_cli_session() -> None:
    """Run a short ``nnet`` session (train, save, info, predict) whose output the pages show."""
    out = HERE / "user_guide" / "cli_help"
    out.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        from sklearn.datasets import load_iris

        iris = load_iris()
        rows = [",".join(iris.feature_names)]
        rows += [",".join(f"{v:g}" for v in iris.data[i]) for i in (0, 60, 120)]
        (Path(tmp) / "flowers.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
        sessions = {
            "nnet_train_output.txt": ["train", "--quiet"],
            "nnet_train_save_output.txt": ["train", "--dataset", "iris", "--hidden", "16",
                                           "--activation", "relu", "--optimizer", "adam",
                                           "--epochs", "50", "--save", "iris.safetensors",
                                           "--quiet"],
            "nnet_info_output.txt": ["info", "--model", "iris.safetensors"],
            "nnet_predict_output.txt": ["predict", "--model", "iris.safetensors", "--csv",
                                        "flowers.csv"],
        }  # fmt: skip
        for filename, command in sessions.items():
            proc = subprocess.run(
                [sys.executable, "-m", "nnet", *command],
                capture_output=True,
                text=True,
                cwd=tmp,
                check=False,
            )
            text = proc.stdout if proc.returncode == 0 else f"(failed: {proc.stderr.strip()})\n"
            _write_if_changed(out / filename, text.replace(tmp, "."))
        _write_if_changed(out / "flowers.csv", (Path(tmp) / "flowers.csv").read_text())


def reset_argv(gallery_conf: dict[str, Any], script_vars: dict[str, Any]) -> list[str]:
    """Command line of every example in the gallery build: figures in a temp dir, and quick
    settings when ``NNET_EXAMPLES_QUICK=1`` (as CI sets it), else the examples' real ones.

    sphinx-gallery captures the figures from matplotlib itself; the files the
    scripts save are not needed, so they go to a scratch folder outside the tree.
    """
    figures = Path(tempfile.gettempdir()) / "nnet-docs-example-figures"
    quick = ["--quick"] if os.environ.get("NNET_EXAMPLES_QUICK") == "1" else []
    return [*quick, "--out", str(figures)]
