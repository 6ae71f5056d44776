"""What the example programme's people write beyond their decisions: the workshop room's sticky notes
and themes, the 12-month learning and development plan tied to the recommendations, the investment
ledger, evidence and objective progress at each formative checkpoint, and the benefits claimed at the
end. ``demo_people`` calls these; each takes a session and goes through the services the pages use, so
the demo exercises the same rules (and refusals) a coordinator meets.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy.orm import Session

from evaluation.roi import IsolationMethod
from plans.domain.coproduction import Rung
from plans.domain.learning_plan import plan_year
from plans.domain.stages import Stage
from plans.models import ActivityKind
from plans.repositories.evaluation import EvaluationRepository
from plans.repositories.learning_plan import LearningPlanRepository
from plans.repositories.signoff import SignOffRepository
from plans.repositories.summative import SummativeRepository
from plans.repositories.workshop import WorkshopRepository
from plans.schemas_learning import ActivityIn, AimIn, LearningPlanIn, ObjectiveIn
from plans.schemas_signoff import InvestmentItemIn
from plans.schemas_summative import BenefitIn
from plans.services import (
    investment,
    learning_plan,
    summative,
    workshop,
    workshop_import,
    workshop_themes,
    workshop_voting,
)
from plans.services.actors import Actor
from plans.services.evidence_items import EvidenceDraft, submit_evidence
from plans.services.lifecycle import load_plan
from plans.services.objective_progress import update_progress

NOTES = Path(__file__).resolve().parent.parent / "examples" / "workshop-notes.csv"
TABLES = ("Table 1", "Table 2", "Table 3")
# the theme the "you said, we did" recommendation cites, and each table's top three (table 3 chose two)
CLOSE_THE_LOOP = "You said we did"
TOP_THREE = {
    "Table 1": ("Training together", "Time to take part", "Plain language"),
    "Table 2": ("You said we did", "Support to take part", "Leadership"),
}
# where the working party placed each stage on the ladder of co-production, and why
LADDER = {
    Stage.VISION: (Rung.CO_PRODUCTION, "Citizens and staff wrote and agreed the vision together, as equals."),
    Stage.EVIDENCE_SURVEY: (Rung.CONSULTATION, "Staff were asked; citizens helped word the questions."),
    Stage.RECOMMENDATIONS: (Rung.CO_DESIGN, "The workshop's themes shaped the plan; officers wrote it up."),
    Stage.SIGN_OFF: (Rung.INFORMING, "Senior managers decided; the panel was told the outcome."),
    Stage.DELIVERY: (Rung.CO_PRODUCTION, "Citizens co-delivered every session and were paid for their time."),
    Stage.SUMMATIVE_EVALUATION: (Rung.ENGAGEMENT, "The panel reviewed and challenged the findings."),
    Stage.REPEAT_SURVEY: (Rung.CONSULTATION, "The baseline's questions, asked again."),
}
VOTERS = ("Amira (citizen)", "Ben (carer)", "Chloe (staff)", "Dev (service user)", "Ellen (partner)")


def run_workshop(session: Session, *, plan_id: int, coordinator: Actor, now: datetime) -> dict[str, int]:
    """The room of citizens, carers and staff: the typed-up sticky notes imported table by table, each
    table's top three themes, and everyone's dots. Returns the plan's theme ids by title (a re-run finds
    the workshop already held and returns its themes)."""
    repo = WorkshopRepository(session)
    held = repo.workshops(plan_id)
    if held:
        return {t.title: t.id for t in repo.themes(held[0].id)}
    w = workshop.create_workshop(
        session,
        plan_id=plan_id,
        actor=coordinator,
        title="What would make co-production real here?",
        held_on=now.date(),
        venue="Town hall",
        tables=TABLES,
        now=now,
    )
    workshop_import.import_notes(session, plan_id=plan_id, workshop_id=w.id, path=NOTES, actor=coordinator, now=now)
    tables = {t.name: t.id for t in repo.tables(w.id)}
    themes = {(t.table_id, t.title): t.id for t in repo.themes(w.id)}
    for table, titles in TOP_THREE.items():
        ranks = [(themes[(tables[table], title)], rank) for rank, title in enumerate(titles, start=1)]
        workshop_themes.set_top_three(
            session, plan_id=plan_id, workshop_id=w.id, actor=coordinator, table_id=tables[table], ranks=ranks, now=now
        )
    shortlisted = [themes[(tables[table], title)] for table, titles in TOP_THREE.items() for title in titles]
    for i, voter in enumerate(VOTERS):
        picks = [shortlisted[(i + k) % len(shortlisted)] for k in (0, 3, 4)]
        workshop_voting.cast_dots(
            session, plan_id=plan_id, workshop_id=w.id, actor=coordinator, voter=voter, theme_ids=picks, now=now
        )
    return {t.title: t.id for t in repo.themes(w.id)}


def build_learning_plan(
    session: Session, *, plan_id: int, coordinator: Actor, owners: list[int], now: datetime
) -> None:
    """The learning and development plan: two aims, an objective delivering each recommendation (owned in
    turn by the working party), each with a learning activity (skills, knowledge or experience); then the
    investment ledger that pays for it. Called after every draft, so a revision's new recommendation gets
    its objective too."""
    plan = load_plan(session, plan_id)
    year = plan_year(plan.starts_on)
    recs = [rec for rec, _ in SignOffRepository(session).recommendations(plan_id)]
    kinds = (ActivityKind.KNOWLEDGE, ActivityKind.SKILLS, ActivityKind.EXPERIENCE)
    objectives = []
    for i, rec in enumerate(recs):
        due = min(year.last, year.first + timedelta(days=120 * (i + 1)))
        objectives.append(
            ObjectiveIn(
                aim=0 if i < 2 else 1,
                text=f"{rec.title} by {due:%B %Y}",
                measure="share of staff answering positively in the repeat survey",
                baseline="the baseline survey's figure",
                target="up 20 points",
                owner_id=owners[i % len(owners)],
                due_on=due,
                recommendation_ids=[rec.id],
                activities=[
                    ActivityIn(
                        title=f"Co-delivered sessions: {rec.title.lower()}",
                        kind=kinds[i % len(kinds)],
                        format="workshop" if i % 2 else "e-learning and discussion",
                        audience="all staff",
                        starts_on=year.first + timedelta(days=30),
                        ends_on=due,
                        capacity=120,
                    )
                ],
            )
        )
    document = LearningPlanIn(
        aims=[
            AimIn(title="Every member of staff knows and can practise co-production"),
            AimIn(title="Citizens see what changed because they took part"),
        ],
        objectives=objectives,
    )
    learning_plan.save_learning_plan(session, plan_id=plan_id, actor=coordinator, document=document, now=now)
    stored = LearningPlanRepository(session).load(plan_id)
    activities = [a for o in stored.objectives for a in stored.activities.get(o.id, [])]
    items = [
        InvestmentItemIn(
            kind="staff_time",
            description="Staff attending the sessions (120 staff x 6 hours)",
            contributor="Council",
            hours=720,
            rate_pence=2_450,
            activity_id=activities[0].id if activities else None,
        ),
        InvestmentItemIn(
            kind="direct_cost",
            description="Citizen co-trainers paid for their time and travel",
            contributor="Council",
            amount_pence=480_000,
        ),
        InvestmentItemIn(
            kind="in_kind",
            description="Community centre rooms",
            contributor="Voluntary sector partner",
            amount_pence=90_000,
        ),
    ]
    investment.set_ledger(session, plan_id=plan_id, actor=coordinator, items=items, now=now)


def give_evidence(session: Session, *, plan_id: int, number: int, owners: dict[int, Actor], now: datetime) -> int:
    """At checkpoint ``number`` each objective's owner gives evidence for it (attendance and reaction
    every time; learning, behaviour and results as the year goes on) and reports its progress. Returns
    how many pieces of evidence were given."""
    given = 0
    levels = ["attendance", "reaction", "learning", "behaviour", "results"][: 2 + number]
    for i, objective in enumerate(LearningPlanRepository(session).load(plan_id).objectives):
        owner = owners[objective.owner_id]
        for kind in levels:
            draft = replace(_evidence(kind, number, i), checkpoint=number, objective_id=objective.id)
            submit_evidence(session, plan_id=plan_id, actor=owner, draft=draft, now=now)
            given += 1
        percent = min(100, 25 * number)
        late = i == 1 and number == 2  # one objective slips for a quarter, and says why
        update_progress(
            session,
            plan_id=plan_id,
            actor=owner,
            objective_id=objective.id,
            status="amber" if late else "green",
            percent_complete=percent - 10 if late else percent,
            note="Rota pressures postponed two sessions; rebooked for next month." if late else "",
            now=now,
        )
    return given


def _evidence(kind: str, number: int, i: int) -> EvidenceDraft:
    people = 40 + 15 * number + 5 * i
    return {
        "attendance": EvidenceDraft("attendance", f"Staff at quarter {number}'s sessions", None, "", people),
        "reaction": EvidenceDraft("reaction", "Post-session feedback: useful", 4.1 + number / 20, "out of 5", people),
        "learning": EvidenceDraft("learning", "Knowledge check after the module", 70 + 4 * number, "%", people),
        "behaviour": EvidenceDraft(
            "behaviour", "Teams that involved citizens in planning this quarter", 8 + 3 * number, "teams", None
        ),
        "results": EvidenceDraft("results", "Complaints about communication", 14 - 2 * number, "a month", None),
    }[kind]


def evidence_for_expectations(session: Session, *, plan_id: int, coordinator: Actor, now: datetime) -> int:
    """At the end the coordinator files, against each expectation in the register, the evidence at its
    Kirkpatrick level that the judgement will rest on. Returns how many pieces were filed."""
    by_level = {1: "reaction", 2: "learning", 3: "behaviour", 4: "results"}
    expectations = EvaluationRepository(session).expectations(plan_id)
    for i, e in enumerate(expectations):
        draft = replace(_evidence(by_level.get(e.level, "reaction"), 4, i), expectation_id=e.id)
        submit_evidence(session, plan_id=plan_id, actor=coordinator, draft=draft, now=now)
    return len(expectations)


def claim_benefits(session: Session, *, plan_id: int, coordinator: Actor, now: datetime) -> None:
    """The benefits the coordinator claims: one valued in money with its isolation method (so ROI can be
    worked out), one intangible. Benefits already claimed (typed in by a person) are left as they are."""
    if SummativeRepository(session).benefits(plan_id):
        return
    items = [
        BenefitIn(
            description="Fewer complaints about communication (staff time handling them)",
            value_pence=6_174_000,
            isolation_method=IsolationMethod.TREND_LINE,
            contribution_pct=60,
            confidence_pct=80,
            how_valued="12 fewer complaints a month x 12 months x 17.5 hours x £24.50, against the 3-year trend",
        ),
        BenefitIn(description="Citizens say they trust the council to act on what they say", contribution_pct=100),
    ]
    summative.set_benefits(session, plan_id=plan_id, actor=coordinator, items=items, now=now)
