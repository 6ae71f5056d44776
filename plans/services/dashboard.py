"""The coordinator's dashboard: a page of plans with their gate's reasons, who is overdue (approvers
past the sign-off deadline, managers whose teams are below the survey target, evidence owners with
checkpoints past due) and live response rates. A page costs the same queries for 10 plans or 10,000."""

from __future__ import annotations

import math
from collections import defaultdict
from datetime import datetime

from sqlalchemy.orm import Session

from plans.domain.errors import InvalidInput
from plans.domain.stages import Stage
from plans.repositories.dashboard import DashboardRepository, TeamCount
from plans.repositories.people import PeopleRepository
from plans.services.status import statuses_for
from plans.views import DashboardPage, DashboardRow, OverdueItem, SurveyProgress, TeamRate

PER_PAGE = 50
NAMED_MANAGERS = 10


def team_rates(counts: list[TeamCount], target: float) -> list[TeamRate]:
    """Each team's rate against the target, lowest first (ties by name)."""
    rates = [
        TeamRate(
            team_id=c.team_id,
            team=c.team,
            manager=c.manager,
            eligible=c.eligible,
            responses=c.responses,
            rate=c.responses / c.eligible,
            below_target=c.responses / c.eligible < target,
        )
        for c in counts
    ]
    return sorted(rates, key=lambda r: (r.rate, r.team))


def dashboard(session: Session, *, now: datetime, stage: str | None = None, page: int = 1) -> DashboardPage:
    """One page of the dashboard, oldest stay in a stage first (those are the stuck ones)."""
    try:
        wanted = Stage(stage) if stage else None
    except ValueError:
        raise InvalidInput(f"stage: {stage!r} is not a stage; use one of {', '.join(s.value for s in Stage)}") from None
    if page < 1:
        raise InvalidInput("page: pages start at 1")
    repo = DashboardRepository(session)
    counts = repo.counts_by_stage()
    total = counts.get(wanted, 0) if wanted else sum(counts.values())
    pages = max(1, math.ceil(total / PER_PAGE))
    ids = repo.page_ids(wanted, (page - 1) * PER_PAGE, PER_PAGE)
    overdue: dict[int, list[OverdueItem]] = defaultdict(list)

    rounds = repo.open_rounds(ids)
    late_rounds = {pid: r[0] for pid, r in rounds.items() if r[1] < now}
    for plan_id, names in repo.undecided_approvers(late_rounds).items():
        since = rounds[plan_id][1].date()
        for name in names:
            overdue[plan_id].append(
                OverdueItem(who=name, what=f"sign-off of version {rounds[plan_id][2]}", since=since)
            )

    coordinators = PeopleRepository(session).names_of_coordinators(ids)
    for plan_id, late in repo.overdue_checkpoints(ids, now.date()).items():
        for number, due in late:
            who = coordinators.get(plan_id, "the coordinator")
            overdue[plan_id].append(OverdueItem(who=who, what=f"evidence for checkpoint {number}", since=due))

    surveys = repo.open_surveys(ids, now)
    summaries = repo.survey_summaries(surveys, NAMED_MANAGERS)
    progress: dict[int, SurveyProgress] = {}
    for plan_id, survey in surveys.items():
        eligible, responses, below, managers = summaries.get(survey.id, (0, 0, 0, []))
        progress[plan_id] = SurveyProgress(
            survey_id=survey.id,
            title=survey.title,
            kind=survey.kind.value,
            target_rate=survey.target_rate,
            closes_at=survey.closes_at,
            eligible=eligible,
            responses=responses,
            rate=responses / eligible if eligible else 0.0,
            teams_below_target=below,
            managers_below_target=managers,
        )
        for name in managers:
            overdue[plan_id].append(
                OverdueItem(who=name, what="team response rate below target", since=survey.opens_at.date())
            )

    rows = [
        DashboardRow(**status.model_dump(), overdue=overdue[status.id], survey=progress.get(status.id))
        for status in statuses_for(session, ids, now)
    ]
    return DashboardPage(
        rows=rows,
        stage=wanted.value if wanted else None,
        page=page,
        pages=pages,
        total=total,
        counts={s.value: counts.get(s, 0) for s in Stage},
    )
