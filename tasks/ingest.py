"""Task: load the new bytes of log files into the DuckDB store."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import duckdb
from prefect import task

from mmwatch.ingest import PullResult, pull_file


@task(name="pull-log")
def pull_log(
    con: duckdb.DuckDBPyConnection,
    path: str | Path,
    final: bool,
    block_bytes: int,
    progress: Callable[[int, int], None] | None = None,
) -> PullResult:
    """Load what ``path`` holds beyond its committed offset (see ``mmwatch.ingest``)."""
    return pull_file(con, path, final=final, block_bytes=block_bytes, progress=progress)
