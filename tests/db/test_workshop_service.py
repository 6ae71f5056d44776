"""Running a workshop through its services, on SQLite and PostgreSQL: live capture, themes, each table's
top three, the dot vote and its results, and who may change a workshop when. Every refusal is a sentence
naming the field or row, and leaves the database as it was (the refusals here are committed, not rolled
back, so a half-written change would show)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select, update

from plans.db import session_scope
from plans.domain.errors import AlreadyDecided, InvalidInput, NotFound, NotPermitted, StageLocked
from plans.domain.row_problems import RowProblems
from plans.domain.stages import Stage
from plans.models import (
    AuditEvent,
    EvidenceKind,
    EvidenceLink,
    Idea,
    Plan,
    Recommendation,
    Theme,
    ThemeVote,
    Workshop,
    WorkshopTable,
    utcnow,
)
from plans.repositories.workshop import WorkshopRepository
from plans.services import workshop, workshop_import, workshop_themes, workshop_views, workshop_voting
from plans.services.actors import Actor, actor_by_email
from tests.conftest import SMALL_PLAN, Database
from tests.support import create, walk_to

CORA, SUE = "cora@small.example", "sue@small.example"
TABLES = [f"Table {n}" for n in range(1, 9)]


def cora() -> Actor:
    with session_scope() as s:
        return actor_by_email(s, CORA)


def snapshot() -> tuple[int, ...]:
    """Rows of every workshop table and of the audit log: a refusal must leave all of them as they were."""
    with session_scope() as s:
        return tuple(
            s.scalar(select(func.count()).select_from(m)) or 0
            for m in (Workshop, WorkshopTable, Idea, Theme, ThemeVote, AuditEvent)
        )


def new_workshop(plan_id: int, *, tables: list[str] | None = None, dots: int = 3) -> tuple[int, dict[str, int]]:
    """A workshop of the plan and its tables' ids by name."""
    with session_scope() as s:
        w = workshop.create_workshop(
            s,
            plan_id=plan_id,
            actor=actor_by_email(s, CORA),
            title="Listening event",
            held_on=date(2027, 2, 10),
            venue="Town hall",
            dots_per_voter=dots,
            tables=tables or TABLES,
            now=utcnow(),
        )
        names = {t.name: t.id for t in s.scalars(select(WorkshopTable).where(WorkshopTable.workshop_id == w.id))}
        return w.id, names


def idea(plan_id: int, wid: int, table_id: int, text: str, kind: str = "citizen", theme_id: int | None = None) -> int:
    with session_scope() as s:
        return workshop.add_idea(
            s,
            plan_id=plan_id,
            workshop_id=wid,
            actor=actor_by_email(s, CORA),
            table_id=table_id,
            text=text,
            contributor_type=kind,
            theme_id=theme_id,
            now=utcnow(),
        ).id


def theme(plan_id: int, wid: int, table_id: int, title: str, ideas: tuple[int, ...] = ()) -> int:
    with session_scope() as s:
        return workshop_themes.add_theme(
            s,
            plan_id=plan_id,
            workshop_id=wid,
            actor=actor_by_email(s, CORA),
            table_id=table_id,
            title=title,
            idea_ids=ideas,
            now=utcnow(),
        ).id


def top(plan_id: int, wid: int, table_id: int, ranks: list[tuple[int, int]]) -> None:
    with session_scope() as s:
        workshop_themes.set_top_three(
            s,
            plan_id=plan_id,
            workshop_id=wid,
            actor=actor_by_email(s, CORA),
            table_id=table_id,
            ranks=ranks,
            now=utcnow(),
        )


def dots(plan_id: int, wid: int, voter: str, theme_ids: list[int]) -> None:
    with session_scope() as s:
        workshop_voting.cast_dots(
            s,
            plan_id=plan_id,
            workshop_id=wid,
            actor=actor_by_email(s, CORA),
            voter=voter,
            theme_ids=theme_ids,
            now=utcnow(),
        )


def table_with_three_themes(plan_id: int, wid: int, table_id: int, prefix: str = "") -> list[int]:
    """Three themes of one ideas each at the table, ranked 1-3; their ids in rank order."""
    ids = [theme(plan_id, wid, table_id, f"{prefix}{title}") for title in ("Training", "Plain words", "Time")]
    top(plan_id, wid, table_id, [(tid, rank) for rank, tid in enumerate(ids, start=1)])
    return ids


class TestCreateWorkshop:
    def test_eight_tables_in_order_and_audited(self, db: Database) -> None:
        plan_id, _ = create(SMALL_PLAN)
        wid, tables = new_workshop(plan_id)
        assert list(tables) == TABLES
        with session_scope() as s:
            event = s.scalars(select(AuditEvent).where(AuditEvent.kind == "workshop_created")).one()
            assert event.data["tables"] == TABLES and event.data["workshop_id"] == wid
            assert event.actor.startswith("Cora Coordinator")
            rows = workshop_views.plan_workshops(s, plan_id=plan_id)
        assert rows.open and [(w.title, w.tables, w.ideas) for w in rows.workshops] == [("Listening event", 8, 0)]

    def test_every_problem_named_and_nothing_written(self, db: Database) -> None:
        plan_id, _ = create(SMALL_PLAN)
        before = snapshot()
        with session_scope() as s, pytest.raises(InvalidInput) as refused:
            workshop.create_workshop(
                s,
                plan_id=plan_id,
                actor=actor_by_email(s, CORA),
                title="  ",
                held_on=date(2027, 2, 10),
                dots_per_voter=0,
                tables=["Table 1", "table 1"],
                now=utcnow(),
            )
        assert refused.value.message == (
            "title: empty: enter the workshop's title; dots_per_voter: between 1 and 20 dots per voter (0 given); "
            "tables[1]: 'table 1' is the same name as tables[0]; each table needs its own"
        )
        assert snapshot() == before

    def test_only_coordinators(self, db: Database) -> None:
        plan_id, _ = create(SMALL_PLAN)
        with session_scope() as s, pytest.raises(NotPermitted, match="needs the coordinator role"):
            workshop.create_workshop(
                s,
                plan_id=plan_id,
                actor=actor_by_email(s, SUE),
                title="Mine",
                held_on=date(2027, 2, 10),
                tables=["A"],
                now=utcnow(),
            )

    def test_a_table_added_on_the_day_goes_last_and_names_stay_distinct(self, db: Database) -> None:
        plan_id, _ = create(SMALL_PLAN)
        wid, _ = new_workshop(plan_id, tables=["Table 1", "Table 2"])
        with session_scope() as s:
            added = workshop.add_table(
                s, plan_id=plan_id, workshop_id=wid, actor=cora(), name="Carers' corner", now=utcnow()
            )
            assert added.position == 3
        with session_scope() as s, pytest.raises(AlreadyDecided, match="already has a table called 'Table 2'"):
            workshop.add_table(s, plan_id=plan_id, workshop_id=wid, actor=cora(), name=" 2 ", now=utcnow())


class TestLiveCapture:
    def test_ideas_with_their_table_and_contributor_type(self, db: Database) -> None:
        plan_id, _ = create(SMALL_PLAN)
        wid, tables = new_workshop(plan_id)
        idea(plan_id, wid, tables["Table 1"], "  Train staff with citizens, not about them ", "Citizen")
        idea(plan_id, wid, tables["Table 1"], "Time in rotas for involvement", "staff")
        idea(plan_id, wid, tables["Table 2"], "Carers need breaks to take part", "service users")
        with session_scope() as s:
            view = workshop_views.workshop_view(s, plan_id=plan_id, workshop_id=wid)
        first, second = view.tables[0], view.tables[1]
        assert [(i.text, i.contributor_type) for i in first.ungrouped] == [
            ("Train staff with citizens, not about them", "citizen"),
            ("Time in rotas for involvement", "staff"),
        ]
        assert [i.contributor_label for i in second.ungrouped] == ["service user"]
        assert view.workshop.ideas == 3 and view.mix.summary == "1 citizen, 1 service user, 1 staff"

    def test_an_idea_for_a_table_of_another_workshop_is_refused(self, db: Database) -> None:
        plan_id, _ = create(SMALL_PLAN)
        wid, _ = new_workshop(plan_id)
        _, other_tables = new_workshop(plan_id)
        before = snapshot()
        with pytest.raises(InvalidInput, match=r"^table_id: 'Listening event' has no table \d+ \(a table of another"):
            idea(plan_id, wid, other_tables["Table 3"], "Hello")
        assert snapshot() == before

    def test_empty_idea_unknown_type_and_a_theme_of_another_table(self, db: Database) -> None:
        plan_id, _ = create(SMALL_PLAN)
        wid, tables = new_workshop(plan_id)
        other = theme(plan_id, wid, tables["Table 2"], "Breaks")
        before = snapshot()
        with pytest.raises(InvalidInput, match=r"^text: empty: enter the idea as written$"):
            idea(plan_id, wid, tables["Table 1"], "   ")
        with pytest.raises(InvalidInput, match="use citizen, carer, service user, staff or partner"):
            idea(plan_id, wid, tables["Table 1"], "Hello", kind="patient")
        with pytest.raises(InvalidInput, match="'Breaks' is a theme of Table 2; an idea written at Table 1 goes"):
            idea(plan_id, wid, tables["Table 1"], "Hello", theme_id=other)
        with pytest.raises(InvalidInput, match="1,000 characters or fewer"):
            idea(plan_id, wid, tables["Table 1"], "x" * 1001)
        assert snapshot() == before

    def test_correcting_and_removing_an_idea(self, db: Database) -> None:
        plan_id, _ = create(SMALL_PLAN)
        wid, tables = new_workshop(plan_id)
        iid = idea(plan_id, wid, tables["Table 1"], "Trian staff", "staff")
        with session_scope() as s:
            workshop.edit_idea(
                s,
                plan_id=plan_id,
                workshop_id=wid,
                actor=cora(),
                idea_id=iid,
                text="Train staff",
                contributor_type="carer",
                now=utcnow(),
            )
        with session_scope() as s:
            row = s.get(Idea, iid)
            assert row is not None and (row.text, row.contributor_type.value) == ("Train staff", "carer")
            workshop.remove_idea(s, plan_id=plan_id, workshop_id=wid, actor=cora(), idea_id=iid, now=utcnow())
        with session_scope() as s:
            assert s.get(Idea, iid) is None
            gone = s.scalars(select(AuditEvent).where(AuditEvent.kind == "workshop_idea_removed")).one()
            assert gone.data["text"] == "Train staff"
        other, _ = new_workshop(plan_id)
        with session_scope() as s, pytest.raises(InvalidInput, match="has no idea"):
            workshop.remove_idea(s, plan_id=plan_id, workshop_id=other, actor=cora(), idea_id=iid, now=utcnow())


class TestThemes:
    def test_grouping_and_moving_ideas_between_a_tables_themes(self, db: Database) -> None:
        plan_id, _ = create(SMALL_PLAN)
        wid, tables = new_workshop(plan_id)
        t1 = tables["Table 1"]
        a, b, c = (idea(plan_id, wid, t1, text) for text in ("Train together", "Plain words", "Easy read"))
        training = theme(plan_id, wid, t1, "Training", (a, b))
        words = theme(plan_id, wid, t1, "Plain language")
        with session_scope() as s:
            moved = workshop_themes.move_ideas(
                s, plan_id=plan_id, workshop_id=wid, actor=cora(), idea_ids=[b, c], theme_id=words, now=utcnow()
            )
            assert moved == 2
        with session_scope() as s:
            view = workshop_views.workshop_view(s, plan_id=plan_id, workshop_id=wid)
        by_title = {t.title: [i.text for i in t.ideas] for t in view.tables[0].themes}
        assert by_title == {"Training": ["Train together"], "Plain language": ["Plain words", "Easy read"]}
        with session_scope() as s:
            workshop_themes.move_ideas(
                s, plan_id=plan_id, workshop_id=wid, actor=cora(), idea_ids=[a], theme_id=None, now=utcnow()
            )
        with session_scope() as s:
            assert s.get(Idea, a).theme_id is None  # type: ignore[union-attr]
            assert s.get(Idea, b).theme_id == words  # type: ignore[union-attr]
        assert training

    def test_a_move_with_one_idea_of_another_table_moves_nothing(self, db: Database) -> None:
        plan_id, _ = create(SMALL_PLAN)
        wid, tables = new_workshop(plan_id)
        mine = idea(plan_id, wid, tables["Table 1"], "Mine")
        theirs = idea(plan_id, wid, tables["Table 2"], "Theirs")
        target = theme(plan_id, wid, tables["Table 1"], "Training")
        before = snapshot()
        with session_scope() as s, pytest.raises(InvalidInput) as refused:
            workshop_themes.move_ideas(
                s,
                plan_id=plan_id,
                workshop_id=wid,
                actor=cora(),
                idea_ids=[mine, theirs, 999999],
                theme_id=target,
                now=utcnow(),
            )
        assert refused.value.message == (
            f"idea_ids[1]: idea {theirs} was written at Table 2; 'Training' is a theme of Table 1; "
            "idea_ids[2]: 'Listening event' has no idea 999999"
        )
        assert snapshot() == before
        with session_scope() as s:
            assert s.get(Idea, mine).theme_id is None  # type: ignore[union-attr]

    def test_theme_names_are_distinct_per_table(self, db: Database) -> None:
        plan_id, _ = create(SMALL_PLAN)
        wid, tables = new_workshop(plan_id)
        theme(plan_id, wid, tables["Table 1"], "Training")
        theme(plan_id, wid, tables["Table 2"], "Training")  # another table may use the same words
        with pytest.raises(AlreadyDecided, match="Table 1 already has a theme called 'Training'"):
            theme(plan_id, wid, tables["Table 1"], " training ")
        with pytest.raises(InvalidInput, match=r"^title: empty: enter the theme's name$"):
            theme(plan_id, wid, tables["Table 1"], "")

    def test_removing_a_theme_keeps_its_ideas(self, db: Database) -> None:
        plan_id, _ = create(SMALL_PLAN)
        wid, tables = new_workshop(plan_id)
        a = idea(plan_id, wid, tables["Table 1"], "Train together")
        tid = theme(plan_id, wid, tables["Table 1"], "Training", (a,))
        with session_scope() as s:
            assert (
                workshop_themes.remove_theme(
                    s, plan_id=plan_id, workshop_id=wid, actor=cora(), theme_id=tid, now=utcnow()
                )
                == 1
            )
        with session_scope() as s:
            assert s.get(Theme, tid) is None and s.get(Idea, a).theme_id is None  # type: ignore[union-attr]

    def test_a_theme_a_recommendation_cites_cannot_be_removed(self, db: Database) -> None:
        plan_id, _ = create(SMALL_PLAN)
        wid, tables = new_workshop(plan_id)
        tid = theme(plan_id, wid, tables["Table 1"], "Training")
        with session_scope() as s:
            rec = Recommendation(plan_id=plan_id, position=1, title="Train every team with citizens", detail="")
            s.add(rec)
            s.flush()
            s.add(EvidenceLink(recommendation_id=rec.id, kind=EvidenceKind.THEME, ref=str(tid)))
        before = snapshot()
        with session_scope() as s, pytest.raises(AlreadyDecided) as refused:
            workshop_themes.remove_theme(s, plan_id=plan_id, workshop_id=wid, actor=cora(), theme_id=tid, now=utcnow())
        assert refused.value.message == (
            "theme_id: 'Training' is the evidence of recommendation 2, 'Train every team with citizens'; take it out "
            "of the recommendation's evidence before removing the theme"
        )
        assert snapshot() == before
        with session_scope() as s:
            view = workshop_views.workshop_view(s, plan_id=plan_id, workshop_id=wid)
        assert view.tables[0].themes[0].cited_by == ["Recommendation 2: Train every team with citizens"]


class TestTopThree:
    def test_each_table_chooses_three_of_its_own(self, db: Database) -> None:
        plan_id, _ = create(SMALL_PLAN)
        wid, tables = new_workshop(plan_id)
        ids = table_with_three_themes(plan_id, wid, tables["Table 1"])
        spare = theme(plan_id, wid, tables["Table 1"], "Spare")
        top(plan_id, wid, tables["Table 1"], [(spare, 1), (ids[0], 2), (ids[1], 3)])  # re-ranked: ranks swap cleanly
        with session_scope() as s:
            view = workshop_views.workshop_view(s, plan_id=plan_id, workshop_id=wid)
        assert [t.title for t in view.tables[0].top_three] == ["Spare", "Training", "Plain words"]
        assert view.tables_without_top_three == TABLES[1:]
        assert [t.title for t in view.shortlist] == ["Spare", "Training", "Plain words"]

    def test_a_fourth_theme_and_a_theme_of_another_table_are_refused(self, db: Database) -> None:
        plan_id, _ = create(SMALL_PLAN)
        wid, tables = new_workshop(plan_id)
        ids = table_with_three_themes(plan_id, wid, tables["Table 1"])
        fourth = theme(plan_id, wid, tables["Table 1"], "Fourth")
        other = table_with_three_themes(plan_id, wid, tables["Table 2"], prefix="T2 ")
        before = snapshot()
        with pytest.raises(InvalidInput) as refused:
            top(plan_id, wid, tables["Table 1"], [(ids[0], 1), (ids[1], 2), (ids[2], 3), (fourth, 4)])
        assert refused.value.message.startswith("top: a table chooses exactly 3 themes, ranked 1 to 3; 4 were given")
        with pytest.raises(InvalidInput) as refused:
            top(plan_id, wid, tables["Table 1"], [(ids[0], 1), (ids[1], 2), (other[0], 3)])
        assert refused.value.message == "top[3rd]: 'T2 Training' is a theme of Table 2, not of Table 1"
        assert snapshot() == before

    def test_a_theme_with_dots_stays_in_the_top_three(self, db: Database) -> None:
        plan_id, _ = create(SMALL_PLAN)
        wid, tables = new_workshop(plan_id)
        ids = table_with_three_themes(plan_id, wid, tables["Table 1"])
        spare = theme(plan_id, wid, tables["Table 1"], "Spare")
        dots(plan_id, wid, "B12", [ids[2]])
        with pytest.raises(AlreadyDecided, match=r"'Time' \(1 dot\) already has dots from the vote, so it stays"):
            top(plan_id, wid, tables["Table 1"], [(ids[0], 1), (ids[1], 2), (spare, 3)])
        top(plan_id, wid, tables["Table 1"], [(ids[2], 1), (ids[1], 2), (ids[0], 3)])  # re-ranking is fine


class TestDotVote:
    def test_ranked_results_with_ties_and_who_wrote_each_theme(self, db: Database) -> None:
        plan_id, _ = create(SMALL_PLAN)
        wid, tables = new_workshop(plan_id)
        t1, t2 = tables["Table 1"], tables["Table 2"]
        one = table_with_three_themes(plan_id, wid, t1)
        two = table_with_three_themes(plan_id, wid, t2, prefix="T2 ")
        idea(plan_id, wid, t1, "Citizens co-deliver training", "citizen", theme_id=one[0])
        idea(plan_id, wid, t1, "Carers in the room", "carer", theme_id=one[0])
        idea(plan_id, wid, t1, "Protected time", "staff", theme_id=one[0])
        idea(plan_id, wid, t2, "Rota time", "staff", theme_id=two[2])
        dots(plan_id, wid, "B1", [one[0], two[0], two[1]])
        dots(plan_id, wid, "B2", [one[0], two[1]])
        dots(plan_id, wid, "b2", [two[0]])  # the same voter, however it is typed
        dots(plan_id, wid, "B3", [one[0]])
        with session_scope() as s:
            view = workshop_views.workshop_view(s, plan_id=plan_id, workshop_id=wid)
        assert [(r.title, r.dots, r.place) for r in view.results] == [
            ("Training", 3, "1st"),
            ("T2 Plain words", 2, "joint 2nd"),
            ("T2 Training", 2, "joint 2nd"),
            ("Plain words", 0, "joint 4th"),
            ("T2 Time", 0, "joint 4th"),
            ("Time", 0, "joint 4th"),
        ]
        first = view.results[0]
        assert (first.table, first.table_rank, first.ideas) == ("Table 1", 1, 3)
        assert first.mix.summary == "1 citizen, 1 carer, 1 staff" and first.mix.lived_experience == 2
        rota = next(r for r in view.results if r.title == "T2 Time")
        assert rota.mix.no_lived_voice
        assert [(v.voter, v.dots) for v in view.voters] == [("B1", 3), ("B2", 3), ("B3", 1)]

    def test_a_duplicate_dot_is_a_readable_error_and_nothing_is_written(self, db: Database) -> None:
        plan_id, _ = create(SMALL_PLAN)
        wid, tables = new_workshop(plan_id)
        ids = table_with_three_themes(plan_id, wid, tables["Table 1"])
        dots(plan_id, wid, "B12", [ids[0]])
        before = snapshot()
        with pytest.raises(InvalidInput) as refused:
            dots(plan_id, wid, " b12 ", [ids[1], ids[0]])
        assert refused.value.message == "themes[1]: b12 already has a dot on 'Training'; one dot per theme"
        assert snapshot() == before  # not even the dot on 'Plain words'

    def test_the_same_voters_dots_recorded_twice_at_once_is_a_readable_refusal(
        self, db: Database, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        plan_id, _ = create(SMALL_PLAN)
        wid, tables = new_workshop(plan_id)
        ids = table_with_three_themes(plan_id, wid, tables["Table 1"])
        dots(plan_id, wid, "B12", [ids[0]])
        before = snapshot()
        # the second coordinator read the votes before the first's were committed: it sees none of B12's
        monkeypatch.setattr(WorkshopRepository, "votes", lambda self, workshop_id: [])
        with pytest.raises(AlreadyDecided) as refused:
            dots(plan_id, wid, "B12", [ids[1], ids[0]])
        assert refused.value.message.startswith("voter: B12's dots were being recorded by someone else")
        assert snapshot() == before  # not even the dot on 'Plain words'

    def test_a_vote_over_the_limit_is_refused_whole(self, db: Database) -> None:
        plan_id, _ = create(SMALL_PLAN)
        wid, tables = new_workshop(plan_id, dots=2)
        ids = table_with_three_themes(plan_id, wid, tables["Table 1"])
        dots(plan_id, wid, "JS", [ids[0]])
        before = snapshot()
        with pytest.raises(InvalidInput) as refused:
            dots(plan_id, wid, "JS", [ids[1], ids[2]])
        assert refused.value.message == (
            "themes: JS has placed 1 of 2 dots; 2 more would make 3, over the limit of 2 per voter"
        )
        assert snapshot() == before

    def test_only_the_shortlist_and_withdrawing_a_voters_dots(self, db: Database) -> None:
        plan_id, _ = create(SMALL_PLAN)
        wid, tables = new_workshop(plan_id)
        ids = table_with_three_themes(plan_id, wid, tables["Table 1"])
        unranked = theme(plan_id, wid, tables["Table 1"], "Not chosen")
        with pytest.raises(InvalidInput, match="'Not chosen' is not on the shortlist"):
            dots(plan_id, wid, "B1", [unranked])
        dots(plan_id, wid, "B1", ids)
        with session_scope() as s:
            taken = workshop_voting.withdraw_dots(
                s, plan_id=plan_id, workshop_id=wid, actor=cora(), voter="b1", now=utcnow()
            )
            assert taken == 3
        with session_scope() as s, pytest.raises(InvalidInput, match="no dots are recorded for B9"):
            workshop_voting.withdraw_dots(s, plan_id=plan_id, workshop_id=wid, actor=cora(), voter="B9", now=utcnow())
        dots(plan_id, wid, "B1", ids)  # recorded again after withdrawing

    def test_a_theme_with_dots_cannot_be_removed(self, db: Database) -> None:
        plan_id, _ = create(SMALL_PLAN)
        wid, tables = new_workshop(plan_id)
        ids = table_with_three_themes(plan_id, wid, tables["Table 1"])
        dots(plan_id, wid, "B1", [ids[0]])
        with session_scope() as s, pytest.raises(AlreadyDecided, match="'Training' has 1 dot from the vote"):
            workshop_themes.remove_theme(
                s, plan_id=plan_id, workshop_id=wid, actor=cora(), theme_id=ids[0], now=utcnow()
            )


def at_stage(plan_id: int, stage: Stage) -> None:
    with session_scope() as s:
        s.execute(update(Plan).where(Plan.id == plan_id).values(stage=stage))


class TestStages:
    def test_open_through_recommendations_then_locked(self, db: Database) -> None:
        plan_id, people = create(SMALL_PLAN)
        wid, tables = new_workshop(plan_id)
        walk_to(plan_id, people, Stage.RECOMMENDATIONS)
        idea(plan_id, wid, tables["Table 1"], "Still open in recommendations")
        # the stages past recommendations are set directly: the simulated people's drafting runs the demo's
        # own workshop, which this plan's workshop would stand in for
        at_stage(plan_id, Stage.SIGN_OFF)
        before = snapshot()
        with pytest.raises(StageLocked, match="adding an idea: the plan has been sent for sign-off"):
            idea(plan_id, wid, tables["Table 1"], "Too late")
        with session_scope() as s:
            listing = workshop_views.plan_workshops(s, plan_id=plan_id)
        assert not listing.open and "sent for sign-off" in (listing.locked_reason or "")
        assert snapshot() == before
        at_stage(plan_id, Stage.DELIVERY)
        before = snapshot()
        with pytest.raises(StageLocked, match="the plan has passed sign-off"):
            new_workshop(plan_id)
        assert snapshot() == before

    def test_another_plans_workshop_is_not_found(self, db: Database) -> None:
        plan_id, _ = create(SMALL_PLAN)
        other_id, _ = create(SMALL_PLAN, slug="other-plan")
        wid, tables = new_workshop(plan_id)
        with pytest.raises(NotFound, match=f"plan {other_id} has no workshop {wid}"):
            idea(other_id, wid, tables["Table 1"], "Hello")
        with session_scope() as s, pytest.raises(NotFound):
            workshop_views.workshop_view(s, plan_id=other_id, workshop_id=wid)


class TestThemesForPlan:
    def test_every_theme_with_its_place_and_ideas(self, db: Database) -> None:
        plan_id, _ = create(SMALL_PLAN)
        other_id, _ = create(SMALL_PLAN, slug="other-plan")
        wid, tables = new_workshop(plan_id)
        ids = table_with_three_themes(plan_id, wid, tables["Table 1"])
        idea(plan_id, wid, tables["Table 1"], "Citizens co-deliver", theme_id=ids[1])
        dots(plan_id, wid, "B1", [ids[1]])
        with session_scope() as s:
            choices = workshop_views.themes_for_plan(s, plan_id)
            detail = workshop_views.theme_detail(s, plan_id=plan_id, theme_id=ids[1])
            assert workshop_views.themes_for_plan(s, other_id) == []
            with pytest.raises(NotFound, match=f"plan {other_id} has no workshop theme {ids[1]}"):
                workshop_views.theme_detail(s, plan_id=other_id, theme_id=ids[1])
        assert [c.title for c in choices] == ["Training", "Plain words", "Time"]
        assert choices[1].label == "Plain words (Table 1, 2nd; Listening event, 10 February 2027)"
        assert (choices[1].dots, choices[1].ideas) == (1, 1)
        assert detail.place == "1st" and [i.text for i in detail.idea_list] == ["Citizens co-deliver"]
        assert detail.mix.lived_experience == 1


EXAMPLE_NOTES = Path(__file__).resolve().parents[2] / "examples" / "workshop-notes.csv"


def import_notes(plan_id: int, wid: int, path: Path, new_tables: bool = False) -> workshop_import.NotesImportSummary:
    with session_scope() as s:
        return workshop_import.import_notes(
            s, plan_id=plan_id, workshop_id=wid, path=path, actor=cora(), now=utcnow(), new_tables=new_tables
        )


class TestImportNotes:
    def test_the_example_file(self, db: Database) -> None:
        plan_id, _ = create(SMALL_PLAN)
        wid, _ = new_workshop(plan_id, tables=["Table 1", "Table 2", "Table 3"])
        summary = import_notes(plan_id, wid, EXAMPLE_NOTES)
        assert summary.ideas == 17 and summary.tables_created == []
        assert summary.by_table == {"Table 1": 6, "Table 2": 6, "Table 3": 5}
        assert summary.themes_created[:2] == ["Table 1: Training together", "Table 1: Time to take part"]
        assert len(summary.themes_created) == 8
        with session_scope() as s:
            view = workshop_views.workshop_view(s, plan_id=plan_id, workshop_id=wid)
            event = s.scalars(select(AuditEvent).where(AuditEvent.kind == "workshop_notes_imported")).one()
        training = view.tables[0].themes[-1]
        assert training.title == "Training together" and training.mix.summary == "1 citizen, 1 service user"
        assert [i.text for i in view.tables[2].ungrouped] == ["Time for staff to go to community groups"]
        assert {i.source for t in view.tables for th in t.themes for i in th.ideas} == {"import"}
        assert event.data["ideas"] == 17 and len(event.data["sha256"]) == 64

    def test_every_bad_row_named_by_line_and_column_and_nothing_written(self, db: Database, tmp_path: Path) -> None:
        plan_id, _ = create(SMALL_PLAN)
        wid, _ = new_workshop(plan_id, tables=["Table 1", "Table 2"])
        notes = tmp_path / "notes.csv"
        notes.write_text(
            "Table,Idea,Contributor type,Theme\n"
            "Table 1,Good idea,citizen,Training\n"
            "Tabel 2,Another,staff,\n"
            "Table 2,,carer,\n"
            "2,Fine,patient,\n"
            ",Orphan,citizen,\n"
            f"1,Long theme,staff,{'x' * 201}\n"
            "1,Extra,staff,,surplus\n"
        )
        before = snapshot()
        with pytest.raises(RowProblems) as refused:
            import_notes(plan_id, wid, notes)
        assert [str(p) for p in refused.value.problems] == [
            "line 3, column Table: 'Listening event' has no table called 'Tabel 2' (its tables: Table 1, Table 2); "
            "correct the name, or choose to create the tables the file names",
            "line 4, column Idea: empty: enter the idea as written",
            "line 5, column Contributor type: 'patient' is not a contributor type; use citizen, carer, service user, "
            "staff or partner",
            "line 6, column Table: missing: every idea needs the table it was written at",
            "line 7, column Theme: the theme's name must be 200 characters or fewer (it has 201)",
            "line 8: 1 value(s) to the right of the last named column",
        ]
        assert refused.value.message.startswith("notes.csv: 6 problems, nothing was imported (the workshop notes)")
        assert snapshot() == before

    def test_unknown_tables_created_when_asked(self, db: Database, tmp_path: Path) -> None:
        plan_id, _ = create(SMALL_PLAN)
        wid, _ = new_workshop(plan_id, tables=["Table 1"])
        notes = tmp_path / "notes.csv"
        notes.write_text("table,idea,contributor_type,theme\nBlue group,Hi,citizen,Hello\nblue  GROUP,Yo,staff,hello\n")
        summary = import_notes(plan_id, wid, notes, new_tables=True)
        assert summary.tables_created == ["Blue group"] and summary.themes_created == ["Blue group: Hello"]
        with session_scope() as s:
            view = workshop_views.workshop_view(s, plan_id=plan_id, workshop_id=wid)
        assert [t.name for t in view.tables] == ["Table 1", "Blue group"]
        assert [len(t.ideas) for t in view.tables[1].themes] == [2]

    def test_the_header_and_the_same_file_twice(self, db: Database, tmp_path: Path) -> None:
        plan_id, _ = create(SMALL_PLAN)
        wid, _ = new_workshop(plan_id, tables=["Table 1", "Table 2", "Table 3"])
        notes = tmp_path / "notes.csv"
        notes.write_text("table,note,who\nTable 1,Hi,citizen\n")
        with pytest.raises(RowProblems) as refused:
            import_notes(plan_id, wid, notes)
        assert [str(p) for p in refused.value.problems] == [
            "line 1: 'who' is not a column of workshop notes; the columns are table, idea, contributor_type and "
            "(if the ideas were grouped) theme",
            "line 1: no contributor_type column: every notes file has table, idea and contributor_type",
        ]
        notes.write_text("table,idea,contributor_type\n")
        with pytest.raises(RowProblems, match="the file has a header but no ideas"):
            import_notes(plan_id, wid, notes)
        import_notes(plan_id, wid, EXAMPLE_NOTES)
        before = snapshot()
        with pytest.raises(AlreadyDecided, match="this file was already imported into 'Listening event' on"):
            import_notes(plan_id, wid, EXAMPLE_NOTES)
        assert snapshot() == before
