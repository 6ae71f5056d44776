"""Importing paper survey responses transcribed into CSV or XLSX: all or nothing, every bad cell named.

The file has a ``team_code`` column and one column per question id of the survey (and per demographic
id of its definition); a column the survey does not have is refused, a question left out is simply
unanswered. A blank cell is not answered; a multiple-choice cell lists its answers separated by ';'.
Answers are matched ignoring case ("agree" is "Agree") and then checked by the same rules as an online
response (``plans.domain.survey_answers``), so paper and screen cannot disagree about what is valid.

Anonymity: responses are stored in a shuffled order, dated the import day, with no trace of the line
they came from, so neither the file's order nor its date says who answered what.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from plans.domain.errors import NotFound, StageLocked
from plans.domain.row_problems import ProblemLog, header_key
from plans.domain.survey_answers import PREFER_NOT_TO_SAY, AnswerForm, AnswerProblems
from plans.models import Survey, SurveyKind
from plans.repositories.audit import AuditRepository
from plans.repositories.paper_responses import PaperResponseRepository
from plans.repositories.plans import PlanRepository
from plans.repositories.surveys import SurveyRepository
from plans.services.actors import SYSTEM, Actor
from plans.tabular import Table, open_table

TEAM_KEYS = ("team_code", "team", "teamcode")
MULTIPLE_SEPARATOR = ";"


@dataclass
class PaperImportSummary:
    """What a paper import added, as recorded in the audit log."""

    plan_id: int
    survey_id: int
    kind: str
    source: str
    day: date
    responses: int = 0
    by_team: dict[str, int] = field(default_factory=dict)

    def as_data(self) -> dict[str, Any]:
        """The summary as JSON-ready data."""
        return {
            "survey_id": self.survey_id,
            "kind": self.kind,
            "source": self.source,
            "day": self.day.isoformat(),
            "responses": self.responses,
            "teams": len(self.by_team),
        }


@dataclass(frozen=True)
class _Layout:
    """Which column holds what: the team, each question (by id), each demographic (by id)."""

    team: int
    questions: dict[int, Mapping[str, Any]]
    demographics: dict[int, Mapping[str, Any]]


def import_paper_responses(
    session: Session,
    *,
    plan_id: int,
    path: Path | str,
    now: datetime,
    kind: SurveyKind = SurveyKind.BASELINE,
    sheet: str | None = None,
    actor: Actor = SYSTEM,
) -> PaperImportSummary:
    """Add a file of paper responses to the plan's open survey; raise ``RowProblems`` listing every
    bad cell, having written nothing."""
    plan = PlanRepository(session).get(plan_id)
    if plan is None:
        raise NotFound(f"plan {plan_id} does not exist")
    survey = SurveyRepository(session).for_plan(plan_id, kind)
    if survey is None:
        raise NotFound(f"plan {plan_id} has no {kind.value} survey yet: it opens with the survey stage")
    if survey.closed_at is not None:
        raise StageLocked(
            f"the {kind.value} survey of plan {plan_id} closed on {survey.closed_at:%Y-%m-%d}: "
            f"paper responses can no longer be added"
        )
    table = open_table(path, sheet=sheet)
    repo = PaperResponseRepository(session)
    demographics = list((survey.definition or {}).get("demographics") or [])
    layout = _layout(table, survey, demographics)
    form = AnswerForm.of(survey.questions or [], demographics)
    teams = repo.team_ids_by_code(plan.organisation_id)
    in_survey = repo.survey_team_ids(survey.id)
    codes = {tid: code for code, tid in teams.items()}
    folded = {code.casefold(): tid for code, tid in teams.items()}

    log = ProblemLog()
    responses: list[tuple[int, dict[str, Any], dict[str, Any]]] = []
    team_column = table.header[layout.team]
    for row in table.rows():
        if row.extra:
            log.add(row.line, "", f"{row.extra} value(s) to the right of the last named column")
        code = row.cells[layout.team]
        team_id = teams.get(code) or folded.get(code.casefold())
        if not code:
            log.add(row.line, team_column, "missing (every response needs its team's code)")
        elif team_id is None:
            log.add(row.line, team_column, f"no team with code {code!r} in this plan's organisation")
        elif in_survey and team_id not in in_survey:
            log.add(
                row.line, team_column, f"team {code!r} is not part of this survey (no eligible staff when it opened)"
            )
        answers = {str(q["id"]): _answer(q, row.cells[i]) for i, q in layout.questions.items() if row.cells[i]}
        demo = {str(d["id"]): _option(d, row.cells[i]) for i, d in layout.demographics.items() if row.cells[i]}
        try:
            clean, clean_demo = form.check(answers, demo)
        except AnswerProblems as exc:
            for name, problem in exc.problems.items():
                log.add(row.line, _column_of(name, table, layout), problem)
            continue
        if team_id is not None:
            responses.append((team_id, clean, clean_demo))
    if not responses and not log:
        log.add(2, "", "the file has a header but no responses")
    log.raise_if_any(table.source, "paper responses")

    random.SystemRandom().shuffle(responses)  # the stored order must not follow the file's
    day = now.date()
    repo.add(survey.id, day, responses)
    summary = PaperImportSummary(plan_id, survey.id, kind.value, table.source, day, len(responses))
    summary.by_team = dict(sorted(Counter(codes[t] for t, _, _ in responses).items()))
    AuditRepository(session).record(
        plan_id=plan_id,
        kind="paper_responses_imported",
        actor=actor.label,
        actor_id=actor.person_id,
        plan_version=plan.version,
        at=now,
        data=summary.as_data(),
    )
    return summary


def _layout(table: Table, survey: Survey, demographics: list[Mapping[str, Any]]) -> _Layout:
    """Map the header to the team, questions and demographics; refuse a header that does not fit."""
    questions = {header_key(str(q["id"])): q for q in survey.questions or [] if "id" in q}
    demos = {header_key(str(d["id"])): d for d in demographics if "id" in d}
    log = ProblemLog()
    team: int | None = None
    by_question: dict[int, Mapping[str, Any]] = {}
    by_demographic: dict[int, Mapping[str, Any]] = {}
    for i, name in enumerate(table.header):
        key = header_key(name)
        if key in TEAM_KEYS and team is None:
            team = i
        elif key in questions:
            by_question[i] = questions[key]
        elif key in demos:
            by_demographic[i] = demos[key]
        else:
            known = ", ".join([*(str(q["id"]) for q in questions.values()), *(str(d["id"]) for d in demos.values())])
            log.add(1, name, f"not a question or demographic of this survey (its ids: {known})")
    if team is None:
        log.add(1, "", "no team_code column: every response needs its team's code")
    log.raise_if_any(table.source, "the header")
    return _Layout(team if team is not None else 0, by_question, by_demographic)


def _answer(question: Mapping[str, Any], cell: str) -> str | list[str]:
    """A cell as the answer the online form would send: the canonical spelling where one matches."""
    known = {str(a).casefold(): str(a) for a in question.get("answers") or ()}
    kind = question.get("type")
    if kind == "multiple_choice":
        parts = [p.strip() for p in cell.split(MULTIPLE_SEPARATOR) if p.strip()]
        return [known.get(p.casefold(), p) for p in parts]
    if kind == "free_text" or not known:
        return cell
    return known.get(cell.casefold(), cell)


def _option(demographic: Mapping[str, Any], cell: str) -> str:
    """A demographic cell in the canonical spelling of the option it names, where one matches."""
    known = {str(o).casefold(): str(o) for o in [*(demographic.get("options") or ()), PREFER_NOT_TO_SAY]}
    return known.get(cell.casefold(), cell)


def _column_of(name: str, table: Table, layout: _Layout) -> str:
    """The header name of the column a form problem ('answers.K1', 'demographics.ethnicity') is about."""
    section, _, ident = name.partition(".")
    columns = layout.questions if section == "answers" else layout.demographics
    for i, item in columns.items():
        if str(item.get("id")) == ident:
            return table.header[i]
    return ident  # a required demographic with no column in the file
