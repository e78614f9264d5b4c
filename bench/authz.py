"""Authorisation: can() per check on the demo county scaled to 2,000 users, and policy propagation.

Figures:
* ``can() median`` / ``can() p99``: one ``Authorizer.can`` per request over a realistic mix
  (reads by staff, supervisors and applicants; window, step and decision acts by the right
  and the wrong people; desk checks on domains), p99 beside p99. The baseline is the best
  a competent pycasbin user would write for the same rules: the same Authorizer code (case
  scopes, applicants, delegations, separation of duties are application logic either
  way) asking pycasbin's ``FastEnforcer`` every role question, with a cheap-first matcher,
  role-based ``p`` lines (a dozen, not one per role and domain) and a policy cache keyed on
  (act, scope). Both get the same 2,000 warm-up calls and the same 20,000 questions, and
  their answers are checked to be identical.
* ``casbin enforce (our model)``: our compiled fast path vs ``Enforcer.enforce`` on our own
  model.conf (12 ``p`` lines) for the same (user, domain, family, scope) lookups.
* ``policy reload``: reading the tenant's organisation and rebuilding the snapshot, held
  against a goal (the app's default poll interval, 500 ms), not a measured baseline.
* ``propagation``: a grant committed by this process, seen by a second process polling at
  the app's default interval (500 ms); a goal of poll + reload, not a measured baseline.
"""

from __future__ import annotations

import os
import random
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import casbin
from casbin.model.policy_fast import fast_policy_filter

from bench import Figure, median, percentile
from rbac.org_file import DEMO_ORG_FILE, parse_org_file
from rbac.permissions import Authorizer
from rbac.policy import (
    ROLE_POLICY,
    DelegationRec,
    DomainRec,
    GrantRec,
    OrgData,
    PolicySnapshot,
    PolicyStore,
    UserRec,
    Via,
)
from rbac.targets import CaseTarget, DomainTarget, Target

TENANT = "422822"
USERS = 2000
POLL_MS = PolicyStore.poll_interval_ms  # the app's default (500 ms)
TODAY = date(2026, 5, 6)

# pycasbin's FastEnforcer filters the p lines on the request values at ``cache_key_order``
# (the same positions in r and p), so act and scope come first in both.
FAST_MODEL = """
[request_definition]
r = sub, act, scope, dom

[policy_definition]
p = role, act, scope

[role_definition]
g = _, _, _

[policy_effect]
e = some(where (p.eft == allow))

[matchers]
m = r.act == p.act && r.scope == p.scope && g(r.sub, p.role, r.dom)
"""


class FastCasbinSnapshot(PolicySnapshot):
    """The same organisation; every role question asked of pycasbin's ``FastEnforcer``."""

    def __init__(self, data: OrgData) -> None:
        super().__init__(data)
        with tempfile.NamedTemporaryFile("w", suffix=".conf", delete=False) as fh:
            fh.write(FAST_MODEL)
        self.fast = casbin.FastEnforcer(fh.name, cache_key_order=[1, 2])
        os.unlink(fh.name)
        self.fast.add_policies([list(p) for p in ROLE_POLICY])
        self.fast.add_grouping_policies([[g.username, g.role, g.domain] for g in data.grants])
        self._p = self.fast.model.model["p"]["p"].policy

    def lookup_casbin(
        self, username: str, domain: str, family: str, scope: str, today: date
    ) -> Via | None:
        with fast_policy_filter(self._p, family, scope):
            allowed, explain = self.fast.enforce_ex(username, family, scope, domain)
        if allowed:
            return self._grant_by_key[(username, explain[0], domain)]
        for d in self.delegations.get(username) or ():
            if (
                d.domain == domain
                and d.valid_from <= today <= d.valid_to
                and (d.role, family, scope) in ROLE_POLICY
            ):
                return d
        return None


def fast_casbin_authorizer(data: OrgData) -> tuple[Authorizer, FastCasbinSnapshot]:
    store = PolicyStore()
    store.put(data)
    snap = FastCasbinSnapshot(data)
    store._entries[data.tenant].snapshot = snap  # the store keeps what put() built: swap it
    return Authorizer(store, today=lambda: TODAY, use_casbin=True), snap


def scaled_org(rng: random.Random) -> OrgData:
    """The demo organisation (rbac/demo_org.toml) scaled to 2,000 users and 40+ domains."""
    org = parse_org_file(DEMO_ORG_FILE)
    domains = [DomainRec(d.name, d.kind, d.parent, d.title, d.section) for d in org.domains]
    towns = [d.name for d in domains if d.kind == "township"]
    for i in range(12):  # more villages: every township gets some
        town = towns[i % len(towns)]
        domains.append(DomainRec(f"village.v{i:02d}", "village", town, f"村{i}", None))
    users: list[UserRec] = []
    grants: list[GrantRec] = []
    for u in org.users:
        users.append(UserRec(len(users) + 1, u.username, u.display_name, True, u.kind))
        for role, domain in u.roles:
            grants.append(GrantRec(len(grants) + 1, u.username, role, domain))
    depts = [d.name for d in domains if d.kind == "department"]
    halls = ["county.hall", *towns]
    staff_target = 700
    while len(users) < staff_target:
        n = len(users) + 1
        role = rng.choices(["window_clerk", "reviewer", "department_head"], [3, 5, 1])[0]
        domain = rng.choice(halls if role == "window_clerk" else depts)
        name = f"{role}{n}@{domain}"
        users.append(UserRec(n, name, f"员工{n}", rng.random() > 0.02, "staff"))
        grants.append(GrantRec(len(grants) + 1, name, role, domain))
    while len(users) < USERS:
        n = len(users) + 1
        users.append(UserRec(n, f"citizen{n}", f"群众{n}", True, "applicant"))
    # a few acting delegations of chief representatives to reviewers, some current, some not
    delegations: list[DelegationRec] = []
    reviewers = [g for g in grants if g.role == "reviewer"]
    for i, dept in enumerate(depts):
        chief = f"chief_representative@{dept}"
        deputy = next(g.username for g in reviewers if g.domain == dept)
        start = TODAY + timedelta(days=rng.choice([-5, -1, 0, 1]))
        delegations.append(
            DelegationRec(
                i + 1,
                chief,
                deputy,
                "chief_representative",
                dept,
                start,
                start + timedelta(days=3),
                "出差",
            )
        )
    return OrgData(
        TENANT, tuple(domains), tuple(users), tuple(grants), tuple(delegations), version=1
    )


def request_mix(
    data: OrgData, rng: random.Random, count: int
) -> list[tuple[str, str, Target, str]]:
    """(user, act, target, judged domain) — the judged domain feeds the stock-Casbin baseline."""
    users = {u.username: u for u in data.users}
    by_role: dict[tuple[str, str], list[str]] = {}
    for g in data.grants:
        by_role.setdefault((g.role, g.domain), []).append(g.username)
    depts = [d.name for d in data.domains if d.kind == "department"]
    towns = [d.name for d in data.domains if d.kind == "township"]
    applicants = [u.username for u in data.users if u.kind == "applicant"]
    staff = [u.username for u in data.users if u.kind == "staff"]

    def someone(role: str, domain: str) -> str:
        return rng.choice(by_role.get((role, domain)) or staff)

    out: list[tuple[str, str, Target, str]] = []
    for i in range(count):
        owner = rng.choice(depts)
        at_town = rng.random() < 0.35
        accepting = rng.choice(towns) if at_town else "county.hall"
        decide = "township" if at_town and rng.random() < 0.5 else "owner"
        current = rng.choice([owner, owner, accepting, None])
        applicant = rng.choice(applicants)
        clerk = someone("window_clerk", accepting)
        case = CaseTarget(
            TENANT,
            i,
            owner,
            accepting,
            current,
            users[applicant].id,
            users[clerk].id,
            ("county.hall", "township.*"),
            decide,  # type: ignore[arg-type]
            (rng.choice(depts),) if rng.random() < 0.1 else (),
        )
        kind = rng.random()
        if kind < 0.40:  # reads: staff of the case, supervisors, the applicant, strangers
            who = rng.choice(
                [
                    someone("reviewer", owner),
                    someone("department_head", owner),
                    clerk,
                    "supervisor@county",
                    applicant,
                    rng.choice(staff),
                ]
            )
            out.append((who, "read", case, owner))
        elif kind < 0.60:  # window acts, mostly by the right clerk
            who = (
                clerk
                if rng.random() < 0.8
                else someone("window_clerk", rng.choice(["county.hall", *towns]))
            )
            out.append(
                (
                    who,
                    rng.choice(["accept", "request_correction", "complete", "deliver"]),
                    case,
                    accepting,
                )
            )
        elif kind < 0.75:  # step acts where the current step sits
            where = current or owner
            who = someone("reviewer", where) if rng.random() < 0.8 else rng.choice(staff)
            out.append(
                (
                    who,
                    rng.choice(["review", "start_special", "finish_special", "return"]),
                    case,
                    where,
                )
            )
        elif kind < 0.85:  # decisions: chiefs, their delegates, department heads
            who = rng.choice(
                [
                    f"chief_representative@{owner}",
                    someone("reviewer", owner),
                    someone("department_head", owner),
                ]
            )
            out.append((who, rng.choice(["decide", "decide", "extend"]), case, owner))
        elif kind < 0.92:  # applicant acts
            who = applicant if rng.random() < 0.9 else rng.choice(applicants)
            out.append(
                (
                    who,
                    rng.choice(["submit", "correct", "withdraw", "evaluate", "complain"]),
                    case,
                    accepting,
                )
            )
        elif kind < 0.97:  # desks and queues
            domain = rng.choice(["county.hall", *towns, *depts])
            out.append(
                (
                    rng.choice(staff),
                    rng.choice(["accept", "review", "read"]),
                    DomainTarget(TENANT, domain),
                    domain,
                )
            )
        else:  # supervision and administration
            out.append(
                (
                    rng.choice(["supervisor@county", "admin@county", rng.choice(staff)]),
                    rng.choice(["handle_warning", "rectify", "manage_items"]),
                    DomainTarget(TENANT, owner),
                    owner,
                )
            )
    return out


def _samples(fn: object, items: list[tuple[str, str, Target, str]]) -> list[float]:
    out: list[float] = []
    clock = time.perf_counter_ns
    call = fn
    for user, act, target, dom in items:
        start = clock()
        call(user, act, target, dom)  # type: ignore[operator]
        out.append((clock() - start) / 1000)
    return out


# ----------------------------------------------------------------------------- propagation

CHILD = r"""
import sys, time
from db.engine import make_engine, session_factory
from rbac.permissions import Authorizer
from rbac.policy import PolicyStore
from rbac.targets import DomainTarget
url, poll_ms = sys.argv[1], float(sys.argv[2])
watch = sys.argv[3:]
auth = Authorizer(PolicyStore(session_factory(make_engine(url)), poll_interval_ms=poll_ms))
target = DomainTarget("422822", "county.scjg")
auth.can(watch[0], "review", target)
print("ready", flush=True)
for user in watch:
    while not auth.can(user, "review", target).allowed:
        time.sleep(0.0005)
    print(time.time(), flush=True)
"""


def propagation(data: OrgData, rng: random.Random) -> tuple[list[float], float]:
    """Commit grants in this process; measure when a second process sees each. Also the reload time."""
    from db.engine import make_engine, session_factory, transaction
    from db.migrate import upgrade
    from rbac import people
    from rbac.tables import OrgDomain, OrgGrant, OrgUser

    with tempfile.TemporaryDirectory() as tmp:
        url = (
            os.environ.get("BANSHI_BENCH_DATABASE_URL")
            or f"sqlite:///{Path(tmp) / 'bench.sqlite3'}"
        )
        engine = make_engine(url)
        upgrade(engine)
        sessions = session_factory(engine)
        with transaction(sessions) as s:
            pending = list(data.domains)
            placed: set[str | None] = {None}
            while pending:
                for d in [d for d in pending if d.parent in placed]:
                    s.add(
                        OrgDomain(
                            tenant=TENANT,
                            name=d.name,
                            kind=d.kind,
                            parent=d.parent,
                            title=d.title,
                            section=d.section,
                        )
                    )
                    placed.add(d.name)
                    pending.remove(d)
                s.flush()
            ids: dict[str, int] = {}
            for u in data.users:
                row = OrgUser(
                    tenant=TENANT,
                    username=u.username,
                    display_name=u.display_name,
                    active=u.active,
                    kind=u.kind,
                )
                s.add(row)
                s.flush()
                ids[u.username] = row.id
            s.add_all(
                OrgGrant(tenant=TENANT, user_id=ids[g.username], role=g.role, domain=g.domain)
                for g in data.grants
            )
            people.record(s, TENANT, "bench", "bench.load", "scaled organisation")
        store = PolicyStore(sessions, poll_interval_ms=POLL_MS)
        start = time.perf_counter()
        for _ in range(5):
            store.refresh(TENANT, force=True)
        reload_ms = (time.perf_counter() - start) / 5 * 1000
        watch = [f"watch{i}" for i in range(12)]
        with transaction(sessions) as s:
            for name in watch:
                people.add_user(s, TENANT, name, name, actor="bench")
        root = Path(__file__).resolve().parent.parent
        child = subprocess.Popen(
            [sys.executable, "-c", CHILD, url, str(POLL_MS), *watch],
            stdout=subprocess.PIPE,
            text=True,
            cwd=root,
            env={**os.environ, "PYTHONPATH": str(root)},
        )
        assert child.stdout is not None
        assert child.stdout.readline().strip() == "ready"
        delays: list[float] = []
        for name in watch:
            time.sleep(rng.uniform(0.0, POLL_MS / 1000))
            with transaction(sessions) as s:
                people.grant_role(s, TENANT, name, "reviewer", "county.scjg", actor="bench")
            committed = time.time()
            seen = float(child.stdout.readline())
            delays.append((seen - committed) * 1000)
        child.wait(timeout=30)
        engine.dispose()
    return delays, reload_ms


def run() -> Iterator[Figure]:
    rng = random.Random(20120101)
    data = scaled_org(rng)
    store = PolicyStore()
    snap = store.put(data)
    authorizer = Authorizer(store, today=lambda: TODAY)
    rival, rival_snap = fast_casbin_authorizer(data)
    requests = request_mix(data, rng, 20000)
    note = f"{len(data.users)} users, {len(data.domains)} domains, {len(data.grants)} grants"

    def ours(user: str, act: str, target: Target, _dom: str) -> object:
        return authorizer.can(user, act, target)

    def baseline(user: str, act: str, target: Target, _dom: str) -> object:
        return rival.can(user, act, target)

    # the same answers (allowed or not, and the same reason code) to every question
    differ = [
        (u, a)
        for u, a, t, _ in requests
        if (authorizer.can(u, a, t).allowed, authorizer.can(u, a, t).code)
        != (rival.can(u, a, t).allowed, rival.can(u, a, t).code)
    ]
    assert not differ, f"pycasbin baseline answers differently: {differ[:5]}"
    allowed = sum(authorizer.can(u, a, t).allowed for u, a, t, _ in requests) / len(requests)
    # the same warm-up, then the same questions, alternating who goes first (ABBA)
    mine: list[float] = []
    base: list[float] = []
    for fn in (ours, baseline):
        for user, act, target, dom in requests[:2000]:
            fn(user, act, target, dom)
    half = len(requests) // 2
    for i, chunk in enumerate((requests[:half], requests[half:])):
        order = ((ours, mine), (baseline, base)) if i == 0 else ((baseline, base), (ours, mine))
        for fn, out in order:
            out.extend(_samples(fn, chunk))
    yield Figure(
        "authz can() median",
        median(mine),
        "µs",
        median(base),
        note=f"{note}; {allowed:.0%} allowed; {len(requests)} questions, same answers; "
        f"baseline: the same rules asking pycasbin FastEnforcer (cheap-first matcher, "
        f"{len(rival_snap.fast.get_policy())} p + "
        f"{len(rival_snap.fast.get_grouping_policy())} g lines, cache key act+scope)",
    )
    yield Figure(
        "authz can() p99", percentile(mine, 99), "µs", percentile(base, 99), note="p99 beside p99"
    )

    lookups = [(u, d, fam, "here") for u, _a, _t, d in requests[:2000] for fam in ("read",)]
    fast = [0.0] * len(lookups)
    slow = [0.0] * len(lookups)
    for i, (u, d, fam, sc) in enumerate(lookups):
        t0 = time.perf_counter_ns()
        snap.lookup(u, d, fam, sc, TODAY)
        t1 = time.perf_counter_ns()
        snap.enforcer.enforce(u, d, fam, sc)
        t2 = time.perf_counter_ns()
        fast[i], slow[i] = (t1 - t0) / 1000, (t2 - t1) / 1000
    yield Figure(
        "authz role lookup, compiled vs casbin enforce (our model)",
        median(fast),
        "µs",
        median(slow),
        note="same (user, domain, family, scope) questions",
    )

    delays, reload_ms = propagation(data, rng)
    yield Figure(
        "authz policy reload (2,000 users)",
        reload_ms,
        "ms",
        float(POLL_MS),
        goal=True,
        note="read org tables + build Casbin + compile; goal: within the poll interval",
    )
    yield Figure(
        "authz propagation to a 2nd process (max)",
        max(delays),
        "ms",
        float(POLL_MS) + reload_ms,
        goal=True,
        note=f"median {median(delays):.0f} ms over {len(delays)} grants; the app's default poll "
        f"{POLL_MS:.0f} ms; goal: poll + one reload",
    )


if __name__ == "__main__":
    for figure in run():
        print(figure.line())
