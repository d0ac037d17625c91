"""Flow ``audit-session``: audit bot session logs end to end.

pull (new bytes into DuckDB) -> audit tables (sql/) -> rules (expectations/) -> reports -> publish
-> alerts. The same body runs as a Prefect flow run (``audit_session``) or, for a quick answer on a
machine with no Prefect server, as plain function calls (``audit_logs``; see ``tasks.run_step``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from prefect import flow

from mmwatch.alerts.channels import flow_alert_urls
from mmwatch.config import Settings, load_settings
from mmwatch.ingest import (
    AUDIT_LOCK_WAIT_S,
    InputError,
    PullResult,
    check_readable,
    connect_waiting,
    show_unfinished_line,
)
from mmwatch.publish import publish_deadline
from mmwatch.report.build import build_report
from mmwatch.report.series import build_series
from tasks import run_step
from tasks.alerts import raise_alerts
from tasks.artifacts import attach_artifacts
from tasks.ingest import pull_log
from tasks.publish import publish_alerts, publish_reports
from tasks.report import write_reports
from tasks.rules import evaluate_rules_batch, exit_code_for
from tasks.transform import build_tables

ProgressFactory = Callable[[str, int], Callable[[int, int], None] | None]
#: Called with each session's report once its figures are known, before the rules run (the rules
#: cost seconds, mostly Great Expectations' import): lets a person read the figures right away.
FiguresCallback = Callable[[dict[str, Any]], None]


@dataclass
class SessionAudit:
    session_id: str
    report_dir: str
    report: dict[str, Any]
    published: str | None = None
    alerts: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class AuditOutcome:
    sessions: list[SessionAudit]
    pulls: list[PullResult]
    exit_code: int

    def summary(self) -> dict[str, Any]:
        """A JSON-friendly digest (the flow's return value)."""
        return {
            "exit_code": self.exit_code,
            "sessions": [
                {"id": s.session_id, "report_dir": s.report_dir, "published": s.published,
                 "end": s.report["session"]["end"], "alerts": len(s.alerts),
                 "failed_rules": [r["id"] for r in s.report["rules"] if r["passed"] is False]}
                for s in self.sessions
            ],
        }


def audit_logs(settings: Settings, logs: Sequence[str | Path], progress: ProgressFactory | None = None,
               final: bool = True, on_figures: FiguresCallback | None = None) -> AuditOutcome:
    """Audit every session found in ``logs``. Raises ``InputError`` before any work for a bad path.

    An unfinished last line (no newline yet) is never committed by an audit: the bot may be writing
    it. With ``final`` (``mmwatch audit``) it is shown in this audit, as a ``truncated`` line or
    whatever it reads as, and the next pull or audit replaces it by the finished line
    (``ingest.show_unfinished_line``); so a log audited while it is written loses nothing, and a
    log that really ends torn still has its last line counted. ``final=False`` (nightly audit):
    it is only held back for a later pull. Another process holding the store waits this audit up
    to ``AUDIT_LOCK_WAIT_S``, with a line on stderr.
    """
    paths = [Path(p) for p in logs]
    if not paths:
        raise InputError("no log file given")
    sizes = [check_readable(p) for p in paths]
    con = connect_waiting(settings.db_path, AUDIT_LOCK_WAIT_S)
    try:
        pulls: list[PullResult] = []
        for path, size in zip(paths, sizes, strict=True):
            callback = progress(str(path), size) if progress else None
            pulls.append(run_step(pull_log, con, path, False, settings.read_block_bytes, callback))
            if final:
                show_unfinished_line(con, path, pulls[-1])
        for path, pull in zip(paths, pulls, strict=True):
            if not pull.source_id:
                raise InputError(f"{path}: empty file (0 bytes), nothing to audit")
        session_ids = run_step(build_tables, con, [p.source_id for p in pulls])
        for path, pull in zip(paths, pulls, strict=True):
            found = con.execute("select 1 from session_bounds where source_id = ?", [pull.source_id])
            if not found.fetchall():
                kept = con.execute("select count(*) from other_lines where source_id = ?",
                                   [pull.source_id]).fetchall()[0][0]
                raise InputError(f"{path}: no bot log events found ({kept} other lines kept in the store)")
        reports = {session_id: build_report(con, session_id) for session_id in session_ids}
        if on_figures is not None:
            for report in reports.values():
                on_figures(report)
        # all sessions in one GX run: its fixed cost (~1 s) is paid once, not once per session
        rules = run_step(evaluate_rules_batch, con, session_ids, settings)
        sessions: list[SessionAudit] = []
        # one publish deadline for the whole audit: a slow store costs it once, not once per session
        with publish_deadline(settings.publish_deadline_s):
            for session_id in session_ids:
                report = reports[session_id]
                report["rules"] = rules[session_id]
                series = build_series(con, session_id)
                folder = run_step(write_reports, report, settings.out_dir, series)
                link = run_step(publish_reports, folder, report, settings)
                alerts = run_step(raise_alerts, report, link, settings)
                run_step(publish_alerts, folder, report, settings)  # alert records written just above
                run_step(attach_artifacts, report, folder, link)  # Prefect UI artifacts (flow runs only)
                sessions.append(SessionAudit(session_id, str(folder), report, link, alerts))
        worst = max((exit_code_for(s.report["rules"], settings.fail_on) for s in sessions), default=0)
        return AuditOutcome(sessions, pulls, worst)
    finally:
        con.close()


@flow(name="audit-session", log_prints=True)
def audit_session(
    logs: list[str],
    db: str | None = None,
    out: str | None = None,
    publish: str | None = None,
    fail_on: str | None = None,
    alert_urls: list[str] | None = None,
    alert_urls_secret: str | None = None,
) -> dict[str, Any]:
    """Audit bot session logs: one report per session found. An audit that finds problems completes."""
    settings = load_settings(db=db, out=out, publish_url=publish, fail_on=fail_on,
                             alert_urls=flow_alert_urls(alert_urls, alert_urls_secret))
    outcome = audit_logs(settings, logs)
    for s in outcome.sessions:
        print(f"session {s.session_id}: end={s.report['session']['end']} report={s.report_dir}")
    return outcome.summary()
