"""A small world for the learning plan and traceability tests: the small plan at its recommendations
stage (baseline survey answered and analysed), a workshop whose notes are written straight into the
tables (the workshop's own pages have tests of their own), and the coordinator's recommendations.

Tests build documents from these ids and change one thing at a time."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from flows.demo_people import People
from plans.db import session_scope
from plans.domain.stages import Stage
from plans.models import ContributorType, Idea, Theme, ThemeVote, Workshop, WorkshopTable, utcnow
from plans.repositories.people import PeopleRepository
from plans.schemas import RecommendationIn
from plans.schemas_learning import ActivityIn, AimIn, LearningPlanIn, ObjectiveIn
from plans.services import learning_plan, recommendations
from tests.conftest import SMALL_PLAN
from tests.support import create, walk_to

CITIZEN_IDEA = "Tell us what changed after we spoke up"
STRAY_IDEA = "Free parking for carers at the hospital"  # never grouped into a theme
QUIET_IDEA = "Meet in the evening as well as the day"  # in a theme no recommendation cites


@dataclass
class Workshop1:
    """Ids of one workshop: its themes by title and its ideas by text."""

    id: int
    themes: dict[str, int] = field(default_factory=dict)
    ideas: dict[str, int] = field(default_factory=dict)


def other_plan_file(tmp_path: Path) -> Path:
    """The small plan again, under another slug, whose first question is X1 instead of K1."""
    content = SMALL_PLAN.read_text().replace("slug: small-plan", "slug: other-plan").replace("id: K1", "id: X1")
    path = tmp_path / "other-plan.yaml"
    path.write_text(content)
    return path


def at_recommendations(path: Path = SMALL_PLAN) -> tuple[int, People]:
    """A plan of ``path`` that has reached its recommendations stage."""
    plan_id, people = create(path)
    walk_to(plan_id, people, Stage.RECOMMENDATIONS)
    return plan_id, people


def add_workshop(plan_id: int, title: str = "Listening event") -> Workshop1:
    """Two tables; table 1 groups a citizen's and a staff member's ideas under a theme (two dots), table 2
    puts one idea under a theme of its own (one dot); a carer's idea stays ungrouped."""
    with session_scope() as s:
        w = Workshop(plan_id=plan_id, title=title, held_on=date(2026, 11, 14), venue="Town hall")
        s.add(w)
        s.flush()
        t1, t2 = (
            WorkshopTable(workshop_id=w.id, name="Table 1", position=0),
            WorkshopTable(workshop_id=w.id, name="Table 2", position=1),
        )
        s.add_all([t1, t2])
        s.flush()
        shown = Theme(workshop_id=w.id, plan_id=plan_id, table_id=t1.id, title="Show what was done", top_rank=1)
        times = Theme(workshop_id=w.id, plan_id=plan_id, table_id=t2.id, title="Times that suit people", top_rank=1)
        s.add_all([shown, times])
        s.flush()
        ideas = [
            Idea(
                workshop_id=w.id,
                table_id=t1.id,
                text=CITIZEN_IDEA,
                contributor_type=ContributorType.CITIZEN,
                theme_id=shown.id,
            ),
            Idea(
                workshop_id=w.id,
                table_id=t1.id,
                text="Post the changes on the staff intranet",
                contributor_type=ContributorType.STAFF,
                theme_id=shown.id,
            ),
            Idea(
                workshop_id=w.id,
                table_id=t2.id,
                text=QUIET_IDEA,
                contributor_type=ContributorType.SERVICE_USER,
                theme_id=times.id,
            ),
            Idea(workshop_id=w.id, table_id=t2.id, text=STRAY_IDEA, contributor_type=ContributorType.CARER),
        ]
        s.add_all(ideas)
        s.add_all(
            [
                ThemeVote(workshop_id=w.id, theme_id=shown.id, voter="A1"),
                ThemeVote(workshop_id=w.id, theme_id=shown.id, voter="B7"),
                ThemeVote(workshop_id=w.id, theme_id=times.id, voter="A1"),
            ]
        )
        s.flush()
        return Workshop1(w.id, {t.title: t.id for t in (shown, times)}, {i.text: i.id for i in ideas})


def person_id(email: str) -> int:
    with session_scope() as s:
        return PeopleRepository(s).people_by_email([email])[email].id


def draft(plan_id: int, people: People, items: list[RecommendationIn]) -> int:
    """The coordinator saves ``items`` as the recommendations; returns the plan's version."""
    with session_scope() as s:
        return recommendations.set_recommendations(
            s, plan_id=plan_id, actor=people.coordinator, items=items, now=utcnow()
        )


def recommendation_ids(plan_id: int) -> list[int]:
    with session_scope() as s:
        return [r.id for r in learning_plan.learning_plan(s, plan_id=plan_id).recommendations]


def two_recommendations(plan_id: int, people: People, theme_id: int, question: str = "K1") -> list[int]:
    """'Close the loop' (citing the theme and the question's finding) and 'Build confidence' (citing
    S1); their ids."""
    draft(
        plan_id,
        people,
        [
            RecommendationIn(
                title="Close the loop", detail="Report back.", evidence=[f"theme:{theme_id}", f"finding:{question}"]
            ),
            RecommendationIn(title="Build confidence", evidence=["finding:S1"]),
        ],
    )
    return recommendation_ids(plan_id)


def document(rec_ids: list[int], owner_id: int) -> LearningPlanIn:
    """One aim, one objective delivering the first recommendation with one activity (all valid for the
    small plan, which starts on 2027-01-04 and so ends on 2028-01-03)."""
    return LearningPlanIn(
        aims=[AimIn(title="Everyone closes the loop with citizens")],
        objectives=[
            ObjectiveIn(
                aim=0,
                text="Every team reports back to citizens what changed",
                measure="Share of teams with a you-said-we-did report",
                baseline="10%",
                target="90%",
                owner_id=owner_id,
                due_on=date(2027, 12, 31),
                recommendation_ids=[rec_ids[0]],
                activities=[
                    ActivityIn(
                        title="Reporting back workshop",
                        kind="skills",
                        format="workshop",
                        audience="team managers",
                        starts_on=date(2027, 3, 1),
                        ends_on=date(2027, 3, 1),
                        capacity=20,
                    )
                ],
            )
        ],
    )
