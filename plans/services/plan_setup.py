"""Creating a plan from a validated plan file, in the caller's one transaction: organisation, teams,
people and roles are upserted (two plans of one council share them), the plan and its members are
new. Any refusal raises before the caller commits, so nothing is half-written."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from plans.domain.errors import InvalidInput
from plans.domain.stages import Stage
from plans.models import Capacity, Person, Plan, Role, StatementKind, Team
from plans.repositories.audit import AuditRepository
from plans.repositories.people import PeopleRepository
from plans.repositories.plans import PlanRepository
from plans.schemas import PlanFile
from plans.services.actors import Actor
from plans.services.lifecycle import wake_if_ready


def create_plan(session: Session, *, spec: PlanFile, actor: Actor, now: datetime) -> Plan:
    """Write the plan a plan file declares; the first lifecycle run starts once it is committed."""
    plans = PlanRepository(session)
    existing = plans.by_slug(spec.plan.slug)
    if existing is not None:
        raise InvalidInput(f"plan.slug: a plan called {spec.plan.slug!r} already exists (plan {existing.id})")
    people = PeopleRepository(session)
    org = people.upsert_organisation(code=spec.organisation.code, name=spec.organisation.name)

    by_email = people.people_by_email(p.email for p in spec.people)
    for p in spec.people:
        person = by_email.get(p.email.lower())
        if person is None:
            person = people.add_person(
                Person(organisation_id=org.id, email=p.email.lower(), name=p.name, job_title=p.job_title)
            )
            by_email[p.email.lower()] = person
        else:
            person.name, person.job_title = p.name, p.job_title or person.job_title
        people.grant(person.id, (Role(r) for r in p.roles))

    teams = people.teams_by_code(org.id)
    for t in spec.teams:
        team = teams.get(t.code) or people.add_team(Team(organisation_id=org.id, code=t.code, name=t.name))
        team.name, team.eligible_headcount = t.name, t.eligible_headcount
        team.manager_id = by_email[t.manager.lower()].id if t.manager else None
        teams[t.code] = team
    for t in spec.teams:
        teams[t.code].parent_id = teams[t.parent].id if t.parent else None
    for t in spec.teams:
        if t.manager:
            people.grant(by_email[t.manager.lower()].id, [Role.MANAGER])

    survey = spec.plan.survey
    plan = plans.add(
        Plan(
            organisation_id=org.id,
            slug=spec.plan.slug,
            title=spec.plan.title,
            summary=spec.plan.summary,
            coordinator_id=by_email[spec.coordinator.lower()].id,
            stage=Stage.VISION,
            stage_entered_at=now,
            stage_entry_no=1,
            version=1,
            version_frozen=False,
            quorum_kind=spec.plan.quorum.kind,
            quorum_n=spec.plan.quorum.n,
            starts_on=spec.plan.starts_on,
            checkpoint_months=spec.plan.checkpoints.every_months,
            checkpoints_planned=spec.plan.checkpoints.count,
            survey_target_rate=survey.target_rate,
            survey_days=survey.days,
            survey_template=survey.model_dump(mode="json"),
            created_at=now,
        )
    )
    plans.add_entry(plan, "created", now)
    for m in spec.working_party:
        plans.add_member(plan.id, by_email[m.email.lower()].id, Capacity.WORKING_PARTY, m.as_)
    for email in dict.fromkeys(e.lower() for e in spec.approvers):
        plans.add_member(plan.id, by_email[email].id, Capacity.APPROVER)
        people.grant(by_email[email].id, [Role.APPROVER])
    for email in dict.fromkeys(e.lower() for e in spec.citizen_panel):
        plans.add_member(plan.id, by_email[email].id, Capacity.CITIZEN_PANEL)
        people.grant(by_email[email].id, [Role.CITIZEN_PANEL])

    audit = AuditRepository(session)
    audit.record(
        plan_id=plan.id,
        kind="plan_created",
        actor=actor.label,
        actor_id=actor.person_id,
        plan_version=1,
        at=now,
        data={"stage": Stage.VISION.value, "version": 1, "slug": plan.slug},
        dedupe_key=f"plan:{plan.id}:created",
    )
    for s in spec.vision:
        author = by_email[s.author.lower()]
        st = plans.add_statement(plan.id, author.id, StatementKind(s.kind), s.text, now)
        audit.record(
            plan_id=plan.id,
            kind="vision_statement_added",
            actor=f"{author.name} <{author.email}>",
            actor_id=author.id,
            plan_version=1,
            at=now,
            data={"statement_id": st.id, "kind": s.kind, "text": s.text, "from_file": True},
        )
    # like any decision, a new plan wakes the lifecycle flow only if a run would do something: a plan at
    # its vision gate waits for the working party (measured: one run in twelve moved nothing, bench.throughput)
    wake_if_ready(session, plan_id=plan.id, cause="created", now=now)
    return plan
