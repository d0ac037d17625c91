"""Tasks: publish a session's reports, alerts and index row to the publish target.

``publish_reports`` runs right after the reports are written; ``publish_alerts`` after the alerts
are raised (they need the report link, so they are written after the first publish). Both go
through the DuckDB outbox: an unreachable store is logged, never fatal; what could not be sent
waits for the next audit or ``mmwatch publish --retry``.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import Any

from prefect import task
from prefect.cache_policies import NO_CACHE
from prefect.context import TaskRunContext

from mmwatch.config import Settings
from mmwatch.ingest import InputError
from mmwatch.publish import PublishError, SessionPublish, publish_session


def _log(message: str, warning: bool = False) -> None:
    """To the task run's log inside a flow run, to stderr for the plain CLI path."""
    if TaskRunContext.get() is not None:
        from prefect import get_run_logger

        get_run_logger().log(logging.WARNING if warning else logging.INFO, message)
    elif warning:
        print(f"mmwatch publish: {message}", file=sys.stderr)


def _publish(report_dir: Path, report: dict[str, Any], settings: Settings,
             only_alerts: bool) -> SessionPublish | None:
    if not settings.publish_url:
        return None
    try:
        done = publish_session(Path(report_dir), report, settings.publish_url, settings.db_path, only_alerts,
                               settings=settings)
    except PublishError as exc:  # a bad URL: the user's to fix, one clear line
        raise InputError(str(exc)) from None
    r = done.result
    counts = ", ".join(f"{n} {k}" for k, n in sorted(r.outcomes.items())) or "nothing new"
    _log(f"{settings.publish_url}: queued {done.queued}, sent: {counts}; waiting {r.waiting}")
    notice = r.notice(settings.db_path)
    if notice:
        _log(notice, warning=True)
    return done


@task(name="publish-reports", cache_policy=NO_CACHE)  # a side effect: never replay a cached result
def publish_reports(report_dir: Path, report: dict[str, Any], settings: Settings) -> str | None:
    """Publish ``report_dir``; return the link of the published report.md (``None``: not published)."""
    done = _publish(report_dir, report, settings, only_alerts=False)
    return done.link if done else None


@task(name="publish-alerts", cache_policy=NO_CACHE)
def publish_alerts(report_dir: Path, report: dict[str, Any], settings: Settings) -> int:
    """Publish the alert records in ``<report_dir>/alerts/``; return how many were newly stored."""
    done = _publish(report_dir, report, settings, only_alerts=True)
    return done.result.sent if done else 0
