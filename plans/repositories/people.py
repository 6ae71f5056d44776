"""Organisations, teams and people: lookups by code and email, and idempotent upserts for imports."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from plans.models import Organisation, Person, PersonRole, Plan, Role, Team


class PeopleRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def organisation_by_code(self, code: str) -> Organisation | None:
        return self.session.scalar(select(Organisation).where(Organisation.code == code))

    def organisation_names(self) -> dict[int, str]:
        return {oid: name for oid, name in self.session.execute(select(Organisation.id, Organisation.name))}

    def upsert_organisation(self, *, code: str, name: str) -> Organisation:
        """The organisation with this code, created or renamed to ``name``."""
        org = self.organisation_by_code(code)
        if org is None:
            org = Organisation(code=code, name=name)
            self.session.add(org)
        else:
            org.name = name
        self.session.flush()
        return org

    def teams_by_code(self, organisation_id: int) -> dict[str, Team]:
        stmt = select(Team).where(Team.organisation_id == organisation_id)
        return {t.code: t for t in self.session.scalars(stmt)}

    def add_team(self, team: Team) -> Team:
        self.session.add(team)
        self.session.flush()
        return team

    def people_by_email(self, emails: Iterable[str]) -> dict[str, Person]:
        wanted = list({e.lower() for e in emails})
        found: dict[str, Person] = {}
        for start in range(0, len(wanted), 500):
            stmt = select(Person).where(func.lower(Person.email).in_(wanted[start : start + 500]))
            found.update({p.email.lower(): p for p in self.session.scalars(stmt)})
        return found

    def get_person(self, person_id: int) -> Person | None:
        return self.session.get(Person, person_id)

    def add_person(self, person: Person) -> Person:
        self.session.add(person)
        self.session.flush()
        return person

    def roles_of(self, person_id: int) -> set[Role]:
        stmt = select(PersonRole.role).where(PersonRole.person_id == person_id)
        return set(self.session.scalars(stmt))

    def grant(self, person_id: int, roles: Iterable[Role]) -> None:
        """Give the person these roles (ones they already hold are left alone)."""
        have = self.roles_of(person_id)
        for role in set(roles) - have:
            self.session.add(PersonRole(person_id=person_id, role=role))
        self.session.flush()

    def eligible_headcount(self, organisation_id: int) -> dict[int, int]:
        """Eligible headcount per team id (only teams that have staff, not directorates' own rows)."""
        stmt = select(Team.id, Team.eligible_headcount).where(Team.organisation_id == organisation_id)
        return {tid: n for tid, n in self.session.execute(stmt) if n}

    def teams(self, organisation_id: int) -> Sequence[Team]:
        return self.session.scalars(
            select(Team).where(Team.organisation_id == organisation_id).order_by(Team.code)
        ).all()

    def team(self, team_id: int) -> Team | None:
        return self.session.get(Team, team_id)

    def manages(self, person_id: int, team_id: int) -> bool | None:
        """Whether the person manages the team or a team above it; None if there is no such team."""
        team = self.session.get(Team, team_id)
        if team is None:
            return None
        seen: set[int] = set()
        while team is not None and team.id not in seen:
            if team.manager_id == person_id:
                return True
            seen.add(team.id)
            team = self.session.get(Team, team.parent_id) if team.parent_id is not None else None
        return False

    def managed_team_ids(self, person_id: int) -> list[int]:
        """Teams the person manages and every team below them (one recursive query)."""
        tree = select(Team.id).where(Team.manager_id == person_id).cte("managed", recursive=True)
        tree = tree.union(select(Team.id).join(tree, Team.parent_id == tree.c.id))
        return sorted(self.session.scalars(select(tree.c.id)))

    def names_of_coordinators(self, plan_ids: list[int]) -> dict[int, str]:
        """Each plan's coordinator's name."""
        stmt = select(Plan.id, Person.name).join(Person, Person.id == Plan.coordinator_id).where(Plan.id.in_(plan_ids))
        return {pid: name for pid, name in self.session.execute(stmt)}
