"""Signing in (password or emailed link) and out. Sessions live in an HttpOnly, SameSite cookie."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from api.deps import SESSION_COOKIE, SessionDep, client_of
from api.pages import redirect, render, safe_next
from api.permissions import MaybePrincipal
from plans.config import settings
from plans.models import utcnow
from plans.services import auth

router = APIRouter(include_in_schema=False)


def _signed_in(target: str, cookie: str) -> Response:
    response = redirect(safe_next(target))
    response.set_cookie(
        SESSION_COOKIE,
        cookie,
        max_age=int(settings.session_hours * 3600),
        httponly=True,
        secure=settings.cookie_secure,
        samesite="lax",
        path="/",
    )
    return response


@router.get("/sign-in", response_class=HTMLResponse)
def sign_in_page(request: Request, principal: MaybePrincipal, next: str = "/") -> Response:
    if principal is not None:
        return redirect(safe_next(next))
    return render(request, "sign_in.html", {"next": safe_next(next)})


@router.post("/sign-in", response_class=HTMLResponse)
def sign_in(
    request: Request,
    session: SessionDep,
    email: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "/",
) -> Response:
    errors = {}
    if not email.strip():
        errors["email"] = "Enter your email address"
    if not password:
        errors["password"] = "Enter your password"
    if errors:
        return render(request, "sign_in.html", {"next": safe_next(next), "email": email, "errors": errors}, 422)
    outcome = auth.sign_in_with_password(
        session, email=email, password=password, client=client_of(request), now=utcnow()
    )
    if not outcome.ok or outcome.cookie is None:
        status = 429 if outcome.limited else 401
        context = {"next": safe_next(next), "email": email, "errors": {"password": outcome.message}}
        return render(request, "sign_in.html", context, status)
    return _signed_in(next, outcome.cookie)


@router.post("/sign-in/link", response_class=HTMLResponse)
def request_link(request: Request, session: SessionDep, email: Annotated[str, Form()] = "") -> Response:
    if not email.strip() or "@" not in email:
        errors = {"link_email": "Enter your email address, like name@example.nhs.uk"}
        return render(request, "sign_in.html", {"next": "/", "link_email": email, "errors": errors}, 422)
    auth.request_sign_in_link(session, email=email, client=client_of(request), now=utcnow())
    return render(request, "link_sent.html", {"email": email.strip()})


@router.get("/sign-in/link/{token}", response_class=HTMLResponse)
def link_page(request: Request, token: str) -> Response:
    # a page with a button rather than signing in on the GET: mail scanners that open links would
    # otherwise use up the single-use link before the person clicks it
    return render(request, "link_confirm.html", {"token": token})


@router.post("/sign-in/link/{token}", response_class=HTMLResponse)
def use_link(request: Request, token: str, session: SessionDep) -> Response:
    outcome = auth.sign_in_with_link(session, token=token, client=client_of(request), now=utcnow())
    if not outcome.ok or outcome.cookie is None:
        return render(
            request,
            "error.html",
            {"title": "That link did not work", "message": outcome.message, "link": ("/sign-in", "Ask for a new link")},
            400,
        )
    return _signed_in("/", outcome.cookie)


@router.post("/sign-out", response_class=HTMLResponse)
def sign_out(request: Request, session: SessionDep) -> Response:
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie:
        auth.sign_out(session, cookie=cookie, now=utcnow())
    response = redirect("/sign-in", "You have signed out.")
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response
