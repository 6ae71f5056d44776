"""Files uploaded to the import pages: a cap on the request body, enforced while it streams in, and the
file copied to a private temporary folder for the length of the request only.

FastAPI parses a form before any dependency runs (and the form token check parses it too), so the cap
cannot wait for the handler: ``CappedUploadRoute`` refuses a request whose declared length is over the
cap before reading a byte, and stops one without a declared length as soon as it passes the cap. The
form parser spools the file to an anonymous temporary file; ``saved_upload`` copies it under its own
name (the importers read a path, twice, and know the file by its name) into a folder removed when the
request is done, whatever happens. Nothing uploaded outlives its request.
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Callable, Coroutine, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from fastapi import Request, Response
from fastapi.routing import APIRoute
from sqlalchemy.orm import Session
from starlette.datastructures import UploadFile as ReceivedFile
from starlette.exceptions import HTTPException
from starlette.types import Message, Receive

from plans.domain.errors import DomainError, InvalidInput
from plans.domain.row_problems import RowProblem, RowProblems
from plans.models import SurveyKind, utcnow
from plans.services import import_pages
from plans.services.actors import Actor
from plans.services.paper_responses import PaperImportSummary, import_paper_responses
from plans.services.staff_lists import StaffImportSummary

MAX_UPLOAD_BYTES = 64 * 2**20  # ~400,000 staff with a few attributes; bigger lists: the CLI
FORM_SLACK = 64 * 1024  # the form's other fields and the multipart boundaries around the file
SUFFIXES = (".csv", ".tsv", ".txt", ".xlsx")
CHUNK = 2**20
MAX_NAME = 120
UNSAFE = frozenset({"POST", "PUT", "PATCH"})


def limit_words(limit: int | None = None) -> str:
    """The upload limit as a person reads it, e.g. '64 MB'."""
    size = MAX_UPLOAD_BYTES if limit is None else limit
    return f"{size / 2**20:g} MB" if size >= 2**20 else f"{size / 1024:g} KB"


def too_large() -> HTTPException:
    """The refusal of a request over the cap (413), in words that say the limit."""
    return HTTPException(
        status_code=413,
        detail=(
            f"The file is larger than the {limit_words()} an upload may be, so it was not read and nothing "
            f"was imported. Go back and choose a smaller file (split it, or leave out columns you do not need), "
            f"or import it with the command line (coproduce staff import), which reads larger files."
        ),
    )


class CappedUploadRoute(APIRoute):
    """A route whose unsafe requests may carry at most ``MAX_UPLOAD_BYTES`` of file (and a little form)."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        """The route's handler, behind the cap on the request body."""
        handler = super().get_route_handler()

        async def capped(request: Request) -> Response:
            if request.method in UNSAFE:
                cap = MAX_UPLOAD_BYTES + FORM_SLACK  # read now, so a test can lower it
                declared = request.headers.get("content-length", "")
                if declared.isdigit() and int(declared) > cap:
                    raise too_large()
                request = Request(request.scope, _counting(request.receive, cap))
            return await handler(request)

        return capped


def _counting(receive: Receive, cap: int) -> Receive:
    """``receive`` that raises 413 once the body has passed ``cap`` bytes (a body with no declared length,
    or one longer than declared)."""
    seen = 0

    async def counted() -> Message:
        nonlocal seen
        message = await receive()
        if message["type"] == "http.request":
            seen += len(message.get("body", b""))
            if seen > cap:
                raise too_large()
        return message

    return counted


@dataclass(frozen=True)
class Refusal:
    """Why an import was refused, for a page or a JSON body: one sentence, and every problem kept (the
    first ``plans.domain.row_problems.KEEP``) of ``total`` when the file's rows were at fault."""

    kind: str
    detail: str
    problems: list[RowProblem]
    total: int

    @property
    def capped(self) -> bool:
        """Whether more problems were found than are listed."""
        return self.total > len(self.problems)


def refusal_of(exc: DomainError) -> Refusal:
    """The refusal a domain error makes: a file's row problems listed, anything else in its own words."""
    if isinstance(exc, RowProblems):
        plural = "problem" if exc.total == 1 else "problems"
        detail = (
            f"{exc.source}: {exc.total:,} {plural} found, so nothing was imported. Fix the file and upload it again."
        )
        return Refusal(exc.kind, detail, list(exc.problems), exc.total)
    return Refusal(exc.kind, exc.message, [], 0)


def clean_name(filename: str) -> str:
    """The uploaded file's own name, without any folder and with only plain characters, kept short."""
    name = PurePosixPath(filename.replace("\\", "/")).name
    name = re.sub(r"[^A-Za-z0-9._() -]+", "_", name).strip(" .")
    stem, dot, suffix = name.rpartition(".")
    if not dot:
        stem, suffix = name, ""
    suffix = suffix[:10]
    stem = stem[: MAX_NAME - len(suffix) - 1] or "upload"
    return f"{stem}.{suffix}" if suffix else stem


def check_upload(upload: ReceivedFile | str | None) -> str:
    """The upload's clean name; refuse no file, or a file of a kind the importers do not read."""
    # the form parser makes Starlette's UploadFile; FastAPI's is a subclass used only to declare the field
    if not isinstance(upload, ReceivedFile) or not upload.filename:
        raise InvalidInput("file: choose a CSV (.csv) or Excel (.xlsx) file to upload")
    name = clean_name(upload.filename)
    suffix = Path(name).suffix.lower()
    if suffix == ".xls":
        raise InvalidInput(f"{name}: old Excel (.xls) files are not read; save it as .xlsx or CSV UTF-8")
    if suffix not in SUFFIXES:
        kind = f"a {suffix} file" if suffix else "a file without an extension"
        raise InvalidInput(f"{name}: expected a CSV (.csv) or Excel (.xlsx) file, not {kind}")
    return name


@contextmanager
def saved_upload(upload: ReceivedFile | str | None) -> Iterator[Path]:
    """The uploaded file as a path under its clean name, in a private folder removed on leaving."""
    name = check_upload(upload)
    assert isinstance(upload, ReceivedFile)
    with tempfile.TemporaryDirectory(prefix="coproduce-upload-") as folder:  # mode 0700: this process only
        path = Path(folder) / name
        copied = 0
        upload.file.seek(0)
        with path.open("wb") as out:
            while chunk := upload.file.read(CHUNK):
                copied += len(chunk)
                if copied > MAX_UPLOAD_BYTES:  # the body cap stops this first; kept for any other caller
                    raise InvalidInput(f"{name}: larger than the {limit_words()} an upload may be")
                out.write(chunk)
        yield path


def import_staff_upload(
    session: Session, *, organisation_id: int, upload: ReceivedFile | str | None, sheet: str, actor: Actor
) -> StaffImportSummary:
    """Replace the organisation's staff list from an uploaded file, all or nothing (the page and the API
    both take it this way; they check the organisation exists first, so a 404 comes before the file)."""
    with saved_upload(upload) as path:
        return import_pages.import_staff(
            session, organisation_id=organisation_id, path=path, sheet=sheet.strip() or None, actor=actor, now=utcnow()
        )


def import_paper_upload(
    session: Session, *, plan_id: int, kind: SurveyKind, upload: ReceivedFile | str | None, sheet: str, actor: Actor
) -> PaperImportSummary:
    """Add paper responses from an uploaded file to the plan's open survey of ``kind``, all or nothing (the
    page and the API check the plan exists first, so a 404 comes before the file)."""
    with saved_upload(upload) as path:
        return import_paper_responses(
            session, plan_id=plan_id, path=path, kind=kind, sheet=sheet.strip() or None, actor=actor, now=utcnow()
        )
