"""Who and what a handler works with, the Litestar way: ``Provide`` for the house and the
current user, guards for login and roles.

A handler declares what it needs (``house: HouseDep``, ``user: UserDep``, or
``viewer: ViewerDep`` on a public page where nobody need be logged in) and the guards
on its route or controller say who may reach it:

    @get("/", guards=[login_required])
    def page(self, house: HouseDep, user: UserDep) -> Template: ...

    class SupervisionController(Controller):
        guards = [role_required("supervisor", "department_head")]

``login_required`` answers 401 (a redirect to /login for a page, web/app.py); a user
without any of the roles gets 403. The guard keeps the user it checked in the request's
state, so ``user`` is the same object for the handler, the page's template and the logs.
Roles are read from the organisation's current policy snapshot (rbac.policy); whether a
user may perform an *act on a target* is still rbac's decision (``house.authorizer``)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Annotated, Any

import anyio.to_thread
from litestar.connection import ASGIConnection
from litestar.di import Dependency, Provide
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException
from litestar.handlers.base import BaseRouteHandler
from litestar.params import SkipValidationMarker
from litestar.types import Guard

from house.wiring import House
from web.auth import CurrentUser, current_user
from web.kv_async import AsyncReader
from web.loop_reads import poll_policy

_STATE_KEY = "user"

#: What a handler's parameters are annotated with to be given these (by name: ``house``,
#: ``user``, ``viewer``). Handed over as they are: the signature model does not convert or
#: copy them (the house holds locks and engines).
_NAMED, _AS_IS = Dependency(kind="named"), SkipValidationMarker()
HouseDep = Annotated[House, _NAMED, _AS_IS]
UserDep = Annotated[CurrentUser, _NAMED, _AS_IS]
ViewerDep = Annotated[CurrentUser | None, _NAMED, _AS_IS]


def house_of(connection: ASGIConnection[Any, Any, Any, Any]) -> House:
    """The house the app was built with (``create_app``)."""
    house: House = connection.app.state.house
    return house


def signed_in(connection: ASGIConnection[Any, Any, Any, Any]) -> CurrentUser | None:
    """The logged-in user (checked once per request, then kept in the request's state)."""
    state = connection.state
    if _STATE_KEY in state:
        user: CurrentUser | None = state[_STATE_KEY]
        return user
    user = current_user(connection)
    state[_STATE_KEY] = user
    return user


async def checked_in(connection: ASGIConnection[Any, Any, Any, Any]) -> CurrentUser | None:
    """:func:`signed_in` for a guard: on the event loop while the organisation's snapshot
    is fresh (a few dictionary lookups) or the database is local (SQLite: the poll is a
    local read, like the rest of the request there); in a worker thread when a poll of
    PostgreSQL is due and cannot be made on the loop's own connection (web/loop_reads.py).
    (Litestar runs a synchronous guard in a thread on every request.)

    On SQLite the poll stays on the loop on purpose: a request sent to a thread goes to the
    back of the loop's queue when it comes back, behind every other request in flight, and
    the one that found the poll due (every ``BANSHI_POLICY_POLL_MS``) became the form page's
    slowest (p99 0.8 ms without the hop, 79 ms with it, 32 requests at once)."""
    house = house_of(connection)
    tenant = house.settings.tenant
    if _STATE_KEY in connection.state or house.writes_inline or house.policy.fresh(tenant):
        return signed_in(connection)
    reader: AsyncReader | None = connection.app.state.get("db_reader")
    if reader is not None and await poll_policy(house, reader, tenant):  # web/loop_reads.py
        return signed_in(connection)
    return await anyio.to_thread.run_sync(signed_in, connection)


async def login_required(
    connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler
) -> None:
    """Guard: a logged-in, active user with a live session, or 401."""
    if await checked_in(connection) is None:
        raise NotAuthorizedException("请先登录")


def roles_of(connection: ASGIConnection[Any, Any, Any, Any], user: CurrentUser) -> set[str]:
    house = house_of(connection)
    snap = house.policy.snapshot(house.settings.tenant)
    return {g.role for g in snap.grants_of(user.username)}


def domains_with(
    connection: ASGIConnection[Any, Any, Any, Any], user: CurrentUser, roles: Iterable[str]
) -> list[str]:
    """The domains where ``user`` holds one of ``roles``, sorted."""
    wanted = set(roles)
    house = house_of(connection)
    snap = house.policy.snapshot(house.settings.tenant)
    return sorted({g.domain for g in snap.grants_of(user.username) if g.role in wanted})


def role_required(*roles: str) -> Guard:
    """Guard: logged in (401 otherwise) and holding one of ``roles`` somewhere (403)."""
    wanted = frozenset(roles)

    async def guard(
        connection: ASGIConnection[Any, Any, Any, Any], handler: BaseRouteHandler
    ) -> None:
        await login_required(connection, handler)
        user = signed_in(connection)
        assert user is not None
        if not roles_of(connection, user) & wanted:
            raise PermissionDeniedException("您没有访问此页面的权限。")

    guard.__name__ = f"role_required({', '.join(sorted(wanted))})"
    return guard


def _provide_user(request: ASGIConnection[Any, Any, Any, Any]) -> CurrentUser:
    user = signed_in(request)
    if user is None:  # a handler asked for a user without the login guard
        raise NotAuthorizedException("请先登录")
    return user


def _provide_viewer(request: ASGIConnection[Any, Any, Any, Any]) -> CurrentUser | None:
    return signed_in(request)


def _provide_house(request: ASGIConnection[Any, Any, Any, Any]) -> House:
    return house_of(request)


#: Registered on the app (web/app.py): every handler may ask for these by name.
DEPENDENCIES = {
    "house": Provide(_provide_house, sync_to_thread=False),
    "user": Provide(_provide_user, sync_to_thread=False),
    "viewer": Provide(_provide_viewer, sync_to_thread=False),
}
