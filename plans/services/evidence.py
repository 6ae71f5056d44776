"""The evidence a recommendation may cite, as a coordinator chooses it and as the checks read it: the
questions of this plan's baseline survey with their organisation-wide finding (``finding:<question id>``)
and this plan's workshop themes (``theme:<theme id>``).

Only the organisation-wide finding is ever shown (never a team's or a demographic group's), and only
when enough people answered: a finding below the reporting threshold shows why it has no figure.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.orm import Session

from plans.config import settings
from plans.domain.learning_plan import Problem
from plans.models import EvidenceKind, SurveyKind
from plans.repositories.learning_plan import LearningPlanRepository
from plans.repositories.signoff import SignOffRepository
from plans.repositories.surveys import SurveyRepository
from plans.repositories.traceability import ThemeRow, TraceabilityRepository
from plans.schemas import RecommendationIn
from plans.schemas_learning import (
    EvidenceChoices,
    FindingChoice,
    RecommendationDraft,
    RecommendationsEditor,
    ThemeChoice,
)
from plans.services.lifecycle import load_plan


@dataclass(frozen=True)
class Citable:
    """The refs this plan's recommendations may cite."""

    question_ids: frozenset[str]
    theme_ids: frozenset[int]

    def problem(self, ref: str) -> str | None:
        """Why ``ref`` (``kind:value``) cites nothing of this plan, or None when it does."""
        kind, _, value = ref.partition(":")
        if kind == EvidenceKind.FINDING.value:
            if value not in self.question_ids:
                return f"{ref!r} names no question of this plan's baseline survey"
            return None
        if kind == EvidenceKind.THEME.value:
            if not (value.isdigit() and int(value) in self.theme_ids):
                return f"{ref!r} names no workshop theme of this plan (cite a theme by its number: theme:12)"
            return None
        return f"{ref!r} is not evidence: write finding:QUESTION_ID or theme:THEME_ID"


def recommendation_problems(items: Sequence[RecommendationIn], stored: frozenset[int], refs: Citable) -> list[Problem]:
    """Every problem of a list of recommendations: ids that are not this plan's recommendations (or are
    given twice), and evidence that cites nothing of this plan."""
    problems = []
    counts = Counter(item.id for item in items if item.id is not None)
    for index, item in enumerate(items):
        at = f"recommendations[{index}]"
        if item.id is not None and item.id not in stored:
            problems.append(Problem(f"{at}.id", f"there is no recommendation {item.id} in this plan"))
        elif item.id is not None and counts[item.id] > 1:
            problems.append(Problem(f"{at}.id", f"recommendation {item.id} is given more than once"))
        for ref in dict.fromkeys(item.evidence):
            if (why := refs.problem(ref)) is not None:
                problems.append(Problem(f"{at}.evidence", why))
    return problems


def citable(session: Session, *, plan_id: int) -> Citable:
    """The question ids of the plan's baseline survey and the ids of its workshop themes."""
    baseline = SurveyRepository(session).for_plan(plan_id, SurveyKind.BASELINE)
    questions = frozenset(str(q["id"]) for q in baseline.questions) if baseline else frozenset()
    themes = frozenset(t.id for t in TraceabilityRepository(session).themes(plan_id))
    return Citable(questions, themes)


def findings(session: Session, *, plan_id: int) -> list[FindingChoice]:
    """Each question of the baseline survey, in the survey's order, with its organisation-wide finding."""
    repo = SurveyRepository(session)
    baseline = repo.for_plan(plan_id, SurveyKind.BASELINE)
    if baseline is None:
        return []
    stored = {f.question_id: f for f in repo.findings(baseline.id)}
    threshold = settings.reporting_threshold
    out = []
    for q in baseline.questions:
        qid = str(q["id"])
        row = stored.get(qid)
        if row is None:
            pct, responses, note = None, None, "No figure: the survey has not been analysed, or this question has none."
        elif row.suppressed or row.pct_positive is None:
            pct, responses, note = None, None, f"Not shown: fewer than {threshold} people answered this question."
        else:
            pct, responses, note = row.pct_positive, row.responses, None
        out.append(
            FindingChoice(
                ref=f"finding:{qid}",
                question_id=qid,
                question=str(q.get("text", qid)),
                section=str(q.get("section", "")),
                pct_positive=pct,
                responses=responses,
                note=note,
            )
        )
    return out


def theme_choice(row: ThemeRow) -> ThemeChoice:
    """A theme as a choice of evidence."""
    return ThemeChoice(
        ref=f"theme:{row.id}",
        theme_id=row.id,
        title=row.title,
        workshop=row.workshop,
        table=row.table,
        top_rank=row.top_rank,
        votes=row.votes,
        ideas=row.ideas,
    )


def evidence_choices(session: Session, *, plan_id: int) -> EvidenceChoices:
    """What the recommendations page offers to cite: the baseline's findings and the workshop themes
    (a plan that does not exist is not found, not a plan with nothing to cite)."""
    load_plan(session, plan_id)
    themes = TraceabilityRepository(session).themes(plan_id)
    return EvidenceChoices(findings=findings(session, plan_id=plan_id), themes=[theme_choice(t) for t in themes])


def recommendations_editor(session: Session, *, plan_id: int) -> RecommendationsEditor:
    """The plan's recommendations as the page edits them (each with the objectives delivering it, so
    the coordinator sees what removing one would undo) and the evidence they may cite."""
    plan = load_plan(session, plan_id)
    stored = LearningPlanRepository(session).load(plan.id)
    texts = {o.id: o.text for o in stored.objectives}
    delivered = LearningPlanRepository(session).delivered_by(plan.id)
    recs = [
        RecommendationDraft(
            id=rec.id,
            title=rec.title,
            detail=rec.detail,
            evidence=[f"{link.kind.value}:{link.ref}" for link in links],
            delivered_by=[texts[o] for o in delivered.get(rec.id, []) if o in texts],
        )
        for rec, links in SignOffRepository(session).recommendations(plan.id)
    ]
    return RecommendationsEditor(
        plan_id=plan.id,
        title=plan.title,
        stage=plan.stage.value,
        version=plan.version,
        recommendations=recs,
        choices=evidence_choices(session, plan_id=plan.id),
    )


def describe(ref: str, choices: EvidenceChoices) -> str:
    """A ref in words, for listings: the question or the theme it cites (the ref itself if it cites nothing)."""
    for f in choices.findings:
        if f.ref == ref:
            figure = f"{pct(f.pct_positive)} positive" if f.pct_positive is not None else "no figure shown"
            return f"Survey: {f.question} ({figure})"
    for t in choices.themes:
        if t.ref == ref:
            return f"Workshop theme: {t.title} ({t.table}, {t.votes} vote{'s' if t.votes != 1 else ''})"
    return ref


def pct(value: float | None) -> str:
    """A proportion positive as a whole percentage, as pages show it."""
    return "\u2013" if value is None else f"{value * 100:.0f}%"
