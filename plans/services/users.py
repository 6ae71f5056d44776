"""People who sign in: adding them with their roles, setting passwords, and issuing a sign-in link by
hand (for the first coordinator, or when email is not set up yet)."""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from datetime import datetime, timedelta

from email_validator import EmailNotValidError, validate_email
from sqlalchemy.orm import Session

from plans.config import settings
from plans.domain.errors import InvalidInput, NotFound
from plans.models import Person, Role, SignInLink
from plans.repositories.access import AccessRepository
from plans.repositories.people import PeopleRepository
from plans.services.auth import hash_password, normalise_email, token_hash

MIN_PASSWORD = 12
MAX_PASSWORD = 1024


def check_password(password: str) -> None:
    """A password long enough to resist guessing (NCSC: length over complexity rules)."""
    if len(password) < MIN_PASSWORD:
        raise InvalidInput(f"password: use at least {MIN_PASSWORD} characters (three random words work well)")
    if len(password) > MAX_PASSWORD:
        raise InvalidInput(f"password: use at most {MAX_PASSWORD} characters")
    if len(set(password)) < 4:
        raise InvalidInput("password: it repeats too few characters to be hard to guess")


def add_user(
    session: Session, *, email: str, name: str, roles: Iterable[Role], password: str | None, now: datetime
) -> tuple[Person, bool]:
    """The person with this email, created if new, with these roles added (and the password set if
    given); returns (person, created?)."""
    try:
        address = validate_email(email.strip(), check_deliverability=False).normalized
    except EmailNotValidError as exc:
        raise InvalidInput(f"email: {exc}") from exc
    if password is not None:
        check_password(password)
    repo = PeopleRepository(session)
    person = repo.people_by_email([address]).get(address.lower())
    created = person is None
    if person is None:
        if not name.strip():
            raise InvalidInput("name: a new person needs a name")
        person = repo.add_person(Person(email=address, name=name.strip()))
    repo.grant(person.id, roles)
    if password is not None:
        AccessRepository(session).set_password_hash(person.id, hash_password(password), now)
        AccessRepository(session).end_sessions_of(person.id, now)
    return person, created


def issue_sign_in_link(session: Session, *, email: str, now: datetime) -> str:
    """A single-use sign-in link for a person, returned rather than emailed (for an administrator to
    pass on by hand)."""
    person = PeopleRepository(session).people_by_email([normalise_email(email)]).get(normalise_email(email))
    if person is None:
        raise NotFound(f"email: nobody has the address {email}")
    token = secrets.token_urlsafe(32)
    AccessRepository(session).add_link(
        SignInLink(
            token_hash=token_hash(token),
            person_id=person.id,
            created_at=now,
            expires_at=now + timedelta(minutes=settings.sign_in_link_minutes),
        )
    )
    return f"{settings.resolved_public_url()}/sign-in/link/{token}"
