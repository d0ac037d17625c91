"""Flow ``audit-new-sessions``: the nightly audit of every session not audited yet.

Pull the given logs first (globs allowed; new files become new sources), then audit each source
whose sessions were never audited, or that gained events since its last audit
(``sql/live/unaudited_sources.sql``). A source already audited and unchanged costs nothing. Logs
may still be growing, so the pull holds an unfinished last line back (``final=False``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from prefect import flow

from mmwatch.alerts.channels import flow_alert_urls
from mmwatch.config import Settings, load_settings
from mmwatch.ingest import InputError, connect_waiting, pull_paths
from mmwatch.store import read_sql


def unaudited_sources(settings: Settings) -> list[tuple[str, str, int, int]]:
    """(source_id, path, events, events audited) of the sources that need an audit."""
    con = connect_waiting(settings.db_path)
    try:
        has_summary = con.execute(
            "select count(*) from information_schema.tables where table_name = 'session_summary'"
        ).fetchall()[0][0]
        if not has_summary:
            return [(sid, path, events, 0) for sid, path, events in con.execute(
                "select source_id, path, events from sources where events > 0 order by first_seen, source_id"
            ).fetchall()]
        return [tuple(r) for r in con.execute(read_sql("live/unaudited_sources.sql")).fetchall()]
    finally:
        con.close()


def audit_new(settings: Settings, paths: list[str] | None = None) -> dict[str, Any]:
    """Plain body of the flow (``audit_logs`` makes each step a task run inside a flow run)."""
    from flows.audit_session import audit_logs

    unmatched: list[str] = []
    if paths:
        _, unmatched = pull_paths(settings.db_path, paths, final=False, block_bytes=settings.read_block_bytes)
    audited: list[dict[str, Any]] = []
    skipped: list[dict[str, Any]] = []
    worst = 0
    for source_id, path, events, events_audited in unaudited_sources(settings):
        if not Path(path).is_file():
            skipped.append({"source_id": source_id, "path": path, "reason": "file no longer there"})
            continue
        try:
            outcome = audit_logs(settings, [path], final=False)
        except InputError as exc:
            skipped.append({"source_id": source_id, "path": path, "reason": str(exc)})
            continue
        worst = max(worst, outcome.exit_code)
        audited.append({"source_id": source_id, "path": path, "events": events,
                        "events_audited_before": events_audited, **outcome.summary()})
    return {"exit_code": worst, "audited": audited, "skipped": skipped, "unmatched_globs": unmatched}


@flow(name="audit-new-sessions", log_prints=True)
def audit_new_sessions(
    paths: list[str] | None = None,
    db: str | None = None,
    out: str | None = None,
    publish: str | None = None,
    fail_on: str | None = None,
    alert_urls: list[str] | None = None,
    alert_urls_secret: str | None = None,
) -> dict[str, Any]:
    """Pull ``paths`` (optional), then audit every source with sessions not audited since they changed."""
    settings = load_settings(db=db, out=out, publish_url=publish, fail_on=fail_on,
                             alert_urls=flow_alert_urls(alert_urls, alert_urls_secret))
    digest = audit_new(settings, paths)
    for a in digest["audited"]:
        print(f"{a['path']}: audited {len(a['sessions'])} session(s)")
    for s in digest["skipped"]:
        print(f"{s['path']}: skipped ({s['reason']})")
    if not digest["audited"]:
        print("no new or changed sessions")
    return digest
