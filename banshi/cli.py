"""The ``banshi`` command line. Each command group lives in banshi/commands/<group>.py."""

from __future__ import annotations

import importlib

import typer

#: (group name, module, help). A module exposes ``app: typer.Typer``.
GROUPS: tuple[tuple[str, str, str], ...] = (
    ("db", "banshi.commands.db", "Database: migrations."),
    ("definitions", "banshi.commands.definitions", "Item definitions: check and schema."),
    ("catalog", "banshi.commands.catalog", "The catalogue: reports."),
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


def build() -> typer.Typer:
    app = typer.Typer(
        help="Banshi (办事): a county's government services platform.", no_args_is_help=True
    )
    for name, module, help_text in GROUPS:
        try:
            sub = importlib.import_module(module)
        except ModuleNotFoundError as exc:
            if exc.name == module:
                continue
            raise
        app.add_typer(sub.app, name=name, help=help_text)
    return app


def main() -> None:
    build()()


if __name__ == "__main__":
    main()
