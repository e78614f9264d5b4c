"""The public side: portal, service guides, online applications, query, publicity,
complaints, evaluation, open data."""

from __future__ import annotations

from typing import Any

#: The public side's route handlers and controllers, mounted by web/app.py.
PUBLIC_ROUTES: list[Any] = []
