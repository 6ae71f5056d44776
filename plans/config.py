"""Settings, read once from the environment (prefix ``COPRODUCE_``) with embedded defaults.

The defaults run everything on one machine: a SQLite file in the user's data directory and a Prefect
server the ``up`` and ``demo`` commands start themselves.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from platformdirs import user_data_dir
from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from plans.domain.chasing_config import LadderStep, Rung


def default_data_dir() -> Path:
    """Where the embedded database and Prefect's home live unless told otherwise."""
    return Path(user_data_dir("coproduce", appauthor=False))


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="COPRODUCE_", extra="ignore")

    data_dir: Path = Field(default_factory=default_data_dir)
    database_url: str | None = Field(default=None, description="SQLAlchemy URL; default: a SQLite file in data_dir")
    database_pool_size: int = Field(
        default=5, ge=1, description="connections each process keeps open to PostgreSQL (SQLAlchemy's pool_size)"
    )
    database_max_overflow: int = Field(
        default=10, ge=0, description="connections a process may open beyond the pool under load (max_overflow)"
    )
    database_pool_timeout: float = Field(
        default=30.0, gt=0, description="seconds a request waits for a free connection before failing"
    )
    sqlite_busy_timeout_ms: int = Field(
        default=30_000, ge=0, description="how long a SQLite connection waits for another's write lock"
    )
    wake_flows: bool = Field(
        default=True,
        description="after a decision is committed, start a run of the plan-lifecycle deployment",
    )
    lifecycle_deployment: str = "plan-lifecycle/plan-lifecycle"
    lifecycle_run_stale_minutes: float = Field(
        default=15.0,
        gt=0,
        description="a lifecycle run pending or running this long is presumed dead (its process was killed): "
        "the reconcile flow marks it Crashed and starts a fresh run; runs take seconds",
    )
    reporting_threshold: int = Field(default=11, ge=1)
    comment_threshold: int = Field(default=20, ge=1, description="fewest comments a group needs before any is shown")
    # crossed breakdowns every survey analysis adds to the single ones (JSON in the environment, e.g.
    # [["team", "ethnicity"]]); a pair naming a column the survey lacks is skipped
    analysis_crossed: tuple[tuple[str, str], ...] = ()
    # approvers past a sign-off deadline climb this ladder (JSON in the environment); "escalate" writes to
    # the plan's coordinator. A survey's teams climb the ladder in the survey's own definition instead.
    sign_off_ladder: tuple[LadderStep, ...] = (
        LadderStep(action=Rung.REMIND, after_days=0),
        LadderStep(action=Rung.REMIND, after_days=3),
        LadderStep(action=Rung.ESCALATE, after_days=3),
    )
    # formative checkpoints: evidence owners are asked this many days before a checkpoint, given at least
    # evidence_min_days to answer, and once overdue climb evidence_ladder ("escalate" writes to the coordinator)
    evidence_ask_days: int = Field(default=14, ge=0, le=90)
    evidence_min_days: int = Field(default=7, ge=1, le=60)
    evidence_ladder: tuple[LadderStep, ...] = (
        LadderStep(action=Rung.REMIND, after_days=0),
        LadderStep(action=Rung.REMIND, after_days=7),
        LadderStep(action=Rung.ESCALATE, after_days=7),
    )
    web_host: str = "127.0.0.1"
    web_port: int = 8000
    prefect_port: int = 4200
    prefect_ui_url: str | None = Field(default=None, description="link target for a plan's flow runs")
    public_url: str | None = Field(
        default=None, description="the web app's address as people reach it, for links in email; default: web_host"
    )
    # sign-in
    cookie_secure: bool = Field(default=True, description="send the session cookie over HTTPS only (localhost too)")
    session_hours: float = Field(default=8.0, gt=0, description="a browser session ends this long after sign-in")
    session_idle_minutes: float = Field(default=60.0, gt=0, description="... or after this long unused")
    # argon2id cost (RFC 9106's second recommendation by default); every hash carries its own parameters,
    # and a sign-in re-hashes a password made with other ones
    password_hash_memory_kib: int = Field(default=65536, ge=1024)
    password_hash_time_cost: int = Field(default=3, ge=1)
    sign_in_link_minutes: float = Field(default=15.0, gt=0)
    sign_in_max_failures: int = Field(default=5, ge=1, description="failed attempts per email address per window")
    sign_in_max_client_failures: int = Field(default=20, ge=1, description="failed attempts per client per window")
    sign_in_window_minutes: float = Field(default=15.0, gt=0)
    # email: messages wait in the outbox until an SMTP server is configured
    smtp_host: str | None = None
    smtp_port: int = 25
    smtp_username: str | None = None
    smtp_password: str | None = None
    smtp_starttls: bool = False
    smtp_timeout_seconds: float = 10.0
    mail_from: str = "coproduce <coproduce@localhost>"
    delivery_batch: int = Field(default=500, ge=1, description="messages a sender claims at a time")
    delivery_connections: int = Field(
        default=4, ge=1, description="SMTP connections a delivery run uses at once (one sender on each)"
    )
    delivery_lease_seconds: float = Field(
        default=300.0,
        gt=0,
        description="a sender's claim on a batch; a sender that dies leaves its messages to others after this",
    )
    # retention (docs/retention.md): a survey's invitations, team links and emails to staff are deleted this
    # many days after it closes, and a staff list once no survey needs it and this many days have passed
    # since its last import and its organisation's last survey close; responses and findings are kept
    personal_data_retention_days: int = Field(
        default=90,
        ge=1,
        le=3650,
        description="days after a survey closes before its personal data (tokens, staff emails, staff list) goes",
    )
    # survey links are derived from this secret (HMAC), so the database holds only their hashes; keep it
    # stable while a survey is open, or links in reminders stop matching the invitations' hashes
    secret_key: str | None = Field(default=None, description="default: a random key kept in data_dir/secret_key")

    @field_validator("sign_off_ladder", "evidence_ladder")
    @classmethod
    def _no_league_table_for_approvers(cls, ladder: tuple[LadderStep, ...]) -> tuple[LadderStep, ...]:
        if any(step.action is Rung.NAME for step in ladder):
            raise ValueError("'name' is for survey teams (the league table); use remind or escalate")
        return ladder

    def resolved_public_url(self) -> str:
        """Where people reach the web app, without a trailing slash."""
        return (self.public_url or f"http://{self.web_host}:{self.web_port}").rstrip("/")

    def resolved_secret_key(self) -> bytes:
        """The server secret: the configured one, or a random one created once in ``data_dir``."""
        if self.secret_key:
            return self.secret_key.encode()
        path = self.data_dir / "secret_key"
        if not path.exists():
            # written whole under a private name, then linked into place: processes starting together (the
            # web app, served flows) either create it or read the one that won, never a half-written file
            self.data_dir.mkdir(parents=True, exist_ok=True)
            draft = self.data_dir / f".secret_key.{os.getpid()}.{secrets.token_hex(4)}"
            fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as f:
                f.write(secrets.token_urlsafe(48))
            try:
                os.link(draft, path)
            except FileExistsError:
                pass
            finally:
                draft.unlink()
        return path.read_text().strip().encode()

    def resolved_database_url(self) -> str:
        """The database URL in force: the configured one, or the embedded SQLite file."""
        if self.database_url:
            return self.database_url
        self.data_dir.mkdir(parents=True, exist_ok=True)
        return f"sqlite:///{self.data_dir / 'coproduce.db'}"


settings = Settings()
