"""Request bodies read with explicit bounds: one reader for JSON and one for forms, used by
every door (the desk, the JSON API), so both accept exactly the same values.

- size: a body without files may be at most ``max_form_kb`` (413 beyond, counted while the
  bytes arrive, before anything is parsed); multipart bodies are bounded by the app's
  ``request_max_body_size`` (``max_body_mb``) and ``max_form_fields`` parts;
- JSON: strict UTF-8; duplicate keys, ``NaN``/``Infinity``, numbers of more than
  ``MAX_NUMBER_CHARS`` characters, nesting deeper than ``max_json_depth`` and arrays longer
  than ``max_group_rows`` are refused with 422;
- text: NUL, other control characters (except tab and line breaks) and lone surrogates are
  refused in every key and every value, JSON or form.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qsl

from litestar import Request
from litestar.datastructures import FormMultiDict
from litestar.enums import RequestEncodingType
from litestar.exceptions import NotFoundException
from litestar.exceptions.http_exceptions import RequestEntityTooLarge
from litestar.types import Empty
from litestar.utils.scope.state import ScopeState

from definitions.compile import FieldError
from definitions.errors import BanshiError
from definitions.values import text_ok, text_problem
from runtime.errors import InvalidInput
from web.deps import house_of

#: Longest number literal accepted in a JSON body (digits, sign, point and exponent).
MAX_NUMBER_CHARS = 40


class BadJSON(BanshiError, ValueError):
    """A JSON body that is not acceptable JSON (duplicate keys, NaN, numbers too long…)."""

    status = 400
    code = "bad_json"
    default_message = "提交的 JSON 格式有误"


def bad_char(text: str) -> str | None:
    """Why ``text`` cannot be accepted as text (NUL, a control character other than tab and
    line breaks, DEL, or a lone surrogate), or None: the field values' own rule
    (``definitions.values``), applied here to every key and value at every door."""
    return text_problem(text)


_fast_clean = text_ok


def _pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise BadJSON(f"JSON 对象中有重复的键“{key[:50]}”")
        out[key] = value
    return out


def _constant(name: str) -> Any:
    raise BadJSON(f"JSON 中不接受 {name}")


def _int(text: str) -> int:
    if len(text) > MAX_NUMBER_CHARS:
        raise BadJSON(f"数字太长（最多 {MAX_NUMBER_CHARS} 位）")
    return int(text)


def _float(text: str) -> float:
    if len(text) > MAX_NUMBER_CHARS:
        raise BadJSON(f"数字太长（最多 {MAX_NUMBER_CHARS} 位）")
    value = float(text)
    if not math.isfinite(value):
        raise BadJSON("数字超出范围")
    return value


def _pointer(parts: tuple[str, ...]) -> str:
    return "".join("/" + p.replace("~", "~0").replace("/", "~1") for p in parts)


def _walk(value: Any, max_depth: int, max_items: int) -> Iterator[FieldError]:
    """Errors of a decoded body (iteratively: a deep body cannot exhaust the stack)."""
    stack: list[tuple[Any, tuple[str, ...], int]] = [(value, (), 0)]
    while stack:
        node, path, depth = stack.pop()
        if isinstance(node, str):
            if not _fast_clean(node):
                yield FieldError(_pointer(path), f"“{_pointer(path) or '请求体'}”{bad_char(node)}")
            continue
        if not isinstance(node, dict | list):
            continue
        if depth >= max_depth:
            yield FieldError(_pointer(path), f"JSON 嵌套太深（最多 {max_depth} 层）")
            continue
        if isinstance(node, list):
            if len(node) > max_items:
                yield FieldError(_pointer(path), f"数组太长（最多 {max_items} 项）")
                continue
            stack.extend((v, (*path, str(i)), depth + 1) for i, v in enumerate(node))
        else:
            for k, v in node.items():
                if not _fast_clean(k):
                    yield FieldError(_pointer(path), f"键名{bad_char(k)}")
                    continue
                stack.append((v, (*path, k), depth + 1))


def decode_json(raw: bytes, *, max_depth: int, max_items: int) -> Any:
    """Decode a JSON body or raise InvalidInput (422) with the paths of what is wrong."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise InvalidInput("请求体不是有效的 UTF-8 编码") from None
    if not text.strip():
        raise InvalidInput("请求体为空，应为 JSON")
    try:
        value = json.loads(
            text,
            object_pairs_hook=_pairs,
            parse_constant=_constant,
            parse_int=_int,
            parse_float=_float,
        )
    except BadJSON as exc:
        raise InvalidInput(f"请求体不是可接受的 JSON：{exc}", [FieldError("", str(exc))]) from None
    except RecursionError:
        message = f"JSON 嵌套太深（最多 {max_depth} 层）"
        raise InvalidInput(message, [FieldError("", message)]) from None
    except ValueError as exc:
        message = f"请求体不是有效的 JSON（{str(exc)[:100]}）"
        raise InvalidInput(message, [FieldError("", message)]) from None
    errors = []
    for err in _walk(value, max_depth, max_items):
        errors.append(err)
        if len(errors) >= 20:
            break
    if errors:
        raise InvalidInput("请求体中有不能接受的内容", errors)
    return value


async def read_limited(request: Request[Any, Any, Any], max_bytes: int) -> bytes:
    """The body, refused with 413 as soon as it grows beyond ``max_bytes`` (the announced
    length is checked before anything is read). The bytes are kept in the connection's
    state, where ``request.body()`` and ``request.form()`` of any later reader (the CSRF
    middleware, the handler) find them, as Litestar's own ``body()`` keeps them."""
    state = ScopeState.from_scope(request.scope)
    if state.body is not Empty:
        if len(state.body) > max_bytes:
            raise RequestEntityTooLarge()
        return state.body
    announced = request.content_length
    if announced is not None and announced > max_bytes:
        raise RequestEntityTooLarge()
    chunks: list[bytes] = []
    total = 0
    async for chunk in request.stream():
        total += len(chunk)
        if total > max_bytes:
            raise RequestEntityTooLarge()
        chunks.append(chunk)
    state.body = b"".join(chunks)
    return state.body


async def read_json(request: Request[Any, Any, Any]) -> Any:
    """The JSON body of an API request, within the settings' bounds."""
    settings = house_of(request).settings
    raw = await read_limited(request, settings.max_form_kb * 1024)
    return decode_json(raw, max_depth=settings.max_json_depth, max_items=settings.max_group_rows)


async def read_json_object(request: Request[Any, Any, Any]) -> dict[str, Any]:
    body = await read_json(request)
    if not isinstance(body, dict):
        raise InvalidInput("请求体应为 JSON 对象", [FieldError("", "请求体应为 JSON 对象")])
    return body


#: Where :func:`read_form` keeps a url-encoded form it parsed (a private scope key).
_PARSED_FORM = "banshi.form"


async def read_form(request: Request[Any, Any, Any]) -> FormMultiDict:
    """A posted form within bounds: url-encoded bodies at most ``max_form_kb`` and
    ``max_form_fields`` fields; multipart bodies within the app's body limit and its part
    limit (both set from the settings by ``create_app``)."""
    settings = house_of(request).settings
    content_type, _ = request.content_type
    if content_type != RequestEncodingType.URL_ENCODED:
        return await request.form()
    parsed = request.scope.get(_PARSED_FORM)
    if isinstance(parsed, FormMultiDict):  # the CSRF check read it: parsed once a request
        return parsed
    raw = await read_limited(request, settings.max_form_kb * 1024)
    try:
        pairs = parse_qsl(
            raw.decode("latin-1"), encoding="utf-8", max_num_fields=settings.max_form_fields
        )
    except ValueError:
        raise InvalidInput(f"表单字段太多（最多 {settings.max_form_fields} 个）") from None
    form = request.scope[_PARSED_FORM] = FormMultiDict(pairs)  # type: ignore[literal-required]
    return form


def check_form_text(values: dict[str, list[str]]) -> list[FieldError]:
    """NUL, control characters and lone surrogates in a form's names and values, as errors
    naming the field."""
    from renderer.parse import field_path

    errors: list[FieldError] = []
    for name, items in values.items():
        why = None if _fast_clean(name) else bad_char(name)
        if why is None:
            why = next((bad_char(v) for v in items if not _fast_clean(v)), None)
        if why is not None:
            errors.append(FieldError(field_path(name), why))
            if len(errors) >= 20:
                break
    return errors


#: Doors that check their own forms, naming the field by its label on the page.
OWN_FORM_CHECKS = ("/desk/", "/api/")
FORM_TYPES = (RequestEncodingType.URL_ENCODED, RequestEncodingType.MULTI_PART)


async def refuse_bad_parameters(request: Request[Any, Any, Any]) -> None:
    """``before_request`` hook: a path or query parameter with NUL, a control character or
    a lone surrogate names nothing (404) or is refused naming the parameter (422); so is a
    posted form field on the doors that do not check their forms themselves (login, and
    any other form). None of it reaches a query (PostgreSQL cannot even hold NUL in text)."""
    for value in request.path_params.values():
        if isinstance(value, str) and not _fast_clean(value):
            raise NotFoundException(f"找不到：地址{bad_char(value)}")
    pairs: list[tuple[str, Any]] = list(request.query_params.multi_items())
    if (
        request.method == "POST"
        and request.content_type[0] in FORM_TYPES
        and not request.url.path.startswith(OWN_FORM_CHECKS)
    ):
        pairs += (await read_form(request)).multi_items()
    for key, value in pairs:
        if not (_fast_clean(key) and (not isinstance(value, str) or _fast_clean(value))):
            name = key[:30] if _fast_clean(key) else "?"
            why = bad_char(key) or bad_char(value)
            raise InvalidInput(f"“{name}”{why}", [FieldError(f"/{name}", str(why))])
