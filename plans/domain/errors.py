"""Domain errors: one family, each carrying what went wrong in words a coordinator can act on.

Edges (the web app, the CLI, flows) map an error's ``kind`` to an HTTP status or an exit code in one
place; nothing else inspects error messages.
"""

from __future__ import annotations

from typing import ClassVar, Literal

ErrorKind = Literal["invalid", "not_found", "conflict", "forbidden", "blocked", "unauthenticated", "rate_limited"]


class DomainError(Exception):
    """Base of every error the rules and services raise on purpose."""

    kind: ClassVar[ErrorKind] = "invalid"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidInput(DomainError):
    """A value a person gave breaks a rule; the message names the field."""

    kind = "invalid"


class NotFound(DomainError):
    """The thing asked for does not exist (or the asker may not know it does)."""

    kind = "not_found"


class IllegalTransition(DomainError):
    """A stage change the transition table does not allow."""

    kind = "conflict"

    def __init__(self, source: str, target: str, reason: str) -> None:
        super().__init__(f"cannot move a plan from {source} to {target}: {reason}")
        self.source = source
        self.target = target
        self.reason = reason


class GateBlocked(DomainError):
    """The current stage's gate has reasons it cannot pass yet."""

    kind = "blocked"

    def __init__(self, stage: str, reasons: list[str]) -> None:
        listed = "; ".join(reasons)
        super().__init__(f"the {stage} gate is not satisfied: {listed}")
        self.stage = stage
        self.reasons = reasons


class OverrideRefused(DomainError):
    """A gate override without an acceptable written reason, or by someone who may not override."""

    kind = "invalid"


class StaleVersion(DomainError):
    """A decision about a plan version that is no longer the one under sign-off."""

    kind = "conflict"


class AlreadyDecided(DomainError):
    """A decision that has already been recorded once; decisions are never recorded twice."""

    kind = "conflict"


class NotPermitted(DomainError):
    """The person lacks the role this action needs."""

    kind = "forbidden"


class StageLocked(DomainError):
    """The action belongs to another stage than the one the plan is in."""

    kind = "conflict"


class NotSignedIn(DomainError):
    """The action needs a signed-in person (or a valid API token) and there is none."""

    kind = "unauthenticated"


class TooManyAttempts(DomainError):
    """Sign-in attempts beyond the limit; the message says when to try again."""

    kind = "rate_limited"
