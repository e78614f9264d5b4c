"""The command line: groups load when called, every listed group exists, help is cheap."""

from __future__ import annotations

import subprocess
import sys

import pytest
from typer.testing import CliRunner

from banshi import cli


def test_help_lists_every_group_without_importing_them() -> None:
    code = (
        "import sys; from banshi.cli import main; sys.argv=['banshi','--help']\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "print('LOADED', sorted(m for m in sys.modules if m.startswith('banshi.commands.')))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    for name, _module, _help in cli.GROUPS:
        assert name in out
    assert "LOADED []" in out


@pytest.mark.parametrize(("name", "module", "help_text"), cli.GROUPS)
def test_every_group_loads_and_answers_help(name: str, module: str, help_text: str) -> None:
    result = CliRunner().invoke(cli.build(), [name, "--help"])
    assert result.exit_code == 0, result.output
    assert f" {name} [OPTIONS]" in result.output


def test_a_group_whose_module_is_missing_is_an_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(
        cli, "GROUPS", (*cli.GROUPS, ("ghost", "banshi.commands.ghost", "Not there."))
    )
    result = CliRunner().invoke(cli.build(), ["ghost", "--help"])
    assert result.exit_code != 0
    assert isinstance(result.exception, ModuleNotFoundError)


def test_an_unknown_command_is_a_usage_error() -> None:
    result = CliRunner().invoke(cli.build(), ["nosuch"])
    assert result.exit_code == 2
    assert "No such command" in result.output
