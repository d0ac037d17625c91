"""Run the rule SQL files (``sql/rules/<RULE-ID>.sql``) for one session: what each rule observed.

Each file is a CTE chain ending ``select * from final`` over the audit tables of the sessions in
``scope_sessions`` (set by ``mmwatch.transform.build_audit_tables`` on the same connection), with
the columns ``session_id, evaluated, observed, summary, evidence``; ``evidence`` is a list of at most
10 ``{line_no, ts, text}`` rows (the failing lines when the rule fails).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

import duckdb

from mmwatch.rules.catalogue import RULES_SQL_DIR, RuleConfigError, RuleSpec

COLUMNS = ["session_id", "evaluated", "observed", "summary", "evidence"]


@dataclass
class Observation:
    rule_id: str
    evaluated: bool
    observed: Any
    summary: str | None
    evidence: list[dict[str, Any]] = field(default_factory=list)


def jsonable(value: Any) -> Any:
    """DuckDB values -> JSON values (NaN/inf -> None, Decimal -> float, timestamps -> ISO text)."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return None if math.isnan(value) or math.isinf(value) else value
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    return str(value)


def prepare(con: duckdb.DuckDBPyConnection) -> None:
    """Create the helper macros and the result tables on this connection."""
    con.execute((RULES_SQL_DIR / "_macros.sql").read_text(encoding="utf-8"))
    con.execute((RULES_SQL_DIR / "_tables.sql").read_text(encoding="utf-8"))


def observe(con: duckdb.DuckDBPyConnection, rule: RuleSpec, session_id: str) -> Observation:
    """The observation of ``rule`` for ``session_id`` (not evaluated when the session has no row)."""
    query = rule.sql_path.read_text(encoding="utf-8")
    try:
        cur = con.execute(f"select {', '.join(COLUMNS)} from ({query}) where session_id = ?", [session_id])
        rows = cur.fetchall()
    except duckdb.Error as exc:
        raise RuleConfigError(f"{rule.sql_path.name}: {str(exc).splitlines()[0]}") from None
    if not rows:
        return Observation(rule.rule_id, False, None, "session not in the audit tables")
    if len(rows) > 1:
        raise RuleConfigError(f"{rule.sql_path.name}: {len(rows)} rows for session {session_id}, expected 1")
    _, evaluated, observed, summary, evidence = rows[0]
    return Observation(rule.rule_id, bool(evaluated), jsonable(observed), summary,
                       [jsonable(e) for e in (evidence or [])][:10])


def observe_all(
    con: duckdb.DuckDBPyConnection, rule: RuleSpec, session_ids: list[str]
) -> dict[str, Observation]:
    """The observations of ``rule`` for every session of ``session_ids``, from one run of its SQL.

    One query per rule instead of one per rule and session: an audit of many sessions (a nightly
    batch) runs the 30-odd rule files once.
    """
    query = rule.sql_path.read_text(encoding="utf-8")
    try:
        cur = con.execute(
            f"select {', '.join(COLUMNS)} from ({query}) where session_id in (select unnest(?::varchar[]))",
            [session_ids],
        )
        rows = cur.fetchall()
    except duckdb.Error as exc:
        raise RuleConfigError(f"{rule.sql_path.name}: {str(exc).splitlines()[0]}") from None
    found: dict[str, Observation] = {}
    for session_id, evaluated, observed, summary, evidence in rows:
        if session_id in found:
            raise RuleConfigError(f"{rule.sql_path.name}: several rows for session {session_id}, expected 1")
        found[session_id] = Observation(rule.rule_id, bool(evaluated), jsonable(observed), summary,
                                        [jsonable(e) for e in (evidence or [])][:10])
    return {
        sid: found.get(sid) or Observation(rule.rule_id, False, None, "session not in the audit tables")
        for sid in session_ids
    }

