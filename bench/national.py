"""Seeded, deterministic national-scale data for benchmarks, written set-wise.

``seed(url)`` migrates the database at ``url`` to head and fills it with 200 organisations, 60,000 teams
(directorates with teams below, each with a manager person and an eligible headcount), the people who
take part (managers, coordinators, approvers, citizens) and 1,000 plans spread over every stage, each
with the data its stage implies: members, stage history, audit events, vision statements and
agreements, surveys with responses and findings, recommendations with evidence, sign-off rounds and
decisions, checkpoints, expectations, summative reports, citizen panel reviews and gate overrides.

How it is written: rows are generated lazily and sent with SQLAlchemy Core ``insert`` executemany in
batches (``BATCH`` rows), never one ORM object per row, in one transaction. Keys are assigned here
(continuing after the largest id already present), so no insert needs a round trip for its id; on
PostgreSQL the sequences are moved past them afterwards and the tables analysed (as autovacuum would).

Determinism: every entity draws from its own ``random.Random`` seeded with ``(seed, entity)``, and all
times are relative to ``now`` (default: today at 00:00 UTC), so the same arguments give the same rows,
and adding an entity later leaves the others unchanged.

Staff (``staff=True``, the default; ``bench.national_staff``): every organisation's staff list, about
1,000,000 people (each team's eligible headcount, 60,000 teams x ``mean_headcount`` 17, plus about 3%
ineligible with a reason), and an invitation per eligible person for each open survey (about 1,100,000 at
the default scale) with the token hashes the app stores for ``secret`` (default: the server's). They are
most of the rows and of the time; benchmarks that read neither (the dashboard, the survey rates) pass
``staff=False``.

Responses: the real design point is about 1,000,000 responses a round. This generator writes a modest,
configurable number per survey instead (``responses_per_open_survey``, default 200, and
``responses_per_closed_survey``, default 40: about 80,000 in total at the default scale), and marks as
many invitations used. To go to national response volumes, raise those two numbers (each entity is a
function with its row counts as parameters).

    python -m bench.national sqlite:////tmp/national.db [--plans 1000] [--organisations 200] [--teams 60000]
                             [--seed 1] [--no-staff]
"""

from __future__ import annotations

import argparse
import math
import random
import sys
import time
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Table, func, select, text

from bench.national_staff import write_invitations, write_staff
from evaluation.compare import two_proportion_change
from evaluation.findings import Question, findings
from plans.domain.calendar import checkpoint_dates
from plans.domain.facts import SUMMATIVE_OUTPUT, Decision, Judgement, MemberKind
from plans.domain.quorum import QuorumKind
from plans.domain.stages import ORDER, Stage
from plans.models import (
    AuditEvent,
    Base,
    Capacity,
    Checkpoint,
    EvidenceKind,
    EvidenceLink,
    Expectation,
    GateOverride,
    Organisation,
    PanelReview,
    Person,
    PersonRole,
    Plan,
    PlanMember,
    Recommendation,
    Role,
    SignOffDecision,
    SignOffRound,
    StageEntry,
    StatementKind,
    SummativeReport,
    Survey,
    SurveyFinding,
    SurveyKind,
    SurveyResponse,
    Team,
    Verdict,
    VisionAgreement,
    VisionStatement,
)

BATCH = 5000
REPORTING_THRESHOLD = 11  # plans.config default: findings of fewer responses are suppressed
SYSTEM = "coproduce"

# share of plans in each stage (every stage gets at least one plan first)
STAGE_WEIGHTS = {
    Stage.VISION: 14,
    Stage.EVIDENCE_SURVEY: 15,
    Stage.RECOMMENDATIONS: 12,
    Stage.SIGN_OFF: 13,
    Stage.DELIVERY: 20,
    Stage.SUMMATIVE_EVALUATION: 9,
    Stage.REPEAT_SURVEY: 9,
    Stage.CLOSED: 8,
}
# (min, max) days a finished stay lasted, and the longest a current stay has lasted so far
PAST_DAYS = {
    Stage.VISION: (20, 60),
    Stage.EVIDENCE_SURVEY: (21, 30),
    Stage.RECOMMENDATIONS: (10, 45),
    Stage.SIGN_OFF: (5, 20),
    Stage.DELIVERY: (370, 400),
    Stage.SUMMATIVE_EVALUATION: (30, 90),
    Stage.REPEAT_SURVEY: (21, 30),
}
CURRENT_DAYS = {
    Stage.VISION: 90,
    Stage.EVIDENCE_SURVEY: 40,
    Stage.RECOMMENDATIONS: 60,
    Stage.SIGN_OFF: 35,
    Stage.DELIVERY: 450,
    Stage.SUMMATIVE_EVALUATION: 120,
    Stage.REPEAT_SURVEY: 40,
    Stage.CLOSED: 400,
}
SIGN_OFF_DAYS = 14
SURVEY_DAYS = 28


def _words(line: str, sep: str = " ") -> list[str]:
    return line.split(sep)


LIKERT = ["Strongly agree", "Agree", "Neither agree nor disagree", "Disagree", "Strongly disagree"]
YES_NO = ["Yes", "No"]
QUESTIONS: list[dict[str, Any]] = [
    {
        "id": qid,
        "section": section,
        "text": words,
        "answers": answers,
        "positive": answers[: 1 if answers is YES_NO else 2],
    }
    for qid, section, words, answers in (
        ("K1", "knowledge", "I know what coproduction means.", LIKERT),
        ("K2", "knowledge", "I understand the difference between consulting and coproducing.", LIKERT),
        ("K3", "knowledge", "I know how citizens' views can change the work of my team.", LIKERT),
        ("S1", "skills", "I feel confident involving citizens in planning our services.", LIKERT),
        ("S2", "skills", "I know how to tell citizens what changed because of what they said.", LIKERT),
        ("S3", "skills", "I have the support I need to involve citizens in my work.", LIKERT),
        ("E1", "experience", "In the last 12 months I have worked alongside citizens.", YES_NO),
        ("E2", "experience", "In my team, involving citizens is everyone's responsibility.", LIKERT),
        ("E3", "experience", "Involving citizens in my area is a tick-box exercise.", LIKERT),
        ("E4", "experience", "I would recommend coproduction to a colleague.", LIKERT),
    )
]
ANSWER_WEIGHTS = {len(LIKERT): [20, 35, 20, 15, 10], len(YES_NO): [45, 55]}
THEMES = ["time to take part", "paying citizens", "feedback loops", "training", "plain language", "trust"]
FIRST = _words(
    "Aisha Ben Chloe Dev Emma Femi Grace Hamza Isla Jack Kemi Liam Maya Noah Olu Priya Quinn Rosa Sam "
    "Tariq Uma Vik Wen Xavi Yara Zac Amir Beth Cal Dina Eli Fay Gus Hana Ivan Jo Kai Lena Mo Nina"
)
LAST = _words(
    "Adams Bello Chen Davies Evans Fofana Green Hughes Iqbal Jones Khan Lewis Murphy Nowak Okafor Patel "
    "Quirke Roberts Singh Taylor Ueda Vaughan Walsh Xu Young Zielinski Ahmed Brown Clarke Dias"
)
PLACES = _words(
    "Northfield Eastbrook Westmoor Southdale Ashford Brackley Carrow Denholm Elmstead Fairhaven Glenbury "
    "Harwick Ivybridge Kestrel Langley Marden Newby Oakham Penrith Queensway Redcliff Stanmore Thornbury "
    "Upton Wexcombe"
)
KINDS = ["Council", "Borough Council", "NHS Trust", "Health Board", "County Council", "Care Partnership"]
SERVICES = _words(
    "Adult care|Children's services|Housing|Public health|Community nursing|Mental health|Libraries",
    sep="|",
)


@dataclass(frozen=True)
class Scale:
    """Row counts (all parameters, so a later issue can raise them to national response volumes)."""

    plans: int = 1000
    organisations: int = 200
    teams: int = 60000
    coordinators_per_org: int = 2
    approvers_per_org: int = 8
    citizens_per_org: int = 30
    mean_headcount: int = 17
    responses_per_open_survey: int = 200
    responses_per_closed_survey: int = 40
    staff: bool = True  # staff lists and the open surveys' invitations


@dataclass
class SeedSummary:
    url: str
    seed: int
    now: datetime
    scale: Scale
    rows: dict[str, int]
    stages: dict[str, int]
    seconds: float
    sign_off_plan_id: int | None

    @property
    def total_rows(self) -> int:
        return sum(self.rows.values())

    def describe(self) -> str:
        stages = ", ".join(f"{s} {n}" for s, n in self.stages.items())
        big = ", ".join(f"{t} {n:,}" for t, n in sorted(self.rows.items(), key=lambda kv: -kv[1])[:6])
        return f"{self.total_rows:,} rows in {self.seconds:.1f} s ({big}, ...); plans per stage: {stages}"


@dataclass
class Org:
    id: int
    code: str
    name: str
    leaf_teams: list[int] = field(default_factory=list)
    headcounts: list[int] = field(default_factory=list)
    managers: list[int] = field(default_factory=list)  # managers of the teams with staff
    coordinators: list[int] = field(default_factory=list)
    approvers: list[int] = field(default_factory=list)
    citizens: list[int] = field(default_factory=list)


@dataclass
class Stay:
    entry_no: int
    stage: Stage
    version: int
    via: str
    entered_at: datetime
    left_at: datetime | None


@dataclass
class PlanSketch:
    """A plan decided in memory before anything about it is written."""

    id: int
    org: Org
    coordinator_id: int
    stays: list[Stay]
    version: int
    quorum: tuple[QuorumKind, int | None]
    citizens: list[int]
    staff: list[int]
    approvers: list[int]
    panel: list[int]
    progress: float  # how far along its current stage's work is, 0..1

    @property
    def stage(self) -> Stage:
        return self.stays[-1].stage

    @property
    def current(self) -> Stay:
        return self.stays[-1]

    def reached(self, stage: Stage) -> bool:
        return ORDER.index(self.stage) >= ORDER.index(stage)

    def past(self, stage: Stage) -> bool:
        return ORDER.index(self.stage) > ORDER.index(stage)

    def last_stay(self, stage: Stage) -> Stay | None:
        found = [s for s in self.stays if s.stage is stage]
        return found[-1] if found else None


class Writer:
    """Batched Core inserts into one connection, counting rows per table, and the audit events every
    entity adds (written last, in time order, so a plan's log reads oldest first)."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.rows: Counter[str] = Counter()
        self.audit: list[dict[str, Any]] = []

    def next_id(self, model: Any) -> int:
        return int(self.conn.scalar(select(func.coalesce(func.max(model.id), 0)))) + 1

    def write(self, model: Any, rows: Iterable[dict[str, Any]]) -> int:
        table: Table = model.__table__
        n, buf = 0, []
        for row in rows:
            buf.append(row)
            if len(buf) >= BATCH:
                self.conn.execute(table.insert(), buf)
                n, buf = n + len(buf), []
        if buf:
            self.conn.execute(table.insert(), buf)
            n += len(buf)
        self.rows[table.name] += n
        return n

    def event(self, plan_id: int, kind: str, at: datetime, version: int, /, **data: Any) -> None:
        key = data.pop("dedupe_key", None)
        actor_id = data.pop("actor_id", None)
        actor = SYSTEM if actor_id is None else f"person {actor_id}"
        self.audit.append(
            {
                "plan_id": plan_id,
                "at": at,
                "actor_id": actor_id,
                "actor": actor,
                "kind": kind,
                "plan_version": version,
                "data": data,
                "dedupe_key": key,
            }
        )


def _rng(seed: int, entity: str) -> random.Random:
    return random.Random(f"{seed}/{entity}")


def _name(rng: random.Random) -> str:
    return f"{rng.choice(FIRST)} {rng.choice(LAST)}"


def _between(rng: random.Random, start: datetime, end: datetime) -> datetime:
    span = max(0, int((end - start).total_seconds()))
    return start + timedelta(seconds=rng.randrange(span + 1))


# organisations, people, teams -----------------------------------------------------------------------


def write_organisations(w: Writer, scale: Scale, seed: int) -> list[Org]:
    rng = _rng(seed, "organisations")
    first = w.next_id(Organisation)
    orgs = [
        Org(first + i, f"ORG{first + i:04d}", f"{rng.choice(PLACES)} {rng.choice(KINDS)} {first + i}")
        for i in range(scale.organisations)
    ]
    w.write(Organisation, ({"id": o.id, "code": o.code, "name": o.name} for o in orgs))
    return orgs


def _people_rows(orgs_and_ids: Iterable[tuple[Org, int, str]], rng: random.Random) -> Iterator[dict[str, Any]]:
    for org, pid, title in orgs_and_ids:
        name = _name(rng)
        email = f"{name.replace(' ', '.').lower()}.{pid}@{org.code.lower()}.example"
        yield {"id": pid, "organisation_id": org.id, "email": email, "name": name, "job_title": title}


def write_teams(w: Writer, orgs: list[Org], scale: Scale, seed: int) -> None:
    """Each organisation's directorates (headcount 0) with teams below (headcount 3 to 2x the mean - 3),
    every one with its manager, a person written first."""
    rng = _rng(seed, "teams")
    weights = [rng.uniform(0.5, 1.5) for _ in orgs]
    total = sum(weights)
    sizes = [max(2, round(scale.teams * wt / total)) for wt in weights]
    sizes[-1] = max(2, sizes[-1] + scale.teams - sum(sizes))
    next_person, next_team = w.next_id(Person), w.next_id(Team)
    people: list[tuple[Org, int, str]] = []
    teams: list[dict[str, Any]] = []
    leaves: list[dict[str, Any]] = []
    high = max(3, 2 * scale.mean_headcount - 3)
    for org, size in zip(orgs, sizes, strict=True):
        n_dir = max(1, min(size - 1, round(math.sqrt(size) / 1.7)))
        dir_ids = []
        for d in range(n_dir):
            people.append((org, next_person, "Director"))
            service = SERVICES[d % len(SERVICES)]
            teams.append(
                {
                    "id": next_team,
                    "organisation_id": org.id,
                    "code": f"D{d + 1:02d}",
                    "name": f"{service} directorate {d + 1}",
                    "parent_id": None,
                    "manager_id": next_person,
                    "eligible_headcount": 0,
                }
            )
            dir_ids.append((next_team, service))
            next_person, next_team = next_person + 1, next_team + 1
        for t in range(size - n_dir):
            parent, service = dir_ids[t % n_dir]
            headcount = rng.randint(3, high)
            people.append((org, next_person, "Team manager"))
            leaves.append(
                {
                    "id": next_team,
                    "organisation_id": org.id,
                    "code": f"D{t % n_dir + 1:02d}-T{t // n_dir + 1:04d}",
                    "name": f"{service} team {t + 1}",
                    "parent_id": parent,
                    "manager_id": next_person,
                    "eligible_headcount": headcount,
                }
            )
            org.leaf_teams.append(next_team)
            org.headcounts.append(headcount)
            org.managers.append(next_person)
            next_person, next_team = next_person + 1, next_team + 1
    w.write(Person, _people_rows(people, rng))
    w.write(PersonRole, ({"person_id": pid, "role": Role.MANAGER} for _, pid, _ in people))
    w.write(Team, teams + leaves)  # directorates first: their teams point at them


def write_people(w: Writer, orgs: list[Org], scale: Scale, seed: int) -> None:
    """Coordinators, approvers and citizens of every organisation, with their roles."""
    rng = _rng(seed, "people")
    pid = w.next_id(Person)
    people: list[tuple[Org, int, str]] = []
    roles: list[dict[str, Any]] = []
    for org in orgs:
        for attr, count, title, role in (
            ("coordinators", scale.coordinators_per_org, "Coproduction lead", Role.COORDINATOR),
            ("approvers", scale.approvers_per_org, "Executive director", Role.APPROVER),
            ("citizens", scale.citizens_per_org, None, Role.CITIZEN_PANEL),
        ):
            for _ in range(count):
                people.append((org, pid, title or "Citizen"))
                getattr(org, attr).append(pid)
                roles.append({"person_id": pid, "role": role})
                pid += 1
    w.write(Person, _people_rows(people, rng))
    w.write(PersonRole, roles)


# plans ----------------------------------------------------------------------------------------------


def _stages(n: int, rng: random.Random) -> list[Stage]:
    """``n`` stages: each stage once (while n allows), the rest by ``STAGE_WEIGHTS``, shuffled."""
    first = list(ORDER[:n])
    rest = rng.choices(list(STAGE_WEIGHTS), weights=list(STAGE_WEIGHTS.values()), k=n - len(first))
    out = first + rest
    rng.shuffle(out)
    return out


def _path(stage: Stage, rng: random.Random) -> tuple[list[tuple[Stage, str, int]], int]:
    """The stays that lead to ``stage`` as (stage, via, version), with the plan's version now. Some plans
    went round sign-off twice (changes requested on version 1), some were let past a gate by override."""
    target = ORDER.index(stage)
    loop = rng.random() < 0.15 and target >= ORDER.index(Stage.RECOMMENDATIONS)
    path: list[tuple[Stage, str, int]] = []
    version = 1
    for i, s in enumerate(ORDER[: target + 1]):
        via = "created" if i == 0 else ("override" if rng.random() < 0.04 else "advance")
        if s is Stage.SIGN_OFF and loop:
            path.append((s, via, 1))
            path.append((Stage.RECOMMENDATIONS, "changes_requested", 1))
            version = 2
            via = "advance"
        if s is Stage.RECOMMENDATIONS and loop and stage is Stage.RECOMMENDATIONS:
            path.append((s, via, 1))
            path.append((Stage.SIGN_OFF, "advance", 1))
            path.append((Stage.RECOMMENDATIONS, "changes_requested", 1))
            version = rng.choice([1, 2])  # revised yet, or not
            return path, version
        path.append((s, via, version))
    return path, version


def sketch_plans(orgs: list[Org], scale: Scale, seed: int, now: datetime, first_id: int) -> list[PlanSketch]:
    rng = _rng(seed, "plans")
    sketches = []
    for i, stage in enumerate(_stages(scale.plans, rng)):
        org = orgs[rng.randrange(len(orgs))]
        path, version = _path(stage, rng)
        # walk back from now: the current stay began a while ago, each earlier one before that
        starts = [now - timedelta(seconds=rng.randrange(CURRENT_DAYS[stage] * 86400))]
        for s, _, _ in reversed(path[:-1]):
            low, high = PAST_DAYS[s]
            starts.append(starts[-1] - timedelta(seconds=rng.randrange(low * 86400, high * 86400)))
        starts.reverse()
        stays = [
            Stay(n + 1, s, v, via, starts[n], starts[n + 1] if n + 1 < len(path) else None)
            for n, (s, via, v) in enumerate(path)
        ]
        quorum = rng.choices(
            [(QuorumKind.ALL, None), (QuorumKind.MAJORITY, None), (QuorumKind.N_OF_M, 2)], weights=[7, 2, 1]
        )[0]
        people = rng.sample(org.citizens, min(len(org.citizens), 11))
        k = rng.randint(2, 5)
        sketches.append(
            PlanSketch(
                id=first_id + i,
                org=org,
                coordinator_id=rng.choice(org.coordinators),
                stays=stays,
                version=version,
                quorum=quorum,
                citizens=people[:k],
                staff=rng.sample(org.managers, min(len(org.managers), rng.randint(2, 5))),
                approvers=rng.sample(org.approvers, min(len(org.approvers), rng.randint(3, 5))),
                panel=people[k : k + rng.randint(3, 6)],
                progress=rng.random(),
            )
        )
    return sketches


def write_plans(w: Writer, sketches: list[PlanSketch], now: datetime, seed: int) -> None:
    rng = _rng(seed, "plan-rows")
    rows = []
    for p in sketches:
        created = p.stays[0].entered_at
        delivery = p.last_stay(Stage.DELIVERY)
        starts_on = delivery.entered_at.date() if delivery else (created + timedelta(days=200)).date()
        rows.append(
            {
                "id": p.id,
                "uid": f"{rng.getrandbits(128):032x}",
                "organisation_id": p.org.id,
                "slug": f"national-{p.id:06d}",
                "title": f"{rng.choice(SERVICES)} citizen voice plan {p.id} ({p.org.name})",
                "summary": "A co-produced learning and action plan (generated for the national-scale benchmark).",
                "coordinator_id": p.coordinator_id,
                "stage": p.stage,
                "stage_entered_at": p.current.entered_at,
                "stage_entry_no": p.current.entry_no,
                "version": p.version,
                "version_frozen": p.reached(Stage.SIGN_OFF) and p.stage is not Stage.RECOMMENDATIONS,
                "quorum_kind": p.quorum[0],
                "quorum_n": p.quorum[1],
                "starts_on": starts_on,
                "checkpoint_months": 3,
                "checkpoints_planned": 4,
                "survey_target_rate": 0.6,
                "survey_days": SURVEY_DAYS,
                "survey_template": {"title": "Citizen voice staff survey", "questions": QUESTIONS},
                "created_at": created,
            }
        )
        w.event(p.id, "plan_created", created, 1, dedupe_key=f"plan:{p.id}:created", stage="vision", version=1)
    w.write(Plan, rows)


def write_history(w: Writer, sketches: list[PlanSketch], seed: int) -> None:
    """Stage entries, the overrides that let some moves happen (and a few pending), and their events."""
    rng = _rng(seed, "history")
    entries, overrides = [], []
    for p in sketches:
        for prev, stay in zip([None, *p.stays], p.stays, strict=False):
            entries.append(
                {
                    "plan_id": p.id,
                    "entry_no": stay.entry_no,
                    "stage": stay.stage,
                    "version": stay.version,
                    "via": stay.via,
                    "entered_at": stay.entered_at,
                    "left_at": stay.left_at,
                }
            )
            if prev is None:
                continue
            reasons = [f"the {prev.stage.label.lower()} gate was not met"] if stay.via == "override" else []
            if stay.via == "override":
                overrides.append(_override(p, prev, stay.entered_at - timedelta(hours=2), stay.entered_at, reasons))
            w.event(
                p.id,
                "stage_changed",
                stay.entered_at,
                stay.version,
                dedupe_key=f"plan:{p.id}:entry:{stay.entry_no}",
                **{"from": prev.stage.value, "to": stay.stage.value, "via": stay.via, "overridden_reasons": reasons},
            )
        if p.stage is not Stage.CLOSED and rng.random() < 0.02:
            at = _between(rng, p.current.entered_at, p.current.entered_at + timedelta(days=3))
            overrides.append(_override(p, p.current, at, None, ["waiting on a gate the coordinator judged met"]))
    w.write(StageEntry, entries)
    w.write(GateOverride, overrides)
    for o in overrides:
        w.event(
            o["plan_id"],
            "gate_overridden",
            o["at"],
            o["version"],
            actor_id=o["by_id"],
            dedupe_key=f"plan:{o['plan_id']}:override:{o['entry_no']}",
            reason=o["reason"],
        )


def _override(p: PlanSketch, stay: Stay, at: datetime, used: datetime | None, reasons: list[str]) -> dict[str, Any]:
    return {
        "plan_id": p.id,
        "entry_no": stay.entry_no,
        "stage": stay.stage,
        "version": stay.version,
        "reason": "The working party agreed to move on; the missing piece follows within the month.",
        "overridden_reasons": reasons,
        "by_id": p.coordinator_id,
        "at": at,
        "used_at": used,
    }


def write_members(w: Writer, sketches: list[PlanSketch]) -> None:
    def rows() -> Iterator[dict[str, Any]]:
        for p in sketches:
            for who, capacity, kind in (
                *((c, Capacity.WORKING_PARTY, MemberKind.CITIZEN) for c in p.citizens),
                *((s, Capacity.WORKING_PARTY, MemberKind.STAFF) for s in p.staff),
                *((a, Capacity.APPROVER, None) for a in p.approvers),
                *((c, Capacity.CITIZEN_PANEL, None) for c in p.panel),
            ):
                yield {"plan_id": p.id, "person_id": who, "capacity": capacity, "member_kind": kind}

    w.write(PlanMember, rows())


def write_vision(w: Writer, sketches: list[PlanSketch], seed: int) -> None:
    """Past the vision stage: statements by a citizen and a staff member of both kinds, everyone agreed.
    At it: as far as the plan's progress goes (some statements, some agreements)."""
    rng = _rng(seed, "vision")
    statements: list[dict[str, Any]] = []
    agreements: list[dict[str, Any]] = []
    for p in sketches:
        vision = p.stays[0]
        end = vision.left_at or p.current.entered_at + timedelta(days=1)
        done = p.past(Stage.VISION)
        kinds = [StatementKind.ASPIRATION, StatementKind.CURRENT_STATE]
        writers = [(p.citizens, 0.3), (p.staff, 0.5)]
        for i, (pool, bar) in enumerate(writers):
            if not done and p.progress < bar:
                continue
            for kind in kinds if done or p.progress > 0.6 else kinds[i : i + 1]:
                author = rng.choice(pool)
                at = _between(rng, vision.entered_at, end - timedelta(hours=1))
                text_ = f"{'We want' if kind is StatementKind.ASPIRATION else 'Today'}: statement {len(statements)}"
                statements.append({"plan_id": p.id, "author_id": author, "kind": kind, "text": text_, "created_at": at})
                w.event(p.id, "vision_statement_added", at, 1, actor_id=author, kind=kind.value)
        for who in p.citizens + p.staff:
            if done or rng.random() < p.progress:
                at = _between(rng, vision.entered_at, end - timedelta(minutes=5))
                agreements.append({"plan_id": p.id, "person_id": who, "agreed_at": at})
                w.event(p.id, "vision_agreed", at, 1, actor_id=who)
    w.write(VisionStatement, statements)
    w.write(VisionAgreement, agreements)


# surveys ---------------------------------------------------------------------------------------------


def write_survey_counters(w: Writer, survey_ids: list[int]) -> None:
    """The counters the intake keeps and the rates read: each team's eligible headcount when its survey
    opened, and responses per team and day; derived set-wise from the rows just written (as migration
    0003 backfills them), for these surveys only."""
    if not survey_ids:
        return
    bounds = {"lo": min(survey_ids), "hi": max(survey_ids)}
    snapshot = w.conn.execute(
        text(
            "INSERT INTO survey_teams (survey_id, team_id, eligible) "
            "SELECT s.id, t.id, t.eligible_headcount FROM surveys s JOIN plans p ON p.id = s.plan_id "
            "JOIN teams t ON t.organisation_id = p.organisation_id "
            "WHERE t.eligible_headcount > 0 AND s.id BETWEEN :lo AND :hi"
        ),
        bounds,
    )
    days = w.conn.execute(
        text(
            "INSERT INTO survey_team_days (survey_id, team_id, day, responses) "
            "SELECT survey_id, team_id, answered_on, count(*) FROM survey_responses "
            "WHERE survey_id BETWEEN :lo AND :hi GROUP BY survey_id, team_id, answered_on"
        ),
        bounds,
    )
    w.rows["survey_teams"] += snapshot.rowcount
    w.rows["survey_team_days"] += days.rowcount


def write_surveys(w: Writer, sketches: list[PlanSketch], scale: Scale, seed: int, now: datetime) -> list[int]:
    """Baseline surveys of plans that reached the evidence survey, repeat surveys of plans that reached
    the repeat survey; open while the plan is in that stage. Responses are spread over the plan's
    organisation's teams by headcount; closed surveys carry their findings (computed by ``evaluation``).
    Returns the surveys' ids."""
    rng = _rng(seed, "surveys")
    sid = w.next_id(Survey)
    baselines: list[dict[str, Any]] = []
    repeats: list[dict[str, Any]] = []
    owner: dict[int, PlanSketch] = {}
    base_of: dict[int, int] = {}
    for kind, stage, out in (
        (SurveyKind.BASELINE, Stage.EVIDENCE_SURVEY, baselines),
        (SurveyKind.REPEAT, Stage.REPEAT_SURVEY, repeats),
    ):
        for p in sketches:
            stay = p.last_stay(stage)
            if stay is None:
                continue
            opens = stay.entered_at + timedelta(minutes=1)
            out.append(
                {
                    "id": sid,
                    "plan_id": p.id,
                    "kind": kind,
                    "title": f"Citizen voice staff survey ({kind.value})",
                    "questions": QUESTIONS,
                    "target_rate": 0.6,
                    "opens_at": opens,
                    "closes_at": opens + timedelta(days=SURVEY_DAYS),
                    "closed_at": stay.left_at - timedelta(minutes=1) if stay.left_at else None,
                    "baseline_id": base_of.get(p.id) if kind is SurveyKind.REPEAT else None,
                }
            )
            if kind is SurveyKind.BASELINE:
                base_of[p.id] = sid
            owner[sid] = p
            w.event(p.id, "survey_opened", opens, stay.version, dedupe_key=f"plan:{p.id}:survey:{kind.value}:opened")
            sid += 1
    w.write(Survey, baselines + repeats)  # baselines first: repeats point at them

    answers: dict[int, list[dict[str, str]]] = {}

    def responses() -> Iterator[dict[str, Any]]:
        for s in baselines + repeats:
            p = owner[s["id"]]
            n = scale.responses_per_closed_survey if s["closed_at"] else scale.responses_per_open_survey
            end = s["closed_at"] or now
            span = max(0, (end.date() - s["opens_at"].date()).days)
            cum = list(_cumulative(p.org.headcounts))
            teams = rng.choices(p.org.leaf_teams, cum_weights=cum, k=n)
            kept = answers.setdefault(s["id"], []) if s["closed_at"] else None
            for team in teams:
                given = _answers(rng)
                if kept is not None:
                    kept.append(given)
                day = s["opens_at"].date() + timedelta(days=rng.randint(0, span))
                yield {"survey_id": s["id"], "team_id": team, "answered_on": day, "answers": given}

    w.write(SurveyResponse, responses())
    write_survey_counters(w, [s["id"] for s in baselines + repeats])
    found: list[dict[str, Any]] = []
    questions = [Question(q["id"], frozenset(q["positive"])) for q in QUESTIONS]
    by_survey = {s["id"]: s for s in baselines + repeats}
    results = {sid_: findings(questions, given, REPORTING_THRESHOLD) for sid_, given in answers.items()}
    for sid_, result in results.items():
        s = by_survey[sid_]
        before = {f.question_id: f for f in results.get(s["baseline_id"] or -1, [])}
        for f in result:
            change = None
            if s["kind"] is SurveyKind.REPEAT:
                b = before.get(f.question_id)
                if b is None or b.suppressed or f.suppressed:
                    change = {"comparable": True, "suppressed": True}
                else:
                    c = two_proportion_change(b.positive, b.responses, f.positive, f.responses)
                    change = {"comparable": True, "suppressed": False, **asdict(c)}
            found.append({"survey_id": sid_, **asdict(f), "change": change})
        p = owner[sid_]
        w.event(p.id, "survey_closed", s["closed_at"], p.version, dedupe_key=f"plan:{p.id}:survey:{s['kind']}:closed")
    w.write(SurveyFinding, found)
    return [s["id"] for s in baselines + repeats]


def _cumulative(values: list[int]) -> Iterator[int]:
    total = 0
    for v in values:
        total += v
        yield total


def _answers(rng: random.Random) -> dict[str, str]:
    return {q["id"]: rng.choices(q["answers"], weights=ANSWER_WEIGHTS[len(q["answers"])])[0] for q in QUESTIONS}


# recommendations and sign-off -----------------------------------------------------------------------


def write_recommendations(w: Writer, sketches: list[PlanSketch], seed: int) -> None:
    """Plans that reached recommendations have 3-7, each linked to 1-3 findings or themes (at the
    recommendations stage some are not linked yet, which the gate reports)."""
    rng = _rng(seed, "recommendations")
    rid = w.next_id(Recommendation)
    recs, links = [], []
    refs = [(EvidenceKind.FINDING, q["id"]) for q in QUESTIONS] + [(EvidenceKind.THEME, t) for t in THEMES]
    for p in sketches:
        stay = p.last_stay(Stage.RECOMMENDATIONS)
        if stay is None:
            continue
        at = stay.entered_at + timedelta(days=3)
        for pos in range(1, rng.randint(3, 7) + 1):
            recs.append(
                {
                    "id": rid,
                    "plan_id": p.id,
                    "position": pos,
                    "title": f"Recommendation {pos}: {rng.choice(THEMES)}",
                    "detail": "What we will do, who does it and by when.",
                }
            )
            if p.stage is not Stage.RECOMMENDATIONS or rng.random() < 0.8:
                for kind, ref in rng.sample(refs, rng.randint(1, 3)):
                    links.append({"recommendation_id": rid, "kind": kind, "ref": ref})
            rid += 1
        w.event(p.id, "recommendations_edited", at, p.version, actor_id=p.coordinator_id)
        if p.version > 1:
            w.event(p.id, "version_created", at, p.version, actor_id=p.coordinator_id)
    w.write(Recommendation, recs)
    w.write(EvidenceLink, links)


def write_sign_off(w: Writer, sketches: list[PlanSketch], seed: int, now: datetime) -> None:
    """A round per sign-off stay: closed (approved, or changes requested) once the plan left it; open
    with some decisions while it is in sign-off, past its deadline for those who have waited 14 days."""
    rng = _rng(seed, "sign-off")
    rnd_id = w.next_id(SignOffRound)
    rounds, decisions = [], []
    for p in sketches:
        for stay in (s for s in p.stays if s.stage is Stage.SIGN_OFF):
            back = stay.left_at is not None and p.stays[stay.entry_no].via == "changes_requested"
            outcome = None if stay.left_at is None else ("changes_requested" if back else "approved")
            rounds.append(
                {
                    "id": rnd_id,
                    "plan_id": p.id,
                    "version": stay.version,
                    "content_hash": f"{rng.getrandbits(256):064x}",
                    "opened_at": stay.entered_at,
                    "deadline": stay.entered_at + timedelta(days=SIGN_OFF_DAYS),
                    "closed_at": stay.left_at,
                    "outcome": outcome,
                }
            )
            w.event(
                p.id,
                "sign_off_requested",
                stay.entered_at,
                stay.version,
                dedupe_key=f"plan:{p.id}:round:v{stay.version}",
            )
            end = stay.left_at or now
            for n, who in enumerate(p.approvers):
                if outcome is None and rng.random() > p.progress:
                    continue  # not decided yet
                decision = (
                    Decision.REQUEST_CHANGES
                    if (back and n == 0) or (outcome is None and rng.random() < 0.03)
                    else Decision.APPROVE
                )
                at = _between(rng, stay.entered_at, end - timedelta(minutes=1))
                decisions.append(
                    {
                        "round_id": rnd_id,
                        "plan_id": p.id,
                        "approver_id": who,
                        "version": stay.version,
                        "decision": decision,
                        "comment": "" if decision is Decision.APPROVE else "Please tie recommendation 2 to evidence.",
                        "at": at,
                    }
                )
                w.event(p.id, "sign_off_decision", at, stay.version, actor_id=who, decision=decision.value)
            rnd_id += 1
    w.write(SignOffRound, rounds)
    w.write(SignOffDecision, decisions)


# delivery and evaluation ----------------------------------------------------------------------------


def write_evaluation(w: Writer, sketches: list[PlanSketch], seed: int, now: datetime) -> None:
    """Checkpoints for plans that reached delivery (some past due and unrecorded while delivering),
    expectations, summative reports and citizen panel reviews (with an unanswered challenge or two)."""
    rng = _rng(seed, "evaluation")
    checkpoints, expectations, reports, reviews = [], [], [], []
    for p in sketches:
        delivery = p.last_stay(Stage.DELIVERY)
        if delivery is None:
            continue
        done = p.past(Stage.DELIVERY)
        for number, due in enumerate(checkpoint_dates(delivery.entered_at.date(), 3, 4), start=1):
            due_at = datetime(due.year, due.month, due.day, 12, tzinfo=UTC)
            recorded: datetime | None = None
            if done:
                assert delivery.left_at is not None
                recorded = min(due_at + timedelta(days=rng.randint(0, 14)), delivery.left_at - timedelta(hours=1))
            elif due_at < now and rng.random() < 0.65:
                recorded = min(due_at + timedelta(days=rng.randint(0, 20)), now - timedelta(hours=1))
            checkpoints.append(
                {
                    "plan_id": p.id,
                    "number": number,
                    "due_on": due,
                    "recorded_at": recorded,
                    "what_we_did": "Ran two workshops with the citizen panel." if recorded else "",
                    "what_we_learned": "People want feedback within a month." if recorded else "",
                    "what_we_will_change": "Send a 'you said, we did' note." if recorded else "",
                    "attendance": rng.randint(5, 40) if recorded else None,
                }
            )
            if recorded:
                w.event(p.id, "checkpoint_recorded", recorded, p.version, actor_id=p.coordinator_id)
        summative = p.last_stay(Stage.SUMMATIVE_EVALUATION)
        judged = p.past(Stage.SUMMATIVE_EVALUATION)
        for n in range(rng.randint(2, 5)):
            judge = judged or (summative is not None and rng.random() < 0.5)
            expectations.append(
                {
                    "plan_id": p.id,
                    "stakeholder_id": rng.choice(p.approvers + p.panel),
                    "text": f"Expectation {n + 1}: staff involve citizens in planning",
                    "measure": "survey question S1, % positive",
                    "level": rng.randint(1, 4),
                    "target": "+10 points",
                    "judgement": rng.choice(list(Judgement)) if judge else None,
                    "evidence": "baseline and repeat survey" if judge else "",
                }
            )
        w.event(p.id, "expectation_added", delivery.entered_at + timedelta(days=7), p.version)
        if summative is None:
            continue
        end = summative.left_at or now
        if judged or rng.random() < 0.4:
            at = _between(rng, summative.entered_at, end - timedelta(hours=2))
            reports.append(
                {
                    "plan_id": p.id,
                    "what_we_did": "Delivered the plan over twelve months.",
                    "what_we_learned": "Involvement grows when people see what changed.",
                    "pleased_about": "Citizens co-chaired every checkpoint.",
                    "could_have_been_different": "Start the repeat survey earlier.",
                    "recorded_at": at,
                }
            )
            w.event(p.id, "summative_report_written", at, p.version, actor_id=p.coordinator_id)
            for member in p.panel:
                if not judged and rng.random() < 0.5:
                    continue
                verdict = (
                    Verdict.CHALLENGE
                    if not judged and rng.random() < 0.2
                    else rng.choice([Verdict.ENDORSE, Verdict.COMMENT])
                )
                review_at = _between(rng, at, end - timedelta(hours=1))
                reviews.append(
                    {
                        "plan_id": p.id,
                        "member_id": member,
                        "output": SUMMATIVE_OUTPUT,
                        "verdict": verdict,
                        "text": "Reviewed with the panel.",
                        "at": review_at,
                        "response": None,
                        "responded_by_id": None,
                        "responded_at": None,
                    }
                )
                w.event(p.id, "panel_reviewed", review_at, p.version, actor_id=member, verdict=verdict.value)
    w.write(Checkpoint, checkpoints)
    w.write(Expectation, expectations)
    w.write(SummativeReport, reports)
    w.write(PanelReview, reviews)


# the whole ----------------------------------------------------------------------------------------


def _sequences_past_ids(conn: Connection, tables: Iterable[str]) -> None:
    for name in tables:
        conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), (SELECT max(id) FROM {name}))"))


def seed(
    url: str,
    *,
    plans: int = 1000,
    organisations: int = 200,
    teams: int = 60000,
    seed: int = 1,
    now: datetime | None = None,
    responses_per_open_survey: int = 200,
    responses_per_closed_survey: int = 40,
    staff: bool = True,
    secret: bytes | None = None,
) -> SeedSummary:
    """Migrate ``url`` to head and write national-scale data into it (one transaction). ``staff``: also the
    staff lists and the open surveys' invitations, their tokens derived from ``secret`` (default: the
    server's, ``settings.resolved_secret_key()``)."""
    from plans.db import engine_for
    from plans.migrations import upgrade

    if teams < 2 * organisations:
        raise ValueError("teams: at least two per organisation (a directorate and a team)")
    scale = Scale(
        plans=plans,
        organisations=organisations,
        teams=teams,
        responses_per_open_survey=responses_per_open_survey,
        responses_per_closed_survey=responses_per_closed_survey,
        staff=staff,
    )
    if staff and secret is None:
        from plans.config import settings

        secret = settings.resolved_secret_key()
    now = now or datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    started = time.monotonic()
    upgrade(url)
    engine = engine_for(url)
    with engine.begin() as conn:
        w = Writer(conn)
        orgs = write_organisations(w, scale, seed)
        write_teams(w, orgs, scale, seed)
        write_people(w, orgs, scale, seed)
        staff_lists = write_staff(w, orgs, seed) if staff else {}
        sketches = sketch_plans(orgs, scale, seed, now, w.next_id(Plan))
        write_plans(w, sketches, now, seed)
        write_history(w, sketches, seed)
        write_members(w, sketches)
        write_vision(w, sketches, seed)
        survey_ids = write_surveys(w, sketches, scale, seed, now)
        if staff:
            assert secret is not None
            write_invitations(w, staff_lists, survey_ids, secret)
        write_recommendations(w, sketches, seed)
        write_sign_off(w, sketches, seed, now)
        write_evaluation(w, sketches, seed, now)
        w.audit.sort(key=lambda e: (e["at"], e["plan_id"]))
        w.write(AuditEvent, w.audit)
        if engine.dialect.name == "postgresql":
            _sequences_past_ids(
                conn,
                [
                    "organisations",
                    "people",
                    "teams",
                    "staff_members",
                    "plans",
                    "surveys",
                    "recommendations",
                    "sign_off_rounds",
                ],
            )
    if engine.dialect.name == "postgresql":
        # as autovacuum would after a bulk load; only our tables (resolved in the URL's search_path)
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("ANALYZE " + ", ".join(t.name for t in Base.metadata.sorted_tables)))
    stages = Counter(p.stage.value for p in sketches)
    sign_off = next((p.id for p in sketches if p.stage is Stage.SIGN_OFF), None)
    return SeedSummary(
        url=url,
        seed=seed,
        now=now,
        scale=scale,
        rows=dict(w.rows),
        stages={s.value: stages.get(s.value, 0) for s in Stage},
        seconds=time.monotonic() - started,
        sign_off_plan_id=sign_off,
    )


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.national", description=__doc__.split("\n")[0])
    ap.add_argument("url", help="SQLAlchemy URL of an empty (or migrated) database")
    ap.add_argument("--plans", type=int, default=1000)
    ap.add_argument("--organisations", type=int, default=200)
    ap.add_argument("--teams", type=int, default=60000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--no-staff", action="store_true", help="without staff lists and invitations (much quicker)")
    a = ap.parse_args(argv)
    summary = seed(
        a.url, plans=a.plans, organisations=a.organisations, teams=a.teams, seed=a.seed, staff=not a.no_staff
    )
    print(summary.describe())
    return 0


if __name__ == "__main__":
    sys.exit(main())
