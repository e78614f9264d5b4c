"""The command line's one error path: a BanshiError escaping any command is one line
``错误 <code>: <message>`` on stderr and exit status 2, never a traceback."""

from __future__ import annotations

import pytest
import typer
from typer.testing import CliRunner

from banshi import cli
from definitions.errors import BanshiError
from house.settings import SettingsError
from rbac.people import OrgError

#: A group for the test (``cli.GROUPS`` names this module): its commands raise.
app = typer.Typer()


@app.command("org")
def raise_org() -> None:
    raise OrgError("用户 nobody@county 不存在（租户 422822）")


@app.command("settings")
def raise_settings() -> None:
    raise SettingsError(
        "设置错误 invalid setting BANSHI_PORT: not a number\n"
        "设置错误 invalid setting BANSHI_TENANT: not six digits"
    )


@app.command("other")
def raise_other() -> None:
    raise RuntimeError("not ours")


@pytest.fixture
def banshi(monkeypatch: pytest.MonkeyPatch) -> typer.Typer:
    monkeypatch.setattr(cli, "GROUPS", (*cli.GROUPS, ("boom", __name__, "Raises.")))
    return cli.build()


def test_an_escaping_error_is_one_line_and_exit_2(banshi: typer.Typer) -> None:
    result = CliRunner().invoke(banshi, ["boom", "org"])
    assert result.exit_code == 2
    assert result.stderr == "错误 org_refused: 用户 nobody@county 不存在（租户 422822）\n"
    assert "Traceback" not in result.output and result.stdout == ""


def test_a_message_of_several_lines_is_still_one(banshi: typer.Typer) -> None:
    result = CliRunner().invoke(banshi, ["boom", "settings"])
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1
    assert result.stderr.startswith("错误 settings_invalid: 设置错误 invalid setting BANSHI_PORT")
    assert "BANSHI_TENANT" in result.stderr


def test_other_exceptions_are_not_swallowed(banshi: typer.Typer) -> None:
    result = CliRunner().invoke(banshi, ["boom", "other"])
    assert isinstance(result.exception, RuntimeError) and result.exit_code == 1


def test_a_bad_setting_stops_a_real_command_in_one_line() -> None:
    result = CliRunner().invoke(cli.build(), ["org", "show"], env={"BANSHI_MAX_FORM_KB": "many"})
    assert result.exit_code == 2, result.output
    line = result.stderr.strip()
    assert line.startswith("错误 settings_invalid: ") and "BANSHI_MAX_FORM_KB" in line
    assert "\n" not in line and not isinstance(result.exception, BanshiError)
