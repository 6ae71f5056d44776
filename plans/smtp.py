"""The SMTP transport: one connection handed many outbox messages. The only module that speaks SMTP;
tests point it at a real in-process server (aiosmtpd)."""

from __future__ import annotations

import binascii
import hashlib
import smtplib
import ssl
from datetime import datetime
from email.header import Header
from email.utils import format_datetime, formataddr, parseaddr
from functools import lru_cache
from types import TracebackType

from plans.config import Settings, settings
from plans.services.outbox import Rendered, message_id_for


class MailNotConfigured(RuntimeError):
    """No SMTP server is configured: messages wait in the outbox until one is."""


class ConnectionLost(RuntimeError):
    """The connection to the SMTP server failed (not a refusal of one message): stop and try later."""


class CannotConnect(ConnectionLost):
    """No connection could be made (refused, TLS, login): no message was handed over."""


def build(*, key: str, to: str, created_at: datetime, content: Rendered, cfg: Settings) -> bytes:
    """The message as sent: plain text with an HTML alternative, under the stable Message-ID derived
    from the outbox key (a resend after a crash carries the same one).

    Written out directly rather than through ``email.message.EmailMessage``, which took about 1 ms a
    message (a fifth of the sending time; see bench/delivery.py): both parts quoted-printable in UTF-8,
    CRLF line ends, non-ASCII headers encoded (RFC 2047). The boundary starts with ``=_``, which
    quoted-printable text can never contain."""
    if any(c.isspace() for c in to) or "@" not in to:  # a line break here would write headers of its own
        raise ValueError(f"not an email address: {to!r}")
    boundary = f"=_coproduce_{hashlib.sha256(key.encode()).hexdigest()[:24]}"
    headers = [
        ("From", _from_header(cfg.mail_from)),
        ("To", to),
        ("Subject", _header_text(content.subject)),
        ("Message-ID", message_id_for(key)),
        ("Date", format_datetime(created_at)),
        ("Auto-Submitted", "auto-generated"),
        ("MIME-Version", "1.0"),
        ("Content-Type", f'multipart/alternative; boundary="{boundary}"'),
    ]
    lines = [f"{name}: {value}" for name, value in headers]
    head = ("\r\n".join(lines) + "\r\n\r\n").encode()
    parts = b"".join(
        f"--{boundary}\r\nContent-Type: text/{subtype}; charset=utf-8\r\n"
        "Content-Transfer-Encoding: quoted-printable\r\n\r\n".encode()
        + _quoted_printable(body)
        + b"\r\n"
        for subtype, body in (("plain", content.text), ("html", content.html))
    )
    return head + parts + f"--{boundary}--\r\n".encode()


def _quoted_printable(text: str) -> bytes:
    crlf = "\r\n".join(text.replace("\r\n", "\n").split("\n"))
    return binascii.b2a_qp(crlf.encode(), quotetabs=False, istext=True, header=False)


def _header_text(value: str) -> str:
    """A header's words: as they are if plain ASCII, else RFC 2047 encoded; never a line break."""
    value = " ".join(value.split())
    return value if value.isascii() else Header(value, "utf-8").encode(linesep="\r\n")


@lru_cache(maxsize=4)
def _from_header(mail_from: str) -> str:
    name, address = parseaddr(mail_from)
    return formataddr((name, address), charset="utf-8") if name else address


class Sender:
    """One SMTP connection reused for a batch of messages (``with Sender() as s: s.send(...)``).

    A reused connection the server has dropped (idle timeout, restart, "421 too many messages") is
    opened again and the message retried once; a fresh connection that fails raises ``ConnectionLost``.
    A refusal of one message (bad recipient, 5xx) raises the ``smtplib`` error and keeps the connection."""

    def __init__(self, cfg: Settings | None = None) -> None:
        self.cfg = cfg or settings
        if not self.cfg.smtp_host:
            raise MailNotConfigured("no SMTP server configured (set COPRODUCE_SMTP_HOST)")
        self.envelope_from = parseaddr(self.cfg.mail_from)[1] or self.cfg.mail_from
        self.connections = 0  # how many were opened: connection reuse is visible to tests and benches
        self._smtp: smtplib.SMTP | None = None

    def __enter__(self) -> Sender:
        return self

    def __exit__(self, *exc: type[BaseException] | BaseException | TracebackType | None) -> None:
        self.close()

    @property
    def connected(self) -> bool:
        """Whether a connection is open (it may still turn out to have been dropped)."""
        return self._smtp is not None

    def connect(self) -> None:
        """Open the connection now if none is open; raises ``CannotConnect``."""
        if self._smtp is None:
            self._connect()

    def send(self, to: str, data: bytes) -> None:
        """Hand one message to the server; returns once the server has accepted it."""
        reused = self._smtp is not None
        try:
            self._send(to, data)
        except ConnectionLost:
            if not reused:
                raise
            self._send(to, data)  # the server dropped an idle or used-up connection: once more, afresh

    def close(self) -> None:
        """Say QUIT (politely, if the connection still works) and forget the connection."""
        smtp, self._smtp = self._smtp, None
        if smtp is not None:
            try:
                smtp.quit()
            except (smtplib.SMTPException, OSError):
                smtp.close()

    def _send(self, to: str, data: bytes) -> None:
        smtp = self._smtp or self._connect()
        try:
            smtp.sendmail(self.envelope_from, [to], data, mail_options=[] if to.isascii() else ["SMTPUTF8"])
        except smtplib.SMTPResponseException as exc:
            if exc.smtp_code != 421:  # a refusal of this message; the connection is fine
                raise
            self._drop()
            raise ConnectionLost(f"{exc.smtp_code} {exc.smtp_error!r}") from exc
        except smtplib.SMTPRecipientsRefused as exc:
            if all(code != 421 for code, _ in exc.recipients.values()):
                raise
            self._drop()
            raise ConnectionLost(f"recipient refused with 421: {exc.recipients}") from exc
        except OSError as exc:  # the server hung up, a timeout, a reset: the connection is gone
            self._drop()
            raise ConnectionLost(f"{type(exc).__name__}: {exc}") from exc

    def _connect(self) -> smtplib.SMTP:
        """A new connection, TLS and login done; any failure on the way is a ``ConnectionLost``."""
        cfg = self.cfg
        smtp = None
        try:
            smtp = smtplib.SMTP(cfg.smtp_host or "", cfg.smtp_port, timeout=cfg.smtp_timeout_seconds)
            if cfg.smtp_starttls:
                smtp.starttls(context=ssl.create_default_context())
            if cfg.smtp_username:
                smtp.login(cfg.smtp_username, cfg.smtp_password or "")
        except OSError as exc:  # smtplib's errors are OSErrors too (refused login, no STARTTLS ...)
            if smtp is not None:
                smtp.close()
            raise CannotConnect(
                f"cannot connect to {cfg.smtp_host}:{cfg.smtp_port}: {type(exc).__name__}: {exc}"
            ) from exc
        self._smtp = smtp
        self.connections += 1
        return smtp

    def _drop(self) -> None:
        smtp, self._smtp = self._smtp, None
        if smtp is not None:
            smtp.close()
