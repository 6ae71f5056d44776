"""The page frame without a browser: the header's navigation follows the signed-in person's roles, signing out is
a POST carrying the CSRF token, a flash message shows once at the top, and the design system's files are served
(or their absence stops the app at start-up with the command that installs them)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from api.web import ASSETS_DIR, make_environment, mount_assets

PAGE = '{% extends "layout.html" %}{% block title %}Page{% endblock %}{% block content %}<h1>Page</h1>{% endblock %}'


@dataclass
class User:
    name: str
    roles: set[str] = field(default_factory=set)


def render(**context: object) -> str:
    return make_environment().from_string(PAGE).render(**context)


def nav_links(html: str) -> list[str]:
    menu = html.split('aria-label="Menu"', 1)[1] if 'aria-label="Menu"' in html else ""
    return [part.split('"', 1)[0] for part in menu.split('class="nhsuk-header__navigation-link" href="')[1:]]


class TestHeader:
    def test_signed_out_offers_sign_in_and_no_menu(self) -> None:
        html = render(current_user=None)
        assert 'href="/sign-in"' in html and "Sign out" not in html
        assert nav_links(html) == []

    @pytest.mark.parametrize(
        ("roles", "links"),
        [
            ({"coordinator"}, ["/plans"]),
            ({"admin"}, ["/plans"]),
            ({"manager"}, ["/inbox"]),
            ({"approver"}, ["/inbox"]),
            ({"citizen_panel"}, ["/panel"]),
            ({"coordinator", "approver", "citizen_panel"}, ["/plans", "/inbox", "/panel"]),
            (set(), []),
        ],
    )
    def test_menu_follows_roles(self, roles: set[str], links: list[str]) -> None:
        assert nav_links(render(current_user=User("Ann", roles))) == links

    def test_sign_out_is_a_post_with_the_csrf_token(self) -> None:
        html = render(current_user=User("Ann <Admin>", {"admin"}), csrf_token='t"<k>')
        form = html.split('action="/sign-out"', 1)[1].split("</form>", 1)[0]
        assert 'method="post"' in form
        assert '<input type="hidden" name="csrf_token" value="t&#34;&lt;k&gt;">' in form
        assert "Ann &lt;Admin&gt;" in html and "<Admin>" not in html

    def test_title_language_skip_link_and_footer(self) -> None:
        html = render()
        assert "<title>Page \N{EN DASH} coproduce</title>" in html
        assert '<html lang="en-GB"' in html
        assert 'href="#maincontent"' in html and 'id="maincontent"' in html
        assert 'href="/accessibility"' in html
        assert 'href="/assets/nhsuk-frontend.min.css"' in html and 'href="/static/coproduce.css"' in html

    def test_flash_shows_escaped_in_a_banner(self) -> None:
        assert "nhsuk-notification-banner" not in render()
        html = render(flash="Vision <agreed>")
        assert "nhsuk-notification-banner--success" in html and "Vision &lt;agreed&gt;" in html


class TestAssets:
    def test_design_system_and_own_files_are_served(self) -> None:
        app = FastAPI()
        mount_assets(app)
        client = TestClient(app)
        for path in (
            "/assets/nhsuk-frontend.min.css",
            "/assets/nhsuk-frontend.min.js",
            "/assets/images/favicon.ico",
            "/assets/manifest.json",
            "/static/coproduce.css",
            "/static/coproduce.js",
        ):
            assert client.get(path).status_code == 200, path

    def test_missing_files_say_how_to_install_them(self, tmp_path: Path) -> None:
        with pytest.raises(RuntimeError, match=r"run ./dev .*npm ci --prefix web"):
            mount_assets(FastAPI(), tmp_path)
        assert ASSETS_DIR.name == "nhsuk"
