"""Reading the delivery pages' forms: numbers and dates as people type them, and a refusal turned into the
error summary's links, each pointing at the box it is about (``<form>-<field>``), so a person sees every
problem at once next to what they typed."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date

from plans.domain.delivery import FieldsRefused
from plans.domain.errors import DomainError, InvalidInput

# the status a page answers with when it shows a refusal again (as the API would for the same refusal)
STATUS = {"invalid": 422, "conflict": 409, "blocked": 409, "forbidden": 403, "not_found": 404}


@dataclass
class FormErrors:
    """Problems found on one form: (box id, sentence) in the order found."""

    form: str
    items: list[tuple[str, str]] = field(default_factory=list)

    def add(self, name: str, text: str) -> None:
        self.items.append((f"{self.form}-{name}", sentence(text)))

    def refused(self, exc: DomainError) -> None:
        """Every problem of a refusal; one without a field points at the form as a whole."""
        if isinstance(exc, FieldsRefused):
            for name, text in exc.problems:
                self.add(name, text)
            return
        name, _, words = exc.message.partition(": ")
        if isinstance(exc, InvalidInput) and words and name.replace("_", "").isalpha():
            self.add(name, words)
        else:
            self.items.append((self.form, sentence(exc.message)))

    @property
    def summary(self) -> list[dict[str, str]]:
        return [{"href": f"#{box}", "text": text} for box, text in self.items]

    @property
    def by_box(self) -> dict[str, str]:
        out: dict[str, str] = {}
        for box, text in self.items:
            out.setdefault(box, text)
        return out


def sentence(text: str) -> str:
    text = text.strip()
    return text[:1].upper() + text[1:] if text else text


def read_int(text: str, name: str, errors: FormErrors, *, what: str = "a whole number") -> int | None:
    """A whole number typed in a box (blank: None)."""
    text = text.strip().replace(",", "")
    if not text:
        return None
    try:
        value = int(text)
    except ValueError:
        errors.add(name, f"enter {what}, like 12")
        return None
    if abs(value) > 2**31 - 1:
        errors.add(name, f"enter {what} no larger than 2,147,483,647")
        return None
    return value


def read_float(text: str, name: str, errors: FormErrors) -> float | None:
    """A figure typed in a box (blank: None); a trailing % is allowed, the unit says what it counts."""
    text = text.strip().replace(",", "").removesuffix("%").strip()
    if not text:
        return None
    try:
        value = float(text)
    except ValueError:
        errors.add(name, "enter a number, like 4.2 or 85")
        return None
    if not math.isfinite(value):
        errors.add(name, "enter a number, like 4.2 or 85")
        return None
    return value


def read_date(day: str, month: str, year: str, name: str, errors: FormErrors) -> date | None:
    """A date from the three boxes of a date input (all blank: None)."""
    parts = [p.strip() for p in (day, month, year)]
    if not any(parts):
        return None
    try:
        return date(int(parts[2]), int(parts[1]), int(parts[0]))
    except ValueError:
        errors.add(name, "enter a real date, like 31 3 2027")
        return None
