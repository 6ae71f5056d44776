"""Outbox messages for the delivery tests, and a sender run in a real subprocess (so a fault point
kills a real process: no cleanup, no rollback)."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import datetime
from pathlib import Path

from plans.config import settings
from plans.db import session_scope
from plans.repositories.outbox import OutboxRepository
from plans.services.outbox import SURVEY_LINK_PLACEHOLDER, render
from tests.conftest import Database

ROOT = Path(__file__).resolve().parent.parent
SHARED_TEXT = f"Please answer the staff survey: {SURVEY_LINK_PLACEHOLDER}\n"


def add_messages(count: int, now: datetime, *, shared: bool = False, prefix: str = "m") -> list[int]:
    """``count`` due messages to person{i}@example.org: sign-in links with their own words, or (shared)
    one stored body with a personal survey link per message; their ids, oldest first."""
    with session_scope() as s:
        repo = OutboxRepository(s)
        if shared:
            body_id = repo.body_id(
                "Staff survey", SHARED_TEXT, f"<p><a href='{SURVEY_LINK_PLACEHOLDER}'>Answer</a></p>"
            )
            words: dict[str, object] = {"body_id": body_id}
        else:
            own = render("sign_in_link", name="Pat", link="https://example.org/sign-in/link/x", minutes=15)
            words = {"subject": own.subject, "body_text": own.text, "body_html": own.html}
        repo.add_many(
            [
                {
                    "idempotency_key": f"{prefix}:{i}",
                    "kind": "survey_invitation" if shared else "sign_in_link",
                    "to_address": f"person{i}@example.org",
                    "link_ref": f"invitation:1:{i}" if shared else None,
                    "created_at": now,
                    "next_attempt_at": now,
                    "attempts": 0,
                    **words,
                }
                for i in range(count)
            ]
        )
    with session_scope() as s:
        return [m.id for m in OutboxRepository(s).pending(limit=count + 1000)]


def start_sender(
    db: Database, now: datetime, *, fault: str | None = None, batch: int = 500, connections: int = 1
) -> subprocess.Popen[str]:
    """``deliver_due(now)`` in a new Python process against this test's database and SMTP server.

    One SMTP connection unless asked: with several, the first thread at a fault point ends the process
    while the others may be mid-claim (their uncommitted claims roll back), so what a fault leaves depends
    on the threads' timing; a test of one kill point wants one sender."""
    env = {
        **os.environ,
        "COPRODUCE_DATABASE_URL": db.url,
        "COPRODUCE_SMTP_HOST": settings.smtp_host or "",
        "COPRODUCE_SMTP_PORT": str(settings.smtp_port),
        "COPRODUCE_DELIVERY_BATCH": str(batch),
        "COPRODUCE_DELIVERY_CONNECTIONS": str(connections),
    }
    env.pop("COPRODUCE_FAULT", None)
    if fault:
        env["COPRODUCE_FAULT"] = fault
    code = (
        "import sys; from datetime import datetime; from plans.delivery import deliver_due; "
        "print(deliver_due(datetime.fromisoformat(sys.argv[1])).as_dict())"
    )
    return subprocess.Popen(
        [sys.executable, "-c", code, now.isoformat()],
        env=env,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def run_sender(
    db: Database, now: datetime, *, fault: str | None = None, batch: int = 500, connections: int = 1
) -> tuple[int, str]:
    """The same, waited for: (exit code, stdout + stderr)."""
    process = start_sender(db, now, fault=fault, batch=batch, connections=connections)
    out, err = process.communicate(timeout=60)
    return process.returncode, out + err
