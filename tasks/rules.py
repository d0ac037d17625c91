"""Task: evaluate the audit rules (Great Expectations suites in ``expectations/``) for one session.

The logic lives in ``mmwatch.rules``; this wrapper adds what belongs to a run: the Data Docs
folder beside the session's report (``<out>/<session id>/data_docs``) and one Prefect event per
failed rule, labelled with its severity, asset, network and mode (only inside a flow run or with a
Prefect API).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb
from prefect import task
from prefect.cache_policies import NO_CACHE

from mmwatch.config import Settings
from mmwatch.rules import engine
from mmwatch.rules.events import emit_rule_events


def _identity(con: duckdb.DuckDBPyConnection, session_id: str) -> tuple[str | None, str | None, str | None]:
    """(asset, network, mode) of a session as its report says them: the labels automations filter
    events on."""
    from mmwatch.report.build import identity_from_filename

    rows = con.execute("select log_asset, log_network, mode, source_path from session_summary "
                       "where session_id = ?", [session_id]).fetchall()
    if not rows:
        return None, None, None
    log_asset, log_network, mode, path = rows[0]
    return log_asset or identity_from_filename(path)[1], log_network, mode


def data_docs_dir(settings: Settings, session_ids: list[str]) -> Path | None:
    """Where the Data Docs site of one rule run goes: beside the report of a single session; for a
    run over several sessions (one GX run, one site), in ``<out>/data_docs/<first id>+<n>``."""
    if not settings.data_docs or not session_ids:
        return None
    if len(session_ids) == 1:
        return settings.out_dir / session_ids[0] / "data_docs"
    return settings.out_dir / "data_docs" / f"{session_ids[0]}+{len(session_ids) - 1}"


@task(name="evaluate-rules-batch", cache_policy=NO_CACHE)
def evaluate_rules_batch(con: duckdb.DuckDBPyConnection, session_ids: list[str],
                         settings: Settings) -> dict[str, list[dict[str, Any]]]:
    """Rule results of every session of ``session_ids``, judged in one GX run (table ``rule_results``)."""
    docs_dir = data_docs_dir(settings, session_ids)
    by_session = engine.evaluate_sessions(con, session_ids, settings.expectations_dir, docs_dir=docs_dir)
    for session_id, rules in by_session.items():
        asset, network, mode = _identity(con, session_id)
        emit_rule_events(session_id, asset, rules, network, mode)
    return by_session


@task(name="evaluate-rules", cache_policy=NO_CACHE)
def evaluate_rules(con: duckdb.DuckDBPyConnection, session_id: str,
                   settings: Settings) -> list[dict[str, Any]]:
    """Rule results of ``session_id`` as report.json ``rules`` entries (also in table ``rule_results``)."""
    return evaluate_rules_batch.fn(con, [session_id], settings)[session_id]


def exit_code_for(rules: list[dict[str, Any]], fail_on: str) -> int:
    """0, or 1 when a rule at or above ``fail_on`` failed."""
    return engine.exit_code_for(rules, fail_on)
