"""The citizen panel's pages and JSON API: a panel member sees the published outputs of the plans they sit
on (recorded checkpoints, the summative report, the closed repeat survey's comparison) with the panel's
reviews, nothing unpublished, never a suppressed figure, and 404 for any other plan."""

from __future__ import annotations

import yaml
from sqlalchemy import select

from flows.demo_people import People
from plans.db import session_scope
from plans.domain.stages import Stage
from plans.files import parse_plan
from plans.models import SurveyFinding, SurveyKind, Verdict, utcnow
from plans.repositories.surveys import SurveyRepository
from plans.services import evaluation
from plans.services.actors import SYSTEM, actor_by_email
from plans.services.plan_setup import create_plan
from tests.api.test_vision_pages import CAT, CORA, PAT, sign_in
from tests.conftest import SMALL_PLAN, Database
from tests.support import create, walk_to

PIA = "pia@citizens.example"


def plan_without_pat() -> int:
    """A second plan whose citizen panel is Pia alone."""
    data = yaml.safe_load(SMALL_PLAN.read_text())
    data["plan"]["slug"], data["plan"]["title"] = "pia-only", "Pia's plan"
    data["citizen_panel"] = [PIA]
    with session_scope() as s:
        return create_plan(s, spec=parse_plan(data, "test"), actor=SYSTEM, now=utcnow()).id


def in_delivery_with_first_checkpoint() -> tuple[int, People]:
    """A plan in delivery whose first checkpoint is recorded (and reviewed by Pat) and second is not."""
    plan_id, people = create(SMALL_PLAN)
    walk_to(plan_id, people, Stage.DELIVERY)
    with session_scope() as s:
        evaluation.record_checkpoint(
            s,
            plan_id=plan_id,
            actor=actor_by_email(s, CORA),
            number=1,
            did="Ran the induction module.",
            learned="Co-delivery works.",
            change="More co-delivered sessions.",
            attendance=42,
            now=utcnow(),
        )
    with session_scope() as s:
        evaluation.review(
            s,
            plan_id=plan_id,
            actor=actor_by_email(s, PAT),
            output="formative-1",
            verdict=Verdict.COMMENT,
            text="Please include night-shift staff.",
            now=utcnow(),
        )
    return plan_id, people


class TestPanelHome:
    def test_lists_my_plans_and_what_each_has_published(self, db: Database) -> None:
        plan_id, _ = in_delivery_with_first_checkpoint()
        other = plan_without_pat()
        page = sign_in(PAT).get("/panel")
        assert page.status_code == 200
        assert "Small test plan" in page.text and "Pia&#39;s plan" not in page.text
        assert f'href="/panel/plans/{plan_id}#formative-1"' in page.text and "Formative checkpoint 2" not in page.text
        assert "Summative report" not in page.text and "Repeat survey" not in page.text
        assert f"/panel/plans/{other}" not in page.text

    def test_someone_on_no_panel_is_told_so(self, db: Database) -> None:
        create(SMALL_PLAN)
        page = sign_in(CAT).get("/panel")
        assert page.status_code == 200 and "You do not sit on the citizen panel of any plan" in page.text


class TestPanelPlan:
    def test_only_recorded_outputs_and_reviews_read_only(self, db: Database) -> None:
        plan_id, _ = in_delivery_with_first_checkpoint()
        page = sign_in(PAT).get(f"/panel/plans/{plan_id}")
        assert page.status_code == 200
        for words in ("Ran the induction module.", "Co-delivery works.", "More co-delivered sessions.", "42"):
            assert words in page.text
        assert (
            "Please include night-shift staff." in page.text and "Commented" in page.text and "Pat Panel" in page.text
        )
        assert "Checkpoint 2" not in page.text and 'id="formative-2"' not in page.text
        assert "The summative report has not been published yet" in page.text
        assert "The repeat staff survey has not closed yet" in page.text
        # read-only: no forms but sign-out, no audit log, no vision
        assert page.text.count("<form") == 1 and "plan created" not in page.text and "Not us and them" not in page.text

    def test_other_plans_are_not_found_and_coordinators_may_look(self, db: Database) -> None:
        plan_id, _ = create(SMALL_PLAN)
        other = plan_without_pat()
        pat = sign_in(PAT)
        assert pat.get(f"/panel/plans/{other}").status_code == 404
        assert pat.get(f"/api/v1/plans/{other}/panel").status_code == 404
        assert pat.get("/panel/plans/999").status_code == 404
        assert sign_in(CAT).get(f"/panel/plans/{plan_id}").status_code == 404
        assert sign_in(CORA).get(f"/panel/plans/{plan_id}").status_code == 200
        assert sign_in(PIA).get(f"/panel/plans/{other}").status_code == 200

    def test_everything_published_once_the_plan_has_closed(self, db: Database) -> None:
        plan_id, people = create(SMALL_PLAN)
        walk_to(plan_id, people, Stage.CLOSED)
        page = sign_in(PAT).get(f"/panel/plans/{plan_id}")
        assert page.status_code == 200
        assert 'id="formative-1"' in page.text and 'id="formative-2"' in page.text
        assert "Citizens co-delivered every workshop." in page.text  # the summative report
        assert "Challenged" in page.text and "we have published all 29 on the council website" in page.text
        assert "Repeat survey: what changed" in page.text and "I know what coproduction means." in page.text
        assert "First survey" in page.text and " points" in page.text


class TestSuppression:
    def test_a_suppressed_figure_is_never_shown(self, db: Database) -> None:
        plan_id, people = create(SMALL_PLAN)
        walk_to(plan_id, people, Stage.CLOSED)
        with session_scope() as s:
            survey = SurveyRepository(s).for_plan(plan_id, SurveyKind.REPEAT)
            assert survey is not None
            rows = {
                f.question_id: f for f in s.scalars(select(SurveyFinding).where(SurveyFinding.survey_id == survey.id))
            }
            # a suppressed finding that (wrongly) still holds figures: none of them may leak
            k1 = rows["K1"]
            k1.suppressed, k1.responses, k1.positive = True, 7, 1
            k1.pct_positive, k1.ci_low, k1.ci_high = 0.123, 0.0456, 0.2345
            k1.change = {
                "comparable": True,
                "suppressed": False,
                "baseline_pct": 0.777,
                "difference": -0.654,
                "ci_low": -0.888,
                "ci_high": -0.321,
                "significant": True,
            }
            # the baseline was suppressed: the repeat figure may show, the comparison may not
            rows["S1"].change = {"comparable": True, "suppressed": True}

        page = sign_in(PAT).get(f"/panel/plans/{plan_id}").text
        assert "Not shown: fewer than 11 people answered this question." in page
        for figure in ("12%", "78%", "-65 points", "-89 points", "-32 points"):
            assert figure not in page, figure
        assert "No comparison: fewer than 11 people answered this question in one of the surveys." in page

        api = sign_in(PAT).get(f"/api/v1/plans/{plan_id}/panel").json()
        k1_out = next(f for f in api["repeat_survey"]["findings"] if f["question_id"] == "K1")
        assert k1_out["suppressed"] is True
        assert all(
            k1_out[k] is None for k in ("responses", "repeat_pct", "baseline_pct", "difference", "ci_low", "ci_high")
        )
        s1_out = next(f for f in api["repeat_survey"]["findings"] if f["question_id"] == "S1")
        assert s1_out["repeat_pct"] is not None and s1_out["baseline_pct"] is None and s1_out["difference"] is None

    def test_an_open_repeat_survey_shows_nothing(self, db: Database) -> None:
        plan_id, people = create(SMALL_PLAN)
        walk_to(plan_id, people, Stage.REPEAT_SURVEY)
        api = sign_in(PAT).get(f"/api/v1/plans/{plan_id}/panel").json()
        assert api["repeat_survey"] is None and api["summative_report"] is not None


class TestPanelApi:
    def test_my_plans_only(self, db: Database) -> None:
        plan_id, _ = in_delivery_with_first_checkpoint()
        plan_without_pat()
        home = sign_in(PAT).get("/api/v1/panel")
        assert home.status_code == 200
        plans = home.json()["plans"]
        assert [p["plan_id"] for p in plans] == [plan_id]
        assert [c["output"] for c in plans[0]["checkpoints"]] == ["formative-1"]
        assert plans[0]["reviews"][0] | {"id": 0, "at": ""} == {
            "id": 0,
            "output": "formative-1",
            "member": "Pat Panel",
            "verdict": "comment",
            "text": "Please include night-shift staff.",
            "at": "",
            "response": None,
            "responded_by": None,
            "responded_at": None,
        }
        assert sign_in(CAT).get("/api/v1/panel").json() == {"plans": []}
        one = sign_in(PAT).get(f"/api/v1/plans/{plan_id}/panel")
        assert one.status_code == 200 and one.json()["checkpoints"][0]["what_we_did"] == "Ran the induction module."
