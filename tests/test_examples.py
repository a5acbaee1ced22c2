"""Every script in examples/ runs with its quick settings, offline, and writes its figures.

Scripts are discovered by glob, so a new example is covered without editing this
file. Each runs in a subprocess from a temporary directory with ``--quick --out
<tmp>`` (the flags a script declares), the Agg backend, and outgoing network
connections refused: an example must never need the internet by default.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES_DIR = Path(__file__).resolve().parents[1] / "examples"
EXAMPLES = sorted(p for p in EXAMPLES_DIR.glob("*.py") if not p.name.startswith("_"))

# Runs the script as __main__ after making every non-local connection fail, so an
# example that reached for the internet fails here instead of hanging in CI.
RUNNER = """
import ipaddress, os, runpy, socket, sys

_connect, _connect_ex = socket.socket.connect, socket.socket.connect_ex

def _local(address):
    if not isinstance(address, tuple):
        return True  # a Unix socket path
    host = address[0]
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.split("%")[0]).is_loopback
    except ValueError:
        return False

def _refuse(name, original):
    def guarded(self, address):
        if not _local(address):
            raise OSError(f"examples must not use the network (tried {address!r})")
        return original(self, address)
    guarded.__name__ = name
    return guarded

socket.socket.connect = _refuse("connect", _connect)
socket.socket.connect_ex = _refuse("connect_ex", _connect_ex)
script = sys.argv[1]
sys.argv = sys.argv[1:]
sys.path.insert(0, os.path.dirname(os.path.abspath(script)))
runpy.run_path(script, run_name="__main__")
"""


def _command(script: Path, out: Path) -> list[str]:
    source = script.read_text(encoding="utf-8")
    flags = ["--quick"] if '"--quick"' in source else []
    flags += ["--out", str(out)] if '"--out"' in source else []
    return [sys.executable, "-c", RUNNER, str(script), *flags]


def _run(script: Path, tmp_path: Path, env_quick: bool = False) -> tuple[Path, str]:
    out = tmp_path / "figures"
    env = {**os.environ, "MPLBACKEND": "Agg", "PYTHONHASHSEED": "0"}
    env.pop("NNET_EXAMPLES_QUICK", None)
    command = _command(script, out)
    if env_quick:
        env["NNET_EXAMPLES_QUICK"] = "1"
        command.remove("--quick")
    proc = subprocess.run(
        command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=180
    )
    assert proc.returncode == 0, (
        f"{script.name} failed:\n{proc.stdout[-2000:]}\n{proc.stderr[-4000:]}"
    )
    return out, proc.stdout


def test_examples_are_found():
    assert len(EXAMPLES) >= 9, [p.name for p in EXAMPLES]


@pytest.mark.parametrize("script", EXAMPLES, ids=lambda p: p.name)
def test_example_runs_quick_and_writes_its_figures(script: Path, tmp_path: Path):
    source = script.read_text(encoding="utf-8")
    if "import dask" in source or "from dask" in source:
        pytest.importorskip("distributed")
    out, _ = _run(script, tmp_path)
    if "savefig" in source:
        figures = sorted(p.name for p in out.glob("*") if p.suffix in {".png", ".svg", ".pdf"})
        assert figures, f"{script.name} saves figures but wrote none to {out}"
        assert all((out / name).stat().st_size > 1000 for name in figures)
    assert not list(tmp_path.glob("*.png")), "figures must go to --out, not the working directory"


def test_examples_follow_the_gallery_format_and_the_quick_conventions():
    for script in EXAMPLES:
        source = script.read_text(encoding="utf-8")
        docstring = source.split('"""')[1].strip().splitlines()
        title, underline = docstring[0], docstring[1]
        assert set(underline) == {"="} and len(underline) >= len(title), script.name
        assert "# %%" in source, f"{script.name} has no sphinx-gallery cells"
        if script.name != "dask_grid_search.py":  # written by another helper
            assert '"--quick"' in source and "NNET_EXAMPLES_QUICK" in source, script.name
            assert '"--out"' in source, script.name
        assert "plt.show()" not in source, script.name


def test_quick_mode_also_comes_from_the_environment(tmp_path: Path):
    out, stdout = _run(EXAMPLES_DIR / "xor.py", tmp_path, env_quick=True)
    assert "(final loss" in stdout and (out / "xor.png").exists()
