"""Electronic supervision under /supervision: warnings, cards, figures, replay, queues."""

from __future__ import annotations

from typing import Any

#: Supervision's route handlers and controllers, mounted by web/app.py.
SUPERVISION_ROUTES: list[Any] = []
