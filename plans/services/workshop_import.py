"""Importing a workshop's typed-up notes from CSV or XLSX: one row per sticky note with its table, the idea
as written, who wrote it (the kind of person) and, if the table grouped it, its theme.

All or nothing: every row is checked first and every problem is reported by line and column (line 1 is
the header, so the numbers match the spreadsheet's rows); only a file with no problem is written.

Decisions a coordinator should know:
- Tables are matched by name, ignoring case and spacing, and a bare number means "Table <number>" ("3"
  is Table 3). A table the workshop does not have is refused, naming the workshop's tables, because a
  typo ("Tabel 3") would otherwise quietly make a ninth table; with ``new_tables`` the import creates
  the tables the file names instead (for notes typed up before the tables were set out here).
- Themes are matched within their table the same way; a theme the table does not have yet is created.
  The first spelling in the file wins for a new one.
- The same file (byte for byte) imported twice into the same workshop is refused the second time, so a
  double click does not double the ideas.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from sqlalchemy.orm import Session

from plans.domain import workshop as rules
from plans.domain.errors import AlreadyDecided
from plans.domain.row_problems import ProblemLog, header_key
from plans.models import ContributorType, Idea, Theme, WorkshopTable
from plans.repositories.workshop import WorkshopRepository
from plans.services.actors import Actor
from plans.services.workshop import audit, open_workshop
from plans.tabular import open_table

MAX_NOTES_BYTES = 8 * 2**20  # ninety people's sticky notes are a few hundred KB at most
MAX_NOTES = 20_000
KIND = "workshop_notes_imported"


@dataclass
class NotesImportSummary:
    """What an import added, as the page says it and the audit log records it."""

    workshop_id: int
    source: str
    ideas: int = 0
    themes_created: list[str] = field(default_factory=list)
    tables_created: list[str] = field(default_factory=list)
    by_table: dict[str, int] = field(default_factory=dict)
    by_type: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class _Note:
    line: int
    table: str  # the table's key
    text: str
    kind: str
    theme: str | None  # the theme's key within the table


def import_notes(
    session: Session,
    *,
    plan_id: int,
    workshop_id: int,
    path: Path | str,
    actor: Actor,
    now: datetime,
    new_tables: bool = False,
    sheet: str | None = None,
) -> NotesImportSummary:
    """Add the ideas of a notes file to the workshop, all or nothing; raise ``RowProblems`` (an
    InvalidInput) listing every bad row by line and column, having written nothing."""
    plan, workshop = open_workshop(
        session, plan_id=plan_id, workshop_id=workshop_id, actor=actor, action="importing workshop notes"
    )
    table = open_table(path, sheet=sheet, max_bytes=MAX_NOTES_BYTES)
    digest = hashlib.sha256(table.path.read_bytes()).hexdigest()
    for event in WorkshopRepository(session).events(plan.id, KIND):
        data = event.data or {}
        if data.get("workshop_id") == workshop.id and data.get("sha256") == digest:
            raise AlreadyDecided(
                f"{table.source}: this file was already imported into {workshop.title!r} on "
                f"{event.at:%d %B %Y at %H:%M} by {event.actor} ({data.get('ideas', 0)} ideas), so nothing was "
                f"imported again. If these are different notes, change the file and import it again."
            )
    log = ProblemLog()
    columns, header_problems = rules.note_columns([header_key(h) for h in table.header], table.header)
    for problem in header_problems:
        log.add(1, "", problem)
    log.raise_if_any(table.source, "the header")

    repo = WorkshopRepository(session)
    tables = {rules.table_key(t.name): t for t in repo.tables(workshop.id)}
    themes = {(t.table_id, rules.name_key(t.title)): t for t in repo.themes(workshop.id)}
    new_table_names: dict[str, str] = {}  # key -> first spelling
    new_theme_names: dict[tuple[str, str], str] = {}
    notes: list[_Note] = []
    header = table.header
    known = ", ".join(t.name for t in sorted(tables.values(), key=lambda t: t.position)) or "none yet"
    for row in table.rows():
        if len(notes) >= MAX_NOTES:
            log.add(row.line, "", f"more than {MAX_NOTES:,} ideas; split the file")
            break
        cells = row.cells
        if row.extra:
            log.add(row.line, "", f"{row.extra} value(s) to the right of the last named column")
        raw_table = rules.words(cells[columns["table"]])
        key = rules.table_key(raw_table)
        table_ok = True
        if not raw_table:
            log.add(row.line, header[columns["table"]], "missing: every idea needs the table it was written at")
            table_ok = False
        elif key not in tables:
            if not new_tables:
                log.add(
                    row.line,
                    header[columns["table"]],
                    f"{workshop.title!r} has no table called {raw_table!r} (its tables: {known}); correct the "
                    f"name, or choose to create the tables the file names",
                )
                table_ok = False
            elif problem := rules.text_problem(raw_table, "table's name", rules.MAX_TABLE):
                log.add(row.line, header[columns["table"]], problem)
                table_ok = False
            else:
                new_table_names.setdefault(key, raw_table)
        text = cells[columns["idea"]].strip()
        if problem := rules.text_problem(text, "idea as written", rules.MAX_IDEA):
            log.add(row.line, header[columns["idea"]], problem)
        raw_kind = cells[columns["contributor_type"]]
        if problem := rules.contributor_problem(raw_kind):
            log.add(row.line, header[columns["contributor_type"]], problem)
        theme_key = None
        if "theme" in columns and (raw_theme := rules.words(cells[columns["theme"]])):
            if problem := rules.text_problem(raw_theme, "theme's name", rules.MAX_THEME):
                log.add(row.line, header[columns["theme"]], problem)
            else:
                theme_key = rules.name_key(raw_theme)
                table_id = tables[key].id if key in tables else None
                if table_ok and (table_id, theme_key) not in themes:
                    new_theme_names.setdefault((key, theme_key), raw_theme)
        kind = rules.contributor_type(raw_kind) or ""
        notes.append(_Note(row.line, key, text, kind, theme_key))
    if not notes and not log:
        log.add(2, "", "the file has a header but no ideas")
    log.raise_if_any(table.source, "the workshop notes")

    summary = NotesImportSummary(workshop_id=workshop.id, source=table.source)
    position = max((t.position for t in tables.values()), default=0)
    for offset, (key, name) in enumerate(new_table_names.items(), start=1):
        tables[key] = repo.add(WorkshopTable(workshop_id=workshop.id, name=name, position=position + offset))
        summary.tables_created.append(name)
    for (key, theme_key), title in new_theme_names.items():
        theme = Theme(workshop_id=workshop.id, plan_id=plan.id, table_id=tables[key].id, title=title, created_at=now)
        themes[(tables[key].id, theme_key)] = repo.add(theme)
        summary.themes_created.append(f"{tables[key].name}: {title}")
    ideas = [
        Idea(
            workshop_id=workshop.id,
            table_id=tables[n.table].id,
            text=n.text,
            contributor_type=ContributorType(n.kind),
            theme_id=themes[(tables[n.table].id, n.theme)].id if n.theme is not None else None,
            source="import",
            created_at=now,
        )
        for n in notes
    ]
    repo.add_all(ideas)
    summary.ideas = len(ideas)
    summary.by_table = dict(Counter(tables[n.table].name for n in notes))
    summary.by_type = dict(Counter(n.kind for n in notes))
    audit(
        session,
        plan,
        actor,
        KIND,
        now,
        workshop_id=workshop.id,
        source=table.source,
        sha256=digest,
        ideas=summary.ideas,
        by_table=summary.by_table,
        by_type=summary.by_type,
        tables_created=summary.tables_created,
        themes_created=summary.themes_created,
    )
    return summary
