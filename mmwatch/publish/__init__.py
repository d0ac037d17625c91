"""Publish reports, alerts and the session index to ``s3://bucket/prefix`` or ``file:///path``.

``publish_session`` is the whole step for one audited session: collect the objects of the report
folder (masked, keyed by content: ``layout``), queue them in the DuckDB outbox (``outbox``), then
send everything queued for the target (``targets``: create-only, checksummed). A target that is
down leaves the objects queued; the audit goes on. An object the target refuses for good is marked
failed and alerted (``alerting``); it holds nothing back.

Publishing has a deadline (``publish_deadline_s``, 60 s): after it the objects wait in the outbox.
``publish_deadline`` makes it one deadline for a whole audit of several sessions; outside such a
block each ``publish_session`` call gets its own. A target that did not answer is skipped by the
following calls for a while (``outbox_targets``), so a hanging store costs an audit one deadline.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mmwatch.alerts.digest import DIGEST_RULE
from mmwatch.config import Settings, load_settings
from mmwatch.publish.alerting import alert_rejected
from mmwatch.publish.index import index_part
from mmwatch.publish.layout import OutObject, SessionKeys, folder_objects
from mmwatch.publish.outbox import FlushResult, enqueue, flush, open_outbox, status_of
from mmwatch.publish.targets import PublishError, Target, TargetFull, TargetUnavailable, open_target

__all__ = ["PublishError", "SessionPublish", "Target", "TargetFull", "TargetUnavailable", "open_target",
           "publish_deadline", "publish_session", "session_objects"]

_DEADLINE: ContextVar[float | None] = ContextVar("mmwatch_publish_deadline", default=None)


@contextmanager
def publish_deadline(seconds: float) -> Iterator[float]:
    """One publish deadline (``time.monotonic()`` value) for every ``publish_session`` in the block."""
    deadline = time.monotonic() + seconds
    token = _DEADLINE.set(deadline)
    try:
        yield deadline
    finally:
        _DEADLINE.reset(token)


@dataclass
class SessionPublish:
    """What publishing one session did: the report's link (None until it is stored) and the flush."""

    keys: SessionKeys
    queued: int
    result: FlushResult
    link: str | None
    #: PUBLISH-FAILED alert records raised for objects the target refused for good
    alerts: list[dict[str, Any]] = field(default_factory=list)


def session_objects(report_dir: Path, report: dict[str, Any],
                    only_alerts: bool = False) -> tuple[SessionKeys, list[OutObject]]:
    """The keys of this session version and its objects: reports, Data Docs and index part, or alerts.

    Alerts are published on their own, after they are raised: raising them needs the report's link,
    which exists only once the reports are published.
    """
    keys = SessionKeys.of(report)
    # alert files to publish: the failed rules' and the session digest (mmwatch.alerts)
    failed = {r["id"] for r in report.get("rules") or [] if r.get("passed") is False} | {DIGEST_RULE}
    objects = folder_objects(Path(report_dir), keys, failed)
    if only_alerts:
        return keys, [o for o in objects if o.key.startswith("alerts/")]
    objects = [o for o in objects if not o.key.startswith("alerts/")]
    objects.append(OutObject(keys.index, index_part(report, keys), "application/vnd.apache.parquet"))
    return keys, objects


def publish_session(report_dir: Path, report: dict[str, Any], url: str, db_path: Path | str,
                    only_alerts: bool = False, settings: Settings | None = None,
                    deadline: float | None = None) -> SessionPublish:
    """Queue the session's objects for ``url`` in the outbox of ``db_path``, then flush the outbox.

    ``deadline`` (``time.monotonic()``): default the enclosing ``publish_deadline`` block's, else
    now + ``settings.publish_deadline_s``. ``settings`` (alert channels, deadline) default to the
    environment's. Raises ``TargetFull`` (a ``PublishError``) when the publish folder's disk is full.
    """
    settings = settings or load_settings(db=Path(db_path))
    if deadline is None:
        deadline = _DEADLINE.get() or time.monotonic() + settings.publish_deadline_s
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
        result = flush(con, target, deadline)
        rejected = alert_rejected(con, result, settings)
        if result.disk_full is not None:  # the machine's problem, not the store's: stop, name the path
            raise result.disk_full
        md_key = keys.report_file("report.md")
        stored = status_of(con, target.url, md_key) in ("created", "present", "kept")
        link = target.link(md_key) if stored else None
    finally:
        con.close()
    return SessionPublish(keys, queued, result, link, rejected)
