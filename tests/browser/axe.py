"""Accessibility checks in the real browser with axe-core, the engine most accessibility audits start from.

A page passes when axe finds no violation of WCAG 2.2 A and AA (the level NHS services must meet); a failure lists
each rule with its impact, what it asks for and the elements that break it, so it can be fixed without rerunning.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from playwright.sync_api import Page

AXE_JS = Path(__file__).resolve().parents[2] / "web" / "node_modules" / "axe-core" / "axe.min.js"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


def axe_violations(page: Page) -> list[dict[str, Any]]:
    """axe-core's violations of WCAG 2.2 A and AA on the page as it is now."""
    if not AXE_JS.is_file():
        raise FileNotFoundError(f"{AXE_JS} is missing: run ./dev (which installs it) or `npm ci --prefix web`")
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE_JS))
    result = page.evaluate(
        "(tags) => axe.run(document, {runOnly: {type: 'tag', values: tags}})",
        WCAG_TAGS,
    )
    violations: list[dict[str, Any]] = result["violations"]
    return violations


def describe(violations: list[dict[str, Any]]) -> str:
    """One paragraph per rule broken: id, impact, what it asks for, and where."""
    lines = []
    for v in violations:
        lines.append(f"- {v['id']} ({v['impact']}): {v['help']} [{v['helpUrl']}]")
        lines.extend(f"    at {' '.join(map(str, node['target']))}" for node in v["nodes"])
    return "\n".join(lines)


def assert_accessible(page: Page) -> None:
    """Fail with a readable list when axe finds any WCAG 2.2 A or AA violation on the page."""
    violations = axe_violations(page)
    assert not violations, (
        f"axe found {len(violations)} accessibility problem(s) on {page.url}:\n{describe(violations)}"
    )
