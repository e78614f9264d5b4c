"""Why an act was refused. Every refusal carries a Chinese message and an HTTP-like status
(web/ maps them: 403 not allowed, 404 not found, 409 conflict or wrong state, 422 bad input)."""

from __future__ import annotations

from collections.abc import Sequence

from definitions.compile import FieldError


class ActError(Exception):
    status = 400
    code = "act_error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotFound(ActError):
    status = 404
    code = "not_found"


class NotAllowed(ActError):
    """The permission API refused; ``reason`` is its explanation."""

    status = 403
    code = "forbidden"


class Conflict(ActError):
    """Somebody else changed the case first (compare-and-set on its version lost)."""

    status = 409
    code = "conflict"


class WrongState(ActError):
    """The act is not possible in the case's current state or step."""

    status = 409
    code = "wrong_state"


class ReasonRequired(ActError):
    status = 422
    code = "reason_required"


class InvalidInput(ActError):
    """Application data or act arguments are invalid; ``errors`` name the fields."""

    status = 422
    code = "invalid"

    def __init__(self, message: str, errors: Sequence[FieldError] = ()) -> None:
        super().__init__(message)
        self.errors = list(errors)
