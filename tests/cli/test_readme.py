"""Every `moneytrail ...` line in the README's code blocks runs, in order, from a fresh store,
and exits as the README says (0 unless the line ends with `# exits N`)."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pipeline.cli import app

ROOT = Path(__file__).resolve().parents[2]
_BLOCK = re.compile(r"```[^\n]*\n(.*?)```", re.S)
_EXITS = re.compile(r"#\s*exits\s+(\d+)")


def readme_commands(text: str) -> list[tuple[str, int]]:
    """Return (command line, expected exit code) for each moneytrail line in code blocks.

    A line of a shell transcript may start with "$ ". In a line that installs first
    (`python3 -m venv ... && moneytrail ...`), only the moneytrail steps count.
    """
    found: list[tuple[str, int]] = []
    for block in _BLOCK.findall(text):
        for raw in block.splitlines():
            line = raw.strip().removeprefix("$ ")
            expected = _EXITS.search(line)
            code = int(expected.group(1)) if expected else 0
            steps = [s.strip() for s in line.split("&&")]
            for step in steps:
                if step.startswith("moneytrail "):
                    found.append((step, code))
    return found


COMMANDS = readme_commands((ROOT / "README.md").read_text(encoding="utf-8"))


def test_the_readme_shows_commands_to_run() -> None:
    assert len(COMMANDS) >= 10
    assert any(c.startswith("moneytrail show corpora/") for c, _ in COMMANDS)


def test_every_readme_command_exits_as_shown(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(ROOT)
    monkeypatch.setenv("MONEYTRAIL_STORE", str(tmp_path / "readme.db"))
    runner = CliRunner()
    for line, expected in COMMANDS:
        args = shlex.split(line, comments=True)[1:]
        result = runner.invoke(app, args)
        assert result.exit_code == expected, (
            f"{line!r} exited {result.exit_code}, the README shows {expected}: "
            f"{result.stderr[-500:]}{result.exception!r}"
        )
