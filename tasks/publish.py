"""Task: publish a session's reports (placeholder until publishing lands: the local folder is all)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from prefect import task

from mmwatch.config import Settings


@task(name="publish-reports")
def publish_reports(report_dir: Path, report: dict[str, Any], settings: Settings) -> str | None:
    """Publish ``report_dir``; return the link of the published report.md (``None``: not published)."""
    return None
