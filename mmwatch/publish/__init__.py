"""Publish reports, alerts and the session index to ``s3://bucket/prefix`` or ``file:///path``.

``publish_session`` is the whole step for one audited session: collect the objects of the report
folder (masked, keyed by content: ``layout``), queue them in the DuckDB outbox (``outbox``), then
send everything queued for the target (``targets``: create-only, checksummed). A target that is
down leaves the objects queued; the audit goes on.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mmwatch.publish.index import index_part
from mmwatch.publish.layout import OutObject, SessionKeys, folder_objects
from mmwatch.publish.outbox import FlushResult, enqueue, flush, open_outbox, status_of
from mmwatch.publish.targets import PublishError, Target, TargetUnavailable, open_target

__all__ = ["PublishError", "SessionPublish", "Target", "TargetUnavailable", "open_target", "publish_session",
           "session_objects"]


@dataclass
class SessionPublish:
    """What publishing one session did: the report's link (None until it is stored) and the flush."""

    keys: SessionKeys
    queued: int
    result: FlushResult
    link: str | None


def session_objects(report_dir: Path, report: dict[str, Any],
                    only_alerts: bool = False) -> tuple[SessionKeys, list[OutObject]]:
    """The keys of this session version and its objects: reports, Data Docs and index part, or alerts.

    Alerts are published on their own, after they are raised: raising them needs the report's link,
    which exists only once the reports are published.
    """
    keys = SessionKeys.of(report)
    failed = {r["id"] for r in report.get("rules") or [] if r.get("passed") is False}
    objects = folder_objects(Path(report_dir), keys, failed)
    if only_alerts:
        return keys, [o for o in objects if o.key.startswith("alerts/")]
    objects = [o for o in objects if not o.key.startswith("alerts/")]
    objects.append(OutObject(keys.index, index_part(report, keys), "application/vnd.apache.parquet"))
    return keys, objects


def publish_session(report_dir: Path, report: dict[str, Any], url: str, db_path: Path | str,
                    only_alerts: bool = False) -> SessionPublish:
    """Queue the session's objects for ``url`` in the outbox of ``db_path``, then flush the outbox."""
    target = open_target(url)
    keys, objects = session_objects(report_dir, report, only_alerts)
    if only_alerts and not objects:  # no alert raised: nothing to queue, nothing to retry here
        return SessionPublish(keys, 0, FlushResult(target.url), None)
    con = open_outbox(db_path)
    try:
        if status_of(con, target.url, keys.report_file("report.json")) is not None:
            # This version was published before: GX rebuilds its data docs on every audit with new
            # run times in their names; the verdict is the same, so they are not published again.
            docs = keys.report_file("data_docs/")
            objects = [o for o in objects if not o.key.startswith(docs)]
        queued = enqueue(con, target.url, objects, report["session"]["id"])
        result = flush(con, target)
        md_key = keys.report_file("report.md")
        stored = status_of(con, target.url, md_key) in ("created", "present", "kept")
        link = target.link(md_key) if stored else None
    finally:
        con.close()
    return SessionPublish(keys, queued, result, link)
