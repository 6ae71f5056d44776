"""Signing in and out over HTTP: passwords, emailed single-use links (over real SMTP), the rate limit,
every attempt recorded, session cookies that are Secure/HttpOnly/SameSite, CSRF on every form."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from plans.config import settings
from plans.db import session_scope
from plans.models import Role, SignInEvent, utcnow
from plans.repositories.access import AccessRepository
from plans.services import auth
from tests.conftest import Database
from tests.mail_server import Mailbox
from tests.web import PASSWORD, client, make_user, signed_in

EMAIL = "coordinator@example.nhs.uk"


def _form_token(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, "the page has no form token"
    return found.group(1)


def _sign_in(c, email: str = EMAIL, password: str = PASSWORD):  # type: ignore[no-untyped-def]
    token = _form_token(c.get("/sign-in").text)
    return c.post("/sign-in", data={"email": email, "password": password, "csrf_token": token, "next": "/plans"})


class TestPassword:
    def test_signs_in_with_a_secure_cookie_and_records_it(self, db: Database) -> None:
        make_user(EMAIL, Role.COORDINATOR)
        c = client()
        response = _sign_in(c)
        assert response.status_code == 303 and response.headers["location"] == "/plans"
        cookie = response.headers["set-cookie"]
        assert "coproduce_session=" in cookie
        assert "HttpOnly" in cookie and "Secure" in cookie and "SameSite=lax" in cookie
        assert c.get("/plans").status_code == 200
        with session_scope() as s:
            (event,) = AccessRepository(s).attempts_of(EMAIL)
            assert (event.method, event.succeeded, event.outcome) == ("password", True, "ok")

    def test_wrong_password_and_unknown_email_read_the_same(self, db: Database) -> None:
        make_user(EMAIL, Role.COORDINATOR)
        wrong = _sign_in(client(), password="not the password at all")
        unknown = _sign_in(client(), email="nobody@example.nhs.uk")
        assert wrong.status_code == unknown.status_code == 401
        assert auth.WRONG in wrong.text and auth.WRONG in unknown.text
        assert "coproduce_session" not in wrong.headers.get("set-cookie", "")

    def test_missing_fields_are_named(self, db: Database) -> None:
        c = client()
        token = _form_token(c.get("/sign-in").text)
        page = c.post("/sign-in", data={"email": "", "password": "", "csrf_token": token})
        assert page.status_code == 422
        assert "Enter your email address" in page.text and "Enter your password" in page.text

    def test_rate_limit_holds_even_for_the_right_password(self, db: Database) -> None:
        make_user(EMAIL, Role.COORDINATOR)
        for _ in range(settings.sign_in_max_failures):
            assert _sign_in(client(), password="wrong wrong wrong").status_code == 401
        limited = _sign_in(client())
        assert limited.status_code == 429
        assert "Too many failed attempts" in limited.text and "Try again in 15 minute(s)" in limited.text
        with session_scope() as s:
            outcomes = [e.outcome for e in AccessRepository(s).attempts_of(EMAIL)]
        assert outcomes == ["wrong"] * settings.sign_in_max_failures + ["rate_limited"]

    def test_limit_lifts_a_window_after_the_failures(self, db: Database) -> None:
        make_user(EMAIL, Role.COORDINATOR)
        start = utcnow()
        with session_scope() as s:
            for _ in range(settings.sign_in_max_failures):
                auth.sign_in_with_password(s, email=EMAIL, password="nope nope nope", client="c1", now=start)
        with session_scope() as s:
            assert auth.sign_in_with_password(s, email=EMAIL, password=PASSWORD, client="c2", now=start).limited
        later = start + timedelta(minutes=settings.sign_in_window_minutes, seconds=1)
        with session_scope() as s:
            assert auth.sign_in_with_password(s, email=EMAIL, password=PASSWORD, client="c2", now=later).ok

    def test_a_client_guessing_many_addresses_is_limited(self, db: Database) -> None:
        now = utcnow()
        with session_scope() as s:
            for i in range(settings.sign_in_max_client_failures):
                auth.sign_in_with_password(s, email=f"guess{i}@example.org", password="x" * 12, client="bot", now=now)
        with session_scope() as s:
            outcome = auth.sign_in_with_password(s, email="new@example.org", password="x" * 12, client="bot", now=now)
        assert outcome.limited and "from this device" in outcome.message

    def test_next_never_leaves_the_site(self, db: Database) -> None:
        make_user(EMAIL, Role.COORDINATOR)
        c = client()
        token = _form_token(c.get("/sign-in").text)
        response = c.post(
            "/sign-in", data={"email": EMAIL, "password": PASSWORD, "csrf_token": token, "next": "//evil.example/phish"}
        )
        assert response.headers["location"] == "/"


class TestSignInLink:
    def test_link_by_email_works_once(self, db: Database, smtp_server: Mailbox) -> None:
        make_user(EMAIL, Role.COORDINATOR, password=None)
        c = client()
        token = _form_token(c.get("/sign-in").text)
        sent = c.post("/sign-in/link", data={"email": EMAIL.upper(), "csrf_token": token})
        assert sent.status_code == 200 and "Check your email" in sent.text
        (message,) = smtp_server.to(EMAIL)
        assert message["Message-ID"].startswith("<") and "sign in" in message["Subject"].lower()
        link = re.search(r"https?://\S+/sign-in/link/(\S+)", Mailbox.text(message))
        assert link, Mailbox.text(message)
        path = f"/sign-in/link/{link.group(1)}"
        confirm = c.get(path)  # opening the link (a mail scanner would) does not use it up
        assert confirm.status_code == 200
        used = c.post(path, data={"csrf_token": _form_token(confirm.text)})
        assert used.status_code == 303 and "coproduce_session=" in used.headers["set-cookie"]
        again = client()
        second = again.post(path, data={"csrf_token": _form_token(again.get(path).text)})
        assert second.status_code == 400 and "has been used already" in second.text

    def test_unknown_address_gets_the_same_answer_and_no_mail(self, db: Database, smtp_server: Mailbox) -> None:
        c = client()
        page = c.post(
            "/sign-in/link", data={"email": "nobody@example.org", "csrf_token": _form_token(c.get("/sign-in").text)}
        )
        assert page.status_code == 200 and "Check your email" in page.text
        assert smtp_server.messages == []

    def test_expired_link_is_refused(self, db: Database) -> None:
        person = make_user(EMAIL, Role.COORDINATOR, password=None)
        assert person
        from plans.services.users import issue_sign_in_link

        then = utcnow() - timedelta(minutes=settings.sign_in_link_minutes + 1)
        with session_scope() as s:
            link = issue_sign_in_link(s, email=EMAIL, now=then)
        with session_scope() as s:
            outcome = auth.sign_in_with_link(s, token=link.rsplit("/", 1)[1], client="c", now=utcnow())
        assert not outcome.ok and "expired" in outcome.message

    def test_without_smtp_the_message_waits_in_the_outbox(self, db: Database) -> None:
        make_user(EMAIL, Role.COORDINATOR, password=None)
        with session_scope() as s:
            auth.request_sign_in_link(s, email=EMAIL, client="c", now=utcnow())
        from plans.repositories.outbox import OutboxRepository

        with session_scope() as s:
            (waiting,) = OutboxRepository(s).pending()
            assert waiting.kind == "sign_in_link" and waiting.sent_at is None


class TestSessions:
    def test_sign_out_ends_the_session(self, db: Database) -> None:
        c, csrf = signed_in(make_user(EMAIL, Role.COORDINATOR))
        assert c.get("/plans").status_code == 200
        out = c.post("/sign-out", data={"csrf_token": csrf})
        assert out.status_code == 303
        c.cookies.clear()
        assert c.get("/plans").status_code == 303

    def test_a_stolen_cookie_is_dead_after_sign_out(self, db: Database) -> None:
        c, csrf = signed_in(make_user(EMAIL, Role.COORDINATOR))
        stolen = c.cookies.get("coproduce_session")
        c.post("/sign-out", data={"csrf_token": csrf})
        thief = client()
        thief.cookies.set("coproduce_session", stolen or "")
        assert thief.get("/plans").headers["location"].startswith("/sign-in")

    def test_idle_and_absolute_expiry(self, db: Database) -> None:
        person = make_user(EMAIL, Role.COORDINATOR)
        start = utcnow()
        with session_scope() as s:
            cookie = auth.start_session(s, person_id=person, method="test", now=start)
        idle = timedelta(minutes=settings.session_idle_minutes)
        with session_scope() as s:
            assert auth.principal_for_session(s, cookie=cookie, now=start + idle / 2) is not None
        with session_scope() as s:
            assert auth.principal_for_session(s, cookie=cookie, now=start + idle / 2 + idle) is None
        with session_scope() as s:
            cookie = auth.start_session(s, person_id=person, method="test", now=start)
        step = start
        while step < start + timedelta(hours=settings.session_hours):
            with session_scope() as s:
                assert auth.principal_for_session(s, cookie=cookie, now=step) is not None
            step += idle / 2
        with session_scope() as s:
            assert (
                auth.principal_for_session(s, cookie=cookie, now=start + timedelta(hours=settings.session_hours))
                is None
            )

    def test_only_hashes_are_stored(self, db: Database) -> None:
        c, _ = signed_in(make_user(EMAIL, Role.COORDINATOR))
        cookie = c.cookies.get("coproduce_session")
        from plans.models import WebSession

        with session_scope() as s:
            stored = list(s.scalars(select(WebSession.token_hash)))
        assert cookie not in stored and auth.token_hash(cookie or "") in stored


class TestCsrf:
    def test_form_post_without_token_is_refused(self, db: Database) -> None:
        make_user(EMAIL, Role.COORDINATOR)
        c = client()
        c.get("/sign-in")
        refused = c.post("/sign-in", data={"email": EMAIL, "password": PASSWORD})
        assert refused.status_code == 403 and "security token" in refused.text
        with session_scope() as s:
            assert list(s.scalars(select(SignInEvent))) == []

    def test_signed_in_form_needs_the_sessions_token(self, db: Database) -> None:
        c, csrf = signed_in(make_user(EMAIL, Role.COORDINATOR))
        assert c.post("/account/tokens", data={"name": "HR feed"}).status_code == 403
        assert c.post("/account/tokens", data={"name": "HR feed", "csrf_token": "x" * 43}).status_code == 403
        made = c.post("/account/tokens", data={"name": "HR feed", "csrf_token": csrf})
        assert made.status_code == 200 and "Copy it now" in made.text

    def test_json_with_a_session_needs_the_header(self, db: Database) -> None:
        c, csrf = signed_in(make_user(EMAIL, Role.COORDINATOR))
        assert c.post("/api/v1/tokens", json={"name": "x"}).status_code == 403
        assert c.post("/api/v1/tokens", json={"name": "x"}, headers={"X-CSRF-Token": csrf}).status_code == 201


class TestApiTokens:
    def test_token_acts_as_its_person_until_revoked(self, db: Database) -> None:
        c, csrf = signed_in(make_user(EMAIL, Role.COORDINATOR))
        made = c.post("/api/v1/tokens", json={"name": "HR feed"}, headers={"X-CSRF-Token": csrf}).json()
        token = made["token"]
        assert token.startswith("cpd_") and len(token) > 40
        api = client()
        bearer = {"Authorization": f"Bearer {token}"}
        me = api.get("/api/v1/me", headers=bearer)
        assert me.status_code == 200 and me.json()["email"] == EMAIL and me.json()["via"] == "token"
        assert api.post("/api/v1/tokens", json={"name": "second"}, headers=bearer).status_code == 201  # no CSRF
        assert c.delete(f"/api/v1/tokens/{made['id']}", headers={"X-CSRF-Token": csrf}).status_code == 200
        gone = api.get("/api/v1/me", headers=bearer)
        assert gone.status_code == 401 and gone.headers["www-authenticate"] == "Bearer"

    def test_another_persons_token_cannot_be_revoked(self, db: Database) -> None:
        a, a_csrf = signed_in(make_user(EMAIL, Role.COORDINATOR))
        made = a.post("/api/v1/tokens", json={"name": "mine"}, headers={"X-CSRF-Token": a_csrf}).json()
        b, b_csrf = signed_in(make_user("other@example.org", Role.MANAGER))
        assert b.delete(f"/api/v1/tokens/{made['id']}", headers={"X-CSRF-Token": b_csrf}).status_code == 404

    @pytest.mark.parametrize("header", ["Bearer cpd_not-a-real-token", "Bearer something-else", "Basic abc"])
    def test_bad_tokens_are_refused(self, db: Database, header: str) -> None:
        assert client().get("/api/v1/me", headers={"Authorization": header}).status_code == 401
