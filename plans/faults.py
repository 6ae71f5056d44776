"""Named crash points for testing what survives a crash: ``fault_point("after_smtp_accept")`` kills the
process on the spot (``os._exit``: no cleanup, no rollback, no ``finally``) when the environment variable
``COPRODUCE_FAULT`` names that point, as a power cut or ``kill -9`` would.

``COPRODUCE_FAULT=after_smtp_accept@3`` crashes at the third time the point is reached instead of the
first. The variable is read once, at import: with it unset a fault point costs one comparison.
"""

from __future__ import annotations

import os

FAULT_EXIT_CODE = 86  # what a crashed process exits with, so a test can tell a planned crash from a bug

_name, _, _nth = (os.environ.get("COPRODUCE_FAULT") or "").partition("@")
_ARMED: str | None = _name or None
_remaining = int(_nth or 1)


def fault_point(name: str) -> None:
    """Crash here if ``COPRODUCE_FAULT`` names this point (and this is the chosen occurrence)."""
    global _remaining
    if name != _ARMED:
        return
    _remaining -= 1
    if _remaining <= 0:
        os.write(2, f"coproduce: fault injected at {name}\n".encode())
        os._exit(FAULT_EXIT_CODE)
