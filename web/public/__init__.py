"""The public side: portal, service guides, online applications, query, publicity,
complaints, evaluation, open data.

Each module holds one page family; ``PUBLIC_ROUTES`` is what web/app.py mounts. The public
stylesheet and the kiosk's script are served from web/templates/public/static/ (package
data, same origin: the CSP allows no inline style or script)."""

from __future__ import annotations

from typing import Any

from litestar.static_files import create_static_files_router

from definitions.shipped import package_path
from web.public.apply import ApplyController
from web.public.catalogue import CatalogueController
from web.public.complaints import ComplaintController
from web.public.confirm import AccountController, DraftController
from web.public.evaluate import (
    EvaluateController,
    EvaluationFiguresController,
    RectificationController,
)
from web.public.opendata import OpenDataController
from web.public.publicity import PublicityController
from web.public.sms import dead_letter_list, demo_inbox, sms_inbound


def _assets() -> Any:
    return create_static_files_router(
        path="/static/public",
        directories=[package_path("web", "templates", "public", "static")],
        include_in_schema=False,
        name="public_assets",
    )


#: The public side's route handlers and controllers, mounted by web/app.py.
PUBLIC_ROUTES: list[Any] = [
    CatalogueController,
    ApplyController,
    DraftController,
    AccountController,
    EvaluateController,
    EvaluationFiguresController,
    RectificationController,
    ComplaintController,
    PublicityController,
    OpenDataController,
    sms_inbound,
    dead_letter_list,
    demo_inbox,
    _assets(),
]
