"""The final report's SVG charts: well-formed, labelled for screen readers, text escaped, figures written
beside the bars, a negative figure and a hidden figure said rather than drawn wrongly."""

from __future__ import annotations

from xml.etree import ElementTree

from plans.reports.charts import LABEL_CHARS, RED, Bar, Pair, bar_chart, paired_chart, short

NS = {"svg": "http://www.w3.org/2000/svg"}


def test_a_bar_chart_is_labelled_escaped_and_draws_a_loss_at_the_line() -> None:
    svg = bar_chart(
        "c1", "Costs & return", "Invested £10; net -£5", [Bar("Invested", 10, "£10"), Bar("Net <loss>", -5, "-£5")]
    )
    root = ElementTree.fromstring(svg)
    assert root.get("role") == "img" and root.get("aria-labelledby") == "c1-title c1-desc"
    assert root.find("svg:title", NS).text == "Costs & return"  # type: ignore[union-attr]
    rects = root.findall("svg:rect", NS)
    assert [float(r.get("width", 0)) for r in rects] == [300.0, 2.0] and rects[1].get("fill") == RED
    texts = [t.text for t in root.findall("svg:text", NS)]
    assert texts == ["Invested", "£10", "Net <loss>", "-£5"]


def test_a_paired_chart_says_a_hidden_figure_and_shortens_long_labels() -> None:
    long = "Q1: " + "a very long question " * 5
    svg = paired_chart(
        "c2", "Before and after", "d", [Pair(long, 40.0, None, "40%", "hidden")], legend=("Baseline", "Repeat")
    )
    root = ElementTree.fromstring(svg)
    texts = [t.text for t in root.findall("svg:text", NS)]
    assert texts[:2] == ["Baseline", "Repeat"] and "Repeat: hidden" in texts and "40%" in texts
    assert short(long) in texts and len(short(long)) <= LABEL_CHARS and short(long).endswith("\u2026")
    assert len(root.findall("svg:rect", NS)) == 3  # two legend keys and the baseline's bar
