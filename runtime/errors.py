"""Why an act was refused. Every refusal is a :class:`~definitions.errors.BanshiError` with a
Chinese message, an HTTP status and a code (web/ maps the whole family with one handler:
403 not allowed, 404 not found, 409 conflict or wrong state, 422 bad input).

``NotAllowed`` is rbac's :class:`~rbac.permissions.PermissionDenied` under the name the acts
use: ``Authorizer.require`` raises it with the permission API's reason, an act's own rule
with a sentence of its own. It is a BanshiError, not an ActError: catch the family."""

from __future__ import annotations

from collections.abc import Sequence

from definitions.compile import FieldError
from definitions.errors import BanshiError
from rbac.permissions import PermissionDenied

#: The one not-allowed error (403, code ``forbidden``); ``reason`` is its message.
NotAllowed = PermissionDenied


class ActError(BanshiError):
    """An act that cannot be performed as asked (its subclasses say why)."""

    status = 400
    code = "act_error"
    default_message = "无法办理此项操作"

    def __init__(self, message: str) -> None:
        super().__init__(message)


class NotFound(ActError):
    status = 404
    code = "not_found"
    default_message = "找不到要办理的对象"


class Conflict(ActError):
    """Somebody else changed the case first (compare-and-set on its version lost)."""

    status = 409
    code = "conflict"
    default_message = "已被他人处理，请刷新后再试"


class WrongState(ActError):
    """The act is not possible in the case's current state or step."""

    status = 409
    code = "wrong_state"
    default_message = "案件当前的状态不能进行此项操作"


class ReasonRequired(ActError):
    status = 422
    code = "reason_required"
    default_message = "请说明理由"


class InvalidInput(ActError):
    """Application data or act arguments are invalid; ``errors`` name the fields."""

    status = 422
    code = "invalid"
    default_message = "填写的内容有误，请修改后再提交"

    def __init__(self, message: str, errors: Sequence[FieldError] = ()) -> None:
        super().__init__(message)
        self.errors = list(errors)
