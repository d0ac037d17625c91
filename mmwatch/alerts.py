"""Alerts for failed rules: a JSON record per rule, a notification, and a row in table ``alerts``.

Every failed rule at or above ``alert_min_severity`` yields one alert record. It is sent to a
plain webhook (Slack-compatible body: ``{"text": ...}`` plus the record's fields) and/or a Prefect
notification block, retried a few times with a doubling backoff. Whatever happens, the record is
written to ``<report_dir>/alerts/<RULE>.json`` and to table ``alerts`` with ``delivered`` and the
last error: an alert is never silently dropped. An alert already delivered for the same session
and rule is not sent again on a re-audit (a growing live log is re-audited often); an undelivered
one is retried.

A record quotes the log (a rule's summary, its observed value): it is masked like a published
report (``mmwatch.masking``) when it is made, so no channel, file or table row sees a secret.
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb

from mmwatch.config import SEVERITIES, SQL_DIR, Settings
from mmwatch.masking import mask_secrets, mask_text

NO_CHANNEL = "no alert channel configured (alert_webhook_url / alert_block)"


@dataclass
class Delivery:
    channel: str | None
    delivered: bool
    attempts: int
    error: str | None


def alert_records(report: dict[str, Any], report_link: str | None, min_severity: str) -> list[dict[str, Any]]:
    """One record per failed rule of ``report`` whose severity is ``min_severity`` or above, masked."""
    if min_severity not in SEVERITIES:
        raise ValueError(f"alert_min_severity must be one of {', '.join(SEVERITIES)}, not {min_severity!r}")
    floor = SEVERITIES.index(min_severity)
    session = report["session"]
    now = datetime.now(UTC).isoformat().replace("+00:00", "Z")
    return [
        mask_secrets({
            "alert_id": f"{session['id']}:{rule['id']}",
            "session": session["id"],
            "asset": session.get("asset"),
            "network": session.get("network"),
            "rule": rule["id"],
            "title": rule.get("title"),
            "severity": rule["severity"],
            "observed": rule.get("observed"),
            "threshold": rule.get("threshold"),
            "summary": rule.get("summary"),
            "remediation": rule.get("remediation"),
            "report_link": report_link,
            "created_at": now,
        })
        for rule in report.get("rules", [])
        if rule.get("passed") is False and SEVERITIES.index(rule["severity"]) >= floor
    ]


def message_text(record: dict[str, Any]) -> str:
    """The one-paragraph text of a notification (Slack mrkdwn)."""
    where = " ".join(str(x) for x in (record.get("network"), record.get("asset")) if x)
    text = (f"[{record['severity'].upper()}] {record['rule']} failed in session {record['session']}"
            f"{f' ({where})' if where else ''}: {record.get('summary') or ''} "
            f"(observed {record.get('observed')}, threshold {record.get('threshold')})")
    if record.get("report_link"):
        text += f"\nReport: {record['report_link']}"
    return mask_text(text)


def webhook_body(record: dict[str, Any]) -> dict[str, Any]:
    """Slack-compatible JSON: ``text`` for Slack, the record's fields for any other receiver."""
    return {"text": message_text(record), **mask_secrets(record)}


def post_json(url: str, body: dict[str, Any], timeout_s: float) -> None:
    """POST ``body`` as JSON; raise on a network error or a non-2xx answer."""
    request = urllib.request.Request(url, data=json.dumps(body).encode("utf-8"), method="POST",
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=timeout_s) as response:  # noqa: S310 (URL from settings)
        if not 200 <= response.status < 300:
            raise urllib.error.HTTPError(url, response.status, "unexpected status", response.headers, None)


def notify_block(block_name: str, record: dict[str, Any]) -> None:
    """Send through a Prefect notification block, named ``<block-type-slug>/<name>`` (needs an API)."""
    import prefect.blocks.notifications  # noqa: F401 (registers the notification block types)
    from prefect.blocks.core import Block

    block = Block.load(block_name)
    if not hasattr(block, "notify"):
        raise TypeError(f"Prefect block {block_name} is not a notification block")
    subject = f"mmwatch: {record['rule']} failed ({record['severity']})"
    block.notify(body=message_text(record), subject=subject)


def with_retries(send: Callable[[], None], attempts: int, backoff_s: float) -> tuple[bool, int, str | None]:
    """Call ``send`` up to ``attempts`` times, sleeping backoff, 2x backoff, ... in between.

    Returns (delivered, attempts made, last error).
    """
    error: str | None = None
    for attempt in range(1, attempts + 1):
        try:
            send()
            return True, attempt, None
        except Exception as exc:  # any failure of the channel is recorded, never raised
            error = f"{type(exc).__name__}: {exc}"
            if attempt < attempts:
                time.sleep(backoff_s * 2 ** (attempt - 1))
    return False, attempts, error


def deliver(record: dict[str, Any], settings: Settings) -> list[Delivery]:
    """Send ``record`` on every configured channel; one Delivery per channel (or one 'no channel')."""
    deliveries: list[Delivery] = []
    if settings.alert_webhook_url:
        url = settings.alert_webhook_url
        ok, tries, err = with_retries(lambda: post_json(url, webhook_body(record), settings.alert_timeout_s),
                                      settings.alert_attempts, settings.alert_backoff_s)
        deliveries.append(Delivery(url, ok, tries, err))
    if settings.alert_block:
        name = settings.alert_block
        ok, tries, err = with_retries(lambda: notify_block(name, record), settings.alert_attempts,
                                      settings.alert_backoff_s)
        deliveries.append(Delivery(f"prefect-block:{name}", ok, tries, err))
    return deliveries or [Delivery(None, False, 0, NO_CHANNEL)]


def already_delivered(con: duckdb.DuckDBPyConnection, alert_id: str) -> bool:
    rows = con.execute("select delivered from alerts where alert_id = ?", [alert_id]).fetchall()
    return bool(rows and rows[0][0])


def record_alert(con: duckdb.DuckDBPyConnection, record: dict[str, Any], deliveries: list[Delivery]) -> None:
    """Upsert the alert's row: delivered when every channel took it; errors joined otherwise."""
    delivered = all(d.delivered for d in deliveries)
    errors = "; ".join(f"{d.channel or 'none'}: {d.error}" for d in deliveries if d.error)
    channels = ", ".join(d.channel for d in deliveries if d.channel) or None
    con.execute(
        "insert or replace into alerts values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [record["alert_id"], record["session"], record["rule"], record["severity"], json.dumps(record),
         channels, delivered, sum(d.attempts for d in deliveries), errors or None, datetime.now(UTC)],
    )


def write_record(folder: Path, record: dict[str, Any]) -> Path:
    record = mask_secrets(record)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{record['rule']}.json"
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(record, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    tmp.replace(path)
    return path


def raise_session_alerts(con: duckdb.DuckDBPyConnection, report: dict[str, Any], report_link: str | None,
                         report_dir: Path, settings: Settings) -> list[dict[str, Any]]:
    """Alert on the failed rules of one session's report; return the records with their delivery."""
    con.execute((SQL_DIR / "rules" / "_tables.sql").read_text(encoding="utf-8"))
    # not published: point at the local report, so the alert always leads to the evidence
    report_link = report_link or (report_dir / "report.md").resolve().as_uri()
    out: list[dict[str, Any]] = []
    for record in alert_records(report, report_link, settings.alert_min_severity):
        if already_delivered(con, record["alert_id"]):
            record["delivery"] = {"delivered": True, "note": "delivered by an earlier audit; not sent again"}
        else:
            deliveries = deliver(record, settings)
            record_alert(con, record, deliveries)
            record["delivery"] = {
                "delivered": all(d.delivered for d in deliveries),
                "channels": [{"channel": d.channel, "delivered": d.delivered, "attempts": d.attempts,
                              "error": d.error} for d in deliveries],
            }
        write_record(report_dir / "alerts", record)
        out.append(record)
    return out
