"""``mmwatch sources [--db FILE] [--json]``: every log source in the store and its sessions.

A source pulled but not audited yet still shows its sessions: they are computed here first
(``mmwatch.transform.build_sessions``), which reads only that source's events.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from mmwatch.cli import UsageError
from mmwatch.config import load_settings

NO_SOURCE = "-"  # a scope naming no real source (set_scope needs at least one id)


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("sources", help="list the log sources in the store and their sessions")
    p.add_argument("--db", help="DuckDB file (default .mmwatch/mmwatch.duckdb, env MMWATCH_DB)")
    p.add_argument("--json", action="store_true", help="print the list as JSON")
    p.set_defaults(run=run)


def list_sources(db_path: Path) -> list[dict[str, Any]]:
    """The sources of the store at ``db_path``, with sessions brought up to date."""
    from mmwatch.ingest import connect_waiting
    from mmwatch.store import read_sql
    from mmwatch.transform import build_sessions, set_scope

    con = connect_waiting(db_path)
    try:
        set_scope(con, [NO_SOURCE])
        build_sessions(con)  # creates session_bounds in a store that was never audited
        outdated = [r[0] for r in con.execute(read_sql("live/sessions_outdated.sql")).fetchall()]
        if outdated:
            set_scope(con, outdated)
            build_sessions(con)
        cur = con.execute(read_sql("live/source_list.sql"))
        names = [d[0] for d in cur.description]
        rows = [dict(zip(names, row, strict=True)) for row in cur.fetchall()]
    finally:
        con.close()
    out = []
    for r in rows:
        out.append({
            "source_id": r["source_id"], "path": r["path"], "fingerprint": r["fingerprint"],
            "offset": r["committed_offset"], "size": r["size_seen"], "events": r["events"],
            "other": r["other"],
            "first_seen": r["first_seen"].isoformat(), "last_pull": r["last_pull"].isoformat(),
            "sessions": list(r["session_ids"]),
        })
    return out


def run(args: argparse.Namespace) -> int:
    from mmwatch.store import StoreError

    settings = load_settings(db=args.db)
    if not settings.db_path.exists():
        raise UsageError(f"{settings.db_path}: no such DuckDB file (run `mmwatch pull` first)")
    try:
        sources = list_sources(settings.db_path)
    except StoreError as exc:
        raise UsageError(str(exc)) from None
    if args.json:
        print(json.dumps(sources, indent=2))
        return 0
    if not sources:
        print("no sources yet")
    for s in sources:
        sessions = ", ".join(s["sessions"]) or "none"
        print(f"{s['source_id']}  {s['path']}\n    fingerprint {s['fingerprint'][:16]}  offset {s['offset']}/"
              f"{s['size']} bytes  events {s['events']}  other {s['other']}\n    sessions: {sessions}")
    return 0
