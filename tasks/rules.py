"""Task: evaluate the audit rules (Great Expectations suites in ``expectations/``) for one session.

The logic lives in ``mmwatch.rules``; this wrapper adds what belongs to a run: the Data Docs
folder beside the session's report (``<out>/<session id>/data_docs``) and one Prefect event per
failed rule (only inside a flow run or with a Prefect API).
"""

from __future__ import annotations

from typing import Any

import duckdb
from prefect import task
from prefect.cache_policies import NO_CACHE

from mmwatch.config import Settings
from mmwatch.rules import engine
from mmwatch.rules.events import emit_rule_events


def _asset(con: duckdb.DuckDBPyConnection, session_id: str) -> str | None:
    from mmwatch.report.build import identity_from_filename

    rows = con.execute("select log_asset, source_path from session_summary where session_id = ?",
                       [session_id]).fetchall()
    if not rows:
        return None
    log_asset, path = rows[0]
    return log_asset or identity_from_filename(path)[1]


@task(name="evaluate-rules", cache_policy=NO_CACHE)
def evaluate_rules(con: duckdb.DuckDBPyConnection, session_id: str,
                   settings: Settings) -> list[dict[str, Any]]:
    """Rule results of ``session_id`` as report.json ``rules`` entries (also in table ``rule_results``)."""
    docs_dir = settings.out_dir / session_id / "data_docs" if settings.data_docs else None
    rules = engine.evaluate_session(con, session_id, settings.expectations_dir, docs_dir=docs_dir)
    emit_rule_events(session_id, _asset(con, session_id), rules)
    return rules


def exit_code_for(rules: list[dict[str, Any]], fail_on: str) -> int:
    """0, or 1 when a rule at or above ``fail_on`` failed."""
    return engine.exit_code_for(rules, fail_on)
