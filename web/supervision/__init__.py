"""Electronic supervision under /supervision: warnings, cards, figures, replay, queues.

Guarded by role (``supervisor`` or ``department_head``, else 403); what each sees is its
scope (``web.supervision.scope``). The pages render what ``runtime.supervision``
computes: warnings from the watch list, figures from the rollups, the replay from the
case's events and the chain check."""

from __future__ import annotations

from typing import Any

from web.supervision.cards import CardsController
from web.supervision.figures import FiguresController
from web.supervision.queues import QueuesController
from web.supervision.warnings import WarningsController

#: Supervision's route handlers and controllers, mounted by web/app.py.
SUPERVISION_ROUTES: list[Any] = [
    WarningsController,
    CardsController,
    FiguresController,
    QueuesController,
]
