"""``mmwatch pull PATH_OR_GLOB... [--db FILE] [--final] [--json]``: load new log lines into DuckDB.

Each line lands exactly once, whatever happens to the process; run it as often as you like. With
``PREFECT_API_URL`` set (or ``--prefect``) it is a flow run of ``pull-logs``.
"""

from __future__ import annotations

import argparse
import json
import os

from mmwatch.cli import UsageError
from mmwatch.config import load_settings


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("pull", help="load the new lines of log files into DuckDB (exactly once)")
    p.add_argument("paths", nargs="+", metavar="PATH_OR_GLOB", help="log files or globs ('logs/*.log')")
    p.add_argument("--db", help="DuckDB file (default .mmwatch/mmwatch.duckdb, env MMWATCH_DB)")
    p.add_argument("--final", action="store_true",
                   help="the files will not grow any more: keep an unfinished last line too")
    mode = p.add_mutually_exclusive_group()
    mode.add_argument("--prefect", dest="prefect", action="store_true", default=None,
                      help="run as a Prefect flow run (default when PREFECT_API_URL is set)")
    mode.add_argument("--no-prefect", dest="prefect", action="store_false", help="run as plain calls")
    p.add_argument("--json", action="store_true", help="print the digest as JSON")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from mmwatch.ingest import InputError
    from mmwatch.store import StoreError

    settings = load_settings(db=args.db)
    use_prefect = args.prefect if args.prefect is not None else bool(os.environ.get("PREFECT_API_URL"))
    try:
        if use_prefect:
            from flows.pull_logs import pull_logs
            from mmwatch.commands.prefect_api import run_flow

            digest = run_flow(lambda: pull_logs(paths=list(args.paths), db=str(settings.db_path),
                                                final=args.final))
        else:
            from mmwatch.ingest import pull_digest, pull_paths

            digest = pull_digest(*pull_paths(settings.db_path, args.paths, final=args.final,
                                             block_bytes=settings.read_block_bytes))
    except (InputError, StoreError) as exc:
        raise UsageError(str(exc)) from None
    if args.json:
        print(json.dumps(digest, indent=2))
        return 0
    for f in digest["files"]:
        note = " new source" if f["new_source"] else ""
        held = f", {f['held_back']} bytes of an unfinished line held back" if f["held_back"] else ""
        print(f"{f['path']}: +{f['bytes_read']} bytes, {f['events']} events, {f['other']} other lines "
              f"-> {f['committed_offset']}/{f['size']} bytes ({f['source_id']}{note}{held})")
    for pattern in digest["unmatched_globs"]:
        print(f"{pattern}: no file matches yet")
    return 0
