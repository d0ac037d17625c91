"""Flow ``pull-logs``: load the new lines of log files into DuckDB, each line exactly once.

Paths may be globs (``logs/*.log``): a file that starts matching is a new source. A pull costs the
new bytes only (``mmwatch.ingest``), so the flow can run every few minutes on an interval schedule
next to a bot that is writing. Without a Prefect server, ``mmwatch pull`` runs the same body as
plain calls (``mmwatch.ingest.pull_paths``), without even importing Prefect.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb
from prefect import flow

from mmwatch.config import load_settings
from mmwatch.ingest import PullResult, pull_digest, pull_paths
from tasks.ingest import pull_log


def _pull_as_task(con: duckdb.DuckDBPyConnection, path: Path, *, final: bool, block_bytes: int) -> PullResult:
    return pull_log(con, path, final, block_bytes)


@flow(name="pull-logs", log_prints=True)
def pull_logs(paths: list[str], db: str | None = None, final: bool = False) -> dict[str, Any]:
    """Load the new lines of ``paths`` (files or globs). ``final``: the files will not grow any more."""
    settings = load_settings(db=db)
    results, unmatched = pull_paths(settings.db_path, paths, final=final,
                                    block_bytes=settings.read_block_bytes, pull=_pull_as_task)
    for r in results:
        print(f"{r.path}: +{r.bytes_read} bytes, {r.events} events, {r.other} other lines "
              f"(source {r.source_id}{', new' if r.new_source else ''})")
    for pattern in unmatched:
        print(f"{pattern}: no file matches yet")
    return pull_digest(results, unmatched)
