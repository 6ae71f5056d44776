"""Reading workforce counts for the WRES indicators (plans/wres_file.py): the example, what each row may
say, and refusal of the whole file with every bad cell named by line and column."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest

from evaluation.wres import BandCount, Disciplinary, Headcount, Shortlisting, Training
from evaluation.wres_workforce import WorkforceCounts, wres_report
from plans.domain.errors import InvalidInput
from plans.domain.row_problems import RowProblems
from plans.wres_file import read_workforce_counts

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "wres-workforce.csv"
HEADER = "indicator,measure,band,ethnicity,count"
INDICATOR_2 = ["2,shortlisted,,white,400", "2,appointed,,white,120", "2,shortlisted,,bme,200", "2,appointed,,bme,30"]


def write(tmp_path: Path, *lines: str, header: str = HEADER) -> Path:
    path = tmp_path / "workforce.csv"
    path.write_text("\n".join([header, *lines]) + "\n")
    return path


def refused(path: Path) -> list[str]:
    with pytest.raises(RowProblems) as caught:
        read_workforce_counts(path)
    return [str(p) for p in caught.value.problems]


class TestExample:
    def test_the_example_reads_and_reports(self) -> None:
        counts = read_workforce_counts(EXAMPLE)
        assert [b.band for b in counts.bands][:2] == ["Band 2", "Band 3"] and len(counts.bands) == 9
        assert counts.bands[3] == BandCount("Band 5", 900, 300, 12)
        assert counts.shortlisting == Shortlisting(400, 120, 200, 30)
        assert counts.disciplinary == Disciplinary(3132, 24, 901, 15)
        assert counts.training == Training(3132, 1410, 901, 352)
        assert counts.board == Headcount(11, 1, 0) and counts.workforce == Headcount(3132, 901, 55)
        # the example's bands add up to the workforce it gives for indicator 9
        assert sum(b.total for b in counts.bands) == counts.workforce.total
        report = wres_report(counts)
        assert report.indicator_2 is not None and report.indicator_2.value == pytest.approx(2.0)
        assert report.indicator_1[-1].band == "overall" and report.indicator_1[-1].headcount == 4088
        assert report.indicator_9 is not None and report.indicator_9.bme.value == pytest.approx(1 / 12 - 901 / 4088)


class TestWhatRowsMaySay:
    def test_only_some_indicators_and_loose_spelling(self, tmp_path: Path) -> None:
        path = write(
            tmp_path,
            "2,Shortlisted,,White,400",
            "2,appointed,,WHITE,120",
            "2,shortlisted,,BME,200",
            "2,appointed,,bme,30",
            header="Indicator, Measure ,Band,Ethnicity,Count,Notes",
        )
        counts = read_workforce_counts(path)
        assert counts == WorkforceCounts(shortlisting=Shortlisting(400, 120, 200, 30))
        report = wres_report(counts)
        assert report.indicator_1 == () and report.indicator_3 is None and report.indicator_9 is None

    def test_unknown_is_optional_where_it_is_counted(self, tmp_path: Path) -> None:
        lines = ["1,headcount,Band 5,white,9", "1,headcount,Band 5,bme,3", "9,board,,white,5", "9,board,,bme,1"]
        lines += ["9,workforce,,white,9", "9,workforce,,bme,3", "9,workforce,,unknown,2"]
        counts = read_workforce_counts(write(tmp_path, *lines))
        assert counts.bands == (BandCount("Band 5", 9, 3, 0),)
        assert (counts.board, counts.workforce) == (Headcount(5, 1, 0), Headcount(9, 3, 2))

    def test_xlsx(self, tmp_path: Path) -> None:
        wb = openpyxl.Workbook()
        ws = wb.active
        assert ws is not None
        ws.append(HEADER.split(","))
        for line in INDICATOR_2:
            i, m, b, e, c = line.split(",")
            ws.append([int(i), m, b or None, e, float(c)])  # numbers typed as numbers, as Excel stores them
        wb.save(tmp_path / "w.xlsx")
        assert read_workforce_counts(tmp_path / "w.xlsx").shortlisting == Shortlisting(400, 120, 200, 30)


class TestRefusals:
    def test_every_bad_cell_is_named_and_nothing_is_returned(self, tmp_path: Path) -> None:
        path = write(
            tmp_path,
            "7,yes,,white,10",
            "2,hired,,white,3",
            "x,shortlisted,,white,3",
            "2,shortlisted,Band 5,white,400",
            "2,appointed,,asian,12",
            "2,appointed,,unknown,1",
            "1,headcount,,white,12",
            "3,workforce,,white,1.5",
            "3,workforce,,bme,-3",
            "3,entering,,white,",
            "1,headcount,Band 5,white,10,oops",
        )
        assert refused(path) == [
            "line 2, column indicator: indicator 7 comes from the staff survey, not the workforce counts "
            "(1, 2, 3, 4 or 9)",
            "line 3, column measure: 'hired' is not one of indicator 2's measures (shortlisted, appointed)",
            "line 4, column indicator: 'x' is not one of 1, 2, 3, 4, 9",
            "line 5, column band: only indicator 1 has bands (leave it empty for 2)",
            "line 6, column ethnicity: 'asian' is not one of white, bme, unknown",
            "line 7, column ethnicity: indicator 2 compares white and BME staff only (leave unknown out)",
            "line 8, column band: missing: indicator 1 counts staff per band",
            "line 9, column count: must be a whole number, 0 or more (got '1.5')",
            # the rows with bad counts still count as given; what no row gives is missing
            "line 9, column ethnicity: indicator 3 has no entering count for bme staff",
            "line 10, column count: must be a whole number, 0 or more (got '-3')",
            "line 11, column count: must be a whole number, 0 or more (missing)",
            "line 12: 1 value(s) to the right of the last named column",
            "line 12, column ethnicity: band 'Band 5' of indicator 1 has no headcount count for bme staff",
        ]

    def test_incomplete_indicators_and_bands(self, tmp_path: Path) -> None:
        path = write(
            tmp_path,
            "1,headcount,Band 5,white,10",
            "1,headcount,Band 6,bme,10",
            "1,headcount,Band 6,white,10",
            "2,shortlisted,,white,400",
            "2,appointed,,white,120",
            "2,shortlisted,,bme,200",
            "9,board,,white,5",
            "9,board,,bme,1",
        )
        assert refused(path) == [
            "line 2, column ethnicity: band 'Band 5' of indicator 1 has no headcount count for bme staff",
            "line 5, column ethnicity: indicator 2 has no appointed count for bme staff",
            "line 8, column ethnicity: indicator 9 has no workforce count for white staff",
            "line 8, column ethnicity: indicator 9 has no workforce count for bme staff",
        ]

    def test_a_part_larger_than_its_whole(self, tmp_path: Path) -> None:
        path = write(
            tmp_path, "4,workforce,,white,100", "4,accessed,,white,101", "4,workforce,,bme,50", "4,accessed,,bme,5"
        )
        assert refused(path) == [
            "line 3, column count: accessed white (101) cannot exceed workforce white (100, line 2)"
        ]

    def test_a_repeated_row(self, tmp_path: Path) -> None:
        path = write(tmp_path, *INDICATOR_2, "2,Appointed,,White,121")
        assert refused(path) == [
            "line 6: repeats line 3 (the same indicator, measure, band and ethnicity)",
        ]

    def test_the_message_says_nothing_was_read(self, tmp_path: Path) -> None:
        with pytest.raises(
            RowProblems, match=r"workforce.csv: 1 problem, nothing was imported \(WRES workforce counts\)"
        ):
            read_workforce_counts(write(tmp_path, *INDICATOR_2[:3], "2,appointed,,bme,x"))

    @pytest.mark.parametrize(
        ("header", "message"),
        [
            ("indicator,measure,ethnicity,count", "has no column(s) band"),
            ("indicator,measure,group,ethnic,n", "has no column(s) band, ethnicity, count"),
        ],
    )
    def test_missing_columns(self, tmp_path: Path, header: str, message: str) -> None:
        with pytest.raises(InvalidInput, match=message.replace("(", r"\(").replace(")", r"\)")):
            read_workforce_counts(write(tmp_path, "2,shortlisted,,white,4", header=header))

    def test_no_rows(self, tmp_path: Path) -> None:
        with pytest.raises(InvalidInput, match="no counts below the header"):
            read_workforce_counts(write(tmp_path))
