"""All SQL of a survey's analysis: its stored responses read as the analysis's responses frame, the
eligible headcounts per organisational group, and the results written back.

**Reading.** One row per response, built without a Python loop per response, in the way
``bench/analysis_frame.py`` measured fastest on each database (figures in docs/performance.md):

* PostgreSQL: each question and demographic extracted in SQL (``answers ->> 'Q1'``) and the rows streamed
  by COPY as CSV into a temporary file, which Polars reads;
* SQLite: the answers and demographics as JSON text, fetched in batches, each batch read by Polars as
  NDJSON (``json_extract`` per key in SQL was slower, and so was ``str.json_decode``).

Each response's team gets its place from one recursive query over the organisation's teams:

* ``team``: the response's team code;
* ``directorate``: the code of the team's top-level ancestor (a team with no parent is its own
  directorate), at any depth;
* ``organisation``: the organisation's code.

Levels in between are not reported: a sub-directorate between the top-level directorate and the team
is neither a breakdown of its own nor visible in the frame (the responses frame holds three nested
levels). Its teams are still counted in the directorate above it and as teams.

Multiple-choice questions are left out of the frame: a response may tick several answers, so they have
no % positive and the analysis does not read them.

**Writing.** A re-analysis replaces the survey's earlier rows in the same transaction (delete, then
insert), so readers see the old analysis or the new one, never a mix. Many rows go in as one
executemany of plain dicts; on PostgreSQL, COPY when there are many (a national survey's crossed
breakdowns reach millions of rows).
"""

from __future__ import annotations

import io
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import polars as pl
from sqlalchemy import delete, func, insert, select, text
from sqlalchemy.orm import Session

from plans.models import (
    Organisation,
    Plan,
    Survey,
    SurveyAnalysis,
    SurveyGroupFinding,
    SurveyResponseRate,
    SurveySectionFinding,
    SurveyTeam,
)

HIERARCHY = ("organisation", "directorate", "team")
KEY = "__team_id"  # the response's team while it is placed (a question may well be called team_id)
NOT_IN_FRAME = frozenset({"multiple_choice"})
BATCH = 50_000
# above this many rows, PostgreSQL takes them by COPY (a few thousand go as fast by executemany)
COPY_FROM = 20_000

_TEAM_PLACES = text(
    """
    WITH RECURSIVE tree(id, root_id) AS (
        SELECT id, id FROM teams WHERE organisation_id = :org AND parent_id IS NULL
        UNION
        SELECT t.id, tree.root_id FROM teams t JOIN tree ON t.parent_id = tree.id
    )
    SELECT t.id, t.code, COALESCE(r.code, t.code)
    FROM teams t LEFT JOIN tree ON tree.id = t.id LEFT JOIN teams r ON r.id = tree.root_id
    WHERE t.organisation_id = :org
    """
)


@dataclass(frozen=True)
class FrameColumns:
    """The survey's columns in the responses frame, beyond the three organisational ones."""

    demographics: tuple[str, ...]
    questions: tuple[str, ...]


def frame_columns(survey: Survey) -> FrameColumns:
    """The demographics (the definition's order) and the questions (the survey's order) a frame holds."""
    demographics = tuple(str(d["id"]) for d in (survey.definition or {}).get("demographics") or ())
    questions = tuple(str(q["id"]) for q in survey.questions if q.get("type") not in NOT_IN_FRAME)
    clash = sorted(set(demographics) & set(HIERARCHY))
    if clash:
        raise ValueError(f"survey {survey.id}: demographic id {clash[0]!r} is also an organisational column's name")
    return FrameColumns(demographics, questions)


class AnalysisRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def _organisation(self, survey_id: int) -> tuple[Survey, int, str]:
        row = self.session.execute(
            select(Survey, Organisation.id, Organisation.code)
            .join(Plan, Plan.id == Survey.plan_id)
            .join(Organisation, Organisation.id == Plan.organisation_id)
            .where(Survey.id == survey_id)
        ).first()
        if row is None:
            raise LookupError(f"no survey with id {survey_id}")
        return row[0], int(row[1]), str(row[2])

    def team_places(self, organisation_id: int, organisation_code: str) -> pl.DataFrame:
        """team_id, team, directorate, organisation for every team of the organisation (one query)."""
        rows = self.session.execute(_TEAM_PLACES, {"org": organisation_id}).all()
        return pl.DataFrame(
            rows, schema={"team_id": pl.Int64, "team": pl.String, "directorate": pl.String}, orient="row"
        ).with_columns(organisation=pl.lit(organisation_code, pl.String))

    def responses_frame(self, survey_id: int) -> pl.DataFrame:
        """The survey's responses as the analysis reads them: team, directorate, organisation, one String
        column per demographic and per question (null where not answered)."""
        survey, org_id, org_code = self._organisation(survey_id)
        columns = frame_columns(survey)
        if self.session.get_bind().dialect.name == "postgresql":
            raw = self._copied(survey_id, columns)
        else:
            raw = pl.concat(self._json_batches(survey_id, columns), how="vertical")
        places = self.team_places(org_id, org_code).rename({"team_id": KEY})
        frame = raw.join(places, on=KEY, how="left")
        lost = frame.filter(pl.col("team").is_null())
        if lost.height:
            raise ValueError(
                f"survey {survey_id}: responses of team id {lost[KEY][0]} are outside organisation {org_code}"
            )
        return frame.select(*HIERARCHY[::-1], *columns.demographics, *columns.questions)

    def _copied(self, survey_id: int, columns: FrameColumns) -> pl.DataFrame:
        """PostgreSQL: each key extracted in SQL (``->>``) and the rows streamed by COPY as CSV into a
        temporary file that Polars reads: no Python object per response or value, and the text waits on
        disk rather than in memory beside the frame."""
        from psycopg import sql

        fields: list[sql.Composable] = [sql.SQL("team_id")]
        fields += [sql.SQL("answers ->> {}").format(sql.Literal(q)) for q in columns.questions]
        fields += [sql.SQL("demographics ->> {}").format(sql.Literal(d)) for d in columns.demographics]
        query = sql.SQL("COPY (SELECT {} FROM survey_responses WHERE survey_id = {}) TO STDOUT (FORMAT csv)").format(
            sql.SQL(", ").join(fields), sql.Literal(survey_id)
        )
        schema = {KEY: pl.Int64, **{c: pl.String for c in (*columns.questions, *columns.demographics)}}
        dbapi: Any = self.session.connection().connection.driver_connection
        with tempfile.TemporaryFile() as spool:
            with dbapi.cursor() as cursor, cursor.copy(query) as copy:
                for block in copy:
                    spool.write(block)
            if spool.tell() == 0:
                return pl.DataFrame(schema=schema)
            spool.seek(0)
            return pl.read_csv(spool, has_header=False, new_columns=list(schema), schema=schema)

    def _json_batches(self, survey_id: int, columns: FrameColumns) -> list[pl.DataFrame]:
        """SQLite: the answers and demographics as JSON text, in batches from the cursor, each batch
        decoded by Polars as it arrives."""
        cursor: Any = self.session.connection().connection.driver_connection.cursor()  # type: ignore[union-attr]
        batches = []
        try:
            cursor.execute(
                "SELECT team_id, answers, demographics FROM survey_responses WHERE survey_id = ?", (survey_id,)
            )
            while rows := cursor.fetchmany(BATCH):
                batches.append(_decode(rows, columns))
        finally:
            cursor.close()
        return batches or [_decode([], columns)]

    def eligible_by_group(self, survey_id: int) -> pl.DataFrame:
        """breakdown (organisation, directorate, team), group, eligible: the headcounts fixed when the
        survey opened (``survey_teams``), summed up the same hierarchy the responses frame uses."""
        _, org_id, org_code = self._organisation(survey_id)
        rows = self.session.execute(
            select(SurveyTeam.team_id, SurveyTeam.eligible).where(SurveyTeam.survey_id == survey_id)
        ).all()
        snapshot = pl.DataFrame(rows, schema={"team_id": pl.Int64, "eligible": pl.Int64}, orient="row")
        placed = snapshot.join(self.team_places(org_id, org_code), on="team_id", how="inner")
        return pl.concat(
            [
                placed.group_by(level)
                .agg(pl.col("eligible").sum())
                .select(pl.lit(level).alias("breakdown"), pl.col(level).alias("group"), "eligible")
                for level in HIERARCHY
            ]
        ).sort("breakdown", "group")

    def analysis(self, survey_id: int) -> SurveyAnalysis | None:
        """The survey's stored analysis run, if it has one."""
        return self.session.scalar(select(SurveyAnalysis).where(SurveyAnalysis.survey_id == survey_id))

    def unanalysed_surveys(self, plan_id: int) -> list[int]:
        """The plan's closed surveys with no stored analysis, oldest first (a baseline before its repeat)."""
        stmt = (
            select(Survey.id)
            .outerjoin(SurveyAnalysis, SurveyAnalysis.survey_id == Survey.id)
            .where(Survey.plan_id == plan_id, Survey.closed_at.is_not(None), SurveyAnalysis.id.is_(None))
            .order_by(Survey.id)
        )
        return list(self.session.scalars(stmt))

    def group_findings(
        self, survey_id: int, breakdowns: Sequence[str] | None = None, groups: Sequence[str] | None = None
    ) -> pl.DataFrame:
        """The stored findings (breakdown, group, question, respondents, n, positive, pct_positive, ci_low,
        ci_high, suppressed; n null where hidden), of these breakdowns (and group labels) or all; in order."""
        g = SurveyGroupFinding
        stmt = select(
            g.breakdown,
            g.group_label,
            g.question_id,
            g.respondents,
            g.n,
            g.positive,
            g.pct_positive,
            g.ci_low,
            g.ci_high,
            g.suppressed,
        ).where(g.survey_id == survey_id)
        if breakdowns is not None:
            stmt = stmt.where(g.breakdown.in_(breakdowns))
        if groups is not None:
            stmt = stmt.where(g.group_label.in_(groups))
        schema = {
            "breakdown": pl.String,
            "group": pl.String,
            "question": pl.String,
            "respondents": pl.Int64,
            "n": pl.Int64,
            "positive": pl.Int64,
            "pct_positive": pl.Float64,
            "ci_low": pl.Float64,
            "ci_high": pl.Float64,
            "suppressed": pl.Boolean,
        }
        return pl.DataFrame(self.session.execute(stmt.order_by(g.id)).all(), schema=schema, orient="row")

    def heatmap_groups(self, survey_id: int, limit: int) -> list[tuple[str, str]]:
        """The first ``limit`` (breakdown, group) of the directorates then the teams, by code."""
        g = SurveyGroupFinding
        stmt = (
            select(g.breakdown, g.group_label)
            .where(g.survey_id == survey_id, g.breakdown.in_(("directorate", "team")))
            .distinct()
            .order_by(g.breakdown, g.group_label)  # "directorate" sorts before "team"
            .limit(limit)
        )
        return [(b, label) for b, label in self.session.execute(stmt)]

    def group_count(self, survey_id: int, breakdowns: Sequence[str]) -> int:
        """How many groups these breakdowns have stored."""
        g = SurveyGroupFinding
        inner = (
            select(g.breakdown, g.group_label)
            .where(g.survey_id == survey_id, g.breakdown.in_(breakdowns))
            .distinct()
            .subquery()
        )
        return int(self.session.scalar(select(func.count()).select_from(inner)) or 0)

    def section_findings(self, survey_id: int, breakdown: str) -> pl.DataFrame:
        """The stored section means of one breakdown (group, section, questions, mean_pct_positive,
        suppressed), in storage order."""
        f = SurveySectionFinding
        stmt = select(f.group_label, f.section_id, f.questions, f.mean_pct_positive, f.suppressed).where(
            f.survey_id == survey_id, f.breakdown == breakdown
        )
        schema = {
            "group": pl.String,
            "section": pl.String,
            "questions": pl.Int64,
            "mean_pct_positive": pl.Float64,
            "suppressed": pl.Boolean,
        }
        return pl.DataFrame(self.session.execute(stmt.order_by(f.id)).all(), schema=schema, orient="row")

    def response_rates(self, survey_id: int) -> pl.DataFrame:
        """The stored response rates (breakdown, group, responses, eligible, rate)."""
        r = SurveyResponseRate
        stmt = select(r.breakdown, r.group_label, r.responses, r.eligible, r.rate).where(r.survey_id == survey_id)
        schema = {
            "breakdown": pl.String,
            "group": pl.String,
            "responses": pl.Int64,
            "eligible": pl.Int64,
            "rate": pl.Float64,
        }
        return pl.DataFrame(self.session.execute(stmt.order_by(r.id)).all(), schema=schema, orient="row")

    def replace_results(
        self,
        *,
        survey_id: int,
        run: dict[str, Any],
        findings: pl.DataFrame,
        sections: pl.DataFrame,
        rates: pl.DataFrame,
    ) -> None:
        """Store one analysis of the survey, replacing any earlier one (all or nothing: the caller's
        transaction). ``findings`` has the pipeline's columns plus an optional ``change`` struct;
        ``sections`` the pipeline's; ``rates`` breakdown, group, eligible, responses, rate and ``change``."""
        for model in (SurveyGroupFinding, SurveySectionFinding, SurveyResponseRate, SurveyAnalysis):
            self.session.execute(delete(model).where(model.survey_id == survey_id))
        self.session.execute(insert(SurveyAnalysis), [{"survey_id": survey_id, **run}])
        group_rows = findings.select(
            pl.lit(survey_id, pl.Int64).alias("survey_id"),
            "breakdown",
            pl.col("group").alias("group_label"),
            pl.col("question").alias("question_id"),
            "respondents",
            "n",
            "positive",
            "pct_positive",
            "ci_low",
            "ci_high",
            "suppressed",
            "reason",
            "distribution",
            _json_or_null(findings, "change"),
        )
        section_rows = sections.select(
            pl.lit(survey_id, pl.Int64).alias("survey_id"),
            "breakdown",
            pl.col("group").alias("group_label"),
            pl.col("section").alias("section_id"),
            "questions",
            "mean_pct_positive",
            "suppressed",
        )
        rate_rows = rates.select(
            pl.lit(survey_id, pl.Int64).alias("survey_id"),
            "breakdown",
            pl.col("group").alias("group_label"),
            "eligible",
            "responses",
            "rate",
            _json_or_null(rates, "change"),
        )
        self._bulk_insert(SurveyGroupFinding, group_rows, json_columns=("distribution", "change"))
        self._bulk_insert(SurveySectionFinding, section_rows, json_columns=())
        self._bulk_insert(SurveyResponseRate, rate_rows, json_columns=("change",))
        self.session.flush()

    def _bulk_insert(self, model: Any, rows: pl.DataFrame, json_columns: Sequence[str]) -> None:
        """Many rows at once: one executemany of plain dicts, or COPY on PostgreSQL when there are many."""
        if rows.is_empty():
            return
        conn = self.session.connection()
        if conn.dialect.name == "postgresql" and rows.height >= COPY_FROM:
            as_text = rows.with_columns(_json_text(rows, c) for c in json_columns)
            buf = io.BytesIO()
            as_text.write_csv(buf, include_header=False)
            cols = ", ".join(f'"{c}"' for c in rows.columns)
            dbapi: Any = conn.connection.driver_connection
            with (
                dbapi.cursor() as cursor,
                cursor.copy(f"COPY {model.__tablename__} ({cols}) FROM STDIN (FORMAT csv)") as copy,
            ):
                copy.write(buf.getvalue())
            return
        # struct columns come out of to_dicts as dicts and lists as lists: the JSON type encodes them
        conn.execute(insert(model), rows.to_dicts())


def _json_or_null(frame: pl.DataFrame, column: str) -> pl.Expr:
    """The column if the frame has it (a struct per row, or null), else a null column."""
    if column in frame.columns:
        return pl.col(column)
    return pl.lit(None).alias(column)


def _json_text(rows: pl.DataFrame, column: str) -> pl.Expr:
    """A list or struct column as JSON text for COPY (null stays null, not the text 'null')."""
    dtype = rows.schema[column]
    if isinstance(dtype, pl.List):
        text_ = pl.lit("[") + pl.col(column).cast(pl.List(pl.String)).list.join(",") + pl.lit("]")
    elif isinstance(dtype, pl.Struct):
        text_ = pl.col(column).struct.json_encode()
    else:
        return pl.col(column).cast(pl.String)
    return pl.when(pl.col(column).is_not_null()).then(text_).otherwise(None).alias(column)


def _decode(rows: Sequence[tuple[int, str, str]], columns: FrameColumns) -> pl.DataFrame:
    """A batch of (team_id, answers JSON, demographics JSON) as team_id and one String column per question
    and demographic. JSON text never holds a raw line break (both databases and ``json.dumps`` escape
    it), so a batch's texts joined by newlines are NDJSON, which Polars reads about five times faster than
    ``str.json_decode`` decodes the same column (bench/analysis_frame.py); keys not asked for (multiple
    choice) are skipped, keys not answered come out null."""
    team_ids, answers, demographics = zip(*rows, strict=True) if rows else ((), (), ())
    parts = [pl.DataFrame({KEY: pl.Series(team_ids, dtype=pl.Int64)})]
    for texts, keys in ((answers, columns.questions), (demographics, columns.demographics)):
        schema = {k: pl.String for k in keys}
        if keys and texts:
            parts.append(pl.read_ndjson(io.BytesIO("\n".join(texts).encode()), schema=schema))
        elif keys:
            parts.append(pl.DataFrame(schema=schema))
    return pl.concat(parts, how="horizontal")
