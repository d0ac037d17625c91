"""Task: rebuild the audit tables of the given sources from their raw events (``sql/``)."""

from __future__ import annotations

from collections.abc import Sequence

import duckdb
from prefect import task
from prefect.cache_policies import NO_CACHE

from mmwatch.transform import build_audit_tables


# takes a DuckDB connection: not hashable, never cached
@task(name="build-audit-tables", cache_policy=NO_CACHE)
def build_tables(con: duckdb.DuckDBPyConnection, source_ids: Sequence[str]) -> list[str]:
    """Run the staging and audit SQL for ``source_ids``; return the session ids found."""
    return build_audit_tables(con, source_ids)
