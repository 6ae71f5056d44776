"""Two approvers deciding at the same instant, on PostgreSQL (the production database), 100 times.

Each decision runs in its own thread with its own session and connection, released together by a
barrier so both transactions are open at once. The plan row's lock serialises them: every repetition
ends with exactly the outcome the decisions call for (both recorded, the quorum met or changes
requested) and each decision recorded once (one row and one audit event), and a double submission by
one approver records one decision and refuses the other. A decision on a version the plan has moved on
from is refused as stale, with nothing written, even when it races a fresh one.

One plan is walked to sign-off once; between repetitions its decisions (rows and audit events) are
cleared, so the 100 repetitions take a few seconds rather than a plan each.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta

import pytest
from sqlalchemy import delete, select

from flows.demo_people import People
from plans.config import settings
from plans.db import session_scope
from plans.domain.errors import AlreadyDecided, DomainError, StaleVersion
from plans.domain.facts import Decision
from plans.domain.gates import changes_requested, sign_off_reasons
from plans.domain.stages import Stage
from plans.models import AuditEvent, SignOffDecision, SignOffRound, utcnow
from plans.services import signoff
from plans.services.actors import Actor
from plans.services.lifecycle import facts_for
from tests.conftest import SMALL_PLAN, Database, _empty_all
from tests.support import create, push, walk_to

pytestmark = pytest.mark.postgres
REPETITIONS = 100
APPROVE, CHANGES = Decision.APPROVE, Decision.REQUEST_CHANGES


@pytest.fixture
def pg(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[Database]:
    """An empty migrated PostgreSQL schema (the suite's), with ``settings`` pointing at it."""
    url = request.getfixturevalue("pg_schema")
    _empty_all(url)
    monkeypatch.setattr(settings, "database_url", url)
    yield Database(url, "postgresql")


@dataclass
class Round:
    plan_id: int
    people: People
    round_id: int
    version: int
    content_hash: str


def _at_sign_off() -> Round:
    plan_id, people = create(SMALL_PLAN)
    walk_to(plan_id, people, Stage.SIGN_OFF)
    with session_scope() as s:
        rnd = s.scalars(select(SignOffRound).where(SignOffRound.plan_id == plan_id)).one()
        return Round(plan_id, people, rnd.id, rnd.version, rnd.content_hash)


def _decide(r: Round, actor: Actor, decision: Decision, *, version: int | None = None, digest: str | None = None):  # type: ignore[no-untyped-def]
    def act() -> None:
        with session_scope() as s:
            signoff.decide(
                s,
                plan_id=r.plan_id,
                actor=actor,
                version=version or r.version,
                content_hash=digest or r.content_hash,
                decision=decision,
                comment="" if decision is APPROVE else "Tie this to the skills gap.",
                now=utcnow(),
            )

    return act


def _at_once(*acts: Callable[[], None]) -> list[str]:
    """Run ``acts`` in threads released together; each one's outcome: "ok" or its refusal's class."""
    barrier = threading.Barrier(len(acts))
    outcomes = [""] * len(acts)

    def run(i: int, act: Callable[[], None]) -> None:
        barrier.wait(timeout=10)
        try:
            act()
            outcomes[i] = "ok"
        except DomainError as exc:
            outcomes[i] = type(exc).__name__

    threads = [threading.Thread(target=run, args=(i, a)) for i, a in enumerate(acts)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=20)
    return outcomes


def _recorded(r: Round) -> tuple[list[tuple[int, str]], int]:
    """The decisions on the round (approver, decision) and how many decision events were audited."""
    with session_scope() as s:
        rows = s.execute(
            select(SignOffDecision.approver_id, SignOffDecision.decision).where(SignOffDecision.round_id == r.round_id)
        ).all()
        audited = s.scalars(
            select(AuditEvent.id).where(AuditEvent.plan_id == r.plan_id, AuditEvent.kind == "sign_off_decision")
        ).all()
    return sorted((a, d.value) for a, d in rows), len(audited)


def _reset(r: Round) -> None:
    with session_scope() as s:
        s.execute(delete(SignOffDecision).where(SignOffDecision.round_id == r.round_id))
        s.execute(delete(AuditEvent).where(AuditEvent.plan_id == r.plan_id, AuditEvent.kind == "sign_off_decision"))


def test_two_approvers_at_the_same_instant_100_times(pg: Database) -> None:
    r = _at_sign_off()
    ann, abe = r.people.approvers
    assert ann.person_id is not None and abe.person_id is not None
    cases = [
        ("both approve", [(ann, APPROVE), (abe, APPROVE)]),
        ("one asks for changes", [(ann, APPROVE), (abe, CHANGES)]),
        ("one approver submits twice", [(ann, APPROVE), (ann, APPROVE)]),
    ]
    seen: Counter[str] = Counter()
    for rep in range(REPETITIONS):
        name, acts = cases[rep % len(cases)]
        outcomes = _at_once(*(_decide(r, who, what) for who, what in acts))
        decisions, audited = _recorded(r)
        if name == "one approver submits twice":
            assert sorted(outcomes) == ["AlreadyDecided", "ok"], (rep, outcomes)
            assert decisions == [(ann.person_id, "approve")] and audited == 1, rep
        else:
            assert outcomes == ["ok", "ok"], (rep, name, outcomes)
            expected = sorted((who.person_id, what.value) for who, what in acts)
            assert decisions == expected and audited == 2, (rep, name, decisions)
        if rep < len(cases):  # the gates read the outcome as the lifecycle flow will (once per case)
            with session_scope() as s:
                facts = facts_for(s, r.plan_id, utcnow())
            assert (sign_off_reasons(facts) == [], changes_requested(facts)) == {
                "both approve": (True, False),
                "one asks for changes": (False, True),
                "one approver submits twice": (False, False),
            }[name], name
        seen[name] += 1
        _reset(r)
    assert sum(seen.values()) == REPETITIONS and min(seen.values()) >= REPETITIONS // len(cases)


def test_a_stale_decision_is_refused_even_racing_a_fresh_one(pg: Database) -> None:
    r = _at_sign_off()
    ann, abe = r.people.approvers
    r.people.draft_recommendations(revised=True, send=False)  # version 2: the version 1 round is void
    with session_scope() as s:
        signoff.send_for_sign_off(
            s,
            plan_id=r.plan_id,
            actor=r.people.coordinator,
            deadline=utcnow().date() + timedelta(days=7),
            now=utcnow(),
        )
    push(r.plan_id)
    with session_scope() as s:
        fresh = s.scalars(
            select(SignOffRound).where(SignOffRound.plan_id == r.plan_id, SignOffRound.version == 2)
        ).one()
        current = Round(r.plan_id, r.people, fresh.id, fresh.version, fresh.content_hash)
    stale_version = _decide(r, ann, APPROVE)  # version 1 and its hash, as read before the edit
    stale_hash = _decide(current, abe, APPROVE, digest=r.content_hash)  # version 2 with version 1's hash
    for act in (stale_version, stale_hash):
        with pytest.raises(StaleVersion):
            act()
    outcomes = _at_once(_decide(r, abe, APPROVE), _decide(current, ann, APPROVE))
    assert outcomes == ["StaleVersion", "ok"]
    decisions, audited = _recorded(current)
    assert decisions == [(ann.person_id, "approve")] and audited == 1
    with session_scope() as s:
        assert s.scalars(select(SignOffDecision).where(SignOffDecision.round_id == r.round_id)).all() == []
    with pytest.raises(AlreadyDecided):
        _decide(current, ann, CHANGES)()
