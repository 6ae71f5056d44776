"""The summative page's benefits form read into rows: blank rows skipped, money in pounds, percentages
as whole numbers, an isolation method from the list; each problem names the saved row, and maps back to
the page's row so it is shown beside its box."""

from __future__ import annotations

from evaluation.roi import IsolationMethod
from plans.summative_form import read_benefits


def test_rows_are_read_and_blank_ones_skipped() -> None:
    form = read_benefits(
        ["", "Fewer complaints", "Morale"],
        ["", "£3,000.50", ""],
        ["", "trend_line", ""],
        ["", "50", ""],
        ["", "", ""],
        ["", "30 x £100", ""],
        ["", "7", ""],
    )
    assert form.problems == [] and form.rows == [1, 2]
    first, second = form.items
    assert (first.value_pence, first.isolation_method, first.contribution_pct, first.confidence_pct) == (
        300_050, IsolationMethod.TREND_LINE, 50, 100,
    )  # fmt: skip
    assert (first.expectation_id, second.value_pence, second.isolation_method) == (7, None, None)


def test_each_problem_names_its_row_and_maps_to_the_page() -> None:
    form = read_benefits(
        ["", "Saved time"], ["", "lots"], ["", "guesswork"], ["", "half"], ["", "101"], ["", ""], ["", ""]
    )
    assert [name for name, _ in form.problems] == [
        "benefits[0].value",
        "benefits[0].isolation_method",
        "benefits[0].contribution_pct",
    ]
    assert "'lots' is not an amount in pounds and pence" in form.problems[0][1]
    assert form.items[0].confidence_pct == 101  # in range or not is the rules' to say, by the same name
    assert form.page_field("benefits[0].isolation_method") == "benefit-1-isolation_method"
    assert form.page_field("benefits[0].expectation_id") == "benefit-1-expectation_id"
