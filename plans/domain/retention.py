"""When personal data of surveys and staff lists is due for deletion: pure rules over dates.

Personal data, here: a survey's invitations (one per staff member, holding a token hash), its team links'
tokens, the emails queued or sent to staff with their personal link and address, and an organisation's
staff list (email, team, attributes). Responses, their daily counts per team, the headcounts fixed per
survey and the findings name nobody and are kept. ``docs/retention.md`` is the policy in words.

- A survey's personal data is due ``period`` after the survey closed. A survey not closed (open, or
  past its end date with no lifecycle run yet to close it) keeps everything, however old.
- An organisation's staff list is due when no survey needs it any more: every survey of the organisation
  is closed, and ``period`` has passed since the later of the list's last import and the last close.
  So a repeat survey that is open keeps the list its invitations point at, while the baseline's
  invitations, closed long ago, go; and a list imported and never used goes ``period`` after its import.
- A list with neither a recorded import nor a survey (loaded around coproduce) cannot be dated: nothing
  shows it is needed, so it is due at once.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class SurveyFacts:
    """What the rules need of one survey: its organisation, when it closed (None: not closed) and whether
    any personal data is left (invitations or team links)."""

    survey_id: int
    organisation_id: int
    closed_at: datetime | None
    holds_personal_data: bool


@dataclass(frozen=True)
class StaffListFacts:
    """An organisation that holds a staff list, with the time of its last recorded import (None: none)."""

    organisation_id: int
    imported_at: datetime | None


@dataclass(frozen=True)
class Verdict:
    """Whether something is due for deletion now, why, and from when (None: not while things stay so)."""

    due: bool
    reason: str
    due_at: datetime | None


@dataclass(frozen=True)
class Decision:
    """The verdict on every survey still holding personal data and on every staff list."""

    surveys: dict[int, Verdict]
    staff_lists: dict[int, Verdict]

    def surveys_due(self) -> list[int]:
        """Surveys whose personal data goes now, in id order."""
        return sorted(sid for sid, v in self.surveys.items() if v.due)

    def staff_lists_due(self) -> list[int]:
        """Organisations whose staff list goes now, in id order."""
        return sorted(oid for oid, v in self.staff_lists.items() if v.due)


def check_period(period: timedelta) -> None:
    """A retention period is at least a day: a shorter one is a configuration mistake, not a policy."""
    if period < timedelta(days=1):
        raise ValueError(f"the retention period must be at least one day, not {period}")


def survey_verdict(survey: SurveyFacts, *, now: datetime, period: timedelta) -> Verdict:
    """Whether the survey's invitations, team links and staff emails are due for deletion."""
    check_period(period)
    if survey.closed_at is None:
        return Verdict(False, "the survey is not closed", None)
    due_at = survey.closed_at + period
    if not survey.holds_personal_data:
        return Verdict(False, "nothing personal is left", None)
    if now < due_at:
        return Verdict(False, f"closed {survey.closed_at:%Y-%m-%d}; kept until {due_at:%Y-%m-%d}", due_at)
    return Verdict(True, f"closed {survey.closed_at:%Y-%m-%d}, more than {period.days} day(s) ago", due_at)


def staff_list_verdict(
    staff_list: StaffListFacts, surveys: Iterable[SurveyFacts], *, now: datetime, period: timedelta
) -> Verdict:
    """Whether the organisation's staff list is due for deletion, given the organisation's surveys."""
    check_period(period)
    own = [s for s in surveys if s.organisation_id == staff_list.organisation_id]
    unclosed = sorted(s.survey_id for s in own if s.closed_at is None)
    if unclosed:
        named = ", ".join(str(i) for i in unclosed)
        return Verdict(False, f"survey {named} is not closed and may invite from it", None)
    closes = [s.closed_at for s in own if s.closed_at is not None]
    clock = max([*closes, *([staff_list.imported_at] if staff_list.imported_at else [])], default=None)
    if clock is None:
        return Verdict(True, "no recorded import and no survey: it cannot be dated", now)
    due_at = clock + period
    since = "imported" if staff_list.imported_at == clock else "last survey closed"
    if now < due_at:
        return Verdict(False, f"{since} {clock:%Y-%m-%d}; kept until {due_at:%Y-%m-%d}", due_at)
    return Verdict(True, f"{since} {clock:%Y-%m-%d}, more than {period.days} day(s) ago; no survey needs it", due_at)


def decide(
    surveys: Sequence[SurveyFacts], staff_lists: Sequence[StaffListFacts], *, now: datetime, period: timedelta
) -> Decision:
    """The verdicts on every survey that still holds personal data and on every staff list. A list's
    verdict counts a due survey's invitations as gone: the service deletes them first."""
    check_period(period)
    return Decision(
        surveys={s.survey_id: survey_verdict(s, now=now, period=period) for s in surveys if s.holds_personal_data},
        staff_lists={sl.organisation_id: staff_list_verdict(sl, surveys, now=now, period=period) for sl in staff_lists},
    )
