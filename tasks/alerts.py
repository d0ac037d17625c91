"""Task: alerts for failed rules (placeholder until the alerting lands)."""

from __future__ import annotations

from typing import Any

from prefect import task

from mmwatch.config import Settings


@task(name="raise-alerts")
def raise_alerts(report: dict[str, Any], report_link: str | None, settings: Settings) -> list[dict[str, Any]]:
    """Alert records for the failed rules of ``report`` at or above the alert severity."""
    return []
