"""All of mmwatch's settings in one typed place.

Every setting has an embedded default that works on a fresh machine (a DuckDB file and a report
folder under ``./.mmwatch``), and can be overridden by an ``MMWATCH_*`` environment variable or by the
command line. Flows take the same names as parameters.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

#: The repository root: ``sql/`` and ``expectations/`` live here, next to the Python packages.
PROJECT_ROOT = Path(__file__).resolve().parent.parent
SQL_DIR = PROJECT_ROOT / "sql"
EXPECTATIONS_DIR = PROJECT_ROOT / "expectations"
SAMPLES_DIR = PROJECT_ROOT / "samples"
SCHEMA_DIR = PROJECT_ROOT / "mmwatch" / "schemas"

SEVERITIES = ("info", "medium", "high", "critical")


class Settings(BaseSettings):
    """Run-time settings; environment variables use the ``MMWATCH_`` prefix (``MMWATCH_DB`` ...)."""

    model_config = SettingsConfigDict(env_prefix="MMWATCH_", extra="ignore")

    home: Path = Field(default=Path(".mmwatch"), description="working folder for the embedded defaults")
    db: Path | None = Field(default=None, description="DuckDB file; default <home>/mmwatch.duckdb")
    out: Path | None = Field(default=None, description="report folder; default <home>/reports")
    publish_url: str | None = Field(default=None, description="s3://bucket/prefix or file:///path")
    read_block_bytes: int = Field(default=32 * 1024 * 1024, description="bytes read per ingest step")
    fail_on: str = Field(default="critical", description="lowest severity of a failed rule that exits 1")
    alert_min_severity: str = Field(default="high", description="lowest severity that raises an alert")
    alert_webhook_url: str | None = Field(default=None, description="Slack-compatible webhook for alerts")
    alert_block: str | None = Field(default=None, description="Prefect notification block name for alerts")

    @property
    def db_path(self) -> Path:
        return self.db if self.db is not None else self.home / "mmwatch.duckdb"

    @property
    def out_dir(self) -> Path:
        return self.out if self.out is not None else self.home / "reports"


def load_settings(**overrides: object) -> Settings:
    """Settings from the environment, with the non-None ``overrides`` (CLI options, flow parameters) on top."""
    return Settings(**{k: v for k, v in overrides.items() if v is not None})
