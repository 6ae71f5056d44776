"""Importing an organisation's staff list from CSV or XLSX: all or nothing, every bad row reported.

The file is read twice and never held: the first pass checks every row and keeps only each email's
line (for duplicates) and running totals; the second, reached only when the first found nothing
wrong, streams the rows into the database in batches. Then each team's eligible headcount is
recomputed from the list, in the same transaction (see ``plans.repositories.staff`` for how the list
is merged so that open surveys' invitations keep their people).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from plans.domain import staff_list as rules
from plans.domain.errors import InvalidInput, NotFound
from plans.domain.row_problems import ProblemLog
from plans.models import Organisation
from plans.repositories.audit import AuditRepository
from plans.repositories.people import PeopleRepository
from plans.repositories.staff import NOT_ON_LIST, StaffRepository
from plans.services.actors import SYSTEM, Actor
from plans.tabular import Row, Table, open_table


@dataclass
class StaffImportSummary:
    """What an import did, as recorded in the audit log."""

    organisation: str
    source: str
    rows: int = 0
    eligible: int = 0
    ineligible: dict[str, int] = field(default_factory=dict)
    teams: int = 0
    kept_not_listed: int = 0

    def as_data(self) -> dict[str, Any]:
        """The summary as JSON-ready data."""
        return {
            "organisation": self.organisation,
            "source": self.source,
            "rows": self.rows,
            "eligible": self.eligible,
            "ineligible": dict(sorted(self.ineligible.items())),
            "teams": self.teams,
            "kept_not_listed": self.kept_not_listed,
        }


MISSING = "missing (every row needs a team code, email and staff group)"


class _Reader:
    """Turns rows into insertable staff rows, recording each problem with its line and column. Runs
    twice per row of a million-row list, so it looks columns up by position, not by name."""

    def __init__(self, table: Table, columns: rules.Columns, teams: dict[str, int], organisation: Organisation) -> None:
        self.teams = teams
        self.teams_folded = {code.casefold(): tid for code, tid in teams.items()}
        self.organisation = organisation
        index = columns.index
        self.team, self.email, self.group = index["team_code"], index["email"], index["staff_group"]
        self.status, self.name = index.get("status"), index.get("name")
        self.attributes = columns.attributes
        self.header = table.header

    def record(self, row: Row, log: ProblemLog) -> dict[str, Any] | None:
        """The row as a staff_members row, or None after logging why it cannot be one."""
        cells, line, header = row.cells, row.line, self.header
        ok = True
        if row.extra:
            log.add(line, "", f"{row.extra} value(s) to the right of the last named column")
            ok = False
        code, email, group = cells[self.team], cells[self.email].lower(), cells[self.group]
        team_id = self.teams.get(code)
        if team_id is None:
            team_id = self.teams_folded.get(code.casefold())
            if team_id is None:
                missing = code == ""
                log.add(
                    line,
                    header[self.team],
                    MISSING if missing else f"no team with code {code!r} in {self.organisation.code}",
                )
                ok = False
        if not email:
            log.add(line, header[self.email], MISSING)
            ok = False
        elif problem := rules.email_problem(email):
            log.add(line, header[self.email], problem)
            ok = False
        if not group or len(group) > rules.MAX_GROUP:
            log.add(line, header[self.group], MISSING if not group else f"longer than {rules.MAX_GROUP} characters")
            ok = False
        eligible, reason = True, None
        if self.status is not None:
            status = rules.eligibility(cells[self.status])
            if status is None:
                word = cells[self.status]
                log.add(line, header[self.status], f"{word!r} is not a status we know ({rules.STATUS_WORDS})")
                ok = False
            else:
                eligible, reason = status
        attributes = {key: cells[i] for key, i in self.attributes if cells[i]}
        for _key, i in self.attributes:
            if len(cells[i]) > rules.MAX_ATTRIBUTE:
                log.add(line, header[i], f"longer than {rules.MAX_ATTRIBUTE} characters")
                ok = False
        if self.name is not None and cells[self.name]:
            attributes["name"] = cells[self.name]
        if not ok:
            return None
        return {
            "organisation_id": self.organisation.id,
            "team_id": team_id,
            "email": email,
            "staff_group": group,
            "eligible": eligible,
            "ineligible_reason": reason,
            "attributes": attributes,
            "line": line,
        }


def import_staff_list(
    session: Session,
    *,
    organisation_code: str,
    path: Path | str,
    now: datetime,
    sheet: str | None = None,
    actor: Actor = SYSTEM,
) -> StaffImportSummary:
    """Replace an organisation's staff list from a file and recompute its teams' eligible headcounts;
    raise ``RowProblems`` (an InvalidInput) listing every bad row, having written nothing."""
    organisation = PeopleRepository(session).organisation_by_code(organisation_code)
    if organisation is None:
        raise NotFound(f"no organisation with code {organisation_code!r}")
    table = open_table(path, sheet=sheet)
    stamp = _stamp(table)
    columns, header_problems = rules.resolve_columns(table.header)
    if header_problems:
        log = ProblemLog()
        for problem in header_problems:
            log.add(1, "", problem)
        log.raise_if_any(table.source, "the header")
    repo = StaffRepository(session)
    reader = _Reader(table, columns, repo.team_ids_by_code(organisation.id), organisation)
    summary = _check(table, reader, organisation.code)

    if _stamp(table) != stamp:
        raise InvalidInput(f"{table.source}: the file changed while it was being read; import it again")
    repo.lock_organisation(organisation.id)
    repo.begin_replace(organisation.id)
    written = repo.upsert(_records(table, reader))
    if written != summary.rows or _stamp(table) != stamp:
        raise InvalidInput(f"{table.source}: the file changed while it was being read; import it again")
    summary.kept_not_listed = repo.finish_replace(organisation.id)
    if summary.kept_not_listed:
        summary.ineligible[NOT_ON_LIST] = summary.kept_not_listed
    repo.recompute_headcounts(organisation.id)
    AuditRepository(session).record(
        plan_id=None,
        kind="staff_list_imported",
        actor=actor.label,
        actor_id=actor.person_id,
        plan_version=None,
        at=now,
        data=summary.as_data(),
    )
    return summary


def _check(table: Table, reader: _Reader, organisation: str) -> StaffImportSummary:
    """Pass 1: every row checked, problems logged, totals counted; raises when anything is wrong."""
    log = ProblemLog()
    first_line: dict[str, int] = {}
    email_column = table.header[reader.email]
    summary = StaffImportSummary(organisation=organisation, source=table.source)
    reasons: Counter[str] = Counter()
    teams: set[int] = set()
    for row in table.rows():
        summary.rows += 1
        record = reader.record(row, log)
        email = row.cells[reader.email].lower()
        if email:
            seen = first_line.setdefault(email, row.line)
            if seen != row.line:
                log.add(row.line, email_column, f"{email} is also on line {seen}: one row per person")
        if record is None:
            continue
        if record["eligible"]:
            summary.eligible += 1
            teams.add(record["team_id"])
        else:
            reasons[record["ineligible_reason"] or rules.MARKED_INELIGIBLE] += 1
    if summary.rows == 0 and not log:
        log.add(2, "", "the file has a header but no staff; an empty list would set every team's headcount to 0")
    log.raise_if_any(table.source, "the staff list")
    summary.ineligible = dict(reasons)
    summary.teams = len(teams)
    return summary


def _records(table: Table, reader: _Reader) -> Iterator[dict[str, Any]]:
    """Pass 2: the same rows as insertable dicts (the file was checked; a change since is caught)."""
    log = ProblemLog()
    for row in table.rows():
        record = reader.record(row, log)
        if record is None:
            raise InvalidInput(f"{table.source}: the file changed while it was being read; import it again")
        yield record


def _stamp(table: Table) -> tuple[int, int]:
    stat = table.path.stat()
    return stat.st_size, stat.st_mtime_ns


@dataclass(frozen=True)
class TeamStaff:
    """One team's line in ``coproduce staff show``."""

    code: str
    name: str
    eligible_headcount: int
    listed_eligible: int
    listed_ineligible: int


def staff_overview(session: Session, *, organisation_code: str) -> tuple[list[TeamStaff], dict[str, int]]:
    """Per team: headcount and listed staff; and the organisation's ineligible staff by reason."""
    organisation = PeopleRepository(session).organisation_by_code(organisation_code)
    if organisation is None:
        raise NotFound(f"no organisation with code {organisation_code!r}")
    repo = StaffRepository(session)
    teams = [TeamStaff(*row) for row in repo.counts_by_team(organisation.id)]
    return teams, repo.reasons(organisation.id)
