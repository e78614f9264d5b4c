"""The Litestar app: ``create_app(settings)`` wires everything explicitly; nothing is built
at import time."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any
from urllib.parse import quote

from jinja2 import ChoiceLoader, Environment, FileSystemLoader, select_autoescape
from litestar import Litestar, Request, Response, get, post
from litestar.config.csrf import CSRFConfig
from litestar.datastructures import State
from litestar.exceptions import (
    HTTPException,
    NotAuthorizedException,
    NotFoundException,
    PermissionDeniedException,
)
from litestar.middleware.session.client_side import CookieBackendConfig
from litestar.openapi import OpenAPIConfig
from litestar.params import FromQuery
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
from web.auth import SESSION_KEY, check_login, current_user
from web.desk import DeskController
from web.logs import configure as configure_logs
from web.logs import request_logging
from web.ops import PREFIX as METRICS_PREFIX
from web.ops import Metrics, OpsController
from web.portal import PortalController
from web.security import add_security_headers

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


@get("/login", include_in_schema=False)
async def login_page(
    request: Request[Any, Any, Any], next: FromQuery[str | None] = None
) -> Template:
    return Template(
        template_name="login.html",
        context={
            "next": next,
            "demo": request.app.state.house.settings.demo_mode,
            "htmx_available": request.app.state.htmx_available,
        },
    )


@post("/login", include_in_schema=False)
async def login(request: Request[Any, Any, Any]) -> Template | Redirect:
    form = await request.form()
    username = str(form.get("username") or "")
    password = str(form.get("password") or "")
    target = str(form.get("next") or "/desk")
    if not target.startswith("/") or target.startswith("//"):
        target = "/desk"
    user = check_login(request, username, password) if username and password else None
    if user is None:
        return Template(
            template_name="login.html",
            context={
                "error": "用户名或密码不正确，或账号已停用",
                "username": username,
                "next": target,
                "demo": request.app.state.house.settings.demo_mode,
                "htmx_available": request.app.state.htmx_available,
            },
            status_code=401,
        )
    request.clear_session()
    request.set_session({SESSION_KEY: user.username})
    return Redirect(target, status_code=HTTP_303_SEE_OTHER)


@post("/logout", include_in_schema=False)
async def logout(request: Request[Any, Any, Any]) -> Redirect:
    request.clear_session()
    return Redirect("/login", status_code=HTTP_303_SEE_OTHER)


def _secret(settings: Settings, purpose: str) -> bytes:
    return hashlib.sha256(f"{purpose}:{settings.secret_key}".encode()).digest()


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
    session = CookieBackendConfig(
        secret=_secret(settings, "session"),
        key="banshi_session",
        httponly=True,
        samesite="lax",
        max_age=8 * 3600,
    )
    csrf = CSRFConfig(
        secret=_secret(settings, "csrf").hex(), cookie_httponly=False, cookie_samesite="strict"
    )
    return Litestar(
        route_handlers=[
            index,
            login_page,
            login,
            logout,
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
        ],
        before_send=[add_security_headers],
        csrf_config=csrf,
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
