"""One error family: every error of ours is a :class:`BanshiError`, with an HTTP status, a
stable machine ``code`` and a ``message`` for a person, in Chinese.

It lives on the ground floor (``definitions`` imports nothing of ours), so every package
derives its errors from it; the web app maps the whole family with one handler
(``web.app.banshi_error_handler``: the status, a JSON body ``{code, message, errors?}`` or
the Chinese error page) and the command line with one ``except`` (``banshi.cli``: one line
``错误 <code>: <message>`` on stderr, exit status 2).

The families, who raises them, and what a person sees:

====================================  ======  ===========================  ==================
family (module)                       status  code                         raised by
====================================  ======  ===========================  ==================
DefinitionError (definitions.problems)  422   definition_invalid           publishing, loading
ParseError (definitions.fieldtypes)     422   value_invalid                field types
ActError (runtime.errors) and kin     4xx     not_found, conflict…         the acts
PermissionDenied = NotAllowed (rbac)    403   forbidden                    ``Authorizer.require``
TargetError (rbac.explain)              404   target_unknown               ``authz check``
OrgError, OrgFileError (rbac)           422   org_refused, org_file_…      org and user changes
UnknownYearError (runtime.calendar)     503   calendar_year_unknown        the working-day clock
CalendarFileError (runtime)             422   calendar_file_invalid        ``calendar load``
GatewayError (runtime.outbox)           503   gateway_unavailable          SMS gateways (retried)
AuditKeyError, AuditLogGap              503   audit_key_invalid, …         audit checkpoints
SettingsError (house.settings)          503   settings_invalid             start-up, ``web_secret``
TooManyRequests (web.ratelimit)         429   rate_limited (+Retry-After)  rate limits
BadJSON (web.jsonbody)                  400   bad_json                     the JSON reader
MigrationError (db.migrate)             503   migration_failed             ``db upgrade``
NotDistributable (db.distribution)      400   not_distributable            ``db distribute``
====================================  ======  ===========================  ==================

Existing families keep their other bases (``ParseError`` is still a ``ValueError``,
``TargetError`` a ``LookupError``…) and their constructors: callers pass what they passed.

Errors that are the install's fault, not the requester's (a bad setting, a missing audit
key, a gateway down) are 503 and not ``public``: the page shows the family's
``default_message`` ("请稍后再试…"), the log and the command line the detail that names the
setting. Nothing of the family is ever a bare 500.
"""

from __future__ import annotations

from typing import ClassVar


class BanshiError(Exception):
    """The base of every error of ours. Subclasses set ``status``, ``code`` and a Chinese
    ``default_message`` (used when raised without a message, and on the web when the
    message is not ``public``)."""

    #: The HTTP status the web app answers with.
    status: ClassVar[int] = 400
    #: A stable machine code (``snake_case``): API clients and metrics key on it.
    code: ClassVar[str] = "banshi_error"
    #: The message when none is given, in Chinese, fit for whoever made the request.
    default_message: ClassVar[str] = "无法办理此项请求"
    #: Whether ``message`` may be shown to whoever made the request (False: it names
    #: settings, files or providers; the page shows ``default_message``, the log the rest).
    public: ClassVar[bool] = True
    #: Seconds a client should wait before trying again (the ``Retry-After`` header).
    retry_after: int | None = None

    def __init__(self, message: str | None = None) -> None:
        self.message: str = message if message else self.default_message
        super().__init__(self.message)

    def __str__(self) -> str:
        return self.message

    @property
    def shown(self) -> str:
        """What a person on the other side of the web sees."""
        return self.message if self.public else self.default_message
