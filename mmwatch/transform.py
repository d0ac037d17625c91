"""Raw events -> audit tables, by running the SQL files of ``sql/staging`` and ``sql/audit`` in order.

Only the sources being audited are (re)computed: their rows in every audit table are replaced,
rows of other sources stay as they were.
"""

from __future__ import annotations

from collections.abc import Sequence

import duckdb

from mmwatch.catalogue import classify
from mmwatch.store import materialize, read_sql

#: Audit tables in dependency order (positions reads fills; session_summary reads all of them).
AUDIT_TABLES = (
    "session_era",
    "fills",
    "account_samples",
    "positions",
    "microprice_checks",
    "price_drift",
    "rate_limit",
    "ladder",
    "kill_switch",
    "safety_sync",
    "warmup",
    "spreads",
    "shutdown",
    "warn_taxonomy",
    "pnl_edge",
    "quote_cycles",
    "session_kinds",
    "session_summary",
)


def set_scope(con: duckdb.DuckDBPyConnection, source_ids: Sequence[str]) -> None:
    con.execute("create or replace temp table scope_sources (source_id varchar primary key)")
    if source_ids:
        con.executemany("insert or ignore into scope_sources values (?)", [[s] for s in source_ids])


def build_sessions(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Split the scoped sources into sessions (table ``session_bounds``); return the session ids.

    Sessions start at the start-up lines of the bot, found by their kind, so the events are
    classified against the message catalogue first (temp table ``stg_kinds``), and repeated lines
    and stray timestamps flagged (``stg_event_checks``) so that they do not shape a session.
    """
    classify(con)
    checks = read_sql("staging/stg_event_checks.sql")
    con.execute(f"create or replace temp table stg_event_checks as {checks}")
    query = read_sql("staging/session_bounds.sql")
    con.execute(f"create table if not exists session_bounds as select * from ({query}) limit 0")
    con.execute("delete from session_bounds where source_id in (select source_id from scope_sources)")
    con.execute(f"insert into session_bounds by name select * from ({query})")
    con.execute(
        "create or replace temp view scope_sessions as "
        "select b.* from session_bounds as b join scope_sources using (source_id)"
    )
    rows = con.execute("select session_id from scope_sessions order by source_id, start_offset").fetchall()
    return [r[0] for r in rows]


def build_audit_tables(con: duckdb.DuckDBPyConnection, source_ids: Sequence[str]) -> list[str]:
    """Recompute sessions and every audit table for ``source_ids``; return their session ids."""
    set_scope(con, source_ids)
    session_ids = build_sessions(con)
    con.execute(f"create or replace temp table stg_events as {read_sql('staging/stg_events.sql')}")
    con.execute(f"create or replace temp table session_lines as {read_sql('staging/session_lines.sql')}")
    for table in AUDIT_TABLES:
        materialize(con, f"audit/{table}")
    return session_ids
