"""Chase emails gathered per person and day: one letter to each person listing everything that reached
a rung for them today, rather than one email per team or plan.

A letter's idempotency key names the person, the day and a digest of what it lists (the chases and the
rungs taken), so a second run the same day, which finds nothing newly due, writes nothing, and a chase
that falls due later the same day (a survey opened in between) still gets its own letter."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy.orm import Session

from plans.config import settings
from plans.repositories.chasing import ChasingRepository, Contact
from plans.services.outbox import render


@dataclass
class Letter:
    """What one person is told today: items for the template, and the (chase subject, rung) lines
    the key is made from."""

    to: Contact
    items: list[dict[str, Any]] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)


class Letters:
    """Letters of one kind, built up item by item."""

    def __init__(self, kind: str, template: str, key_prefix: str) -> None:
        self.kind, self.template, self.key_prefix = kind, template, key_prefix
        self.by_person: dict[int, Letter] = {}

    def add(self, to: Contact, subject: str, rung: int, item: dict[str, Any]) -> None:
        """Put an item in ``to``'s letter (``subject`` and ``rung`` identify it in the key)."""
        letter = self.by_person.setdefault(to.id, Letter(to))
        letter.items.append(item)
        letter.lines.append(f"{subject}@{rung}")

    def key(self, letter: Letter, today: date) -> str:
        """The letter's idempotency key: person, day, and a digest of what it lists."""
        digest = hashlib.sha256("\n".join(sorted(letter.lines)).encode()).hexdigest()[:12]
        return f"{self.key_prefix}:{letter.to.id}:{today.isoformat()}:{digest}"

    def write(self, session: Session, *, today: date, now: datetime, **context: Any) -> int:
        """Render each letter not in the outbox yet and write it there; how many were new. Keys are looked
        up first, so a repeated run renders nothing."""
        repo = ChasingRepository(session)
        keyed = {self.key(letter, today): letter for letter in self.by_person.values()}
        done = repo.existing_keys(list(keyed))
        rows = []
        for key, letter in keyed.items():
            if key in done:
                continue
            body = render(self.template, name=letter.to.name, items=letter.items, **context)
            rows.append(
                {
                    "idempotency_key": key,
                    "kind": self.kind,
                    "to_address": letter.to.email,
                    "subject": body.subject,
                    "body_text": body.text,
                    "body_html": body.html,
                    "created_at": now,
                    "next_attempt_at": now,
                    "attempts": 0,
                }
            )
        repo.add_messages(rows)
        return len(rows)


def percent(rate: float) -> str:
    """A rate as people read it: 0.456 -> "46%"."""
    return f"{rate:.0%}"


def link(path: str) -> str:
    """An absolute link into the web app."""
    return f"{settings.resolved_public_url()}{path}"
