"""Reading a responses file (plans/responses_file.py) into the responses frame: the survey's spelling,
blank as null, and a refusal naming every bad cell by line and column, with nothing returned."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import polars as pl
import pytest

from plans.domain.errors import InvalidInput
from plans.domain.row_problems import KEEP, RowProblems
from plans.domain.survey_definition import SurveyDefinition
from plans.files import load_survey_file
from plans.responses_file import ResponseProblems, read_responses
from tests.conftest import EXAMPLE

COUNCIL = load_survey_file(EXAMPLE.parent / "surveys" / "council-baseline.yaml")
HEADER = "team,K1,K2,K3,S1,S2,S3,E1,E2,E3,E4"
ANSWERS = "Agree,Agree,Agree,Agree,Agree,Agree,Yes,Agree,Disagree,Never"


def small_survey(**extra: Any) -> SurveyDefinition:
    """Two scored questions, a multiple-choice and a free-text one, and a required demographic."""
    data: dict[str, Any] = {
        "title": "Small",
        "sections": [{"id": "s", "title": "S"}],
        "questions": [
            {"id": "Q1", "section": "s", "text": "One"},
            {"id": "Q2", "section": "s", "type": "yes_no", "text": "Two"},
            {"id": "M1", "section": "s", "type": "multiple_choice", "text": "M", "answers": ["Meetings", "Co-design"]},
            {"id": "F1", "section": "s", "type": "free_text", "text": "Comments"},
        ],
        "demographics": [{"id": "grade", "text": "Grade", "options": ["A", "B"], "required": True}],
        **extra,
    }
    return SurveyDefinition.model_validate(data)


def write(tmp_path: Path, text: str, name: str = "responses.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def problems_of(path: Path, survey: SurveyDefinition = COUNCIL) -> list[str]:
    with pytest.raises(RowProblems) as caught:
        read_responses(path, survey)
    return [str(p) for p in caught.value.problems]


class TestGoodFiles:
    def test_the_frame_has_the_surveys_spelling_and_blank_is_null(self, tmp_path: Path) -> None:
        path = write(
            tmp_path,
            "Team_Code,Directorate,K1,K2,K3,S1,S2,S3,E1,E2,E3,E4,ethnicity\n"
            " ASC-01 ,ASC,  strongly AGREE ,agree,,Agree,Agree,Agree,yes,Agree,Disagree,never,white\n"
            ",,,,,,,,,,,,\n"
            "ASC-02,ASC,Agree,Agree,Agree,Agree,Agree,Agree,No,Agree,Disagree,Never,   \n",
        )
        r = read_responses(path, COUNCIL)
        assert r.hierarchy == ("directorate", "team")
        assert r.demographics == ("ethnicity",)
        assert r.questions == tuple(q.id for q in COUNCIL.questions)
        assert r.respondents == 2  # the blank row is skipped
        assert r.frame.columns == ["team", "directorate", "ethnicity", *r.questions]
        assert all(dtype == pl.String for dtype in r.frame.dtypes)
        first, second = r.frame.to_dicts()
        assert (first["team"], first["K1"], first["K2"], first["K3"]) == ("ASC-01", "Strongly agree", "Agree", None)
        assert (first["E1"], first["E4"], first["ethnicity"]) == ("Yes", "Never", "White")
        assert second["ethnicity"] is None

    def test_bom_semicolons_crlf_and_quoted_cells(self, tmp_path: Path) -> None:
        path = tmp_path / "r.csv"
        body = HEADER.replace(",", ";") + "\r\n" + '"T1";' + ANSWERS.replace(",", ";") + "\r\n"
        path.write_bytes(b"\xef\xbb\xbf" + body.encode())
        r = read_responses(path, COUNCIL)
        assert r.frame.row(0, named=True)["team"] == "T1"
        assert r.frame.row(0, named=True)["E4"] == "Never"

    def test_parquet_with_organisations(self, tmp_path: Path) -> None:
        frame = pl.DataFrame(
            {
                "organisation": ["O1", "O1"],
                "directorate": ["D1", "D2"],
                "team": ["T1", "T2"],
                "Q1": ["agree", None],
                "Q2": ["Yes", "No"],
                "grade": ["A", "Prefer not to say"],
            }
        )
        frame.write_parquet(tmp_path / "r.parquet")
        r = read_responses(tmp_path / "r.parquet", small_survey())
        assert r.hierarchy == ("organisation", "directorate", "team")
        assert r.frame["Q1"].to_list() == ["Agree", None]
        assert r.frame["grade"].to_list() == ["A", "Prefer not to say"]

    def test_multiple_choice_and_free_text(self, tmp_path: Path) -> None:
        path = write(
            tmp_path,
            'team,Q1,Q2,M1,F1,grade\nT1,Agree,Yes,"co-design ; MEETINGS;","  Two\nlines ",A\nT1,,,,,B\n',
        )
        r = read_responses(path, small_survey())
        assert r.frame["M1"].to_list() == ["Co-design;Meetings", None]
        assert r.frame["F1"].to_list() == ["Two\nlines", None]


class TestHeader:
    def test_unknown_duplicate_and_absent_columns_are_named(self, tmp_path: Path) -> None:
        path = write(tmp_path, "team,Team Code,Q1,Q9,nickname\nT1,T1,Agree,x,y\n")
        with pytest.raises(RowProblems) as caught:
            read_responses(path, small_survey())
        found = [str(p) for p in caught.value.problems]
        assert "line 1, column Team Code: a second team column (the first is 'team')" in found
        assert any(p.startswith("line 1, column Q9: unknown column") for p in found)
        assert any(p.startswith("line 1, column nickname: unknown column") for p in found)
        assert "line 1, column Q2: no column for this question (blank cells are allowed, not its absence)" in found
        assert "line 1, column grade: no column for this demographic, which the survey requires" in found
        assert "nothing was analysed" in caught.value.message

    def test_no_team_column(self, tmp_path: Path) -> None:
        path = write(tmp_path, "K1,K2,K3,S1,S2,S3,E1,E2,E3,E4\n" + ANSWERS + "\n")
        assert problems_of(path) == ["line 1, column team: no team column: every response needs its team's code"]

    def test_not_csv_or_parquet(self, tmp_path: Path) -> None:
        with pytest.raises(InvalidInput, match=r"r.xlsx: expected a .csv or .parquet file, not .xlsx"):
            read_responses(write(tmp_path, "x", "r.xlsx"), COUNCIL)

    def test_header_without_responses(self, tmp_path: Path) -> None:
        path = write(tmp_path, HEADER + "\n\n")
        assert problems_of(path) == ["line 2: the file has a header but no responses"]


class TestCells:
    def test_every_bad_cell_is_named_by_line_and_column(self, tmp_path: Path) -> None:
        path = write(
            tmp_path,
            "team,directorate,organisation,K1,K2,K3,S1,S2,S3,E1,E2,E3,E4,ethnicity\n"
            "T1,D1,O1," + ANSWERS + ",White\n"
            "T2,D1,O1,Agre," + ANSWERS.split(",", 1)[1] + ",Martian\n"
            ",D1,O1," + ANSWERS + ",\n"
            "T1,D2,O1," + ANSWERS + ",\n"
            "T3,D1,O2," + ANSWERS + ",\n",
        )
        assert problems_of(path) == [
            "line 3, column K1: 'Agre' is not an answer to this question; its answers: 'Strongly agree', 'Agree', "
            "'Neither agree nor disagree', 'Disagree', 'Strongly disagree'",
            "line 3, column ethnicity: 'Martian' is not one of the options: 'White', "
            "'Mixed or multiple ethnic groups', 'Asian or Asian British', "
            "'Black, Black British, Caribbean or African', 'Other ethnic group', "
            "'Prefer not to say'",
            "line 4, column team: missing: every response needs its team's code",
            "line 5, column directorate: team 'T1' is in directorate 'D2' here but in 'D1' on line 2: "
            "each team belongs to one directorate",
            "line 6, column organisation: directorate 'D1' is in organisation 'O2' here but in 'O1' on line 2: "
            "each directorate belongs to one organisation",
        ]

    def test_lines_count_line_breaks_inside_quoted_answers(self, tmp_path: Path) -> None:
        path = write(tmp_path, 'team,Q1,Q2,F1,grade\nT1,Agree,Yes,"one\ntwo\nthree",A\nT1,Nope,Yes,,A\n')
        assert problems_of(path, small_survey()) == [
            "line 5, column Q1: 'Nope' is not an answer to this question; its answers: 'Strongly agree', 'Agree', "
            "'Neither agree nor disagree', 'Disagree', 'Strongly disagree'"
        ]

    def test_blank_lines_keep_their_line_numbers(self, tmp_path: Path) -> None:
        path = write(tmp_path, "team,Q1,Q2,grade\nT1,Agree,Yes,A\n\n,,,\nT1,Nope,Yes,A")  # no final line break
        assert [p.split(":")[0] for p in problems_of(path, small_survey())] == ["line 5, column Q1"]

    def test_required_demographic_and_multiple_choice(self, tmp_path: Path) -> None:
        path = write(tmp_path, "team,Q1,Q2,M1,grade\nT1,Agree,Yes,Meetings;Lunch,\n")
        assert problems_of(path, small_survey()) == [
            "line 2, column M1: 'Meetings;Lunch' is not an answer to this question (separate several with ';'); "
            "its answers: 'Meetings', 'Co-design'",
            "line 2, column grade: missing: the survey requires this answer ('Prefer not to say' is one)",
        ]

    def test_a_blank_directorate_in_a_file_that_has_the_column(self, tmp_path: Path) -> None:
        path = write(tmp_path, "team,directorate," + HEADER[5:] + "\nT1,," + ANSWERS + "\n")
        assert problems_of(path) == [
            "line 2, column directorate: missing: the file has a directorate column, so every response needs its "
            "directorate"
        ]

    def test_values_right_of_the_last_column(self, tmp_path: Path) -> None:
        path = write(tmp_path, HEADER + "\nT1," + ANSWERS + ",,\nT1," + ANSWERS + ",surplus\nT2,Agre\n")
        found = problems_of(path)
        assert found[0] == "line 3: 1 value(s) to the right of the last named column"
        assert found[1].startswith("line 4, column K1: 'Agre' is not an answer")

    def test_parquet_rows_are_lines_after_a_header(self, tmp_path: Path) -> None:
        pl.DataFrame(
            {"team": ["T1", None], "Q1": ["Agree", "Agree"], "Q2": ["Yes", "Maybe"], "grade": ["A", "B"]}
        ).write_parquet(tmp_path / "r.parquet")
        with pytest.raises(RowProblems) as caught:
            read_responses(tmp_path / "r.parquet", small_survey())
        assert [str(p) for p in caught.value.problems] == [
            "line 3, column team: missing: every response needs its team's code",
            "line 3, column Q2: 'Maybe' is not an answer to this question; its answers: 'Yes', 'No'",
        ]

    def test_problems_past_the_first_thousand_are_counted(self, tmp_path: Path) -> None:
        rows = "".join(f"T{i},Nope,Yes,A\n" for i in range(KEEP + 500))
        with pytest.raises(ResponseProblems) as caught:
            read_responses(write(tmp_path, "team,Q1,Q2,grade\n" + rows), small_survey())
        assert caught.value.total == KEEP + 500
        assert len(caught.value.problems) == KEEP
        assert caught.value.problems[0].line == 2 and caught.value.problems[-1].line == KEEP + 1
        assert f"{KEEP + 500} problems, nothing was analysed" in caught.value.message

    def test_bad_utf8_names_its_line(self, tmp_path: Path) -> None:
        path = tmp_path / "r.csv"
        path.write_bytes(b"team,Q1,Q2,grade\nT1,Agree,Yes,A\nCaf\xe9,Agree,Yes,A\n")
        with pytest.raises(InvalidInput, match=r"r.csv: line 3 is not UTF-8 text"):
            read_responses(path, small_survey())
