"""An alert for every object the store refused for good: a lost report must not go unnoticed.

The outbox marks such an object ``failed`` and goes on with the others (``outbox.flush``); this
module raises the alert through the same path as a failed rule (``mmwatch.alerts``: delivered on
every configured channel, a row in table ``alerts`` whatever happens). Rule id ``PUBLISH-FAILED``,
one alert per object, so a re-run does not send it twice and each refused key is named.
"""

from __future__ import annotations

import hashlib
from typing import Any

import duckdb

from mmwatch.alerts import alert_record, deliver, record_alert
from mmwatch.config import SQL_DIR, Settings
from mmwatch.publish.outbox import FlushResult

RULE = "PUBLISH-FAILED"
SEVERITY = "high"


def rejected_record(target_url: str, key: str, session_id: str | None, reason: str) -> dict[str, Any]:
    """The alert record of one refused object, in the one record shape of every alert."""
    digest = hashlib.sha256(f"{target_url}\n{key}".encode()).hexdigest()[:12]
    return alert_record(
        "publish", f"{session_id or '-'}:{RULE}:{digest}", RULE, SEVERITY, "Object not published",
        f"{target_url} refused {key} for good: {reason}. The other objects were published; "
        f"this one stays in the outbox as failed",
        session=session_id or "-", observed=key,
        remediation="fix the cause (permissions on the key, its length), then "
                    "`mmwatch publish --retry --requeue-failed`",
    )


def alert_rejected(con: duckdb.DuckDBPyConnection, result: FlushResult,
                   settings: Settings) -> list[dict[str, Any]]:
    """Raise one alert per object ``result`` marked failed; return the records with their delivery."""
    if not result.rejected:
        return []
    con.execute((SQL_DIR / "rules" / "_tables.sql").read_text(encoding="utf-8"))
    out = []
    for key, session_id, reason in result.rejected:
        record = rejected_record(result.target_url, key, session_id, reason)
        deliveries = deliver(record, settings)
        record_alert(con, record, deliveries)
        record["delivery"] = {"delivered": all(d.delivered for d in deliveries),
                              "channels": [d.channel for d in deliveries if d.channel]}
        out.append(record)
    return out
