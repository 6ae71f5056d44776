"""The retention rules (plans.domain.retention): when a survey's personal data and an organisation's staff
list are due, hand-worked at the edges, then against a brute-force reference over generated histories."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from plans.domain.retention import (
    StaffListFacts,
    SurveyFacts,
    check_period,
    decide,
    staff_list_verdict,
    survey_verdict,
)

NOW = datetime(2027, 6, 1, 3, 0, tzinfo=UTC)
P = timedelta(days=90)
ORG = 1


def survey(sid: int = 1, closed_days_ago: float | None = 100, holds: bool = True, org: int = ORG) -> SurveyFacts:
    closed = None if closed_days_ago is None else NOW - timedelta(days=closed_days_ago)
    return SurveyFacts(sid, org, closed, holds)


def staff_list(imported_days_ago: float | None = 200, org: int = ORG) -> StaffListFacts:
    return StaffListFacts(org, None if imported_days_ago is None else NOW - timedelta(days=imported_days_ago))


class TestSurveyVerdict:
    def test_due_once_the_period_has_passed_since_the_close(self) -> None:
        v = survey_verdict(survey(closed_days_ago=100), now=NOW, period=P)
        assert v.due and v.due_at == NOW - timedelta(days=10)
        assert "more than 90 day(s) ago" in v.reason

    def test_due_at_exactly_the_end_of_the_period(self) -> None:
        assert survey_verdict(survey(closed_days_ago=90), now=NOW, period=P).due

    def test_kept_a_second_before(self) -> None:
        v = survey_verdict(survey(closed_days_ago=90 - 1 / 86400), now=NOW, period=P)
        assert not v.due and v.due_at is not None and v.due_at > NOW
        assert "kept until" in v.reason

    @pytest.mark.parametrize("holds", [True, False])
    def test_a_survey_not_closed_never_loses_its_tokens(self, holds: bool) -> None:
        v = survey_verdict(survey(closed_days_ago=None, holds=holds), now=NOW, period=P)
        assert not v.due and v.due_at is None and v.reason == "the survey is not closed"

    def test_nothing_left_is_nothing_due(self) -> None:
        v = survey_verdict(survey(closed_days_ago=1000, holds=False), now=NOW, period=P)
        assert not v.due and v.reason == "nothing personal is left"


class TestStaffListVerdict:
    def test_an_open_repeat_survey_keeps_the_list_its_invitations_point_at(self) -> None:
        surveys = [survey(1, closed_days_ago=400), survey(2, closed_days_ago=None)]
        v = staff_list_verdict(staff_list(500), surveys, now=NOW, period=P)
        assert not v.due and v.due_at is None and "survey 2 is not closed" in v.reason
        # while the baseline's own tokens go
        assert decide(surveys, [staff_list(500)], now=NOW, period=P).surveys_due() == [1]

    def test_every_unclosed_survey_is_named(self) -> None:
        surveys = [survey(3, None), survey(2, None), survey(1, 400)]
        assert "survey 2, 3 is not closed" in staff_list_verdict(staff_list(), surveys, now=NOW, period=P).reason

    def test_other_organisations_surveys_do_not_count(self) -> None:
        surveys = [survey(1, closed_days_ago=None, org=2), survey(2, closed_days_ago=100)]
        assert staff_list_verdict(staff_list(200), surveys, now=NOW, period=P).due

    def test_the_last_close_sets_the_clock(self) -> None:
        surveys = [survey(1, closed_days_ago=400), survey(2, closed_days_ago=30)]
        v = staff_list_verdict(staff_list(500), surveys, now=NOW, period=P)
        assert not v.due and v.due_at == NOW + timedelta(days=60) and "last survey closed" in v.reason

    def test_a_fresh_import_restarts_the_clock(self) -> None:
        v = staff_list_verdict(staff_list(10), [survey(1, closed_days_ago=400)], now=NOW, period=P)
        assert not v.due and v.due_at == NOW + timedelta(days=80) and v.reason.startswith("imported")

    def test_a_list_imported_and_never_used_goes_a_period_after_its_import(self) -> None:
        assert not staff_list_verdict(staff_list(89), [], now=NOW, period=P).due
        v = staff_list_verdict(staff_list(90), [], now=NOW, period=P)
        assert v.due and "no survey needs it" in v.reason

    def test_a_list_that_cannot_be_dated_and_no_survey_used_goes_at_once(self) -> None:
        v = staff_list_verdict(staff_list(None), [], now=NOW, period=P)
        assert v.due and v.due_at == NOW and "cannot be dated" in v.reason

    def test_an_undated_list_is_dated_by_its_surveys(self) -> None:
        assert not staff_list_verdict(staff_list(None), [survey(1, 30)], now=NOW, period=P).due
        assert staff_list_verdict(staff_list(None), [survey(1, 91)], now=NOW, period=P).due

    def test_a_due_survey_still_holding_tokens_does_not_hold_the_list(self) -> None:
        # the service purges the survey first, in the same run
        assert staff_list_verdict(staff_list(500), [survey(1, 100, holds=True)], now=NOW, period=P).due


class TestDecide:
    def test_only_surveys_holding_personal_data_get_a_verdict(self) -> None:
        d = decide([survey(1, 100, holds=False), survey(2, 100)], [], now=NOW, period=P)
        assert set(d.surveys) == {2} and d.surveys_due() == [2] and d.staff_lists_due() == []

    def test_lists_in_id_order(self) -> None:
        lists = [staff_list(200, org=3), staff_list(200, org=1), staff_list(10, org=2)]
        assert decide([], lists, now=NOW, period=P).staff_lists_due() == [1, 3]

    @pytest.mark.parametrize("days", [0, -1])
    def test_a_period_under_a_day_is_refused(self, days: int) -> None:
        with pytest.raises(ValueError, match="at least one day"):
            check_period(timedelta(days=days))
        with pytest.raises(ValueError):
            decide([], [], now=NOW, period=timedelta(hours=23))


# ---- generated histories against a reference written the other way round --------------------------------

days = st.one_of(st.none(), st.integers(min_value=-5, max_value=400))
surveys_strategy = st.lists(st.tuples(st.integers(1, 3), days, st.booleans()), max_size=6).map(
    lambda rows: [survey(i + 1, d, h, org) for i, (org, d, h) in enumerate(rows)]
)
lists_strategy = st.lists(st.tuples(st.integers(1, 3), days), max_size=3, unique_by=lambda t: t[0]).map(
    lambda rows: [staff_list(d, org) for org, d in rows]
)


def _reference_list_due(sl: StaffListFacts, surveys: list[SurveyFacts], period: timedelta) -> bool:
    """Kept while any survey of the organisation is unclosed, or anything (import, close) is recent."""
    own = [s for s in surveys if s.organisation_id == sl.organisation_id]
    if any(s.closed_at is None for s in own):
        return False
    moments = [s.closed_at for s in own if s.closed_at] + ([sl.imported_at] if sl.imported_at else [])
    return all(NOW - m >= period for m in moments)


@settings(max_examples=300, deadline=None)
@given(surveys=surveys_strategy, lists=lists_strategy, period_days=st.integers(1, 400))
def test_decide_agrees_with_the_reference(
    surveys: list[SurveyFacts], lists: list[StaffListFacts], period_days: int
) -> None:
    period = timedelta(days=period_days)
    d = decide(surveys, lists, now=NOW, period=period)
    for s in surveys:
        expected = s.holds_personal_data and s.closed_at is not None and NOW - s.closed_at >= period
        assert (s.survey_id in d.surveys_due()) is expected
        assert (s.survey_id in d.surveys) is s.holds_personal_data
    for sl in lists:
        assert (sl.organisation_id in d.staff_lists_due()) is _reference_list_due(sl, surveys, period)
        v = d.staff_lists[sl.organisation_id]
        # a verdict that is not due names when it will be, unless a survey still needs the list
        assert v.due or v.due_at is None or v.due_at > NOW
    # a list is never due while one of its organisation's surveys is open
    for org in d.staff_lists_due():
        assert all(s.closed_at is not None for s in surveys if s.organisation_id == org)
