"""The workshop's rules, pure: contributor types as people write them, each table's top three, the dot
limits, the ranking of the shortlist with ties shown, and who wrote a theme's ideas."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from plans.domain import workshop as rules
from plans.domain.workshop import TableTheme
from plans.models import ContributorType

THEMES = {
    1: TableTheme(1, "Training with citizens", 10, "Table 1"),
    2: TableTheme(2, "Plain language", 10, "Table 1"),
    3: TableTheme(3, "Time to listen", 10, "Table 1"),
    4: TableTheme(4, "Paid involvement", 10, "Table 1"),
    5: TableTheme(5, "Carers' breaks", 20, "Table 2"),
}


class TestContributorTypes:
    def test_the_domain_knows_exactly_the_stored_types(self) -> None:
        assert tuple(t.value for t in ContributorType) == rules.CONTRIBUTOR_TYPES

    @pytest.mark.parametrize(
        ("written", "stored"),
        [
            ("citizen", "citizen"),
            ("Citizen", "citizen"),
            (" CARER ", "carer"),
            ("Service user", "service_user"),
            ("service-user", "service_user"),
            ("service_user", "service_user"),
            ("Service users", "service_user"),
            ("staff", "staff"),
            ("Partners", "partner"),
        ],
    )
    def test_spellings_people_use(self, written: str, stored: str) -> None:
        assert rules.contributor_type(written) == stored
        assert rules.contributor_problem(written) is None

    def test_an_unknown_type_lists_the_allowed_ones(self) -> None:
        problem = rules.contributor_problem("patient")
        assert problem == "'patient' is not a contributor type; use citizen, carer, service user, staff or partner"
        assert rules.contributor_type("patient") is None
        assert rules.contributor_problem("  ") == (
            "missing: say who wrote the idea (citizen, carer, service user, staff or partner)"
        )


class TestNames:
    def test_tables_match_ignoring_case_spacing_and_a_bare_number(self) -> None:
        assert rules.table_key("  table   3 ") == rules.table_key("Table 3") == rules.table_key("3")
        assert rules.table_key("Blue group") == "blue group"
        assert rules.numbered_tables(3) == ["Table 1", "Table 2", "Table 3"]

    def test_table_names_must_be_present_and_different(self) -> None:
        assert rules.table_names_problems(["Table 1", "Table 2"]) == []
        assert rules.table_names_problems([]) == ["tables: a workshop needs at least one table"]
        assert rules.table_names_problems(["Table 1", " ", "table 1", "1"]) == [
            "tables[1]: empty: enter the table's name",
            "tables[2]: 'table 1' is the same name as tables[0]; each table needs its own",
            "tables[3]: '1' is the same name as tables[0]; each table needs its own",
        ]
        assert rules.table_names_problems(["x" * 101]) == [
            "tables[0]: the table's name must be 100 characters or fewer (it has 101)"
        ]


class TestTopThree:
    def test_three_distinct_themes_of_the_table_ranked_1_to_3(self) -> None:
        assert rules.top_three_problems(10, "Table 1", [(1, 1), (2, 2), (3, 3)], THEMES) == []
        assert rules.top_three_problems(10, "Table 1", [(4, 3), (1, 1), (3, 2)], THEMES) == []

    def test_an_empty_choice_clears_the_top_three(self) -> None:
        assert rules.top_three_problems(10, "Table 1", [], THEMES) == []

    def test_a_fourth_theme_is_refused(self) -> None:
        problems = rules.top_three_problems(10, "Table 1", [(1, 1), (2, 2), (3, 3), (4, 4)], THEMES)
        assert problems == [
            "top: a table chooses exactly 3 themes, ranked 1 to 3; 4 were given",
            "top[4]: rank 4 is not 1, 2 or 3",
        ]

    def test_fewer_than_three(self) -> None:
        assert rules.top_three_problems(10, "Table 1", [(1, 1), (2, 2)], THEMES) == [
            "top: a table chooses exactly 3 themes, ranked 1 to 3; 2 were given"
        ]

    def test_a_theme_of_another_table(self) -> None:
        problems = rules.top_three_problems(10, "Table 1", [(1, 1), (2, 2), (5, 3)], THEMES)
        assert problems == ['top[3rd]: "Carers\' breaks" is a theme of Table 2, not of Table 1']

    def test_a_theme_twice_and_a_rank_twice(self) -> None:
        assert rules.top_three_problems(10, "Table 1", [(1, 1), (1, 2), (2, 3)], THEMES) == [
            "top[2nd]: 'Training with citizens' is already ranked 1st; choose 3 different themes"
        ]
        assert rules.top_three_problems(10, "Table 1", [(1, 1), (2, 1), (3, 3)], THEMES) == [
            "top[1st]: two themes are ranked 1st; each rank once",
            "top: no theme is ranked 2nd",
        ]

    def test_a_theme_that_does_not_exist(self) -> None:
        assert rules.top_three_problems(10, "Table 1", [(1, 1), (2, 2), (99, 3)], THEMES) == [
            "top[3rd]: there is no theme 99 in this workshop"
        ]

    def test_a_table_with_too_few_themes_says_so(self) -> None:
        problems = rules.top_three_problems(20, "Table 2", [(5, 1), (1, 2), (2, 3)], THEMES)
        assert problems[0] == (
            "top: Table 2 has 1 theme; group its ideas into at least 3 themes before choosing its top 3"
        )


SHORTLIST = {1: "Training with citizens", 2: "Plain language", 5: "Carers' breaks"}
TITLES = {**SHORTLIST, 3: "Time to listen"}


class TestDots:
    def test_within_the_limit(self) -> None:
        assert rules.dot_problems("B12", [1, 2], [], 3, SHORTLIST, TITLES) == []
        assert rules.dot_problems("B12", [5], [1, 2], 3, SHORTLIST, TITLES) == []

    def test_a_duplicate_dot_is_refused_by_name(self) -> None:
        assert rules.dot_problems("B12", [1], [1], 3, SHORTLIST, TITLES) == [
            "themes[0]: B12 already has a dot on 'Training with citizens'; one dot per theme"
        ]
        assert rules.dot_problems("B12", [2, 2], [], 3, SHORTLIST, TITLES) == [
            "themes[1]: 'Plain language' is chosen twice; one dot per theme"
        ]

    def test_over_the_limit(self) -> None:
        assert rules.dot_problems("B12", [5, 2], [1, 3], 3, SHORTLIST, TITLES) == [
            "themes: B12 has placed 2 of 3 dots; 2 more would make 4, over the limit of 3 per voter"
        ]
        assert rules.dot_problems("JS", [1, 2, 5], [], 2, SHORTLIST, TITLES) == [
            "themes: JS has 2 dots; 3 more would make 3, over the limit of 2 per voter"
        ]

    def test_only_the_shortlist_and_a_named_voter(self) -> None:
        assert rules.dot_problems("", [3], [], 3, SHORTLIST, TITLES) == [
            "voter: empty: enter the voter's badge number or initials",
            "themes[0]: 'Time to listen' is not on the shortlist (only each table's top 3 can be voted on)",
        ]
        assert rules.dot_problems("B1", [], [], 3, SHORTLIST, TITLES) == [
            "themes: choose at least one theme to put a dot on"
        ]
        assert rules.dot_problems("B1", [77], [], 3, SHORTLIST, TITLES) == [
            "themes[0]: there is no theme 77 in this workshop"
        ]


class TestRanking:
    def test_ties_share_a_place_and_the_next_place_is_skipped(self) -> None:
        titles = {1: "b", 2: "a", 3: "c", 4: "d", 5: "e"}
        ranked = rules.rank_by_dots({1: 9, 2: 5, 3: 5, 4: 2}, titles)
        assert [(r.title, r.dots, r.rank, r.tied, r.place) for r in ranked] == [
            ("b", 9, 1, False, "1st"),
            ("a", 5, 2, True, "joint 2nd"),
            ("c", 5, 2, True, "joint 2nd"),
            ("d", 2, 4, False, "4th"),
            ("e", 0, 5, False, "5th"),
        ]

    def test_no_dots_yet_is_one_tie_for_first(self) -> None:
        ranked = rules.rank_by_dots({}, {1: "Zebra", 2: "apple"})
        assert [(r.title, r.place) for r in ranked] == [("apple", "joint 1st"), ("Zebra", "joint 1st")]

    @given(st.dictionaries(st.integers(1, 40), st.integers(0, 12), max_size=25))
    def test_against_the_definition(self, dots: dict[int, int]) -> None:
        """A theme's rank is one more than the number of themes with more dots; tied when another has as many."""
        titles = {tid: f"theme {tid}" for tid in dots}
        ranked = rules.rank_by_dots(dots, titles)
        assert sorted(r.theme_id for r in ranked) == sorted(dots)
        assert [r.dots for r in ranked] == sorted(dots.values(), reverse=True)
        for r in ranked:
            assert r.rank == 1 + sum(1 for n in dots.values() if n > r.dots)
            assert r.tied == (sum(1 for n in dots.values() if n == r.dots) > 1)

    @pytest.mark.parametrize(
        ("n", "word"),
        [
            (1, "1st"),
            (2, "2nd"),
            (3, "3rd"),
            (4, "4th"),
            (11, "11th"),
            (12, "12th"),
            (13, "13th"),
            (21, "21st"),
            (22, "22nd"),
            (101, "101st"),
            (111, "111th"),
        ],
    )
    def test_ordinals(self, n: int, word: str) -> None:
        assert rules.ordinal(n) == word


class TestMix:
    def test_every_type_counted_and_lived_experience_summed(self) -> None:
        mix = rules.contributor_mix({"citizen": 3, "carer": 1, "staff": 4})
        assert mix.counts == (("citizen", 3), ("carer", 1), ("service_user", 0), ("staff", 4), ("partner", 0))
        assert (mix.total, mix.lived_experience, mix.lived_share) == (8, 4, 0.5)
        assert mix.summary() == "3 citizen, 1 carer, 4 staff" and not mix.no_lived_voice

    def test_a_theme_without_lived_experience_is_flagged(self) -> None:
        mix = rules.contributor_mix({"staff": 2, "partner": 1})
        assert mix.no_lived_voice and mix.lived_share == 0.0

    def test_an_empty_theme(self) -> None:
        mix = rules.contributor_mix({})
        assert mix.total == 0 and mix.lived_share is None and mix.summary() == "no ideas" and not mix.no_lived_voice

    def test_unknown_types_are_a_programming_error(self) -> None:
        with pytest.raises(ValueError, match="patient"):
            rules.contributor_mix({"patient": 1})


class TestNoteColumns:
    def test_required_optional_and_aliases(self) -> None:
        keys = ["table", "idea", "contributor_type", "theme"]
        assert rules.note_columns(keys, keys) == ({"table": 0, "idea": 1, "contributor_type": 2, "theme": 3}, [])
        assert rules.note_columns(["group", "text", "contributor"], ["Group", "Text", "Contributor"])[1] == []

    def test_missing_unknown_and_doubled_columns(self) -> None:
        columns, problems = rules.note_columns(["table", "idea", "notes", "text"], ["table", "idea", "Notes", "Text"])
        assert problems == [
            "'Notes' is not a column of workshop notes; the columns are table, idea, contributor_type and "
            "(if the ideas were grouped) theme",
            "'Text' is a second idea column",
            "no contributor_type column: every notes file has table, idea and contributor_type",
        ]
        assert columns == {"table": 0, "idea": 1}
