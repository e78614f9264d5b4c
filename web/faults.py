"""Answers for faults that are not the user's doing: a database that cannot be reached is
503 with Retry-After and 请稍后再试 (never a bare 500); a body over the limits is 413;
a rate limit is 429 with Retry-After."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response
from sqlalchemy import exc as sa

from web.deps import house_of

#: Errors that mean "the database is not reachable now", not "this request is wrong":
#: lost or refused connections, a pool that timed out, a driver that went away.
UNAVAILABLE: tuple[type[Exception], ...] = (
    sa.OperationalError,
    sa.InterfaceError,
    sa.DisconnectionError,
    sa.TimeoutError,
)
UNAVAILABLE_MESSAGE = "系统暂时无法访问数据库，请稍后再试。"
TOO_LARGE_MESSAGE = "提交的内容太大，请减少内容或压缩扫描件后再试。"


def unavailable_handler(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    from web.app import _error_response

    request.logger.error("database unavailable: %s", type(exc).__name__)
    retry = str(house_of(request).settings.retry_after_s)
    response = _error_response(request, 503, UNAVAILABLE_MESSAGE)
    response.headers["Retry-After"] = retry
    return response


def too_large_message(request: Request[Any, Any, Any]) -> str:
    settings = house_of(request).settings
    return (
        f"{TOO_LARGE_MESSAGE}（表单最大 {settings.max_form_kb} KB，"
        f"含扫描件最大 {settings.max_body_mb:g} MB，单个文件最大 {settings.max_upload_mb:g} MB）"
    )
