"""What a staff list's header and cells must say: the pure rules of the staff list import.

A list names, per person, their team (by code), work email and staff group; it may add a name and an
eligibility or status column, and any other column becomes an attribute kept with the person (for
breakdowns the coordinator defines later). Headers are matched ignoring case, spaces, hyphens and
underscores, and a few common spellings are accepted ("E-mail address", "Team", "Group").
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from plans.domain.row_problems import header_key

REQUIRED = ("team_code", "email", "staff_group")
OPTIONAL = ("name", "status")

# header key (see ``header_key``) -> field; a file may use any one spelling per field
ALIASES: dict[str, str] = {
    **{k: "team_code" for k in ("team_code", "team", "teamcode", "team_ref", "team_id_code")},
    **{k: "email" for k in ("email", "e_mail", "email_address", "e_mail_address", "work_email", "mail")},
    **{k: "staff_group" for k in ("staff_group", "group", "staffgroup", "staff_category", "professional_group")},
    **{k: "name" for k in ("name", "full_name", "staff_name", "employee_name")},
    **{k: "status" for k in ("status", "eligible", "eligibility", "eligible_for_survey", "employment_status")},
}

LONG_TERM_ABSENCE = "long-term absence"
LEAVER = "leaver"
MARKED_INELIGIBLE = "marked ineligible"

# cell (lower case, spaces collapsed) -> ineligible reason, or None for eligible
_STATUS: dict[str, str | None] = {
    **dict.fromkeys(("", "yes", "y", "true", "1", "eligible", "active", "current", "in post"), None),
    **dict.fromkeys(("no", "n", "false", "0", "ineligible", "not eligible", "excluded"), MARKED_INELIGIBLE),
    **dict.fromkeys(("leaver", "left", "leaving", "has left"), LEAVER),
    **dict.fromkeys(
        ("long-term absence", "long term absence", "long-term absent", "lta", "long-term sick", "long term sick"),
        LONG_TERM_ABSENCE,
    ),
    **dict.fromkeys(("maternity leave", "paternity leave", "parental leave", "adoption leave"), "parental leave"),
    **dict.fromkeys(("career break",), "career break"),
    **dict.fromkeys(("seconded out", "secondment out", "external secondment"), "seconded out"),
}
STATUS_WORDS = "yes/no, active, leaver, long-term absence, parental leave, career break, seconded out"

_EMAIL = re.compile(r"^[^@\s,;<>()\[\]\"]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9-]+)+$")
MAX_EMAIL = 320
MAX_GROUP = 100
MAX_ATTRIBUTE = 500


@dataclass(frozen=True)
class Columns:
    """Where each field sits in a file's rows: ``index`` by field, ``attributes`` as (key, index)."""

    index: dict[str, int]
    attributes: tuple[tuple[str, int], ...]


def resolve_columns(header: tuple[str, ...]) -> tuple[Columns, list[str]]:
    """Map a header to fields; the second item lists problems (a missing or twice-given field)."""
    index: dict[str, int] = {}
    attributes: list[tuple[str, int]] = []
    problems: list[str] = []
    for i, name in enumerate(header):
        key = header_key(name)
        field = ALIASES.get(key)
        if field is None:
            attributes.append((key, i))
        elif field in index:
            problems.append(f"columns {header[index[field]]!r} and {name!r} both give the {field}: keep one")
        else:
            index[field] = i
    for field in REQUIRED:
        if field not in index:
            problems.append(f"no {field} column (the header needs team_code, email and staff_group)")
    return Columns(index, tuple(attributes)), problems


def eligibility(cell: str) -> tuple[bool, str | None] | None:
    """(eligible, reason when not) for a status cell, or None when the word is not one we know."""
    word = " ".join(cell.lower().replace("_", " ").split())
    if word not in _STATUS:
        return None
    reason = _STATUS[word]
    return reason is None, reason


def email_problem(cell: str) -> str | None:
    """Why a cell is not a usable work email address, or None."""
    if len(cell) > MAX_EMAIL:
        return f"longer than {MAX_EMAIL} characters"
    if not _EMAIL.match(cell):
        return f"{cell!r} is not an email address"
    return None
