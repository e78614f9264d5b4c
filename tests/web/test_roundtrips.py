"""Round trips of a window submission (the desk files and accepts in one POST): a count
pinned as a regression guard. On PostgreSQL each counted entry is one round trip (BEGIN
with the case row; the statements whose answer the act needs, each carrying the deferred
writes queued before it; the last writes with the COMMIT; no pre-ping, no transaction of
its own for the case number), plus the session read in autocommit on the event loop's own
connection (web/kv_async.py), which the engine does not see; on SQLite it is the
statements SQLite ran."""

from __future__ import annotations

from collections.abc import Callable

from db.roundtrips import counting
from house.wiring import House
from tests.web.conftest import Client
from tests.web.flows import accept_food

CLERK = "window_clerk@township.yezhou"
#: PostgreSQL round trips of a desk filing accepted at once: 22 before issue #15
#: (3 pre-pings, the session read in a transaction, the number in a transaction of its own),
#: then 16 (one per statement), 7 with the deferred writes pipelined
MOST_ROUND_TRIPS = 7
#: SQLite: the same statements, the number taken inside the act, the policy-version poll
MOST_SQLITE_STATEMENTS = 19


def test_a_window_submission_costs_few_round_trips(
    house: House, login: Callable[[str], Client]
) -> None:
    clerk = login(CLERK)
    accept_food(clerk)  # warm: the catalogue, calendar and policy caches, a number block
    with counting(house.engine) as trips:
        number = accept_food(clerk)
    assert number
    sent = "\n".join(trips.sent)
    assert "pre-ping" not in sent
    if house.engine.dialect.name == "postgresql":
        # the session is read outside any transaction, on the event loop's own connection
        # (web/kv_async.py), not the engine's: one round trip more than counted here
        assert not any("kv_entry" in s for s in trips.sent), sent
        assert trips.count + 1 <= MOST_ROUND_TRIPS, sent
        # one transaction: the act's
        assert trips.sent.count("BEGIN") == 1, sent
        # the day's rollup rows (which every acceptance adds to) go with the COMMIT
        tail = trips.sent[trips.sent.index("+ COMMIT") - 3 :]
        assert any(s.startswith("+ INSERT INTO supervision_rollup ") for s in tail), sent
        assert not any(s.startswith(("INSERT INTO counter", "UPDATE counter")) for s in trips.sent)
    else:
        assert trips.count <= MOST_SQLITE_STATEMENTS, sent
