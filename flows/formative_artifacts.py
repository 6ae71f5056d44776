"""The formative report of a checkpoint as a Prefect markdown artifact, for coordinators watching the runs.

Call inside a flow or a task (the daily chase does, in one task for every report not yet published):
Prefect ties an artifact to the run it is made in. The key is stable per plan and checkpoint
(``plan-<id>-formative-<n>``, ``plans.services.formative.artifact_key``), so the UI shows each
checkpoint's report under one name. The report holds the coordinator's words, evidence counts and
figures, objectives' RAG and who answered; never a survey answer.
"""

from __future__ import annotations

from typing import cast
from uuid import UUID

from prefect.artifacts import create_markdown_artifact

from plans.schemas_delivery import FormativeReportOut
from plans.services.formative import artifact_key

RAG_WORDS = {"red": "Red", "amber": "Amber", "green": "Green"}


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ").strip()


def _block(text: str) -> list[str]:
    """The coordinator's paragraphs as written (markdown headings in them cannot take over the page)."""
    return [line if not line.lstrip().startswith("#") else "\\" + line.lstrip() for line in text.splitlines()] or [
        "(nothing written)"
    ]


def report_markdown(r: FormativeReportOut) -> str:
    """The report as markdown: the three questions, the evidence by type, the objectives, the answers."""
    lines = [
        f"# {_cell(r.plan_title)}: formative checkpoint {r.number}",
        "",
        f"Due {r.due_on:%-d %B %Y}, recorded {r.recorded_at:%-d %B %Y}"
        + (f"; {r.attendance} attended the review." if r.attendance is not None else "."),
        "",
        "## What we did",
        "",
        *_block(r.what_we_did),
        "",
        "## What we learned",
        "",
        *_block(r.what_we_learned),
        "",
        "## What we will change",
        "",
        *_block(r.what_we_will_change),
        "",
        f"## Evidence ({sum(t.items for t in r.evidence_summary)} pieces)",
        "",
    ]
    if r.evidence_summary:
        levels = ", ".join(str(n) for n in r.levels) or "none"
        lines += [f"Kirkpatrick levels with evidence: {levels}.", ""]
        lines += ["| Type | Pieces | People | Figures |", "|---|--:|--:|---|"]
        lines += [
            f"| {t.label} | {t.items} | {t.participants} | {_cell('; '.join(t.figures)) or '-'} |"
            for t in r.evidence_summary
        ]
    else:
        lines.append("No evidence was given for this checkpoint.")
    lines += ["", "## Objectives when the checkpoint was recorded", ""]
    if r.objectives:
        lines += ["| Objective | Owner | Status | Complete | Note |", "|---|---|---|--:|---|"]
        lines += [
            f"| {_cell(o.text)} | {_cell(o.owner)} | {RAG_WORDS[o.status.value] if o.status else 'Not reported'} "
            f"| {f'{o.percent_complete}%' if o.percent_complete is not None else '-'} | {_cell(o.note) or '-'} |"
            for o in r.objectives
        ]
    else:
        lines.append("The plan has no objectives.")
    answered = [q for q in r.requests if q.state in ("evidence", "nothing")]
    lines += ["", "## Evidence owners", "", f"{len(answered)} of {len(r.requests)} asked answered."]
    missing = [q.owner for q in r.requests if q.state not in ("evidence", "nothing")]
    if missing:
        lines += ["", "No answer from: " + ", ".join(_cell(m) for m in missing) + "."]
    return "\n".join(lines) + "\n"


def publish_formative_report(r: FormativeReportOut) -> UUID:
    """The markdown artifact of one checkpoint's report; its id."""
    return cast(
        UUID,
        create_markdown_artifact(
            markdown=report_markdown(r),
            key=artifact_key(r.plan_id, r.number),
            description=f"Formative checkpoint {r.number} of {r.plan_title}: what we did, learned and will change",
            _sync=True,  # type: ignore[call-arg]  # the blocking call, even if an event loop runs
        ),
    )
