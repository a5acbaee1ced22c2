"""The README stays true: its two set-up commands, CI's use of them, and its Python snippets."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text()


def _blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", README, flags=re.DOTALL)


def test_readme_opens_with_the_two_set_up_commands():
    first = _blocks("bash")[0].strip().splitlines()
    assert first == [
        "python -m pip install -e . && nnet train",
        'python -m pip install -e ".[dev]" && python -m pytest',
    ]
    assert README.index("```bash") < README.index("```python")


def test_ci_runs_the_readme_test_command_verbatim():
    test_command = _blocks("bash")[0].strip().splitlines()[1]
    assert f"README_TEST_COMMAND='{test_command}'" in (ROOT / ".ci" / "run").read_text()


def test_readme_python_snippets_run(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # the snippets write model.safetensors
    namespace: dict[str, object] = {}
    for block in _blocks("python"):
        exec(compile(block, "README.md", "exec"), namespace)
    assert (tmp_path / "model.safetensors").exists()


def test_contributing_gives_the_readme_test_command():
    test_command = _blocks("bash")[0].strip().splitlines()[1]
    assert test_command in (ROOT / "CONTRIBUTING.md").read_text()
