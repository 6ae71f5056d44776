"""What the workshop pages and API show: a plan's workshops, one workshop as the room sees it (tables,
their themes and ideas, each table's top three, the shortlist, the dots and the results with ties shown),
and the themes a recommendation can cite with everything behind each one (``themes_for_plan``,
``theme_detail``: the recommendations editor and the traceability pages read them).

Who wrote the ideas is shown by contributor type for every theme, so the room can see whether citizens'
voices are in it; never by person.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy.orm import Session

from plans.domain import workshop as rules
from plans.domain.errors import NotFound
from plans.models import Idea, Theme, ThemeVote, Workshop, WorkshopTable
from plans.repositories.workshop import WorkshopRepository
from plans.schemas_workshop import (
    IdeaOut,
    MixOut,
    NotesImportOut,
    PlanWorkshops,
    ResultOut,
    TableBrief,
    TableOut,
    ThemeBrief,
    ThemeChoice,
    ThemeDetail,
    ThemeOut,
    VoterOut,
    WorkshopRow,
    WorkshopView,
)
from plans.services.lifecycle import load_plan
from plans.services.workshop import stage_refusal
from plans.services.workshop_import import NotesImportSummary


def mix_out(ideas: Iterable[Idea]) -> MixOut:
    """Who wrote these ideas, by contributor type."""
    return mix_of_counts(Counter(i.contributor_type.value for i in ideas))


def mix_of_counts(counts: Mapping[str, int]) -> MixOut:
    """Who wrote a set of ideas, from their counts by contributor type."""
    mix = rules.contributor_mix(counts)
    return MixOut(
        counts=dict(mix.counts),
        total=mix.total,
        lived_experience=mix.lived_experience,
        lived_share=mix.lived_share,
        summary=mix.summary(),
        no_lived_voice=mix.no_lived_voice,
    )


def idea_out(idea: Idea) -> IdeaOut:
    """An idea as the pages and the API show it."""
    kind = idea.contributor_type.value
    return IdeaOut(
        id=idea.id,
        table_id=idea.table_id,
        text=idea.text,
        contributor_type=kind,
        contributor_label=rules.type_label(kind),
        theme_id=idea.theme_id,
        source=idea.source,
        created_at=idea.created_at,
    )


def table_brief(table: WorkshopTable) -> TableBrief:
    """A table without its themes and ideas."""
    return TableBrief(id=table.id, name=table.name, position=table.position)


def notes_import_out(summary: NotesImportSummary) -> NotesImportOut:
    """What an import of typed-up notes added, with who wrote the ideas it added."""
    return NotesImportOut(
        workshop_id=summary.workshop_id,
        source=summary.source,
        ideas=summary.ideas,
        themes_created=summary.themes_created,
        tables_created=summary.tables_created,
        by_table=summary.by_table,
        mix=mix_of_counts(summary.by_type),
    )


def theme_brief(theme: Theme) -> ThemeBrief:
    """A theme without its ideas."""
    return ThemeBrief(
        id=theme.id, table_id=theme.table_id, title=theme.title, description=theme.description, top_rank=theme.top_rank
    )


def _row(workshop: Workshop, counts: dict[str, int]) -> WorkshopRow:
    return WorkshopRow(
        id=workshop.id,
        title=workshop.title,
        held_on=workshop.held_on,
        venue=workshop.venue,
        dots_per_voter=workshop.dots_per_voter,
        **counts,
    )


def workshop_row(session: Session, workshop: Workshop) -> WorkshopRow:
    """One workshop with its counts."""
    return _row(workshop, WorkshopRepository(session).counts([workshop.id])[workshop.id])


def plan_workshops(session: Session, *, plan_id: int) -> PlanWorkshops:
    """The plan's workshops with their counts, and whether its stage lets them change."""
    plan = load_plan(session, plan_id)
    repo = WorkshopRepository(session)
    workshops = repo.workshops(plan.id)
    counts = repo.counts([w.id for w in workshops])
    refusal = stage_refusal(plan)
    return PlanWorkshops(
        plan_id=plan.id,
        plan_title=plan.title,
        stage=plan.stage.value,
        stage_label=plan.stage.label,
        open=refusal is None,
        locked_reason=refusal,
        workshops=[_row(w, counts[w.id]) for w in workshops],
    )


def _cited(session: Session, plan_id: int, theme_ids: Sequence[int]) -> dict[int, list[str]]:
    cited: dict[int, list[str]] = {}
    for theme_id, position, title in WorkshopRepository(session).citing(plan_id, theme_ids):
        cited.setdefault(theme_id, []).append(f"Recommendation {position + 1}: {title}")
    return cited


def _results(
    themes: Sequence[Theme], tables: dict[int, WorkshopTable], dots: Counter[int], grouped: dict[int, list[Idea]]
) -> list[ResultOut]:
    shortlist = {t.id: t for t in themes if t.top_rank is not None}
    ranked = rules.rank_by_dots(dots, {tid: t.title for tid, t in shortlist.items()})
    return [
        ResultOut(
            theme_id=r.theme_id,
            title=r.title,
            table=tables[shortlist[r.theme_id].table_id].name,
            table_rank=shortlist[r.theme_id].top_rank or 0,
            dots=r.dots,
            rank=r.rank,
            tied=r.tied,
            place=r.place,
            ideas=len(grouped.get(r.theme_id, [])),
            mix=mix_out(grouped.get(r.theme_id, [])),
        )
        for r in ranked
    ]


def _voters(votes: Sequence[ThemeVote], titles: dict[int, str]) -> list[VoterOut]:
    by_voter: dict[str, list[str]] = {}
    for v in votes:
        by_voter.setdefault(v.voter, []).append(titles.get(v.theme_id, ""))
    return [VoterOut(voter=name, dots=len(t), themes=t) for name, t in sorted(by_voter.items(), key=lambda x: x[0])]


def workshop_view(session: Session, *, plan_id: int, workshop_id: int) -> WorkshopView:
    """One workshop as the room sees it (``NotFound`` for another plan's workshop)."""
    plan = load_plan(session, plan_id)
    repo = WorkshopRepository(session)
    workshop = repo.workshop(plan.id, workshop_id)
    if workshop is None:
        raise NotFound(f"plan {plan.id} has no workshop {workshop_id}")
    tables = {t.id: t for t in repo.tables(workshop.id)}
    themes = list(repo.themes(workshop.id))
    ideas = list(repo.ideas(workshop.id))
    votes = list(repo.votes(workshop.id))
    dots: Counter[int] = Counter(v.theme_id for v in votes)
    grouped: dict[int, list[Idea]] = {}
    for idea in ideas:
        if idea.theme_id is not None:
            grouped.setdefault(idea.theme_id, []).append(idea)
    cited = _cited(session, plan.id, [t.id for t in themes])
    table_views = []
    for table in tables.values():
        own = [t for t in themes if t.table_id == table.id]
        table_views.append(
            TableOut(
                id=table.id,
                name=table.name,
                position=table.position,
                themes=[
                    ThemeOut(
                        **theme_brief(t).model_dump(),
                        ideas=[idea_out(i) for i in grouped.get(t.id, [])],
                        mix=mix_out(grouped.get(t.id, [])),
                        dots=dots.get(t.id, 0),
                        cited_by=cited.get(t.id, []),
                    )
                    for t in own
                ],
                ungrouped=[idea_out(i) for i in ideas if i.table_id == table.id and i.theme_id is None],
                ideas=sum(1 for i in ideas if i.table_id == table.id),
                top_three=[theme_brief(t) for t in sorted(own, key=lambda t: t.top_rank or 0) if t.top_rank],
            )
        )
    refusal = stage_refusal(plan)
    counts = {
        "tables": len(tables),
        "ideas": len(ideas),
        "themes": len(themes),
        "dots": len(votes),
        "voters": len({v.voter for v in votes}),
    }
    return WorkshopView(
        plan_id=plan.id,
        plan_title=plan.title,
        stage=plan.stage.value,
        stage_label=plan.stage.label,
        open=refusal is None,
        locked_reason=refusal,
        workshop=_row(workshop, counts),
        tables=table_views,
        shortlist=[theme_brief(t) for t in themes if t.top_rank is not None],
        tables_without_top_three=[t.name for t in table_views if len(t.top_three) < rules.TOP],
        results=_results(themes, tables, dots, grouped),
        voters=_voters(votes, {t.id: t.title for t in themes}),
        mix=mix_out(ideas),
    )


def _choice(theme: Theme, workshop: Workshop, table: WorkshopTable, dots: int, ideas: int) -> dict[str, Any]:
    rank = f", {rules.ORDINALS[theme.top_rank]}" if theme.top_rank in rules.ORDINALS else ""
    when = f"{workshop.held_on.day} {workshop.held_on:%B %Y}"
    return {
        "id": theme.id,
        "title": theme.title,
        "workshop_id": workshop.id,
        "workshop": workshop.title,
        "held_on": workshop.held_on,
        "table": table.name,
        "top_rank": theme.top_rank,
        "dots": dots,
        "ideas": ideas,
        "label": f"{theme.title} ({table.name}{rank}; {workshop.title}, {when})",
    }


def themes_for_plan(session: Session, plan_id: int) -> list[ThemeChoice]:
    """Every theme of the plan's workshops a recommendation may cite (``theme:<id>``), by workshop date,
    table and rank, with its dots and how many ideas it groups."""
    repo = WorkshopRepository(session)
    rows = repo.plan_themes(plan_id)
    ids = [t.id for t, _, _ in rows]
    dots = repo.dots(ids)
    counts = Counter(i.theme_id for i in repo.theme_ideas(ids))
    return [ThemeChoice(**_choice(t, w, tb, dots.get(t.id, 0), counts.get(t.id, 0))) for t, w, tb in rows]


def theme_detail(session: Session, *, plan_id: int, theme_id: int) -> ThemeDetail:
    """One theme of the plan with its ideas, who wrote them and its place in the vote (``NotFound`` for a
    theme of another plan)."""
    repo = WorkshopRepository(session)
    found = repo.plan_theme(plan_id, theme_id)
    if found is None:
        raise NotFound(f"theme_id: plan {plan_id} has no workshop theme {theme_id}")
    theme, workshop, table = found
    ideas = list(repo.theme_ideas([theme.id]))
    place = None
    if theme.top_rank is not None:
        themes = list(repo.themes(workshop.id))
        shortlist = {t.id: t.title for t in themes if t.top_rank is not None}
        ranked = rules.rank_by_dots(repo.dots(list(shortlist)), shortlist)
        place = next(r.place for r in ranked if r.theme_id == theme.id)
    dots = repo.dots([theme.id]).get(theme.id, 0)
    return ThemeDetail(
        **_choice(theme, workshop, table, dots, len(ideas)),
        description=theme.description,
        idea_list=[idea_out(i) for i in ideas],
        mix=mix_out(ideas),
        place=place,
    )
