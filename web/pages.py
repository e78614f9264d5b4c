"""A page or, for an htmx request, one block of it: the context every page template
receives (the user, whether htmx is served, demo mode)."""

from __future__ import annotations

from typing import Any

from jinja2 import Environment
from jinja2_fragments.litestar import HTMXBlockTemplate
from litestar import Request
from litestar.enums import MediaType
from litestar.plugins.htmx import HTMXRequest
from litestar.response import Template
from litestar.status_codes import HTTP_200_OK

from web.deps import house_of, roles_of, signed_in


def render_page(
    request: Request[Any, Any, Any],
    template: str,
    block: str | None,
    context: dict[str, Any],
    status: int = HTTP_200_OK,
) -> Template:
    """A full page, or only ``block`` for an htmx request. An ``.html`` template is sent as
    text/html without Litestar guessing the type from the name on every response."""
    house = house_of(request)
    user = signed_in(request)
    context = {
        "user": user,
        # the header's link to /admin (admin/): shown to administrators only
        "is_admin": user is not None and "admin" in roles_of(request, user),
        "htmx_available": request.app.state.htmx_available,
        "demo": house.settings.demo_mode,
        **context,
    }
    media = MediaType.HTML if template.endswith(".html") else None
    if block is not None and isinstance(request, HTMXRequest) and request.htmx:
        return HTMXBlockTemplate(
            template_name=template,
            block_name=block,
            context=context,
            status_code=status,
            media_type=media,
        )
    return Template(template_name=template, context=context, status_code=status, media_type=media)


def template_env(request: Request[Any, Any, Any]) -> Environment:
    """The app's Jinja environment (create_app always configures one)."""
    engine = request.app.template_engine
    assert engine is not None
    env: Environment = engine.engine
    return env
