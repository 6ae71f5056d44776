"""Answering a survey by link (an invitation or a team link), with no sign-in.

A response keeps its team, the day, the channel, the answers and the self-reported demographics, and
nothing else: no person, no token, no time of day. An invitation records only that it was used, by a
conditional update in the response's own transaction, so two racing submissions of one link make one
response. Every response is counted for its team and day in the same transaction (``survey_team_days``):
the live rates read those counters, never the responses.

A survey's questions are cached in-process per survey: once the first response is counted they can
no longer change (``survey_admin`` refuses it), so the intake reads the survey's definition once per
process, not once per response. Before the first response the cached copy is kept only briefly.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from plans.db import after_commit
from plans.domain.errors import NotFound
from plans.domain.survey_answers import FREE_TEXT_MAX, PREFER_NOT_TO_SAY, AlreadyAnswered, AnswerForm, SurveyClosed
from plans.models import Channel
from plans.repositories.intake import IntakeRepository, SurveySource, TokenRow
from plans.services.survey_tokens import looks_like_token, token_hash

UNFROZEN_SECONDS = 5.0  # how long a survey's questions are trusted from the cache before its first response
MAX_CACHED = 4096
UNKNOWN_LINK = "There is no survey at this address. Check the link in your invitation."


@dataclass(frozen=True)
class SurveyForm:
    """A survey as its public page shows it and as the intake checks it."""

    survey_id: int
    title: str
    anonymous: bool
    closes_at: datetime
    introduction: dict[str, str]
    sections: list[dict[str, Any]]  # [{id, title, questions: [{id, type, text, help, answers}]}]
    demographics: list[dict[str, Any]]  # [{id, text, options, required}]
    rules: AnswerForm
    prefer_not_to_say: str = PREFER_NOT_TO_SAY
    free_text_max: int = FREE_TEXT_MAX


@dataclass(frozen=True)
class Opened:
    """What a link opens now: "open" (answer it), "used" (already answered) or "closed"."""

    state: str
    channel: Channel
    form: SurveyForm


@dataclass(frozen=True)
class Receipt:
    survey_id: int
    channel: Channel
    title: str


@dataclass
class _Entry:
    form: SurveyForm
    frozen: bool
    loaded: float


# keyed by the survey's id and opening time: an id alone could name another survey in another database
# (a test's, or a restored copy), and a survey's opening time never changes
_forms: dict[tuple[int, datetime], _Entry] = {}


def _build(source: SurveySource) -> SurveyForm:
    definition = source.definition or {}
    titles = {str(s.get("id")): str(s.get("title") or "") for s in definition.get("sections") or ()}
    helps = {str(q.get("id")): q.get("help") for q in definition.get("questions") or ()}
    sections: list[dict[str, Any]] = []
    by_id: dict[str, dict[str, Any]] = {}
    for q in source.questions:
        section_id = str(q.get("section") or "")
        section = by_id.get(section_id)
        if section is None:
            title = titles.get(section_id) or section_id.replace("_", " ").capitalize() or "Questions"
            section = by_id[section_id] = {"id": section_id, "title": title, "questions": []}
            sections.append(section)
        rule = AnswerForm.of([q], []).questions[str(q["id"])]
        section["questions"].append(
            {
                "id": str(q["id"]),
                "type": rule.type,
                "text": str(q.get("text") or q["id"]),
                "help": helps.get(str(q["id"])),
                "answers": [str(a) for a in q.get("answers") or ()],
            }
        )
    demographics = [
        {
            "id": str(d["id"]),
            "text": str(d.get("text") or d["id"]),
            "options": [str(o) for o in d.get("options") or ()],
            "required": bool(d.get("required", False)),
        }
        for d in definition.get("demographics") or ()
    ]
    intro = definition.get("introduction") or {}
    return SurveyForm(
        survey_id=source.id,
        title=source.title,
        anonymous=source.anonymous,
        closes_at=source.closes_at,
        introduction={k: str(v) for k, v in intro.items() if v} if isinstance(intro, dict) else {},
        sections=sections,
        demographics=demographics,
        rules=AnswerForm.of(source.questions, demographics),
    )


def _form(repo: IntakeRepository, row: TokenRow) -> SurveyForm:
    survey_id, key = row.survey_id, (row.survey_id, row.opens_at)
    entry = _forms.get(key)
    if entry is not None and (entry.frozen or time.monotonic() - entry.loaded < UNFROZEN_SECONDS):
        return entry.form
    source = repo.source(survey_id)
    if source is None:  # the token's row points at its survey by a foreign key: never expected
        raise NotFound(UNKNOWN_LINK)
    if len(_forms) >= MAX_CACHED:
        _forms.clear()
    _forms[key] = _Entry(_build(source), source.answered, time.monotonic())
    return _forms[key].form


def _freeze(key: tuple[int, datetime]) -> None:
    entry = _forms.get(key)
    if entry is not None:
        entry.frozen = True


def forget_cached_forms() -> None:
    """Drop every cached survey form (tests that change a survey under a running app)."""
    _forms.clear()


def _find(repo: IntakeRepository, token: str) -> tuple[str, TokenRow]:
    if not looks_like_token(token):
        raise NotFound(UNKNOWN_LINK)
    hashed = token_hash(token)
    row = repo.find(hashed)
    if row is None:
        raise NotFound(UNKNOWN_LINK)
    return hashed, row


def _is_open(row: TokenRow, now: datetime) -> bool:
    return row.closed_at is None and row.opens_at <= now < row.closes_at


def open_link(session: Session, *, token: str, now: datetime) -> Opened:
    """The survey a link opens and whether it can be answered now; NotFound for an unknown link (or a
    revoked team link, which says no more than an unknown one)."""
    repo = IntakeRepository(session)
    _, row = _find(repo, token)
    if row.spent and row.channel is Channel.TEAM_LINK:
        raise NotFound(UNKNOWN_LINK)
    form = _form(repo, row)
    state = "closed" if not _is_open(row, now) else "used" if row.spent else "open"
    return Opened(state, row.channel, form)


def answer(session: Session, *, token: str, answers: object, demographics: object, now: datetime) -> Receipt:
    """Record one response by link, in the caller's transaction; raises NotFound (unknown or revoked
    link), SurveyClosed, AnswerProblems (naming each field) or AlreadyAnswered."""
    repo = IntakeRepository(session)
    hashed, row = _find(repo, token)
    if row.spent and row.channel is Channel.TEAM_LINK:
        raise NotFound(UNKNOWN_LINK)
    form = _form(repo, row)
    if not _is_open(row, now):
        raise SurveyClosed(f"The survey {form.title!r} has closed, so it cannot take any more answers.")
    if row.spent:
        raise AlreadyAnswered("This link has already been used to answer the survey.")
    clean, demo = form.rules.check(answers, demographics)
    # the update decides, not the look-up above: of two racing submissions only one finds it unused
    if row.channel is Channel.INVITATION and not repo.mark_used(hashed):
        raise AlreadyAnswered("This link has already been used to answer the survey.")
    repo.add_response(
        survey_id=row.survey_id,
        team_id=row.team_id,
        day=now.date(),
        channel=row.channel,
        answers=clean,
        demographics=demo,
    )
    after_commit(session, lambda: _freeze((row.survey_id, row.opens_at)))
    return Receipt(row.survey_id, row.channel, form.title)
