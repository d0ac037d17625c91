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
    publish_url: str | None = Field(default=None, description="s3://bucket/prefix or file:///path; None: not "
                                    "published (make demo passes file://<cwd>/.mmwatch/published)")
    publish_deadline_s: float = Field(
        default=60.0, gt=0,
        description="longest time one audit spends publishing; what is left waits in the outbox for the next "
                    "audit or `mmwatch publish --retry` (a hanging store held an audit ~6 min before)",
    )
    read_block_bytes: int = Field(
        default=16 * 1024 * 1024,
        description="bytes read per ingest step; 16 MiB keeps a 1 GB audit under 1 GB RSS (32 MiB: 1.05 GB)",
    )
    duckdb_memory_limit: str = Field(
        default="512MB", pattern=r"^\d+(\.\d+)?\s*(KB|MB|GB|TB|KiB|MiB|GiB|TiB)$",
        description="DuckDB buffer pool cap (it spills to disk beyond); DuckDB's own default is 80% of RAM",
    )
    fail_on: str = Field(default="critical", description="lowest severity of a failed rule that exits 1")
    alert_min_severity: str = Field(default="high", description="lowest severity that raises an alert")
    alert_webhook_url: str | None = Field(default=None, description="Slack-compatible webhook for alerts")
    alert_block: str | None = Field(default=None, description="Prefect notification block name for alerts")
    # rule engine (`expectations/`, `sql/rules/`) and alert delivery
    expectations_dir: Path = Field(default=EXPECTATIONS_DIR, description="folder of the GX suite JSON files")
    data_docs: bool = Field(default=True, description="write the GX Data Docs site beside each report")
    alert_attempts: int = Field(default=3, ge=1, description="delivery attempts per alert notification")
    alert_backoff_s: float = Field(default=0.5, ge=0, description="first retry delay; doubles each attempt")
    alert_timeout_s: float = Field(default=5.0, gt=0, description="HTTP timeout of one delivery attempt")
    # supervision (`mmwatch supervise`, flow supervise-bot)
    log_dir: Path | None = Field(default=None, description="per-run bot logs; default <home>/logs")
    pull_every_s: float = Field(default=5.0, gt=0, description="seconds between live pulls of the bot's log")
    stale_after_s: float = Field(default=120.0, gt=0, description="no new log bytes this long: alert")
    max_restarts: int = Field(default=3, ge=0, description="restarts after a crash or start-up failure")
    restart_backoff_s: float = Field(default=5.0, ge=0, description="first restart delay; doubles each time")
    restart_backoff_max_s: float = Field(default=300.0, ge=0, description="longest restart delay")
    shutdown_timeout_s: float = Field(default=30.0, gt=0, description="graceful stop wait before SIGKILL")
    live_error_burst: int = Field(default=10, ge=1, description="ERROR lines within the window = a burst")
    live_error_window_s: float = Field(default=60.0, gt=0, description="window of the ERROR burst rule")
    live_headroom_pct: float = Field(default=5.0, description="rate-limit headroom (%) under this alerts")

    @property
    def db_path(self) -> Path:
        return self.db if self.db is not None else self.home / "mmwatch.duckdb"

    @property
    def log_dir_path(self) -> Path:
        return self.log_dir if self.log_dir is not None else self.home / "logs"

    @property
    def out_dir(self) -> Path:
        return self.out if self.out is not None else self.home / "reports"


def load_settings(**overrides: object) -> Settings:
    """Settings from the environment, with the non-None ``overrides`` (CLI options, flow parameters)
    on top."""
    return Settings(**{k: v for k, v in overrides.items() if v is not None})
