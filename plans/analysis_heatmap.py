"""The heatmap of a survey's analysis, built from stored findings: the groups of one breakdown (teams,
directorates, any demographic or crossed pair) as rows, the questions in survey order as columns, and in
each cell the group's % positive, its difference from the organisation and a band. Pure: no I/O.

The band rule (written on the page's legend too). With the group's Wilson 95% interval [low, high] and
the organisation's % positive ``o`` for the question:

- *similar* when ``o`` lies inside the interval (the group's figure is consistent with the organisation's);
- *above* / *below* when ``o`` lies below / above the whole interval;
- *well above* / *well below* when, besides, the difference is at least ``WELL_POINTS`` percentage points.

The organisation includes the group, so this is a screening rule for where to look, not a significance
test of the difference between two independent samples; it errs towards "similar" for small groups (wide
intervals), which is where chance differences are largest. The Wilson interval always contains the
group's own figure, so "above" always means a positive difference and "below" a negative one.

A hidden (suppressed) cell carries only its reason (not even how many answered: see ``cell``); a group's
summary takes no figure from a hidden cell. Ordering and paging work on summaries (one per group), so a
page of a breakdown with tens of thousands of groups builds cells for that page's groups only.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from plans.analysis_views import (
    Band,
    CellState,
    Heatmap,
    HeatmapCell,
    HeatmapRow,
    QuestionColumn,
    ResponseRateView,
    SectionSpan,
    SortKey,
    SortOrder,
)

WELL_POINTS = 10.0
PER_PAGE = 50
MAX_PER_PAGE = 500


@dataclass(frozen=True)
class FindingRow:
    """One stored finding: a group's (or, with group "all", the organisation's) figure for a question."""

    group: str
    question: str
    n: int | None  # null where hidden: a hidden group's answers per question are not published
    pct_positive: float | None
    ci_low: float | None
    ci_high: float | None
    suppressed: bool
    reason: str | None
    respondents: int | None = None  # the group's respondents: always published, hidden or not


@dataclass(frozen=True)
class GroupSummary:
    """What ordering a breakdown's groups needs of each: its respondents ``n`` (for rows that carry none,
    the most answers it gave to a question, 0 when hidden: a hidden group's answers per question are not
    published), the mean of its shown cells' differences from the organisation (None when none is
    shown), and whether it is hidden."""

    group: str
    n: int
    mean_difference: float | None
    suppressed: bool
    reason: str | None


def band(pct: float, low: float, high: float, organisation: float, well: float = WELL_POINTS) -> Band:
    """The band of a group's figure ``pct`` (interval ``low``..``high``) against the organisation's. The
    difference is compared to six decimals, so 0.5 against 0.4 is the 10 points it is (not 9.999...)."""
    points = round((pct - organisation) * 100, 6)
    if organisation < low:
        return "well_above" if points >= well else "above"
    if organisation > high:
        return "well_below" if -points >= well else "below"
    return "similar"


def _without_figures(question: str, n: int | None, state: CellState, reason: str | None) -> HeatmapCell:
    return HeatmapCell(
        question_id=question,
        n=n,
        state=state,
        pct_positive=None,
        ci_low=None,
        ci_high=None,
        difference=None,
        band=None,
        reason=reason,
    )


def cell(row: FindingRow | None, question: str, organisation: float | None) -> HeatmapCell:
    """The cell of one finding (None: the group has no row for the question, so no answers). A hidden
    row gives its reason and nothing else, whatever else it holds: not even how many answered the
    question (a count of 0 there would make the group known to anyone subtracting; the group's
    respondents are shown instead, on its row)."""
    if row is None:
        return _without_figures(question, 0, "no_answers", None)
    if row.suppressed:
        return _without_figures(question, None, "suppressed", row.reason)
    if row.pct_positive is None or row.ci_low is None or row.ci_high is None:
        return _without_figures(question, row.n or 0, "no_answers", None)
    difference: float | None = None
    placed: Band | None = None
    if organisation is not None:
        difference = (row.pct_positive - organisation) * 100
        placed = band(row.pct_positive, row.ci_low, row.ci_high, organisation)
    return HeatmapCell(
        question_id=question,
        n=row.n or 0,
        state="shown",
        pct_positive=row.pct_positive,
        ci_low=row.ci_low,
        ci_high=row.ci_high,
        difference=difference,
        band=placed,
        reason=None,
    )


def organisation_figures(overall: Iterable[FindingRow]) -> dict[str, float]:
    """The organisation's % positive per question, for the questions where it is shown."""
    return {r.question: r.pct_positive for r in overall if not r.suppressed and r.pct_positive is not None}


def summarise(rows: Iterable[FindingRow], organisation: Mapping[str, float]) -> list[GroupSummary]:
    """One summary per group of the rows (in order of first appearance); a hidden group keeps the least of
    its reasons. The repository computes the same in SQL for large breakdowns; this is the reference it
    is tested against."""
    n: dict[str, int] = {}
    diffs: dict[str, list[float]] = {}
    hidden: dict[str, list[str]] = {}
    for r in rows:
        counted = r.respondents if r.respondents is not None else 0 if r.suppressed else r.n or 0
        n[r.group] = max(n.get(r.group, 0), counted)
        diffs.setdefault(r.group, [])
        if r.suppressed:
            hidden.setdefault(r.group, []).extend([r.reason] if r.reason is not None else [])
        elif r.pct_positive is not None and r.question in organisation:
            diffs[r.group].append((r.pct_positive - organisation[r.question]) * 100)
    return [
        GroupSummary(
            group=g,
            n=n[g],
            mean_difference=None if g in hidden or not d else math.fsum(d) / len(d),
            suppressed=g in hidden,
            reason=min(hidden[g], default=None) if g in hidden else None,
        )
        for g, d in diffs.items()
    ]


def is_secondary(summary: GroupSummary) -> bool:
    """Whether a hidden group was hidden only to protect another (its reasons all say "secondary"), not
    for its own size. The pipeline gives every row of a group the same reason; of mixed reasons the
    least (``min``) is kept, and any primary reason sorts before a secondary one."""
    return summary.suppressed and summary.reason is not None and summary.reason.startswith("secondary")


def natural_key(name: str) -> tuple[tuple[int, int | str], ...]:
    """A sort key that puts "T2" before "T10" (runs of digits compare as numbers), case-insensitively."""
    return tuple(
        (0, int(part)) if part.isdigit() else (1, part.casefold()) for part in re.split(r"(\d+)", name) if part
    )


def ordered(summaries: Sequence[GroupSummary], sort: SortKey, order: SortOrder) -> list[GroupSummary]:
    """Groups by name, by ``n`` or by mean difference, ascending or descending; ties by name (ascending),
    and groups with no mean difference (hidden, or nothing comparable) last whichever way."""
    by_name = sorted(summaries, key=lambda s: (natural_key(s.group), s.group))
    if sort == "name":
        return by_name[::-1] if order == "desc" else by_name
    sign = -1 if order == "desc" else 1
    if sort == "n":
        return sorted(by_name, key=lambda s: sign * s.n)  # stable: equal n stay in name order
    shown = [s for s in by_name if s.mean_difference is not None]
    rest = [s for s in by_name if s.mean_difference is None]
    return sorted(shown, key=lambda s: sign * (s.mean_difference or 0.0)) + rest


def pages(total: int, per_page: int) -> int:
    """How many pages ``total`` groups fill (at least one, empty or not)."""
    return max(1, math.ceil(total / per_page))


def clamp(page: int, total: int, per_page: int) -> int:
    """The page to show when ``page`` was asked for: 1 at least, the last page at most."""
    return min(max(1, page), pages(total, per_page))


def page_of(summaries: Sequence[GroupSummary], page: int, per_page: int) -> list[GroupSummary]:
    """The summaries on (the clamped) ``page``."""
    start = (clamp(page, len(summaries), per_page) - 1) * per_page
    return list(summaries[start : start + per_page])


def section_spans(columns: Sequence[QuestionColumn]) -> list[SectionSpan]:
    """Headings over runs of adjacent columns of the same section."""
    spans: list[SectionSpan] = []
    for c in columns:
        if spans and spans[-1].section == c.section:
            spans[-1].span += 1
        else:
            spans.append(SectionSpan(section=c.section, title=c.section_title, span=1))
    return spans


@dataclass(frozen=True)
class Paged:
    """One page of a breakdown's groups, in order, and where it lies among all of them."""

    groups: list[GroupSummary]
    sort: SortKey
    order: SortOrder
    page: int
    per_page: int
    pages: int
    total: int


def paginate(
    summaries: Sequence[GroupSummary],
    *,
    sort: SortKey = "name",
    order: SortOrder = "asc",
    page: int = 1,
    per_page: int = PER_PAGE,
) -> Paged:
    """Order every group of a breakdown and keep those on (the clamped) ``page``."""
    return paged(ordered(summaries, sort, order), sort=sort, order=order, page=page, per_page=per_page)


def paged(
    in_order: Sequence[GroupSummary], *, sort: SortKey, order: SortOrder, page: int = 1, per_page: int = PER_PAGE
) -> Paged:
    """The page of groups already in the order ``sort`` and ``order`` give (see ``ordered``)."""
    if not 1 <= per_page <= MAX_PER_PAGE:
        raise ValueError(f"per_page must be between 1 and {MAX_PER_PAGE}, not {per_page}")
    return Paged(
        groups=page_of(in_order, page, per_page),
        sort=sort,
        order=order,
        page=clamp(page, len(in_order), per_page),
        per_page=per_page,
        pages=pages(len(in_order), per_page),
        total=len(in_order),
    )


def grid(
    *,
    breakdown: str,
    columns: Sequence[QuestionColumn],
    overall: Sequence[FindingRow],
    paged: Paged,
    rows: Iterable[FindingRow],
    rates: Mapping[str, ResponseRateView] | None = None,
) -> Heatmap:
    """The heatmap of one page: ``rows`` holds at least the findings of the page's groups (others are
    ignored); a group with no row for a question shows it as having no answers. ``rates``: the groups'
    response rates, for an organisational breakdown."""
    org = organisation_figures(overall)
    wanted = {s.group for s in paged.groups}
    found: dict[str, dict[str, FindingRow]] = {}
    for r in rows:
        if r.group in wanted:
            found.setdefault(r.group, {})[r.question] = r
    by_question = {r.question: r for r in overall}

    def cells(group: str | None) -> list[HeatmapCell]:
        at = by_question if group is None else found.get(group, {})
        return [cell(at.get(c.question_id), c.question_id, org.get(c.question_id)) for c in columns]

    return Heatmap(
        breakdown=breakdown,
        columns=list(columns),
        sections=section_spans(columns),
        organisation=cells(None),
        rows=[
            HeatmapRow(
                group=s.group,
                name=None,
                n=s.n,
                mean_difference=s.mean_difference,
                suppressed=s.suppressed,
                reason=s.reason,
                response_rate=(rates or {}).get(s.group),
                cells=cells(s.group),
            )
            for s in paged.groups
        ],
        sort=paged.sort,
        order=paged.order,
        page=paged.page,
        per_page=paged.per_page,
        pages=paged.pages,
        groups=paged.total,
        well_points=WELL_POINTS,
    )
