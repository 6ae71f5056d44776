"""What the web app's import pages show and do: an organisation's staff list (a page of teams at a time,
ineligible staff by reason, the last import) and a plan survey's paper responses (the columns a file
needs, the latest imports); the imports themselves are ``staff_lists`` and ``paper_responses``."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from plans.domain.errors import InvalidInput, NotFound
from plans.domain.staff_list import MARKED_INELIGIBLE
from plans.domain.survey_answers import PREFER_NOT_TO_SAY
from plans.models import SurveyKind
from plans.repositories.import_views import ImportViewRepository
from plans.repositories.plans import PlanRepository
from plans.repositories.surveys import SurveyRepository
from plans.services.actors import SYSTEM, Actor
from plans.services.paper_responses import MULTIPLE_SEPARATOR, PaperImportSummary
from plans.services.staff_lists import StaffImportSummary, import_staff_list

PER_PAGE = 200
RECENT = 5


@dataclass(frozen=True)
class TeamStaffLine:
    """One team of the staff page: its headcount and the staff listed for it, ineligible by reason."""

    code: str
    name: str
    headcount: int
    eligible: int
    ineligible: dict[str, int]

    @property
    def not_eligible(self) -> int:
        """How many listed staff of the team are not eligible, whatever the reason."""
        return sum(self.ineligible.values())


@dataclass(frozen=True)
class ImportRecord:
    """An import as the audit log recorded it: when, by whom, from which file, and its figures."""

    at: datetime
    actor: str
    source: str
    data: dict[str, Any]


@dataclass(frozen=True)
class StaffListPage:
    """The organisation's staff list page: totals, a page of teams and the last import."""

    organisation_id: int
    code: str
    name: str
    eligible: int
    ineligible: dict[str, int]
    teams: list[TeamStaffLine]
    team_total: int
    page: int
    pages: int
    last_import: ImportRecord | None

    @property
    def listed(self) -> int:
        """Everyone on the list, eligible or not."""
        return self.eligible + sum(self.ineligible.values())


@dataclass(frozen=True)
class PaperColumn:
    """A column a paper responses file may have: its header, what it asks and the values it takes."""

    name: str
    text: str
    accepts: str
    required: bool = False


@dataclass(frozen=True)
class PaperPage:
    """A plan survey's paper responses page."""

    plan_id: int
    plan_title: str
    kind: str
    survey_title: str | None
    open: bool
    closes_at: datetime | None
    closed_at: datetime | None
    columns: list[PaperColumn]
    recent: list[ImportRecord]


def _reason(why: str | None) -> str:
    return why or MARKED_INELIGIBLE


def staff_list_page(session: Session, *, organisation_id: int, page: int = 1) -> StaffListPage:
    """One page of the organisation's teams with their listed staff, and the list's totals."""
    repo = ImportViewRepository(session)
    organisation = repo.organisation(organisation_id)
    if organisation is None:
        raise NotFound(f"organisation {organisation_id} was not found")
    team_total = repo.team_count(organisation_id)
    pages = max(1, math.ceil(team_total / PER_PAGE))
    if not 1 <= page <= pages:
        raise InvalidInput(f"page: there {'is' if pages == 1 else 'are'} {pages} page(s) of teams")
    rows = repo.team_page(organisation_id, (page - 1) * PER_PAGE, PER_PAGE)
    listed = repo.listed([team_id for team_id, *_ in rows])
    teams = []
    for team_id, code, name, headcount in rows:
        counts = listed.get(team_id, {})
        ineligible = {_reason(why): n for why, n in sorted(counts.items(), key=lambda c: str(c[0])) if why is not None}
        teams.append(TeamStaffLine(code, name, headcount, counts.get(None, 0), ineligible))
    totals = repo.totals(organisation_id)
    reasons = {_reason(why): n for why, n in sorted(totals.items(), key=lambda c: str(c[0])) if why is not None}
    events = repo.latest_events("staff_list_imported", organisation=organisation.code)
    return StaffListPage(
        organisation_id=organisation_id,
        code=organisation.code,
        name=organisation.name,
        eligible=totals.get(None, 0),
        ineligible=reasons,
        teams=teams,
        team_total=team_total,
        page=page,
        pages=pages,
        last_import=_record(events[0]) if events else None,
    )


def _record(event: tuple[datetime, str, dict[str, Any]]) -> ImportRecord:
    at, actor, data = event
    return ImportRecord(at, actor, str(data.get("source", "")), data)


def require_organisation(session: Session, *, organisation_id: int) -> None:
    """Raise ``NotFound`` unless the organisation exists (checked before an upload is looked at)."""
    if ImportViewRepository(session).organisation(organisation_id) is None:
        raise NotFound(f"organisation {organisation_id} was not found")


def organisation_of_plan(session: Session, *, plan_id: int) -> int:
    """The id of the plan's organisation (whose staff list the plan's surveys count)."""
    found = ImportViewRepository(session).organisation_of_plan(plan_id)
    if found is None:
        raise NotFound(f"plan {plan_id} was not found")
    return found


def import_staff(
    session: Session,
    *,
    organisation_id: int,
    path: Path,
    now: datetime,
    sheet: str | None = None,
    actor: Actor = SYSTEM,
) -> StaffImportSummary:
    """Replace the organisation's staff list from a file (all or nothing: see ``import_staff_list``)."""
    organisation = ImportViewRepository(session).organisation(organisation_id)
    if organisation is None:
        raise NotFound(f"organisation {organisation_id} was not found")
    return import_staff_list(session, organisation_code=organisation.code, path=path, now=now, sheet=sheet, actor=actor)


def staff_summary_words(summary: StaffImportSummary) -> str:
    """An import's summary in a sentence, for the page's success message."""
    ineligible = sum(summary.ineligible.values())
    reasons = ", ".join(f"{n:,} {why}" for why, n in sorted(summary.ineligible.items()))
    return (
        f"Staff list imported from {summary.source}: {summary.rows:,} staff, {summary.eligible:,} eligible in "
        f"{summary.teams:,} team{'s' if summary.teams != 1 else ''}, {ineligible:,} not eligible"
        + (f" ({reasons})" if reasons else "")
        + "."
    )


def paper_summary_words(summary: PaperImportSummary) -> str:
    """A paper import's summary in a sentence, for the page's success message."""
    teams = len(summary.by_team)
    return (
        f"{summary.responses:,} paper response{'s' if summary.responses != 1 else ''} imported from "
        f"{summary.source} into the {summary.kind} survey for {teams} team{'s' if teams != 1 else ''}, "
        f"dated {summary.day:%-d %B %Y}."
    )


def paper_page(session: Session, *, plan_id: int, kind: SurveyKind) -> PaperPage:
    """The plan survey's paper import page: whether it is open, the columns a file needs, recent imports."""
    plan = PlanRepository(session).get(plan_id)
    if plan is None:
        raise NotFound(f"plan {plan_id} was not found")
    survey = SurveyRepository(session).for_plan(plan_id, kind)
    repo = ImportViewRepository(session)
    events = repo.latest_events("paper_responses_imported", plan_id=plan_id, limit=RECENT * 4)
    recent = [_record(e) for e in events if e[2].get("kind") == kind.value][:RECENT]
    if survey is None:
        return PaperPage(plan_id, plan.title, kind.value, None, False, None, None, [], recent)
    return PaperPage(
        plan_id=plan_id,
        plan_title=plan.title,
        kind=kind.value,
        survey_title=survey.title,
        open=survey.closed_at is None,
        closes_at=survey.closes_at,
        closed_at=survey.closed_at,
        columns=paper_columns(survey.questions or [], (survey.definition or {}).get("demographics") or []),
        recent=recent,
    )


def paper_columns(questions: list[dict[str, Any]], demographics: list[dict[str, Any]]) -> list[PaperColumn]:
    """The columns of a paper responses file for a survey: the team, each question, each demographic."""
    columns = [PaperColumn("team_code", "The team's code", "a team of the survey", required=True)]
    for q in questions:
        answers = [str(a) for a in q.get("answers") or ()]
        kind = q.get("type")
        if kind == "free_text" or not answers:
            accepts = "any text"
        elif kind == "multiple_choice":
            accepts = f"any of {', '.join(answers)}, separated by '{MULTIPLE_SEPARATOR}'"
        else:
            accepts = f"one of {', '.join(answers)}"
        columns.append(PaperColumn(str(q.get("id", "")), str(q.get("text", "")), accepts))
    for d in demographics:
        options = [str(o) for o in d.get("options") or () if str(o) != PREFER_NOT_TO_SAY]
        accepts = f"one of {', '.join([*options, PREFER_NOT_TO_SAY])}"
        columns.append(PaperColumn(str(d.get("id", "")), str(d.get("text", "")), accepts, bool(d.get("required"))))
    return columns
