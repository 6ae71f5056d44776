"""The live workshop page's theme forms: a new theme of a table's chosen ideas, renaming or removing a
theme, moving chosen ideas to another theme of their table (or out of any), and a table's top three.
Refusals re-render the live page (``workshop_pages.live``) with the error summary and what was chosen."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from api.deps import SessionDep
from api.pages import redirect
from api.permissions import CurrentPrincipal
from api.routers.workshop_pages import Text, back, form_errors, id_of, ids_of, live, refused
from plans.domain.errors import DomainError
from plans.models import utcnow
from plans.services import workshop_themes

router = APIRouter(include_in_schema=False)
IdList = Annotated[list[str], Form()]


@router.post("/plans/{plan_id}/workshops/{workshop_id}/themes", response_class=HTMLResponse)
def add_theme_form(
    request: Request,
    plan_id: int,
    workshop_id: int,
    session: SessionDep,
    principal: CurrentPrincipal,
    table_id: Text = "",
    title: Text = "",
    idea_id: IdList = [],  # noqa: B006 (FastAPI copies a form list default)
) -> Response:
    field = f"new-theme-{table_id}"
    try:
        made = workshop_themes.add_theme(
            session,
            plan_id=plan_id,
            workshop_id=workshop_id,
            actor=principal.actor,
            table_id=id_of(table_id),
            title=title,
            idea_ids=ids_of(idea_id),
            now=utcnow(),
        )
    except DomainError as exc:
        status = refused(session, exc)
        values = {field: title, "chosen": set(ids_of(idea_id))}
        errors = form_errors(exc, {"title": field, "idea_ids": field, "table_id": field}, field)
        return live(request, session, plan_id, workshop_id, errors, values, status)
    grouped = f" with {len(idea_id)} idea{'s' if len(idea_id) != 1 else ''}" if idea_id else ""
    return redirect(back(plan_id, workshop_id, f"#theme-{made.id}"), f"Theme “{made.title}” added{grouped}.")


@router.post("/plans/{plan_id}/workshops/{workshop_id}/themes/edit", response_class=HTMLResponse)
def edit_theme_form(
    request: Request,
    plan_id: int,
    workshop_id: int,
    session: SessionDep,
    principal: CurrentPrincipal,
    theme_id: Text = "",
    title: Text = "",
    description: Text = "",
) -> Response:
    try:
        theme = workshop_themes.edit_theme(
            session,
            plan_id=plan_id,
            workshop_id=workshop_id,
            actor=principal.actor,
            theme_id=id_of(theme_id),
            title=title,
            description=description,
            now=utcnow(),
        )
    except DomainError as exc:
        status = refused(session, exc)
        values = {"theme": theme_id, "edit-theme-title": title, "edit-theme-description": description}
        errors = form_errors(exc, {"title": "edit-theme-title"}, "edit-theme-title")
        return live(request, session, plan_id, workshop_id, errors, values, status)
    return redirect(back(plan_id, workshop_id, f"#theme-{theme.id}"), f"Theme “{theme.title}” is changed.")


@router.post("/plans/{plan_id}/workshops/{workshop_id}/themes/remove", response_class=HTMLResponse)
def remove_theme_form(
    request: Request,
    plan_id: int,
    workshop_id: int,
    session: SessionDep,
    principal: CurrentPrincipal,
    theme_id: Text = "",
) -> Response:
    try:
        workshop_themes.remove_theme(
            session,
            plan_id=plan_id,
            workshop_id=workshop_id,
            actor=principal.actor,
            theme_id=id_of(theme_id),
            now=utcnow(),
        )
    except DomainError as exc:
        status = refused(session, exc)
        errors = form_errors(exc, {}, "edit-theme-title")
        return live(request, session, plan_id, workshop_id, errors, {"theme": theme_id}, status)
    return redirect(back(plan_id, workshop_id), "The theme is removed; its ideas are kept, without a theme.")


@router.post("/plans/{plan_id}/workshops/{workshop_id}/moves", response_class=HTMLResponse)
def move_ideas_form(
    request: Request,
    plan_id: int,
    workshop_id: int,
    session: SessionDep,
    principal: CurrentPrincipal,
    table_id: Text = "",
    theme_id: Text = "",
    idea_id: IdList = [],  # noqa: B006 (FastAPI copies a form list default)
) -> Response:
    field = f"move-to-{table_id}"
    try:
        moved = workshop_themes.move_ideas(
            session,
            plan_id=plan_id,
            workshop_id=workshop_id,
            actor=principal.actor,
            idea_ids=ids_of(idea_id),
            theme_id=id_of(theme_id) if theme_id.strip() != "none" else None,
            now=utcnow(),
        )
    except DomainError as exc:
        status = refused(session, exc)
        values = {field: theme_id, "chosen": set(ids_of(idea_id))}
        errors = form_errors(exc, {"idea_ids": field, "theme_id": field}, field)
        return live(request, session, plan_id, workshop_id, errors, values, status)
    return redirect(back(plan_id, workshop_id, f"#table-{table_id}"), f"{moved} idea{'s' if moved != 1 else ''} moved.")


@router.post("/plans/{plan_id}/workshops/{workshop_id}/top-three", response_class=HTMLResponse)
def top_three_form(
    request: Request,
    plan_id: int,
    workshop_id: int,
    session: SessionDep,
    principal: CurrentPrincipal,
    table_id: Text = "",
    rank_1: Text = "",
    rank_2: Text = "",
    rank_3: Text = "",
) -> Response:
    chosen = [(rank_1, 1), (rank_2, 2), (rank_3, 3)]
    ranks = [(id_of(theme), rank) for theme, rank in chosen if theme.strip()]
    field = f"top-{table_id}-1"
    try:
        workshop_themes.set_top_three(
            session,
            plan_id=plan_id,
            workshop_id=workshop_id,
            actor=principal.actor,
            table_id=id_of(table_id),
            ranks=ranks if any(t.strip() for t, _ in chosen) else [],
            now=utcnow(),
        )
    except DomainError as exc:
        status = refused(session, exc)
        values = {f"top-{table_id}-{rank}": theme for theme, rank in chosen}
        errors = form_errors(exc, {"top": field, "table_id": field}, field)
        return live(request, session, plan_id, workshop_id, errors, values, status)
    words = "Top three chosen." if ranks else "Top three cleared."
    return redirect(back(plan_id, workshop_id, f"#table-{table_id}"), words)
