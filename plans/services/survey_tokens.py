"""Survey links: one token per invitation and per team link, derived from the server secret.

A token is ``HMAC-SHA256(secret, purpose)`` in URL-safe base64 (256 bits). The database keeps only
its SHA-256, so a copy of the database answers no survey; because the token can be derived again
from the secret, the delivery flow puts it into an email at send time and a resent reminder carries
the same link, without the link ever being written down. The purpose names the survey and the staff
member (or team link), so tokens never repeat across surveys.
"""

from __future__ import annotations

import base64
import hashlib
import hmac

from plans.config import settings

TOKEN_CHARS = 43  # 32 bytes in unpadded URL-safe base64


def invitation_ref(survey_id: int, staff_member_id: int) -> str:
    return f"invitation:{survey_id}:{staff_member_id}"


def team_link_ref(link_id: int) -> str:
    return f"team-link:{link_id}"


def token_for(ref: str, secret: bytes | None = None) -> str:
    """The survey token for a reference such as ``invitation:12:345``."""
    digest = hmac.new(secret or settings.resolved_secret_key(), ref.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def token_hash(token: str) -> str:
    """What the database stores of a token."""
    return hashlib.sha256(token.encode()).hexdigest()


def looks_like_token(token: str) -> bool:
    """A cheap shape check before any database work (length and alphabet)."""
    return len(token) == TOKEN_CHARS and all(c.isalnum() or c in "-_" for c in token)


def survey_url(token: str) -> str:
    """The public address a token answers at."""
    return f"{settings.resolved_public_url()}/s/{token}"
