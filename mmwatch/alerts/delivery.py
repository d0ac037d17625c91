"""The one outbound path of every alert: channels, retries, the record file and the alerts table.

``deliver`` sends a record on every configured channel (``mmwatch.alerts.channels``), each retried
``alert_attempts`` times with a doubling backoff and an ``alert_timeout_s`` timeout per attempt;
a failure is recorded on the alert, never raised: an alert is never silently dropped, and a broken
channel does not stop the others. The record is masked again here, whoever built it, before any
channel, file or row sees it.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb

from mmwatch.alerts.channels import (
    BlockChannel,
    Channel,
    EventChannel,
    WebhookChannel,
    apprise_channel,
)
from mmwatch.alerts.records import rule_of
from mmwatch.config import Settings
from mmwatch.masking import mask_secrets, mask_text

NO_CHANNEL = "no alert channel configured (alert_urls / alert_webhook_url / alert_block)"
_SAFE = re.compile(r"[^A-Za-z0-9_.-]+")


@dataclass
class Delivery:
    channel: str | None
    delivered: bool
    attempts: int
    error: str | None
    status: str | None = None


def with_retries(send: Callable[[], str | None], attempts: int,
                 backoff_s: float) -> tuple[bool, int, str | None, str | None]:
    """Call ``send`` up to ``attempts`` times, sleeping backoff, 2x backoff, ... in between.

    Returns (delivered, attempts made, last error, status of the successful send).
    """
    error: str | None = None
    for attempt in range(1, attempts + 1):
        try:
            status = send()
            return True, attempt, None, status
        except Exception as exc:  # any failure of the channel is recorded, never raised
            error = mask_text(f"{type(exc).__name__}: {exc}")
            if attempt < attempts:
                time.sleep(backoff_s * 2 ** (attempt - 1))
    return False, attempts, error, None


def channels_for(settings: Settings) -> list[Channel]:
    """The notification channels the settings configure, in a stable order."""
    channels: list[Channel] = [apprise_channel(url, settings.alert_timeout_s) for url in settings.alert_urls]
    if settings.alert_webhook_url:
        channels.append(WebhookChannel(settings.alert_webhook_url, settings.alert_timeout_s))
    if settings.alert_block:
        channels.append(BlockChannel(settings.alert_block))
    return channels


def deliver(record: dict[str, Any], settings: Settings,
            channels: list[Channel] | None = None) -> list[Delivery]:
    """Send ``record`` on every channel (and as a Prefect event when it has one); one Delivery per
    channel, or a single 'no channel' one when nothing is configured."""
    record = mask_secrets(record)
    channels = channels_for(settings) if channels is None else channels
    deliveries: list[Delivery] = []
    for channel in channels:
        ok, tries, err, status = with_retries(lambda c=channel: c.send(record), settings.alert_attempts,
                                              settings.alert_backoff_s)
        deliveries.append(Delivery(channel.name, ok, tries, err, status))
    notified = bool(deliveries)
    if EventChannel.wants(record):
        event = EventChannel()
        ok, tries, err, status = with_retries(lambda: event.send(record), settings.alert_attempts,
                                              settings.alert_backoff_s)
        deliveries.append(Delivery(event.name, ok, tries, err, status))
    if not notified:
        deliveries.append(Delivery(None, False, 0, NO_CHANNEL))
    return deliveries


def delivery_state(deliveries: list[Delivery]) -> dict[str, Any]:
    """What a record says about its delivery: delivered when every channel took it."""
    return {"delivered": all(d.delivered for d in deliveries),
            "channels": [asdict(d) for d in deliveries]}


def delivery_line(deliveries: list[Delivery]) -> str:
    """One line per alert for a terminal or a live record: ``webhook 200; apprise ntfy sent``."""
    return mask_text("; ".join(d.status if d.delivered and d.status else
                               f"{d.channel or 'none'} failed: {d.error}" for d in deliveries))


def already_delivered(con: duckdb.DuckDBPyConnection, alert_id: str) -> dict[str, Any] | None:
    """The record of ``alert_id`` when it was delivered before, else None."""
    rows = con.execute("select delivered, record from alerts where alert_id = ?", [alert_id]).fetchall()
    if rows and rows[0][0]:
        return json.loads(rows[0][1])
    return None


def record_alert(con: duckdb.DuckDBPyConnection, record: dict[str, Any], deliveries: list[Delivery]) -> None:
    """Upsert the alert's row of table ``alerts``: delivered when every notification channel took it.

    The row speaks of notifications (someone was told): a Prefect event, sent whenever an API is
    configured, is listed in the record's ``delivery`` but counts neither as a delivery nor as a
    failure here, so the same alert reads the same with or without a Prefect server around."""
    record = mask_secrets(record)
    deliveries = [d for d in deliveries if d.channel != EventChannel.name]
    delivered = bool(deliveries) and all(d.delivered for d in deliveries)
    errors = "; ".join(f"{d.channel or 'none'}: {d.error}" for d in deliveries if d.error)
    channels = ", ".join(d.channel for d in deliveries if d.channel) or None
    con.execute(
        "insert or replace into alerts values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [record["alert_id"], record.get("session") or "-", rule_of(record), record["severity"],
         json.dumps(record, default=str), channels, delivered, sum(d.attempts for d in deliveries),
         errors or None, datetime.now(UTC)],
    )


def write_record(folder: Path, record: dict[str, Any], name: str | None = None) -> Path:
    """``<folder>/<name or rule id>.json``, masked, written atomically."""
    record = mask_secrets(record)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{_SAFE.sub('_', name or rule_of(record))}.json"
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(record, indent=2, ensure_ascii=False, default=str) + "\n", encoding="utf-8")
    tmp.replace(path)
    return path
