"""Email as part of a decision: rendered from templates and written to the outbox in the decision's own
transaction, once per idempotency key; sent afterwards, each message marked sent in its own transaction.

Sending (``plans.delivery``) cannot be exactly-once: if the SMTP server accepts a message and the
process dies before the mark is committed, the message is sent again later. The resend carries the
same ``Message-ID`` (it is derived from the idempotency key), so the duplicate is recognisable; the
window is one SMTP transaction plus one commit. See docs/email.md.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.utils import parseaddr
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from sqlalchemy.orm import Session

from plans.config import settings
from plans.models import OutboxMessage
from plans.repositories.outbox import OutboxRepository
from plans.services.survey_tokens import survey_url, token_for

TEMPLATES = Path(__file__).resolve().parent.parent / "emails"
MAX_BACKOFF = timedelta(hours=6)
# rendered into shared bodies where a personal survey link goes; replaced at send time, never stored
SURVEY_LINK_PLACEHOLDER = "https://survey-link.invalid/personal-link"

_env = Environment(
    loader=FileSystemLoader(TEMPLATES),
    autoescape=select_autoescape(enabled_extensions=("html",), default=False),
    undefined=StrictUndefined,
    keep_trailing_newline=True,
)


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str


def render(template: str, **context: Any) -> Rendered:
    """A message from ``emails/{template}.subject.txt``, ``.txt`` and ``.html`` (the HTML escaped)."""
    subject = _env.get_template(f"{template}.subject.txt").render(**context).strip()
    return Rendered(
        subject=" ".join(subject.split()),
        text=_env.get_template(f"{template}.txt").render(**context),
        html=_env.get_template(f"{template}.html").render(**context),
    )


def message_id_for(key: str) -> str:
    """A stable ``Message-ID`` for an idempotency key: a resend is recognisable as the same message."""
    domain = parseaddr(settings.mail_from)[1].rpartition("@")[2] or "coproduce.invalid"
    return f"<{hashlib.sha256(key.encode()).hexdigest()[:40]}@{domain}>"


def enqueue(
    session: Session, *, key: str, kind: str, to: str, template: str, now: datetime, **context: Any
) -> tuple[OutboxMessage, bool]:
    """Write a message to the outbox unless one with ``key`` is there already; (message, created?)."""
    body = render(template, **context)
    message = OutboxMessage(
        idempotency_key=key,
        kind=kind,
        to_address=to,
        subject=body.subject,
        body_text=body.text,
        body_html=body.html,
        created_at=now,
        next_attempt_at=now,
        attempts=0,
    )
    return OutboxRepository(session).add_once(message)


@dataclass(frozen=True)
class Recipient:
    """One addressee of a shared message: its idempotency key, address and personal survey link."""

    key: str
    to: str
    link_ref: str | None = None


def enqueue_shared(
    session: Session, *, kind: str, template: str, recipients: list[Recipient], now: datetime, **context: Any
) -> int:
    """Write one message per recipient with the same words, rendered once and stored once; a recipient
    whose key is already in the outbox is skipped. Personal links go in at send time (``link_ref``)."""
    if not recipients:
        return 0
    body = render(template, survey_link=SURVEY_LINK_PLACEHOLDER, **context)
    repo = OutboxRepository(session)
    body_id = repo.body_id(body.subject, body.text, body.html)
    return repo.add_many(
        [
            {
                "idempotency_key": r.key,
                "kind": kind,
                "to_address": r.to,
                "body_id": body_id,
                "link_ref": r.link_ref,
                "created_at": now,
                "next_attempt_at": now,
                "attempts": 0,
            }
            for r in recipients
        ]
    )


def content_of(session: Session, message: OutboxMessage) -> Rendered:
    """The words to send: the message's own or its shared body's, with its personal survey link."""
    own = Rendered(subject=message.subject or "", text=message.body_text or "", html=message.body_html or "")
    if message.body_id is not None:
        body = OutboxRepository(session).bodies([message.body_id]).get(message.body_id)
        if body is None:
            raise LookupError(f"outbox message {message.id}: body {message.body_id} is missing")
        own = Rendered(*body)
    return with_link(own, message.link_ref)


def with_link(content: Rendered, link_ref: str | None, secret: bytes | None = None) -> Rendered:
    """The content with the personal survey link named by ``link_ref`` in place of the placeholder."""
    if link_ref is None:
        return content
    link = survey_url(token_for(link_ref, secret))
    return Rendered(
        subject=content.subject,
        text=content.text.replace(SURVEY_LINK_PLACEHOLDER, link),
        html=content.html.replace(SURVEY_LINK_PLACEHOLDER, link),
    )


def retry_at(now: datetime, attempts: int) -> datetime:
    """When to try a message again after its ``attempts``-th failure: 1, 2, 4 ... minutes, at most 6 h."""
    return now + min(timedelta(minutes=2 ** min(attempts - 1, 20)), MAX_BACKOFF)
