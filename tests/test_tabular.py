"""Reading CSV and XLSX files (plans/tabular.py): the lines a person sees, cells as text, and a clear
refusal for every file that cannot be a table."""

from __future__ import annotations

import zipfile
from datetime import date, datetime, time
from pathlib import Path

import openpyxl
import pytest

from plans.domain.errors import InvalidInput
from plans.tabular import Row, open_table


def rows(path: Path, **kw: object) -> list[Row]:
    return list(open_table(path, **kw).rows())  # type: ignore[arg-type]


def xlsx(path: Path, data: list[list[object]]) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    for r in data:
        ws.append(r)
    wb.save(path)
    return path


class TestCsv:
    def test_bom_lines_and_quoted_newlines(self, tmp_path: Path) -> None:
        path = tmp_path / "a.csv"
        path.write_bytes(b'\xef\xbb\xbfTeam , Email\r\nT1, a@x \r\n\r\n"T2","two\nlines"\r\nT3,c,extra\r\n')
        table = open_table(path)
        assert table.header == ("Team", "Email")
        assert list(table.rows()) == [
            Row(2, ("T1", "a@x"), 0),
            Row(4, ("T2", "two\nlines"), 0),
            Row(6, ("T3", "c"), 1),
        ]

    @pytest.mark.parametrize("delimiter", [";", "\t", ","])
    def test_delimiter_is_sniffed(self, tmp_path: Path, delimiter: str) -> None:
        path = tmp_path / "a.csv"
        path.write_text(delimiter.join(["a", "b", "c"]) + "\n" + delimiter.join(["1", "2,5", ""]) + "\n")
        if delimiter == ",":
            assert rows(path)[0] == Row(2, ("1", "2", "5"), 0)
        else:
            assert rows(path)[0].cells == ("1", "2,5", "")

    def test_short_rows_are_padded(self, tmp_path: Path) -> None:
        path = tmp_path / "a.csv"
        path.write_text("a,b,c\n1\n")
        assert rows(path) == [Row(2, ("1", "", ""), 0)]

    def test_not_utf8_names_the_line(self, tmp_path: Path) -> None:
        path = tmp_path / "a.csv"
        path.write_bytes(b"a,b\n1,2\nCaf\xe9,3\n")
        with pytest.raises(InvalidInput, match=r"a.csv: line 3 is not UTF-8 text; save the file as 'CSV UTF-8'"):
            rows(path)

    def test_nul_is_refused(self, tmp_path: Path) -> None:
        path = tmp_path / "a.csv"
        path.write_bytes(b"a,b\n1,2\x003\n")
        with pytest.raises(InvalidInput, match=r"line 2 contains a NUL character"):
            rows(path)

    def test_a_sheet_name_makes_no_sense_for_csv(self, tmp_path: Path) -> None:
        path = tmp_path / "a.csv"
        path.write_text("a\n1\n")
        with pytest.raises(InvalidInput, match=r"no sheets"):
            open_table(path, sheet="Staff")


class TestXlsx:
    def test_cells_become_text_and_keep_their_row_numbers(self, tmp_path: Path) -> None:
        path = xlsx(
            tmp_path / "a.xlsx",
            [
                ["n", "f", "b", "d", "t", None, None],
                [12, 12.0, True, date(2027, 1, 4), time(9, 30), None, None],
                [],
                [None, 2.5, False, datetime(2027, 1, 4, 9, 30), " x ", None, "stray"],
            ],
        )
        table = open_table(path)
        assert table.header == ("n", "f", "b", "d", "t")  # empty trailing header cells dropped
        assert list(table.rows()) == [
            Row(2, ("12", "12", "TRUE", "2027-01-04", "09:30:00"), 0),
            Row(4, ("", "2.5", "FALSE", "2027-01-04 09:30:00", "x"), 1),
        ]

    def test_header_must_be_the_first_row(self, tmp_path: Path) -> None:
        path = xlsx(tmp_path / "a.xlsx", [[], ["a", "b"], ["1", "2"]])
        with pytest.raises(InvalidInput, match=r"header must be on line 1"):
            open_table(path)

    def test_damaged_workbooks(self, tmp_path: Path) -> None:
        junk = tmp_path / "junk.xlsx"
        junk.write_bytes(b"PK\x03\x04" + b"\x00" * 100)
        with pytest.raises(InvalidInput, match=r"junk.xlsx: not a readable .xlsx workbook"):
            open_table(junk)
        hollow = tmp_path / "hollow.xlsx"
        with zipfile.ZipFile(hollow, "w") as z:
            z.writestr("hello.txt", "not a workbook")
        with pytest.raises(InvalidInput, match=r"hollow.xlsx: not a readable .xlsx workbook"):
            open_table(hollow)
        text = tmp_path / "text.xlsx"
        text.write_text("a,b\n1,2\n")
        with pytest.raises(InvalidInput, match=r"is it CSV text with the wrong name"):
            open_table(text)

    def test_a_workbook_named_csv(self, tmp_path: Path) -> None:
        path = xlsx(tmp_path / "a.xlsx", [["a"], [1]])
        renamed = path.rename(tmp_path / "a.csv")
        with pytest.raises(InvalidInput, match=r"an Excel workbook, not CSV text; name it .xlsx"):
            open_table(renamed)


class TestRefused:
    @pytest.mark.parametrize(
        ("name", "content", "message"),
        [
            ("empty.csv", b"", "the file is empty"),
            ("blank.csv", b"\n\n", "the first line must be the header"),
            ("old.xls", b"\xd0\xcf\x11\xe0", "old Excel"),
            ("staff.pdf", b"%PDF", "expected a .csv or .xlsx file, not .pdf"),
            ("staff", b"a,b", "without an extension"),
            ("dup.csv", b"Email,team, EMAIL \n", "columns 1 and 3 are both named 'EMAIL'"),
            ("gap.csv", b"a,,c\n", "column 2 of the header has no name"),
        ],
    )
    def test_files_that_are_not_tables(self, tmp_path: Path, name: str, content: bytes, message: str) -> None:
        path = tmp_path / name
        path.write_bytes(content)
        with pytest.raises(InvalidInput, match=message) as caught:
            open_table(path)
        assert caught.value.message.startswith(f"{name}: ")

    def test_missing_file_and_size_limit(self, tmp_path: Path) -> None:
        with pytest.raises(InvalidInput, match=r"nope.csv: the file does not exist"):
            open_table(tmp_path / "nope.csv")
        path = tmp_path / "big.csv"
        path.write_text("a\n" + "1\n" * 1000)
        with pytest.raises(InvalidInput, match=r"larger than"):
            open_table(path, max_bytes=1000)
