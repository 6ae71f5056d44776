"""The summative report as a Prefect markdown artifact, for coordinators watching the runs.

Call inside a flow or a task (the daily chase does, in one task for every report due): Prefect ties an
artifact to the run it is made in. The key is stable per plan (``plan-<id>-summative``,
``plans.services.summative_publishing.artifact_key``): the draft written with the retrospective, then
the final one when the plan closes, in the artifact's history. It holds the judgements with their chain
of evidence, the return on investment, the retrospective, the panel's verdicts and the organisation-wide
baseline-against-repeat figures the analysis published; never a survey answer or a hidden figure.
"""

from __future__ import annotations

from typing import cast
from uuid import UUID

from prefect.artifacts import create_markdown_artifact

from plans.schemas_report import FinalReport
from plans.services.summative_publishing import artifact_key


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ").strip()


def _block(text: str) -> list[str]:
    """A person's paragraphs as written (markdown headings in them cannot take over the page)."""
    return [line if not line.lstrip().startswith("#") else "\\" + line.lstrip() for line in text.splitlines()] or [
        "(nothing written)"
    ]


def _pct(value: float | None) -> str:
    return "hidden" if value is None else f"{value * 100:.0f}%"


def summative_markdown(r: FinalReport) -> str:
    """The summative report as markdown: expectations judged, investment and return, the retrospective,
    the panel's verdicts and the repeat survey against the baseline."""
    s = r.summative
    state = "Final: the plan has closed." if r.closed else f"Draft: the plan is in {r.stage_label.lower()}."
    lines = [
        f"# {_cell(r.title)}: summative report",
        "",
        f"{state} Written {r.generated_at:%-d %B %Y}.",
        "",
        f"## Expectations: {s.by_judgement['met']} met, {s.by_judgement['partly_met']} partly met, "
        f"{s.by_judgement['not_met']} not met, {s.unjudged} not judged",
        "",
        "| Expectation | Whose | Level | Judgement | Chain of evidence |",
        "|---|---|--:|---|---|",
    ]
    lines += [
        f"| {_cell(e.text)} | {_cell(e.stakeholder)} | {e.level} | {e.judgement_label or 'Not judged'} "
        f"| {_cell(e.chain.words)} |"
        for e in s.expectations
    ]
    roi = s.roi
    lines += [
        "",
        "## Investment and return",
        "",
        f"Invested **{roi.costs}**; benefits after isolation and confidence **{roi.benefits}**; net {roi.net}; "
        f"return on investment **{roi.roi}**. Cost per attendance: {roi.cost_per_participant or 'not known'} "
        f"({roi.participants} attendances, {roi.participants_from}).",
        "",
    ]
    if roi.counted:
        lines += ["| Benefit | Value | Isolated by | Share | Confidence | Counted |", "|---|--:|---|--:|--:|--:|"]
        lines += [
            f"| {_cell(b.description)} | {b.value} | {b.isolation_label} | {b.contribution_pct}% "
            f"| {b.confidence_pct}% | {b.adjusted} |"
            for b in roi.counted
        ]
    if roi.intangible:
        lines += ["", "Benefits without a money value: " + "; ".join(_cell(b.description) for b in roi.intangible)]
    if s.retrospective is not None:
        for title, text in (
            ("What we did", s.retrospective.what_we_did),
            ("What we learned", s.retrospective.what_we_learned),
            ("What we are pleased about", s.retrospective.pleased_about),
            ("What could have been different", s.retrospective.could_have_been_different),
        ):
            lines += ["", f"## {title}", "", *_block(text)]
    summative = next((o for o in r.panel.outputs if o.output == "summative"), None)
    lines += ["", "## The citizen panel", ""]
    if summative is None:
        lines.append("The summative report has not been published to the panel.")
    else:
        waiting = f"; not yet reviewed by {', '.join(summative.not_reviewed)}" if summative.not_reviewed else ""
        lines.append(
            f"On the summative report: {summative.endorse} endorsed, {summative.comment} commented, "
            f"{summative.challenge} challenged ({summative.unanswered_challenges} awaiting an answer){waiting}."
        )
    if r.repeat_title is not None:
        lines += ["", "## The staff survey, baseline against repeat", ""]
        lines += ["| Question | Baseline | Repeat | Change |", "|---|--:|--:|---|"]
        lines += [
            f"| {_cell(q.question_id)}: {_cell(q.text)} | {_pct(q.baseline_pct)} | {_pct(q.repeat_pct)} "
            f"| {_cell(q.change)} |"
            for q in r.questions
        ]
    return "\n".join(lines) + "\n"


def publish_summative_report(r: FinalReport) -> UUID:
    """The markdown artifact of a plan's summative report; its id."""
    return cast(
        UUID,
        create_markdown_artifact(
            markdown=summative_markdown(r),
            key=artifact_key(r.plan_id),
            description=f"Summative report of {r.title} ({'final' if r.closed else 'draft'})",
            _sync=True,  # type: ignore[call-arg]  # the blocking call, even if an event loop runs
        ),
    )
