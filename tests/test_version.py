"""The version is written in one place, nnet/__init__.py, and everything else reads it."""

from __future__ import annotations

import re
import sys
from importlib import metadata
from pathlib import Path

import pytest

import nnet

ROOT = Path(__file__).resolve().parent.parent
PYPROJECT = (ROOT / "pyproject.toml").read_text()

# hatchling's default pattern for [tool.hatch.version] (the "regex" source).
HATCH_PATTERN = r"""(?i)^(__version__|VERSION) *= *([\'"])v?(?P<version>.+?)\2"""


def _toml() -> dict:
    if sys.version_info < (3, 11):
        pytest.skip("tomllib is in the standard library from Python 3.11")
    import tomllib

    return tomllib.loads(PYPROJECT)


def test_pyproject_reads_the_version_from_the_package():
    config = _toml()
    assert "version" not in config["project"]  # not written a second time
    assert "version" in config["project"]["dynamic"]
    assert config["build-system"]["build-backend"] == "hatchling.build"
    source = ROOT / config["tool"]["hatch"]["version"]["path"]
    found = re.search(HATCH_PATTERN, source.read_text(), flags=re.MULTILINE)
    assert found is not None and found["version"] == nnet.__version__


def test_the_installed_metadata_agrees_with_the_package():
    try:
        installed = metadata.version("nnet")
    except metadata.PackageNotFoundError:
        pytest.skip("nnet is not installed (run from a source tree): no metadata to compare")
    assert installed == nnet.__version__
