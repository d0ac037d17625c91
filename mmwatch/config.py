"""All of mmwatch's settings in one typed place.

Every setting has an embedded default that works on a fresh machine (a DuckDB file and a report
folder under ``./.mmwatch``), and can be overridden by an ``MMWATCH_*`` environment variable or by the
command line. Flows take the same names as parameters.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Annotated

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

#: The repository root: ``sql/`` and ``expectations/`` live here, next to the Python packages.
PROJECT_ROOT = Path(__file__).resolve().parent.parent
SQL_DIR = PROJECT_ROOT / "sql"
EXPECTATIONS_DIR = PROJECT_ROOT / "expectations"
SAMPLES_DIR = PROJECT_ROOT / "samples"
SCHEMA_DIR = PROJECT_ROOT / "mmwatch" / "schemas"

SEVERITIES = ("info", "medium", "high", "critical")


class Settings(BaseSettings):
    """Run-time settings; environment variables use the ``MMWATCH_`` prefix (``MMWATCH_DB`` ...)."""

    # hide_input_in_errors: a bad value (an alert URL with its token) is never echoed in an error
    model_config = SettingsConfigDict(env_prefix="MMWATCH_", extra="ignore", hide_input_in_errors=True)

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
    publish_http_base: str | None = Field(
        default=None,
        description="http(s) address serving the publish target's root (a website or CDN in front of the "
                    "bucket or folder): the Prefect UI then links report.html there; without it an s3:// "
                    "target is linked through AWS_ENDPOINT_URL when set, else shown as text",
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
    alert_min_severity: str = Field(
        default="high", description="lowest severity of a failed rule that gets an alert of its own (every "
                                    "session gets one digest whatever its findings)")
    alert_urls: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="apprise URLs the alerts go to (tgram://, slack://, discord://, ntfy://, mmost://, "
                    "json:// ...); env MMWATCH_ALERT_URLS: a JSON list or URLs separated by commas or spaces")
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

    @field_validator("alert_urls", mode="before")
    @classmethod
    def _split_urls(cls, value: object) -> object:
        """One string (an environment variable, a Secret block's value) holds several URLs."""
        if isinstance(value, str):
            text = value.strip()
            if text.startswith("["):
                return json.loads(text)
            return [u for u in re.split(r"[\s,]+", text) if u]
        return value

    @field_validator("alert_urls")
    @classmethod
    def _check_urls(cls, value: list[str]) -> list[str]:
        for url in value:
            if not re.match(r"^[A-Za-z][A-Za-z0-9+.-]*://\S", url):
                raise ValueError(f"alert_urls: not a URL (scheme://...): {url.split('://', 1)[0][:20]!r}...")
        return value

    @property
    def db_path(self) -> Path:
        return self.db if self.db is not None else self.home / "mmwatch.duckdb"

    @property
    def log_dir_path(self) -> Path:
        return self.log_dir if self.log_dir is not None else self.home / "logs"

    @property
    def out_dir(self) -> Path:
        return self.out if self.out is not None else self.home / "reports"


    # -- validation: every setting checked when the settings are made, before any log is read, so
    # a typo costs one line and exit 2 (``mmwatch.cli``), not a whole audit and a traceback
    @model_validator(mode="after")
    def _severities_known(self) -> Settings:
        """``fail_on`` and every ``*severity``/``*severities`` setting name a level of ``SEVERITIES``
        (checked by name, so an alert setting added later is covered too)."""
        for name in type(self).model_fields:
            if name != "fail_on" and not name.endswith(("severity", "severities")):
                continue
            value = getattr(self, name)
            values = [value] if isinstance(value, str) else list(value or [])
            bad = [v for v in values if v not in SEVERITIES]
            if bad:
                raise ValueError(f"{name} (MMWATCH_{name.upper()}) must be one of {', '.join(SEVERITIES)}, "
                                 f"not {bad[0]!r}")
        return self

    @field_validator("publish_url")
    @classmethod
    def _publish_url_syntax(cls, value: str | None) -> str | None:
        """The target URL's syntax (no connection made: a store that is down is not bad usage)."""
        if value:
            from mmwatch.publish.targets import PublishError, split_url

            try:
                split_url(value)
            except PublishError as exc:
                raise ValueError(str(exc)) from None
        return value or None

    @field_validator("publish_http_base", "alert_webhook_url")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if value:
            from urllib.parse import urlparse

            parsed = urlparse(value)
            if parsed.scheme not in ("http", "https") or not parsed.netloc:
                raise ValueError(f"{value!r} is not an http(s)://host/... URL")
        return value or None

    @model_validator(mode="after")
    def _no_folder_out_of_the_blue(self) -> Settings:
        """mmwatch creates its home folder and the folders the user named, never their parents: the
        parent of ``db`` (``--db``) and of ``out`` (``--out``) must exist unless it is the
        home folder (default ``.mmwatch``, created on first use when its own parent exists). A typo
        in ``--db /srv/mmwatch/x.duckdb`` is one line, not a new directory tree."""
        home = Path(os.path.abspath(self.home))
        if not home.is_dir() and not home.parent.is_dir():
            raise ValueError(f"home (MMWATCH_HOME): {home.parent} does not exist")
        for name, path in (("db", self.db), ("out", self.out)):
            if path is None or str(path) == ":memory:":
                continue
            full = Path(os.path.abspath(path))
            if full.parent.is_dir() or full.parent == home:
                continue
            raise ValueError(f"{name} (--{name}, MMWATCH_{name.upper()}): {full.parent} does not exist")
        return self

def load_settings(**overrides: object) -> Settings:
    """Settings from the environment, with the non-None ``overrides`` (CLI options, flow parameters)
    on top."""
    return Settings(**{k: v for k, v in overrides.items() if v is not None})
