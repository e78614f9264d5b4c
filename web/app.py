"""The Litestar app: ``create_app(settings)`` wires everything explicitly; nothing is built
at import time."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any
from urllib.parse import quote

from jinja2 import ChoiceLoader, Environment, FileSystemLoader, select_autoescape
from litestar import Litestar, Request, Response, get
from litestar.config.csrf import CSRFConfig
from litestar.datastructures import State
from litestar.exceptions import (
    HTTPException,
    NotAuthorizedException,
    NotFoundException,
    PermissionDeniedException,
)
from litestar.middleware.base import DefineMiddleware
from litestar.openapi import OpenAPIConfig
from litestar.plugins.htmx import HTMXPlugin, HTMXRequest
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.plugins.prometheus import PrometheusConfig
from litestar.response import Redirect, Template
from litestar.static_files import create_static_files_router
from litestar.status_codes import HTTP_303_SEE_OTHER
from litestar.template.config import TemplateConfig

from banshi.settings import Settings, load_settings
from banshi.wiring import House, build_house
from runtime.errors import ActError
from web.api import ApiController
from web.auth import current_user
from web.desk import DeskController
from web.login import LOGIN_ROUTES
from web.logs import configure as configure_logs
from web.logs import request_logging
from web.ops import PREFIX as METRICS_PREFIX
from web.ops import Metrics, OpsController
from web.portal import PortalController
from web.security import add_security_headers
from web.sessions import SessionCsrfMiddleware, session_config
from web.stores import build_registry, shared_root

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE_DIRS = [ROOT / "web" / "templates", ROOT / "renderer" / "templates"]
STATIC_DIR = ROOT / "web" / "static"
HTMX_DIR = ROOT / "node_modules" / "htmx.org" / "dist"

ERROR_HEADINGS = {
    400: "请求有误",
    401: "请先登录",
    403: "无权办理",
    404: "找不到页面",
    409: "操作冲突",
    422: "请修改后再提交",
    429: "请求太频繁",
    500: "系统出错了",
}


def _wants_json(request: Request[Any, Any, Any]) -> bool:
    return request.url.path.startswith("/api/") or "application/json" in request.headers.get(
        "accept", ""
    )


def _error_response(
    request: Request[Any, Any, Any], status: int, message: str, extra: dict[str, Any] | None = None
) -> Response[Any]:
    if _wants_json(request):
        return Response(
            {
                "status": status,
                "error": ERROR_HEADINGS.get(status, "错误"),
                "message": message,
                **(extra or {}),
            },
            status_code=status,
        )
    context = {
        "heading": ERROR_HEADINGS.get(status, "错误"),
        "message": message,
        "back": request.headers.get("referer"),
        "user": current_user(request) if status != 500 else None,
        "htmx_available": request.app.state.htmx_available,
    }
    htmx = isinstance(request, HTMXRequest) and bool(request.htmx)
    if htmx:
        from jinja2_fragments.litestar import HTMXBlockTemplate

        return HTMXBlockTemplate(
            template_name="error.html",
            block_name="error",
            context=context,
            status_code=status,
            re_target="#main",
            re_swap="afterbegin",
        )  # type: ignore[return-value]
    return Template(template_name="error.html", context=context, status_code=status)  # type: ignore[return-value]


def act_error_handler(request: Request[Any, Any, Any], exc: ActError) -> Response[Any]:
    extra = {"code": exc.code}
    errors = getattr(exc, "errors", None)
    if errors:
        extra["errors"] = [e.as_dict() for e in errors]
    return _error_response(request, exc.status, exc.message, extra)


def not_authorized_handler(
    request: Request[Any, Any, Any], exc: NotAuthorizedException
) -> Response[Any]:
    if _wants_json(request):
        return _error_response(request, 401, "请先登录")
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return Redirect(f"/login?next={quote(target, safe='/')}", status_code=HTTP_303_SEE_OTHER)  # type: ignore[return-value]


def http_error_handler(request: Request[Any, Any, Any], exc: HTTPException) -> Response[Any]:
    status = exc.status_code
    message = exc.detail if status < 500 else "请稍后再试；如仍有问题请联系县政务服务中心。"
    if status == 403 and "CSRF" in str(exc.detail):
        message = "页面已过期或来源不明（CSRF 校验失败），请刷新页面后重试。"
    return _error_response(request, status, str(message))


def internal_error_handler(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    request.logger.exception("unhandled error", exc_info=exc)
    return _error_response(request, 500, "请稍后再试；如仍有问题请联系县政务服务中心。")


@get("/", include_in_schema=False)
async def index(request: Request[Any, Any, Any]) -> Redirect:
    return Redirect("/desk" if current_user(request) else "/login")


def create_app(settings: Settings | None = None, house: House | None = None) -> Litestar:
    """Build the web app from settings (read from the environment when not given)."""
    settings = settings or load_settings()
    house = house or build_house(settings)
    configure_logs(settings.log_format, settings.log_level)
    env = Environment(
        loader=ChoiceLoader([FileSystemLoader(str(d)) for d in TEMPLATE_DIRS]),
        autoescape=select_autoescape(default=True, default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    routers = [
        create_static_files_router(
            path="/static", directories=[STATIC_DIR], include_in_schema=False
        )
    ]
    htmx_available = (HTMX_DIR / "htmx.min.js").is_file()
    if htmx_available:
        routers.append(
            create_static_files_router(
                path="/static/vendor",
                directories=[HTMX_DIR],
                include_in_schema=False,
                name="vendor",
            )
        )
    # Sessions live in the shared store (web/sessions.py, web/stores.py); the CSRF token is
    # bound to the session. The secret is refused here when missing outside demo mode.
    secret = settings.web_secret()
    stores = build_registry(shared_root(house.engine, settings.redis_url))
    session = session_config(
        secure=settings.cookies_secure,
        idle_s=settings.session_idle_s,
        absolute_s=settings.session_absolute_s,
        touch_s=settings.session_touch_s,
    )
    csrf = CSRFConfig(
        secret=hashlib.sha256(f"csrf:{secret}".encode()).hexdigest(),
        cookie_httponly=False,
        cookie_samesite="strict",
        cookie_secure=settings.cookies_secure,
    )
    return Litestar(
        route_handlers=[
            index,
            *LOGIN_ROUTES,
            DeskController,
            PortalController,
            ApiController,
            OpsController,
            *routers,
        ],
        template_config=TemplateConfig(instance=JinjaTemplateEngine.from_environment(env)),
        middleware=[
            request_logging,
            PrometheusConfig(
                app_name=METRICS_PREFIX,
                prefix=METRICS_PREFIX,
                group_path=True,
                exclude=["^/static", "^/metrics", "^/health"],
            ).middleware,
            session.middleware,
            DefineMiddleware(SessionCsrfMiddleware, config=csrf),
        ],
        stores=stores,
        before_send=[add_security_headers],
        request_class=HTMXRequest,
        plugins=[HTMXPlugin()],
        state=State(
            {
                "house": house,
                "htmx_available": htmx_available,
                "item_index": {},
                "form_bodies": {},
                "metrics": Metrics(house),
            }
        ),
        exception_handlers={
            ActError: act_error_handler,
            NotAuthorizedException: not_authorized_handler,
            PermissionDeniedException: http_error_handler,
            NotFoundException: http_error_handler,
            HTTPException: http_error_handler,
            Exception: internal_error_handler,
        },
        openapi_config=OpenAPIConfig(
            title="Banshi 办事 API",
            version="0.1.0",
            path="/schema",
            description="Items, cases and acts for kiosks and mobile terminals.",
        ),
        debug=False,
    )
