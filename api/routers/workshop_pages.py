"""The coordinator's workshop pages: a plan's workshops (and setting one up), and one workshop run live:
type each sticky note in as it is written (the table and contributor type stay chosen between notes, so
a typist only types), group a table's ideas into themes, move them between themes, and choose each
table's top three (those forms: ``workshop_theme_pages``). The dot vote and the typed-up import are in
``workshop_vote_pages``.

A refused form re-renders the page with the NHS error summary, each error linked to its field, and what
was typed; nothing of the refused change is kept (the transaction is rolled back). Success redirects
back with a one-time message.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from api.deps import SessionDep
from api.pages import redirect, render
from api.permissions import CurrentPrincipal
from plans.domain import workshop as rules
from plans.domain.access import COORDINATING
from plans.domain.errors import DomainError
from plans.models import utcnow
from plans.services import workshop, workshop_views

router = APIRouter(include_in_schema=False)
Text = Annotated[str, Form(max_length=10_000)]
PASSES = frozenset({"forbidden", "unauthenticated", "not_found"})  # the error page, not a form error
STATUS = {"invalid": 422}  # anything else (a locked stage, a duplicate name): 409
TYPES = [(t, rules.type_label(t).capitalize()) for t in rules.CONTRIBUTOR_TYPES]


def form_errors(exc: DomainError, fields: dict[str, str], default: str) -> list[dict[str, str]]:
    """The refusal as the error summary's items: each ``field: sentence`` problem linked to its form field
    (``fields`` maps service field names to element ids); anything else linked to ``default``."""
    problems = getattr(exc, "problems", None) or [exc.message]
    out = []
    for problem in problems:
        name, sep, text = problem.partition(": ")
        key = name.split("[")[0]
        if sep and key in fields:
            out.append({"href": f"#{fields[key]}", "text": text[:1].upper() + text[1:]})
        else:
            out.append({"href": f"#{default}", "text": problem[:1].upper() + problem[1:]})
    return out


def refused(session: Session, exc: DomainError) -> int:
    """Undo the refused change and give the status to answer with (or re-raise what is not a form error)."""
    if exc.kind in PASSES:
        raise exc
    session.rollback()
    return STATUS.get(exc.kind, 409)


def may_run(request: Request) -> bool:
    """Whether the viewer coordinates, so the page offers its forms (the working party reads the pages;
    the services refuse anyone else's changes whatever a page shows)."""
    principal = getattr(request.state, "principal", None)
    return principal is not None and bool(principal.role_names & COORDINATING)


def context(request: Request, errors: list[dict[str, str]] | None, values: dict[str, Any] | None) -> dict[str, Any]:
    """The error summary, the errors by field id, what was typed and whether the viewer may change the
    workshop, for a page's template."""
    errors = errors or []
    return {
        "errors": errors,
        "field_errors": {e["href"].removeprefix("#"): e["text"] for e in errors},
        "values": values or {},
        "types": TYPES,
        "may_run": may_run(request),
    }


def ids_of(raw: list[str]) -> list[int]:
    """Ids from form fields; one that is not a number names no row (0 is never an id)."""
    return [int(x) if x.isdigit() and len(x) < 10 else 0 for x in raw if x.strip()]


def id_of(raw: str) -> int:
    ids = ids_of([raw])
    return ids[0] if ids else 0


# ---- a plan's workshops --------------------------------------------------------------------------


def _list(
    request: Request, session: Session, plan_id: int, errors: Any = None, values: Any = None, status: int = 200
) -> HTMLResponse:
    view = workshop_views.plan_workshops(session, plan_id=plan_id)
    page = {"view": view, "max_dots": rules.MAX_DOTS, **context(request, errors, values)}
    return render(request, "workshops.html", page, status)


@router.get("/plans/{plan_id}/workshops", response_class=HTMLResponse)
def workshops_page(request: Request, plan_id: int, session: SessionDep) -> Response:
    """The plan's workshops, and the form to set one up."""
    return _list(request, session, plan_id)


def _held_on(day: str, month: str, year: str) -> date | str:
    """The date typed into the three boxes, or why it is not one."""
    if not (day.strip() and month.strip() and year.strip()):
        return "Enter the day, month and year the workshop was (or will be) held"
    try:
        return date(int(year), int(month), int(day))
    except ValueError:
        return "The date the workshop was held must be a real date, for example 12 5 2027"


def _table_names(count: str, names: str) -> list[str] | str:
    """The tables' names typed one a line, or Table 1 to Table N; or why there are none."""
    typed = [line for line in names.splitlines() if line.strip()]
    if typed:
        return typed
    if not count.strip().isdigit() or not 1 <= int(count) <= rules.MAX_TABLES:
        return f"Enter how many tables there are (1 to {rules.MAX_TABLES}), or their names one a line"
    return rules.numbered_tables(int(count))


@router.post("/plans/{plan_id}/workshops", response_class=HTMLResponse)
def create_workshop_form(
    request: Request,
    plan_id: int,
    session: SessionDep,
    principal: CurrentPrincipal,
    title: Text = "",
    venue: Text = "",
    day: Text = "",
    month: Text = "",
    year: Text = "",
    table_count: Text = "8",
    table_names: Text = "",
    dots_per_voter: Text = "3",
) -> Response:
    values = dict(
        title=title, venue=venue, day=day, month=month, year=year, table_count=table_count, table_names=table_names
    )
    values["dots_per_voter"] = dots_per_voter
    held_on, tables = _held_on(day, month, year), _table_names(table_count, table_names)
    errors = []
    if isinstance(held_on, str):
        errors.append({"href": "#held_on-day", "text": held_on})
    if isinstance(tables, str):
        errors.append({"href": "#table_count", "text": tables})
    dots = int(dots_per_voter) if dots_per_voter.strip().isdigit() and len(dots_per_voter) < 4 else 0
    if errors:
        return _list(request, session, plan_id, errors, values, 422)
    assert isinstance(held_on, date) and isinstance(tables, list)
    try:
        made = workshop.create_workshop(
            session,
            plan_id=plan_id,
            actor=principal.actor,
            title=title,
            held_on=held_on,
            venue=venue,
            dots_per_voter=dots,
            tables=tables,
            now=utcnow(),
        )
    except DomainError as exc:
        status = refused(session, exc)
        fields = {"title": "title", "venue": "venue", "dots_per_voter": "dots_per_voter", "tables": "table_names"}
        return _list(request, session, plan_id, form_errors(exc, fields, "title"), values, status)
    return redirect(f"/plans/{plan_id}/workshops/{made.id}", f"{made.title} is set up with {len(tables)} tables.")


# ---- one workshop, live --------------------------------------------------------------------------


def live(
    request: Request,
    session: Session,
    plan_id: int,
    workshop_id: int,
    errors: list[dict[str, str]] | None = None,
    values: dict[str, Any] | None = None,
    status: int = 200,
) -> HTMLResponse:
    """The live page; ``values`` also carries the chosen table and type and the idea or theme being changed."""
    view = workshop_views.workshop_view(session, plan_id=plan_id, workshop_id=workshop_id)
    values = values or {}
    ideas = {i.id: i for t in view.tables for i in [*t.ungrouped, *(i for th in t.themes for i in th.ideas)]}
    themes = {th.id: th for t in view.tables for th in t.themes}
    page = {
        "view": view,
        "editing_idea": ideas.get(id_of(str(values.get("idea", "")))),
        "editing_theme": themes.get(id_of(str(values.get("theme", "")))),
        "max_idea": rules.MAX_IDEA,
        **context(request, errors, values),
    }
    return render(request, "workshop.html", page, status)


@router.get("/plans/{plan_id}/workshops/{workshop_id}", response_class=HTMLResponse)
def workshop_page(
    request: Request,
    plan_id: int,
    workshop_id: int,
    session: SessionDep,
    table: str = "",
    type: str = "",
    idea: str = "",
    theme: str = "",
) -> Response:
    """The workshop as the room runs it: add ideas, group them into themes, each table's top three."""
    return live(
        request, session, plan_id, workshop_id, values={"table": table, "type": type, "idea": idea, "theme": theme}
    )


def back(plan_id: int, workshop_id: int, anchor: str = "", **query: str) -> str:
    query_string = urlencode({k: v for k, v in query.items() if v})
    return f"/plans/{plan_id}/workshops/{workshop_id}" + (f"?{query_string}" if query_string else "") + anchor


@router.post("/plans/{plan_id}/workshops/{workshop_id}/tables", response_class=HTMLResponse)
def add_table_form(
    request: Request, plan_id: int, workshop_id: int, session: SessionDep, principal: CurrentPrincipal, name: Text = ""
) -> Response:
    try:
        table = workshop.add_table(
            session, plan_id=plan_id, workshop_id=workshop_id, actor=principal.actor, name=name, now=utcnow()
        )
    except DomainError as exc:
        status = refused(session, exc)
        errors = form_errors(exc, {"name": "table-name"}, "table-name")
        return live(request, session, plan_id, workshop_id, errors, {"table-name": name}, status)
    return redirect(back(plan_id, workshop_id, "#add-idea", table=str(table.id)), f"{table.name} is added.")


@router.post("/plans/{plan_id}/workshops/{workshop_id}/ideas", response_class=HTMLResponse)
def add_idea_form(
    request: Request,
    plan_id: int,
    workshop_id: int,
    session: SessionDep,
    principal: CurrentPrincipal,
    table_id: Text = "",
    contributor_type: Text = "",
    text: Text = "",
) -> Response:
    values = {"table": table_id, "type": contributor_type, "idea-text": text}
    try:
        workshop.add_idea(
            session,
            plan_id=plan_id,
            workshop_id=workshop_id,
            actor=principal.actor,
            table_id=id_of(table_id),
            text=text,
            contributor_type=contributor_type,
            now=utcnow(),
        )
    except DomainError as exc:
        status = refused(session, exc)
        fields = {"table_id": "table_id", "contributor_type": "contributor_type", "text": "idea-text"}
        return live(request, session, plan_id, workshop_id, form_errors(exc, fields, "idea-text"), values, status)
    flash = f"Idea added: “{rules.words(text)[:80]}”"
    return redirect(back(plan_id, workshop_id, "#add-idea", table=table_id, type=contributor_type), flash)


@router.post("/plans/{plan_id}/workshops/{workshop_id}/ideas/edit", response_class=HTMLResponse)
def edit_idea_form(
    request: Request,
    plan_id: int,
    workshop_id: int,
    session: SessionDep,
    principal: CurrentPrincipal,
    idea_id: Text = "",
    contributor_type: Text = "",
    text: Text = "",
) -> Response:
    try:
        idea = workshop.edit_idea(
            session,
            plan_id=plan_id,
            workshop_id=workshop_id,
            actor=principal.actor,
            idea_id=id_of(idea_id),
            text=text,
            contributor_type=contributor_type,
            now=utcnow(),
        )
    except DomainError as exc:
        status = refused(session, exc)
        fields = {"text": "edit-idea-text", "contributor_type": "edit-contributor_type"}
        values = {"idea": idea_id, "edit-idea-text": text, "edit-type": contributor_type}
        return live(request, session, plan_id, workshop_id, form_errors(exc, fields, "edit-idea-text"), values, status)
    return redirect(back(plan_id, workshop_id, f"#idea-{idea.id}"), "The idea is changed.")


@router.post("/plans/{plan_id}/workshops/{workshop_id}/ideas/remove", response_class=HTMLResponse)
def remove_idea_form(
    request: Request,
    plan_id: int,
    workshop_id: int,
    session: SessionDep,
    principal: CurrentPrincipal,
    idea_id: Text = "",
) -> Response:
    try:
        workshop.remove_idea(
            session,
            plan_id=plan_id,
            workshop_id=workshop_id,
            actor=principal.actor,
            idea_id=id_of(idea_id),
            now=utcnow(),
        )
    except DomainError as exc:
        status = refused(session, exc)
        errors = form_errors(exc, {}, "edit-idea-text")
        return live(request, session, plan_id, workshop_id, errors, {"idea": idea_id}, status)
    return redirect(back(plan_id, workshop_id), "The idea is removed.")
