"""Pydantic shapes in and out: the plan file, recommendations, and what the edges show of a plan."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, EmailStr, Field, field_validator, model_validator

from plans.domain.facts import MemberKind
from plans.domain.quorum import QuorumKind
from plans.domain.survey_definition import SurveyDefinition
from plans.schemas_coproduction import LadderOut

CODE = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,39}$"
SLUG = r"^[a-z0-9][a-z0-9-]{1,79}$"


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class QuorumIn(Strict):
    kind: QuorumKind = QuorumKind.ALL
    n: int | None = Field(default=None, ge=1)

    @model_validator(mode="after")
    def _n_matches_kind(self) -> QuorumIn:
        if self.kind is QuorumKind.N_OF_M and self.n is None:
            raise ValueError("an n_of_m quorum needs n")
        if self.kind is not QuorumKind.N_OF_M and self.n is not None:
            raise ValueError(f"only an n_of_m quorum takes n (this one is {self.kind.value})")
        return self


class CheckpointsIn(Strict):
    every_months: int = Field(default=3, ge=1, le=12)
    count: int = Field(default=4, ge=1, le=12)


class PlanIn(Strict):
    slug: str = Field(pattern=SLUG)
    title: str = Field(min_length=1, max_length=200)
    summary: str = ""
    starts_on: date
    quorum: QuorumIn = QuorumIn()
    checkpoints: CheckpointsIn = CheckpointsIn()
    survey: SurveyDefinition  # written inline, or {file: path} resolved by plans.files before validation


class OrganisationIn(Strict):
    code: str = Field(pattern=CODE)
    name: str = Field(min_length=1, max_length=200)


class TeamIn(Strict):
    code: str = Field(pattern=CODE)
    name: str = Field(min_length=1, max_length=200)
    parent: str | None = None
    manager: EmailStr | None = None
    eligible_headcount: int = Field(default=0, ge=0)


Role = Literal["coordinator", "manager", "approver", "citizen_panel", "admin"]


class PersonIn(Strict):
    name: str = Field(min_length=1, max_length=200)
    email: EmailStr
    job_title: str | None = None
    roles: list[Role] = Field(default_factory=list)


class MemberIn(Strict):
    email: EmailStr
    as_: MemberKind = Field(alias="as")


class StatementIn(Strict):
    author: EmailStr
    kind: Literal["aspiration", "current_state"]
    text: str = Field(min_length=1, max_length=2000)


class PlanFile(Strict):
    """A whole plan as declared in YAML: checked here, cross-references included, before any write."""

    plan: PlanIn
    organisation: OrganisationIn
    coordinator: EmailStr
    teams: list[TeamIn] = Field(min_length=1)
    people: list[PersonIn] = Field(min_length=1)
    working_party: list[MemberIn] = Field(default_factory=list)
    approvers: list[EmailStr] = Field(default_factory=list)
    citizen_panel: list[EmailStr] = Field(default_factory=list)
    vision: list[StatementIn] = Field(default_factory=list)

    @model_validator(mode="after")
    def _references(self) -> PlanFile:
        problems: list[str] = []
        emails: dict[str, int] = {}
        for i, p in enumerate(self.people):
            key = p.email.lower()
            if key in emails:
                problems.append(f"people[{i}].email: {p.email} is listed twice (also people[{emails[key]}])")
            emails[key] = i
        codes: dict[str, int] = {}
        for i, t in enumerate(self.teams):
            if t.code in codes:
                problems.append(f"teams[{i}].code: {t.code!r} is listed twice (also teams[{codes[t.code]}])")
            codes[t.code] = i
        for i, t in enumerate(self.teams):
            if t.parent is not None and t.parent not in codes:
                problems.append(f"teams[{i}].parent: no team with code {t.parent!r}")
            if t.manager is not None and t.manager.lower() not in emails:
                problems.append(f"teams[{i}].manager: {t.manager} is not in people")
        problems += _cycles(self.teams, codes)

        def person(path: str, email: str) -> None:
            if email.lower() not in emails:
                problems.append(f"{path}: {email} is not in people")

        person("coordinator", self.coordinator)
        if (
            self.coordinator.lower() in emails
            and "coordinator" not in self.people[emails[self.coordinator.lower()]].roles
        ):
            problems.append(f"coordinator: {self.coordinator} does not have the coordinator role in people")
        for i, m in enumerate(self.working_party):
            person(f"working_party[{i}].email", m.email)
        for i, e in enumerate(self.approvers):
            person(f"approvers[{i}]", e)
        for i, e in enumerate(self.citizen_panel):
            person(f"citizen_panel[{i}]", e)
        party = {m.email.lower() for m in self.working_party}
        for i, s in enumerate(self.vision):
            if s.author.lower() not in party:
                problems.append(f"vision[{i}].author: {s.author} is not in the working party")
        q = self.plan.quorum
        if q.kind is QuorumKind.N_OF_M and q.n is not None and q.n > len(self.approvers):
            problems.append(f"plan.quorum.n: needs {q.n} approvals but only {len(self.approvers)} approvers are listed")
        if problems:
            raise ValueError("; ".join(problems))
        return self


def _cycles(teams: list[TeamIn], codes: dict[str, int]) -> list[str]:
    parent = {t.code: t.parent for t in teams}
    problems = []
    for i, t in enumerate(teams):
        seen = {t.code}
        at = t.parent
        while at is not None and at in parent:
            if at in seen:
                problems.append(f"teams[{i}].parent: the team hierarchy loops back to {t.code!r}")
                break
            seen.add(at)
            at = parent[at]
    return problems


EVIDENCE = re.compile(r"^(finding|theme):.+$")


class RecommendationIn(Strict):
    # the recommendation this item edits (left out: a new one); kept ids keep the objectives delivering it
    id: int | None = None
    title: str = Field(min_length=1, max_length=300)
    detail: str = ""
    evidence: list[str] = Field(default_factory=list)

    @field_validator("evidence")
    @classmethod
    def _evidence_refs(cls, refs: list[str]) -> list[str]:
        for ref in refs:
            if not EVIDENCE.match(ref):
                raise ValueError(f"{ref!r} is not evidence: write finding:QUESTION_ID or theme:THEME_ID")
        return refs


class StageEntryOut(BaseModel):
    stage: str
    entered_at: datetime
    left_at: datetime | None
    version: int
    via: str


class PlanStatus(BaseModel):
    """A plan as the CLI and the status page show it."""

    id: int
    slug: str
    title: str
    organisation: str
    stage: str
    stage_label: str
    version: int
    days_in_stage: int
    blocked_by: list[str]
    override_pending: bool
    history: list[StageEntryOut]
    # one plan's status only (None in lists, like its empty history): where each stage sat on the ladder
    coproduction: LadderOut | None = None
