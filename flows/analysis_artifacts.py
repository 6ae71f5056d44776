"""Prefect artifacts of a survey's stored analysis: a markdown of the headline findings and a table of the
heatmap (the organisation, then directorates and teams, against the organisation per question).

Keys are stable per survey (``survey-<id>-findings``, ``survey-<id>-heatmap``), as flows/artifacts.py does
for the live rates, so the UI shows each survey's latest analysis with its history across runs. A hidden
(suppressed) cell shows only that it is hidden and its group's respondents, never a figure (nor how many
answered the question, which the analysis withholds for a hidden group). Call the
publishers inside a flow or task.
"""

from __future__ import annotations

from typing import Any, cast
from uuid import UUID

from prefect.artifacts import create_markdown_artifact, create_table_artifact

from plans.services.analysis_digest import AnalysisDigest, Cell

HIDDEN = "hidden"


def findings_key(survey_id: int) -> str:
    return f"survey-{survey_id}-findings"


def heatmap_key(survey_id: int) -> str:
    return f"survey-{survey_id}-heatmap"


def _pct(p: float) -> str:
    return f"{p * 100:.0f}%"


def _cell_text(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _change(change: dict[str, Any] | None) -> str:
    """The change against the baseline as the markdown shows it."""
    if change is None:
        return ""
    if change.get("comparable") is False:
        return f"not comparable ({change.get('why') or 'the question changed'})"
    if change.get("suppressed") or change.get("difference") is None:
        return "no comparison (hidden in one of the surveys)"
    points = change["difference"] * 100
    low, high = change["ci_low"] * 100, change["ci_high"] * 100
    verdict = "significant" if change.get("significant") else "not significant"
    return f"{points:+.0f} points ({low:+.0f} to {high:+.0f}; {verdict})"


def findings_markdown(d: AnalysisDigest) -> str:
    """The headline findings: respondents, % positive per question with its interval (and change), the
    section means."""
    rate = f" of {d.eligible} eligible ({_pct(d.respondents / d.eligible)})" if d.eligible else ""
    lines = [
        f"# {_cell_text(d.title)}: findings",
        "",
        f"**{d.respondents}** responses{rate}. Analysed {d.analysed_at:%d %B %Y %H:%M} UTC. A figure is hidden "
        f"where fewer than {d.threshold} people answered, or where it could be worked out from others.",
        "",
        "## Questions",
        "",
    ]
    with_change = d.baseline_survey_id is not None
    head = "| Question | Answers | % positive | 95% interval |" + (
        " Change since the baseline |" if with_change else ""
    )
    lines += [head, "|---|--:|--:|---|" + ("---|" if with_change else "")]
    for h in d.headlines:
        if h.pct_positive is None or h.ci_low is None or h.ci_high is None:
            figures = f"{HIDDEN} | "
        else:
            figures = f"{_pct(h.pct_positive)} | {_pct(h.ci_low)} to {_pct(h.ci_high)}"
        row = f"| {h.question_id}: {_cell_text(h.text)} | {h.n} | {figures} |"
        lines.append(row + (f" {_change(h.change)} |" if with_change else ""))
    if d.sections:
        lines += ["", "## Sections (mean % positive of their questions)", "", "| Section | Mean |", "|---|--:|"]
        lines += [f"| {_cell_text(s)} | {HIDDEN if m is None else _pct(m)} |" for s, m in d.sections]
    return "\n".join(lines) + "\n"


def _heat(cell: Cell | None, organisation: Cell | None) -> str:
    if cell is None:
        return ""
    if cell.suppressed or cell.pct_positive is None:
        return f"{HIDDEN} (respondents {cell.respondents})"
    text = _pct(cell.pct_positive)
    if organisation is not None and organisation.pct_positive is not None and cell is not organisation:
        text += f" ({(cell.pct_positive - organisation.pct_positive) * 100:+.0f})"
    return text


def heatmap_rows(d: AnalysisDigest) -> list[dict[str, Any]]:
    """The heatmap as the table artifact's rows: one per group, a column per question holding its %
    positive and, for a directorate or team, its difference from the organisation in points."""
    organisation = d.heatmap[0].cells if d.heatmap else {}
    return [
        {
            "level": row.level,
            "group": row.group,
            **{q: _heat(row.cells.get(q), organisation.get(q)) for q in d.questions},
        }
        for row in d.heatmap
    ]


def publish_findings(d: AnalysisDigest) -> tuple[UUID, UUID]:
    """The findings markdown and the heatmap table for one survey; returns their ids."""
    markdown_id = create_markdown_artifact(
        markdown=findings_markdown(d),
        key=findings_key(d.survey_id),
        description=f"Headline findings of {d.title}",
        _sync=True,  # type: ignore[call-arg]  # the blocking call, even if an event loop runs
    )
    left_out = f"; {d.groups_left_out} more directorates and teams on the analysis page" if d.groups_left_out else ""
    table_id = create_table_artifact(
        table=heatmap_rows(d),
        key=heatmap_key(d.survey_id),
        description=(
            f"{d.title}: % positive per question for the organisation, its directorates and teams, with the "
            f"difference from the organisation in points; '{HIDDEN}' where suppressed{left_out}"
        ),
        _sync=True,  # type: ignore[call-arg]
    )
    return cast(UUID, markdown_id), cast(UUID, table_id)
