"""Sphinx configuration of the nnet documentation.

Build with (from the repository root)::

    python -m sphinx -W --keep-going -b html docs docs/_build/html
    python -m sphinx -W --keep-going -b doctest docs docs/_build/doctest

The gallery is built from ``examples/``: with their quick settings when
NNET_EXAMPLES_QUICK=1 (CI), else with their real settings. A quick build says so
in a banner on every page, and each example prints it above its output, so its
tiny-budget numbers cannot be taken for the real results.

Maths is rendered by a copy of MathJax 3 shipped in the ``sphinx-mathjax-offline``
package (the ``docs`` extra) and served from ``_static/mathjax``: the site needs
no network, where Sphinx's default loads MathJax from a CDN.
"""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
# CI (.ci/run) exports NNET_EXAMPLES_QUICK=1 so the gallery runs every example's tiny
# settings; a build for readers leaves it unset and shows the examples' real results.
os.environ.setdefault("NNET_EXAMPLES_QUICK", "0")

sys.path.insert(0, str(Path(__file__).resolve().parent / "_ext"))

import nnet_docs

import nnet

# -- Project -------------------------------------------------------------------------
project = "nnet"
author = "the nnet developers"
copyright = "the nnet developers"
release = nnet.__version__
version = ".".join(release.split(".")[:2])

# -- General -------------------------------------------------------------------------
extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.doctest",
    "sphinx.ext.mathjax",
    "sphinx-mathjax-offline",  # MathJax from the package, not a CDN (sets mathjax_path)
    "sphinx.ext.viewcode",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
]
templates_path = ["_templates"]
exclude_patterns = ["_build", "**/cli_help", "Thumbs.db", ".DS_Store"]
default_role = "py:obj"
nitpicky = False  # no intersphinx (the build is offline), so numpy/sklearn links stay plain text

# -- API reference: autodoc + autosummary + numpydoc ---------------------------------
_PENDING_WARNINGS: list[str] = []  # reported as Sphinx warnings in setup(), below
API_MODULES = nnet_docs.write_api_pages(_PENDING_WARNINGS.append)
# Public names known to lack a docstring, each waiting for a fix in its module. They are
# reported without failing the build (as is an entry already fixed, which should then be
# deleted here). Any other undocumented public name fails the build. Keep it empty.
UNDOCUMENTED_ALLOWED: set[str] = set()
autosummary_generate = True
autodoc_typehints = "none"  # the numpydoc sections give the types
autodoc_member_order = "bysource"
autodoc_inherit_docstrings = True
numpydoc_show_class_members = False  # the class template lists members itself
numpydoc_class_members_toctree = False
numpydoc_attributes_as_param_list = True
# Parameter types are cross-referenced, so "NeuralNetwork" links to its page; names
# outside nnet stay unresolved (no intersphinx: the build is offline) and are shown
# as code, which also keeps "ndarray of shape (n_features_in_,)" from being read as
# a reST link. numpydoc's default aliases point into the Python and NumPy docs, so
# they are replaced by plain names.
numpydoc_xref_param_type = True
numpydoc_xref_aliases = {
    name: name
    for name in ("None", "bool", "boolean", "True", "False", "array_like", "array-like",
                 "sequence", "iterable", "callable", "dict", "list", "tuple", "int", "float",
                 "str", "mapping", "scalar", "ndarray", "dtype", "path-like", "file-like")
}  # fmt: skip
numpydoc_xref_ignore = {
    "of", "or", "and", "shape", "default", "optional", "length", "to", "with", "the", "a",
    "an", "any", "object", "instance", "same", "as", "in", "for", "type", "e.g.", "like",
}  # fmt: skip
# Missing docstrings are found by nnet_docs.undocumented (which, unlike numpydoc's
# GL08, follows inherited docstrings) and reported as warnings.

# -- Doctest: the code of the tutorial and guide pages -------------------------------
# Docstring examples are already run by ``pytest --doctest-modules``; here only the
# pages' own ``.. doctest::``/``.. testcode::`` blocks are tested.
doctest_test_doctest_blocks = ""
doctest_global_setup = """
import numpy as np
np.set_printoptions(precision=4, suppress=True, legacy=False)
"""

# -- Gallery ---------------------------------------------------------------------------
sphinx_gallery_conf = {
    "examples_dirs": "../examples",
    "gallery_dirs": "auto_examples",
    # Execute every example except the Dask one, which starts a cluster of worker
    # processes; it is run by tests/test_examples.py and shown here as code.
    "filename_pattern": re.escape(os.sep) + r"(?!dask_grid_search)\w+\.py$",
    "ignore_pattern": r"__init__\.py|" + re.escape(os.sep) + r"_\w*\.py$",
    "reset_argv": "nnet_docs.reset_argv",
    "within_subsection_order": "FileNameSortKey",
    "abort_on_example_error": False,
    "only_warn_on_example_error": False,
    "backreferences_dir": "api/generated/backreferences",
    "doc_module": ("nnet",),
    # Back-references under the defining module's name (nnet.training.train, not
    # nnet.train), which is where the API reference documents each object.
    "prefer_full_module": {r"nnet(\..*)?"},
    "download_all_examples": False,
    "remove_config_comments": True,
    "capture_repr": (),
    "show_memory": False,
    "min_reported_time": 1,
}

# -- HTML ------------------------------------------------------------------------------
html_theme = "pydata_sphinx_theme"
html_title = f"nnet {release}"
html_theme_options = {
    "logo": {"text": "nnet"},
    "navbar_align": "left",
    "show_toc_level": 2,
    "navigation_with_keys": False,
    "secondary_sidebar_items": ["page-toc", "sourcelink"],
    "footer_start": ["copyright"],
    "footer_end": ["sphinx-version", "theme-version"],
}
QUICK_EXAMPLES = os.environ["NNET_EXAMPLES_QUICK"] == "1"
if QUICK_EXAMPLES:
    html_theme_options["announcement"] = nnet_docs.QUICK_BANNER
html_sidebars = {"index": [], "getting_started": []}
html_static_path: list[str] = []
html_show_sourcelink = True


def setup(app):
    from sphinx.util import logging

    logger = logging.getLogger("nnet_docs")
    nnet_docs.write_cli_help()
    nnet_docs.write_cli_session()

    def report(app, config):
        allowed_seen = set()
        for message in _PENDING_WARNINGS:
            name = message.split()[0]
            if name in UNDOCUMENTED_ALLOWED:
                allowed_seen.add(name)
                logger.info(f"known, to be fixed: {message}")
            else:
                logger.warning(message)
        for name in sorted(UNDOCUMENTED_ALLOWED - allowed_seen):
            logger.info(f"{name} is documented now: delete it from UNDOCUMENTED_ALLOWED")

    def skip_foreign_members(app, what, name, obj, skip, options):
        # Members inherited from scikit-learn's bases (score, get_params, ...) are
        # documented by scikit-learn; their docstrings use its own labels and terms.
        if what == "class" and not nnet_docs.is_nnet_member(obj):
            return True
        return None

    app.connect("config-inited", report)
    app.connect("autodoc-skip-member", skip_foreign_members)
    # After numpydoc (registered first): "(n_features_in_,)" in a type is text, not a link.
    app.connect("autodoc-process-docstring", nnet_docs.escape_names_in_types)
