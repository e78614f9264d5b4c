"""Acts racing on the same cases from several threads (each its own session through the
service): exactly one wins each contested step, the others get a Conflict; no lost update,
no duplicate event, no duplicate case number; every chain verifies afterwards."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session, sessionmaker

import db.engine as db_engine
from rbac.permissions import Authorizer
from runtime.audit import verify_all
from runtime.case_record import CaseRecord
from runtime.case_tables import Case, CaseEvent
from runtime.errors import ActError, Conflict
from runtime.service import Actor, Applicant, CaseService
from tests.runtime.conftest import TENANT, required_materials, sample_data

ITEM = "422822-ZFB-QT-0001"  # accept, review, decide, complete


@pytest.fixture
def engine(prepared_engine: Engine) -> Engine:
    return prepared_engine


@pytest.fixture
def org() -> None:
    """The prepared database already holds the demo organisation and calendar."""


@pytest.fixture
def threads(engine: Engine) -> int:
    # SQLite serialises writers (busy timeout); fewer threads keep it quick
    return 8 if engine.dialect.name == "postgresql" else 4


def race(n: int, work: Callable[[int], Any]) -> list[Any]:
    """Run work(0..n-1) in n threads released together; results or exceptions, by index."""
    barrier = threading.Barrier(n)
    out: list[Any] = [None] * n

    def run(i: int) -> None:
        barrier.wait()
        try:
            out[i] = work(i)
        except BaseException as exc:
            out[i] = exc

    ts = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in ts:
        t.start()
    for t in ts:
        t.join(60)
    return out


def test_racing_acts_one_winner_each_step(
    service: CaseService, catalog: dict[str, Any], sessions: sessionmaker[Session], threads: int
) -> None:
    pub = catalog[ITEM]
    numbers = []
    for seed in range(3):
        case = service.submit(
            Actor("window_clerk@county.hall"),
            pub.code,
            sample_data(pub, seed),
            accepting_domain="county.hall",
            applicant=Applicant("谭斌", "13972800001"),
        )
        numbers.append(case.number)
    materials = {
        n: required_materials(pub, sample_data(pub, seed)) for seed, n in enumerate(numbers)
    }
    clerks = [Actor("window_clerk@county.hall"), Actor("window_clerk2@county.hall")]
    steps: list[Callable[[int, str, int], Any]] = [
        lambda i, n, v: service.accept(clerks[i % 2], n, received=materials[n], expected_version=v),
        lambda i, n, v: service.review(
            Actor("reviewer@county.zfb"), n, opinion=f"意见{i}", expected_version=v
        ),
        lambda i, n, v: service.decide(
            Actor("chief_representative@county.zfb"),
            n,
            approve=i % 2 == 0,
            reason=f"理由{i}",
            expected_version=v,
        ),
        lambda i, n, v: service.complete(clerks[i % 2], n, expected_version=v),
    ]
    for step in steps:
        versions = {}
        with sessions() as s:
            for n in numbers:
                versions[n] = s.execute(select(Case.version).where(Case.number == n)).scalar_one()
        results = race(
            threads,
            lambda i, step=step, versions=versions: step(
                i, numbers[i % 3], versions[numbers[i % 3]]
            ),
        )
        for k, n in enumerate(numbers):
            mine = results[k::3]
            wins = [r for r in mine if isinstance(r, CaseRecord)]
            losses = [r for r in mine if not isinstance(r, CaseRecord)]
            assert len(wins) == 1, (n, mine)
            assert all(isinstance(r, ActError) for r in losses), losses
            # the loser saw the version move (or, without the version check, the state)
            assert all(isinstance(r, Conflict) for r in losses), losses
            assert wins[0].version == versions[n] + 1
    with sessions() as s:
        for n in numbers:
            case = s.execute(select(Case).where(Case.number == n)).scalar_one()
            seqs = list(
                s.execute(
                    select(CaseEvent.seq)
                    .where(CaseEvent.case_id == case.id)
                    .order_by(CaseEvent.seq)
                ).scalars()
            )
            assert seqs == [1, 2, 3, 4, 5] and case.version == 5 and case.state == "completed"
        assert all(b is None for _, b in verify_all(s, TENANT))


def test_racing_without_expected_version_never_loses_an_update(
    service: CaseService, catalog: dict[str, Any], sessions: sessionmaker[Session], threads: int
) -> None:
    """Everyone tries the same review: one moves the case on, the rest are refused (the step
    has moved or the compare-and-set lost) — never two review events."""
    pub = catalog[ITEM]
    case = service.submit(
        Actor("window_clerk@county.hall"),
        pub.code,
        sample_data(pub, 0),
        accepting_domain="county.hall",
        applicant=Applicant("谭斌", "13972800001"),
    )
    case = service.accept(Actor("window_clerk@county.hall"), case.number)
    results = race(threads, lambda i: service.review(Actor("reviewer@county.zfb"), case.number))
    wins = [r for r in results if isinstance(r, CaseRecord)]
    assert len(wins) == 1 and all(isinstance(r, ActError) for r in results if r not in wins)
    with sessions() as s:
        acts = Counter(
            s.execute(select(CaseEvent.act).where(CaseEvent.case_id == case.id)).scalars()
        )
        assert acts["review"] == 1
        assert all(b is None for _, b in verify_all(s, TENANT))


def test_concurrent_submissions_get_unique_numbers(
    service: CaseService, catalog: dict[str, Any], sessions: sessionmaker[Session], threads: int
) -> None:
    pub = catalog[ITEM]
    per_thread = 50 // threads + 1
    datas = [sample_data(pub, seed) for seed in range(3)]

    def submit_many(i: int) -> list[str]:
        out = []
        for j in range(per_thread):
            out.append(
                service.submit(
                    Actor("window_clerk@county.hall"),
                    pub.code,
                    datas[j % 3],
                    accepting_domain="county.hall",
                    applicant=Applicant("谭斌", "13972800001"),
                ).number
            )
        return out

    results = race(threads, submit_many)
    assert all(isinstance(r, list) for r in results), [
        r for r in results if not isinstance(r, list)
    ]
    numbers = [n for r in results for n in r]
    assert len(numbers) == threads * per_thread == len(set(numbers))
    with sessions() as s:
        assert s.execute(select(func.count()).select_from(Case)).scalar_one() == len(numbers)
        assert all(b is None for _, b in verify_all(s, TENANT))
    assert sorted(int(n[-6:]) for n in numbers) == list(range(1, len(numbers) + 1))


class _PausingAuthorizer(Authorizer):
    """The real authorizer; the first question asked from ``thread`` waits (after the act
    has read the case, before it writes) until ``resume`` is set — a slow act, made slow
    at the one moment a stale read can happen."""

    def __init__(self, store: Any, thread: str) -> None:
        super().__init__(store)
        self.thread = thread
        self.paused = threading.Event()
        self.resume = threading.Event()

    def can(self, user: Any, act: str, target: Any, **kw: Any) -> Any:
        if threading.current_thread().name == self.thread and not self.paused.is_set():
            self.paused.set()
            assert self.resume.wait(30)
        return super().can(user, act, target, **kw)


def test_a_stale_write_is_refused_by_the_compare_and_set(
    service: CaseService,
    catalog: dict[str, Any],
    sessions: sessionmaker[Session],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """An act that read the case before another act committed must not write over it: the
    compare-and-set on the version refuses it with a Conflict (not a duplicate-key error
    from the event table, not a lost update). SQLite's in-process writers' lock is switched
    off so the race happens there too."""
    monkeypatch.setattr(db_engine, "_writer_lock", lambda engine: None)
    pub = catalog[ITEM]
    case = service.submit(
        Actor("window_clerk@county.hall"),
        pub.code,
        sample_data(pub, 0),
        accepting_domain="county.hall",
        applicant=Applicant("谭斌", "13972800001"),
    )
    case = service.accept(
        Actor("window_clerk@county.hall"),
        case.number,
        received=required_materials(pub, sample_data(pub, 0)),
    )
    pausing = _PausingAuthorizer(service.authorizer.store, "slow-reviewer")
    service.authorizer = pausing
    outcome: list[Any] = []

    def slow() -> None:
        try:
            outcome.append(service.review(Actor("reviewer@county.zfb"), case.number, opinion="慢"))
        except BaseException as exc:  # the outcome is asserted below
            outcome.append(exc)

    thread = threading.Thread(target=slow, name="slow-reviewer")
    thread.start()
    assert pausing.paused.wait(30)  # the slow act has read version 2 and stopped
    fast = service.review(Actor("reviewer@county.zfb"), case.number, opinion="快")
    assert fast.version == 3
    pausing.resume.set()
    thread.join(60)
    assert len(outcome) == 1 and isinstance(outcome[0], Conflict), outcome
    with sessions() as s:
        row = s.execute(select(Case).where(Case.number == case.number)).scalar_one()
        reasons = list(
            s.execute(
                select(CaseEvent.reason)
                .where(CaseEvent.case_id == row.id, CaseEvent.act == "review")
                .order_by(CaseEvent.seq)
            ).scalars()
        )
        assert row.version == 3 and len(reasons) == 1 and "快" in (reasons[0] or "")
        assert all(b is None for _, b in verify_all(s, TENANT))
