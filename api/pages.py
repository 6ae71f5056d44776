"""Rendering pages: every page gets who is signed in, the form token, and a one-time message carried
across a redirect (post, redirect, get)."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote, unquote

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.templating import Jinja2Templates

from api.deps import ANON_CSRF_COOKIE, FLASH_COOKIE, ensure_anonymous_csrf
from api.web import make_templates
from plans.config import settings

templates: Jinja2Templates = make_templates()


def _cookie(response: HTMLResponse | RedirectResponse, name: str, value: str, max_age: int | None = None) -> None:
    response.set_cookie(
        name, value, max_age=max_age, httponly=True, secure=settings.cookie_secure, samesite="lax", path="/"
    )


def render(request: Request, template: str, context: dict[str, Any] | None = None, status: int = 200) -> HTMLResponse:
    """A page with the layout's context filled in."""
    principal = getattr(request.state, "principal", None)
    csrf = principal.csrf_token if principal is not None else ensure_anonymous_csrf(request)
    flash = unquote(request.cookies.get(FLASH_COOKIE) or "") or None
    page = {
        "current_user": principal,
        "csrf_token": csrf,
        "flash": flash,
        "prefect_ui": settings.prefect_ui_url,
        **(context or {}),
    }
    response = templates.TemplateResponse(request, template, page, status_code=status)
    if principal is None and request.cookies.get(ANON_CSRF_COOKIE) != csrf:
        _cookie(response, ANON_CSRF_COOKIE, csrf)
    if request.cookies.get(FLASH_COOKIE):
        response.delete_cookie(FLASH_COOKIE, path="/")
    return response


def redirect(url: str, flash: str | None = None) -> RedirectResponse:
    """See-other to ``url``, with a message for the next page if given."""
    response = RedirectResponse(url, status_code=303)
    if flash:
        _cookie(response, FLASH_COOKIE, quote(flash), max_age=60)
    return response


def safe_next(target: str | None) -> str:
    """Where to go after signing in: only a path on this site, never another site."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target
