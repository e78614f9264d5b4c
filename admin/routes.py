"""The administrators' web UI, mounted by web/app.py under /admin."""

from __future__ import annotations

from typing import Any

#: Administration's route handlers and controllers, mounted by web/app.py.
ADMIN_ROUTES: list[Any] = []
