"""The alerts of one audited session: one digest, then the failed rules at or above the threshold.

A desk wants one message per session (the digest: verdict, top findings, kill switch, P&L, link)
and a page of its own only for what is grave enough: per-rule alerts start at
``alert_min_severity`` (default ``high``). Both go through the one outbound path
(``mmwatch.alerts.delivery``). Whatever happens, each record is written to
``<report_dir>/alerts/<RULE>.json`` (the digest: ``SESSION-DIGEST.json``) and to table ``alerts``.

A growing live log is re-audited often: an alert delivered already for the same session and rule is
not sent again; the digest is sent again only when its verdict, counts or kill-switch state changed
(so a desk hears when a session gets worse, not every time it is re-read). Undelivered ones are
retried.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb

from mmwatch.alerts.delivery import already_delivered, deliver, delivery_state, record_alert, write_record
from mmwatch.alerts.digest import session_digest
from mmwatch.alerts.records import digest_record, rule_records
from mmwatch.config import SQL_DIR, Settings


def _digest_key(record: dict[str, Any]) -> tuple[Any, ...]:
    d = record.get("digest") or {}
    return d.get("verdict"), json_key(d.get("counts")), json_key(d.get("kill_switch"))


def json_key(value: Any) -> str:
    import json

    return json.dumps(value, sort_keys=True, default=str)


def local_link(report_dir: Path) -> str:
    """Where the evidence is when the report is not published: the local report.html."""
    return str((report_dir / "report.html").resolve())


def session_records(report: dict[str, Any], report_link: str | None, report_dir: Path,
                    min_severity: str) -> list[dict[str, Any]]:
    """The digest record, then the per-rule records at or above ``min_severity`` (all masked)."""
    link = report_link or local_link(report_dir)
    return [digest_record(session_digest(report, link)), *rule_records(report, link, min_severity)]


def raise_session_alerts(con: duckdb.DuckDBPyConnection, report: dict[str, Any], report_link: str | None,
                         report_dir: Path, settings: Settings) -> list[dict[str, Any]]:
    """Send the session's digest and its per-rule alerts; return the records with their delivery."""
    con.execute((SQL_DIR / "rules" / "_tables.sql").read_text(encoding="utf-8"))
    out: list[dict[str, Any]] = []
    for record in session_records(report, report_link, report_dir, settings.alert_min_severity):
        earlier = already_delivered(con, record["alert_id"])
        same = earlier is not None and (record["kind"] != "digest"
                                        or _digest_key(earlier) == _digest_key(record))
        if same:
            record["delivery"] = {"delivered": True, "note": "delivered by an earlier audit; not sent again"}
        else:
            deliveries = deliver(record, settings)
            record_alert(con, record, deliveries)
            record["delivery"] = delivery_state(deliveries)
        write_record(report_dir / "alerts", record)
        out.append(record)
    return out
