"""Live alerts: one JSON record per alert, kept three ways so that none is lost.

A file in ``<out>/live_alerts/`` (readable without any tool), a row of DuckDB table ``live_alerts``
(queryable with the audit tables), and a POST to ``settings.alert_webhook_url`` when set (a
Slack-compatible ``{"text": ...}`` payload that also carries the record under ``"alert"``). A webhook
that fails is reported in the record's ``delivery``, never fatal: the bot keeps being supervised.

What an alert carries from the bot (its stderr, the summary quoting it, evidence lines) is masked
(``mmwatch.masking``) in ``record`` and ``text``, the only two ways out: a start-up failure's
stderr may well echo the private key it could not parse.
"""

from __future__ import annotations

import json
import re
import urllib.request
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb

from mmwatch.ingest import connect_waiting
from mmwatch.masking import mask_secrets, mask_text
from mmwatch.store import read_sql

WEBHOOK_TIMEOUT_S = 5.0
_SAFE = re.compile(r"[^A-Za-z0-9_.-]+")


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

    @property
    def alert_id(self) -> str:
        return f"{self.supervise_id}-r{self.run_no}-{self.rule_id}"

    def record(self) -> dict[str, Any]:
        """The alert as JSON, masked."""
        return mask_secrets({
            "alert_id": self.alert_id, "kind": "live", "supervise_id": self.supervise_id,
            "run_no": self.run_no,
            "rule_id": self.rule_id, "severity": self.severity, "title": self.title, "summary": self.summary,
            "log_file": self.log_file, "source_id": self.source_id, "detected_at": self.detected_at,
            "exit_code": self.exit_code, "stderr": self.stderr, "evidence": self.evidence,
        })

    def text(self) -> str:
        """The one-line notification, masked."""
        return mask_text(f"[{self.severity.upper()}] {self.title}: {self.summary} (run {self.run_no}, "
                         f"{self.log_file})")


def ensure_table(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(read_sql("live/live_alerts_table.sql"))


def _post(url: str, payload: dict[str, Any]) -> str:
    req = urllib.request.Request(url, data=json.dumps(payload).encode(), method="POST",
                                 headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=WEBHOOK_TIMEOUT_S) as resp:
            return f"webhook {resp.status}"
    except Exception as exc:  # noqa: BLE001 - any network failure is reported, never fatal
        return f"webhook failed: {exc}"


def deliver(alert: LiveAlert, out_dir: Path, db_path: Path, webhook_url: str | None,
            con: duckdb.DuckDBPyConnection | None = None) -> dict[str, Any]:
    """Write the alert file, the DuckDB row, POST the webhook; return the record as written."""
    record = alert.record()
    payload = {"text": alert.text(), "alert": alert.record()}
    record["delivery"] = mask_text(_post(webhook_url, payload)) if webhook_url else None
    folder = out_dir / "live_alerts"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{_SAFE.sub('_', alert.alert_id)}.json").write_text(json.dumps(record, indent=2) + "\n")
    own = con is None
    con = con if con is not None else connect_waiting(db_path)
    try:
        ensure_table(con)
        con.execute(
            "insert or replace into live_alerts values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [alert.alert_id, alert.supervise_id, alert.run_no, alert.rule_id, alert.severity, record["title"],
             record["summary"], alert.log_file, alert.source_id, alert.detected_at,
             json.dumps(record["evidence"]), json.dumps(record)],
        )
    finally:
        if own:
            con.close()
    return record
