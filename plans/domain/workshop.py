"""The rules of a co-production workshop, pure: who may be named as a contributor, what a table's top three
must be, how many dots a voter may place, and how the dots are tallied into a ranking that shows ties.

The room works like this: every idea goes on a sticky note with the kind of person who wrote it (never
who); each table groups its notes into themes and picks its top three; the top three of every table
make the shortlist; everyone places dots on the shortlist (at most ``dots_per_voter`` each, one per
theme); the dots rank the shortlist. These functions say what is wrong in words a coordinator can read
out to the room, and return lists of problems rather than raising, so a form can show all of them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from plans.domain.errors import InvalidInput

# the stored values of plans.models.workshop.ContributorType, in the order the pages list them
CONTRIBUTOR_TYPES: tuple[str, ...] = ("citizen", "carer", "service_user", "staff", "partner")
# the voices of people who use services or care for someone who does, as against those who provide them
LIVED_EXPERIENCE: frozenset[str] = frozenset({"citizen", "carer", "service_user"})
TOP = 3  # themes each table chooses
MAX_IDEA = 1000  # a sticky note, typed; generous, but a paragraph pasted by mistake is refused
MAX_THEME = 200
MAX_TABLE = 100
MAX_TITLE = 200
MAX_VOTER = 120
MAX_DOTS = 20  # dots per voter a workshop may allow
MAX_TABLES = 60

ORDINALS = {1: "1st", 2: "2nd", 3: "3rd"}


def type_label(value: str) -> str:
    """A contributor type as a person writes it ("service user")."""
    return value.replace("_", " ")


def allowed_types() -> str:
    """The contributor types in words, for a refusal: "citizen, carer, service user, staff or partner"."""
    labels = [type_label(t) for t in CONTRIBUTOR_TYPES]
    return ", ".join(labels[:-1]) + " or " + labels[-1]


def contributor_type(text: str) -> str | None:
    """The stored contributor type a person's spelling names (case, spaces, hyphens and a plural "s"
    forgiven: "Service users" is service_user), or None when it names none."""
    key = "_".join(re.split(r"[\s_-]+", text.strip().casefold()))
    if key in CONTRIBUTOR_TYPES:
        return key
    if key.endswith("s") and key[:-1] in CONTRIBUTOR_TYPES:
        return key[:-1]
    return None


def contributor_problem(text: str) -> str | None:
    """Why ``text`` is not a contributor type, or None when it is one."""
    if not text.strip():
        return f"missing: say who wrote the idea ({allowed_types()})"
    if contributor_type(text) is None:
        return f"{text.strip()!r} is not a contributor type; use {allowed_types()}"
    return None


def words(text: str) -> str:
    """Text with its spaces tidied: no leading or trailing space, runs of spaces and tabs made one."""
    return " ".join(text.split())


def text_problem(text: str, what: str, limit: int) -> str | None:
    """Why ``text`` (already tidied) cannot be kept as ``what``, or None."""
    if not text:
        return f"empty: enter the {what}"
    if len(text) > limit:
        return f"the {what} must be {limit:,} characters or fewer (it has {len(text):,})"
    return None


def name_key(name: str) -> str:
    """The form two table, theme or voter names are compared in: case and spacing ignored."""
    return " ".join(name.casefold().split())


def table_key(name: str) -> str:
    """The form a table's name is matched in: as ``name_key``, and a bare number is "table <number>"
    (typed-up notes often say "3" for Table 3)."""
    key = name_key(name)
    return f"table {int(key)}" if key.isdigit() else key


def numbered_tables(count: int) -> list[str]:
    """Names for ``count`` tables: Table 1, Table 2, ..."""
    return [f"Table {n}" for n in range(1, count + 1)]


def table_names_problems(names: Sequence[str]) -> list[str]:
    """Problems with a workshop's table names: each present, short enough and different from the others."""
    problems: list[str] = []
    if not names:
        problems.append("tables: a workshop needs at least one table")
    if len(names) > MAX_TABLES:
        problems.append(f"tables: at most {MAX_TABLES} tables ({len(names)} given)")
    seen: dict[str, int] = {}
    for index, raw in enumerate(names):
        name = words(raw)
        if problem := text_problem(name, "table's name", MAX_TABLE):
            problems.append(f"tables[{index}]: {problem}")
            continue
        first = seen.setdefault(table_key(name), index)
        if first != index:
            problems.append(f"tables[{index}]: {name!r} is the same name as tables[{first}]; each table needs its own")
    return problems


@dataclass(frozen=True)
class TableTheme:
    """What the top-three rule needs to know of a theme: its id, title and table."""

    id: int
    title: str
    table_id: int
    table: str


def top_three_problems(
    table_id: int, table: str, ranks: Sequence[tuple[int, int]], themes: Mapping[int, TableTheme]
) -> list[str]:
    """Problems with a table's top three, given as (theme id, rank) pairs: exactly three, ranks 1, 2 and 3
    once each, three different themes, all of this table. ``themes`` are the workshop's themes by id.
    An empty choice is allowed (it clears the table's top three)."""
    if not ranks:
        return []
    problems: list[str] = []
    own = [t for t in themes.values() if t.table_id == table_id]
    if len(own) < TOP:
        problems.append(
            f"top: {table} has {len(own)} theme{'s' if len(own) != 1 else ''}; group its ideas into at least "
            f"{TOP} themes before choosing its top {TOP}"
        )
    if len(ranks) != TOP:
        problems.append(f"top: a table chooses exactly {TOP} themes, ranked 1 to {TOP}; {len(ranks)} were given")
    by_rank: dict[int, int] = {}
    by_theme: dict[int, int] = {}
    for theme_id, rank in ranks:
        where = f"top[{ORDINALS.get(rank, rank)}]"
        theme = themes.get(theme_id)
        if rank not in ORDINALS:
            problems.append(f"{where}: rank {rank} is not 1, 2 or 3")
        elif rank in by_rank:
            problems.append(f"{where}: two themes are ranked {ORDINALS[rank]}; each rank once")
        by_rank.setdefault(rank, theme_id)
        if theme is None:
            problems.append(f"{where}: there is no theme {theme_id} in this workshop")
        elif theme.table_id != table_id:
            problems.append(f"{where}: {theme.title!r} is a theme of {theme.table}, not of {table}")
        elif theme_id in by_theme:
            earlier = ORDINALS.get(by_theme[theme_id], str(by_theme[theme_id]))
            problems.append(f"{where}: {theme.title!r} is already ranked {earlier}; choose {TOP} different themes")
        by_theme.setdefault(theme_id, rank)
    missing = [ORDINALS[r] for r in ORDINALS if r not in by_rank]
    if len(ranks) == TOP and missing:
        problems.append(f"top: no theme is ranked {' or '.join(missing)}")
    return problems


def dot_problems(
    voter: str,
    theme_ids: Sequence[int],
    already: Iterable[int],
    limit: int,
    shortlist: Mapping[int, str],
    titles: Mapping[int, str],
) -> list[str]:
    """Problems with one voter's new dots: ``theme_ids`` the themes they now choose, ``already`` those they
    put a dot on before, ``limit`` the workshop's dots per voter, ``shortlist`` the themes that may be
    voted on (id -> title) and ``titles`` every theme of the workshop."""
    problems: list[str] = []
    name = words(voter)
    if problem := text_problem(name, "voter's badge number or initials", MAX_VOTER):
        problems.append(f"voter: {problem}")
    if not theme_ids:
        problems.append("themes: choose at least one theme to put a dot on")
    before = set(already)
    chosen: set[int] = set()
    for index, theme_id in enumerate(theme_ids):
        where = f"themes[{index}]"
        title = titles.get(theme_id)
        if title is None:
            problems.append(f"{where}: there is no theme {theme_id} in this workshop")
        elif theme_id not in shortlist:
            problems.append(f"{where}: {title!r} is not on the shortlist (only each table's top {TOP} can be voted on)")
        elif theme_id in chosen:
            problems.append(f"{where}: {title!r} is chosen twice; one dot per theme")
        elif theme_id in before:
            problems.append(f"{where}: {name} already has a dot on {title!r}; one dot per theme")
        chosen.add(theme_id)
    total = len(before) + len(chosen)
    if theme_ids and total > limit:
        placed = f"has placed {len(before)} of {limit} dots" if before else f"has {limit} dots"
        problems.append(
            f"themes: {name} {placed}; {len(chosen)} more would make {total}, over the limit of {limit} per voter"
        )
    return problems


@dataclass(frozen=True)
class Ranked:
    """One shortlisted theme in the results: its place (shared when tied) and its dots."""

    theme_id: int
    title: str
    dots: int
    rank: int
    tied: bool

    @property
    def place(self) -> str:
        """The place in words: "1st", "joint 2nd"."""
        return ("joint " if self.tied else "") + ordinal(self.rank)


def ordinal(n: int) -> str:
    """1st, 2nd, 3rd, 4th, 11th, 12th, 13th, 21st ..."""
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def rank_by_dots(dots: Mapping[int, int], titles: Mapping[int, str]) -> list[Ranked]:
    """The shortlist ranked by dots, most first, with standard competition ranking: themes with equal dots
    share a place and the next place is skipped (1, 2, 2, 4), and each tie is marked. Tied themes are
    listed alphabetically, which the pages say, so no theme looks ahead of another it tied with."""
    order = sorted(titles, key=lambda tid: (-dots.get(tid, 0), name_key(titles[tid]), tid))
    counts: dict[int, int] = {}
    for tid in order:
        counts[dots.get(tid, 0)] = counts.get(dots.get(tid, 0), 0) + 1
    ranked: list[Ranked] = []
    for position, tid in enumerate(order, start=1):
        n = dots.get(tid, 0)
        rank = position if not ranked or ranked[-1].dots != n else ranked[-1].rank
        ranked.append(Ranked(tid, titles[tid], n, rank, counts[n] > 1))
    return ranked


@dataclass(frozen=True)
class Mix:
    """Who wrote a theme's ideas: counts by contributor type (every type, in the usual order)."""

    counts: tuple[tuple[str, int], ...]
    total: int
    lived_experience: int  # citizens, carers and service users

    @property
    def lived_share(self) -> float | None:
        """The share of ideas from people with lived experience, or None for a theme with no ideas."""
        return self.lived_experience / self.total if self.total else None

    def summary(self) -> str:
        """The mix in words: "3 citizen, 1 carer, 2 staff" (types with no idea left out), or "no ideas"."""
        shown = [f"{n} {type_label(t)}" for t, n in self.counts if n]
        return ", ".join(shown) if shown else "no ideas"

    @property
    def no_lived_voice(self) -> bool:
        """True when the theme has ideas but none from citizens, carers or service users."""
        return self.total > 0 and self.lived_experience == 0


def contributor_mix(counts: Mapping[str, int]) -> Mix:
    """The mix of a theme from its ideas' counts by contributor type (types not given count 0)."""
    unknown = set(counts) - set(CONTRIBUTOR_TYPES)
    if unknown:
        raise ValueError(f"not contributor types: {sorted(unknown)}")
    ordered = tuple((t, counts.get(t, 0)) for t in CONTRIBUTOR_TYPES)
    lived = sum(n for t, n in ordered if t in LIVED_EXPERIENCE)
    return Mix(ordered, sum(n for _, n in ordered), lived)


class WorkshopProblems(InvalidInput):
    """Input refused for one or more reasons, each naming its field; nothing was written."""

    def __init__(self, problems: Sequence[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = list(problems)


def refuse_if_any(problems: Sequence[str]) -> None:
    """Raise ``WorkshopProblems`` when there are any problems."""
    if problems:
        raise WorkshopProblems(problems)


# ---- typed-up notes ------------------------------------------------------------------------------

NOTE_COLUMNS = ("table", "idea", "contributor_type", "theme")  # theme is optional
NOTE_ALIASES = {
    "table": "table",
    "group": "table",
    "idea": "idea",
    "text": "idea",
    "note": "idea",
    "contributor_type": "contributor_type",
    "contributor": "contributor_type",
    "type": "contributor_type",
    "theme": "theme",
}


def note_columns(keys: Sequence[str], names: Sequence[str]) -> tuple[dict[str, int], list[str]]:
    """Which column holds each field of a notes file, from its header (``keys``: the names as
    ``row_problems.header_key`` compares them; ``names``: as written), and the header's problems."""
    columns: dict[str, int] = {}
    problems: list[str] = []
    for index, (key, name) in enumerate(zip(keys, names, strict=True)):
        field = NOTE_ALIASES.get(key)
        if field is None:
            problems.append(
                f"{name!r} is not a column of workshop notes; the columns are table, idea, contributor_type "
                f"and (if the ideas were grouped) theme"
            )
        elif field in columns:
            problems.append(f"{name!r} is a second {field} column")
        else:
            columns[field] = index
    for field in NOTE_COLUMNS[:3]:
        if field not in columns:
            problems.append(f"no {field} column: every notes file has table, idea and contributor_type")
    return columns, problems
