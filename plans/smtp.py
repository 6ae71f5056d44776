"""The SMTP transport: hands one outbox message to the configured server. The only module that speaks
SMTP; tests point it at a real in-process server (aiosmtpd)."""

from __future__ import annotations

import smtplib
from email.message import EmailMessage
from email.utils import format_datetime

from plans.config import Settings, settings
from plans.models import OutboxMessage
from plans.services.outbox import Rendered, message_id_for


class MailNotConfigured(RuntimeError):
    """No SMTP server is configured: messages wait in the outbox until one is."""


def build(message: OutboxMessage, content: Rendered, cfg: Settings) -> EmailMessage:
    """The MIME message: plain text with an HTML alternative, under the stable Message-ID derived from
    the outbox key (a resend after a crash carries the same one)."""
    mime = EmailMessage()
    mime["From"] = cfg.mail_from
    mime["To"] = message.to_address
    mime["Subject"] = content.subject
    mime["Message-ID"] = message_id_for(message.idempotency_key)
    mime["Date"] = format_datetime(message.created_at)
    mime["Auto-Submitted"] = "auto-generated"
    mime.set_content(content.text)
    mime.add_alternative(content.html, subtype="html")
    return mime


def send(message: OutboxMessage, content: Rendered, cfg: Settings | None = None) -> None:
    """Deliver one message over SMTP; raises on any refusal so the outbox retries it."""
    cfg = cfg or settings
    if not cfg.smtp_host:
        raise MailNotConfigured("no SMTP server configured (set COPRODUCE_SMTP_HOST)")
    with smtplib.SMTP(cfg.smtp_host, cfg.smtp_port, timeout=cfg.smtp_timeout_seconds) as smtp:
        if cfg.smtp_starttls:
            smtp.starttls()
        if cfg.smtp_username:
            smtp.login(cfg.smtp_username, cfg.smtp_password or "")
        smtp.send_message(build(message, content, cfg))
