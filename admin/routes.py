"""The administrators' web UI, mounted by web/app.py under /admin.

Every page and action is for admins only (``role_required("admin")`` on each controller:
any other role gets 403); what an admin may reach inside is rbac's ``manage_*`` acts on
the domain concerned (admin/access.py)."""

from __future__ import annotations

from typing import Any

from litestar.static_files import create_static_files_router

from admin.calendar_page import CalendarController
from admin.items import ItemsController
from admin.log_page import LogController
from admin.people_pages import OrgController, PeopleController
from admin.review import ReviewController
from admin.templates_page import TemplatesController
from definitions.shipped import package_path

#: Administration's route handlers and controllers, mounted by web/app.py.
ADMIN_ROUTES: list[Any] = [
    ItemsController,
    ReviewController,
    OrgController,
    PeopleController,
    CalendarController,
    TemplatesController,
    LogController,
    # the stylesheet (the CSP allows no inline styles)
    create_static_files_router(
        path="/admin/static",
        directories=[package_path("admin", "static")],
        include_in_schema=False,
        name="admin-static",
    ),
]
