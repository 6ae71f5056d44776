"""The web pages' look: the NHS.UK design system's templates and its compiled CSS, JavaScript and images.

People who use NHS services expect NHS pages to look and behave like NHS.UK, and the design system's components
are already tested with assistive technology, so the pages build on them rather than on hand-made HTML and CSS:

- the Jinja port of the components (the ``nhsuk_frontend_jinja`` package) renders the markup;
- the matching compiled files of ``nhsuk-frontend`` (an npm package, pinned in ``web/package.json`` to the version
  the Jinja port documents) style it. ``./dev`` installs them into ``web/node_modules``; a deployment that keeps
  them elsewhere points ``COPRODUCE_ASSETS_DIR`` at its copy of the package's ``dist/nhsuk`` folder;
- ``api/static`` holds the little CSS and JavaScript of our own.

``create_app`` calls ``make_templates()`` for its pages and ``mount_assets(app)`` to serve those files.
"""

from __future__ import annotations

import os
from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from jinja2 import ChainableUndefined, ChoiceLoader, Environment, FileSystemLoader, PackageLoader, select_autoescape
from starlette.staticfiles import PathLike

from plans.domain.investment import pounds as money
from plans.domain.stages import Stage

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
TEMPLATES_DIR = HERE / "templates"
STATIC_DIR = HERE / "static"
# nhsuk-frontend's compiled files: nhsuk-frontend.min.css and .min.js at the top, images and manifest in assets/
ASSETS_DIR = Path(
    os.environ.get("COPRODUCE_ASSETS_DIR") or ROOT / "web" / "node_modules" / "nhsuk-frontend" / "dist" / "nhsuk"
)

# A colour per stage so a list of plans can be scanned by eye; the words stay the label, never the colour alone.
STAGE_COLOURS = {
    Stage.VISION: "blue",
    Stage.EVIDENCE_SURVEY: "aqua-green",
    Stage.RECOMMENDATIONS: "purple",
    Stage.SIGN_OFF: "orange",
    Stage.DELIVERY: "green",
    Stage.SUMMATIVE_EVALUATION: "pink",
    Stage.REPEAT_SURVEY: "yellow",
    Stage.CLOSED: "grey",
}


def stage_label(stage: str) -> str:
    """A stage's value as a person would say it ("sign_off" -> "Sign-off"); unknown values pass through."""
    try:
        return Stage(stage).label
    except ValueError:
        return stage


def stage_colour(stage: str) -> str:
    """The nhsuk-tag colour for a stage's value (grey for a value this code does not know)."""
    try:
        return STAGE_COLOURS[Stage(stage)]
    except ValueError:
        return "grey"


def pounds(pence: int | None) -> str:
    """Pence as money: 123456 -> "£1,234.56" (empty for nothing)."""
    return "" if pence is None else money(pence)


def make_environment() -> Environment:
    """Our templates first, then the design system's; its macros need ChainableUndefined for optional params.

    ``auto_reload`` is off: the templates ship with the code and change only with a deploy (which restarts
    the workers), and with it on every include of a design-system component checks the file's time on
    disk, about 70 of them a page (a sign-in page: 8.45 ms with it, 8.19 ms without, median of 6)."""
    loader = ChoiceLoader(
        [
            FileSystemLoader(TEMPLATES_DIR),
            PackageLoader("nhsuk_frontend_jinja"),
        ]
    )
    env = Environment(
        loader=loader, undefined=ChainableUndefined, autoescape=select_autoescape(default=True), auto_reload=False
    )
    env.filters["stage_label"] = stage_label
    env.filters["stage_colour"] = stage_colour
    env.filters["pounds"] = pounds
    return env


def make_templates() -> Jinja2Templates:
    """The templates every page renders with (``layout.html`` extends the design system's page template)."""
    return Jinja2Templates(env=make_environment())


class _LayeredStaticFiles(StaticFiles):
    """Static files from several folders, the first that has a path wins.

    nhsuk-frontend's page template asks for ``{assetPath}/images/...`` and ``{assetPath}/manifest.json``, which sit
    in ``dist/nhsuk/assets``, while its compiled CSS and JavaScript sit one level up in ``dist/nhsuk``: serving both
    folders at one URL keeps the template's one ``assetPath`` and needs no copying step.
    """

    def __init__(self, *directories: Path) -> None:
        self._layers = [str(d) for d in directories]
        super().__init__(directory=directories[0])

    def get_directories(
        self, directory: PathLike | None = None, packages: list[str | tuple[str, str]] | None = None
    ) -> list[PathLike]:
        return list(self._layers)


def assets_problem(assets_dir: Path = ASSETS_DIR) -> str | None:
    """Why the design system's files cannot be served from ``assets_dir``, or None when they can."""
    if not (assets_dir / "nhsuk-frontend.min.css").is_file() or not (assets_dir / "assets").is_dir():
        return (
            f"the NHS.UK frontend files are missing from {assets_dir}: run ./dev (which installs them) or "
            f"`npm ci --prefix web`, or set COPRODUCE_ASSETS_DIR to nhsuk-frontend's dist/nhsuk folder"
        )
    return None


def mount_assets(app: FastAPI, assets_dir: Path = ASSETS_DIR) -> None:
    """Serve nhsuk-frontend's compiled files at ``/assets`` and ours (``api/static``) at ``/static``.

    Raises RuntimeError when the design system's files are not installed: pages without them would be unstyled
    and their menus would not work, which is better found at start-up than by the first person to look.
    """
    problem = assets_problem(assets_dir)
    if problem is not None:
        raise RuntimeError(problem)
    app.mount("/assets", _LayeredStaticFiles(assets_dir / "assets", assets_dir), name="assets")
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
