"""The SMTP transport: hands one outbox message to the configured server. The only module that speaks
SMTP; tests point it at a real in-process server (aiosmtpd)."""

from __future__ import annotations

import smtplib
from email.message import EmailMessage
from email.utils import format_datetime

from plans.config import Settings, settings
from plans.models import OutboxMessage


class MailNotConfigured(RuntimeError):
    """No SMTP server is configured: messages wait in the outbox until one is."""


def build(message: OutboxMessage, cfg: Settings) -> EmailMessage:
    """The MIME message: plain text with an HTML alternative, under the outbox's stable Message-ID."""
    mime = EmailMessage()
    mime["From"] = cfg.mail_from
    mime["To"] = message.to_address
    mime["Subject"] = message.subject
    mime["Message-ID"] = message.message_id
    mime["Date"] = format_datetime(message.created_at)
    mime["Auto-Submitted"] = "auto-generated"
    mime.set_content(message.body_text)
    mime.add_alternative(message.body_html, subtype="html")
    return mime


def send(message: OutboxMessage, cfg: Settings | None = None) -> None:
    """Deliver one message over SMTP; raises on any refusal so the outbox retries it."""
    cfg = cfg or settings
    if not cfg.smtp_host:
        raise MailNotConfigured("no SMTP server configured (set COPRODUCE_SMTP_HOST)")
    with smtplib.SMTP(cfg.smtp_host, cfg.smtp_port, timeout=cfg.smtp_timeout_seconds) as smtp:
        if cfg.smtp_starttls:
            smtp.starttls()
        if cfg.smtp_username:
            smtp.login(cfg.smtp_username, cfg.smtp_password or "")
        smtp.send_message(build(message, cfg))
