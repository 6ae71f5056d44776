"""Settings, read once from the environment (prefix ``COPRODUCE_``) with embedded defaults.

The defaults run everything on one machine: a SQLite file in the user's data directory and a Prefect
server the ``up`` and ``demo`` commands start themselves.
"""

from __future__ import annotations

from pathlib import Path

from platformdirs import user_data_dir
from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


def default_data_dir() -> Path:
    """Where the embedded database and Prefect's home live unless told otherwise."""
    return Path(user_data_dir("coproduce", appauthor=False))


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="COPRODUCE_", extra="ignore")

    data_dir: Path = Field(default_factory=default_data_dir)
    database_url: str | None = Field(default=None, description="SQLAlchemy URL; default: a SQLite file in data_dir")
    wake_flows: bool = Field(
        default=True,
        description="after a decision is committed, start a run of the plan-lifecycle deployment",
    )
    lifecycle_deployment: str = "plan-lifecycle/plan-lifecycle"
    reporting_threshold: int = Field(default=11, ge=1)
    web_host: str = "127.0.0.1"
    web_port: int = 8000
    prefect_port: int = 4200
    prefect_ui_url: str | None = Field(default=None, description="link target for a plan's flow runs")

    def resolved_database_url(self) -> str:
        """The database URL in force: the configured one, or the embedded SQLite file."""
        if self.database_url:
            return self.database_url
        self.data_dir.mkdir(parents=True, exist_ok=True)
        return f"sqlite:///{self.data_dir / 'coproduce.db'}"


settings = Settings()
