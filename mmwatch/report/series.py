"""Time series for the report's plots, read from the audit tables by the SQL files of ``sql/report``.

The HTML report draws pictures where a person would rather look than read (position, account,
microprice against mid, rate-limit headroom, fills). Each series is one ``sql/report/<name>.sql``
query with a ``$session`` parameter; this module only runs them and returns plain lists.
"""

from __future__ import annotations

import math
from typing import Any

import duckdb

from mmwatch.store import read_sql

#: Series names, one ``sql/report/<name>.sql`` each.
SERIES = ("position", "account", "microprice", "rate_limit", "fills")


def _plain(value: Any) -> Any:
    if isinstance(value, float) and (math.isnan(value) or math.isinf(value)):
        return None
    return value


def build_series(con: duckdb.DuckDBPyConnection, session_id: str) -> dict[str, list[dict[str, Any]]]:
    """``{name: [row, ...]}`` for one session; ``t`` is seconds since the epoch (UTC)."""
    out: dict[str, list[dict[str, Any]]] = {}
    for name in SERIES:
        cur = con.execute(read_sql(f"report/{name}.sql"), {"session": session_id})
        cols = [d[0] for d in cur.description]
        out[name] = [{c: _plain(v) for c, v in zip(cols, row, strict=True)} for row in cur.fetchall()]
    return out
