"""Task: the alerts of one audited session: its digest, its grave failed rules (``mmwatch.alerts``).

One ``SESSION-DIGEST`` alert per session, then one alert per failed rule at or above
``alert_min_severity``. The record of each goes to ``<out>/<session id>/alerts/<RULE>.json`` (beside
the report) and to table ``alerts`` of the store, with whether each channel took it.
"""

from __future__ import annotations

from typing import Any

from prefect import task
from prefect.cache_policies import NO_CACHE

from mmwatch.alerts import raise_session_alerts
from mmwatch.config import Settings
from mmwatch.store import connect


@task(name="raise-alerts", cache_policy=NO_CACHE)
def raise_alerts(report: dict[str, Any], report_link: str | None, settings: Settings) -> list[dict[str, Any]]:
    """The session's digest record, then the records of its failed rules at or above the alert severity."""
    report_dir = settings.out_dir / report["session"]["id"]
    # Same process as the audit's connection: DuckDB shares the open database, no second lock.
    con = connect(settings.db_path)
    try:
        return raise_session_alerts(con, report, report_link, report_dir, settings)
    finally:
        con.close()
