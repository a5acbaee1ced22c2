"""Shared by the hostile-input suite: running the ``nnet`` command as a user does."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

Run = Callable[..., subprocess.CompletedProcess]


def _run(*args: str, cwd: Path | None = None, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "nnet", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=timeout,
    )


@pytest.fixture
def nnet_cli() -> Run:
    """``nnet_cli(*args)`` runs ``python -m nnet *args`` and returns the completed process."""
    return _run


@pytest.fixture
def one_line_error() -> Callable[..., str]:
    """Check a run failed with exactly one ``nnet:`` line on stderr and no traceback."""

    def check(result: subprocess.CompletedProcess, match: str, status: int = 2) -> str:
        assert result.returncode == status, (result.returncode, result.stderr)
        assert "Traceback" not in result.stderr
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("nnet: "), result.stderr
        assert match in lines[0], lines[0]
        return lines[0]

    return check
