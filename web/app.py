"""The Litestar app: ``create_app(settings)`` wires everything explicitly; nothing is built
at import time."""

from __future__ import annotations

import gc
import hashlib
from typing import Any
from urllib.parse import quote

import anyio.to_thread
from jinja2 import ChoiceLoader, Environment, FileSystemLoader, select_autoescape
from litestar import Litestar, Request, Response
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

from admin.routes import ADMIN_ROUTES
from definitions.errors import BanshiError
from definitions.formats import county_name
from definitions.shipped import package_path
from house.settings import Settings, load_settings
from house.wiring import House, build_house
from rbac.policy_push import PolicyListener
from runtime.errors import NotAllowed
from web.api import ApiController
from web.apidocs import SWAGGER_URL, render_plugins, swagger_available, swagger_dir
from web.deps import DEPENDENCIES, house_of, signed_in
from web.desk import DeskController
from web.faults import UNAVAILABLE, too_large_message, unavailable_handler
from web.jsonbody import refuse_bad_parameters
from web.login import LOGIN_ROUTES
from web.logs import configure as configure_logs
from web.logs import log, request_logging
from web.ops import PREFIX as METRICS_PREFIX
from web.ops import Metrics, OpsController
from web.portal import PortalController
from web.public import PUBLIC_ROUTES
from web.request_metrics import RequestMetrics
from web.security import add_security_headers, refusal_message
from web.session_cache import CHANNEL as SESSION_CHANNEL
from web.session_cache import keep_sessions
from web.sessions import SessionCsrfMiddleware, session_config
from web.stores import DatabaseStore, build_registry, shared_root
from web.supervision import SUPERVISION_ROUTES

#: Front-end packages from npm, copied into web/vendor/ by ``make install`` and shipped in
#: the wheel as package data (web/apidocs.py finds Swagger UI there too).
VENDOR = "vendor"

ERROR_HEADINGS = {
    400: "请求有误",
    401: "请先登录",
    403: "无权办理",
    404: "找不到页面",
    409: "操作冲突",
    413: "提交的内容太大",
    422: "请修改后再提交",
    429: "请求太频繁",
    500: "系统出错了",
    503: "请稍后再试",
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
        "user": signed_in(request) if status < 500 else None,
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
        )
    return Template(template_name="error.html", context=context, status_code=status)


def banshi_error_handler(request: Request[Any, Any, Any], exc: BanshiError) -> Response[Any]:
    """Every error of the family (definitions/errors.py): its status, its code and its
    Chinese message — the field errors of bad input (a bounded list), what was refused for
    a refusal, Retry-After when it says when; an install's own fault (not ``public``) shows
    the family's default message and logs the detail."""
    extra: dict[str, Any] = {"code": exc.code}
    errors = getattr(exc, "errors", None)
    if errors:  # a bounded list: the count says how many there were
        cap = house_of(request).settings.max_errors_returned
        extra["errors"] = [e.as_dict() for e in errors[:cap]]
        extra["errors_total"] = len(errors)
    message = exc.shown
    if isinstance(exc, NotAllowed):  # say what was refused, never whose domains are whose
        message = refusal_message(exc.message)
    if not exc.public or exc.status >= 500:
        log.error(
            "install fault",
            code=exc.code,
            detail=exc.message,
            route=request.scope.get("path_template"),
        )
    response = _error_response(request, exc.status, message, extra)
    if exc.retry_after is not None:
        response.headers["Retry-After"] = str(exc.retry_after)
    return response


def not_authorized_handler(
    request: Request[Any, Any, Any], exc: NotAuthorizedException
) -> Response[Any]:
    if _wants_json(request):
        return _error_response(request, 401, "请先登录")
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return Redirect(f"/login?next={quote(target, safe='/')}", status_code=HTTP_303_SEE_OTHER)


def http_error_handler(request: Request[Any, Any, Any], exc: HTTPException) -> Response[Any]:
    status = exc.status_code
    if status == 400 and exc.detail == "Request Entity Too Large":  # multipart part limit
        status = 413
    message = exc.detail if status < 500 else "请稍后再试；如仍有问题请联系县政务服务中心。"
    if status == 413:
        message = too_large_message(request)
    if status == 403 and "CSRF" in str(exc.detail):
        message = "页面已过期或来源不明（CSRF 校验失败），请刷新页面后重试。"
    return _error_response(request, status, str(message))


def internal_error_handler(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    log.error("unhandled error", exc_info=exc, route=request.scope.get("path_template"))
    return _error_response(request, 500, "请稍后再试；如仍有问题请联系县政务服务中心。")


_heap_frozen = False


def freeze_startup_heap() -> None:
    """Start-up hook: collect once, then move every object alive now (the libraries, the
    house, the organisation's policy: some 400,000 objects) out of the collector's reach
    (``gc.freeze``). Without it a full (generation-2) collection under load walked them
    all: a pause of 0.4 s and more for every request in flight, which made the form page's
    p99 (bench/formpage.py). Once per process (a test process builds many apps; only the
    first freezes)."""
    global _heap_frozen
    if _heap_frozen:
        return
    _heap_frozen = True
    gc.collect()
    gc.freeze()


def thread_limit(threads: int) -> Any:
    """Start-up hook: the worker threads that run the acts, the session reads and the
    guards' policy polls (anyio's default limiter: ``run_blocking``, web/stores.py,
    web/deps.py) are ``threads`` (BANSHI_WORKER_THREADS), no more than the connections the
    pool keeps (anyio's default of 40 against SQLAlchemy's 5 opened and closed a
    PostgreSQL connection for about one submission in four under load)."""

    def limit() -> None:
        anyio.to_thread.current_default_thread_limiter().total_tokens = threads

    return limit


def create_app(settings: Settings | None = None, house: House | None = None) -> Litestar:
    """Build the web app from settings (read from the environment when not given)."""
    settings = settings or load_settings()
    house = house or build_house(settings)
    configure_logs(settings.log_format, settings.log_level)
    templates = [
        package_path("web", "templates"),
        package_path("admin", "templates"),
        package_path("renderer", "templates"),
    ]
    env = Environment(
        loader=ChoiceLoader([FileSystemLoader(str(d)) for d in templates]),
        autoescape=select_autoescape(default=True, default_for_string=True),
        auto_reload=False,  # templates are package data: no stat() of every file per render
        trim_blocks=True,
        lstrip_blocks=True,
    )
    # the county this app serves, by name (its region code's): the header, titles, footer
    env.globals["county"] = county_name(settings.tenant) or "本县"
    routers = [
        create_static_files_router(
            path="/static", directories=[package_path("web", "static")], include_in_schema=False
        )
    ]
    if swagger_available():  # the /schema page's Swagger UI, from our own origin
        routers.append(
            create_static_files_router(
                path=SWAGGER_URL,
                directories=[swagger_dir()],
                include_in_schema=False,
                name="apidocs",
            )
        )
    htmx_dir = package_path("web", VENDOR, "htmx")
    htmx_available = (htmx_dir / "htmx.min.js").is_file()
    if htmx_available:
        routers.append(
            create_static_files_router(
                path="/static/vendor",
                directories=[htmx_dir],
                include_in_schema=False,
                name="vendor",
            )
        )
    # Sessions live in the shared store (web/sessions.py, web/stores.py); the CSRF token is
    # bound to the session. The secret is refused here when missing outside demo mode.
    secret = settings.web_secret()
    root = shared_root(house.engine, settings.redis_url)
    stores = build_registry(root)
    session = session_config(
        secure=settings.cookies_secure,
        idle_s=settings.session_idle_s,
        absolute_s=settings.session_absolute_s,
        touch_s=settings.session_touch_s,
    )
    csrf = CSRFConfig(
        secret=hashlib.sha256(f"csrf:{secret}".encode()).hexdigest(),
        exclude=["^/static/"],
        cookie_httponly=False,
        cookie_samesite="strict",
        cookie_secure=settings.cookies_secure,
    )
    push = PolicyListener(house.engine, house.policy, (settings.tenant,), settings.redis_url)
    # sessions answered from memory while this process hears their changes pushed
    kept = keep_sessions(
        stores, root, settings.session_cache_s, settings.session_cache_size, push.listening.is_set
    )
    if kept is not None:
        push.others[SESSION_CHANNEL] = kept.drop
    return Litestar(
        route_handlers=[
            *LOGIN_ROUTES,
            DeskController,
            PortalController,
            ApiController,
            OpsController,
            *PUBLIC_ROUTES,
            *SUPERVISION_ROUTES,
            *ADMIN_ROUTES,
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
                middleware_class=RequestMetrics,
            ).middleware,
            session.middleware,
            DefineMiddleware(SessionCsrfMiddleware, config=csrf),
        ],
        stores=stores,
        # grant changes pushed from other processes (rbac/policy_push.py), beside the poll
        on_startup=[
            thread_limit(settings.worker_threads),
            *([push.start] if settings.policy_push else []),
            *([freeze_startup_heap] if settings.gc_freeze else []),
        ],
        on_shutdown=[push.stop, *([root.close] if isinstance(root, DatabaseStore) else [])],
        dependencies=DEPENDENCIES,
        before_send=[add_security_headers],
        before_request=refuse_bad_parameters,
        request_class=HTMXRequest,
        plugins=[HTMXPlugin()],
        state=State(
            {
                "house": house,
                "htmx_available": htmx_available,
                "item_index": {},
                "form_bodies": {},
                "metrics": Metrics(house),
                # PostgreSQL: reads the event loop makes itself (web/kv_async.py)
                "db_reader": root.reader if isinstance(root, DatabaseStore) else None,
            }
        ),
        exception_handlers={
            BanshiError: banshi_error_handler,
            NotAuthorizedException: not_authorized_handler,
            PermissionDeniedException: http_error_handler,
            NotFoundException: http_error_handler,
            HTTPException: http_error_handler,
            **dict.fromkeys(UNAVAILABLE, unavailable_handler),
            Exception: internal_error_handler,
        },
        request_max_body_size=int(settings.max_body_mb * 1048576),
        multipart_form_part_limit=settings.max_form_fields,
        openapi_config=OpenAPIConfig(
            title="Banshi 办事 API",
            version="0.1.0",
            path="/schema",
            description="Items, cases and acts for kiosks and mobile terminals.",
            render_plugins=render_plugins(),
        ),
        debug=False,
    )
