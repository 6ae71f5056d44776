"""Primary and secondary suppression of small groups, so no output reveals a small group's answers.

A reader sees, for every published cell (a group within a breakdown), its response count ``n`` and,
unless the cell is suppressed, its ``positive`` count, % positive and interval. Counts are not
answers, so ``n`` stays visible everywhere; what is protected is ``positive`` (and with it % positive,
the interval and the distribution of answers, since all of them add up over the same relations).

Primary suppression hides every cell with ``n`` below the threshold. Secondary (complementary)
suppression then hides further cells until no hidden ``positive`` can be computed from what is shown:

1. the classic rule: in every additive relation (parent = sum of children) holding exactly one hidden
   cell, hide one published sibling, and repeat to a fixed point over all relations, so row and column
   margins of two-way tables are covered together. The sibling chosen is the one whose hiding leaves
   the fewest relations elsewhere with a single hidden cell (it may close another gap at the same
   time, and should not open a new one), then the smallest ``n``, then the cell id; the parent only if
   no sibling can help. For a team, which sits in one relation, this is simply the smallest team; in a
   two-way table it steers towards the rectangle of four cells rather than a chain of six;
2. an exact audit against a reader who combines relations (e.g. sums several rows of a two-way table):
   the hidden cells' positives are the unknowns of a linear system, and any unknown the system pins
   down gets one more complementary suppression, after which rule 1 runs again.

The pattern depends only on ``n``, never on the answers, so it is the same for every question with the
same counts and does not itself leak anything about them. A cell with ``n = 0`` is shown as suppressed
but needs no protection (its positive is known to be 0) and is never chosen as a complement, since
hiding it would hide nothing. Limits (see docs/statistics.md): the guarantee is against exact
derivation; bounds (0 <= positive <= n) still give a reader intervals, and a published 0% or 100%
says every subgroup is 0% or 100%.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Literal, NamedTuple

from evaluation.echelon import pinned_solid
from evaluation.findings import wilson_interval

DEFAULT_THRESHOLD = 11
#: Free text identifies its writer far more easily than a tick box, so comments need a larger group.
DEFAULT_COMMENT_THRESHOLD = 20


class CellId(NamedTuple):
    """One group within one breakdown, e.g. ``CellId("team", "ICU")`` or ``CellId("team x ethnicity", "ICU/BME")``.

    A named tuple rather than a dataclass: ids are hashed and compared hundreds of thousands of times,
    and tuples do that in C.
    """

    breakdown: str
    group: str

    def __str__(self) -> str:
        return f"{self.breakdown}={self.group}"


@dataclass(frozen=True)
class Cell:
    """A group-level aggregate for one question: responses ``n`` and how many of them were positive."""

    id: CellId
    n: int
    positive: int

    def __post_init__(self) -> None:
        if self.n < 0:
            raise ValueError(f"{self.id}: n must not be negative (got {self.n})")
        if not 0 <= self.positive <= self.n:
            raise ValueError(f"{self.id}: positive must lie between 0 and n={self.n} (got {self.positive})")


@dataclass(frozen=True)
class Relation:
    """An additive relation a reader can use: ``parent = sum(children)``, for ``n`` and ``positive`` alike."""

    parent: CellId
    children: tuple[CellId, ...]

    def __post_init__(self) -> None:
        if not self.children:
            raise ValueError(f"relation for {self.parent} has no children")
        if self.parent in self.children or len(set(self.children)) != len(self.children):
            raise ValueError(f"relation for {self.parent} repeats a cell")

    def __str__(self) -> str:
        shown = " + ".join(str(c) for c in self.children[:4])
        more = f" + {len(self.children) - 4} more" if len(self.children) > 4 else ""
        return f"{self.parent} = {shown}{more}"


@dataclass(frozen=True)
class Suppression:
    """Why one cell is hidden; ``protects`` names the cell a secondary suppression shields."""

    cell: CellId
    kind: Literal["primary", "secondary"]
    reason: str
    protects: CellId | None = None


@dataclass(frozen=True)
class SuppressionResult:
    """Which cells are hidden and why; every cell not listed may be shown in full."""

    threshold: int
    suppressed: Mapping[CellId, Suppression]

    def is_suppressed(self, cell: CellId) -> bool:
        """Whether the cell's answers must be hidden."""
        return cell in self.suppressed


@dataclass(frozen=True)
class PublishedCell:
    """What may be shown for a cell: ``n`` always; answers only when not suppressed."""

    id: CellId
    n: int
    positive: int | None
    pct_positive: float | None
    ci_low: float | None
    ci_high: float | None
    suppressed_because: str | None


def partition(parent: CellId, children: Iterable[CellId]) -> Relation:
    """The relation of a breakdown that partitions ``parent`` (every respondent in exactly one child)."""
    return Relation(parent, tuple(children))


def hierarchy(parent_of: Mapping[CellId, CellId]) -> list[Relation]:
    """One relation per parent from a child -> parent map (team -> directorate -> organisation)."""
    children: dict[CellId, list[CellId]] = {}
    for child, parent in parent_of.items():
        children.setdefault(parent, []).append(child)
    return [Relation(parent, tuple(sorted(kids))) for parent, kids in sorted(children.items())]


def two_way_table(
    total: CellId,
    row_margins: Mapping[str, CellId],
    column_margins: Mapping[str, CellId],
    interior: Mapping[tuple[str, str], CellId],
) -> list[Relation]:
    """Relations of a two-way table (e.g. team x ethnicity): every row, every column, and both margins."""
    unknown = {key for key in interior if key[0] not in row_margins or key[1] not in column_margins}
    if unknown:
        raise ValueError(f"interior cells outside the margins: {sorted(unknown)}")
    relations = [Relation(total, tuple(row_margins.values())), Relation(total, tuple(column_margins.values()))]
    for row, margin in row_margins.items():
        relations.append(Relation(margin, tuple(cell for (r, _), cell in interior.items() if r == row)))
    for column, margin in column_margins.items():
        relations.append(Relation(margin, tuple(cell for (_, c), cell in interior.items() if c == column)))
    return relations


def suppress(
    cells: Iterable[Cell], relations: Iterable[Relation], threshold: int = DEFAULT_THRESHOLD
) -> SuppressionResult:
    """Primary and secondary suppression over group-level cells and the additive relations among them."""
    if threshold < 1:
        raise ValueError(f"threshold must be at least 1 (got {threshold})")
    # a canonical order makes the pattern and its reasons independent of how the input was listed
    ordered_cells = sorted(cells, key=lambda c: c.id)
    ordered_relations = sorted(relations, key=lambda r: (r.parent, sorted(r.children)))
    ids = [c.id for c in ordered_cells]
    index = {cid: i for i, cid in enumerate(ids)}
    if len(index) != len(ids):
        raise ValueError("a cell id appears more than once")
    members: list[list[int]] = []
    for rel in ordered_relations:
        missing = [str(m) for m in (rel.parent, *rel.children) if m not in index]
        if missing:
            raise ValueError(f"relation {rel} names cells that are not given: {', '.join(missing)}")
        member = [index[rel.parent], *(index[c] for c in rel.children)]
        _check_additive(rel, [ordered_cells[i] for i in member])
        members.append(member)
    sizes = [c.n for c in ordered_cells]
    primary = {i: f"primary: n={n} < {threshold}" for i, n in enumerate(sizes) if n < threshold}
    why = pattern(ids, sizes, primary, members)
    return SuppressionResult(threshold, MappingProxyType({ids[i]: s for i, s in sorted(why.items())}))


def pattern(
    ids: Sequence[CellId], sizes: Sequence[int], primary: Mapping[int, str], relations: Sequence[Sequence[int]]
) -> dict[int, Suppression]:
    """The suppression pattern over cells given by index: which to hide and why.

    ``sizes`` are the cells' respondent counts (additive over every relation: the caller checks); a cell
    of size 0 holds nothing to protect. ``primary`` maps the cells hidden in their own right to the reason;
    ``relations`` list cell indices, parent first. This is the engine under ``suppress``; the analysis
    pipeline calls it directly with one pattern for all questions, built from columnar data without
    creating a Cell per group. The result depends on the order of cells and relations only through the
    final tie-break on ids, so callers should list them in a canonical order.
    """
    problem = _Problem(list(ids), list(sizes), relations)
    for i, reason in sorted(primary.items()):
        problem.hide(i, Suppression(problem.ids[i], "primary", reason))
    while True:
        problem.close_single_gaps()
        if not problem.audit_combined():
            break
    return problem.why


def suppress_comments(
    cells: Iterable[Cell], relations: Iterable[Relation], threshold: int = DEFAULT_COMMENT_THRESHOLD
) -> SuppressionResult:
    """Suppression for free-text comments: the same rules at the comment threshold (``n`` = commenters).

    A set of comments can be differenced like a count (the directorate's comments minus its published
    teams' comments are the hidden team's), so the same relations apply. Pass only organisational
    breakdowns: comments are never shown with demographics.
    """
    return suppress(cells, relations, threshold)


def publish(cells: Iterable[Cell], result: SuppressionResult) -> list[PublishedCell]:
    """The shown form of every cell: counts always, answers and Wilson intervals only where allowed."""
    shown: list[PublishedCell] = []
    for cell in cells:
        why = result.suppressed.get(cell.id)
        if why is not None or cell.n == 0:
            reason = why.reason if why else "no responses"
            shown.append(PublishedCell(cell.id, cell.n, None, None, None, None, reason))
            continue
        low, high = wilson_interval(cell.positive, cell.n)
        shown.append(PublishedCell(cell.id, cell.n, cell.positive, cell.positive / cell.n, low, high, None))
    return shown


class _Problem:
    """Cells and relations as integer indices, with the state of the fixed-point search."""

    def __init__(self, ids: list[CellId], sizes: list[int], relations: Sequence[Sequence[int]]) -> None:
        self.ids = ids
        self.n = sizes
        self.members: list[Sequence[int]] = list(relations)  # parent first, then children
        self.of_cell: list[list[int]] = [[] for _ in ids]
        for r, members in enumerate(self.members):
            for i in members:
                self.of_cell[i].append(r)
        self.hidden = [False] * len(ids)
        self.why: dict[int, Suppression] = {}
        self.unknowns = [0] * len(self.members)  # hidden cells with n > 0 in each relation
        self.queue: deque[int] = deque()

    def unknown(self, i: int) -> bool:
        return self.hidden[i] and self.n[i] > 0

    def eligible(self, i: int) -> bool:
        return not self.hidden[i] and self.n[i] > 0

    def hide(self, i: int, why: Suppression) -> None:
        if self.hidden[i]:
            return
        self.hidden[i] = True
        self.why[i] = why
        if self.n[i] > 0:
            for r in self.of_cell[i]:
                self.unknowns[r] += 1
                if self.unknowns[r] == 1:
                    self.queue.append(r)

    def close_single_gaps(self) -> None:
        """Rule 1: no relation may hold exactly one hidden cell (a reader would subtract it out)."""
        while self.queue:
            r = self.queue.popleft()
            if self.unknowns[r] != 1:
                continue
            protected = next(i for i in self.members[r] if self.unknown(i))
            # each relation gets here at most once (afterwards it holds >= 2 hidden cells): one scan is linear
            options = [i for i in self.members[r][1:] if self.eligible(i)]
            # with one hidden cell, either a sibling has n > 0 or the parent is published with n > 0
            pick = min(options, key=lambda i: self._cost(i, r)) if options else self.members[r][0]
            target = self.ids[protected]
            self.hide(pick, Suppression(self.ids[pick], "secondary", f"secondary: protects {target}", target))

    def _cost(self, i: int, r: int) -> tuple[int, int, CellId]:
        """Rank a candidate complement: single gaps left in its other relations, then n, then id."""
        net = 0
        for q in self.of_cell[i]:
            if q != r:
                net += 1 if self.unknowns[q] == 0 else -1 if self.unknowns[q] == 1 else 0
        return net, self.n[i], self.ids[i]

    def audit_combined(self) -> bool:
        """Rule 2: hide one more cell for each hidden positive that combined relations pin down."""
        pinned = pinned_solid(self.members, self.unknown)
        added = False
        touched: set[int] = set()
        for x in pinned:
            if touched & set(self.of_cell[x]):
                continue  # a complement chosen this round already sits in one of x's relations
            pick = self._nearest_complement(x)
            target = self.ids[x]
            reason = f"secondary: protects {target} (derivable by combining relations)"
            self.hide(pick, Suppression(self.ids[pick], "secondary", reason, target))
            touched.update(self.of_cell[pick])
            added = True
        return added

    def _nearest_complement(self, x: int) -> int:
        """The smallest-n published cell in x's relations, else in relations reached through hidden cells."""
        seen_rel: set[int] = set()
        frontier = list(self.of_cell[x])
        seen_cell = {x}
        while frontier:
            seen_rel.update(frontier)
            options = [i for r in frontier for i in self.members[r] if self.eligible(i)]
            if options:
                return min(options, key=lambda i: (self.n[i], self.ids[i]))
            nxt: set[int] = set()
            for r in frontier:
                for i in self.members[r]:
                    if i not in seen_cell and self.unknown(i):
                        seen_cell.add(i)
                        nxt.update(q for q in self.of_cell[i] if q not in seen_rel)
            frontier = sorted(nxt)
        # unreachable: a pinned unknown with n > 0 implies a published cell with n > 0 in its relations
        raise AssertionError(f"no complement available for {self.ids[x]}")


def _check_additive(rel: Relation, cells: list[Cell]) -> None:
    """Refuse relations that do not add up: a missing group (e.g. 'prefer not to say') is itself derivable."""
    parent, children = cells[0], cells[1:]
    for field in ("n", "positive"):
        total = sum(getattr(c, field) for c in children)
        if total != getattr(parent, field):
            raise ValueError(
                f"relation {rel}: children's {field} sum to {total}, parent has {getattr(parent, field)}; "
                "every group (including 'not stated') must be a cell"
            )
