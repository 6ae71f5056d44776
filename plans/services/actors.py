"""Who is acting: a person (with their roles) or the system, as recorded in the audit log."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from plans.domain.errors import NotFound, NotPermitted
from plans.models import Role
from plans.repositories.people import PeopleRepository


@dataclass(frozen=True)
class Actor:
    person_id: int | None
    label: str
    roles: frozenset[Role] = frozenset()

    def require(self, role: Role, action: str) -> None:
        """Raise ``NotPermitted`` unless the actor holds ``role`` (admins hold every role)."""
        if role not in self.roles and Role.ADMIN not in self.roles:
            raise NotPermitted(f"{action} needs the {role.value} role; {self.label} does not have it")


SYSTEM = Actor(None, "coproduce", frozenset())


def actor_for(session: Session, person_id: int) -> Actor:
    """The actor for a person, with the roles they hold now."""
    repo = PeopleRepository(session)
    person = repo.get_person(person_id)
    if person is None:
        raise NotFound(f"person {person_id} does not exist")
    return Actor(person.id, f"{person.name} <{person.email}>", frozenset(repo.roles_of(person.id)))


def actor_by_email(session: Session, email: str) -> Actor:
    """The actor for the person with this email address."""
    person = PeopleRepository(session).people_by_email([email]).get(email.lower())
    if person is None:
        raise NotFound(f"no person with email {email}")
    return actor_for(session, person.id)
