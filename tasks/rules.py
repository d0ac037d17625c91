"""Task: evaluate the audit rules (Great Expectations suites in ``expectations/``) for one session.

Placeholder until the rule engine lands: no rule is evaluated.
"""

from __future__ import annotations

from typing import Any

import duckdb
from prefect import task

from mmwatch.config import Settings


@task(name="evaluate-rules")
def evaluate_rules(con: duckdb.DuckDBPyConnection, session_id: str, settings: Settings) -> list[dict[str, Any]]:
    """Rule results of ``session_id`` as report.json ``rules`` entries."""
    return []


def exit_code_for(rules: list[dict[str, Any]], fail_on: str) -> int:
    """0, or 1 when a rule at or above ``fail_on`` failed."""
    return 0
