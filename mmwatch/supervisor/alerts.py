"""Live alerts: immediate, once per condition and run, through the one outbound path of all alerts.

A live alert (kill switch, crash, start-up failure, restart limit, untracked fill, stale log ...) is a
record of the common shape (``mmwatch.alerts.records``, kind ``live``) and goes out like any
other (``mmwatch.alerts.delivery``: apprise URLs, the JSON webhook, a Prefect notification block,
retries and timeouts), plus a Prefect event ``mmwatch.live.<condition>`` when a Prefect API is
configured. It is also kept where no tool is needed: a file in ``<out>/live_alerts/`` and a row of
DuckDB table ``live_alerts`` (queryable with the audit tables). A channel that fails is reported in
the record (``delivery``: one line; ``deliveries``: per channel), never fatal: the bot keeps being
supervised. Deduplication per run is the caller's (``LiveWatch.alerted``).

What an alert carries from the bot (its stderr, the summary quoting it, evidence lines) is masked
before anything leaves: a start-up failure's stderr may well echo the private key it could not parse.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb

from mmwatch.alerts.delivery import deliver as deliver_record
from mmwatch.alerts.delivery import delivery_line, write_record
from mmwatch.alerts.records import alert_record, message_text
from mmwatch.config import Settings, load_settings
from mmwatch.ingest import connect_waiting
from mmwatch.masking import mask_secrets
from mmwatch.store import read_sql


def _identity(log_file: str | None) -> tuple[str | None, str | None]:
    """(network, asset) from the run's log file name, when the bot scripts named it."""
    if not log_file:
        return None, None
    from mmwatch.report.build import identity_from_filename

    return identity_from_filename(log_file)


@dataclass
class LiveAlert:
    supervise_id: str
    run_no: int
    rule_id: str
    severity: str
    title: str
    summary: str
    log_file: str | None = None
    source_id: str | None = None
    evidence: list[dict[str, Any]] = field(default_factory=list)
    exit_code: int | None = None
    stderr: str | None = None
    detected_at: str = field(default_factory=lambda: datetime.now(UTC).isoformat())
    mode: str | None = None

    @property
    def alert_id(self) -> str:
        return f"{self.supervise_id}-r{self.run_no}-{self.rule_id}"

    def record(self) -> dict[str, Any]:
        """The alert as a record of the common shape, masked."""
        network, asset = _identity(self.log_file)
        return alert_record(
            "live", self.alert_id, self.rule_id, self.severity, self.title, self.summary,
            asset=asset, network=network, mode=self.mode,
            supervise_id=self.supervise_id, run_no=self.run_no, log_file=self.log_file,
            source_id=self.source_id, detected_at=self.detected_at, exit_code=self.exit_code,
            stderr=self.stderr, evidence=self.evidence,
        )

    def text(self) -> str:
        """The notification text, masked."""
        return message_text(self.record())


def ensure_table(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(read_sql("live/live_alerts_table.sql"))


def _settings(channels: Settings | str | None) -> Settings:
    """The delivery settings: the supervisor's own, or (a caller that passes only a webhook URL) the
    environment's with that webhook."""
    if isinstance(channels, Settings):
        return channels
    base = load_settings()
    return base.model_copy(update={"alert_webhook_url": channels})


def deliver(alert: LiveAlert, out_dir: Path, db_path: Path, channels: Settings | str | None,
            con: duckdb.DuckDBPyConnection | None = None) -> dict[str, Any]:
    """Send the alert on every channel, write its file and its DuckDB row; return the record as written.

    ``channels``: the settings (apprise URLs, webhook, block, retries), or a webhook URL alone (the
    other channels then come from the environment)."""
    record = alert.record()
    deliveries = deliver_record(record, _settings(channels))
    record["delivery"] = delivery_line(deliveries)
    record["deliveries"] = [asdict(d) for d in deliveries]
    record = mask_secrets(record)
    write_record(out_dir / "live_alerts", record, name=alert.alert_id)
    own = con is None
    con = con if con is not None else connect_waiting(db_path)
    try:
        ensure_table(con)
        con.execute(
            "insert or replace into live_alerts values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [alert.alert_id, alert.supervise_id, alert.run_no, alert.rule_id, alert.severity, record["title"],
             record["summary"], alert.log_file, alert.source_id, alert.detected_at,
             json.dumps(record["evidence"]), json.dumps(record, default=str)],
        )
    finally:
        if own:
            con.close()
    return record
