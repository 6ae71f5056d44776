"""Traceability of a plan, both ways, so citizens can see what became of their voice and approvers can
see what each objective stands on.

Forwards: every workshop idea -> its theme -> the recommendations citing the theme -> the objectives
delivering those recommendations -> their learning activities. Backwards: every objective -> the
recommendations it delivers -> their evidence (the organisation-wide survey finding of a question, or a
workshop theme with its ideas and votes). Ideas that led nowhere, recommendations no objective delivers
and recommendations citing nothing are listed honestly.

Anonymity: a finding is only ever the organisation-wide one, and a figure only when enough people
answered (``plans.services.evidence.findings``); an idea shows the kind of contributor, never who.
"""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy.orm import Session

from plans.models import EvidenceKind, Objective
from plans.repositories.learning_plan import LearningPlanRepository, StoredLearningPlan
from plans.repositories.signoff import SignOffRepository
from plans.repositories.traceability import IdeaRow, TraceabilityRepository
from plans.schemas_learning import FindingChoice, RecommendationChoice, ThemeChoice
from plans.schemas_traceability import (
    ActivityStep,
    EvidenceOut,
    IdeaOut,
    ObjectiveStep,
    ObjectiveTrail,
    RecommendationTrail,
    ThemeEvidence,
    ThemeTrail,
    TraceabilityOut,
)
from plans.services.evidence import findings, theme_choice
from plans.services.lifecycle import load_plan


def idea_out(row: IdeaRow) -> IdeaOut:
    """An idea as shown: its text, the kind of contributor and where it was written."""
    return IdeaOut(
        id=row.id,
        text=row.text,
        contributor_type=row.contributor_type.value,
        contributor=row.contributor_type.label,
        workshop=row.workshop,
        table=row.table,
    )


def traceability(session: Session, *, plan_id: int) -> TraceabilityOut:
    """The plan's traceability both ways (a handful of queries whatever its size)."""
    plan = load_plan(session, plan_id)
    lp_repo = LearningPlanRepository(session)
    stored = lp_repo.load(plan.id)
    owners = dict(lp_repo.people(plan))
    recs = SignOffRepository(session).recommendations(plan.id)
    trace = TraceabilityRepository(session)
    themes = {t.id: theme_choice(t) for t in trace.themes(plan.id)}
    rows = trace.ideas(plan.id)
    ideas = [idea_out(row) for row in rows]
    theme_of = {row.id: row.theme_id for row in rows}
    by_question = {f.question_id: f for f in findings(session, plan_id=plan.id)}

    ideas_by_theme: dict[int, list[IdeaOut]] = defaultdict(list)
    for idea in ideas:
        if (theme_id := theme_of[idea.id]) in themes:
            ideas_by_theme[theme_id].append(idea)
    choices = {rec.id: RecommendationChoice(id=rec.id, position=rec.position, title=rec.title) for rec, _ in recs}
    citing: dict[int, list[int]] = defaultdict(list)  # theme id -> recommendation ids
    for rec, links in recs:
        for link in links:
            if link.kind is EvidenceKind.THEME and link.ref.isdigit() and int(link.ref) in themes:
                citing[int(link.ref)].append(rec.id)
    steps = _objective_steps(stored, owners)
    delivering: dict[int, list[int]] = defaultdict(list)  # recommendation id -> objective ids, document order
    for objective in stored.objectives:
        for rec_id in stored.delivers.get(objective.id, []):
            delivering[rec_id].append(objective.id)

    forwards = []
    for theme_id, theme in themes.items():
        rec_ids = citing.get(theme_id, [])
        objective_ids = list(dict.fromkeys(o for r in rec_ids for o in delivering.get(r, [])))
        reached = "objective" if objective_ids else "recommendation" if rec_ids else "theme"
        forwards.append(
            ThemeTrail(
                theme=theme,
                ideas=ideas_by_theme.get(theme_id, []),
                recommendations=[choices[r] for r in rec_ids],
                objectives=[steps[o] for o in objective_ids],
                reached=reached,
            )
        )
    reaching = {t.theme.theme_id for t in forwards if t.reached == "objective"}
    evidence = {
        rec.id: [_evidence(link.kind, link.ref, by_question, themes, ideas_by_theme) for link in links]
        for rec, links in recs
    }
    trails = {
        rec.id: RecommendationTrail(recommendation=choices[rec.id], detail=rec.detail, evidence=evidence[rec.id])
        for rec, _ in recs
    }
    return TraceabilityOut(
        plan_id=plan.id,
        title=plan.title,
        version=plan.version,
        forwards=forwards,
        ideas_without_theme=[i for i in ideas if theme_of[i.id] not in themes],
        led_nowhere=[i for i in ideas if theme_of[i.id] not in reaching],
        backwards=[
            ObjectiveTrail(
                objective=steps[o.id], recommendations=[trails[r] for r in stored.delivers.get(o.id, []) if r in trails]
            )
            for o in stored.objectives
        ],
        undelivered=[trails[rec.id] for rec, _ in recs if not delivering.get(rec.id)],
        without_evidence=[choices[rec.id] for rec, links in recs if not links],
    )


def _evidence(
    kind: EvidenceKind,
    ref: str,
    by_question: dict[str, FindingChoice],
    themes: dict[int, ThemeChoice],
    ideas_by_theme: dict[int, list[IdeaOut]],
) -> EvidenceOut:
    full = f"{kind.value}:{ref}"
    if kind is EvidenceKind.FINDING and ref in by_question:
        return EvidenceOut(ref=full, kind=kind.value, finding=by_question[ref])
    if kind is EvidenceKind.THEME and ref.isdigit() and int(ref) in themes:
        theme_id = int(ref)
        return EvidenceOut(
            ref=full,
            kind=kind.value,
            theme=ThemeEvidence(theme=themes[theme_id], ideas=ideas_by_theme.get(theme_id, [])),
        )
    return EvidenceOut(ref=full, kind=kind.value, missing=True)


def _objective_steps(stored: StoredLearningPlan, owners: dict[int, str]) -> dict[int, ObjectiveStep]:
    aims = {a.id: a.title for a in stored.aims}

    def step(o: Objective) -> ObjectiveStep:
        return ObjectiveStep(
            id=o.id,
            aim=aims.get(o.aim_id, ""),
            text=o.text,
            measure=o.measure,
            baseline=o.baseline,
            target=o.target,
            owner=owners.get(o.owner_id, f"person {o.owner_id}"),
            due_on=o.due_on,
            activities=[
                ActivityStep(
                    id=a.id,
                    title=a.title,
                    kind=a.kind.value,
                    format=a.format,
                    audience=a.audience,
                    starts_on=a.starts_on,
                    ends_on=a.ends_on,
                    capacity=a.capacity,
                )
                for a in stored.activities.get(o.id, [])
            ],
        )

    return {o.id: step(o) for o in stored.objectives}
