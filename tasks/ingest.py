"""Task: load the new bytes of log files into the DuckDB store."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import duckdb
from prefect import task
from prefect.cache_policies import NO_CACHE

from mmwatch.ingest import PullResult, pull_file


# takes a DuckDB connection: not hashable, never cached
@task(name="pull-log", cache_policy=NO_CACHE)
def pull_log(
    con: duckdb.DuckDBPyConnection,
    path: str | Path,
    final: bool,
    block_bytes: int,
    progress: Callable[[int, int], None] | None = None,
) -> PullResult:
    """Load what ``path`` holds beyond its committed offset (see ``mmwatch.ingest``)."""
    return pull_file(con, path, final=final, block_bytes=block_bytes, progress=progress)
