"""The session index: which sessions were audited, when they ran, and what the audit said.

One Parquet part per (day, session, version) under ``index/date=YYYY-MM-DD/``: a "file per day"
that only ever grows by new objects, so it keeps the create-only promise (no object is rewritten
to append a row) and two audits running at once cannot lose each other's rows. Readers see one
table per day or across days with hive partitioning, e.g. in DuckDB::

    select * from read_parquet('<root>/index/*/*.parquet', hive_partitioning = true)

A re-audit that judges a session differently adds a row with a new ``version``; the latest
``audited_at`` per ``session_id`` is the current verdict.
"""

from __future__ import annotations

import io
from datetime import datetime
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from mmwatch.masking import mask_secrets
from mmwatch.publish.layout import SessionKeys

SEVERITY_ORDER = ("info", "medium", "high", "critical")

SCHEMA = pa.schema([
    ("session_id", pa.string()),
    ("version", pa.string()),
    ("network", pa.string()),
    ("asset", pa.string()),
    ("started_at", pa.timestamp("us", tz="UTC")),
    ("ended_at", pa.timestamp("us", tz="UTC")),
    ("duration_s", pa.float64()),
    ("end_kind", pa.string()),
    ("kill_switch_triggered", pa.bool_()),
    ("fills_total", pa.int64()),
    ("fills_tracked", pa.int64()),
    ("fills_untracked", pa.int64()),
    ("rules_evaluated", pa.int64()),
    ("rules_not_evaluated", pa.int64()),
    ("failed_rules", pa.list_(pa.string())),
    ("worst_failed_severity", pa.string()),
    ("source", pa.string()),
    ("report_key", pa.string()),
    ("audited_at", pa.timestamp("us", tz="UTC")),
    ("mmwatch_version", pa.string()),
])


def _ts(value: Any) -> datetime | None:
    try:
        return datetime.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


def index_row(report: dict[str, Any], keys: SessionKeys) -> dict[str, Any]:
    """The index row of one audited session version (masked like every published text)."""
    report = mask_secrets(report)
    s, fills, rules = report["session"], report["fills"], report.get("rules") or []
    failed = [r for r in rules if r.get("passed") is False]
    worst = max((r.get("severity") for r in failed), key=lambda v: SEVERITY_ORDER.index(v)
                if v in SEVERITY_ORDER else -1, default=None)
    return {
        "session_id": s["id"], "version": keys.version, "network": s.get("network"), "asset": s.get("asset"),
        "started_at": _ts(s.get("started_at")), "ended_at": _ts(s.get("ended_at")),
        "duration_s": s.get("duration_s"), "end_kind": s.get("end"),
        "kill_switch_triggered": report.get("kill_switch", {}).get("triggered"),
        "fills_total": fills.get("total"), "fills_tracked": fills.get("tracked"),
        "fills_untracked": fills.get("untracked"),
        "rules_evaluated": sum(1 for r in rules if r.get("passed") is not None),
        "rules_not_evaluated": sum(1 for r in rules if r.get("passed") is None),
        "failed_rules": [r["id"] for r in failed], "worst_failed_severity": worst,
        "source": s.get("source"), "report_key": keys.report_file("report.json"),
        "audited_at": _ts(report.get("generated_at")), "mmwatch_version": report.get("mmwatch_version"),
    }


def index_part(report: dict[str, Any], keys: SessionKeys) -> bytes:
    """The Parquet bytes of the one-row index part of this session version."""
    table = pa.Table.from_pylist([index_row(report, keys)], schema=SCHEMA)
    buf = io.BytesIO()
    pq.write_table(table, buf, compression="zstd")
    return buf.getvalue()
