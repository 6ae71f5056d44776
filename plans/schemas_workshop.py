"""Pydantic shapes of workshops: what the JSON API takes in (``...In``) and what the pages and the API show
(``...Out``, ``...View``). Ids in bodies are bounded to the database's INTEGER range, so an id no row can
have is refused as input rather than failing in the database."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from plans.domain import workshop as rules
from plans.models import ContributorType

Id = Annotated[int, Field(ge=1, le=2**31 - 1)]
Text = Annotated[str, Field(max_length=5000)]
MAX_NOTES_CHARS = 8 * 2**20  # the importer's own cap on a notes file (``workshop_import.MAX_NOTES_BYTES``)


class In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class WorkshopIn(In):
    title: str = Field(max_length=1000, description="what the workshop was called")
    held_on: date = Field(description="the day it was held")
    venue: str = Field(default="", max_length=1000)
    dots_per_voter: int = Field(default=3, ge=1, le=rules.MAX_DOTS, description="dots each voter may place")
    tables: list[Annotated[str, Field(max_length=1000)]] = Field(
        min_length=1, max_length=rules.MAX_TABLES, description='the tables\' names in order, e.g. ["Table 1", ...]'
    )


class TableIn(In):
    name: str = Field(max_length=1000)


class IdeaIn(In):
    table_id: Id
    text: Text = Field(description="the idea as written on the sticky note")
    contributor_type: ContributorType = Field(description="who wrote it: citizen, carer, service_user, staff, partner")
    theme_id: Id | None = Field(default=None, description="one of the table's themes to put it under straight away")


class IdeaEditIn(In):
    idea_id: Id
    text: Text
    contributor_type: ContributorType


class IdeaRefIn(In):
    idea_id: Id


class ThemeIn(In):
    table_id: Id
    title: str = Field(max_length=1000)
    description: Text = ""
    idea_ids: list[Id] = Field(default_factory=list, max_length=2000, description="the table's ideas it groups")


class ThemeEditIn(In):
    theme_id: Id
    title: str = Field(max_length=1000)
    description: Text = ""


class ThemeRefIn(In):
    theme_id: Id


class MoveIn(In):
    idea_ids: list[Id] = Field(min_length=1, max_length=2000)
    theme_id: Id | None = Field(description="a theme of the ideas' table, or null to take them out of their themes")


class RankIn(In):
    theme_id: Id
    rank: int = Field(ge=1, le=99, description="1, 2 or 3")


class TopThreeIn(In):
    table_id: Id
    top: list[RankIn] = Field(max_length=20, description="exactly three of the table's themes, or [] to clear")


class DotsIn(In):
    voter: str = Field(max_length=1000, description="how the room knows the voter: a badge number or initials")
    theme_ids: list[Id] = Field(min_length=1, max_length=50, description="shortlisted themes, one dot each")


class VoterIn(In):
    voter: str = Field(max_length=1000)


class NotesIn(In):
    csv: str = Field(
        min_length=1,
        max_length=MAX_NOTES_CHARS,
        description="the typed-up notes as CSV text: a header line (table, idea, contributor_type and optionally "
        "theme) and one row per sticky note",
    )
    new_tables: bool = Field(default=False, description="make the tables the notes name that the workshop lacks")


# ---- out -----------------------------------------------------------------------------------------


class MixOut(BaseModel):
    """Who wrote a set of ideas, by contributor type (every type, in the usual order)."""

    counts: dict[str, int]
    total: int
    lived_experience: int = Field(description="ideas from citizens, carers and service users")
    lived_share: float | None
    summary: str
    no_lived_voice: bool = Field(description="ideas, but none from citizens, carers or service users")


class IdeaOut(BaseModel):
    id: int
    table_id: int
    text: str
    contributor_type: str
    contributor_label: str
    theme_id: int | None
    source: str = Field(description='"live" typed in the room, "import" typed up afterwards')
    created_at: datetime


class ThemeBrief(BaseModel):
    id: int
    table_id: int
    title: str
    description: str
    top_rank: int | None


class ThemeOut(ThemeBrief):
    ideas: list[IdeaOut]
    mix: MixOut
    dots: int
    cited_by: list[str] = Field(description="the recommendations that cite it, as 'Recommendation 2: title'")


class TableBrief(BaseModel):
    id: int
    name: str
    position: int


class TableOut(TableBrief):
    themes: list[ThemeOut]
    ungrouped: list[IdeaOut]
    ideas: int
    top_three: list[ThemeBrief] = Field(description="the table's top three by rank (fewer until chosen)")


class ResultOut(BaseModel):
    """A shortlisted theme's place in the dot vote; tied themes share a place."""

    theme_id: int
    title: str
    table: str
    table_rank: int
    dots: int
    rank: int
    tied: bool
    place: str
    ideas: int
    mix: MixOut


class VoterOut(BaseModel):
    voter: str
    dots: int
    themes: list[str]


class WorkshopRow(BaseModel):
    id: int
    title: str
    held_on: date
    venue: str
    dots_per_voter: int
    tables: int
    ideas: int
    themes: int
    dots: int
    voters: int


class PlanWorkshops(BaseModel):
    plan_id: int
    plan_title: str
    stage: str
    stage_label: str
    open: bool = Field(description="whether the plan's workshops can be changed in its stage")
    locked_reason: str | None
    workshops: list[WorkshopRow]


class WorkshopView(BaseModel):
    plan_id: int
    plan_title: str
    stage: str
    stage_label: str
    open: bool
    locked_reason: str | None
    workshop: WorkshopRow
    tables: list[TableOut]
    shortlist: list[ThemeBrief] = Field(description="every table's top three, the themes the vote is on")
    tables_without_top_three: list[str]
    results: list[ResultOut] = Field(description="the shortlist by dots, most first; ties share a place")
    voters: list[VoterOut]
    mix: MixOut = Field(description="who wrote the workshop's ideas")


class ThemeChoice(BaseModel):
    """A theme a recommendation may cite as its evidence (``theme:<id>``)."""

    id: int
    title: str
    workshop_id: int
    workshop: str
    held_on: date
    table: str
    top_rank: int | None
    dots: int
    ideas: int
    label: str = Field(description="e.g. 'Training with citizens (Table 3, 1st; Listening event, 12 May 2027)'")


class ThemeDetail(ThemeChoice):
    """A theme with everything behind it: its description, its ideas and who wrote them, its place."""

    description: str
    idea_list: list[IdeaOut]
    mix: MixOut
    place: str | None = Field(description="its place in the dot vote, when it is on the shortlist")


class VotesOut(BaseModel):
    voter: str
    theme_ids: list[int]
    dots_used: int
    dots_left: int


class CountOut(BaseModel):
    count: int


class NotesImportOut(BaseModel):
    workshop_id: int
    source: str
    ideas: int
    themes_created: list[str]
    tables_created: list[str]
    by_table: dict[str, int]
    mix: MixOut
