"""The stores every app process shares: sessions, rate limits, idempotency keys, login
throttles (DESIGN §8). In the database by default (:class:`DatabaseStore` over the
``kv_entry`` table), in Redis when ``BANSHI_REDIS_URL`` is set (:class:`SharedRedisStore`).

Both are Litestar stores (``litestar.stores.base.NamespacedStore``) registered under the
names in :data:`STORE_NAMES` (any other name Litestar asks for gets its own namespace of
the same backend), and both add two atomic operations the throttles need: :meth:`incr`
(count and return) and :meth:`add` (set only when absent)."""

from __future__ import annotations

import datetime as dt
import hashlib
import time
from collections.abc import Callable
from typing import Any, Protocol, TypeVar, cast, runtime_checkable

import anyio.to_thread
from litestar.stores.base import NamespacedStore, Store
from litestar.stores.redis import RedisStore
from litestar.stores.registry import StoreRegistry
from sqlalchemy import Engine, Table, bindparam, delete, insert, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite

from db.engine import driver_params, read_connection, write_transaction
from db.kv_tables import KvEntry
from db.prepared import Prepared
from web.kv_async import AsyncReader, psycopg_sql
from web.kv_held import HeldReader

T = TypeVar("T")

#: The names the app's parts ask for (``request.app.stores.get(name)``).
STORE_NAMES: tuple[str, ...] = ("sessions", "ratelimit", "idempotency", "login")
ROOT_NAMESPACE = "banshi"
#: The longest key stored as it is (the column holds 255 characters).
KEY_CHARS = 200
#: Expired rows are deleted in one batch at most this often per process (seconds).
PURGE_EVERY_S = 60.0

KV = cast(Table, KvEntry.__table__)
#: The read every request with a session cookie makes: compiled once (db/prepared.py).
KV_GET = Prepared(
    select(KV.c.value, KV.c.expires_at).where(
        KV.c.namespace == bindparam("ns"), KV.c.key == bindparam("k")
    )
)


#: The same read as psycopg's own SQL, for the event loop's connections (web/kv_async.py).
KV_GET_SQL, _ = psycopg_sql(KV_GET.statement)


@runtime_checkable
class CountingStore(Protocol):
    """A store with the two atomic operations the throttles use."""

    async def incr(self, key: str, expires_in: int, amount: int = 1) -> int: ...

    async def add(self, key: str, value: bytes, expires_in: int) -> bool: ...


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _aware(value: dt.datetime | None) -> dt.datetime | None:
    # SQLite hands back naive datetimes; every stored time is UTC.
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=dt.UTC)
    return value


def _seconds(value: int | dt.timedelta | None) -> float | None:
    if value is None:
        return None
    return value.total_seconds() if isinstance(value, dt.timedelta) else float(value)


def _expiry(expires_in: int | dt.timedelta | None) -> dt.datetime | None:
    seconds = _seconds(expires_in)
    return None if not seconds else _now() + dt.timedelta(seconds=seconds)


def _column_key(key: str) -> str:
    """The key as stored: a key too long for the column (a client's idempotency key, say)
    is kept by its beginning and a digest of the whole."""
    if len(key) <= KEY_CHARS:
        return key
    return key[:100] + "~" + hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()


class _Shared:
    """What the namespaces of one database store share: the engine and the purge clock."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.inline = engine.dialect.name == "sqlite"
        self.next_purge = 0.0
        # PostgreSQL: the hot read (the session of every request) on the event loop
        params = driver_params(engine)
        self.reader = AsyncReader(params) if params is not None else None
        # SQLite: the same read on the loop's kept connection (web/kv_held.py)
        self.held = HeldReader(engine) if self.inline else None


class DatabaseStore(NamespacedStore):
    """A Litestar store over the ``kv_entry`` table, shared by every process using the
    database. On SQLite each call runs on the event loop (local and sub-millisecond, and
    SQLite has one writer anyway); on PostgreSQL in a worker thread."""

    __slots__ = ("_shared",)

    def __init__(self, engine: Engine, namespace: str = ROOT_NAMESPACE) -> None:
        self._shared = _Shared(engine)
        self.namespace = namespace

    @classmethod
    def _child(cls, shared: _Shared, namespace: str) -> DatabaseStore:
        store = cls.__new__(cls)
        store._shared = shared
        store.namespace = namespace
        return store

    @property
    def reader(self) -> AsyncReader | None:
        """PostgreSQL: the event loop's own connections (web/kv_async.py), None elsewhere."""
        return self._shared.reader

    async def close(self) -> None:
        """Close the event loop's own connections (the app's shutdown)."""
        if self._shared.reader is not None:
            await self._shared.reader.close()
        if self._shared.held is not None:
            self._shared.held.close()

    def with_namespace(self, namespace: str) -> DatabaseStore:
        return self._child(self._shared, f"{self.namespace}.{namespace}")

    async def _run(self, work: Callable[[], T]) -> T:
        if self._shared.inline:
            return work()
        return await anyio.to_thread.run_sync(work)

    def _where(self, key: str) -> Any:
        return (KV.c.namespace == self.namespace) & (KV.c.key == _column_key(key))

    def _purge_due(self) -> bool:
        now = time.monotonic()
        if now < self._shared.next_purge:
            return False
        self._shared.next_purge = now + PURGE_EVERY_S
        return True

    def _write(self, work: Callable[[Any], T]) -> T:
        purge = self._purge_due()
        with write_transaction(self._shared.engine) as conn:
            if purge:
                conn.execute(delete(KV).where(KV.c.expires_at <= _now()))
            return work(conn)

    def _insert_absent(
        self, conn: Any, key: str, value: bytes, expires: dt.datetime | None
    ) -> bool:
        """INSERT unless the key is there (engine-specific: ON CONFLICT DO NOTHING, which
        SQLite and PostgreSQL spell alike); an expired row is deleted first."""
        conn.execute(delete(KV).where(self._where(key), KV.c.expires_at <= _now()))
        dialect = self._shared.engine.dialect.name
        values = {
            "namespace": self.namespace,
            "key": _column_key(key),
            "value": value,
            "expires_at": expires,
        }
        if dialect == "postgresql":
            stmt: Any = postgresql.insert(KV).values(**values).on_conflict_do_nothing()
        elif dialect == "sqlite":
            stmt = sqlite.insert(KV).values(**values).on_conflict_do_nothing()
        else:  # portable fallback: look, then insert (inside the writer's transaction)
            if conn.execute(select(KV.c.key).where(self._where(key))).first() is not None:
                return False
            stmt = insert(KV).values(**values)
        # rowcount is not reported for ON CONFLICT by every driver (psycopg: -1): RETURNING is
        return conn.execute(stmt.returning(KV.c.key)).first() is not None

    # -- the Store interface ---------------------------------------------------------

    async def set(
        self, key: str, value: str | bytes, expires_in: int | dt.timedelta | None = None
    ) -> None:
        data = value.encode() if isinstance(value, str) else value
        expires = _expiry(expires_in)

        def work(conn: Any) -> None:
            done = conn.execute(
                update(KV).where(self._where(key)).values(value=data, expires_at=expires)
            ).rowcount
            if not done:
                self._insert_absent(conn, key, data, expires)

        await self._run(lambda: self._write(work))

    async def get(self, key: str, renew_for: int | dt.timedelta | None = None) -> bytes | None:
        args = {"ns": self.namespace, "k": _column_key(key)}

        def read() -> dict[str, Any] | None:
            with read_connection(self._shared.engine) as conn:
                return KV_GET.first(conn, args)

        reader, held = self._shared.reader, self._shared.held  # on the loop's own connections
        if reader is not None:  # PostgreSQL
            row = await reader.first(KV_GET_SQL, args)
        else:  # SQLite (held), any other engine in a thread
            found = held.first(KV_GET, args) if held is not None else await self._run(read)
            row = None if found is None else (found["value"], found["expires_at"])
        if row is None:
            return None
        value, expires = bytes(row[0]), _aware(row[1])
        if expires is not None and expires <= _now():
            await self.delete(key)
            return None
        if renew_for and expires is not None:
            renewed = _expiry(renew_for)
            await self._run(
                lambda: self._write(
                    lambda conn: conn.execute(
                        update(KV).where(self._where(key)).values(expires_at=renewed)
                    )
                )
            )
        return value

    async def delete(self, key: str) -> None:
        await self._run(
            lambda: self._write(lambda conn: conn.execute(delete(KV).where(self._where(key))))
        )

    async def delete_all(self) -> None:
        """Delete every value of this namespace and of the namespaces below it."""
        mine = or_(
            KV.c.namespace == self.namespace, KV.c.namespace.startswith(f"{self.namespace}.")
        )
        await self._run(lambda: self._write(lambda conn: conn.execute(delete(KV).where(mine))))

    async def exists(self, key: str) -> bool:
        return await self.get(key) is not None

    async def expires_in(self, key: str) -> int | None:
        def read() -> Any:
            with read_connection(self._shared.engine) as conn:
                return conn.execute(select(KV.c.expires_at).where(self._where(key))).first()

        row = await self._run(read)
        if row is None or row[0] is None:
            return None
        left = (_aware(row[0]) - _now()).total_seconds()  # type: ignore[operator]
        return None if left <= 0 else max(1, int(left + 0.999))

    async def announce(self, channel: str, payload: str) -> None:
        """Tell the processes listening on ``channel`` (PostgreSQL's NOTIFY, on the loop's
        autocommit connection: delivered at once; no other engine has a channel)."""
        if self._shared.reader is not None:
            await self._shared.reader.first(
                "SELECT pg_notify(%(c)s, %(p)s)", {"c": channel, "p": payload}
            )

    # -- atomic operations -----------------------------------------------------------

    async def incr(self, key: str, expires_in: int, amount: int = 1) -> int:
        """Add ``amount`` to the counter at ``key`` (created at 0, expiring ``expires_in``
        seconds after its creation) and return it; atomic across processes."""

        def work(conn: Any) -> int:
            self._insert_absent(conn, key, b"0", _expiry(expires_in))
            current = conn.execute(
                select(KV.c.value).where(self._where(key)).with_for_update()
            ).scalar_one()
            count = int(bytes(current) or b"0") + amount
            conn.execute(update(KV).where(self._where(key)).values(value=str(count).encode()))
            return count

        return await self._run(lambda: self._write(work))

    async def add(self, key: str, value: bytes, expires_in: int) -> bool:
        """Set ``key`` only when it holds nothing; True when this call set it."""
        return await self._run(
            lambda: self._write(
                lambda conn: self._insert_absent(conn, key, value, _expiry(expires_in))
            )
        )


class SharedRedisStore(RedisStore):
    """Litestar's RedisStore with the two atomic operations of :class:`CountingStore`."""

    _INCR = b"""
    local n = redis.call('INCRBY', KEYS[1], ARGV[2])
    if redis.call('TTL', KEYS[1]) < 0 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
    return n
    """

    async def incr(self, key: str, expires_in: int, amount: int = 1) -> int:
        script = self._redis.register_script(self._INCR)
        return int(
            await script(keys=[self._make_key(key)], args=[max(1, int(expires_in)), int(amount)])
        )

    async def announce(self, channel: str, payload: str) -> None:
        """Tell the processes subscribed to ``channel`` (Redis pub/sub)."""
        await self._redis.publish(channel, payload)

    async def add(self, key: str, value: bytes, expires_in: int) -> bool:
        done = await self._redis.set(
            self._make_key(key), value, ex=max(1, int(expires_in)), nx=True
        )
        return bool(done)


def shared_root(engine: Engine, redis_url: str | None) -> NamespacedStore:
    """The root store: Redis when a URL is configured, else the database."""
    if redis_url:
        return SharedRedisStore.with_client(redis_url, namespace=ROOT_NAMESPACE)
    return DatabaseStore(engine)


def build_registry(root: NamespacedStore) -> StoreRegistry:
    """The app's stores: one namespace of ``root`` per name."""
    registry = StoreRegistry(default_factory=root.with_namespace)
    for name in STORE_NAMES:
        registry.register(name, root.with_namespace(name))
    return registry


def counting(store: Store) -> CountingStore:
    """``store`` as a :class:`CountingStore` (both backends are); TypeError otherwise."""
    if not isinstance(store, CountingStore):
        raise TypeError(f"{type(store).__name__} cannot count atomically")
    return store
