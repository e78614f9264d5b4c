"""The ``banshi`` command line. Each command group lives in banshi/commands/<group>.py.

Groups are imported only when they run: ``banshi --help`` lists them from the table below
without importing a single one (it used to import them all, 1.9 s). A group whose module
cannot be imported is an error when it is called, never silently left out; a test imports
every group.

Errors: whatever of the house's one family (``definitions.errors.BanshiError``) escapes a
command is printed as one line, ``错误 <code>: <message>``, on stderr, and the command exits
with status 2 — never a traceback. Commands catch an error themselves only to go on (the
worker without an audit key) or to exit otherwise (a gap in the audit log is 1)."""

from __future__ import annotations

import importlib
from typing import Any

import typer
from typer.core import TyperCommand, TyperGroup

from definitions.errors import BanshiError

#: (group name, module, help). A module exposes ``app: typer.Typer``.
GROUPS: tuple[tuple[str, str, str], ...] = (
    ("db", "banshi.commands.db", "Database: migrations."),
    ("definitions", "banshi.commands.definitions", "Item definitions: check and schema."),
    ("catalog", "banshi.commands.catalog", "The catalogue: publish, export, reports."),
    ("demo", "banshi.commands.demo", "Demo organisation, catalogue and cases."),
    ("case", "banshi.commands.case", "Cases: process replay."),
    ("audit", "banshi.commands.audit", "Audit: verify the event chains."),
    ("worker", "banshi.commands.worker", "Deliver the notification outbox."),
    ("outbox", "banshi.commands.outbox", "The notification outbox: pending and sent messages."),
    ("serve", "banshi.commands.serve", "Serve the web app."),
    ("org", "banshi.commands.org", "Organisation: load a file, show the tree, the audit log."),
    ("user", "banshi.commands.user", "People: users, roles and acting delegations."),
    ("authz", "banshi.commands.authz", "Permissions: explain allow or deny."),
    ("calendar", "banshi.commands.calendar", "Working-day calendar: holidays and 调休."),
)


class _Placeholder(TyperCommand):
    """Stands in a group's place in the help listing until the group is called."""

    def __init__(self, name: str, module: str, help_text: str) -> None:
        super().__init__(name, help=help_text, short_help=help_text)
        self.module = module


def load_group(name: str, module: str, help_text: str) -> TyperGroup:
    """The group's real click command (its module imported now; import errors propagate)."""
    sub = importlib.import_module(module)
    command = typer.main.get_group(sub.app)
    command.name = name
    command.help = command.help or help_text
    return command


class LazyGroup(TyperGroup):
    def __init__(self, **attrs: Any) -> None:
        super().__init__(**attrs)
        for name, module, help_text in GROUPS:
            self.commands.setdefault(name, _Placeholder(name, module, help_text))

    def resolve_command(self, ctx: Any, args: list[str]) -> tuple[str | None, Any, list[str]]:
        name, command, rest = super().resolve_command(ctx, args)
        if isinstance(command, _Placeholder) and name is not None:
            command = load_group(name, command.module, command.help or "")
            self.commands[name] = command
        return name, command, rest

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except BanshiError as exc:
            typer.echo(error_line(exc), err=True)
            raise typer.Exit(2) from None


def error_line(exc: BanshiError) -> str:
    """``错误 <code>: <message>``, on one line (a message of several lines joined by ；)."""
    text = "；".join(line.strip() for line in exc.message.splitlines() if line.strip())
    return f"错误 {exc.code}: {text}"


def _root() -> None:
    """Banshi (办事): a county's government services platform."""


def build() -> typer.Typer:
    app = typer.Typer(cls=LazyGroup, no_args_is_help=True)
    app.callback()(_root)
    return app


def main() -> None:
    build()()


if __name__ == "__main__":
    main()
